/**
 * Child processes of the bench: the servers under test, pinned to their
 * own core when the machine has two, and what `/proc` says about them.
 * Internal to `bench/`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { cpus } from 'node:os';

/** Which cores what runs on; undefined: no pinning (one core, no taskset). */
export interface Placement {
  /** The server under test. */
  server: string | undefined;
  /** The simulator, the load generator and the subscriber clients. */
  rest: string | undefined;
}

/** Pins the server to core 1 and the rest to core 0 when possible. */
export function placement(): Placement {
  if (cpus().length < 2 || !hasTaskset()) {
    return { server: undefined, rest: undefined };
  }
  return { server: '1', rest: '0' };
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Moves a running process (every thread) to the given cores. */
export function pin(pid: number, cores: string | undefined): void {
  if (cores === undefined) return;
  execFileSync('taskset', ['-a', '-cp', cores, String(pid)], {
    stdio: 'ignore',
  });
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString()) || 100;
  } catch {
    return 100;
  }
})();

/** User plus system CPU seconds a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Resident set size of a process, in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (match === null) throw new Error(`No VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') {
    throw new Error('Could not find a free port');
  }
  return address.port;
}

/** Milliseconds since `start`, a `process.hrtime.bigint()` reading. */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Posts a GraphQL body; resolves with the status and parsed body. */
export function postJson(
  url: string,
  body: string,
): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) });
          } catch {
            resolve({ status: res.statusCode ?? 0, json: { raw: text } });
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A server under test running in its own process. */
export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  /** E.g. 'http://127.0.0.1:41234/graphql'. */
  readonly url: string;
  /** Milliseconds from spawn to the first answered query. */
  readonly startupMs: number;
  cpuSeconds(): number;
  rssBytes(): number;
  /** The last lines it wrote, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

/** How to start one server under test. */
export interface ServerSpec {
  name: string;
  /** The script to run with this Node. */
  script: string;
  /** Node options before the script, e.g. `--cpu-prof`. */
  nodeArgs?: string[] | undefined;
  env: Record<string, string>;
  /** The GraphQL endpoint's path. @default '/graphql' */
  path?: string;
  cores: string | undefined;
  /** A body whose answer proves the server works (`data`, no `errors`). */
  probe: string;
  /** @default 20_000 // 20 seconds */
  timeoutMs?: number;
}

/**
 * Spawns a server with `PORT` and `HOST` set, pins it, and resolves once it
 * answers the probe with data; the time to that answer is its start-up.
 */
export async function startServer(spec: ServerSpec): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}${spec.path ?? '/graphql'}`;
  const start = process.hrtime.bigint();
  const command = spec.cores === undefined ? process.execPath : 'taskset';
  const args =
    spec.cores === undefined
      ? [...(spec.nodeArgs ?? []), spec.script]
      : [
          '-c',
          spec.cores,
          process.execPath,
          ...(spec.nodeArgs ?? []),
          spec.script,
        ];
  const child = spawn(command, args, {
    env: {
      ...process.env,
      ...spec.env,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => resolve()),
  );
  const pid = child.pid!;
  const startupMs = await waitForAnswer(
    url,
    spec.probe,
    start,
    child,
    spec.timeoutMs ?? 20_000,
    () => tail,
  );
  return {
    name: spec.name,
    pid,
    url,
    startupMs,
    cpuSeconds: () => cpuSeconds(pid),
    rssBytes: () => rssBytes(pid),
    output: () => tail,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitForAnswer(
  url: string,
  probe: string,
  start: bigint,
  child: ChildProcess,
  timeoutMs: number,
  output: () => string,
): Promise<number> {
  let last = 'no answer';
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${url}: the server exited (${child.exitCode ?? child.signalCode}) ` +
          `before answering. Its output:\n${output()}`,
      );
    }
    try {
      const answer = await postJson(url, probe);
      if (
        answer.status === 200 &&
        answer.json?.data != null &&
        answer.json.errors === undefined
      ) {
        return msSince(start);
      }
      last = `${answer.status} ${JSON.stringify(answer.json).slice(0, 500)}`;
    } catch (error) {
      last = String(error);
    }
    if (msSince(start) > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(
        `${url}: no answer with data within ${timeoutMs} ms; last: ${last}. ` +
          `Its output:\n${output()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
