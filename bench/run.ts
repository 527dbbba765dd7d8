/**
 * `npm run bench`: starts the simulator in this process, then measures the
 * gateway part by part (start-up, HTTP against the floor, upstream economy,
 * idle subscribers), prints the tables and writes them to
 * `bench/results/latest.json` and the results section of `BENCHMARKS.md`.
 *
 * Settings: `BENCH_SCALE` (`full` or `smoke`), `BENCH_RESULTS` (JSON path),
 * `BENCH_MARKDOWN` (Markdown path, or `none`), `BENCH_PARTS` (comma list of
 * `startup,http,economy,subscriptions`), `BENCH_SUBSCRIBERS`,
 * `BENCH_PER_SOCKET`. Run from the repository root.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import { SOURCE_IMAGES } from '../src/simulator/index.js';
import { measureEconomy } from './economyBench.js';
import { describeEnvironment } from './environment.js';
import { startFixture } from './fixture.js';
import { measureHttp } from './httpBench.js';
import { pin, placement } from './processes.js';
import {
  checkTargets,
  renderMarkdown,
  writeMarkdownSection,
  type BenchResults,
} from './report.js';
import { scaleFromEnv } from './scale.js';
import { gatewayScript } from './servers.js';
import { measureStartup } from './startupBench.js';
import { measureSubscriptions } from './subscriptionBench.js';

const PARTS = ['startup', 'http', 'economy', 'subscriptions'] as const;
type Part = (typeof PARTS)[number];

function partsFromEnv(text: string | undefined): Set<Part> {
  if (text === undefined || text === '') return new Set(PARTS);
  const parts = text.split(',').map((p) => p.trim());
  for (const part of parts) {
    if (!(PARTS as readonly string[]).includes(part)) {
      throw new Error(
        `BENCH_PARTS: expected a comma list of ${PARTS.join(', ')}, but ` +
          `got ${JSON.stringify(part)}.`,
      );
    }
  }
  return new Set(parts as Part[]);
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function main(): Promise<number> {
  const scale = scaleFromEnv(process.env);
  const parts = partsFromEnv(process.env.BENCH_PARTS);
  const resultsPath = process.env.BENCH_RESULTS ?? 'bench/results/latest.json';
  const markdownPath = process.env.BENCH_MARKDOWN ?? 'BENCHMARKS.md';
  gatewayScript();
  const cores = placement();
  // The simulator lives in this process: keep it off the server's core.
  pin(process.pid, cores.rest);
  const pinning =
    cores.server === undefined
      ? 'none (one core or no taskset)'
      : `server under test on core ${cores.server}; simulator, load ` +
        `generator and subscriber clients on core ${cores.rest}`;
  const environment = describeEnvironment(pinning);
  log(`bench (${scale.name}): ${pinning}`);

  const fixture = await startFixture(scale.uploadMs);
  const { simulator, imageIds } = fixture;
  const graphBaseUrl = simulator.baseUrl;
  const source = SOURCE_IMAGES.find((s) => s.outcome.status === 'ready')!;
  const singleId = imageIds[imageIds.length - 1]!;
  const errors: string[] = [];
  const results: Omit<BenchResults, 'targets'> = {
    scale: scale.name,
    environment,
    startup: undefined,
    http: undefined,
    economy: undefined,
    subscriptions: undefined,
    errors,
  };

  async function part(name: Part, run: () => Promise<void>): Promise<void> {
    if (!parts.has(name)) return;
    log(`${name}…`);
    const started = Date.now();
    try {
      await run();
      log(`${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      errors.push(`${name}: ${message}`);
      log(`${name} failed: ${message}`);
    }
  }

  try {
    await part('startup', async () => {
      results.startup = await measureStartup({
        graphBaseUrl,
        singleId,
        runs: scale.startupRuns,
        placement: cores,
      });
    });
    await part('http', async () => {
      results.http = await measureHttp({
        graphBaseUrl,
        singleId,
        scale,
        placement: cores,
        log,
      });
    });
    await part('economy', async () => {
      results.economy = await measureEconomy({
        simulator,
        imageIds,
        sourceImageResourceId: source.resourceId,
        pollIntervalMs: scale.subscriptions.pollIntervalMs,
        uploadMs: scale.uploadMs,
        placement: cores,
      });
    });
    await part('subscriptions', async () => {
      results.subscriptions = await measureSubscriptions({
        simulator,
        imageId: singleId,
        scale,
        placement: cores,
        log,
      });
    });
  } finally {
    await simulator.close();
  }

  const complete: BenchResults = {
    ...results,
    targets: checkTargets(results),
  };
  const markdown = renderMarkdown(complete);
  process.stdout.write(`${markdown}\n`);
  mkdirSync(dirname(resultsPath), { recursive: true });
  writeFileSync(resultsPath, `${JSON.stringify(complete, null, 2)}\n`);
  if (markdownPath !== 'none') writeMarkdownSection(markdownPath, markdown);
  log(
    `wrote ${resultsPath}${markdownPath === 'none' ? '' : ` and ${markdownPath}`}`,
  );
  return errors.length === 0 ? 0 : 1;
}

process.exitCode = await main();
