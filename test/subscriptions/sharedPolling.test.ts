import type { FormattedExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { createGateway, type Gateway } from '../../src/server/createGateway.js';
import {
  SEED_IMAGE_IDS,
  SOURCE_IMAGES,
  startSimulator,
  type Simulator,
} from '../../src/simulator/index.js';
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
      image {
        status
      }
    }
  }
`;

const STATUS = /* GraphQL */ `
  subscription Status($id: ID!) {
    deviceImageStatusChanged(id: $id) {
      id
      status
    }
  }
`;

const CREATE = /* GraphQL */ `
  mutation Create($input: CreateDeviceImageInput!) {
    createDeviceImage(input: $input) {
      id
    }
  }
`;

type Result = FormattedExecutionResult<Record<string, unknown>, unknown>;
interface FeedEvent {
  kind: string;
  id: string;
  image: { status: string } | null;
}

const readySource = SOURCE_IMAGES.find((s) => s.outcome.status === 'ready');

/** The feed events a reader has received so far, for one image. */
function eventsFor(reader: StreamReader<Result>, id: string): string[] {
  return reader.items.flatMap((item) => {
    if (item.type !== 'value') return [];
    const event = item.value.data?.['deviceImageEvents'] as FeedEvent;
    return event.id === id ? [event.kind] : [];
  });
}

/** Whether every reader is still open (no end, no error). */
function allOpen(readers: StreamReader<Result>[]): boolean {
  return readers.every((reader) =>
    reader.items.every((item) => item.type === 'value'),
  );
}

describe('Subscriptions: several instances sharing Redis', () => {
  let redis: TestRedis;
  let inspector: Redis;
  let simulator: Simulator;
  const gateways: Gateway[] = [];
  const clients: Client[] = [];
  const feeds: StreamReader<Result>[] = [];
  const statuses: StreamReader<Result>[] = [];

  const create = async (gateway: Gateway, name: string) => {
    const response = await graphqlRequest<{
      createDeviceImage: { id: string };
    }>(gateway.url, CREATE, {
      input: {
        displayName: name,
        version: '1.0.0',
        sourceImageResourceId: readySource?.resourceId,
      },
    });
    expect(response.errors).toBeUndefined();
    return response.data!.createDeviceImage.id;
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
      statuses.push(
        readStream(
          client.iterate({
            query: STATUS,
            variables: { id: SEED_IMAGE_IDS.ready },
          }),
        ),
      );
    }
    for (const reader of statuses) await reader.next(10_000);
    // Every instance has joined once one of them holds the lease.
    await waitFor(
      () => inspector.status === 'ready',
      'the inspecting connection',
    );
    const deadline = Date.now() + 5_000;
    while ((await inspector.keys('cloudpc:*:lease')).length === 0) {
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

  it('polls Graph at most once per interval for all three instances', async () => {
    // Count from just after a poll arrived, so that none is in flight when
    // the window opens.
    simulator.resetRequests();
    await waitFor(
      () => simulator.requestCount('listDeviceImages') > 0,
      'a poll',
    );
    simulator.resetRequests();
    const started = Date.now();
    await sleep(12 * POLL_MS);
    const polls = simulator.requestCount('listDeviceImages');
    // Timers run late on a loaded machine: count the intervals that passed.
    const intervals = Math.floor((Date.now() - started) / POLL_MS);
    expect(polls).toBeGreaterThan(0);
    expect(polls).toBeLessThanOrEqual(intervals + 1);
    expect(simulator.requestCount()).toBe(polls);
    expect(await inspector.keys('cloudpc:*:lease')).toHaveLength(1);
  });

  it('counts the lists every other subscription saved, on every instance', async () => {
    const saved = () =>
      Promise.all(
        gateways.map(async (gateway) => {
          const metric = await gateway
            .metrics!.registry.getSingleMetric(
              'cloudpc_graph_requests_saved_total',
            )!
            .get();
          return (
            metric.values.find((v) => v.labels['reason'] === 'coalescing')
              ?.value ?? 0
          );
        }),
      );
    const before = await saved();
    simulator.resetRequests();
    await waitFor(
      () => simulator.requestCount('listDeviceImages') >= 4,
      'four polls',
    );
    const after = await saved();
    const polls = simulator.requestCount('listDeviceImages');
    const deltas = after.map((value, i) => value - before[i]!);
    // Six subscriptions on three instances share each poll: five saved.
    // A poll not yet applied everywhere may sit on either side.
    const total = deltas.reduce((sum, delta) => sum + delta, 0);
    expect(total).toBeGreaterThanOrEqual(5 * (polls - 1));
    expect(total).toBeLessThanOrEqual(5 * (polls + 1));
    for (const delta of deltas) expect(delta).toBeGreaterThan(0);
  });

  it('delivers a create made on one instance to every feed exactly once', async () => {
    const id = await create(gateways[1]!, 'Shared create');
    for (const feed of feeds) {
      await waitFor(() => eventsFor(feed, id).length > 0, 'CREATED');
    }
    // The upload ends READY on its own; the leader's poll announces it.
    for (const feed of feeds) {
      await waitFor(
        () => eventsFor(feed, id).includes('STATUS_CHANGED'),
        'STATUS_CHANGED',
      );
    }
    await sleep(4 * POLL_MS); // later polls must not announce it again
    for (const feed of feeds) {
      expect(eventsFor(feed, id)).toEqual(['CREATED', 'STATUS_CHANGED']);
    }
  });

  it('delivers a deletion and a status change seen by the leader to all', async () => {
    const id = await create(gateways[0]!, 'Shared delete');
    for (const feed of feeds) {
      await waitFor(() => eventsFor(feed, id).length > 0, 'CREATED');
    }
    const response = await graphqlRequest(
      gateways[2]!.url,
      /* GraphQL */ `
        mutation Delete($id: ID!) {
          deleteDeviceImage(id: $id)
        }
      `,
      { id },
    );
    expect(response.errors).toBeUndefined();
    simulator.updateImage(SEED_IMAGE_IDS.ready, {
      status: 'failed',
      errorCode: 'sourceImageInvalid',
    });
    for (const status of statuses) {
      expect(await status.next()).toMatchObject({
        value: { data: { deviceImageStatusChanged: { status: 'FAILED' } } },
      });
    }
    for (const feed of feeds) {
      await waitFor(() => eventsFor(feed, id).includes('DELETED'), 'DELETED');
    }
    await sleep(4 * POLL_MS);
    for (const feed of feeds) {
      expect(eventsFor(feed, id)).toEqual(['CREATED', 'DELETED']);
      expect(eventsFor(feed, SEED_IMAGE_IDS.ready)).toEqual(['STATUS_CHANGED']);
    }
    expect(statuses.every((status) => !status.hasUnread())).toBe(true);
    expect(allOpen([...feeds, ...statuses])).toBe(true);
    simulator.updateImage(SEED_IMAGE_IDS.ready, {
      status: 'ready',
      errorCode: null,
    });
  });
  it('starts a subscriber on a fourth instance from the shared state', async () => {
    const fourth = await createGateway(
      testGatewayConfig(simulator.baseUrl, {
        pollIntervalMs: POLL_MS,
        redisUrl: redis.url,
      }),
    );
    const client = createClient({
      url: fourth.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    const [leaseKey] = await inspector.keys('cloudpc:*:lease');
    const [imagesKey] = await inspector.keys('cloudpc:*:images');
    const leader = await inspector.get(leaseKey!);
    // Hold the leader's polls back, then plant a state only Redis knows.
    simulator.injectFault({
      route: 'listDeviceImages',
      status: 429,
      retryAfterSeconds: 1,
    });
    await waitFor(
      () => simulator.requests.some((request) => request.status === 429),
      'the throttled poll',
    );
    const stored = JSON.parse(
      (await inspector.hget(imagesKey!, SEED_IMAGE_IDS.readyGallery))!,
    ) as Record<string, unknown>;
    await inspector.hset(
      imagesKey!,
      SEED_IMAGE_IDS.readyGallery,
      JSON.stringify({ ...stored, status: 'failed' }),
    );
    simulator.resetRequests();
    const status = readStream(
      client.iterate({
        query: STATUS,
        variables: { id: SEED_IMAGE_IDS.readyGallery },
      }),
    );
    try {
      expect(await status.next()).toMatchObject({
        value: { data: { deviceImageStatusChanged: { status: 'FAILED' } } },
      });
      // Served from Redis: no lookup of its own, and the leader stays.
      expect(simulator.requestCount()).toBe(0);
      expect(await inspector.get(leaseKey!)).toBe(leader);
      // The leader's next poll sets it right, here only.
      expect(await status.next()).toMatchObject({
        value: { data: { deviceImageStatusChanged: { status: 'READY' } } },
      });
      for (const feed of feeds) {
        expect(eventsFor(feed, SEED_IMAGE_IDS.readyGallery)).toEqual([]);
      }
    } finally {
      await status.stop();
      await client.dispose();
      await fourth.close();
    }
  });
});

describe('Subscriptions: Redis with pass-through tokens', () => {
  it('writes nothing to Redis and keeps each caller apart', async () => {
    const redis = await startRedis();
    const inspector = new Redis(redis.url);
    const simulator = await startSimulator({ port: 0, uploadMs: 100 });
    const gateway = await createGateway(
      testGatewayConfig(simulator.baseUrl, {
        auth: { mode: 'passthrough' },
        pollIntervalMs: 50,
        redisUrl: redis.url,
      }),
    );
    const client = createClient({
      url: gateway.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: 'Bearer caller-one-token' },
    });
    const feed = readStream(client.iterate({ query: EVENTS }));
    try {
      await waitFor(
        () => simulator.requestCount('listDeviceImages') > 0,
        'the first poll',
      );
      const response = await graphqlRequest<{
        createDeviceImage: { id: string };
      }>(
        gateway.url,
        CREATE,
        {
          input: {
            displayName: 'Pass-through',
            version: '1.0.0',
            sourceImageResourceId: readySource?.resourceId,
          },
        },
        { authorization: 'Bearer caller-one-token' },
      );
      const id = response.data!.createDeviceImage.id;
      await waitFor(() => eventsFor(feed, id).length > 0, 'CREATED');
      expect(await inspector.dbsize()).toBe(0);
      const clientNames = await inspector.client('LIST');
      expect(String(clientNames)).not.toContain('cloudpc-graphql');
    } finally {
      await feed.stop();
      await client.dispose();
      await gateway.close();
      await simulator.close();
      inspector.disconnect();
      await redis.close();
    }
  });
});
