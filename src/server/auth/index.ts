/** Caller authentication and the gateway's own Graph tokens. */
export {
  parseAuthConfig,
  type AuthConfig,
  type AuthDisabled,
  type AuthVerify,
  type ParseAuthConfigOptions,
} from './authConfig.js';
export {
  createCallerVerifier,
  type Caller,
  type CallerVerifier,
} from './createCallerVerifier.js';
export {
  authorizeOperation,
  type OperationKind,
} from './authorizeOperation.js';
export {
  createOnBehalfOfTokenProvider,
  type OnBehalfOfOptions,
  type OnBehalfOfTokenProvider,
} from './onBehalfOf.js';
export { createAuthorizationPlugin } from './createAuthorizationPlugin.js';
