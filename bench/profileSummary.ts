/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`) as Markdown: where
 * the non-idle time went by package, the functions with the most self time,
 * and the inclusive time of named phases. `node dist-bench/profileSummary.js
 * FILE [--windows=RESULTS.json] [ROOT...]` where each ROOT is a function
 * name to report inclusively (default: the GraphQL request phases); with a
 * bench results file only the samples within its subscription delivery
 * windows count.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const DEFAULT_ROOTS = [
  'processHTTPRequest',
  'runHttpQuery',
  'processGraphQLRequest',
  'parse',
  'validate',
  'execute',
  'executeOperation',
  'completeValue',
  'stringify',
  'createContext',
  'request',
  'get',
  'load',
  'parseBody',
];

/** The package or area a script URL belongs to. */
function areaOf(url: string, name: string): string {
  if (url === '') {
    return name.startsWith('(') ? name : '(native / builtins)';
  }
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)(?:\/([^/]+))?/.exec(url);
  if (modules !== null) {
    // graphql-js by phase: execution, validation, language (parsing)…
    return modules[1] === 'graphql' && modules[2] !== undefined
      ? `graphql/${modules[2].replace(/\.js$/, '')}`
      : modules[1]!;
  }
  if (url.startsWith('node:')) return 'node: internals';
  const dist = /\/dist\/(.+)$/.exec(url);
  if (dist !== null) return `gateway ${dist[1]!.split('/')[0]}`;
  return url;
}

function shortUrl(url: string): string {
  return url
    .replace(/^file:\/\/.*?node_modules\//, '')
    .replace(/^file:\/\/.*?\/dist\//, 'dist/');
}

/** Renders the summary of one profile. */
export function summariseProfile(
  profile: CpuProfile,
  roots: readonly string[] = DEFAULT_ROOTS,
  windows: readonly [number, number][] = [],
): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  // Sample times are microseconds on the monotonic clock.
  let at = profile.startTime;
  const inWindow = (us: number): boolean =>
    windows.length === 0 ||
    windows.some(([from, to]) => us >= from * 1_000 && us <= to * 1_000);
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    at += profile.timeDeltas[i] ?? 0;
    if (!inWindow(at)) continue;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idleUs = profile.nodes
    .filter((node) => node.callFrame.functionName === '(idle)')
    .reduce((sum, node) => sum + (selfUs.get(node.id) ?? 0), 0);
  const busyUs = totalUs - idleUs;
  const pct = (us: number): string => `${((us / busyUs) * 100).toFixed(1)} %`;

  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (us === 0 || functionName === '(idle)') continue;
    const area = areaOf(url, functionName);
    areas.set(area, (areas.get(area) ?? 0) + us);
    const key = `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}`;
    functions.set(key, (functions.get(key) ?? 0) + us);
  }

  // Inclusive time per root name, not counted twice under recursion.
  const inclusive = new Map<string, number>();
  const wanted = new Set(roots);
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  }
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (
      let at: number | undefined = id;
      at !== undefined;
      at = parentOf.get(at)
    ) {
      const name = byId.get(at)!.callFrame.functionName;
      if (wanted.has(name) && !seen.has(name)) {
        seen.add(name);
        inclusive.set(name, (inclusive.get(name) ?? 0) + us);
      }
    }
  }

  // Inclusive time per area: a sample counts for every area on its stack,
  // once. Async continuations start a new stack, so an area's inclusive
  // time covers only what runs while its frames are on the stack.
  const areaInclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (
      let at: number | undefined = id;
      at !== undefined;
      at = parentOf.get(at)
    ) {
      const { url, functionName } = byId.get(at)!.callFrame;
      if (functionName === '(idle)' || functionName === '(root)') continue;
      const area = areaOf(url, functionName);
      if (!seen.has(area)) {
        seen.add(area);
        areaInclusive.set(area, (areaInclusive.get(area) ?? 0) + us);
      }
    }
  }

  const top = (map: Map<string, number>, count: number): [string, number][] =>
    [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, count);
  const lines = [
    `Busy ${(busyUs / 1e6).toFixed(2)} s of ${(totalUs / 1e6).toFixed(2)} s sampled.`,
    '',
    '| area (self time) | share of busy |',
    '|---|---|',
    ...top(areas, 14).map(([area, us]) => `| ${area} | ${pct(us)} |`),
    '',
    '| area (inclusive: on the stack) | share of busy |',
    '|---|---|',
    ...top(areaInclusive, 16).map(([area, us]) => `| ${area} | ${pct(us)} |`),
    '',
    '| function (self time) | share of busy |',
    '|---|---|',
    ...top(functions, 25).map(([name, us]) => `| \`${name}\` | ${pct(us)} |`),
    '',
    '| function (inclusive) | share of busy |',
    '|---|---|',
    ...roots
      .filter((name) => inclusive.has(name))
      .map((name) => `| \`${name}\` | ${pct(inclusive.get(name)!)} |`),
    '',
  ];
  return lines.join('\n');
}

const args = process.argv.slice(2);
const windowsArg = args.find((arg) => /^--(windows|idle)=/.test(arg));
const [file, ...roots] = args.filter((arg) => arg !== windowsArg);
if (file === undefined) {
  process.stderr.write(
    'Usage: profileSummary.js FILE.cpuprofile ' +
      '[--windows=RESULTS.json | --idle=RESULTS.json] [ROOT...]\n',
  );
  process.exit(2);
}

/**
 * With a bench results file, only the subscription delivery windows
 * (`--windows=`) or the idle span (`--idle=`) count.
 */
function windowsOf(arg: string | undefined): [number, number][] {
  if (arg === undefined) return [];
  const [flag, path] = arg.split('=', 2) as [string, string];
  const results = JSON.parse(readFileSync(path, 'utf8')) as {
    subscriptions?: {
      rounds: { window: [number, number] }[];
      idleWindow: [number, number];
    };
  };
  const subs = results.subscriptions;
  if (subs === undefined) return [];
  return flag === '--idle'
    ? [subs.idleWindow]
    : subs.rounds.map((round) => round.window);
}
const windows = windowsOf(windowsArg);
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
process.stdout.write(
  summariseProfile(profile, roots.length > 0 ? roots : undefined, windows),
);
