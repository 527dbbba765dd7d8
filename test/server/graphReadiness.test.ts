import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  GraphClient,
  createStaticTokenProvider,
} from '../../src/datasource/index.js';
import { createGraphReadinessCheck } from '../../src/server/graphReadiness.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';

describe('Readiness: Graph check', () => {
  let simulator: Simulator;
  let client: GraphClient;

  beforeAll(async () => {
    simulator = await startSimulator({
      port: 0,
      tokens: { 'good-token': 'default' },
    });
    client = new GraphClient({ baseUrl: simulator.baseUrl });
  });

  afterAll(async () => {
    await client.close();
    await simulator.close();
  });

  it('passes with one cheap list call', async () => {
    simulator.resetRequests();
    const check = createGraphReadinessCheck({
      client,
      getToken: createStaticTokenProvider('good-token'),
    });
    await expect(check()).resolves.toBeUndefined();
    expect(simulator.requestCount()).toBe(1);
    const url = decodeURIComponent(simulator.requests[0]!.url);
    expect(url).toContain('$select=id');
    expect(url).toContain('$top=1');
  });

  it('fails with Graph status, code and request id', async () => {
    const check = createGraphReadinessCheck({
      client,
      getToken: createStaticTokenProvider('wrong-token'),
    });
    await expect(check()).rejects.toThrow(
      /^Graph answered 401 \w+ to GET deviceImages \(request-id [\w-]+\)$/,
    );
  });

  it('does not retry a 503 into a late success', async () => {
    simulator.resetRequests();
    simulator.injectFault({ route: 'listDeviceImages', status: 503 });
    const check = createGraphReadinessCheck({
      client,
      getToken: createStaticTokenProvider('good-token'),
    });
    await expect(check()).rejects.toThrow(/^Graph answered 503 /);
    expect(simulator.requestCount()).toBe(1);
  });

  it('fails when no token can be had', async () => {
    const check = createGraphReadinessCheck({
      client,
      getToken: () => Promise.reject(new Error('AADSTS7000215: bad secret')),
    });
    await expect(check()).rejects.toThrow(
      'no Graph token could be had: AADSTS7000215: bad secret',
    );
  });

  it('passes in pass-through mode when Graph answers 401', async () => {
    const check = createGraphReadinessCheck({ client, getToken: undefined });
    await expect(check()).resolves.toBeUndefined();
  });

  it('fails when Graph cannot be reached', async () => {
    const gone = await startSimulator({ port: 0 });
    const goneClient = new GraphClient({
      baseUrl: gone.baseUrl,
      maxAttempts: 1,
    });
    await gone.close();
    const check = createGraphReadinessCheck({
      client: goneClient,
      getToken: createStaticTokenProvider('good-token'),
    });
    await expect(check()).rejects.toThrow(
      /^Graph is unreachable: .*ECONNREFUSED/,
    );
    await goneClient.close();
  });
});
