/**
 * Where the datasource gets its bearer tokens. A provider is a function so
 * the datasource never learns how a token was obtained or cached.
 */
import type { ClientSecretCredential } from '@azure/identity';

import {
  UnauthenticatedError,
  UpstreamUnavailableError,
} from '../errors/index.js';
import { entraRefusal, loadAzureIdentity } from './azureIdentity.js';

/** Resolves a bearer token for Graph, without the `Bearer ` prefix. */
export type TokenProvider = () => Promise<string>;

/** The scope of an app-only token for Graph (contract §6). */
export const GRAPH_DEFAULT_SCOPE = 'https://graph.microsoft.com/.default';

/**
 * A provider that always returns `token`: the caller's own token in
 * pass-through mode, or the simulator's test tokens.
 */
export function createStaticTokenProvider(token: string): TokenProvider {
  if (typeof token !== 'string' || token === '') {
    throw new TypeError(
      'createStaticTokenProvider() needs a non-empty token string, but got ' +
        `${token === '' ? 'an empty string' : typeof token}.`,
    );
  }
  return () => Promise.resolve(token);
}

export interface ClientCredentialsOptions {
  /** The Entra ID tenant (GUID or domain) the app is registered in. */
  tenantId: string;
  /** The app registration's application (client) id. */
  clientId: string;
  clientSecret: string;
  /**
   * The Entra ID authority; it must be https (contract §6).
   * @default 'https://login.microsoftonline.com'
   */
  authorityHost?: string | undefined;
  /**
   * Skips instance discovery and authority validation, which fetch metadata
   * from login.microsoft.com: needed for an authority the library does not
   * know, such as a local token service (contract §6).
   * @default false
   */
  disableInstanceDiscovery?: boolean | undefined;
}

/**
 * A provider of app-only tokens through the OAuth client-credentials grant
 * (contract §6), using `@azure/identity`'s `ClientSecretCredential`, which
 * caches tokens and refreshes them before they expire. Failures become
 * gateway errors: a refusal by Entra ID is UnauthenticatedError, anything
 * else (network, outage) UpstreamUnavailableError.
 *
 * The credential insists on an https authority (contract §6); the tests run
 * it in a child process that trusts the local token service's CA.
 */
export function createClientCredentialsTokenProvider(
  options: ClientCredentialsOptions,
): TokenProvider {
  for (const name of ['tenantId', 'clientId', 'clientSecret'] as const) {
    if (typeof options[name] !== 'string' || options[name] === '') {
      throw new TypeError(
        `createClientCredentialsTokenProvider() option "${name}" must be ` +
          'a non-empty string.',
      );
    }
  }
  const { authorityHost } = options;
  if (authorityHost !== undefined && !/^https:\/\/[^/]/i.test(authorityHost)) {
    throw new TypeError(
      'createClientCredentialsTokenProvider() option "authorityHost" must ' +
        'be an https URL, e.g. "https://login.microsoftonline.com", but got ' +
        `${JSON.stringify(authorityHost)}.`,
    );
  }
  // One credential for the provider's life: it caches and refreshes tokens.
  let credential: ClientSecretCredential | undefined;
  return async () => {
    const identity = await loadAzureIdentity();
    credential ??= new identity.ClientSecretCredential(
      options.tenantId,
      options.clientId,
      options.clientSecret,
      {
        ...(authorityHost === undefined ? {} : { authorityHost }),
        disableInstanceDiscovery: options.disableInstanceDiscovery ?? false,
      },
    );
    try {
      const accessToken = await credential.getToken(GRAPH_DEFAULT_SCOPE);
      if (!accessToken) {
        throw new Error('The credential returned no token.');
      }
      return accessToken.token;
    } catch (error) {
      throw toTokenError(
        entraRefusal(identity, error),
        error,
        options.tenantId,
      );
    }
  };
}

function toTokenError(
  refusal: string | undefined,
  error: unknown,
  tenantId: string,
): Error {
  if (refusal !== undefined) {
    return new UnauthenticatedError(
      `Entra ID refused the gateway's client credentials for tenant ` +
        `${tenantId}: ${refusal}`,
      { cause: error },
    );
  }
  const reason =
    error instanceof Error ? error.message.split('\n')[0] : String(error);
  return new UpstreamUnavailableError(
    `Could not get a Graph token from Entra ID for tenant ${tenantId}: ` +
      `${reason}`,
    { cause: error },
  );
}
