/** Live upload status: the subscription core and its graphql-ws adapter. */
export {
  createSubscriptionHub,
  type SubscriptionHub,
  type SubscriptionHubOptions,
} from './createSubscriptionHub.js';
export {
  attachWebSocketServer,
  type AttachedWebSocketServer,
  type WebSocketServerOptions,
} from './attachWebSocketServer.js';
export {
  createRedisCoordinator,
  type RedisCoordinator,
  type RedisCoordinatorOptions,
} from './RedisCoordinator.js';
export type { ImageEvent, ImageEventKind, ImageEventSink } from './events.js';
export type { ScopeCoordinator } from './ScopeCoordinator.js';
export type { SubscriptionSource, SubscriptionTarget } from './types.js';
