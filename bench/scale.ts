/**
 * How big a bench run is. `full` is the measured run (a few minutes);
 * `smoke` runs every part with tiny sizes so the suite cannot rot unseen.
 * Chosen with `BENCH_SCALE`. Internal to `bench/`.
 */

/** Sizes and durations of one run. */
export interface BenchScale {
  name: 'full' | 'smoke';
  http: {
    /** Unmeasured load on each server before the rounds; 0 skips it. */
    warmupSec: number;
    /** Length of one measured run. */
    durationSec: number;
    /** Alternating rounds per operation; each server runs once a round. */
    rounds: number;
    /** Concurrent connections of the load generator. */
    connections: number;
    /** One-connection latency run per server and operation; 0 skips it. */
    serialSec: number;
  };
  startupRuns: number;
  /** How long a simulated upload stays pending. */
  uploadMs: number;
  subscriptions: {
    subscribers: number;
    /** Subscriptions multiplexed on one socket; 1 is a socket each. */
    perSocket: number;
    /** Sockets opening at once. */
    concurrency: number;
    /** Status changes timed. */
    changes: number;
    /** How long CPU is measured with every subscriber idle. */
    idleSec: number;
    /** Gateway's `POLL_INTERVAL_MS` for this part. */
    pollIntervalMs: number;
    /** Pause for the gateway to settle before reading its RSS. */
    settleMs: number;
  };
}

const FULL: BenchScale = {
  name: 'full',
  http: {
    warmupSec: 3,
    durationSec: 6,
    rounds: 5,
    connections: 50,
    serialSec: 3,
  },
  startupRuns: 5,
  uploadMs: 1_000,
  subscriptions: {
    subscribers: 10_000,
    perSocket: 1,
    concurrency: 200,
    changes: 6,
    idleSec: 10,
    pollIntervalMs: 100,
    settleMs: 2_000,
  },
};

const SMOKE: BenchScale = {
  name: 'smoke',
  http: {
    warmupSec: 0,
    durationSec: 1,
    rounds: 1,
    connections: 10,
    serialSec: 0,
  },
  startupRuns: 1,
  uploadMs: 300,
  subscriptions: {
    subscribers: 50,
    perSocket: 1,
    concurrency: 25,
    changes: 2,
    idleSec: 1,
    pollIntervalMs: 100,
    settleMs: 300,
  },
};

/** The scale `BENCH_SCALE` names; `full` when unset. */
export function scaleFromEnv(env: NodeJS.ProcessEnv): BenchScale {
  const name = env.BENCH_SCALE ?? 'full';
  if (name === 'full') return withOverrides(FULL, env);
  if (name === 'smoke') return withOverrides(SMOKE, env);
  throw new Error(
    `BENCH_SCALE: expected "full" or "smoke", but got ${JSON.stringify(name)}.`,
  );
}

/** `BENCH_SUBSCRIBERS` and `BENCH_PER_SOCKET` adjust the subscription part. */
function withOverrides(scale: BenchScale, env: NodeJS.ProcessEnv): BenchScale {
  const subscribers = positive(env, 'BENCH_SUBSCRIBERS');
  const perSocket = positive(env, 'BENCH_PER_SOCKET');
  return {
    ...scale,
    subscriptions: {
      ...scale.subscriptions,
      subscribers: subscribers ?? scale.subscriptions.subscribers,
      perSocket: perSocket ?? scale.subscriptions.perSocket,
    },
  };
}

function positive(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(
      `${name}: expected a whole number of at least 1, but got ${JSON.stringify(text)}.`,
    );
  }
  return value;
}
