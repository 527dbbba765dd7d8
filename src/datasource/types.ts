/**
 * The datasource's public contract: what resolvers and the poller may ask of
 * Graph. Implementations know nothing of Apollo or sockets.
 */
import type {
  DeviceImageProperty,
  GraphCreateDeviceImage,
  GraphDeviceImage,
  GraphDeviceImageStatus,
  GraphSourceImage,
  GraphSourceImageCategory,
} from './graphModel.js';

/** Conditions pushed down to Graph's `$filter`, joined with `and`. */
export interface DeviceImageFilter {
  status?: GraphDeviceImageStatus | undefined;
  displayName?: string | undefined;
}

export interface ListDeviceImagesOptions {
  /**
   * Properties to ask for with `$select`; `id` is always added.
   * @default every property Graph returns by default
   */
  select?: readonly DeviceImageProperty[] | undefined;
  filter?: DeviceImageFilter | undefined;
  /** A page size hint sent as `$top`. */
  top?: number | undefined;
  /**
   * An `@odata.nextLink` from an earlier page, to continue from. Only links
   * on the configured Graph origin are followed.
   */
  pageUrl?: string | undefined;
}

/** One page of Graph's answer to a list call. */
export interface DeviceImagePage {
  images: GraphDeviceImage[];
  /** Graph's `@odata.nextLink`, absent on the last page. */
  nextLink: string | undefined;
}

/**
 * Reads and writes a tenant's Cloud PC device images through Graph. One
 * instance serves one GraphQL operation (its by-id cache lives as long as it
 * does) with one caller's credentials.
 */
export interface DeviceImagesApi {
  /** One page of images; follows `pageUrl` when given. */
  listPage(options?: ListDeviceImagesOptions): Promise<DeviceImagePage>;
  /** Every image, following `@odata.nextLink` to the end. */
  listAll(options?: ListDeviceImagesOptions): Promise<GraphDeviceImage[]>;
  /**
   * One image by id, or null when Graph answers 404. Calls made in the same
   * tick are batched into `$batch` requests of at most 20.
   */
  get(
    id: string,
    select?: readonly DeviceImageProperty[],
  ): Promise<GraphDeviceImage | null>;
  /**
   * Creates an image. Never duplicated: after an ambiguous failure it
   * reconciles by (displayName, version) before reporting an outcome.
   */
  create(input: GraphCreateDeviceImage): Promise<GraphDeviceImage>;
  /** Deletes an image; NotFoundError when it does not exist. */
  delete(id: string): Promise<void>;
  /** Graph's `retryUpload` for a failed image. */
  retryUpload(id: string): Promise<void>;
  /** Source images the tenant can upload, optionally of one category. */
  sourceImages(
    category?: GraphSourceImageCategory,
  ): Promise<GraphSourceImage[]>;
}
