import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  SignJWT,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type CryptoKey,
  type JWTPayload,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  ErrorCode,
  ForbiddenError,
  UnauthenticatedError,
} from '../../../src/errors/index.js';
import {
  authorizeOperation,
  createCallerVerifier,
  type AuthVerify,
  type CallerVerifier,
} from '../../../src/server/auth/index.js';

const TENANT = '11111111-1111-4111-8111-111111111111';
const ISSUER = `https://login.example.test/${TENANT}/v2.0`;
const AUDIENCE = 'api://cloudpc-graphql';
const OID = '22222222-2222-4222-8222-222222222222';

let signingKey: CryptoKey;
let otherKey: CryptoKey;
let publicPem: string;
let jwksServer: Server;
let jwksFetches = 0;
let config: AuthVerify;
let verify: CallerVerifier;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  publicPem = await exportSPKI(pair.publicKey);
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const jwk = {
    ...(await exportJWK(pair.publicKey)),
    kid: 'k1',
    alg: 'RS256',
    use: 'sig',
  };
  jwksServer = createServer((_req, res) => {
    jwksFetches += 1;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) =>
    jwksServer.listen(0, '127.0.0.1', resolve),
  );
  const { port } = jwksServer.address() as AddressInfo;
  config = {
    mode: 'verify',
    issuer: ISSUER,
    audiences: [AUDIENCE],
    jwksUrl: `http://127.0.0.1:${port}/keys`,
    tenantIds: [TENANT],
    readRoles: ['Images.Read', 'Images.ReadWrite'],
    writeRoles: ['Images.ReadWrite'],
    clockToleranceSeconds: 60,
  };
  verify = createCallerVerifier(config);
});

afterAll(async () => {
  await new Promise((resolve) => jwksServer?.close(resolve));
});

const now = () => Math.floor(Date.now() / 1000);

function sign(
  claims: JWTPayload = {},
  options: { key?: CryptoKey; kid?: string; omit?: string[] } = {},
): Promise<string> {
  const body: JWTPayload = {
    iss: ISSUER,
    aud: AUDIENCE,
    tid: TENANT,
    oid: OID,
    sub: 'subject-1',
    roles: ['Images.ReadWrite'],
    iat: now(),
    nbf: now() - 10,
    exp: now() + 3600,
    ...claims,
  };
  for (const name of options.omit ?? []) delete body[name];
  return new SignJWT(body)
    .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'k1', typ: 'JWT' })
    .sign(options.key ?? signingKey);
}

/** The error `verify` throws for `token`, checked not to echo it. */
async function refusal(token: string): Promise<Error> {
  const error = await verify(`Bearer ${token}`).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(error, 'the token was accepted').toBeInstanceOf(Error);
  expect(error?.message).not.toContain(token);
  const payload = token.split('.')[1];
  if (payload) expect(error?.message).not.toContain(payload);
  return error as Error;
}

const base64url = (value: object) =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

describe('Auth: caller tokens', () => {
  it('accepts a valid token and reports who calls and what they may do', async () => {
    const token = await sign();
    expect(await verify(`Bearer ${token}`)).toEqual({
      subject: OID,
      tenantId: TENANT,
      canRead: true,
      canWrite: true,
      token,
    });
  });

  it('lets a delegated read scope read but not write', async () => {
    const caller = await verify(
      `Bearer ${await sign({ roles: undefined, scp: 'openid Images.Read' })}`,
    );
    expect(caller).toMatchObject({ canRead: true, canWrite: false });
    expect(() => authorizeOperation(caller, 'query')).not.toThrow();
    expect(() => authorizeOperation(caller, 'mutation')).toThrow(
      'This caller may read but not change images: mutations need a write role or scope (AUTH_WRITE_ROLES).',
    );
    expect(() => authorizeOperation(caller, 'mutation')).toThrow(
      ForbiddenError,
    );
  });

  it('refuses a request without an Authorization header', async () => {
    await expect(verify(undefined)).rejects.toThrow(
      'The request has no Authorization header; send "Authorization: Bearer <token>" with a token for this gateway.',
    );
  });

  it('refuses another scheme, naming only the scheme', async () => {
    const error = await verify('Basic dXNlcjpzZWNyZXQ=').catch((e: Error) => e);
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect((error as Error).message).toBe(
      'The Authorization header must be "Bearer <token>"; got the scheme "Basic".',
    );
  });

  it('refuses an expired token, saying when it expired', async () => {
    const exp = now() - 3600;
    const error = await refusal(
      await sign({ exp, nbf: exp - 3600, iat: exp - 3600 }),
    );
    expect(error.message).toBe(
      `The bearer token expired at ${new Date(exp * 1000).toISOString()}.`,
    );
    expect(error).toBeInstanceOf(UnauthenticatedError);
  });

  it('accepts a token expired within the clock tolerance', async () => {
    await expect(
      verify(`Bearer ${await sign({ exp: now() - 20 })}`),
    ).resolves.toMatchObject({
      subject: OID,
    });
  });

  it('refuses a token that is not valid yet', async () => {
    const nbf = now() + 600;
    const error = await refusal(await sign({ nbf }));
    expect(error.message).toBe(
      `The bearer token is not valid before ${new Date(nbf * 1000).toISOString()}.`,
    );
  });

  it('refuses a token from another issuer', async () => {
    const error = await refusal(
      await sign({ iss: 'https://evil.example.test/v2.0' }),
    );
    expect(error.message).toBe(
      `The bearer token was issued by "https://evil.example.test/v2.0", not by ${ISSUER}.`,
    );
  });

  it('refuses a token for another audience', async () => {
    const error = await refusal(
      await sign({ aud: 'https://graph.microsoft.com' }),
    );
    expect(error.message).toBe(
      `The bearer token is for "https://graph.microsoft.com", not for this gateway (${AUDIENCE}).`,
    );
    expect((error as UnauthenticatedError).extensions['code']).toBe(
      ErrorCode.UNAUTHENTICATED,
    );
  });

  it('forbids a valid token of another tenant', async () => {
    const error = await refusal(
      await sign({ tid: '33333333-3333-4333-8333-333333333333' }),
    );
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error.message).toBe(
      `The token's tenant "33333333-3333-4333-8333-333333333333" may not use this gateway; allowed: ${TENANT}.`,
    );
  });

  it('refuses a token without a tenant claim', async () => {
    const error = await refusal(await sign({}, { omit: ['tid'] }));
    expect(error.message).toBe('The bearer token has no "tid" claim.');
  });

  it('refuses a token without an expiry', async () => {
    const error = await refusal(await sign({}, { omit: ['exp'] }));
    expect(error.message).toBe('The bearer token has no "exp" claim.');
  });

  it('refuses a token signed by another key under a published kid', async () => {
    const error = await refusal(await sign({}, { key: otherKey }));
    expect(error.message).toBe(
      "The bearer token's signature does not match any key the issuer publishes.",
    );
  });

  it('refuses a token signed by a key the issuer does not publish', async () => {
    const error = await refusal(
      await sign({}, { key: otherKey, kid: 'k-unknown' }),
    );
    expect(error).toBeInstanceOf(UnauthenticatedError);
  });

  it('forbids a token with no read or write role or scope', async () => {
    const error = await refusal(
      await sign({ roles: ['Other.Role'], scp: 'User.Read' }),
    );
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error.message).toBe(
      'The token grants none of the roles or scopes this gateway needs: Images.Read, Images.ReadWrite.',
    );
  });

  it('refuses an unsigned token (alg none)', async () => {
    const claims = {
      iss: ISSUER,
      aud: AUDIENCE,
      tid: TENANT,
      exp: now() + 600,
      roles: ['Images.ReadWrite'],
    };
    const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`;
    const error = await refusal(token);
    expect(error).toBeInstanceOf(UnauthenticatedError);
  });

  it('refuses an HS256 token keyed with the public key (algorithm confusion)', async () => {
    const secret = new TextEncoder().encode(publicPem);
    const token = await new SignJWT({
      iss: ISSUER,
      aud: AUDIENCE,
      tid: TENANT,
      exp: now() + 600,
      roles: ['Images.ReadWrite'],
    })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .sign(secret);
    const error = await refusal(token);
    expect(error.message).toBe(
      "The bearer token's signing algorithm is not accepted; only RS256 is.",
    );
  });

  it('refuses a string that is not a JWT', async () => {
    const error = await refusal('not-a-jwt');
    expect(error.message).toBe('The bearer token is not a well-formed JWT.');
  });

  it('fetches the key set once for many tokens', async () => {
    const before = jwksFetches;
    const fresh = createCallerVerifier(config);
    for (let i = 0; i < 5; i += 1) await fresh(`Bearer ${await sign()}`);
    expect(jwksFetches - before).toBe(1);
  });

  it('reports an unreachable key set as an upstream failure, not the caller’s', async () => {
    const unreachable = createCallerVerifier({
      ...config,
      jwksUrl: 'http://127.0.0.1:9/keys',
    });
    const error = await unreachable(`Bearer ${await sign()}`).catch(
      (e: Error) => e,
    );
    expect((error as UnauthenticatedError).extensions?.['code']).toBe(
      ErrorCode.UPSTREAM_UNAVAILABLE,
    );
  });
});

describe('Auth: disabled', () => {
  it('lets every caller read and write, keeping a token if one came', async () => {
    const open = createCallerVerifier({ mode: 'disabled' });
    expect(await open(undefined)).toEqual({
      subject: 'anonymous',
      tenantId: undefined,
      canRead: true,
      canWrite: true,
      token: undefined,
    });
    expect((await open('Bearer abc')).token).toBe('abc');
  });
});
