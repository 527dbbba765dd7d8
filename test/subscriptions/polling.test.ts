import type { FormattedExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { SOURCE_IMAGES } from '../../src/simulator/index.js';
import {
  graphqlRequest,
  startTestStack,
  type TestStack,
} from '../utils/servers.js';
import {
  readStream,
  sleep,
  waitFor,
  type StreamReader,
} from './streamReader.js';

const POLL_MS = 50;

const STATUS = /* GraphQL */ `
  subscription Status($id: ID!) {
    deviceImageStatusChanged(id: $id) {
      id
      status
    }
  }
`;

type Result = FormattedExecutionResult<Record<string, unknown>, unknown>;

describe('Subscriptions: shared polling over WebSocket', () => {
  let stack: TestStack;
  let ids: string[] = [];
  const clients: Client[] = [];
  const readers: StreamReader<Result>[] = [];

  const connect = () => {
    const client = createClient({
      url: stack.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    clients.push(client);
    return client;
  };
  const watch = (client: Client, id: string) => {
    const reader = readStream(
      client.iterate({ query: STATUS, variables: { id } }),
    );
    readers.push(reader);
    return reader;
  };
  const lists = () => stack.simulator.requestCount('listDeviceImages');

  beforeAll(async () => {
    stack = await startTestStack({
      simulator: { uploadMs: 100, maxImages: 100, seed: false },
    });
    const source = SOURCE_IMAGES.find((s) => s.outcome.status === 'ready');
    for (let i = 0; i < 50; i++) {
      const response = await graphqlRequest<{
        createDeviceImage: { id: string };
      }>(
        stack.url,
        /* GraphQL */ `
          mutation Create($input: CreateDeviceImageInput!) {
            createDeviceImage(input: $input) {
              id
            }
          }
        `,
        {
          input: {
            displayName: `Fleet ${i}`,
            version: '1.0.0',
            sourceImageResourceId: source?.resourceId,
          },
        },
      );
      ids.push(response.data?.createDeviceImage.id as string);
    }
    await sleep(150); // every upload ends ready
  });

  afterEach(async () => {
    await Promise.all(readers.splice(0).map((reader) => reader.stop()));
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
  });

  afterAll(async () => {
    await stack?.close();
    ids = [];
  });

  it('holds 1,000 subscribers on 50 images with one list per interval', async () => {
    const sockets = Array.from({ length: 10 }, connect);
    const watchers = Array.from({ length: 1_000 }, (_, i) => ({
      id: ids[i % ids.length] as string,
      reader: watch(
        sockets[i % sockets.length] as Client,
        ids[i % ids.length] as string,
      ),
    }));
    for (const { id, reader } of watchers) {
      expect(await reader.next(10_000)).toMatchObject({
        value: { data: { deviceImageStatusChanged: { id, status: 'READY' } } },
      });
    }
    // Count from just after a poll arrived, so that none is in flight when
    // the window opens and every poll counted started inside it.
    stack.simulator.resetRequests();
    await waitFor(() => lists() > 0, 'a poll');
    stack.simulator.resetRequests();
    const started = Date.now();
    await sleep(20 * POLL_MS);
    const polls = lists();
    // Timers run late on a loaded machine: count the intervals that passed.
    const intervals = Math.floor((Date.now() - started) / POLL_MS);
    expect(polls).toBeLessThanOrEqual(intervals + 1);
    expect(polls).toBeGreaterThan(0);
    expect(stack.simulator.requestCount()).toBe(polls);

    const changed = ids[7] as string;
    stack.simulator.updateImage(changed, {
      status: 'failed',
      errorCode: 'sourceImageInvalid',
    });
    const ofChanged = watchers.filter((watcher) => watcher.id === changed);
    expect(ofChanged).toHaveLength(20);
    for (const { reader } of ofChanged) {
      expect(await reader.next()).toMatchObject({
        value: { data: { deviceImageStatusChanged: { status: 'FAILED' } } },
      });
    }
    expect(watchers.filter(({ reader }) => reader.hasUnread())).toEqual([]);
    stack.simulator.updateImage(changed, { status: 'ready', errorCode: null });
  });

  it('counts each poll as the lists its other subscribers saved', async () => {
    const saved = async () => {
      const metric = await stack.gateway
        .metrics!.registry.getSingleMetric(
          'cloudpc_graph_requests_saved_total',
        )!
        .get();
      return (
        metric.values.find((v) => v.labels['reason'] === 'coalescing')?.value ??
        0
      );
    };
    const client = connect();
    for (const reader of [0, 1, 2].map((i) => watch(client, ids[i]!))) {
      await reader.next();
    }
    const savedBefore = await saved();
    const listsBefore = lists();
    await waitFor(() => lists() >= listsBefore + 4, 'four polls');
    const savedDuring = (await saved()) - savedBefore;
    const polls = lists() - listsBefore;
    // Three subscriptions share each poll: two lists saved. A poll Graph
    // answered but the gateway has not counted yet may sit on either side.
    expect(savedDuring % 2).toBe(0);
    expect(savedDuring / 2).toBeGreaterThanOrEqual(polls - 1);
    expect(savedDuring / 2).toBeLessThanOrEqual(polls + 1);
  });

  it('stops polling once the last subscriber unsubscribes', async () => {
    const client = connect();
    const first = watch(client, ids[0] as string);
    const second = watch(client, ids[1] as string);
    await first.next();
    await second.next();
    await first.stop();
    stack.simulator.resetRequests();
    await sleep(4 * POLL_MS);
    expect(lists()).toBeGreaterThan(0);
    await second.stop();
    await sleep(300); // a poll in flight may still land
    stack.simulator.resetRequests();
    await sleep(8 * POLL_MS);
    expect(stack.simulator.requestCount()).toBe(0);
  });

  it('stops polling when the socket of the last subscriber drops', async () => {
    let socket: WebSocket | undefined;
    const client = createClient({
      url: stack.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      on: { connected: (opened) => (socket = opened as WebSocket) },
    });
    clients.push(client);
    const reader = watch(client, ids[2] as string);
    await reader.next();
    socket?.terminate();
    await sleep(300); // the server sees the close; a poll in flight lands
    stack.simulator.resetRequests();
    await sleep(8 * POLL_MS);
    expect(stack.simulator.requestCount()).toBe(0);
  });

  it('sends no request to Graph during a Retry-After pause', async () => {
    const reader = watch(connect(), ids[3] as string);
    await reader.next();
    stack.simulator.injectFault({
      route: 'listDeviceImages',
      status: 429,
      retryAfterSeconds: 2,
    });
    await waitFor(
      () => stack.simulator.requests.some((request) => request.status === 429),
      'the throttled poll',
    );
    const afterThrottle = stack.simulator.requestCount();
    await sleep(1_200);
    expect(stack.simulator.requestCount()).toBe(afterThrottle);
    await waitFor(
      () => stack.simulator.requestCount() > afterThrottle,
      'polling to resume',
      2_500,
    );
    stack.simulator.updateImage(ids[3] as string, {
      status: 'failed',
      errorCode: 'sourceImageInvalid',
    });
    expect(await reader.next()).toMatchObject({
      value: { data: { deviceImageStatusChanged: { status: 'FAILED' } } },
    });
    stack.simulator.updateImage(ids[3] as string, {
      status: 'ready',
      errorCode: null,
    });
  });
});
