import { ClientSecretCredential } from '@azure/identity';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  GRAPH_AUDIENCE,
  createTestCertificate,
  startTokenService,
  type TestCertificate,
  type TokenService,
} from '../../../src/simulator/tokenService/index.js';

const TENANT = 'tenant-a';
let cert: TestCertificate;
let sts: TokenService;
let agent: Agent;

beforeAll(async () => {
  cert = await createTestCertificate();
  sts = await startTokenService({
    tls: cert,
    clients: { gateway: { secret: 's3cret', roles: ['CloudPC.Read.All'] } },
  });
  agent = new Agent({ connect: { ca: cert.caPem } });
});

afterAll(async () => {
  await agent?.close();
  await sts?.close();
  await cert?.dispose();
});

async function get(path: string) {
  const response = await undiciFetch(`${sts.url}${path}`, {
    dispatcher: agent,
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
  };
}

async function postToken(form: Record<string, string>) {
  const response = await undiciFetch(`${sts.url}/${TENANT}/oauth2/v2.0/token`, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
  };
}

async function verifyWithServiceKeys(token: string) {
  const { body } = await get(`/${TENANT}/discovery/v2.0/keys`);
  return jwtVerify(token, createLocalJWKSet(body as never), {
    issuer: sts.issuer(TENANT),
    audience: GRAPH_AUDIENCE,
  });
}

describe('Token service: endpoints', () => {
  it('serves the OpenID metadata MSAL needs, over TLS the test CA signs', async () => {
    const { status, body } = await get(
      `/${TENANT}/v2.0/.well-known/openid-configuration`,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({
      issuer: `${sts.url}/${TENANT}/v2.0`,
      authorization_endpoint: `${sts.url}/${TENANT}/oauth2/v2.0/authorize`,
      token_endpoint: `${sts.url}/${TENANT}/oauth2/v2.0/token`,
      jwks_uri: `${sts.url}/${TENANT}/discovery/v2.0/keys`,
    });
  });

  it('issues an app-only Graph token for client credentials', async () => {
    const { status, body } = await postToken({
      grant_type: 'client_credentials',
      client_id: 'gateway',
      client_secret: 's3cret',
      scope: `${GRAPH_AUDIENCE}/.default`,
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    const { payload } = await verifyWithServiceKeys(
      body['access_token'] as string,
    );
    expect(payload).toMatchObject({
      tid: TENANT,
      appid: 'gateway',
      roles: ['CloudPC.Read.All'],
    });
  });

  it('refuses a wrong client secret with invalid_client', async () => {
    const { status, body } = await postToken({
      grant_type: 'client_credentials',
      client_id: 'gateway',
      client_secret: 'guess',
      scope: `${GRAPH_AUDIENCE}/.default`,
    });
    expect(status).toBe(401);
    expect(body['error']).toBe('invalid_client');
  });

  it('refuses an on-behalf-of assertion meant for another application', async () => {
    const assertion = await sts.issueToken({
      tid: TENANT,
      aud: 'api://other',
      oid: 'u1',
    });
    const { status, body } = await postToken({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      requested_token_use: 'on_behalf_of',
      client_id: 'gateway',
      client_secret: 's3cret',
      assertion,
      scope: `${GRAPH_AUDIENCE}/.default`,
    });
    expect(status).toBe(400);
    expect(body['error']).toBe('invalid_grant');
  });

  it('refuses a grant it does not implement', async () => {
    const { status, body } = await postToken({
      grant_type: 'password',
      client_id: 'gateway',
      client_secret: 's3cret',
      scope: `${GRAPH_AUDIENCE}/.default`,
    });
    expect(status).toBe(400);
    expect(body['error']).toBe('unsupported_grant_type');
  });
});

describe('Token service: with @azure/identity', () => {
  it('serves ClientSecretCredential in process, trusting the CA through tlsOptions', async () => {
    const before = sts.requests.length;
    const credential = new ClientSecretCredential(TENANT, 'gateway', 's3cret', {
      authorityHost: sts.url,
      disableInstanceDiscovery: true,
      tlsOptions: { ca: cert.caPem },
    });
    const first = await credential.getToken(`${GRAPH_AUDIENCE}/.default`);
    const second = await credential.getToken(`${GRAPH_AUDIENCE}/.default`);
    expect(second.token).toBe(first.token);
    expect(decodeJwt(first.token)).toMatchObject({
      aud: GRAPH_AUDIENCE,
      tid: TENANT,
    });
    // What MSAL asks for: the metadata once, then one token; no instance
    // discovery, no other endpoint.
    expect(
      sts.requests
        .slice(before)
        .map((r) => `${r.method} ${r.url.split('?')[0]} ${r.status}`),
    ).toEqual([
      `GET /${TENANT}/v2.0/.well-known/openid-configuration 200`,
      `POST /${TENANT}/oauth2/v2.0/token 200`,
    ]);
  });
});
