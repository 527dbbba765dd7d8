/** A local Entra ID stand-in, for end-to-end tests of `@azure/identity`. */
export {
  GRAPH_AUDIENCE,
  startTokenService,
  type TokenService,
  type TokenServiceClient,
  type TokenServiceGrant,
  type TokenServiceOptions,
  type TokenServiceRequest,
} from './startTokenService.js';
export {
  createTestCertificate,
  type TestCertificate,
} from './createTestCertificate.js';
