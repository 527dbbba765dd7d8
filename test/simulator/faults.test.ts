import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import {
  SEED_IMAGE_IDS,
  startSimulator,
  type Simulator,
} from '../../src/simulator/index.js';
import { call, IMAGES, newImage } from './simulatorTestKit.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ uploadMs: 100 });
});
afterEach(() => {
  sim.setFaults({});
  sim.resetRequests();
});
afterAll(() => sim.close());

const ONE = `${IMAGES}/${SEED_IMAGE_IDS.ready}`;

describe('Simulator contract: standing faults', () => {
  it('SIM-50 MUST answer 429 with Retry-After and the contract\u2019s body past the throttle', async () => {
    sim.setFaults({
      throttle: { requests: 3, windowMs: 60_000, retryAfterSeconds: 7 },
    });
    const statuses = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await call(sim, 'GET', ONE)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const res = await call(sim, 'GET', ONE);
    expect(res.headers['retry-after']).toBe('7');
    expect(res.body.error).toMatchObject({
      code: 'TooManyRequests',
      message: 'Please retry again later.',
      innerError: {
        code: '429',
        message: 'Please retry after',
        status: '429',
        'request-id': res.headers['request-id'],
      },
    });
    expect(res.body.error.innerError.date).toBeTruthy();
  });

  it('SIM-51 MUST open a new throttle window after windowMs', async () => {
    sim.setFaults({
      throttle: { requests: 1, windowMs: 1_000, retryAfterSeconds: 1 },
    });
    expect((await call(sim, 'GET', ONE)).status).toBe(200);
    expect((await call(sim, 'GET', ONE)).status).toBe(429);
    await new Promise((r) => setTimeout(r, 1_050));
    expect((await call(sim, 'GET', ONE)).status).toBe(200);
  });

  it('SIM-52 MUST answer 503 serviceNotAvailable at errorRate 1 and never at 0', async () => {
    sim.setFaults({ errorRate: 1 });
    const res = await call(sim, 'GET', ONE);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('serviceNotAvailable');
    sim.setFaults({ errorRate: 0 });
    for (let i = 0; i < 5; i++)
      expect((await call(sim, 'GET', ONE)).status).toBe(200);
  });

  it('SIM-53 MUST wait at least latencyMs before answering', async () => {
    sim.setFaults({ latencyMs: 80 });
    const started = performance.now();
    expect((await call(sim, 'GET', ONE)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
  });

  it('SIM-54 MUST reject invalid standing faults with a TypeError', () => {
    expect(() => sim.setFaults({ errorRate: 2 })).toThrow(
      'setFaults(): options.errorRate must be a number from 0 to 1, got 2.',
    );
    expect(() =>
      sim.setFaults({
        throttle: { requests: 1, windowMs: 0, retryAfterSeconds: 1 },
      }),
    ).toThrow(
      'setFaults(): options.throttle.windowMs must be an integer of at least 1, got 0.',
    );
  });
});

describe('Simulator contract: injected faults', () => {
  it('SIM-55 MUST answer an injected status for count matching requests only', async () => {
    sim.injectFault({
      route: 'getDeviceImage',
      status: 503,
      count: 2,
      retryAfterSeconds: 3,
    });
    expect((await call(sim, 'GET', IMAGES)).status).toBe(200);
    const first = await call(sim, 'GET', ONE);
    expect(first.status).toBe(503);
    expect(first.headers['retry-after']).toBe('3');
    expect(first.body.error.code).toBe('serviceNotAvailable');
    expect((await call(sim, 'GET', ONE)).status).toBe(503);
    expect((await call(sim, 'GET', ONE)).status).toBe(200);
    sim.injectFault({ status: 429 });
    const any = await call(sim, 'GET', IMAGES);
    expect(any.status).toBe(429);
    expect(any.body.error.code).toBe('TooManyRequests');
    expect(() => sim.injectFault({ count: 0 })).toThrow(
      'injectFault(): count must be a positive integer, got 0.',
    );
  });

  it('SIM-56 MUST apply the effect before answering an afterApply fault', async () => {
    sim.injectFault({
      route: 'createDeviceImage',
      status: 500,
      afterApply: true,
    });
    const res = await call(sim, 'POST', IMAGES, { body: newImage('Sim56') });
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('generalException');
    expect(sim.images().filter((i) => i.displayName === 'Sim56')).toHaveLength(
      1,
    );
    const retry = await call(sim, 'POST', IMAGES, { body: newImage('Sim56') });
    expect(retry.status).toBe(409);
  });

  it('SIM-57 MUST destroy the socket for a reset fault, after applying with afterApply', async () => {
    sim.injectFault({
      route: 'createDeviceImage',
      reset: true,
      afterApply: true,
    });
    await expect(
      call(sim, 'POST', IMAGES, { body: newImage('Sim57') }),
    ).rejects.toThrow();
    expect(sim.images().some((i) => i.displayName === 'Sim57')).toBe(true);
    sim.injectFault({ route: 'deleteDeviceImage', reset: true });
    await expect(
      call(sim, 'DELETE', `${IMAGES}/${SEED_IMAGE_IDS.failedDataDisk}`),
    ).rejects.toThrow();
    expect(
      sim.images().some((i) => i.id === SEED_IMAGE_IDS.failedDataDisk),
    ).toBe(true);
    expect(sim.requests.at(-1)).toMatchObject({
      route: 'deleteDeviceImage',
      status: 0,
    });
  });

  it('SIM-58 MUST hold the answer for delayMs, long enough for a client timeout', async () => {
    sim.injectFault({ route: 'getDeviceImage', delayMs: 400 });
    await expect(
      request(sim.origin + ONE, {
        headers: { authorization: 'Bearer t' },
        signal: AbortSignal.timeout(50),
      }),
    ).rejects.toThrow(/abort|timeout/i);
    expect((await call(sim, 'GET', ONE)).status).toBe(200);
  });

  it('SIM-59 MUST queue a fault posted to /_simulator/faults and reject a bad one', async () => {
    const post = (body: string) =>
      request(`${sim.origin}/_simulator/faults`, { method: 'POST', body });
    const queued = await post(
      JSON.stringify({ route: 'listDeviceImages', status: 502 }),
    );
    await queued.body.dump();
    expect(queued.statusCode).toBe(204);
    const res = await call(sim, 'GET', IMAGES);
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('badGateway');
    const bad = await post(JSON.stringify({ status: '503' }));
    expect(bad.statusCode).toBe(400);
    expect(((await bad.body.json()) as { error: string }).error).toBe(
      'Invalid fault: \'status\' must be a number, got "503".',
    );
  });
});
