/**
 * Throughput of the Graph simulator on its hot path: `GET deviceImages/{id}`
 * under autocannon. The simulator runs in a child process (one Node thread,
 * so at most one core) and the load generator in this one, so they do not
 * share an event loop. Prints requests per second and the simulator's CPU
 * time per request.
 *
 * Run with `npm run bench:simulator` (it builds `dist-bench/` first).
 * Settings: BENCH_CONNECTIONS (default 20), BENCH_DURATION seconds (10).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

import autocannon from 'autocannon';

import { SEED_IMAGE_IDS, startSimulator } from '../src/simulator/index.js';

const ROLE_FLAG = '--serve';

interface ServeReady {
  origin: string;
}

interface ServeUsage {
  cpuMicros: number;
  requests: number;
}

/** Child role: serve until told to stop, then report CPU time used. */
async function serve(): Promise<void> {
  const simulator = await startSimulator({ port: 0 });
  const before = process.cpuUsage();
  process.send?.({ origin: simulator.origin } satisfies ServeReady);
  process.on('message', (message: { last: boolean }) => {
    const used = process.cpuUsage(before);
    const usage: ServeUsage = {
      cpuMicros: used.user + used.system,
      requests: simulator.requestCount(),
    };
    process.send?.(usage, () => {
      if (message.last) void simulator.close().then(() => process.exit(0));
    });
  });
}

function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer, got '${raw}'.`);
  }
  return value;
}

/** Parent role: start the child, load it, print the figures. */
async function measure(): Promise<void> {
  const connections = setting('BENCH_CONNECTIONS', 20);
  const duration = setting('BENCH_DURATION', 10);
  const child = fork(fileURLToPath(import.meta.url), [ROLE_FLAG], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await once(child, 'message')) as [ServeReady];
  const url =
    `${ready.origin}/beta/deviceManagement/virtualEndpoint/deviceImages/` +
    SEED_IMAGE_IDS.ready;
  const headers = { authorization: 'Bearer bench' };
  // A short warm-up lets V8 optimise the hot path before measuring.
  await autocannon({ url, headers, connections, duration: 2 });
  const cpuStart = await usageOf(child);
  const result = await autocannon({ url, headers, connections, duration });
  const cpuEnd = await usageOf(child, true);
  const ok = result['2xx'];
  const served = cpuEnd.requests - cpuStart.requests;
  const cpuPerRequest = (cpuEnd.cpuMicros - cpuStart.cpuMicros) / served;
  process.stdout.write(
    [
      `simulator GET deviceImages/{id}: ${Math.round(ok / result.duration)} ` +
        `requests/s (${connections} connections, ${duration} s)`,
      `  2xx ${ok}, non-2xx ${result.non2xx}, errors ${result.errors}, ` +
        `timeouts ${result.timeouts}`,
      `  simulator CPU per request: ${cpuPerRequest.toFixed(1)} µs ` +
        `(one thread: at most ${Math.round(1e6 / cpuPerRequest)} requests/s ` +
        'per core)',
      '',
    ].join('\n'),
  );
}

/** Asks the child for its CPU time so far; `last` also stops it. */
async function usageOf(
  child: ReturnType<typeof fork>,
  last = false,
): Promise<ServeUsage> {
  child.send({ last });
  const [usage] = (await once(child, 'message')) as [ServeUsage];
  return usage;
}

if (process.argv.includes(ROLE_FLAG)) await serve();
else await measure();
