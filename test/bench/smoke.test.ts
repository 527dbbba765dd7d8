import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { BenchResults } from '../../bench/report.js';

const run = promisify(execFile);

describe('Bench: smoke run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
  const resultsPath = join(dir, 'latest.json');
  const markdownPath = join(dir, 'BENCHMARKS.md');
  let results: BenchResults;
  let exitCode = 0;
  let output = '';

  beforeAll(async () => {
    if (!existsSync('dist/main.js')) {
      throw new Error('The gateway is not built: run `npm run build` first.');
    }
    await run(process.execPath, ['bench/build.mjs', 'dist-bench/smoke']);
    try {
      const done = await run(process.execPath, ['dist-bench/smoke/run.js'], {
        env: {
          ...process.env,
          BENCH_SCALE: 'smoke',
          BENCH_RESULTS: resultsPath,
          BENCH_MARKDOWN: markdownPath,
        },
        maxBuffer: 16 * 2 ** 20,
      });
      output = done.stderr;
    } catch (error) {
      const failed = error as { code?: number; stderr?: string };
      exitCode = failed.code ?? 1;
      output = failed.stderr ?? String(error);
    }
    results = JSON.parse(readFileSync(resultsPath, 'utf8')) as BenchResults;
  }, 90_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs every part without a failure', () => {
    expect(results.errors, output).toEqual([]);
    expect(exitCode, output).toBe(0);
  });

  it('loads the gateway and the floor with both operations', () => {
    expect(results.http?.map((op) => op.operation)).toEqual(['single', 'list']);
    for (const op of results.http ?? []) {
      expect(op.sameAnswer, op.answerDifference).toBe(true);
      for (const figures of [op.gateway, op.floor]) {
        expect(figures.failures).toBe(0);
        expect(figures.rps).toBeGreaterThan(0);
        expect(figures.cpuUsPerRequest).toBeGreaterThan(0);
      }
    }
  });

  it('counts fewer Graph requests than a naive resolver for 45 reads', () => {
    const reads = results.economy?.rows.find((row) =>
      row.operation.startsWith('45 deviceImage(id) reads in one'),
    );
    expect(reads?.naive).toBe(45);
    expect(reads?.graphRequests).toBeGreaterThan(0);
    expect(reads?.graphRequests).toBeLessThanOrEqual(3);
  });

  it('delivers every timed change to every subscriber', () => {
    const subs = results.subscriptions;
    expect(subs?.failed).toBe(0);
    expect(subs?.rounds.length).toBeGreaterThan(0);
    for (const round of subs?.rounds ?? []) {
      expect(round.missing).toBe(0);
      expect(round.delivered).toBe(subs?.subscribers);
    }
  });

  it('measures start-up and checks every target', () => {
    expect(results.startup?.medianMs).toBeGreaterThan(0);
    expect(results.targets).toHaveLength(7);
  });

  it('writes the results section between its markers', () => {
    const markdown = readFileSync(markdownPath, 'utf8');
    expect(markdown).toMatch(
      /<!-- bench:results:start -->[\s\S]*### Targets[\s\S]*<!-- bench:results:end -->/,
    );
  });
});
