import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  SEED_IMAGE_IDS,
  startSimulator,
  type Simulator,
} from '../../src/simulator/index.js';
import { call, IMAGES, JSON_TYPE, newImage } from './simulatorTestKit.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({
    uploadMs: 100,
    tokens: { 'token-a': 'tenant-a', 'token-b': 'tenant-b' },
  });
});
afterAll(() => sim.close());

describe('Simulator contract: Graph conventions', () => {
  it('SIM-40 MUST send request-id, echo client-request-id and OData-Version on every answer', async () => {
    const answers = [
      await call(sim, 'GET', IMAGES, { token: 'token-a' }),
      await call(sim, 'GET', `${IMAGES}/nope`, { token: 'token-a' }),
      await call(sim, 'GET', IMAGES, { token: null }),
    ];
    const ids = new Set<string>();
    for (const res of answers) {
      expect(res.headers['request-id']).toMatch(GUID);
      expect(res.headers['odata-version']).toBe('4.0');
      expect(res.headers['content-type']).toBe(JSON_TYPE);
      ids.add(res.headers['request-id']!);
    }
    expect(ids.size).toBe(3);
    const echoed = await call(sim, 'GET', IMAGES, {
      token: 'token-a',
      headers: { 'client-request-id': 'my-client-id' },
    });
    expect(echoed.headers['client-request-id']).toBe('my-client-id');
    const deleted = await call(
      sim,
      'DELETE',
      `${IMAGES}/${SEED_IMAGE_IDS.readyGallery}`,
      { token: 'token-b' },
    );
    expect(deleted.status).toBe(204);
    expect(deleted.headers['request-id']).toMatch(GUID);
    expect(deleted.headers['content-type']).toBeUndefined();
  });

  it('SIM-41 MUST answer 401 InvalidAuthenticationToken without a known bearer token', async () => {
    for (const headers of [
      {},
      { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: 'Bearer' },
      { authorization: 'Bearer token-c' },
      { authorization: 'Bearer __proto__' },
    ]) {
      const res = await request(sim.origin + IMAGES, { headers });
      const body = (await res.body.json()) as any;
      expect(res.statusCode, JSON.stringify(headers)).toBe(401);
      expect(body.error.code).toBe('InvalidAuthenticationToken');
      expect(res.headers['www-authenticate']).toBeDefined();
    }
  });

  it('SIM-42 MUST keep each tenant\u2019s images apart, each seeded on its own', async () => {
    const created = await call(sim, 'POST', IMAGES, {
      token: 'token-a',
      body: newImage('OnlyInA'),
    });
    expect(created.status).toBe(201);
    const inB = await call(sim, 'GET', `${IMAGES}/${created.body.id}`, {
      token: 'token-b',
    });
    expect(inB.status).toBe(404);
    expect(
      sim.images('tenant-a').some((i) => i.displayName === 'OnlyInA'),
    ).toBe(true);
    expect(
      sim.images('tenant-b').some((i) => i.displayName === 'OnlyInA'),
    ).toBe(false);
    expect(
      sim.images('tenant-a').some((i) => i.id === SEED_IMAGE_IDS.ready),
    ).toBe(true);
    expect(() => sim.images()).toThrow("unknown tenant 'default'");
  });

  it('SIM-43 MUST accept any bearer token for one default tenant without a token map', async () => {
    const open = await startSimulator({ seed: false });
    try {
      const res = await call(open, 'GET', IMAGES, { token: 'anything-at-all' });
      expect(res.status).toBe(200);
      expect(open.requests[0]?.tenant).toBe('default');
    } finally {
      await open.close();
    }
  });
});

describe('Simulator contract: request record', () => {
  it('SIM-44 MUST count requests per route and log them with authorization redacted', async () => {
    sim.resetRequests();
    const before = Date.now();
    await call(sim, 'GET', `${IMAGES}/${SEED_IMAGE_IDS.ready}?$select=id`, {
      token: 'token-a',
      headers: { 'X-Custom': 'yes' },
    });
    await call(sim, 'GET', IMAGES, { token: 'token-a' });
    await call(sim, 'GET', IMAGES, { token: null });
    expect(sim.requestCount()).toBe(3);
    expect(sim.requestCount('getDeviceImage')).toBe(1);
    expect(sim.requestCount('listDeviceImages')).toBe(2);
    expect(sim.requestCount('createDeviceImage')).toBe(0);
    expect(sim.requests[0]).toEqual({
      method: 'GET',
      route: 'getDeviceImage',
      url: `${IMAGES}/${SEED_IMAGE_IDS.ready}?$select=id`,
      tenant: 'tenant-a',
      status: 200,
      batchItem: false,
      headers: expect.objectContaining({
        authorization: '[redacted]',
        'x-custom': 'yes',
      }),
      receivedAt: expect.any(Number),
    });
    expect(sim.requests[0]!.receivedAt).toBeGreaterThanOrEqual(before);
    expect(sim.requests[1]!.receivedAt).toBeGreaterThanOrEqual(
      sim.requests[0]!.receivedAt,
    );
    expect(sim.requests[2]).toMatchObject({ status: 401, tenant: undefined });
    sim.resetRequests();
    expect(sim.requestCount()).toBe(0);
    expect(sim.requests).toEqual([]);
  });

  it('SIM-45 MUST expose the record and a reset over HTTP without auth', async () => {
    sim.resetRequests();
    await call(sim, 'POST', IMAGES, {
      token: 'token-b',
      body: newImage('Sim45'),
    });
    const log = await request(`${sim.origin}/_simulator/requests`);
    const body = (await log.body.json()) as any;
    expect(log.statusCode).toBe(200);
    expect(body.counts).toMatchObject({ http: 1, createDeviceImage: 1 });
    expect(body.requests[0]).toMatchObject({
      method: 'POST',
      route: 'createDeviceImage',
      status: 201,
    });
    const reset = await request(`${sim.origin}/_simulator/reset`, {
      method: 'POST',
    });
    await reset.body.dump();
    expect(reset.statusCode).toBe(204);
    expect(sim.requestCount()).toBe(0);
    expect(sim.images('tenant-b').some((i) => i.displayName === 'Sim45')).toBe(
      false,
    );
    expect(sim.images('tenant-b')).toHaveLength(7);
    const unknown = await request(`${sim.origin}/_simulator/nothing`);
    expect(unknown.statusCode).toBe(404);
    await unknown.body.dump();
  });
});
