/**
 * The operations of contract §1, independent of how the request arrived
 * (plain HTTP or a `$batch` item). Internal to the simulator.
 */
import {
  DEVICE_IMAGE_ERROR_CODES,
  DEVICE_IMAGE_OS_STATUSES,
  DEVICE_IMAGE_PROPERTIES,
  DEVICE_IMAGE_STATUSES,
  type GraphDeviceImage,
} from '../datasource/graphModel.js';
import { UnreachableCaseError } from '../errors/index.js';
import { GraphHttpError } from './GraphHttpError.js';
import { imageNotFound, type ImageStore } from './ImageStore.js';
import { COLLECTION_PATH, type RouteMatch } from './matchRoute.js';
import {
  assertSupportedOptions,
  decodeSkipToken,
  encodeSkipToken,
  parseCount,
  parseFilter,
  parseInteger,
  parseQuery,
  parseSelect,
  visibleEnumValue,
  type EqClause,
  type FilterFields,
} from './odata.js';
import { getSourceImages } from './getSourceImages.js';
import { validateCreate } from './validateCreate.js';

/** A request as every operation sees it. */
export interface OperationRequest {
  match: RouteMatch;
  /** The query string with its '?', or ''. */
  search: string;
  /** Header names lowercased. */
  contentType: string | undefined;
  body: string | undefined;
  store: ImageStore;
  /** Scheme and host the client used, for `@odata.context` and nextLink. */
  origin: string;
  /** The request sent `Prefer: include-unknown-enum-members`. */
  includeUnknown: boolean;
  pageSize: number | undefined;
}

/** An answer before it is written to a socket or a batch response. */
export interface OperationResponse {
  status: number;
  headers?: Record<string, string> | undefined;
  body?: unknown;
}

const ENTITY_CONTEXT =
  '/$metadata#deviceManagement/virtualEndpoint/deviceImages';

const IMAGE_FILTER_FIELDS: FilterFields = {
  id: true,
  displayName: true,
  version: true,
  sourceImageResourceId: true,
  operatingSystem: true,
  osBuildNumber: true,
  osVersionNumber: true,
  status: DEVICE_IMAGE_STATUSES,
  errorCode: DEVICE_IMAGE_ERROR_CODES,
  osStatus: DEVICE_IMAGE_OS_STATUSES,
};

/** Runs the matched operation; throws {@link GraphHttpError} on failure. */
export function handleOperation(req: OperationRequest): OperationResponse {
  const { match } = req;
  if (match.error) throw match.error;
  switch (match.route) {
    case 'listDeviceImages':
      return listImages(req);
    case 'getDeviceImage':
      return getImage(req, match.id as string);
    case 'createDeviceImage':
      return createImage(req);
    case 'deleteDeviceImage':
      assertSupportedOptions(parseQuery(req.search), [], 'delete');
      if (!req.store.delete(match.id as string)) {
        throw imageNotFound(match.id as string);
      }
      return { status: 204 };
    case 'retryUpload':
    case 'reupload':
      assertSupportedOptions(parseQuery(req.search), [], match.route);
      req.store.retryUpload(match.id as string);
      return { status: 204 };
    case 'getSourceImages':
      return getSourceImages(req);
    case 'batch':
    case 'unknown':
      throw new GraphHttpError(400, 'BadRequest', 'Unroutable request.');
    default:
      throw new UnreachableCaseError(match.route);
  }
}

/**
 * The image as the caller sees it: `$select`ed properties (`id` always,
 * since clients key on it) in contract order, evolvable enums hidden
 * unless asked for.
 */
function projectImage(
  image: GraphDeviceImage,
  select: readonly string[] | undefined,
  includeUnknown: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of DEVICE_IMAGE_PROPERTIES) {
    if (select && name !== 'id' && !select.includes(name)) continue;
    out[name] = image[name] ?? null;
  }
  if (!includeUnknown) {
    if ('status' in out) out.status = visibleStatus(image, false);
    if ('errorCode' in out) {
      out.errorCode = visibleEnumValue(
        image.errorCode,
        DEVICE_IMAGE_ERROR_CODES,
        false,
      );
    }
  }
  return out;
}

function visibleStatus(image: GraphDeviceImage, includeUnknown: boolean) {
  return visibleEnumValue(image.status, DEVICE_IMAGE_STATUSES, includeUnknown);
}

/**
 * Filters compare against the values the caller sees, so a caller without
 * the Prefer header finds a `warning` image under `unknownFutureValue`.
 */
function matchesFilter(
  image: GraphDeviceImage,
  clauses: readonly EqClause[],
  includeUnknown: boolean,
): boolean {
  for (const { property, value } of clauses) {
    let actual: unknown = image[property as keyof GraphDeviceImage];
    if (property === 'status') actual = visibleStatus(image, includeUnknown);
    if (property === 'errorCode') {
      actual = visibleEnumValue(
        image.errorCode,
        DEVICE_IMAGE_ERROR_CODES,
        includeUnknown,
      );
    }
    if ((actual ?? null) !== value) return false;
  }
  return true;
}

/**
 * List with server-driven paging (contract §5, "Paging"): a page holds at
 * most `$top`, else the configured page size, items; a next page is
 * announced by a full `@odata.nextLink` that repeats the original options
 * plus an opaque `$skiptoken`. `@odata.count` comes on the first page only.
 */
function listImages(req: OperationRequest): OperationResponse {
  const options = parseQuery(req.search);
  assertSupportedOptions(
    options,
    ['$select', '$filter', '$top', '$skiptoken', '$count'],
    'the deviceImages list',
  );
  const select = parseSelect(
    options.get('$select'),
    DEVICE_IMAGE_PROPERTIES,
    'cloudPcDeviceImage',
  );
  const clauses = parseFilter(options.get('$filter'), IMAGE_FILTER_FIELDS);
  const top = parseInteger('$top', options.get('$top'), 1, 999);
  const count = parseCount(options.get('$count'));
  const skipToken = options.get('$skiptoken');
  const afterSeq = decodeSkipToken(skipToken);
  const matching = req.store
    .list(afterSeq)
    .filter((s) => matchesFilter(s.image, clauses, req.includeUnknown));
  const size = top ?? req.pageSize ?? matching.length;
  const page = matching.slice(0, size);
  const body: Record<string, unknown> = {
    '@odata.context': req.origin + '/beta' + ENTITY_CONTEXT,
  };
  if (count && skipToken === undefined) body['@odata.count'] = matching.length;
  body.value = page.map((s) =>
    projectImage(s.image, select, req.includeUnknown),
  );
  const last = page[page.length - 1];
  if (matching.length > page.length && last) {
    // Option names keep a literal '$', as Graph writes its links.
    const query = [...new URLSearchParams(req.search)]
      .filter(([key]) => key.toLowerCase() !== '$skiptoken')
      .concat([['$skiptoken', encodeSkipToken(last.seq)]])
      .map(
        ([k, v]) =>
          `${encodeURIComponent(k).replace(/^%24/, '$')}=${encodeURIComponent(v)}`,
      )
      .join('&');
    body['@odata.nextLink'] = `${req.origin}/beta${COLLECTION_PATH}?${query}`;
  }
  return { status: 200, body };
}

function getImage(req: OperationRequest, id: string): OperationResponse {
  const options = parseQuery(req.search);
  assertSupportedOptions(options, ['$select'], 'a deviceImages get');
  const select = parseSelect(
    options.get('$select'),
    DEVICE_IMAGE_PROPERTIES,
    'cloudPcDeviceImage',
  );
  const stored = req.store.get(id);
  if (!stored) throw imageNotFound(id);
  return {
    status: 200,
    body: {
      '@odata.context': req.origin + '/beta' + ENTITY_CONTEXT + '/$entity',
      ...projectImage(stored.image, select, req.includeUnknown),
    },
  };
}

/** Create (contract §1, §4): 415 without a JSON content type. */
function createImage(req: OperationRequest): OperationResponse {
  assertSupportedOptions(parseQuery(req.search), [], 'create');
  if (!req.contentType || !/^application\/json\b/i.test(req.contentType)) {
    throw new GraphHttpError(
      415,
      'invalidRequest',
      `Content-Type must be application/json, got ` +
        `'${req.contentType ?? 'none'}'.`,
    );
  }
  const input = validateCreate(req.body ?? '');
  const image = req.store.create(input);
  return {
    status: 201,
    headers: {
      Location: `${req.origin}/beta${COLLECTION_PATH}/${image.id}`,
    },
    body: {
      '@odata.context': req.origin + '/beta' + ENTITY_CONTEXT + '/$entity',
      ...projectImage(image, undefined, req.includeUnknown),
    },
  };
}
