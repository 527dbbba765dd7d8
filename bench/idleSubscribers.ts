/**
 * Memory per idle subscription and the time from a status change in the
 * simulator to the event at a client. The gateway (with its simulator)
 * runs in a child process of its own, so the RSS it reports holds no
 * client sockets; this process runs the graphql-ws clients.
 *
 * Build and run (two folders deep, so the bundled gateway finds `schema/`
 * at `../../schema` as it does from `dist/`):
 *   npx esbuild bench/idleSubscribers.ts --bundle --platform=node \
 *     --format=esm --packages=external \
 *     --outfile=dist-bench/subscriptions/idleSubscribers.js
 *   node dist-bench/subscriptions/idleSubscribers.js
 * Environment: SOCKETS (20), PER_SOCKET (100), POLL_MS (250), ROUNDS (9).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

type ToServer =
  { type: 'rss' } | { type: 'update'; status: 'ready' | 'failed' };
type FromServer =
  | { type: 'ready'; wsUrl: string }
  | { type: 'rss'; rss: number; heapUsed: number }
  | { type: 'updated'; at: number };

const IMAGE_ID = 'eda7ed64-7705-4079-9d08-c2bd883f4fff';
const QUERY =
  'subscription Watch($id: ID!) { deviceImageStatusChanged(id: $id) ' +
  '{ id status } }';

/** A clock both processes share, in milliseconds. */
const now = (): number => performance.timeOrigin + performance.now();

async function serve(): Promise<void> {
  const { startSimulator } = await import('../src/simulator/index.js');
  const { createGateway } = await import('../src/server/createGateway.js');
  const { loadConfig } = await import('../src/server/config.js');
  const simulator = await startSimulator({ uploadMs: 1_000 });
  const gateway = await createGateway({
    ...loadConfig({}),
    port: 0,
    graphBaseUrl: simulator.baseUrl,
    auth: { mode: 'static', token: 'bench' },
    pollIntervalMs: Number(process.env['POLL_MS'] ?? 250),
    graphiql: false,
    nodeEnv: 'production',
  });
  const send = (message: FromServer) => process.send?.(message);
  process.on('message', (message: ToServer) => {
    if (message.type === 'rss') {
      globalThis.gc?.();
      const { rss, heapUsed } = process.memoryUsage();
      send({ type: 'rss', rss, heapUsed });
    } else {
      const at = now();
      simulator.updateImage(IMAGE_ID, {
        status: message.status,
        errorCode: message.status === 'failed' ? 'sourceImageInvalid' : null,
      });
      send({ type: 'updated', at });
    }
  });
  process.on('disconnect', () => {
    void gateway.close().then(() => simulator.close());
  });
  send({ type: 'ready', wsUrl: gateway.wsUrl });
}

function ask(child: ChildProcess, message: ToServer): Promise<FromServer> {
  return new Promise((resolve) => {
    child.once('message', (reply: FromServer) => resolve(reply));
    child.send(message);
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function measure(): Promise<void> {
  const sockets = Number(process.env['SOCKETS'] ?? 20);
  const perSocket = Number(process.env['PER_SOCKET'] ?? 100);
  const rounds = Number(process.env['ROUNDS'] ?? 9);
  const pollMs = Number(process.env['POLL_MS'] ?? 250);
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, BENCH_ROLE: 'server' },
    execArgv: ['--expose-gc'],
  });
  const ready = await new Promise<FromServer>((resolve) =>
    child.once('message', resolve),
  );
  if (ready.type !== 'ready') throw new Error('The server did not start');
  const memory = async () =>
    (await ask(child, { type: 'rss' })) as { rss: number; heapUsed: number };
  // Let the server settle: JIT, pools, the first GC.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const before = await memory();

  const total = sockets * perSocket;
  const arrivals: number[][] = [];
  let waiting: { count: number; done: () => void } | undefined;
  const clients: Client[] = [];
  let seen = 0;
  const allSeen = new Promise<void>((resolve) => {
    waiting = { count: total, done: resolve };
  });
  for (let s = 0; s < sockets; s++) {
    const client = createClient({
      url: ready.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    clients.push(client);
    for (let i = 0; i < perSocket; i++) {
      client.subscribe(
        { query: QUERY, variables: { id: IMAGE_ID } },
        {
          next: () => {
            const at = now();
            (arrivals[arrivals.length - 1] ??= []).push(at);
            if (waiting && ++seen === waiting.count) waiting.done();
          },
          error: (error) => {
            throw new Error(`A subscription failed: ${JSON.stringify(error)}`);
          },
          complete: () => undefined,
        },
      );
    }
  }
  arrivals.push([]);
  await allSeen;
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const after = await memory();

  const first: number[] = [];
  const last: number[] = [];
  for (let round = 0; round < rounds; round++) {
    // A random offset within the poll interval, so the rounds sample every
    // phase of it rather than one.
    await new Promise((resolve) =>
      setTimeout(resolve, pollMs + Math.random() * pollMs),
    );
    seen = 0;
    arrivals.push([]);
    const done = new Promise<void>((resolve) => {
      waiting = { count: total, done: resolve };
    });
    const reply = await ask(child, {
      type: 'update',
      status: round % 2 === 0 ? 'failed' : 'ready',
    });
    await done;
    const changedAt = (reply as { at: number }).at;
    const times = arrivals[arrivals.length - 1] ?? [];
    first.push(Math.min(...times) - changedAt);
    last.push(Math.max(...times) - changedAt);
  }

  const perSubscriptionKB = (key: 'rss' | 'heapUsed') =>
    +((after[key] - before[key]) / 1024 / total).toFixed(2);
  process.stdout.write(
    JSON.stringify(
      {
        subscriptions: total,
        sockets,
        perSocket,
        pollIntervalMs: pollMs,
        rssBeforeMB: +(before.rss / 2 ** 20).toFixed(1),
        rssAfterMB: +(after.rss / 2 ** 20).toFixed(1),
        rssPerSubscriptionKB: perSubscriptionKB('rss'),
        heapPerSubscriptionKB: perSubscriptionKB('heapUsed'),
        rounds,
        changeToFirstClientMs: {
          median: +median(first).toFixed(1),
          all: first.map((v) => +v.toFixed(1)),
        },
        changeToLastClientMs: {
          median: +median(last).toFixed(1),
          all: last.map((v) => +v.toFixed(1)),
        },
      },
      null,
      2,
    ) + '\n',
  );
  await Promise.all(clients.map((client) => client.dispose()));
  child.disconnect();
}

if (process.env['BENCH_ROLE'] === 'server') {
  await serve();
} else {
  await measure();
}
