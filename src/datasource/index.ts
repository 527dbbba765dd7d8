/**
 * The datasource: Graph HTTP, `$select`/`$filter` pushdown, batching,
 * retries and error mapping for Cloud PC device images. Knows nothing of
 * Apollo or sockets.
 */
export {
  DeviceImagesDataSource,
  DEVICE_IMAGES_PATH,
  MAX_PAGE_URL_LENGTH,
} from './DeviceImagesDataSource.js';
export type { DeviceImagesDataSourceOptions } from './DeviceImagesDataSource.js';
export { GraphClient } from './GraphClient.js';
export type { GraphClientOptions } from './GraphClient.js';
export { GraphTransportError, MAX_BATCH_SIZE } from './graphHttp.js';
export type {
  GraphBatchRequest,
  GraphBatchResponse,
  GraphClientStats,
  GraphMethod,
  GraphRequest,
  GraphResponse,
} from './graphHttp.js';
export type { RetryMode } from './RetryPolicy.js';
export { GraphResponseError, toGatewayError } from './toGatewayError.js';
export type { GraphFailure, ToGatewayErrorOptions } from './toGatewayError.js';
export {
  GRAPH_DEFAULT_SCOPE,
  createClientCredentialsTokenProvider,
  createStaticTokenProvider,
} from './credentials.js';
export type { ClientCredentialsOptions, TokenProvider } from './credentials.js';
export { filterExpression } from './odataQuery.js';
export * from './validation.js';
export type * from './types.js';
