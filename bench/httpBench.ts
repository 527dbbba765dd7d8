/**
 * Part 1: HTTP throughput and latency of the gateway against the floor,
 * for the two operations of `queries.ts`. Both servers run pinned to the
 * same core, loaded by the same generator in alternating runs; the medians
 * of the runs are compared. Internal to `bench/`.
 */
import type { LoadResult } from './loadWorker.js';
import {
  postJson,
  startServer,
  type Placement,
  type ServerProcess,
} from './processes.js';
import { requestBodies } from './queries.js';
import type { BenchScale } from './scale.js';
import { runLoadProcess } from './loadGenerator.js';
import { floorSpec, gatewaySpec } from './servers.js';
import { median } from './stats.js';

export type HttpOperation = 'single' | 'list';

/** One server's figures for one operation: medians over the rounds. */
export interface HttpServerFigures {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Server CPU time per answered request, in microseconds. */
  cpuUsPerRequest: number;
  /** Server CPU used while loaded, as a share of one core. */
  serverCore: number;
  /** The simulator's CPU (this process) while loaded, share of a core. */
  simulatorCore: number;
  /** The load generator's CPU while loaded, share of a core. */
  generatorCore: number;
  /** One connection, one request at a time; NaN when not run. */
  serialP50Ms: number;
  serialP99Ms: number;
  failures: number;
  runs: LoadResult[];
}

/** Gateway against floor for one operation. */
export interface HttpOperationResult {
  operation: HttpOperation;
  description: string;
  gateway: HttpServerFigures;
  floor: HttpServerFigures;
  /** gateway / floor. */
  ratio: { rps: number; p50: number; p99: number; cpuPerRequest: number };
  /** Whether both answered the same `data` (cursors aside). */
  sameAnswer: boolean;
  /** Where the answers first differ, when they do. */
  answerDifference: string | undefined;
}

const DESCRIPTIONS: Record<HttpOperation, string> = {
  single: 'deviceImage(id), 3 fields',
  list: 'deviceImages(first: 50), every field',
};

interface Sample {
  load: LoadResult;
  serverCpu: number;
  simulatorCpu: number;
}

/** Runs part 1 against a simulator holding at least 50 images. */
export async function measureHttp(options: {
  graphBaseUrl: string;
  singleId: string;
  scale: BenchScale;
  placement: Placement;
  log: (line: string) => void;
}): Promise<HttpOperationResult[]> {
  const { scale, placement, log } = options;
  const bodies = requestBodies(options.singleId);
  const gateway = await startServer(
    gatewaySpec(options.graphBaseUrl, placement.server, bodies.single),
  );
  let floor: ServerProcess | undefined;
  try {
    floor = await startServer(
      floorSpec(options.graphBaseUrl, placement.server, bodies.single),
    );
    const results: HttpOperationResult[] = [];
    for (const operation of operationsFromEnv(process.env.BENCH_OPERATIONS)) {
      const body = bodies[operation];
      const difference = await compareAnswers(gateway, floor, body);
      if (difference !== undefined) {
        log(`  ${operation}: answers differ: ${difference}`);
      }
      const servers = [gateway, floor];
      const samples = new Map<ServerProcess, Sample[]>(
        servers.map((s) => [s, []]),
      );
      if (scale.http.warmupSec > 0) {
        for (const server of servers) {
          await load(server, body, scale.http.warmupSec, scale, placement);
        }
      }
      for (let round = 0; round < scale.http.rounds; round++) {
        const order = round % 2 === 0 ? servers : [...servers].reverse();
        for (const server of order) {
          const sample = await measured(server, body, scale, placement);
          samples.get(server)!.push(sample);
          log(
            `  ${operation} round ${round + 1} ${server.name}: ` +
              `${sample.load.rps.toFixed(0)} rps, ` +
              `p50 ${sample.load.p50Ms.toFixed(2)} ms, ` +
              `p99 ${sample.load.p99Ms.toFixed(2)} ms`,
          );
        }
      }
      const figures = new Map<ServerProcess, HttpServerFigures>();
      for (const server of servers) {
        const serial =
          scale.http.serialSec > 0
            ? await load(
                server,
                body,
                scale.http.serialSec,
                scale,
                placement,
                1,
              )
            : undefined;
        figures.set(
          server,
          summarise(samples.get(server)!, serial, scale.http.durationSec),
        );
      }
      const g = figures.get(gateway)!;
      const f = figures.get(floor)!;
      results.push({
        operation,
        description: DESCRIPTIONS[operation],
        gateway: g,
        floor: f,
        ratio: {
          rps: g.rps / f.rps,
          p50: g.p50Ms / f.p50Ms,
          p99: g.p99Ms / f.p99Ms,
          cpuPerRequest: g.cpuUsPerRequest / f.cpuUsPerRequest,
        },
        sameAnswer: difference === undefined,
        answerDifference: difference,
      });
    }
    return results;
  } finally {
    await gateway.stop();
    await floor?.stop();
  }
}

/** `BENCH_OPERATIONS`: a comma list of `single` and `list`; both if unset. */
function operationsFromEnv(text: string | undefined): HttpOperation[] {
  if (text === undefined || text === '') return ['single', 'list'];
  const names = text.split(',').map((name) => name.trim());
  for (const name of names) {
    if (name !== 'single' && name !== 'list') {
      throw new Error(
        `BENCH_OPERATIONS: expected a comma list of single, list, but got ` +
          `${JSON.stringify(name)}.`,
      );
    }
  }
  return names as HttpOperation[];
}

function load(
  server: ServerProcess,
  body: string,
  durationSec: number,
  scale: BenchScale,
  placement: Placement,
  connections = scale.http.connections,
): Promise<LoadResult> {
  return runLoadProcess(
    { url: server.url, body, connections, durationSec },
    placement.rest,
  );
}

async function measured(
  server: ServerProcess,
  body: string,
  scale: BenchScale,
  placement: Placement,
): Promise<Sample> {
  const serverBefore = server.cpuSeconds();
  const simulatorBefore = process.cpuUsage();
  const result = await load(
    server,
    body,
    scale.http.durationSec,
    scale,
    placement,
  );
  const simulator = process.cpuUsage(simulatorBefore);
  return {
    load: result,
    serverCpu: server.cpuSeconds() - serverBefore,
    simulatorCpu: (simulator.user + simulator.system) / 1e6,
  };
}

function summarise(
  samples: Sample[],
  serial: LoadResult | undefined,
  durationSec: number,
): HttpServerFigures {
  const pick = (f: (s: Sample) => number): number => median(samples.map(f));
  return {
    rps: pick((s) => s.load.rps),
    p50Ms: pick((s) => s.load.p50Ms),
    p99Ms: pick((s) => s.load.p99Ms),
    cpuUsPerRequest: pick((s) => (s.serverCpu * 1e6) / s.load.requests),
    serverCore: pick((s) => s.serverCpu / durationSec),
    simulatorCore: pick((s) => s.simulatorCpu / durationSec),
    generatorCore: pick((s) => s.load.generatorCpuSeconds / durationSec),
    serialP50Ms: serial?.p50Ms ?? Number.NaN,
    serialP99Ms: serial?.p99Ms ?? Number.NaN,
    failures: samples.reduce(
      (sum, s) => sum + s.load.non2xx + s.load.errors + s.load.timeouts,
      0,
    ),
    runs: samples.map((s) => s.load),
  };
}

/** Posts the body to both; describes the first difference in `data`. */
async function compareAnswers(
  gateway: ServerProcess,
  floor: ServerProcess,
  body: string,
): Promise<string | undefined> {
  const [a, b] = await Promise.all([
    postJson(gateway.url, body),
    postJson(floor.url, body),
  ]);
  for (const [name, answer] of [
    ['gateway', a],
    ['floor', b],
  ] as const) {
    if (answer.status !== 200 || answer.json?.errors !== undefined) {
      throw new Error(
        `The ${name} did not answer the bench operation: ${answer.status} ` +
          JSON.stringify(answer.json).slice(0, 500),
      );
    }
  }
  return firstDifference(a.json.data, b.json.data, 'data');
}

function firstDifference(
  a: unknown,
  b: unknown,
  path: string,
): string | undefined {
  if (path.endsWith('.endCursor')) return undefined;
  if (
    typeof a !== 'object' ||
    a === null ||
    typeof b !== 'object' ||
    b === null
  ) {
    return a === b
      ? undefined
      : `${path}: gateway ${JSON.stringify(a)}, floor ${JSON.stringify(b)}`;
  }
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.join() !== keysB.join()) {
    return `${path}: gateway keys [${keysA.join()}], floor [${keysB.join()}]`;
  }
  for (const key of keysA) {
    const found = firstDifference(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      `${path}.${key}`,
    );
    if (found !== undefined) return found;
  }
  return undefined;
}
