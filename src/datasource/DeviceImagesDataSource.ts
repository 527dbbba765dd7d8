/**
 * The Graph side of the gateway: reads and writes one tenant's Cloud PC
 * device images with one caller's token, for one GraphQL operation.
 */
import DataLoader from 'dataloader';

import {
  BadUserInputError,
  ConflictError,
  UpstreamUnavailableError,
} from '../errors/index.js';
import { createSilentLogger, type Logger } from '../logger.js';
import type { UpstreamMetrics } from '../server/metricsSink.js';
import type { TokenProvider } from './credentials.js';
import type { GraphClient } from './GraphClient.js';
import {
  GraphTransportError,
  MAX_BATCH_SIZE,
  type GraphRequest,
  type GraphResponse,
} from './graphHttp.js';
import {
  type DeviceImageProperty,
  type GraphCreateDeviceImage,
  type GraphDeviceImage,
  type GraphErrorBody,
  type GraphSourceImage,
  type GraphSourceImageCategory,
} from './graphModel.js';
import {
  graphDetails,
  toCause,
  toGatewayError,
  type GraphFailure,
  type ToGatewayErrorOptions,
} from './toGatewayError.js';
import {
  encodeQueryValue,
  listQuery,
  normalizeSelect,
  selectQuery,
} from './odataQuery.js';
import type {
  DeviceImagePage,
  DeviceImagesApi,
  ListDeviceImagesOptions,
} from './types.js';
import {
  assertCreateDeviceImage,
  assertDeviceImageId,
  assertSourceImageCategory,
  describeValue,
} from './validation.js';

/** The `deviceImages` collection, relative to the version root (contract §1). */
/**
 * The longest `pageUrl` accepted. Graph's skip tokens are far shorter; a
 * longer link would only be refused by the HTTP server as a 414 or 431.
 */
export const MAX_PAGE_URL_LENGTH = 4096;

export const DEVICE_IMAGES_PATH =
  '/deviceManagement/virtualEndpoint/deviceImages';

export interface DeviceImagesDataSourceOptions {
  /** The process-wide Graph client. */
  client: GraphClient;
  /** The bearer token of the caller this instance acts for. */
  getToken: TokenProvider;
  /**
   * Where reconciliations and other notable outcomes are logged; usually
   * the operation's child logger.
   * @default a silent logger
   */
  logger?: Logger | undefined;
  /**
   * Where the size of each batch of by-id reads is recorded, a single id
   * included.
   * @default none
   */
  metrics?: Pick<UpstreamMetrics, 'batchDispatched'> | undefined;
}

/**
 * Shared by instances built without a logger: one is built per GraphQL
 * operation, and a pino instance costs more to create than a Graph call.
 */
let silentLogger: Logger | undefined;

interface LoadKey {
  id: string;
  /** Normalised: `id` first, no duplicates; undefined = Graph's default. */
  select: readonly DeviceImageProperty[] | undefined;
}

interface Collection<T> {
  value?: T[];
  '@odata.nextLink'?: string;
}

/**
 * Implements {@link DeviceImagesApi} over a shared {@link GraphClient}.
 * Construct one per GraphQL operation: its DataLoader batches and caches
 * reads for that operation only, with that caller's token.
 */
export class DeviceImagesDataSource implements DeviceImagesApi {
  readonly #client: GraphClient;
  readonly #getToken: TokenProvider;
  readonly #logger: Logger;
  /**
   * The logger given, handed to the client with each call so that retry
   * lines carry the operation's bindings; without one the client logs on
   * its own logger.
   */
  readonly #callLogger: Logger | undefined;
  readonly #metrics: Pick<UpstreamMetrics, 'batchDispatched'> | undefined;
  readonly #loader: DataLoader<LoadKey, GraphDeviceImage | null, string>;

  constructor(options: DeviceImagesDataSourceOptions) {
    this.#client = options.client;
    this.#getToken = options.getToken;
    this.#logger = options.logger ?? (silentLogger ??= createSilentLogger());
    this.#callLogger = options.logger;
    this.#metrics = options.metrics;
    this.#loader = new DataLoader((keys) => this.#loadBatch(keys), {
      maxBatchSize: MAX_BATCH_SIZE,
      cacheKeyFn: (key) => `${key.id}|${key.select?.join(',') ?? '*'}`,
    });
  }

  /**
   * One image by id, or null when Graph answers 404. Calls made in the same
   * tick share one Graph request: a plain GET for a single id, a `$batch` of
   * up to 20 GETs otherwise, all asking for the union of their selections.
   */
  async get(
    id: string,
    select?: readonly DeviceImageProperty[],
  ): Promise<GraphDeviceImage | null> {
    assertDeviceImageId(id, 'id');
    const key = { id, select: normalizeSelect(select) };
    try {
      return await this.#loader.load(key);
    } catch (error) {
      // Failures are not cached: a later read in the operation tries again.
      this.#loader.clear(key);
      throw error;
    }
  }

  /**
   * One page of images. With `pageUrl` (an `@odata.nextLink` from an
   * earlier page) the other options are ignored: the link carries them.
   */
  async listPage(
    options: ListDeviceImagesOptions = {},
  ): Promise<DeviceImagePage> {
    const path =
      options.pageUrl === undefined
        ? DEVICE_IMAGES_PATH + listQuery(options)
        : this.#pagePath(options.pageUrl);
    const page = await this.#fetchPage<GraphDeviceImage>(path, {
      action: 'list device images',
      argumentName: options.pageUrl === undefined ? 'filter' : 'pageUrl',
    });
    return { images: page.value ?? [], nextLink: page['@odata.nextLink'] };
  }

  /** Every image, following `@odata.nextLink` to the last page. */
  async listAll(
    options: ListDeviceImagesOptions = {},
  ): Promise<GraphDeviceImage[]> {
    const path =
      options.pageUrl === undefined
        ? DEVICE_IMAGES_PATH + listQuery(options)
        : this.#pagePath(options.pageUrl);
    return this.#collect<GraphDeviceImage>(path, {
      action: 'list device images',
      argumentName: options.pageUrl === undefined ? 'filter' : 'pageUrl',
    });
  }

  /**
   * Creates an image, exactly once (contract §4: display name and version
   * identify an image). A 429 is retried by the client, since Graph did not
   * process it. After an ambiguous failure (timeout, reset, 5xx) the image
   * may or may not exist, so it is looked up by display name and version:
   * found, it is returned; absent, the POST is sent once more, which is now
   * safe; a 409 to that second POST means the first one landed late, and the
   * lookup runs again.
   */
  async create(input: GraphCreateDeviceImage): Promise<GraphDeviceImage> {
    assertCreateDeviceImage(input, 'input');
    const { displayName, version, sourceImageResourceId } = input;
    const body = { displayName, version, sourceImageResourceId };
    const action = `create device image "${displayName}" version ${version}`;
    const token = await this.#getToken();
    const post = (): Promise<GraphFailure | GraphResponse<GraphDeviceImage>> =>
      this.#client
        .request<GraphDeviceImage>({
          method: 'POST',
          path: DEVICE_IMAGES_PATH,
          token,
          body,
          logger: this.#callLogger,
        })
        .catch((error: unknown) => {
          if (error instanceof GraphTransportError) return error;
          throw error;
        });

    let outcome = await post();
    for (let posts = 1; ; posts++) {
      if (!(outcome instanceof Error) && outcome.ok) {
        return outcome.body as GraphDeviceImage;
      }
      const conflict = !(outcome instanceof Error) && outcome.status === 409;
      const taken = (): ConflictError =>
        new ConflictError(
          `An image named "${displayName}" with version ${version} ` +
            'already exists',
          { graph: graphDetails(outcome), cause: toCause(outcome) },
        );
      if (conflict && posts === 1) throw taken();
      if (!conflict && !isAmbiguous(outcome)) {
        throw toGatewayError(outcome, { action, argumentName: 'input' });
      }
      // Here the first POST failed ambiguously, or the second answered 409
      // because the first landed after the lookup.
      this.#logger.warn(
        { displayName, version, posts, err: toCause(outcome) },
        'Create outcome unknown; looking the image up by name and version',
      );
      const found = await this.#findCreated(input, action, outcome);
      if (found) {
        this.#logger.info(
          { displayName, version, id: found.id },
          'Reconciled an ambiguous create: the image exists',
        );
        return found;
      }
      if (posts === 2 && conflict) throw taken();
      if (posts === 2) {
        throw new UpstreamUnavailableError(
          `Graph failed twice while trying to ${action}; the image does ` +
            'not exist, so it is safe to try again',
          { graph: graphDetails(outcome), cause: toCause(outcome) },
        );
      }
      outcome = await post();
    }
  }

  /**
   * Deletes an image; NotFoundError when there is none. When the client
   * retried after an ambiguous failure (timeout, reset, 5xx) and the retry
   * answers 404, the first attempt is taken to have deleted it: the image is
   * gone either way, which is what the caller asked for. The cost is that a
   * delete of an id that never existed also succeeds in that one case.
   */
  async delete(id: string): Promise<void> {
    assertDeviceImageId(id, 'id');
    const response = await this.#send(
      { method: 'DELETE', path: `${DEVICE_IMAGES_PATH}/${id}` },
      { action: `delete device image ${id}` },
    );
    if (response.ok) return;
    if (response.status === 404 && response.earlierAttemptAmbiguous) {
      this.#logger.info(
        { id, attempts: response.attempts },
        'Retried delete found no image; the first attempt deleted it',
      );
      return;
    }
    throw toGatewayError(response, {
      action: `delete device image ${id}`,
      argumentName: 'id',
      notFoundMessage: `No device image with id ${id}`,
    });
  }

  /**
   * Graph's `retryUpload` (beta) for an image whose upload failed. It is
   * not retried after an ambiguous failure, since Graph may have started the
   * upload again.
   */
  async retryUpload(id: string): Promise<void> {
    assertDeviceImageId(id, 'id');
    const options: ToGatewayErrorOptions = {
      action: `retry the upload of device image ${id}`,
      argumentName: 'id',
      notFoundMessage: `No device image with id ${id}`,
      ambiguousOutcome:
        'the upload may have restarted, so read the image status before ' +
        'trying again',
    };
    const response = await this.#send(
      { method: 'POST', path: `${DEVICE_IMAGES_PATH}/${id}/retryUpload` },
      options,
    );
    if (response.ok) return;
    if (response.status === 400) {
      throw new BadUserInputError(
        'id',
        `Cannot retry the upload of device image ${id}: ` +
          (graphMessage(response) ??
            'Graph refused; only images whose upload failed can be ' +
              'uploaded again.'),
        { graph: graphDetails(response), cause: toCause(response) },
      );
    }
    throw toGatewayError(response, options);
  }

  /** Source images the tenant can upload, optionally of one category. */
  async sourceImages(
    category?: GraphSourceImageCategory,
  ): Promise<GraphSourceImage[]> {
    let query = '';
    if (category !== undefined) {
      assertSourceImageCategory(category, 'category');
      query = `?$filter=${encodeQueryValue(`category eq '${category}'`)}`;
    }
    return this.#collect<GraphSourceImage>(
      `${DEVICE_IMAGES_PATH}/getSourceImages${query}`,
      { action: 'list source images', argumentName: 'category' },
    );
  }

  async #loadBatch(
    keys: readonly LoadKey[],
  ): Promise<(GraphDeviceImage | null | Error)[]> {
    const ids = [...new Set(keys.map((key) => key.id))];
    this.#metrics?.batchDispatched(ids.length);
    const query = selectQuery(unionSelect(keys));
    const token = await this.#getToken();
    const answers = new Map<string, GraphResponse | Error>();
    if (ids.length === 1) {
      // One id needs no envelope: a plain GET is smaller and its failure is
      // the call's own.
      const id = ids[0]!;
      answers.set(
        id,
        await this.#client
          .request({
            method: 'GET',
            path: `${DEVICE_IMAGES_PATH}/${id}${query}`,
            token,
            logger: this.#callLogger,
          })
          .catch((error: unknown) =>
            mapTransport(error, { action: `read device image ${id}` }),
          ),
      );
    } else {
      const result = await this.#client
        .batch(
          ids.map((id, index) => ({
            id: String(index + 1),
            method: 'GET' as const,
            url: `${DEVICE_IMAGES_PATH}/${id}${query}`,
          })),
          token,
          this.#callLogger,
        )
        .catch((error: unknown) =>
          mapTransport(error, { action: 'read device images' }),
        );
      if (result instanceof Error) throw result;
      if (!result.outer.ok) {
        throw toGatewayError(result.outer, { action: 'read device images' });
      }
      ids.forEach((id, index) => {
        answers.set(
          id,
          result.items.get(String(index + 1)) ??
            new Error(`Graph's $batch answer has no item for image ${id}.`),
        );
      });
    }
    return keys.map((key) => {
      const answer = answers.get(key.id)!;
      if (answer instanceof Error) return answer;
      if (answer.ok) return answer.body as GraphDeviceImage;
      if (answer.status === 404) return null;
      return toGatewayError(answer, {
        action: `read device image ${key.id}`,
        argumentName: 'id',
      });
    });
  }

  /** Reads pages from `path`, following every `@odata.nextLink`. */
  async #collect<T>(
    path: string,
    errorOptions: ToGatewayErrorOptions,
  ): Promise<T[]> {
    const items: T[] = [];
    const seen = new Set<string>();
    const collection = path.split('?', 1)[0]!;
    for (let next: string | undefined = path; next !== undefined;) {
      const page: Collection<T> = await this.#fetchPage<T>(next, errorOptions);
      items.push(...(page.value ?? []));
      const link = page['@odata.nextLink'];
      next =
        link === undefined ? undefined : this.#graphLinkPath(link, collection);
      if (next !== undefined && seen.has(next)) {
        throw new Error(
          `Graph's @odata.nextLink repeats an earlier page (${link}); ` +
            'stopped following it.',
        );
      }
      if (next !== undefined) seen.add(next);
    }
    return items;
  }

  async #fetchPage<T>(
    path: string,
    errorOptions: ToGatewayErrorOptions,
  ): Promise<Collection<T>> {
    const response = await this.#send<Collection<T>>(
      { method: 'GET', path },
      errorOptions,
    );
    if (!response.ok) throw toGatewayError(response, errorOptions);
    return response.body ?? {};
  }

  /**
   * A caller-supplied page link (e.g. from a forged cursor), held to the
   * rule for Graph's own links, and short enough for any HTTP server.
   */
  #pagePath(pageUrl: string): string {
    const path =
      typeof pageUrl === 'string' && pageUrl.length <= MAX_PAGE_URL_LENGTH
        ? this.#linkPath(pageUrl, DEVICE_IMAGES_PATH)
        : undefined;
    if (path === undefined) {
      throw new BadUserInputError(
        'pageUrl',
        'Invalid pageUrl: expected an @odata.nextLink of ' +
          `${this.#client.baseUrl}${DEVICE_IMAGES_PATH} (at most ` +
          `${MAX_PAGE_URL_LENGTH} characters), but got ` +
          `${describeValue(pageUrl)}.`,
      );
    }
    return path;
  }

  /**
   * Graph's next link as a path to request. The bearer token goes wherever
   * the link points, and contract §5 ("Paging") calls the link opaque, not
   * where it leads: so it is followed only on the configured origin and base
   * path, and only to the collection the first page came from.
   */
  #graphLinkPath(link: string, collection: string): string {
    const path = this.#linkPath(link, collection);
    if (path === undefined) {
      throw new Error(
        'Graph sent an @odata.nextLink outside ' +
          `${this.#client.baseUrl}${collection} (${link}); it was not ` +
          'followed, so the token stays with Graph.',
      );
    }
    return path;
  }

  /** The link's path and query when it addresses `collection`. */
  #linkPath(link: string, collection: string): string | undefined {
    const path = this.#client.relativePath(link);
    if (path === undefined) return undefined;
    const query = path.indexOf('?');
    return (query === -1 ? path : path.slice(0, query)) === collection
      ? path
      : undefined;
  }

  /**
   * Looks up what an ambiguous create left behind. Graph's `$filter` on
   * `version` is not documented (contract §1), so the version is matched
   * here.
   */
  async #findCreated(
    input: GraphCreateDeviceImage,
    action: string,
    failure: GraphFailure,
  ): Promise<GraphDeviceImage | undefined> {
    let images: GraphDeviceImage[];
    try {
      images = await this.listAll({
        filter: { displayName: input.displayName },
      });
    } catch (error) {
      throw new UpstreamUnavailableError(
        `Graph failed while trying to ${action}, and looking for the image ` +
          'afterwards failed too; whether it was created is unknown, so ' +
          'list the images before creating it again',
        { graph: graphDetails(failure), cause: error },
      );
    }
    // Display names are compared as Graph's uniqueness rule would, without
    // regard to case.
    const name = input.displayName.toLowerCase();
    return images.find(
      (image) =>
        image.displayName?.toLowerCase() === name &&
        image.version === input.version,
    );
  }

  /** Sends with this caller's token; no answer becomes a gateway error. */
  async #send<T = unknown>(
    request: Omit<GraphRequest, 'token'>,
    errorOptions: ToGatewayErrorOptions,
  ): Promise<GraphResponse<T>> {
    const token = await this.#getToken();
    try {
      return await this.#client.request<T>({
        ...request,
        token,
        logger: this.#callLogger,
      });
    } catch (error) {
      throw mapTransport(error, errorOptions);
    }
  }
}

/** Whether a failed create may have been applied (see `create`). */
function isAmbiguous(outcome: GraphFailure): boolean {
  return outcome instanceof GraphTransportError || outcome.status >= 500;
}

/** A call that got no answer becomes a gateway error; others rethrow. */
function mapTransport(error: unknown, options: ToGatewayErrorOptions): Error {
  if (error instanceof GraphTransportError) {
    return toGatewayError(error, options);
  }
  throw error;
}

function graphMessage(response: GraphResponse): string | undefined {
  const message = (response.body as Partial<GraphErrorBody> | undefined)?.error
    ?.message;
  return typeof message === 'string' && message !== '' ? message : undefined;
}

/** The union of a batch's selections; Graph's default if any asks for it. */
function unionSelect(
  keys: readonly LoadKey[],
): readonly DeviceImageProperty[] | undefined {
  if (keys.some((key) => key.select === undefined)) return undefined;
  return [...new Set(keys.flatMap((key) => key.select!))];
}
