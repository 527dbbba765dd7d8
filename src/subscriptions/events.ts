/**
 * The events the gateway streams about a tenant's images, and the sink that
 * mutations and the poller publish them to. No graphql-ws or Apollo types
 * here: this is the core the transports adapt.
 */
import type { GraphDeviceImage } from '../datasource/graphModel.js';

export type ImageEventKind = 'CREATED' | 'STATUS_CHANGED' | 'DELETED';

/** One change to one image, in Graph's vocabulary (`previousStatus` too). */
export interface ImageEvent {
  kind: ImageEventKind;
  id: string;
  /** The image as it is now; null for `DELETED`. */
  image: GraphDeviceImage | null;
  /** Graph's status before the change; null for `CREATED`. */
  previousStatus: string | null;
}

/**
 * Where mutations report what they changed, so subscribers hear of it at
 * once instead of at the next poll. `scope` is the credential scope the
 * change was made in: events never cross scopes.
 */
export interface ImageEventSink {
  imageCreated(scope: string, image: GraphDeviceImage): void;
  imageChanged(scope: string, image: GraphDeviceImage): void;
  imageDeleted(scope: string, id: string): void;
}
