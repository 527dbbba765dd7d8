import { Writable } from 'node:stream';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { GraphClient } from '../../src/datasource/GraphClient.js';
import { DeviceImagesDataSource } from '../../src/datasource/DeviceImagesDataSource.js';
import { createStaticTokenProvider } from '../../src/datasource/credentials.js';
import {
  BadUserInputError,
  ConflictError,
  ErrorCode,
  ForbiddenError,
  GatewayError,
  NotFoundError,
  ThrottledError,
  UnauthenticatedError,
  UpstreamUnavailableError,
} from '../../src/errors/index.js';
import { createLogger } from '../../src/logger.js';
import { SEED_IMAGE_IDS } from '../../src/simulator/index.js';
import { rejection, startGraphFixture, type GraphFixture } from './fixtures.js';

const GUID = /^[0-9a-f-]{36}$/;

let graph: GraphFixture;

beforeAll(async () => {
  graph = await startGraphFixture();
});

afterAll(async () => {
  await graph.close();
});

beforeEach(() => {
  graph.sim.resetRequests();
});

/** Waits for a condition the simulator reaches on its own time. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 10));
}

/** A datasource over its own client, for options the fixture lacks. */
function withClient(
  options: Partial<ConstructorParameters<typeof GraphClient>[0]>,
): { dataSource: DeviceImagesDataSource; client: GraphClient } {
  const client = new GraphClient({
    baseUrl: graph.sim.baseUrl,
    retryBaseDelayMs: 20,
    ...options,
  });
  return {
    client,
    dataSource: new DeviceImagesDataSource({
      client,
      getToken: createStaticTokenProvider('test-token'),
    }),
  };
}

describe('Retries: reads', () => {
  it('retries a throttled read once, after Retry-After', async () => {
    graph.sim.injectFault({
      route: 'listDeviceImages',
      status: 429,
      retryAfterSeconds: 1,
    });
    const started = Date.now();
    const page = await graph.dataSource().listPage();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(page.images.length).toBeGreaterThan(0);
    expect(graph.sim.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('rides out a standing throttle: every concurrent read succeeds', async () => {
    graph.sim.setFaults({
      throttle: { requests: 4, windowMs: 1_000, retryAfterSeconds: 1 },
    });
    try {
      const pages = await Promise.all(
        Array.from({ length: 6 }, () => graph.dataSource().listPage()),
      );
      expect(pages.every((page) => page.images.length > 0)).toBe(true);
      const statuses = graph.sim.requests.map((r) => r.status);
      expect(statuses.filter((status) => status === 200)).toHaveLength(6);
      expect(statuses.filter((status) => status === 429)).toHaveLength(2);
    } finally {
      graph.sim.setFaults({});
    }
  });

  it('retries a 503 and a 504 with backoff', async () => {
    graph.sim.injectFault({ route: 'listDeviceImages', status: 503 });
    graph.sim.injectFault({ route: 'listDeviceImages', status: 504 });
    await graph.dataSource().listPage();
    expect(graph.sim.requests.map((r) => r.status)).toEqual([503, 504, 200]);
  });

  it('gives up after 3 attempts with the last failure in extensions.graph', async () => {
    graph.sim.injectFault({
      route: 'getDeviceImage',
      status: 503,
      count: 3,
    });
    const error = await rejection(graph.dataSource().get(SEED_IMAGE_IDS.ready));
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error.message).toBe(
      'Graph failed with 503 serviceNotAvailable after 3 attempts while ' +
        `trying to read device image ${SEED_IMAGE_IDS.ready}; try again later`,
    );
    const last = graph.sim.requests[2]!;
    expect((error as GatewayError).extensions).toMatchObject({
      code: ErrorCode.UPSTREAM_UNAVAILABLE,
      graph: {
        status: 503,
        code: 'serviceNotAvailable',
        requestId: expect.stringMatching(GUID),
        clientRequestId: last.headers['client-request-id'],
      },
    });
    expect(graph.sim.requestCount('getDeviceImage')).toBe(3);
  });

  it('does not cache a failed read for the rest of the operation', async () => {
    graph.sim.injectFault({ route: 'getDeviceImage', status: 503, count: 3 });
    const dataSource = graph.dataSource();
    await expect(dataSource.get(SEED_IMAGE_IDS.ready)).rejects.toBeInstanceOf(
      UpstreamUnavailableError,
    );
    await expect(dataSource.get(SEED_IMAGE_IDS.ready)).resolves.toMatchObject({
      id: SEED_IMAGE_IDS.ready,
    });
    expect(graph.sim.requestCount('getDeviceImage')).toBe(4);
  });

  it('logs each retry at warn, without the token', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const { dataSource, client } = withClient({
      logger: createLogger({ level: 'warn', destination }),
    });
    graph.sim.injectFault({ route: 'listDeviceImages', status: 503 });
    await dataSource.listPage();
    await client.close();
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({
      level: 40,
      msg: 'Retrying Graph GET after status 503',
      method: 'GET',
      attempt: 1,
      status: 503,
      code: 'serviceNotAvailable',
      graphRequestId: expect.stringMatching(GUID),
      clientRequestId: expect.stringMatching(GUID),
    });
    expect(lines[0]).not.toContain('test-token');
  });

  it('does not retry a 500', async () => {
    graph.sim.injectFault({ route: 'listDeviceImages', status: 500 });
    const error = await rejection(graph.dataSource().listPage());
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(graph.sim.requestCount()).toBe(1);
  });

  it('does not wait out a Retry-After beyond the retry budget', async () => {
    graph.sim.injectFault({
      route: 'listDeviceImages',
      status: 429,
      retryAfterSeconds: 60,
    });
    const error = await rejection(graph.dataSource().listPage());
    expect(error).toBeInstanceOf(ThrottledError);
    expect(error.message).toBe(
      'Graph throttled the request; retry after 60 seconds',
    );
    expect((error as ThrottledError).extensions).toMatchObject({
      code: ErrorCode.THROTTLED,
      retryAfter: 60,
      graph: { status: 429, code: 'TooManyRequests' },
    });
    expect(graph.sim.requestCount()).toBe(1);
  });

  it('retries a read that times out, then one whose connection resets', async () => {
    const { dataSource, client } = withClient({ timeoutMs: 400 });
    graph.sim.injectFault({ route: 'listDeviceImages', delayMs: 900 });
    graph.sim.injectFault({ route: 'listDeviceImages', reset: true });
    const page = await dataSource.listPage();
    expect(page.images.length).toBeGreaterThan(0);
    expect(client.stats).toEqual({ requests: 3, retries: 2 });
    await client.close();
    await until(() => graph.sim.requestCount() === 3);
  });

  it('reports a read that keeps timing out as upstream unavailable', async () => {
    const { dataSource, client } = withClient({
      timeoutMs: 100,
      maxAttempts: 2,
    });
    graph.sim.injectFault({
      route: 'listDeviceImages',
      delayMs: 300,
      count: 2,
    });
    const error = await rejection(dataSource.listPage());
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error.message).toBe(
      'Graph did not answer within 100 ms after 2 attempts while trying to ' +
        'list device images; try again later',
    );
    expect((error as GatewayError).extensions['graph']).toEqual({
      clientRequestId: expect.stringMatching(GUID),
    });
    await client.close();
    // The simulator logs a delayed request when it answers.
    await until(() => graph.sim.requestCount() === 2);
  });
});

describe('Retries: $batch', () => {
  const ids = [
    SEED_IMAGE_IDS.ready,
    SEED_IMAGE_IDS.readyGallery,
    SEED_IMAGE_IDS.warning,
  ];

  it('retries throttled items alone as a smaller batch', async () => {
    graph.sim.injectFault({
      route: 'getDeviceImage',
      status: 429,
      retryAfterSeconds: 0,
    });
    const retriesBefore = graph.client.stats.retries;
    const dataSource = graph.dataSource();
    const images = await Promise.all(ids.map((id) => dataSource.get(id)));
    expect(images.map((image) => image?.id)).toEqual(ids);
    expect(graph.sim.requestCount('batch')).toBe(2);
    expect(graph.sim.requestCount('getDeviceImage')).toBe(4);
    expect(graph.client.stats.retries - retriesBefore).toBe(1);
  });

  it('fails only the item that stays unavailable', async () => {
    // Faults are taken in turn: the first item fails in every round, the
    // other two pass in the first.
    graph.sim.injectFault({ route: 'getDeviceImage', status: 503 });
    graph.sim.injectFault({ route: 'getDeviceImage', count: 2 });
    graph.sim.injectFault({ route: 'getDeviceImage', status: 503, count: 2 });
    const dataSource = graph.dataSource();
    const [failed, ...others] = await Promise.allSettled(
      ids.map((id) => dataSource.get(id)),
    );
    expect(failed).toMatchObject({
      status: 'rejected',
      reason: expect.any(UpstreamUnavailableError),
    });
    expect(others.map((result) => result.status)).toEqual([
      'fulfilled',
      'fulfilled',
    ]);
    expect(graph.sim.requestCount('batch')).toBe(3);
    expect(graph.sim.requestCount('getDeviceImage')).toBe(5);
  });

  it('does not retry an item Graph refused', async () => {
    graph.sim.injectFault({ route: 'getDeviceImage', status: 403 });
    const dataSource = graph.dataSource();
    const [denied, ...others] = await Promise.allSettled(
      ids.map((id) => dataSource.get(id)),
    );
    expect(denied).toMatchObject({
      status: 'rejected',
      reason: expect.any(ForbiddenError),
    });
    expect(others.every((result) => result.status === 'fulfilled')).toBe(true);
    expect(graph.sim.requestCount('batch')).toBe(1);
  });

  it('retries a $batch of reads whose envelope fails', async () => {
    graph.sim.injectFault({ route: 'batch', status: 503 });
    const dataSource = graph.dataSource();
    const images = await Promise.all(ids.map((id) => dataSource.get(id)));
    expect(images.every((image) => image !== null)).toBe(true);
    expect(graph.sim.requestCount('batch')).toBe(2);
  });
});

describe('Errors: mapping Graph statuses', () => {
  it.each([
    [400, BadUserInputError, ErrorCode.BAD_USER_INPUT, 'invalidRequest'],
    [
      401,
      UnauthenticatedError,
      ErrorCode.UNAUTHENTICATED,
      'InvalidAuthenticationToken',
    ],
    [403, ForbiddenError, ErrorCode.FORBIDDEN, 'accessDenied'],
    [404, NotFoundError, ErrorCode.NOT_FOUND, 'itemNotFound'],
    [409, ConflictError, ErrorCode.CONFLICT, 'conflict'],
    [
      502,
      UpstreamUnavailableError,
      ErrorCode.UPSTREAM_UNAVAILABLE,
      'badGateway',
    ],
  ])('maps %i to %o', async (status, type, code, graphCode) => {
    graph.sim.injectFault({ route: 'listDeviceImages', status });
    const error = await rejection(graph.dataSource().listPage());
    expect(error).toBeInstanceOf(type);
    expect((error as GatewayError).extensions).toMatchObject({
      code,
      graph: {
        status,
        code: graphCode,
        requestId: expect.stringMatching(GUID),
      },
    });
    expect(error.cause ?? (error as GatewayError).originalError).toBeInstanceOf(
      Error,
    );
    expect(graph.sim.requestCount()).toBe(1);
  });

  it('says what Graph said when it rejects a request', async () => {
    graph.sim.injectFault({ route: 'listDeviceImages', status: 403 });
    const error = await rejection(graph.dataSource().listPage());
    expect(error.message).toMatch(
      /^Graph denied permission to list device images: .+/,
    );
  });

  it.each([412, 415])(
    'leaves %i unmapped, for the server to mask as an internal error',
    async (status) => {
      graph.sim.injectFault({ route: 'listDeviceImages', status });
      const error = await rejection(graph.dataSource().listPage());
      expect(error).not.toBeInstanceOf(GatewayError);
      expect(error.message).toMatch(
        new RegExp(
          `^Unexpected Graph answer while trying to list device images: ` +
            `Graph answered ${status}`,
        ),
      );
    },
  );

  it('maps a token the tenant does not know to UnauthenticatedError', async () => {
    const strict = await startGraphFixture({ tokens: { known: 'contoso' } });
    const error = await rejection(strict.dataSource('unknown').listPage());
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect((error as GatewayError).extensions['graph']).toMatchObject({
      status: 401,
    });
    await expect(strict.dataSource('known').listPage()).resolves.toBeTruthy();
    await strict.close();
  });
});
