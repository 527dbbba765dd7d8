/**
 * The client-credentials mode end to end: the built gateway gets app-only
 * tokens from the local token service through `@azure/identity` (in a
 * child process, since Node reads NODE_EXTRA_CA_CERTS only at start).
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

  const start = (secret: string) => {
    const gateway = startMainProcess({
      PORT: '0',
      GRAPHIQL: 'false',
      GRAPH_BASE_URL: simulator.baseUrl,
      GRAPH_TENANT_ID: 'tenant-gw',
      GRAPH_CLIENT_ID: 'gateway-app',
      GRAPH_CLIENT_SECRET: secret,
      GRAPH_AUTHORITY_HOST: sts.url,
      NODE_EXTRA_CA_CERTS: cert.caPath,
    });
    gateways.push(gateway);
    return gateway.listening();
  };

  it('calls Graph with a token from Entra ID, fetched once and cached', async () => {
    const { url } = await start('right-secret');
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
    const { url } = await start('wrong-secret');
    simulator.resetRequests();
    const response = await graphqlRequest(url, QUERY);
    expect(response.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect(simulator.requestCount()).toBe(0);
  });
});
