/** The gateway's HTTP and WebSocket server and its configuration. */
export {
  createGateway,
  GRAPHQL_PATH,
  type CreateGatewayOptions,
  type Gateway,
} from './createGateway.js';
export {
  ConfigError,
  GRAPH_BETA_URL,
  loadConfig,
  type GatewayConfig,
  type GraphAuth,
  type LogLevel,
} from './config.js';
