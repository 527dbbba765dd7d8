import { describe, expect, it } from 'vitest';

import { optionsFromEnv } from '../../src/simulator/optionsFromEnv.js';
import { startSimulator } from '../../src/simulator/index.js';

describe('Simulator: settings', () => {
  it('SIM-72 MUST default every setting when the environment is empty', () => {
    expect(optionsFromEnv({})).toEqual({
      port: 4001,
      host: '127.0.0.1',
      logLevel: 'info',
      uploadMs: 20_000,
      maxImages: 20,
      pageSize: undefined,
      tokens: undefined,
      seed: true,
      faults: {
        throttle: undefined,
        errorRate: undefined,
        latencyMs: undefined,
      },
    });
  });

  it('SIM-73 MUST read every setting from the environment', () => {
    expect(
      optionsFromEnv({
        SIMULATOR_PORT: '5000',
        SIMULATOR_HOST: '0.0.0.0',
        SIMULATOR_LOG_LEVEL: 'debug',
        SIMULATOR_UPLOAD_MS: '150',
        SIMULATOR_MAX_IMAGES: '3',
        SIMULATOR_PAGE_SIZE: '2',
        SIMULATOR_TOKENS: 'token-a=tenant-a, token-b=tenant-b',
        SIMULATOR_SEED: 'false',
        SIMULATOR_THROTTLE: '10/1000',
        SIMULATOR_RETRY_AFTER: '30',
        SIMULATOR_ERROR_RATE: '0.1',
        SIMULATOR_LATENCY_MS: '25',
      }),
    ).toEqual({
      port: 5000,
      host: '0.0.0.0',
      logLevel: 'debug',
      uploadMs: 150,
      maxImages: 3,
      pageSize: 2,
      tokens: { 'token-a': 'tenant-a', 'token-b': 'tenant-b' },
      seed: false,
      faults: {
        throttle: { requests: 10, windowMs: 1000, retryAfterSeconds: 30 },
        errorRate: 0.1,
        latencyMs: 25,
      },
    });
  });

  it('SIM-74 MUST name the setting, what it expects and what arrived', () => {
    const cases: [Record<string, string>, string][] = [
      [
        { SIMULATOR_PORT: '70000' },
        "SIMULATOR_PORT must be an integer from 0 to 65535, got '70000'.",
      ],
      [
        { SIMULATOR_UPLOAD_MS: '-1' },
        "SIMULATOR_UPLOAD_MS must be an integer from 0 to 2147483647, got '-1'.",
      ],
      [
        { SIMULATOR_PAGE_SIZE: '0' },
        "SIMULATOR_PAGE_SIZE must be an integer from 1 to 2147483647, got '0'.",
      ],
      [
        { SIMULATOR_THROTTLE: '10' },
        "SIMULATOR_THROTTLE must be requests/windowMs with whole numbers, e.g. '10/1000', got '10'.",
      ],
      [
        { SIMULATOR_TOKENS: 'token-a' },
        "SIMULATOR_TOKENS must be a comma-separated list of token=tenant pairs, e.g. 'token-a=tenant-a,token-b=tenant-b', got 'token-a'.",
      ],
      [
        { SIMULATOR_SEED: 'yes' },
        "SIMULATOR_SEED must be true or false, got 'yes'.",
      ],
      [
        { SIMULATOR_ERROR_RATE: 'often' },
        "SIMULATOR_ERROR_RATE must be a number from 0 to 1, got 'often'.",
      ],
      [
        { SIMULATOR_LOG_LEVEL: 'loud' },
        "SIMULATOR_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got 'loud'.",
      ],
    ];
    for (const [env, message] of cases) {
      expect(() => optionsFromEnv(env)).toThrow(message);
    }
  });

  it('SIM-75 MUST reject invalid library options with a TypeError', async () => {
    await expect(startSimulator({ uploadMs: -5 })).rejects.toThrow(
      'startSimulator(): options.uploadMs must be an integer of at least 0, got -5.',
    );
    await expect(startSimulator({ pageSize: 0 })).rejects.toThrow(
      'startSimulator(): options.pageSize must be an integer of at least 1, got 0.',
    );
    await expect(startSimulator({ tokens: {} })).rejects.toThrow(
      'options.tokens must map at least one token to a tenant',
    );
  });
});
