import { afterEach, describe, expect, it } from 'vitest';

import {
  createHealthHandler,
  type HealthHandlerOptions,
} from '../../src/server/health.js';
import { capturingLogger } from '../utils/capturingLogger.js';
import {
  startHandlerServer,
  type HandlerServer,
} from '../utils/startHandlerServer.js';

const servers: HandlerServer[] = [];

async function serve(
  options: Omit<HealthHandlerOptions, 'logger'>,
  onRequest: () => void = () => {},
) {
  const { logger, lines } = capturingLogger();
  const handler = createHealthHandler({ ...options, logger });
  const server = await startHandlerServer((req, res) => {
    onRequest();
    return handler(req, res);
  });
  servers.push(server);
  return { url: server.url, lines };
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('Health: /healthz', () => {
  it('answers 200 without running the readiness check', async () => {
    let checks = 0;
    const { url } = await serve({
      checkReady: async () => {
        checks += 1;
        throw new Error('Graph is down');
      },
    });
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(checks).toBe(0);
  });

  it('answers 405 to other methods and leaves other paths alone', async () => {
    const { url } = await serve({ checkReady: async () => {} });
    const post = await fetch(`${url}/healthz`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(`${url}/health`)).status).toBe(404);
  });
});

describe('Health: /readyz', () => {
  it('answers 200 with the check time when the check passes', async () => {
    const { url } = await serve({ checkReady: async () => {} });
    const res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; checkedAt: string };
    expect(body.status).toBe('ready');
    expect(Date.parse(body.checkedAt)).not.toBeNaN();
  });

  it('answers 503 with the reason, credentials scrubbed', async () => {
    const { url } = await serve({
      checkReady: async () => {
        throw new Error('GET deviceImages with Bearer abc.def.ghi: 401');
      },
    });
    const res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe(
      'application/json; charset=utf-8',
    );
    expect(await res.json()).toMatchObject({
      status: 'unavailable',
      reason: 'GET deviceImages with Bearer [redacted]: 401',
    });
  });

  it('reuses a result for cacheMs', async () => {
    let checks = 0;
    const { url } = await serve({
      cacheMs: 60_000,
      checkReady: async () => {
        checks += 1;
      },
    });
    for (let i = 0; i < 3; i += 1) {
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
    }
    expect(checks).toBe(1);
  });

  it('runs one check for concurrent probes', async () => {
    let checks = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let arrived = 0;
    const { url } = await serve(
      {
        cacheMs: 0,
        checkReady: async () => {
          checks += 1;
          await gate;
        },
      },
      () => {
        arrived += 1;
        if (arrived === 5) release();
      },
    );
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => fetch(`${url}/readyz`)),
    );
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(checks).toBe(1);
  });

  it('fails a check that outlasts timeoutMs', async () => {
    const { url } = await serve({
      timeoutMs: 50,
      checkReady: () => new Promise(() => {}),
    });
    const res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      reason: 'readiness check timed out after 50 ms',
    });
  });

  it('follows the check back to ready and logs each change once', async () => {
    let healthy = false;
    const { url, lines } = await serve({
      cacheMs: 0,
      checkReady: async () => {
        if (!healthy) throw new Error('Graph answered 503');
      },
    });
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    healthy = true;
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect(lines.map((l) => [l.level, l.msg, l.reason])).toEqual([
      [40, 'gateway is not ready', 'Graph answered 503'],
      [30, 'gateway is ready', undefined],
    ]);
  });

  it('answers 503 at once while shutting down', async () => {
    let checks = 0;
    const { url } = await serve({
      isShuttingDown: () => true,
      checkReady: async () => {
        checks += 1;
      },
    });
    const res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ reason: 'shutting down' });
    expect(checks).toBe(0);
  });

  it('rejects a negative cacheMs with a message naming it', () => {
    const { logger } = capturingLogger();
    expect(() =>
      createHealthHandler({ checkReady: async () => {}, cacheMs: -1, logger }),
    ).toThrow(
      'createHealthHandler(): `cacheMs` must be a non-negative number of ' +
        'milliseconds, but got -1',
    );
  });
});
