/**
 * Turns a run's figures into the targets verdict, the Markdown tables
 * printed and written into `BENCHMARKS.md`, and the JSON kept in
 * `bench/results/`. Internal to `bench/`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

import type { EconomyResult } from './economyBench.js';
import type { BenchEnvironment } from './environment.js';
import type { HttpOperationResult } from './httpBench.js';
import type { StartupResult } from './startupBench.js';
import { median } from './stats.js';
import type { SubscriptionResult } from './subscriptionBench.js';

/** Everything one run measured. */
export interface BenchResults {
  scale: string;
  environment: BenchEnvironment;
  startup: StartupResult | undefined;
  http: HttpOperationResult[] | undefined;
  economy: EconomyResult | undefined;
  subscriptions: SubscriptionResult | undefined;
  targets: TargetCheck[];
  /** Parts that failed, with why. */
  errors: string[];
}

/** One target against this run's figure. */
export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | undefined;
}

const SECTION_START = '<!-- bench:results:start -->';
const SECTION_END = '<!-- bench:results:end -->';

/** Checks the run's figures against the project's targets. */
export function checkTargets(
  results: Omit<BenchResults, 'targets'>,
): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const op = (name: string) => results.http?.find((r) => r.operation === name);
  const single = op('single');
  const list = op('list');
  const ratio = (value: number | undefined, bound: number, atLeast: boolean) =>
    value === undefined
      ? { measured: 'not measured', met: undefined }
      : {
          measured: `${value.toFixed(2)}×`,
          met: atLeast ? value >= bound : value <= bound,
        };
  checks.push({
    target: 'single-image throughput ≥ 0.5× the floor',
    ...ratio(single?.ratio.rps, 0.5, true),
  });
  checks.push({
    target: 'list throughput ≥ 0.35× the floor',
    ...ratio(list?.ratio.rps, 0.35, true),
  });
  for (const [name, result] of [
    ['single-image', single],
    ['list', list],
  ] as const) {
    checks.push({
      target: `${name} p99 ≤ 2.5× the floor's`,
      ...ratio(result?.ratio.p99, 2.5, false),
    });
  }
  const subs = results.subscriptions;
  const full = subs !== undefined && subs.subscribers >= 10_000;
  checks.push({
    target: '10,000 subscribers in under 300 MB RSS in total',
    measured:
      subs === undefined
        ? 'not measured'
        : `${subs.rssAfterMB.toFixed(0)} MB with ${subs.subscribers}`,
    met: subs === undefined || !full ? undefined : subs.rssAfterMB < 300,
  });
  checks.push({
    target: 'one change reaches all 10,000, p99 < 250 ms after the poll',
    measured:
      subs === undefined
        ? 'not measured'
        : `p99 ${subs.fromPoll.p99.toFixed(0)} ms, last ` +
          `${subs.fromPoll.last.toFixed(0)} ms, ` +
          `${subs.rounds.reduce((n, r) => n + r.missing, 0)} missed`,
    met:
      subs === undefined || !full
        ? undefined
        : subs.fromPoll.p99 < 250 && subs.rounds.every((r) => r.missing === 0),
  });
  checks.push({
    target: 'start-up under 1.5 s',
    measured:
      results.startup === undefined
        ? 'not measured'
        : `median ${results.startup.medianMs.toFixed(0)} ms, max ` +
          `${results.startup.maxMs.toFixed(0)} ms`,
    met:
      results.startup === undefined
        ? undefined
        : results.startup.medianMs < 1_500,
  });
  return checks;
}

const n = (value: number, digits = 0): string =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', {
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      })
    : '–';

/** The run as Markdown: the section `BENCHMARKS.md` keeps. */
export function renderMarkdown(results: BenchResults): string {
  const env = results.environment;
  const lines: string[] = [];
  lines.push(
    `Last run: ${env.date}, scale \`${results.scale}\`, commit ` +
      `${env.commit ?? 'unknown'}.`,
    '',
    `Machine: ${env.nproc} cores (${env.cpuModel}), ${env.memoryGB} GB; ` +
      `load average at start ${env.loadAverageAtStart}. Node ${env.node}, ` +
      `npm ${env.npm}; ` +
      Object.entries(env.packages)
        .map(([name, version]) => `${name} ${version}`)
        .join(', ') +
      `. Load generator: ${env.loadGenerator}. Pinning: ${env.pinning}.`,
    '',
    ...(env.gatewayNodeArgs === undefined
      ? []
      : [`The gateway ran with \`${env.gatewayNodeArgs}\`.`, '']),
    ...(env.profileDir === undefined
      ? []
      : [
          `**Profiled run** (gateway under \`--cpu-prof\`, profiles in ` +
            `${env.profileDir}): its figures include the profiler's cost.`,
          '',
        ]),
    '### Targets',
    '',
    '| target | this run | met |',
    '|---|---|---|',
    ...results.targets.map(
      (t) =>
        `| ${t.target} | ${t.measured} | ${
          t.met === undefined ? 'n/a' : t.met ? 'yes' : '**no**'
        } |`,
    ),
    '',
  );
  if (results.http !== undefined) {
    lines.push(
      '### HTTP: gateway against the floor',
      '',
      'Medians of alternating runs; p50/p99 under load, then one request ' +
        'at a time ("serial"). CPU is the server process\'s, per answered ' +
        'request; "sim" and "gen" are the cores the simulator and the load ' +
        'generator used.',
      '',
      '| operation | server | req/s | p50 ms | p99 ms | serial p50 / p99 ms | CPU µs/req | server core | sim / gen core |',
      '|---|---|---|---|---|---|---|---|---|',
    );
    for (const op of results.http) {
      for (const [name, f] of [
        ['gateway', op.gateway],
        ['floor', op.floor],
      ] as const) {
        lines.push(
          `| ${op.description} | ${name} | ${n(f.rps)} | ${n(f.p50Ms, 2)} | ` +
            `${n(f.p99Ms, 2)} | ${n(f.serialP50Ms, 2)} / ${n(f.serialP99Ms, 2)} | ` +
            `${n(f.cpuUsPerRequest)} | ${n(f.serverCore, 2)} | ` +
            `${n(f.simulatorCore, 2)} / ${n(f.generatorCore, 2)} |`,
        );
      }
      lines.push(
        `| ${op.description} | **gateway / floor** | **${n(op.ratio.rps, 2)}×** | ` +
          `${n(op.ratio.p50, 2)}× | **${n(op.ratio.p99, 2)}×** | | ` +
          `${n(op.ratio.cpuPerRequest, 2)}× | | |`,
      );
    }
    const differing = results.http.filter((op) => !op.sameAnswer);
    lines.push(
      '',
      differing.length === 0
        ? 'Both servers answered the same `data` (cursors aside).'
        : differing
            .map(
              (op) =>
                `Answers differ (${op.operation}): ${op.answerDifference}`,
            )
            .join('\n'),
      '',
    );
  }
  if (results.economy !== undefined) {
    const e = results.economy;
    lines.push(
      '### Upstream economy: Graph requests per operation',
      '',
      `Counted by the simulator; a \`$batch\` counts once. Gateway ` +
        `POLL_INTERVAL_MS=${e.pollIntervalMs}, limits raised ` +
        `(${Object.entries(e.gatewayEnv)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')}) so 45 aliased reads fit in one operation. With no ` +
        `client and no subscriber the gateway sent ` +
        `${n(e.idleRequestsPerSecond)} requests/s.`,
      '',
      '| operation | client ops | Graph requests (by route) | naive resolver per field |',
      '|---|---|---|---|',
      ...e.rows.map(
        (r) =>
          `| ${r.operation} | ${r.clientOperations} | **${r.graphRequests}** (` +
          Object.entries(r.byRoute)
            .map(([route, count]) => `${route} ${count}`)
            .join(', ') +
          `) | ${r.naive} (${r.naiveBasis}) |`,
      ),
      '',
    );
  }
  if (results.subscriptions !== undefined) {
    const s = results.subscriptions;
    lines.push(
      '### Subscriptions: idle subscribers on one gateway',
      '',
      `${n(s.subscribers)} graphql-ws clients (\`createClient\`, ` +
        `${s.perSocket === 1 ? 'one socket each' : `${s.perSocket} subscriptions per socket`}` +
        `, ${n(s.sockets)} sockets) in a separate process, all on ` +
        '`deviceImageStatusChanged` of one image; ' +
        `connected in ${n(s.connectSeconds, 1)} s, ${s.failed} failed. ` +
        `POLL_INTERVAL_MS=${s.pollIntervalMs}.`,
      '',
      '| figure | value |',
      '|---|---|',
      `| gateway RSS before / after subscribing | ${n(s.rssBeforeMB)} MB / ${n(s.rssAfterMB)} MB |`,
      `| RSS per subscriber (delta / N) | ${n(s.rssPerSubscriberKB, 1)} KB |`,
      `| gateway CPU at idle (polling included), over ${n(s.idleSeconds)} s | ${n(s.idleCore * 100, 1)} % of a core |`,
      `| change → poll that saw it (median of ${s.rounds.length}) | ${n(median(s.rounds.map((r) => r.pollLagMs)), 1)} ms |`,
      `| from the poll: p50 / p99 / last | ${n(s.fromPoll.p50, 1)} / ${n(s.fromPoll.p99, 1)} / ${n(s.fromPoll.last, 1)} ms |`,
      `| from the \`updateImage\` call: p50 / p99 / last | ${n(s.fromChange.p50, 1)} / ${n(s.fromChange.p99, 1)} / ${n(s.fromChange.last, 1)} ms |`,
      `| gateway CPU per delivery (change to last arrival, poll included) | ${n(
        (median(s.rounds.map((r) => r.gatewayCpuMs)) * 1_000) / s.subscribers,
        1,
      )} µs |`,
      `| client process CPU per delivery, same window | ${n(
        (median(s.rounds.map((r) => r.clientCpuMs)) * 1_000) / s.subscribers,
        1,
      )} µs |`,
      `| deliveries missed | ${s.rounds.reduce((sum, r) => sum + r.missing, 0)} of ${s.rounds.length * s.subscribers} |`,
      '',
    );
  }
  if (results.startup !== undefined) {
    const st = results.startup;
    lines.push(
      '### Start-up',
      '',
      `From spawning \`node dist/main.js\` to the first answered ` +
        `\`deviceImage\` query, ${st.runsMs.length} runs: median ` +
        `${n(st.medianMs)} ms (runs: ${st.runsMs.map((v) => n(v)).join(', ')} ms).`,
      '',
    );
  }
  if (results.errors.length > 0) {
    lines.push(
      '### Failed parts',
      '',
      ...results.errors.map((e) => `- ${e}`),
      '',
    );
  }
  return lines.join('\n');
}

/**
 * Replaces the results section of a Markdown file (between the bench
 * markers), appending one when the file has none.
 */
export function writeMarkdownSection(path: string, markdown: string): void {
  const section = `${SECTION_START}\n${markdown}\n${SECTION_END}`;
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const start = text.indexOf(SECTION_START);
  const end = text.indexOf(SECTION_END);
  const next =
    start >= 0 && end > start
      ? text.slice(0, start) + section + text.slice(end + SECTION_END.length)
      : `${text}${text.endsWith('\n') || text === '' ? '' : '\n'}\n${section}\n`;
  writeFileSync(path, next);
}
