/**
 * The gateway as an operator runs it: `node dist/main.js` in a child
 * process (build first: `npm test` does), configured only through its
 * environment, in front of a simulator started here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { graphqlRequest } from '../utils/servers.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
/** The Graph token; it must never appear in anything the gateway writes. */
const CANARY = 'canary-tok-4c1f7e0d9b';
const LIST =
  'query ListImages { deviceImages(first: 5) { edges { node { id status } } } }';
const SEEDED_ID = 'eda7ed64-7705-4079-9d08-c2bd883f4fff';

interface LogLine {
  level: number;
  time: number;
  msg: string;
  [field: string]: unknown;
}

interface GatewayProcess {
  child: ChildProcess;
  /** The gateway's origin, e.g. `http://127.0.0.1:41234`. */
  origin: string;
  url: string;
  wsUrl: string;
  stdout(): string;
  stderr(): string;
  lines(): LogLine[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function gatewayEnv(
  graphBaseUrl: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    NODE_ENV: 'production',
    PORT: '0',
    HOST: '127.0.0.1',
    GRAPH_BASE_URL: graphBaseUrl,
    GRAPH_ACCESS_TOKEN: CANARY,
    POLL_INTERVAL_MS: '50',
    // Callers are not what these tests are about.
    AUTH_DISABLED: 'true',
    // Debug lines log every Graph exchange: the widest net for a leak.
    LOG_LEVEL: 'debug',
    ...extra,
  };
}

/** Runs `node dist/main.js` with exactly `env`. */
function runMain(env: Record<string, string>) {
  const child = spawn(process.execPath, [MAIN], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
  }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

function parseLines(text: string): LogLine[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LogLine);
}

/** Starts the gateway and waits for the line that gives its URL. */
async function startGateway(
  env: Record<string, string>,
): Promise<GatewayProcess> {
  const run = runMain(env);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const listening = parseLines(run.stdout()).find(
      (line) => typeof line['url'] === 'string',
    );
    if (listening) {
      const url = listening['url'] as string;
      return {
        ...run,
        origin: new URL(url).origin,
        url,
        wsUrl: listening['wsUrl'] as string,
        lines: () => parseLines(run.stdout()),
      };
    }
    if (run.child.exitCode !== null || Date.now() > deadline) {
      run.child.kill('SIGKILL');
      throw new Error(
        `The gateway did not start. stdout: ${run.stdout()} stderr: ${run.stderr()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stopGateway(gateway: GatewayProcess | undefined) {
  if (!gateway || gateway.child.exitCode !== null) return;
  gateway.child.kill('SIGKILL');
  await gateway.exited;
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

async function scrape(origin: string, token?: string): Promise<string> {
  const res = await fetch(`${origin}/metrics`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  expect(res.status).toBe(200);
  return res.text();
}

function subscribe(wsUrl: string) {
  const closes: number[] = [];
  const events: unknown[] = [];
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    on: {
      closed: (event) => closes.push((event as { code: number }).code),
    },
  });
  const done = new Promise<unknown>((resolve) => {
    client.subscribe(
      {
        query: `subscription { deviceImageStatusChanged(id: "${SEEDED_ID}") { id status } }`,
      },
      {
        next: (value) => events.push(value),
        error: (error) => resolve(error),
        complete: () => resolve('complete'),
      },
    );
  });
  return { client, closes, events, done };
}

beforeAll(() => {
  if (!existsSync(MAIN)) {
    throw new Error(`${MAIN} is missing: run \`npm run build\` first.`);
  }
});

describe('Operations: a running gateway', () => {
  let simulator: Simulator;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    simulator = await startSimulator({
      port: 0,
      uploadMs: 150,
      tokens: { [CANARY]: 'default' },
    });
    gateway = await startGateway(gatewayEnv(simulator.baseUrl));
  });

  afterAll(async () => {
    await stopGateway(gateway);
    await simulator.close();
  });

  it('logs JSON lines per operation with request id and operation name', async () => {
    const res = await graphqlRequest(gateway.url, LIST, undefined, {
      'x-request-id': 'ops-req-1',
    });
    expect(res.errors).toBeUndefined();
    expect(res.headers['x-request-id']).toBe('ops-req-1');
    const line = await waitFor('the operation line', async () =>
      gateway
        .lines()
        .find(
          (l) => l.msg === 'operation finished' && l.requestId === 'ops-req-1',
        ),
    );
    expect(line).toMatchObject({
      level: 20,
      operationName: 'ListImages',
      outcome: 'success',
    });
    expect(typeof line.durationMs).toBe('number');
    for (const l of gateway.lines()) {
      expect(typeof l.level).toBe('number');
      expect(typeof l.time).toBe('number');
      expect(typeof l.msg).toBe('string');
    }
  });

  it('logs retries at warn and upstream failures with Graph request ids', async () => {
    simulator.injectFault({ route: 'getDeviceImage', status: 503, count: 20 });
    const res = await graphqlRequest(
      gateway.url,
      `query OneImage { deviceImage(id: "${SEEDED_ID}") { id } }`,
      undefined,
      { 'x-request-id': 'ops-req-2' },
    );
    expect(res.errors?.[0]?.extensions?.['code']).toBe('UPSTREAM_UNAVAILABLE');
    const line = await waitFor('the failed operation line', async () =>
      gateway
        .lines()
        .find(
          (l) => l.msg === 'operation finished' && l.requestId === 'ops-req-2',
        ),
    );
    expect(line).toMatchObject({
      level: 40,
      operationName: 'OneImage',
      errorCodes: ['UPSTREAM_UNAVAILABLE'],
    });
    expect(line.graphRequestIds).toEqual([expect.any(String)]);
    // The retries of this request are logged with its request id.
    const retries = gateway
      .lines()
      .filter((l) => l.level === 40 && /^Retrying/.test(l.msg));
    expect(retries.length).toBeGreaterThan(0);
    for (const retry of retries) {
      expect(retry).toMatchObject({
        requestId: 'ops-req-2',
        graphRequestId: expect.any(String),
      });
    }
    simulator.setFaults({});
  });

  it('never writes the Graph token', async () => {
    simulator.injectFault({
      route: 'listDeviceImages',
      status: 401,
      count: 1,
    });
    await graphqlRequest(gateway.url, LIST);
    await graphqlRequest(gateway.url, LIST, undefined, {
      authorization: `Bearer ${CANARY}`,
    });
    const all = gateway.stdout() + gateway.stderr();
    expect(all.length).toBeGreaterThan(0);
    expect(all).not.toContain(CANARY);
  });

  it('logs each WebSocket operation with its request id, operation id and name', async () => {
    const client = createClient({
      url: gateway.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    try {
      const first = await client
        .iterate({
          query: `subscription Watch { deviceImageStatusChanged(id: "${SEEDED_ID}") { id } }`,
          operationName: 'Watch',
        })
        .next();
      expect(first.value).toMatchObject({
        data: { deviceImageStatusChanged: { id: SEEDED_ID } },
      });
      const line = await waitFor('the operation line', async () =>
        gateway
          .lines()
          .find(
            (l) =>
              l.msg === 'WebSocket operation starts' &&
              l.operationName === 'Watch',
          ),
      );
      expect(line).toMatchObject({
        level: 20,
        requestId: expect.any(String),
        operationId: expect.any(String),
      });
    } finally {
      await client.dispose();
    }
  });

  it('counts operations, upstream requests and polls in /metrics', async () => {
    const before = await scrape(gateway.origin);
    await graphqlRequest(gateway.url, LIST);
    await graphqlRequest(gateway.url, LIST);
    const sub = subscribe(gateway.wsUrl);
    const during = await waitFor('a poll to be recorded', async () => {
      const text = await scrape(gateway.origin);
      return sample(
        text,
        'cloudpc_poll_duration_seconds_count{outcome="success"}',
      ) >
        sample(before, 'cloudpc_poll_duration_seconds_count{outcome="success"}')
        ? text
        : undefined;
    });
    const ops =
      'cloudpc_graphql_operations_total{operation="ListImages",outcome="success"}';
    expect(sample(during, ops) - sample(before, ops)).toBe(2);
    const upstream = 'cloudpc_graph_requests_total{route="list",status="200"}';
    expect(sample(during, upstream)).toBeGreaterThan(sample(before, upstream));
    expect(sample(during, 'cloudpc_websocket_connections')).toBe(1);
    expect(sample(during, 'cloudpc_subscriptions')).toBe(1);
    expect(sample(during, 'cloudpc_pollers')).toBeGreaterThanOrEqual(1);
    await sub.client.dispose();
    const after = await waitFor('the socket to be counted closed', async () => {
      const text = await scrape(gateway.origin);
      return sample(text, 'cloudpc_websocket_connections') === 0
        ? text
        : undefined;
    });
    expect(sample(after, 'cloudpc_subscriptions')).toBe(0);
  });
});

describe('Operations: readiness', () => {
  let simulator: Simulator;
  let gateway: GatewayProcess;
  let port: number;

  beforeAll(async () => {
    simulator = await startSimulator({
      port: 0,
      tokens: { [CANARY]: 'default' },
    });
    port = Number(new URL(simulator.origin).port);
    gateway = await startGateway(gatewayEnv(simulator.baseUrl));
  });

  afterAll(async () => {
    await stopGateway(gateway);
    await simulator.close();
  });

  const readyz = async () => {
    const res = await fetch(`${gateway.origin}/readyz`);
    return {
      status: res.status,
      body: (await res.json()) as Record<string, string>,
    };
  };

  it('answers /healthz and /readyz while Graph answers', async () => {
    const health = await fetch(`${gateway.origin}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const before = simulator.requestCount('listDeviceImages');
    expect((await readyz()).status).toBe(200);
    expect(simulator.requestCount('listDeviceImages')).toBe(before + 1);
    expect(simulator.requests.at(-1)?.url).toMatch(/(\$|%24)top=1/);
  });

  it('goes 503 with the reason when Graph stops and 200 when it returns', async () => {
    await simulator.close();
    const down = await waitFor('/readyz to fail', async () => {
      const answer = await readyz();
      return answer.status === 503 ? answer : undefined;
    });
    expect(down.body).toMatchObject({ status: 'unavailable' });
    expect(down.body['reason']).toEqual(expect.any(String));
    const health = await fetch(`${gateway.origin}/healthz`);
    expect(health.status).toBe(200);
    simulator = await startSimulator({
      port,
      tokens: { [CANARY]: 'default' },
    });
    const up = await waitFor('/readyz to recover', async () => {
      const answer = await readyz();
      return answer.status === 200 ? answer : undefined;
    });
    expect(up.body).toMatchObject({ status: 'ready' });
    // The log line may trail the HTTP answer through the pipe.
    const changes = await waitFor('the readiness log lines', async () => {
      const found = gateway
        .lines()
        .filter((l) => /^gateway is (not )?ready$/.test(l.msg))
        .map((l) => [l.level, l.msg]);
      return found.at(-1)?.[1] === 'gateway is ready' && found.length >= 3
        ? found
        : undefined;
    });
    expect(changes.slice(-2)).toEqual([
      [40, 'gateway is not ready'],
      [30, 'gateway is ready'],
    ]);
  });
});

describe('Operations: settings', () => {
  let simulator: Simulator;
  const gateways: GatewayProcess[] = [];

  beforeAll(async () => {
    simulator = await startSimulator({
      port: 0,
      tokens: { [CANARY]: 'default' },
    });
  });

  afterAll(async () => {
    await Promise.all(gateways.map((g) => stopGateway(g)));
    await simulator.close();
  });

  it('protects /metrics with METRICS_TOKEN', async () => {
    const gateway = await startGateway(
      gatewayEnv(simulator.baseUrl, { METRICS_TOKEN: 'scrape-me' }),
    );
    gateways.push(gateway);
    expect((await fetch(`${gateway.origin}/metrics`)).status).toBe(401);
    expect(await scrape(gateway.origin, 'scrape-me')).toContain(
      'cloudpc_graphql_operations_total',
    );
  });

  it('serves no /metrics with METRICS=false', async () => {
    const gateway = await startGateway(
      gatewayEnv(simulator.baseUrl, { METRICS: 'false' }),
    );
    gateways.push(gateway);
    expect((await fetch(`${gateway.origin}/metrics`)).status).toBe(404);
  });

  it('exits 1 with one line naming a bad setting and no stack', async () => {
    const run = runMain(gatewayEnv(simulator.baseUrl, { PORT: 'abc' }));
    const { code } = await run.exited;
    expect(code).toBe(1);
    expect(run.stdout()).toBe('');
    const lines = run.stderr().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('PORT');
    expect(lines[0]).toContain('"abc"');
    expect(run.stderr()).not.toMatch(/^\s+at /m);
  });
});

describe('Operations: shutdown', () => {
  let simulator: Simulator;

  beforeAll(async () => {
    simulator = await startSimulator({
      port: 0,
      tokens: { [CANARY]: 'default' },
    });
  });

  afterAll(async () => {
    await simulator.close();
  });

  it('closes subscriptions with 1001 and exits 0 on SIGTERM', async () => {
    const gateway = await startGateway(gatewayEnv(simulator.baseUrl));
    try {
      const sub = subscribe(gateway.wsUrl);
      await waitFor('the first event', async () =>
        sub.events.length > 0 ? true : undefined,
      );
      gateway.child.kill('SIGTERM');
      const { code, signal } = await gateway.exited;
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      await sub.done;
      expect(sub.closes).toEqual([1001]);
      const messages = gateway.lines().map((l) => l.msg);
      expect(messages).toContain('shutting down');
      expect(messages).toContain('shutdown complete');
    } finally {
      await stopGateway(gateway);
    }
  });

  it('answers a request in flight at SIGTERM, then exits without waiting out the grace', async () => {
    const gateway = await startGateway(gatewayEnv(simulator.baseUrl));
    try {
      simulator.setFaults({ latencyMs: 400 });
      simulator.resetRequests();
      const answer = fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ deviceImages { totalCount } }' }),
      });
      await waitFor('the request to reach Graph', async () =>
        simulator.requestCount('listDeviceImages') > 0 ? true : undefined,
      );
      const signalled = Date.now();
      gateway.child.kill('SIGTERM');
      const response = await answer;
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        data: { deviceImages: { totalCount: expect.any(Number) } },
      });
      const { code } = await gateway.exited;
      expect(code).toBe(0);
      // The kept-alive connection of the answered request is closed as
      // soon as it is idle, not when its client lets it go (fetch: 4 s) or
      // the 5 s grace cuts it.
      expect(Date.now() - signalled).toBeLessThan(2_500);
    } finally {
      simulator.setFaults({});
      await stopGateway(gateway);
    }
  });
});
