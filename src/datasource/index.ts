/**
 * The datasource: Graph HTTP, `$select`/`$filter` pushdown, batching,
 * retries and error mapping for Cloud PC device images. Knows nothing of
 * Apollo or sockets.
 */
export {
  DeviceImagesDataSource,
  DEVICE_IMAGES_PATH,
} from './DeviceImagesDataSource.js';
export type { DeviceImagesDataSourceOptions } from './DeviceImagesDataSource.js';
export {
  GraphClient,
  GraphTransportError,
  MAX_BATCH_SIZE,
} from './GraphClient.js';
export type {
  GraphBatchRequest,
  GraphBatchResponse,
  GraphClientOptions,
  GraphClientStats,
  GraphMethod,
  GraphRequest,
  GraphResponse,
} from './GraphClient.js';
export type { RetryMode } from './RetryPolicy.js';
export { GraphResponseError, toGatewayError } from './toGatewayError.js';
export type { GraphFailure, ToGatewayErrorOptions } from './toGatewayError.js';
export {
  GRAPH_DEFAULT_SCOPE,
  createClientCredentialsTokenProvider,
  createStaticTokenProvider,
} from './credentials.js';
export type { ClientCredentialsOptions, TokenProvider } from './credentials.js';
export * from './validation.js';
export type * from './types.js';
