/**
 * Runs one load job in a process of its own, pinned to the load
 * generator's core: Debian's `wrk` when it is installed (a C generator that
 * leaves more of its core to the simulator), otherwise autocannon through
 * `loadWorker.js`. `BENCH_LOADGEN` (`wrk` or `autocannon`) chooses.
 * Internal to `bench/`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { LoadJob, LoadResult } from './loadWorker.js';
import { cpuSeconds } from './processes.js';
import { benchScript } from './servers.js';

export type LoadGeneratorName = 'wrk' | 'autocannon';

/** The generator this run uses, with its version. */
export function loadGenerator(): { name: LoadGeneratorName; version: string } {
  const wanted = process.env.BENCH_LOADGEN;
  if (wanted !== undefined && wanted !== 'wrk' && wanted !== 'autocannon') {
    throw new Error(
      `BENCH_LOADGEN: expected "wrk" or "autocannon", but got ${JSON.stringify(wanted)}.`,
    );
  }
  if (wanted !== 'autocannon') {
    const version = wrkVersion();
    if (version !== undefined) return { name: 'wrk', version };
    if (wanted === 'wrk') {
      throw new Error('BENCH_LOADGEN=wrk, but no `wrk` is on the PATH.');
    }
  }
  return { name: 'autocannon', version: '' };
}

function wrkVersion(): string | undefined {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'pipe' });
  } catch (error) {
    // wrk prints its version and usage, then exits 1.
    const out = String((error as { stdout?: Buffer }).stdout ?? '');
    const match = /^wrk (\S+)/.exec(out);
    return match?.[1];
  }
  return undefined;
}

/** Runs the job with the chosen generator, pinned to `cores`. */
export function runLoadProcess(
  job: LoadJob,
  cores: string | undefined,
): Promise<LoadResult> {
  return loadGenerator().name === 'wrk'
    ? runWrk(job, cores)
    : runAutocannon(job, cores);
}

function pinned(cores: string | undefined, command: string, args: string[]) {
  return cores === undefined
    ? { command, args }
    : { command: 'taskset', args: ['-c', cores, command, ...args] };
}

/**
 * Runs a child to its end; resolves with its output and the CPU seconds it
 * used, read from `/proc` every 50 ms (the last reading before exit).
 */
function runChild(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; out: string; err: string; cpu: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let cpu = 0;
    const sampler = setInterval(() => {
      try {
        cpu = cpuSeconds(child.pid!);
      } catch {
        // The process is gone; keep the last reading.
      }
    }, 50);
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', (error) => {
      clearInterval(sampler);
      reject(error);
    });
    child.on('exit', (code) => {
      clearInterval(sampler);
      resolve({ code, out, err, cpu });
    });
  });
}

async function runAutocannon(
  job: LoadJob,
  cores: string | undefined,
): Promise<LoadResult> {
  const { command, args } = pinned(cores, process.execPath, [
    benchScript('loadWorker.js'),
  ]);
  const run = await runChild(command, args, {
    ...process.env,
    BENCH_LOAD: JSON.stringify(job),
  });
  const line = run.out.trim().split('\n').pop() ?? '';
  if (run.code !== 0 || line === '') {
    throw new Error(`autocannon failed (${run.code}): ${run.err}${run.out}`);
  }
  return JSON.parse(line) as LoadResult;
}

/**
 * A wrk script posting the job's body and printing one JSON line at the
 * end; wrk's latencies are microseconds.
 */
function wrkScript(body: string): string {
  return `wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [==[${body}]==]
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(99), e.connect, e.read, e.write, e.status, e.timeout))
end
`;
}

async function runWrk(
  job: LoadJob,
  cores: string | undefined,
): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-wrk-'));
  try {
    const script = join(dir, 'post.lua');
    writeFileSync(script, wrkScript(job.body));
    const seconds = Math.max(1, Math.round(job.durationSec));
    const { command, args } = pinned(cores, 'wrk', [
      '-t1',
      `-c${job.connections}`,
      `-d${seconds}s`,
      '--timeout',
      '10s',
      '-s',
      script,
      job.url,
    ]);
    const run = await runChild(command, args, process.env);
    const line = run.out
      .split('\n')
      .reverse()
      .find((l) => l.startsWith('{"requests"'));
    if (run.code !== 0 || line === undefined) {
      throw new Error(`wrk failed (${run.code}): ${run.err}${run.out}`);
    }
    const r = JSON.parse(line) as Record<string, number>;
    const ok = r.requests! - r.status!;
    return {
      requests: ok,
      rps: ok / (r.durationUs! / 1e6),
      p50Ms: r.p50Us! / 1_000,
      p99Ms: r.p99Us! / 1_000,
      non2xx: r.status!,
      errors: r.connect! + r.read! + r.write!,
      timeouts: r.timeout!,
      generatorCpuSeconds: run.cpu,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
