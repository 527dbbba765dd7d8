/**
 * What every resolver receives as its context. Built once per GraphQL
 * operation (HTTP request or subscription) by `src/server/`.
 */
import type { DeviceImagesApi } from '../datasource/types.js';
import type { Logger } from '../logger.js';
import type { Caller } from '../server/auth/createCallerVerifier.js';
import type { ImageEventSink } from '../subscriptions/events.js';
import type { SubscriptionSource } from '../subscriptions/types.js';

export interface GatewayContext {
  /** Graph access with this caller's credentials, for this operation. */
  dataSource: DeviceImagesApi;
  /**
   * The credential scope: equal for callers who see the same Graph data
   * (the gateway's own identity), distinct per caller in pass-through mode.
   * Caches, pollers and events are keyed by it.
   */
  scope: string;
  /** Where mutations publish what they changed. */
  events: ImageEventSink;
  /** Streams of changes for subscription resolvers. */
  subscriptions: SubscriptionSource;
  /** A child logger bound to this operation. */
  logger: Logger;
  /**
   * Who is calling and what they may do, verified before any datasource
   * exists (anonymous and unrestricted when caller auth is disabled).
   */
  caller: Caller;
}
