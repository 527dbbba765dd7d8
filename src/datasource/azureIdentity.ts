/**
 * `@azure/identity`, loaded on first use. Importing it costs about 0.4 s of
 * start-up on this machine (MSAL and its dependencies), which every gateway
 * would pay although only the client-credentials and on-behalf-of modes
 * use it. Internal to the token providers.
 */
type AzureIdentity = typeof import('@azure/identity');

let loading: Promise<AzureIdentity> | undefined;

/** The library, imported once, the first time a token is needed. */
export function loadAzureIdentity(): Promise<AzureIdentity> {
  return (loading ??= import('@azure/identity'));
}

/**
 * The OAuth error code (RFC 6749 §5.2) when Entra ID refused a grant, as
 * opposed to being unreachable. `@azure/identity` 4.13 reports a token
 * endpoint's 4xx not as the `AuthenticationError` it documents but as
 * `AuthenticationRequiredError`, whose message starts with the code
 * (`invalid_client: …`); both are read here, and the tests pin this
 * against the real library.
 */
export function entraRefusal(
  identity: AzureIdentity,
  error: unknown,
): string | undefined {
  if (error instanceof identity.AuthenticationError && error.statusCode < 500) {
    return error.errorResponse.error;
  }
  if (error instanceof identity.AuthenticationRequiredError) {
    return OAUTH_REFUSAL.exec(error.message)?.[1];
  }
  return undefined;
}

const OAUTH_REFUSAL =
  /^(invalid_[a-z_]+|unauthorized_client|unsupported_grant_type|interaction_required|consent_required):/;
