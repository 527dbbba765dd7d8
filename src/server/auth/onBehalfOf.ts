/**
 * The on-behalf-of exchange (OAuth 2.0 JWT bearer grant, RFC 7523, as
 * Entra ID runs it): a caller's token for the gateway becomes a Graph token
 * for the same person, so Graph applies that person's own permissions.
 * `@azure/identity`'s `OnBehalfOfCredential` does the exchange; this module
 * adds the cache that makes it once per person, not once per request.
 */
import { createHash } from 'node:crypto';

import type {
  AccessToken,
  AuthorityValidationOptions,
  MultiTenantTokenCredentialOptions,
  OnBehalfOfCredentialSecretOptions,
} from '@azure/identity';
import { decodeJwt } from 'jose';

import {
  entraRefusal,
  loadAzureIdentity,
} from '../../datasource/azureIdentity.js';
import { GRAPH_DEFAULT_SCOPE } from '../../datasource/credentials.js';
import {
  UnauthenticatedError,
  UpstreamUnavailableError,
} from '../../errors/index.js';

/** Options of {@link createOnBehalfOfTokenProvider}. */
export interface OnBehalfOfOptions {
  /** The tenant the gateway's app registration lives in. */
  tenantId: string;
  /** The gateway's application (client) id: the audience of caller tokens. */
  clientId: string;
  clientSecret: string;
  /**
   * The identity platform's origin; it must be https (contract §6).
   * @default 'https://login.microsoftonline.com'
   */
  authorityHost?: string | undefined;
  /**
   * A PEM CA certificate to trust for the authority instead of the public
   * CAs, e.g. a local token service's. @default undefined // public CAs
   */
  authorityCa?: string | undefined;
  /** Scopes of the Graph token. @default ['https://graph.microsoft.com/.default'] */
  scopes?: readonly string[] | undefined;
  /**
   * How long before its expiry a cached Graph token is replaced, so none
   * expires in flight. @default 300_000 // 5 minutes
   */
  refreshSkewMs?: number | undefined;
  /** People whose tokens are kept; the oldest entry goes first. @default 10_000 */
  maxEntries?: number | undefined;
  /** The clock, in milliseconds since the epoch. @default Date.now */
  now?: (() => number) | undefined;
}

/** Resolves a Graph token for the person a gateway token belongs to. */
export type OnBehalfOfTokenProvider = (assertion: string) => Promise<string>;

interface Entry {
  token: string;
  /** When the entry must no longer be served, in ms since the epoch. */
  refreshAt: number;
}

/**
 * Creates a provider that exchanges a caller's (already verified) token for
 * a Graph token, keeping it per person (`tid` and `oid`, else `sub`, else
 * the SHA-256 of the assertion) until `refreshSkewMs` before it expires.
 * Concurrent requests of one person share one exchange.
 *
 * Instance discovery is always off: it would fetch metadata from
 * login.microsoft.com, which a private or local authority cannot serve.
 * @throws UnauthenticatedError when Entra ID refuses the assertion
 *   (`invalid_grant`: expired, revoked, wrong audience, consent missing).
 * @throws UpstreamUnavailableError when Entra ID cannot be reached or fails.
 */
export function createOnBehalfOfTokenProvider(
  options: OnBehalfOfOptions,
): OnBehalfOfTokenProvider {
  const scopes = [...(options.scopes ?? [GRAPH_DEFAULT_SCOPE])];
  const skew = options.refreshSkewMs ?? 300_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, Entry>();
  const inFlight = new Map<string, Promise<Entry>>();

  async function exchange(assertion: string): Promise<Entry> {
    // One credential per assertion: the library binds the assertion at
    // construction, and a person's next token is a new assertion.
    // The secret variant's type omits AuthorityValidationOptions, yet the
    // credential hands every option to MSAL, which honours the flag (4.13,
    // `onBehalfOfCredential.js`); the test proves no discovery call is made.
    const credentialOptions: OnBehalfOfCredentialSecretOptions &
      MultiTenantTokenCredentialOptions &
      AuthorityValidationOptions = {
      tenantId: options.tenantId,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      userAssertionToken: assertion,
      disableInstanceDiscovery: true,
      ...(options.authorityHost
        ? { authorityHost: options.authorityHost }
        : {}),
      ...(options.authorityCa
        ? { tlsOptions: { ca: options.authorityCa } }
        : {}),
    };
    const identity = await loadAzureIdentity();
    const credential = new identity.OnBehalfOfCredential(credentialOptions);
    let token: AccessToken | null;
    try {
      token = await credential.getToken(scopes);
    } catch (error) {
      throw toExchangeError(
        entraRefusal(identity, error),
        error,
        options.tenantId,
      );
    }
    if (!token) {
      throw new UpstreamUnavailableError(
        `Entra ID returned no Graph token for tenant ${options.tenantId}.`,
      );
    }
    return { token: token.token, refreshAt: token.expiresOnTimestamp - skew };
  }

  return async (assertion) => {
    const key = cacheKey(assertion);
    const cached = cache.get(key);
    if (cached && now() < cached.refreshAt) return cached.token;
    let pending = inFlight.get(key);
    if (!pending) {
      pending = exchange(assertion).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    const entry = await pending;
    cache.delete(key);
    cache.set(key, entry);
    if (cache.size > maxEntries) {
      cache.delete(cache.keys().next().value as string);
    }
    return entry.token;
  };
}

/** Who the assertion speaks for; the assertion's hash if it does not say. */
function cacheKey(assertion: string): string {
  try {
    const claims = decodeJwt(assertion);
    const person = claims['oid'] ?? claims.sub;
    if (typeof claims['tid'] === 'string' && typeof person === 'string') {
      return `${claims['tid']}/${person}`;
    }
  } catch {
    // Not a JWT: fall through to the hash, and let Entra ID refuse it.
  }
  return createHash('sha256').update(assertion).digest('base64url');
}

function toExchangeError(
  refusal: string | undefined,
  error: unknown,
  tenantId: string,
): Error {
  if (refusal) {
    return new UnauthenticatedError(
      `Entra ID refused to exchange the caller's token for a Graph token in tenant ${tenantId}: ${refusal}.`,
      { cause: error },
    );
  }
  const reason =
    error instanceof Error ? error.message.split('\n')[0] : String(error);
  return new UpstreamUnavailableError(
    `Could not exchange the caller's token for a Graph token in tenant ${tenantId}: ${reason}`,
    { cause: error },
  );
}
