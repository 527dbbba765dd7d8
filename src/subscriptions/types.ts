/**
 * What subscription resolvers may ask of the subscription core.
 */
import type { GraphDeviceImage } from '../datasource/graphModel.js';
import type { DeviceImagesApi } from '../datasource/types.js';
import type { ImageEvent } from './events.js';

/** The credentials-bound view a subscription streams from. */
export interface SubscriptionTarget {
  scope: string;
  /** Used by the poller to list images with this scope's credentials. */
  dataSource: DeviceImagesApi;
}

export interface SubscriptionSource {
  /**
   * The image now, then the image on each change of `status` or
   * `errorCode`; ends when the image is deleted, throws NotFoundError for an
   * unknown id.
   */
  imageStatus(
    target: SubscriptionTarget,
    id: string,
  ): AsyncIterableIterator<GraphDeviceImage>;
  /** Every change across the scope's images. */
  imageEvents(target: SubscriptionTarget): AsyncIterableIterator<ImageEvent>;
}
