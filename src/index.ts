/** The gateway as a library: start one from a configuration. */
export { createGateway, loadConfig, ConfigError } from './server/index.js';
export type { Gateway, GatewayConfig, GraphAuth } from './server/index.js';
export { createSchema, resolvers } from './resolvers/index.js';
export { startSimulator } from './simulator/index.js';
