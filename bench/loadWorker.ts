/**
 * The load generator, run as its own process so its CPU is not the
 * server's: posts one body to one URL with autocannon for a fixed time and
 * prints one JSON line of {@link LoadResult}. The job arrives as JSON in
 * `BENCH_LOAD`.
 */
import autocannon from 'autocannon';

import { quantile } from './stats.js';

/** What to load. */
export interface LoadJob {
  url: string;
  body: string;
  connections: number;
  durationSec: number;
}

/** What one load run measured. Latencies are in milliseconds. */
export interface LoadResult {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** CPU seconds the load generator process used. */
  generatorCpuSeconds: number;
}

/** Runs one job; latencies come from every 2xx answer, not the histogram. */
export async function runLoad(job: LoadJob): Promise<LoadResult> {
  const latencies: number[] = [];
  const cpuBefore = process.cpuUsage();
  const instance = autocannon({
    url: job.url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: job.body,
    connections: job.connections,
    pipelining: 1,
    duration: job.durationSec,
    timeout: 10,
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
  });
  const result = await instance;
  const ok = result['2xx'];
  return {
    requests: ok,
    rps: ok / (result.duration || job.durationSec),
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    generatorCpuSeconds: cpuTotal(process.cpuUsage(cpuBefore)),
  };
}

function cpuTotal(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1e6;
}

const job = JSON.parse(process.env.BENCH_LOAD ?? 'null') as LoadJob | null;
if (job === null) {
  process.stderr.write('BENCH_LOAD must hold a JSON load job\n');
  process.exit(2);
}
process.stdout.write(JSON.stringify(await runLoad(job)) + '\n');
