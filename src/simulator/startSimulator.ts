/**
 * Starts a simulator: resolves options, seeds tenants and listens. The
 * returned {@link Simulator} is the library API tests use.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { createSilentLogger } from '../logger.js';
import { createRequestHandler } from './createRequestHandler.js';
import { FaultController } from './FaultController.js';
import { ImageStore } from './ImageStore.js';
import { RequestRecorder } from './RequestRecorder.js';
import { DEFAULT_TENANT, type SimulatorContext } from './SimulatorContext.js';
import type { Simulator, SimulatorFaults, SimulatorOptions } from './types.js';

function assertCount(
  name: string,
  value: number,
  min: number,
  call = 'startSimulator()',
): void {
  if (!Number.isInteger(value) || value < min) {
    throw new TypeError(
      `${call}: options.${name} must be an integer of at least ` +
        `${min}, got ${value}.`,
    );
  }
}

/** Checks standing faults; misuse throws a TypeError naming the field. */
function assertValidFaults(faults: SimulatorFaults, call: string): void {
  const { throttle, errorRate, latencyMs } = faults;
  const prefix = call === 'setFaults()' ? '' : 'faults.';
  if (throttle) {
    assertCount(`${prefix}throttle.requests`, throttle.requests, 0, call);
    assertCount(`${prefix}throttle.windowMs`, throttle.windowMs, 1, call);
    assertCount(
      `${prefix}throttle.retryAfterSeconds`,
      throttle.retryAfterSeconds,
      0,
      call,
    );
  }
  if (errorRate !== undefined && !(errorRate >= 0 && errorRate <= 1)) {
    throw new TypeError(
      `${call}: options.${prefix}errorRate must be a number from 0 to 1, ` +
        `got ${errorRate}.`,
    );
  }
  if (latencyMs !== undefined) {
    assertCount(`${prefix}latencyMs`, latencyMs, 0, call);
  }
}

/** Starts a simulator on `options.port` (default: a free port). */
export async function startSimulator(
  options: SimulatorOptions = {},
): Promise<Simulator> {
  const uploadMs = options.uploadMs ?? 20_000;
  const maxImages = options.maxImages ?? 20;
  const seed = options.seed ?? true;
  const faults = options.faults ?? {};
  const requestLogLimit = options.requestLogLimit ?? 10_000;
  assertCount('uploadMs', uploadMs, 0);
  assertCount('maxImages', maxImages, 0);
  assertCount('requestLogLimit', requestLogLimit, 1);
  if (options.pageSize !== undefined) {
    assertCount('pageSize', options.pageSize, 1);
  }
  assertValidFaults(faults, 'startSimulator()');
  const tenants = options.tokens
    ? [...new Set(Object.values(options.tokens))]
    : [DEFAULT_TENANT];
  if (tenants.length === 0) {
    throw new TypeError(
      'startSimulator(): options.tokens must map at least one token to a ' +
        'tenant, got an empty object.',
    );
  }
  const stores = new Map<string, ImageStore>();
  for (const tenant of tenants) {
    const store = new ImageStore(tenant, { uploadMs, maxImages });
    store.reset(seed);
    stores.set(tenant, store);
  }
  const logger = options.logger ?? createSilentLogger();
  const context: SimulatorContext = {
    stores,
    tokens: options.tokens,
    faults: new FaultController(faults),
    recorder: new RequestRecorder(requestLogLimit),
    logger,
    pageSize: options.pageSize,
    seed,
  };
  const server = createServer(
    { keepAliveTimeout: 30_000 },
    createRequestHandler(context),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    for (const store of stores.values()) store.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host =
    address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const origin = `http://${host}:${address.port}`;

  const storeOf = (tenant: string, call: string): ImageStore => {
    const store = stores.get(tenant);
    if (!store) {
      throw new TypeError(
        `${call}: unknown tenant '${tenant}'; tenants: ${tenants.join(', ')}.`,
      );
    }
    return store;
  };

  let closed: Promise<void> | undefined;
  return {
    baseUrl: `${origin}/beta`,
    origin,
    get requests() {
      return context.recorder.entries();
    },
    requestCount: (route) => context.recorder.count(route),
    resetRequests: () => context.recorder.reset(),
    injectFault: (fault) => context.faults.inject(fault),
    setFaults: (next) => {
      assertValidFaults(next, 'setFaults()');
      context.faults.setFaults(next);
    },
    images: (tenant = DEFAULT_TENANT) => storeOf(tenant, 'images()').snapshot(),
    updateImage: (id, patch, tenant = DEFAULT_TENANT) =>
      storeOf(tenant, 'updateImage()').update(id, patch),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        for (const store of stores.values()) store.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
