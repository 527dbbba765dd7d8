import type { FormattedExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { createSilentLogger } from '../../src/logger.js';
import { createGateway, type Gateway } from '../../src/server/createGateway.js';
import {
  SEED_IMAGE_IDS,
  SOURCE_IMAGES,
  startSimulator,
  type Simulator,
} from '../../src/simulator/index.js';
import { createRedisCoordinator } from '../../src/subscriptions/index.js';
import { capturingLogger } from '../utils/capturingLogger.js';
import { startRedis, type TestRedis } from '../utils/redis.js';
import { graphqlRequest, testGatewayConfig } from '../utils/servers.js';
import {
  readStream,
  sleep,
  waitFor,
  type StreamReader,
} from './streamReader.js';

const POLL_MS = 150;

const EVENTS = /* GraphQL */ `
  subscription Events {
    deviceImageEvents {
      kind
      id
    }
  }
`;

const STATUS = /* GraphQL */ `
  subscription Status($id: ID!) {
    deviceImageStatusChanged(id: $id) {
      status
    }
  }
`;

type Result = FormattedExecutionResult<Record<string, unknown>, unknown>;

const readySource = SOURCE_IMAGES.find((s) => s.outcome.status === 'ready');

function eventsFor(reader: StreamReader<Result>, id: string): string[] {
  return reader.items.flatMap((item) => {
    if (item.type !== 'value') return [];
    const event = item.value.data?.['deviceImageEvents'] as {
      kind: string;
      id: string;
    };
    return event.id === id ? [event.kind] : [];
  });
}

describe('Subscriptions: Redis outage', () => {
  let redis: TestRedis;
  let inspector: Redis;
  let simulator: Simulator;
  const logs = capturingLogger();
  const gateways: Gateway[] = [];
  const clients: Client[] = [];
  const feeds: StreamReader<Result>[] = [];
  const statuses: StreamReader<Result>[] = [];

  const leaseExists = async () =>
    (await inspector.keys('cloudpc:*:lease')).length > 0;
  const create = async (gateway: Gateway, name: string) => {
    const response = await graphqlRequest<{
      createDeviceImage: { id: string };
    }>(
      gateway.url,
      /* GraphQL */ `
        mutation Create($input: CreateDeviceImageInput!) {
          createDeviceImage(input: $input) {
            id
          }
        }
      `,
      {
        input: {
          displayName: name,
          version: '1.0.0',
          sourceImageResourceId: readySource?.resourceId,
        },
      },
    );
    expect(response.errors).toBeUndefined();
    return response.data!.createDeviceImage.id;
  };
  const expectAllOpen = () => {
    for (const reader of [...feeds, ...statuses]) {
      expect(reader.items.filter((item) => item.type !== 'value')).toEqual([]);
    }
  };

  beforeAll(async () => {
    redis = await startRedis();
    inspector = new Redis(redis.url);
    inspector.on('error', () => {}); // down on purpose; it reconnects
    simulator = await startSimulator({ port: 0, uploadMs: 4 * POLL_MS });
    for (let i = 0; i < 3; i++) {
      gateways.push(
        await createGateway(
          testGatewayConfig(simulator.baseUrl, {
            pollIntervalMs: POLL_MS,
            redisUrl: redis.url,
          }),
          { logger: i === 0 ? logs.logger : createSilentLogger() },
        ),
      );
    }
    for (const gateway of gateways) {
      const client = createClient({
        url: gateway.wsUrl,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
      });
      clients.push(client);
      feeds.push(readStream(client.iterate({ query: EVENTS })));
      const status = readStream(
        client.iterate({
          query: STATUS,
          variables: { id: SEED_IMAGE_IDS.ready },
        }),
      );
      statuses.push(status);
      await status.next(10_000);
    }
    const deadline = Date.now() + 5_000;
    while (!(await leaseExists())) {
      if (Date.now() > deadline) throw new Error('no instance leads');
      await sleep(20);
    }
  });

  afterAll(async () => {
    await Promise.all([...feeds, ...statuses].map((reader) => reader.stop()));
    await Promise.all(clients.map((client) => client.dispose()));
    await Promise.all(gateways.map((gateway) => gateway.close()));
    await simulator?.close();
    inspector?.disconnect();
    await redis?.close();
  });

  it('keeps every subscriber while Redis is down and shares again once it returns', async () => {
    expect(await sharedModeMetrics(gateways[0]!)).toEqual({
      connected: 1,
      fallbacks: 0,
    });
    await redis.stop();
    await waitFor(
      () => logs.lines.some((line) => /Redis is unreachable/.test(line.msg)),
      'the fallback warning',
    );
    expect(
      logs.lines.find((line) => /Redis is unreachable/.test(line.msg))?.level,
    ).toBe(40);
    expect(await sharedModeMetrics(gateways[0]!)).toEqual({
      connected: 0,
      fallbacks: 1,
    });

    // Each instance now polls on its own: Graph's changes still arrive.
    simulator.updateImage(SEED_IMAGE_IDS.ready, {
      status: 'failed',
      errorCode: 'sourceImageInvalid',
    });
    for (const status of statuses) {
      expect(await status.next()).toMatchObject({
        value: { data: { deviceImageStatusChanged: { status: 'FAILED' } } },
      });
    }
    const duringOutage = await create(gateways[0]!, 'During the outage');
    for (const feed of feeds) {
      await waitFor(
        () => eventsFor(feed, duringOutage).includes('STATUS_CHANGED'),
        'the upload made during the outage to finish',
      );
    }
    expectAllOpen();

    await redis.restart();
    await waitFor(
      () =>
        logs.lines.some((line) => /Redis is reachable again/.test(line.msg)),
      'the instance to rejoin',
      10_000,
    );
    const deadline = Date.now() + 5_000;
    while (!(await leaseExists())) {
      if (Date.now() > deadline) throw new Error('no instance leads again');
      await sleep(20);
    }
    expect(await sharedModeMetrics(gateways[0]!)).toEqual({
      connected: 1,
      fallbacks: 1,
    });

    // Events are shared again: a create on another instance reaches all.
    const afterOutage = await create(gateways[2]!, 'After the outage');
    for (const feed of feeds) {
      await waitFor(
        () => eventsFor(feed, afterOutage).includes('STATUS_CHANGED'),
        'the upload made after the outage to finish',
        10_000,
      );
    }
    // And one instance polls for all again.
    await sleep(2 * POLL_MS);
    // Count from just after a poll arrived, so that none is in flight when
    // the window opens.
    simulator.resetRequests();
    await waitFor(
      () => simulator.requestCount('listDeviceImages') > 0,
      'a poll',
    );
    simulator.resetRequests();
    const started = Date.now();
    await sleep(10 * POLL_MS);
    const polls = simulator.requestCount('listDeviceImages');
    const intervals = Math.floor((Date.now() - started) / POLL_MS);
    expect(polls).toBeGreaterThan(0);
    expect(polls).toBeLessThanOrEqual(intervals + 1);

    for (const feed of feeds) {
      expect(eventsFor(feed, duringOutage)).toEqual([
        'CREATED',
        'STATUS_CHANGED',
      ]);
      expect(eventsFor(feed, afterOutage)).toEqual([
        'CREATED',
        'STATUS_CHANGED',
      ]);
      expect(eventsFor(feed, SEED_IMAGE_IDS.ready)).toEqual(['STATUS_CHANGED']);
    }
    expect(statuses.every((status) => !status.hasUnread())).toBe(true);
    expectAllOpen();
  });
});

/** The shared-mode series as a gateway's `/metrics` shows them. */
async function sharedModeMetrics(
  gateway: Gateway,
): Promise<{ connected: number; fallbacks: number }> {
  const response = await fetch(new URL('/metrics', gateway.url));
  const text = await response.text();
  const value = (name: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    if (line === undefined) throw new Error(`${name} is not in /metrics`);
    return Number(line.slice(name.length + 1));
  };
  return {
    connected: value('cloudpc_redis_connected'),
    fallbacks: value('cloudpc_shared_mode_fallbacks_total'),
  };
}

describe('Subscriptions: Redis connection metrics', () => {
  it('reports losing Redis as a fallback and its return as connected', async () => {
    const redis = await startRedis();
    const recorded: string[] = [];
    const coordinator = createRedisCoordinator({
      url: redis.url,
      namespace: 'metrics test',
      pollIntervalMs: 100,
      logger: createSilentLogger(),
      metrics: {
        redisConnected: (connected) => recorded.push(`connected:${connected}`),
        sharedModeFallback: () => recorded.push('fallback'),
      },
    });
    const changes: boolean[] = [];
    coordinator.onConnectionChange((connected) => changes.push(connected));
    try {
      await waitFor(() => coordinator.isConnected, 'the connection');
      await redis.stop();
      await waitFor(() => !coordinator.isConnected, 'the loss');
      await redis.restart();
      await waitFor(() => coordinator.isConnected, 'the return', 10_000);
      expect(recorded).toEqual([
        'connected:true',
        'connected:false',
        'fallback',
        'connected:true',
      ]);
      expect(changes).toEqual([true, false, true]);
    } finally {
      await coordinator.close();
      await redis.close();
    }
  });
});
