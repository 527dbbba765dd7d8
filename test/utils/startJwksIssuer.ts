/**
 * A minimal token issuer for caller-token tests: an RS256 key pair, its
 * JWKS served over plain HTTP on 127.0.0.1, and a signer with the claims of
 * an Entra ID v2 access token for the gateway's API.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { SignJWT, exportJWK, generateKeyPair, type JWTPayload } from 'jose';

import type { AuthVerify } from '../../src/server/auth/index.js';

export interface JwksIssuer {
  /** A verifier configuration that trusts this issuer. */
  config: AuthVerify;
  /** Signs a token: a read-write caller of the allowed tenant by default. */
  sign(claims?: JWTPayload): Promise<string>;
  close(): Promise<void>;
}

export const ISSUER_TENANT = '11111111-1111-4111-8111-111111111111';

export async function startJwksIssuer(): Promise<JwksIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' };
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `https://login.example.test/${ISSUER_TENANT}/v2.0`;
  const config: AuthVerify = {
    mode: 'verify',
    issuer,
    audiences: ['api://cloudpc-graphql'],
    jwksUrl: `http://127.0.0.1:${port}/keys`,
    tenantIds: [ISSUER_TENANT],
    readRoles: ['Images.Read', 'Images.ReadWrite'],
    writeRoles: ['Images.ReadWrite'],
    clockToleranceSeconds: 60,
  };
  return {
    config,
    sign: (claims = {}) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({
        iss: issuer,
        aud: 'api://cloudpc-graphql',
        tid: ISSUER_TENANT,
        oid: 'caller-1',
        roles: ['Images.ReadWrite'],
        iat: now,
        exp: now + 600,
        ...claims,
      })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .sign(privateKey);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
