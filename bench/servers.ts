/**
 * How the bench starts the servers under test and the load generator.
 * The compiled bench scripts sit next to this one (`dist-bench/`); the
 * gateway is `dist/main.js` under the working directory (the repository
 * root). Internal to `bench/`.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { ServerSpec } from './processes.js';

const HERE = dirname(fileURLToPath(import.meta.url));

/** A compiled bench script next to this one, e.g. `floor.js`. */
export function benchScript(name: string): string {
  return join(HERE, name);
}

/** The gateway's entry point, built by `npm run build`. */
export function gatewayScript(): string {
  const script = resolve(process.env.BENCH_GATEWAY ?? 'dist/main.js');
  if (!existsSync(script)) {
    throw new Error(
      `The gateway is not built: expected ${script}. Run \`npm run build\` ` +
        'first (`npm run bench` does).',
    );
  }
  return script;
}

/** The access token every server sends the simulator. */
export const BENCH_TOKEN = 'bench-token';

/** The environment both servers start with. */
export function serverEnv(
  graphBaseUrl: string,
  pollIntervalMs: number,
): Record<string, string> {
  return {
    GRAPH_BASE_URL: graphBaseUrl,
    GRAPH_ACCESS_TOKEN: BENCH_TOKEN,
    POLL_INTERVAL_MS: String(pollIntervalMs),
    // Request logging would be a cost the floor does not pay.
    LOG_LEVEL: 'warn',
    // Callers are not authenticated: the floor checks no token either.
    AUTH_DISABLED: 'true',
    NODE_ENV: 'production',
  };
}

/**
 * The Node options the README tells operators to start the gateway with,
 * and `npm start` uses: a larger young generation, which shortens the
 * latency tail under load (BENCHMARKS.md). The bench runs the gateway as
 * recommended unless `BENCH_GATEWAY_NODE_ARGS` says otherwise (empty: none).
 */
export const RECOMMENDED_NODE_ARGS = '--max-semi-space-size=32';

/** The Node options the gateway runs with in this bench. */
export function gatewayNodeArgs(): string {
  return process.env.BENCH_GATEWAY_NODE_ARGS ?? RECOMMENDED_NODE_ARGS;
}

/** The gateway as a server under test. */
export function gatewaySpec(
  graphBaseUrl: string,
  cores: string | undefined,
  probe: string,
  pollIntervalMs = 5_000,
): ServerSpec {
  const profileDir = process.env.BENCH_PROFILE;
  // Node options for the gateway only, to try runtime tuning such as
  // `--max-semi-space-size=64` without touching the gateway's code.
  const extra = gatewayNodeArgs()
    .split(' ')
    .filter((arg) => arg !== '');
  return {
    name: 'gateway',
    script: gatewayScript(),
    // A CPU profile, written when the process exits, costs some speed:
    // figures of a profiled run are not comparable with others.
    nodeArgs: [
      ...extra,
      ...(profileDir === undefined || profileDir === ''
        ? []
        : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]),
    ],
    env: serverEnv(graphBaseUrl, pollIntervalMs),
    path: process.env.BENCH_GATEWAY_PATH ?? '/graphql',
    cores,
    probe,
  };
}

/** The floor (`floor.ts`) as a server under test. */
export function floorSpec(
  graphBaseUrl: string,
  cores: string | undefined,
  probe: string,
): ServerSpec {
  return {
    name: 'floor',
    script: benchScript('floor.js'),
    env: serverEnv(graphBaseUrl, 5_000),
    cores,
    probe,
  };
}
