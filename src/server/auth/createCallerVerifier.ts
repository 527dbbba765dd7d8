/**
 * Turns a request's `Authorization` header into a {@link Caller}, or
 * refuses it. Tokens are RS256 JWTs checked with `jose` against the keys the
 * issuer publishes (RFC 7515, RFC 7519): signature, `iss`, `aud`, `exp` and
 * `nbf` with leeway, then the tenant (`tid`) and the roles or scopes that
 * allow reading and writing.
 *
 * Error messages say what was wrong and never contain the token.
 */
import {
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
} from 'jose';

import {
  UnauthenticatedError,
  UpstreamUnavailableError,
} from '../../errors/index.js';
import type { AuthConfig, AuthVerify } from './authConfig.js';
import { forbidden } from './forbidden.js';

/** Who is calling and what they may do. */
export interface Caller {
  /** The caller's object id (`oid`), else `sub`; `anonymous` without auth. */
  subject: string;
  /** The caller's tenant (`tid`); undefined when auth is disabled. */
  tenantId: string | undefined;
  /** May run queries and subscriptions. */
  canRead: boolean;
  /** May run mutations. */
  canWrite: boolean;
  /**
   * The bearer token as received, for an on-behalf-of exchange or
   * pass-through; undefined when none was sent. Never log it.
   */
  token: string | undefined;
}

/** Checks one `Authorization` header value. */
export type CallerVerifier = (
  authorizationHeader: string | undefined,
) => Promise<Caller>;

// Entra ID signs access tokens with RS256 only; pinning it refuses `none`
// and the HS256-with-the-public-key confusion.
const ALGORITHMS = ['RS256'];

/**
 * Creates the verifier for `config`. With `mode: 'disabled'` every caller,
 * with or without a token, may read and write.
 *
 * The key set is fetched on first use and cached by `jose`; a token signed
 * with an unknown `kid` triggers at most one refetch per 30 seconds, so
 * callers cannot make the gateway hammer the issuer.
 * @throws UnauthenticatedError for a missing, malformed, unverifiable,
 *   expired, not-yet-valid, wrong-issuer or wrong-audience token.
 * @throws ForbiddenError for a valid token of another tenant, or one with
 *   neither a read nor a write role or scope.
 * @throws UpstreamUnavailableError when the issuer's keys cannot be fetched.
 */
export function createCallerVerifier(config: AuthConfig): CallerVerifier {
  if (config.mode === 'disabled') {
    return async (header) => ({
      subject: 'anonymous',
      tenantId: undefined,
      canRead: true,
      canWrite: true,
      token: bearerToken(header, false),
    });
  }
  const keys = createRemoteJWKSet(new URL(config.jwksUrl));
  return async (header) => {
    const token = bearerToken(header, true) as string;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: config.issuer,
        audience: [...config.audiences],
        algorithms: ALGORITHMS,
        clockTolerance: config.clockToleranceSeconds,
        requiredClaims: ['exp', 'tid'],
      }));
    } catch (error) {
      throw describeFailure(error, config);
    }
    return authorize(payload, token, config);
  };
}

function bearerToken(
  header: string | undefined,
  required: boolean,
): string | undefined {
  if (header === undefined || header.trim() === '') {
    if (!required) return undefined;
    throw new UnauthenticatedError(
      'The request has no Authorization header; send "Authorization: Bearer <token>" with a token for this gateway.',
    );
  }
  const match = /^Bearer +(\S+) *$/i.exec(header);
  if (!match) {
    const scheme = header.trim().split(/\s/, 1)[0] ?? '';
    throw new UnauthenticatedError(
      `The Authorization header must be "Bearer <token>"; got the scheme ${JSON.stringify(scheme.slice(0, 20))}.`,
    );
  }
  return match[1];
}

function authorize(
  payload: JWTPayload,
  token: string,
  config: AuthVerify,
): Caller {
  const tenantId = String(payload['tid']);
  if (!config.tenantIds.includes(tenantId)) {
    throw forbidden(
      `The token's tenant ${clip(tenantId)} may not use this gateway; allowed: ${config.tenantIds.join(', ')}.`,
    );
  }
  const granted = grantedRoles(payload);
  const canRead = config.readRoles.some((role) => granted.has(role));
  const canWrite = config.writeRoles.some((role) => granted.has(role));
  if (!canRead && !canWrite) {
    throw forbidden(
      `The token grants none of the roles or scopes this gateway needs: ${[...new Set([...config.readRoles, ...config.writeRoles])].join(', ')}.`,
    );
  }
  const oid = payload['oid'];
  return {
    subject: typeof oid === 'string' ? oid : String(payload.sub ?? ''),
    tenantId,
    canRead,
    canWrite,
    token,
  };
}

/** App roles (`roles`, app-only tokens) and delegated scopes (`scp`). */
function grantedRoles(payload: JWTPayload): Set<string> {
  const granted = new Set<string>();
  const roles = payload['roles'];
  if (Array.isArray(roles)) {
    for (const role of roles) if (typeof role === 'string') granted.add(role);
  }
  const scp = payload['scp'];
  if (typeof scp === 'string') {
    for (const scope of scp.split(' ')) if (scope) granted.add(scope);
  }
  return granted;
}

function describeFailure(error: unknown, config: AuthVerify): Error {
  if (error instanceof joseErrors.JWTExpired) {
    return new UnauthenticatedError(
      `The bearer token expired at ${isoDate(error.payload.exp)}.`,
      { cause: error },
    );
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    const { claim, reason, payload } = error;
    const message =
      reason === 'missing'
        ? `The bearer token has no "${claim}" claim.`
        : claim === 'nbf'
          ? `The bearer token is not valid before ${isoDate(payload.nbf)}.`
          : claim === 'iss'
            ? `The bearer token was issued by ${clip(payload.iss)}, not by ${config.issuer}.`
            : claim === 'aud'
              ? `The bearer token is for ${clip(payload.aud)}, not for this gateway (${config.audiences.join(', ')}).`
              : `The bearer token's "${claim}" claim is not acceptable.`;
    return new UnauthenticatedError(message, { cause: error });
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) {
    return new UnauthenticatedError(
      `The bearer token's signing algorithm is not accepted; only ${ALGORITHMS.join(', ')} is.`,
      { cause: error },
    );
  }
  if (
    error instanceof joseErrors.JWSSignatureVerificationFailed ||
    error instanceof joseErrors.JWKSNoMatchingKey
  ) {
    return new UnauthenticatedError(
      "The bearer token's signature does not match any key the issuer publishes.",
      { cause: error },
    );
  }
  if (
    error instanceof joseErrors.JWKSTimeout ||
    error instanceof joseErrors.JWKSInvalid ||
    !(error instanceof joseErrors.JOSEError)
  ) {
    return new UpstreamUnavailableError(
      `The issuer's signing keys could not be fetched from ${config.jwksUrl}; try again later.`,
      { cause: error, extensions: { http: { status: 503 } } },
    );
  }
  return new UnauthenticatedError(
    'The bearer token is not a well-formed JWT.',
    {
      cause: error,
    },
  );
}

function isoDate(seconds: unknown): string {
  return typeof seconds === 'number'
    ? new Date(seconds * 1000).toISOString()
    : 'an unknown time';
}

/** A claim value fit to quote: JSON, at most 80 characters. */
function clip(value: unknown): string {
  const text = JSON.stringify(value) ?? 'nothing';
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
