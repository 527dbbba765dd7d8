/**
 * What a bench result was measured on: machine, runtimes and the versions
 * of the packages on the hot path. Internal to `bench/`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

import { loadGenerator } from './loadGenerator.js';
import { gatewayNodeArgs } from './servers.js';

/** The machine and software a run measured. */
export interface BenchEnvironment {
  date: string;
  nproc: number;
  cpuModel: string;
  memoryGB: number;
  loadAverageAtStart: string;
  node: string;
  npm: string;
  commit: string | undefined;
  packages: Record<string, string>;
  loadGenerator: string;
  /** Cores of the server under test and of everything else, if pinned. */
  pinning: string;
  /** Where gateway CPU profiles went (`BENCH_PROFILE`); figures then pay for profiling. */
  profileDir: string | undefined;
  /** Node options the gateway ran with (`BENCH_GATEWAY_NODE_ARGS`). */
  gatewayNodeArgs: string | undefined;
}

const PACKAGES = [
  'graphql',
  'graphql-jit',
  '@apollo/server',
  'graphql-ws',
  'ws',
  'undici',
  'dataloader',
  'pino',
  'autocannon',
];

function tryRun(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return undefined;
  }
}

function packageVersion(name: string): string {
  try {
    const text = readFileSync(`node_modules/${name}/package.json`, 'utf8');
    return (JSON.parse(text) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function cpuModel(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    return /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function describeLoadGenerator(): string {
  const generator = loadGenerator();
  return generator.name === 'wrk'
    ? `wrk ${generator.version} (one thread)`
    : `autocannon ${packageVersion('autocannon')}`;
}

/** Reads the environment; run from the repository root. */
export function describeEnvironment(pinning: string): BenchEnvironment {
  const agent = /npm\/(\S+)/.exec(process.env.npm_config_user_agent ?? '');
  return {
    date: new Date().toISOString(),
    nproc: cpus().length,
    cpuModel: cpuModel(),
    memoryGB: Math.round(totalmem() / 2 ** 30),
    loadAverageAtStart: tryRun('cat', ['/proc/loadavg']) ?? 'unknown',
    node: process.version,
    npm: agent?.[1] ?? tryRun('npm', ['-v']) ?? 'unknown',
    commit: tryRun('git', ['rev-parse', '--short', 'HEAD']),
    packages: Object.fromEntries(PACKAGES.map((n) => [n, packageVersion(n)])),
    loadGenerator: describeLoadGenerator(),
    pinning,
    profileDir: process.env.BENCH_PROFILE || undefined,
    gatewayNodeArgs: gatewayNodeArgs() || undefined,
  };
}
