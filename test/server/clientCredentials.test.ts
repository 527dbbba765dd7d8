/**
 * The client-credentials mode end to end: the built gateway gets app-only
 * tokens from the local token service through `@azure/identity` (in a
 * child process, since Node reads NODE_EXTRA_CA_CERTS only at start), and
 * checks its callers' tokens against the same service's keys over HTTPS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import {
  createTestCertificate,
  startTokenService,
  type TestCertificate,
  type TokenService,
} from '../../src/simulator/tokenService/index.js';
import { startMainProcess, type MainProcess } from '../utils/mainProcess.js';
import { graphqlRequest } from '../utils/servers.js';

const QUERY = '{ deviceImages { nodes { id } } }';

describe('Server: client credentials', () => {
  let cert: TestCertificate;
  let sts: TokenService;
  let simulator: Simulator;
  const gateways: MainProcess[] = [];

  beforeAll(async () => {
    cert = await createTestCertificate();
    sts = await startTokenService({
      tls: cert,
      clients: { 'gateway-app': { secret: 'right-secret' } },
    });
    simulator = await startSimulator({ port: 0 });
  });
  afterAll(async () => {
    for (const gateway of gateways) {
      gateway.child.kill('SIGTERM');
      await gateway.exited;
    }
    await simulator?.close();
    await sts?.close();
    await cert?.dispose();
  });

  const start = (secret: string, callerAuth: Record<string, string>) => {
    const gateway = startMainProcess({
      PORT: '0',
      GRAPHIQL: 'false',
      GRAPH_BASE_URL: simulator.baseUrl,
      GRAPH_TENANT_ID: 'tenant-gw',
      GRAPH_CLIENT_ID: 'gateway-app',
      GRAPH_CLIENT_SECRET: secret,
      GRAPH_AUTHORITY_HOST: sts.url,
      NODE_EXTRA_CA_CERTS: cert.caPath,
      ...callerAuth,
    });
    gateways.push(gateway);
    return gateway.listening();
  };
  const open = { AUTH_DISABLED: 'true' };
  const verified = () => ({
    AUTH_ISSUER: sts.issuer('tenant-gw'),
    AUTH_AUDIENCE: 'api://gateway-app',
    AUTH_JWKS_URL: sts.jwksUrl('tenant-gw'),
    AUTH_TENANT_ID: 'tenant-gw',
  });
  const caller = async (roles: string[]) => ({
    authorization: `Bearer ${await sts.issueToken({
      tid: 'tenant-gw',
      aud: 'api://gateway-app',
      oid: `caller-${roles.join('-')}`,
      roles,
    })}`,
  });

  it('calls Graph with a token from Entra ID, fetched once and cached', async () => {
    const { url } = await start('right-secret', open);
    for (let i = 0; i < 2; i++) {
      const response = await graphqlRequest<{
        deviceImages: { nodes: unknown[] };
      }>(url, QUERY);
      expect(response.errors).toBeUndefined();
      expect(response.data!.deviceImages.nodes.length).toBeGreaterThan(0);
    }
    expect(sts.tokensIssued('client_credentials')).toBe(1);
  });

  it('reports UNAUTHENTICATED when Entra ID refuses the secret, without calling Graph', async () => {
    const { url } = await start('wrong-secret', open);
    simulator.resetRequests();
    const response = await graphqlRequest(url, QUERY);
    expect(response.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect(simulator.requestCount()).toBe(0);
  });

  it('refuses to start without caller-token settings', async () => {
    const gateway = startMainProcess({
      PORT: '0',
      GRAPH_BASE_URL: simulator.baseUrl,
      GRAPH_TENANT_ID: 'tenant-gw',
      GRAPH_CLIENT_ID: 'gateway-app',
      GRAPH_CLIENT_SECRET: 'right-secret',
      GRAPH_AUTHORITY_HOST: sts.url,
    });
    gateways.push(gateway);
    const [code] = await gateway.exited;
    expect(code).toBe(1);
    expect(gateway.stderr()).toMatch(
      /^Configuration error: AUTH_ISSUER: expected caller-token settings/,
    );
  });

  it('checks callers’ tokens: 401 without, 403 for a reader’s mutation, success for a writer', async () => {
    const { url } = await start('right-secret', verified());
    simulator.resetRequests();
    const none = await graphqlRequest(url, QUERY);
    expect(none.status).toBe(401);
    const mutation = `mutation { deleteDeviceImage(id: "nothing-here") }`;
    const reader = await caller(['Images.Read']);
    const refused = await graphqlRequest(url, mutation, {}, reader);
    expect(refused.status).toBe(403);
    expect(refused.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    expect(simulator.requestCount()).toBe(0);

    const read = await graphqlRequest(url, QUERY, {}, reader);
    expect(read.errors).toBeUndefined();
    const writer = await caller(['Images.ReadWrite']);
    const written = await graphqlRequest(url, mutation, {}, writer);
    // Allowed through to Graph, which has no such image.
    expect(written.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
  });
});
