import type { FormattedExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import {
  SEED_IMAGE_IDS,
  SOURCE_IMAGES,
  startSimulator,
  type Simulator,
} from '../../src/simulator/index.js';
import { startMainProcess, type MainProcess } from '../utils/mainProcess.js';
import { startRedis, type TestRedis } from '../utils/redis.js';
import { graphqlRequest, TEST_TOKEN } from '../utils/servers.js';
import {
  readStream,
  sleep,
  waitFor,
  type StreamReader,
} from './streamReader.js';

const POLL_MS = 200;

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

/** One `node dist/main.js` and the subscriptions made to it. */
interface Instance {
  process: MainProcess;
  url: string;
  client: Client;
  feed: StreamReader<Result>;
  status: StreamReader<Result>;
}

describe('Subscriptions: leader failover across processes', () => {
  let redis: TestRedis;
  let inspector: Redis;
  let simulator: Simulator;
  const instances: Instance[] = [];

  /** The pid in the lease holder's instance id (`host-pid-random`). */
  const leaderPid = async (): Promise<number | undefined> => {
    const [key] = await inspector.keys('cloudpc:*:lease');
    const holder = key === undefined ? null : await inspector.get(key);
    return holder === null ? undefined : Number(holder.split('-').at(-2));
  };
  /** When the first list request after the `logged` oldest arrived. */
  const firstPollAfter = (logged: number): number | undefined =>
    simulator.requests.slice(logged).find((r) => r.route === 'listDeviceImages')
      ?.receivedAt;
  const pollsPerInterval = async () => {
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
    // Timers run late on a loaded machine: count the intervals that passed.
    return { polls, intervals: Math.floor((Date.now() - started) / POLL_MS) };
  };

  beforeAll(async () => {
    redis = await startRedis();
    inspector = new Redis(redis.url);
    inspector.on('error', () => {});
    simulator = await startSimulator({
      port: 0,
      uploadMs: 4 * POLL_MS,
      tokens: { [TEST_TOKEN]: 'default' },
    });
    const processes = Array.from({ length: 3 }, () =>
      startMainProcess({
        PORT: '0',
        GRAPH_BASE_URL: simulator.baseUrl,
        GRAPH_ACCESS_TOKEN: TEST_TOKEN,
        REDIS_URL: redis.url,
        POLL_INTERVAL_MS: String(POLL_MS),
        AUTH_DISABLED: 'true',
        GRAPHIQL: 'false',
        NODE_ENV: 'test',
      }),
    );
    for (const process of processes) {
      const { url } = await process.listening();
      const client = createClient({
        url: url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
      });
      const feed = readStream(client.iterate({ query: EVENTS }));
      const status = readStream(
        client.iterate({
          query: STATUS,
          variables: { id: SEED_IMAGE_IDS.ready },
        }),
      );
      instances.push({ process, url, client, feed, status });
      await status.next(10_000);
    }
    const deadline = Date.now() + 5_000;
    while ((await leaderPid()) === undefined) {
      if (Date.now() > deadline) throw new Error('no instance leads');
      await sleep(20);
    }
  });

  afterAll(async () => {
    for (const instance of instances) {
      await instance.feed.stop();
      await instance.status.stop();
      await instance.client.dispose();
      if (instance.process.child.exitCode === null) {
        instance.process.child.kill('SIGTERM');
        await instance.process.exited;
      }
    }
    await simulator?.close();
    inspector?.disconnect();
    await redis?.close();
  });

  it('hands polling to a survivor within two intervals when the leader is killed, losing no change', async () => {
    const before = await pollsPerInterval();
    expect(before.polls).toBeGreaterThan(0);
    expect(before.polls).toBeLessThanOrEqual(before.intervals + 1);

    const pid = await leaderPid();
    const leader = instances.find((i) => i.process.child.pid === pid);
    expect(leader).toBeDefined();
    const survivors = instances.filter((instance) => instance !== leader);
    // Killed just after a poll, the leader has none in flight: every list
    // request from now on is a survivor's.
    simulator.resetRequests();
    await waitFor(
      () => simulator.requestCount('listDeviceImages') > 0,
      'the leader to poll',
    );
    const logged = simulator.requests.length;
    const killedAt = Date.now();
    leader!.process.child.kill('SIGKILL');
    await leader!.process.exited;
    // A change Graph makes while nobody polls: the stored state still says
    // ready, so the new leader's first poll must announce it, once.
    expect(firstPollAfter(logged)).toBeUndefined();
    simulator.updateImage(SEED_IMAGE_IDS.ready, {
      status: 'failed',
      errorCode: 'sourceImageInvalid',
    });
    await waitFor(
      () => firstPollAfter(logged) !== undefined,
      'a survivor to poll',
      10 * POLL_MS,
    );
    // The simulator runs in this process, so its arrival times share this
    // clock. The lease outlives its holder by at most 1.5 intervals.
    const takeoverMs = firstPollAfter(logged)! - killedAt;
    expect(takeoverMs).toBeLessThan(2 * POLL_MS);
    const newPid = await leaderPid();
    expect(survivors.map((s) => s.process.child.pid)).toContain(newPid);

    for (const { status } of survivors) {
      expect(await status.next()).toMatchObject({
        value: { data: { deviceImageStatusChanged: { status: 'FAILED' } } },
      });
    }
    const response = await graphqlRequest<{
      createDeviceImage: { id: string };
    }>(
      survivors[1]!.url,
      /* GraphQL */ `
        mutation Create($input: CreateDeviceImageInput!) {
          createDeviceImage(input: $input) {
            id
          }
        }
      `,
      {
        input: {
          displayName: 'After failover',
          version: '1.0.0',
          sourceImageResourceId: readySource?.resourceId,
        },
      },
    );
    const id = response.data!.createDeviceImage.id;
    for (const { feed } of survivors) {
      await waitFor(
        () => eventsFor(feed, id).includes('STATUS_CHANGED'),
        'the upload to finish',
      );
    }

    const after = await pollsPerInterval();
    expect(after.polls).toBeGreaterThan(0);
    expect(after.polls).toBeLessThanOrEqual(after.intervals + 1);
    for (const { feed, status } of survivors) {
      expect(eventsFor(feed, id)).toEqual(['CREATED', 'STATUS_CHANGED']);
      expect(eventsFor(feed, SEED_IMAGE_IDS.ready)).toEqual(['STATUS_CHANGED']);
      expect(status.hasUnread()).toBe(false);
      expect(
        [...feed.items, ...status.items].filter((i) => i.type !== 'value'),
      ).toEqual([]);
    }
  });
});
