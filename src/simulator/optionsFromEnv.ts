/**
 * Reads the CLI's settings from environment variables. Every setting is
 * checked; a bad one throws a {@link SimulatorConfigError} whose message is
 * one line naming the variable, what it expects and what arrived.
 */
import type { SimulatorOptions } from './types.js';

/** A bad environment setting. */
export class SimulatorConfigError extends Error {
  constructor(name: string, expected: string, got: string) {
    super(`${name} must be ${expected}, got '${got}'.`);
    this.name = 'SimulatorConfigError';
  }
}

/** The CLI's options: the library's, with port, host and log level set. */
export interface CliOptions extends SimulatorOptions {
  port: number;
  host: string;
  logLevel: string;
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, min: number, max = 2 ** 31 - 1) {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) {
    throw new SimulatorConfigError(
      name,
      `an integer from ${min} to ${max}`,
      raw,
    );
  }
  return value;
}

function tokens(env: Env): Record<string, string> | undefined {
  const raw = env.SIMULATOR_TOKENS;
  if (raw === undefined || raw.trim() === '') return undefined;
  const map: Record<string, string> = {};
  for (const pair of raw.split(',')) {
    const match = /^\s*([^=\s]+)=([^=\s]+)\s*$/.exec(pair);
    if (!match) {
      throw new SimulatorConfigError(
        'SIMULATOR_TOKENS',
        'a comma-separated list of token=tenant pairs, e.g. ' +
          "'token-a=tenant-a,token-b=tenant-b'",
        raw,
      );
    }
    map[match[1] as string] = match[2] as string;
  }
  return map;
}

/** Resolves the CLI's options from `env` (usually `process.env`). */
export function optionsFromEnv(env: Env): CliOptions {
  const seedRaw = env.SIMULATOR_SEED ?? 'true';
  if (seedRaw !== 'true' && seedRaw !== 'false') {
    throw new SimulatorConfigError('SIMULATOR_SEED', 'true or false', seedRaw);
  }
  const throttleRaw = env.SIMULATOR_THROTTLE;
  let throttle: NonNullable<SimulatorOptions['faults']>['throttle'];
  if (throttleRaw !== undefined && throttleRaw !== '') {
    const match = /^(\d+)\/(\d+)$/.exec(throttleRaw);
    if (!match || Number(match[2]) < 1) {
      throw new SimulatorConfigError(
        'SIMULATOR_THROTTLE',
        "requests/windowMs with whole numbers, e.g. '10/1000'",
        throttleRaw,
      );
    }
    throttle = {
      requests: Number(match[1]),
      windowMs: Number(match[2]),
      retryAfterSeconds: integer(env, 'SIMULATOR_RETRY_AFTER', 0) ?? 10,
    };
  }
  const rateRaw = env.SIMULATOR_ERROR_RATE;
  let errorRate: number | undefined;
  if (rateRaw !== undefined && rateRaw !== '') {
    errorRate = /^\d*\.?\d+$/.test(rateRaw) ? Number(rateRaw) : NaN;
    if (!(errorRate >= 0 && errorRate <= 1)) {
      throw new SimulatorConfigError(
        'SIMULATOR_ERROR_RATE',
        'a number from 0 to 1',
        rateRaw,
      );
    }
  }
  const pageSize = integer(env, 'SIMULATOR_PAGE_SIZE', 1);
  const options: CliOptions = {
    port: integer(env, 'SIMULATOR_PORT', 0, 65_535) ?? 4001,
    host: env.SIMULATOR_HOST || '127.0.0.1',
    logLevel: env.SIMULATOR_LOG_LEVEL || 'info',
    uploadMs: integer(env, 'SIMULATOR_UPLOAD_MS', 0) ?? 20_000,
    maxImages: integer(env, 'SIMULATOR_MAX_IMAGES', 0) ?? 20,
    pageSize,
    tokens: tokens(env),
    seed: seedRaw === 'true',
    faults: {
      throttle,
      errorRate,
      latencyMs: integer(env, 'SIMULATOR_LATENCY_MS', 0),
    },
  };
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (!levels.includes(options.logLevel)) {
    throw new SimulatorConfigError(
      'SIMULATOR_LOG_LEVEL',
      `one of ${levels.join(', ')}`,
      options.logLevel,
    );
  }
  return options;
}
