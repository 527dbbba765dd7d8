import {
  BatchRequestContent,
  BatchResponseContent,
} from '@microsoft/microsoft-graph-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import {
  SEED_IMAGE_IDS,
  startSimulator,
  type Simulator,
} from '../../src/simulator/index.js';
import {
  call,
  graphClient,
  JSON_TYPE,
  newImage,
  SDK_IMAGES,
} from './simulatorTestKit.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ uploadMs: 100 });
});
afterEach(() => {
  sim.setFaults({});
  sim.resetRequests();
});
afterAll(() => sim.close());

const item = (id: string, url: string, extra: object = {}) => ({
  id,
  method: 'GET',
  url,
  ...extra,
});
const batch = (requests: unknown[], headers?: Record<string, string>) =>
  call(sim, 'POST', '/beta/$batch', {
    body: { requests },
    ...(headers ? { headers } : {}),
  });

describe('Simulator contract: $batch', () => {
  it('SIM-60 MUST answer a batch built by Microsoft\u2019s SDK, item by item', async () => {
    const content = new BatchRequestContent([
      {
        id: 'get',
        request: new Request(
          `${sim.baseUrl}${SDK_IMAGES}/${SEED_IMAGE_IDS.ready}`,
        ),
      },
      {
        id: 'create',
        request: new Request(`${sim.baseUrl}${SDK_IMAGES}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(newImage('Sim60')),
        }),
      },
      {
        id: 'missing',
        request: new Request(`${sim.baseUrl}${SDK_IMAGES}/nope`),
      },
    ]);
    const body = await content.getContent();
    expect(body.requests[0]?.url).toMatch(/^\/beta\/deviceManagement/);
    const raw = await graphClient(sim).api('/$batch').post(body);
    const responses = new BatchResponseContent(raw);
    const get = responses.getResponseById('get');
    expect(get.status).toBe(200);
    expect(await get.json()).toMatchObject({ id: SEED_IMAGE_IDS.ready });
    const created = responses.getResponseById('create');
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({
      displayName: 'Sim60',
      status: 'pending',
    });
    const missing = responses.getResponseById('missing');
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('itemNotFound');
    expect(raw.responses[0].headers['Content-Type']).toBe(JSON_TYPE);
    expect(sim.requestCount()).toBe(1);
    expect(sim.requestCount('batch')).toBe(1);
    expect(sim.requestCount('getDeviceImage')).toBe(2);
    expect(sim.requestCount('createDeviceImage')).toBe(1);
    expect(sim.requests.filter((r) => r.batchItem)).toHaveLength(3);
  });

  it('SIM-61 MUST accept item urls with and without the version segment', async () => {
    const res = await batch([
      item('a', `/beta${SDK_IMAGES}/${SEED_IMAGE_IDS.ready}`),
      item('b', `${SDK_IMAGES}/${SEED_IMAGE_IDS.ready}?$select=version`),
      item('c', `${SDK_IMAGES.slice(1)}/getSourceImages()`),
    ]);
    expect(res.status).toBe(200);
    expect(res.body.responses.map((r: { status: number }) => r.status)).toEqual(
      [200, 200, 200],
    );
    expect(Object.keys(res.body.responses[1].body).sort()).toEqual([
      '@odata.context',
      'id',
      'version',
    ]);
  });

  it('SIM-62 MUST answer 424 for an item whose dependency failed', async () => {
    const res = await batch([
      item('1', `${SDK_IMAGES}/nope`),
      item('2', `${SDK_IMAGES}/${SEED_IMAGE_IDS.ready}`, { dependsOn: ['1'] }),
      item('3', `${SDK_IMAGES}/${SEED_IMAGE_IDS.ready}`, { dependsOn: ['2'] }),
      item('4', `${SDK_IMAGES}/${SEED_IMAGE_IDS.ready}`),
    ]);
    const byId = Object.fromEntries(
      res.body.responses.map((r: { id: string; status: number }) => [
        r.id,
        r.status,
      ]),
    );
    expect(byId).toEqual({ '1': 404, '2': 424, '3': 424, '4': 200 });
    expect(res.body.responses[1].body.error.code).toBe('failedDependency');
  });

  it('SIM-63 MUST run dependent items after their dependency', async () => {
    const res = await batch([
      {
        id: 'create',
        method: 'POST',
        url: SDK_IMAGES,
        headers: { 'Content-Type': 'application/json' },
        body: newImage('Sim63'),
      },
      item('list', `${SDK_IMAGES}?$filter=displayName eq 'Sim63'`, {
        dependsOn: ['CREATE'],
      }),
    ]);
    expect(res.body.responses[0].status).toBe(201);
    expect(res.body.responses[1].body.value).toHaveLength(1);
  });

  it('SIM-64 MUST answer 400 for a malformed or oversized batch', async () => {
    const many = Array.from({ length: 21 }, (_, i) =>
      item(String(i), SDK_IMAGES),
    );
    const bad: [unknown, string][] = [
      [many, 'at most 20'],
      [
        [item('a', SDK_IMAGES), item('A', SDK_IMAGES)],
        "'A' is used more than once",
      ],
      [[item('a', SDK_IMAGES, { dependsOn: ['zz'] })], "depends on 'zz'"],
      [
        [
          item('a', SDK_IMAGES, { dependsOn: ['b'] }),
          item('b', SDK_IMAGES, { dependsOn: ['a'] }),
        ],
        'cycle',
      ],
      [[{ id: 'a', url: SDK_IMAGES }], 'requests[0].method'],
      [[], 'at least one request'],
    ];
    for (const [requests, fragment] of bad) {
      const res = await batch(requests as unknown[]);
      expect(res.status, fragment).toBe(400);
      expect(res.body.error.message, fragment).toContain(fragment);
    }
    const notJson = await call(sim, 'POST', '/beta/$batch', { body: '{' });
    expect(notJson.status).toBe(400);
    const wrongType = await call(sim, 'POST', '/beta/$batch', {
      body: '{}',
      headers: { 'content-type': 'text/plain' },
    });
    expect(wrongType.status).toBe(415);
  });

  it('SIM-65 MUST answer 400 for an item with a body but no Content-Type', async () => {
    const res = await batch([
      { id: '1', method: 'POST', url: SDK_IMAGES, body: newImage('Sim65') },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.responses[0].status).toBe(400);
    expect(sim.images().some((i) => i.displayName === 'Sim65')).toBe(false);
  });

  it('SIM-66 MUST throttle and fault items one by one', async () => {
    sim.setFaults({
      throttle: { requests: 2, windowMs: 60_000, retryAfterSeconds: 5 },
    });
    const res = await batch(
      ['1', '2', '3'].map((id) =>
        item(id, `${SDK_IMAGES}/${SEED_IMAGE_IDS.ready}`),
      ),
    );
    expect(res.status).toBe(200);
    const statuses = res.body.responses.map(
      (r: { status: number }) => r.status,
    );
    expect(statuses.sort()).toEqual([200, 200, 429]);
    const throttled = res.body.responses.find(
      (r: { status: number }) => r.status === 429,
    );
    expect(throttled.headers['Retry-After']).toBe('5');
    expect(throttled.body.error.code).toBe('TooManyRequests');
    sim.setFaults({});
    sim.injectFault({ route: 'listDeviceImages', status: 503 });
    const injected = await batch([
      item('1', SDK_IMAGES),
      item('2', SDK_IMAGES),
    ]);
    expect(
      injected.body.responses.map((r: { status: number }) => r.status).sort(),
    ).toEqual([200, 503]);
  });

  it('SIM-67 MUST take Prefer from the item, not from the batch request', async () => {
    const url = `${SDK_IMAGES}/${SEED_IMAGE_IDS.warning}`;
    const prefer = 'include-unknown-enum-members';
    const plain = await batch([
      item('1', url),
      item('2', url, { headers: { Prefer: prefer } }),
    ]);
    expect(plain.body.responses[0].body.status).toBe('unknownFutureValue');
    expect(plain.body.responses[1].body.status).toBe('warning');
    const outer = await batch([item('1', url)], { prefer });
    expect(outer.body.responses[0].body.status).toBe('unknownFutureValue');
  });

  it('SIM-68 MUST require auth for the batch and record items with their headers', async () => {
    const res = await call(sim, 'POST', '/beta/$batch', {
      body: { requests: [item('1', SDK_IMAGES)] },
      token: null,
    });
    expect(res.status).toBe(401);
    await batch([item('1', SDK_IMAGES, { headers: { 'X-Item': 'yes' } })]);
    const recorded = sim.requests.find((r) => r.batchItem);
    expect(recorded).toMatchObject({
      method: 'GET',
      route: 'listDeviceImages',
      url: SDK_IMAGES,
      tenant: 'default',
      status: 200,
      headers: { 'x-item': 'yes' },
    });
  });

  it('SIM-69 MUST drop the whole batch connection when an item resets', async () => {
    sim.injectFault({
      route: 'deleteDeviceImage',
      reset: true,
      afterApply: true,
    });
    await expect(
      batch([
        item('1', SDK_IMAGES),
        {
          id: '2',
          method: 'DELETE',
          url: `${SDK_IMAGES}/${SEED_IMAGE_IDS.failedNotGeneralized}`,
        },
      ]),
    ).rejects.toThrow();
    expect(
      sim.images().some((i) => i.id === SEED_IMAGE_IDS.failedNotGeneralized),
    ).toBe(false);
    expect(sim.requests.at(-1)).toMatchObject({ route: 'batch', status: 0 });
  });
});
