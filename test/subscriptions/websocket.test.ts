import type { FormattedExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { SEED_IMAGE_IDS, SOURCE_IMAGES } from '../../src/simulator/index.js';
import {
  graphqlRequest,
  startTestStack,
  type TestStack,
} from '../utils/servers.js';
import {
  readStream,
  sleep,
  type StreamItem,
  type StreamReader,
} from './streamReader.js';

const STATUS = /* GraphQL */ `
  subscription Status($id: ID!) {
    deviceImageStatusChanged(id: $id) {
      id
      status
      errorCode
    }
  }
`;

const EVENTS = /* GraphQL */ `
  subscription Events {
    deviceImageEvents {
      kind
      id
      previousStatus
      image {
        id
        status
        errorCode
      }
    }
  }
`;

const CREATE = /* GraphQL */ `
  mutation Create($input: CreateDeviceImageInput!) {
    createDeviceImage(input: $input) {
      id
      status
    }
  }
`;

const DELETE = /* GraphQL */ `
  mutation Delete($id: ID!) {
    deleteDeviceImage(id: $id)
  }
`;

type Result = FormattedExecutionResult<Record<string, unknown>, unknown>;

const readySource = SOURCE_IMAGES.find((s) => s.outcome.status === 'ready');
const failingSource = SOURCE_IMAGES.find(
  (s) =>
    s.outcome.status === 'failed' &&
    s.outcome.errorCode === 'sourceImageNotGeneralized',
);

/** The data of a `next` item, or a failure that shows what arrived. */
function dataOf(item: StreamItem<Result>): Record<string, unknown> {
  if (item.type !== 'value' || item.value.errors) {
    throw new Error(`Expected data, got ${JSON.stringify(item)}`);
  }
  return item.value.data as Record<string, unknown>;
}

describe('Subscriptions: GraphQL over WebSocket', () => {
  let stack: TestStack;
  const clients: Client[] = [];
  const readers: StreamReader<Result>[] = [];
  let created = 0;

  const connect = (
    options: Partial<Parameters<typeof createClient>[0]> = {},
  ) => {
    const client = createClient({
      url: stack.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      ...options,
    });
    clients.push(client);
    return client;
  };
  const subscribe = (
    client: Client,
    query: string,
    variables?: Record<string, unknown>,
  ) => {
    const reader = readStream(
      client.iterate<Record<string, unknown>>({ query, variables }),
    );
    readers.push(reader);
    return reader;
  };
  const create = async (source = readySource) => {
    const response = await graphqlRequest<{
      createDeviceImage: { id: string; status: string };
    }>(stack.url, CREATE, {
      input: {
        displayName: `Live ${++created}`,
        version: '1.0.0',
        sourceImageResourceId: source?.resourceId,
      },
    });
    expect(response.errors).toBeUndefined();
    return response.data?.createDeviceImage as { id: string; status: string };
  };

  beforeAll(async () => {
    stack = await startTestStack({
      simulator: { uploadMs: 600, maxImages: 100 },
    });
    await sleep(650); // the seeded pending image finishes first
  });

  afterEach(async () => {
    await Promise.all(readers.splice(0).map((reader) => reader.stop()));
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('streams PENDING then READY for an image created through the gateway', async () => {
    const client = connect();
    // A subscriber already listening makes the poller hold a snapshot, so
    // the create's event puts the new image in it without a poll.
    const feed = subscribe(client, EVENTS);
    const image = await create();
    const status = subscribe(client, STATUS, { id: image.id });
    expect(dataOf(await status.next())).toEqual({
      deviceImageStatusChanged: {
        id: image.id,
        status: 'PENDING',
        errorCode: null,
      },
    });
    expect(dataOf(await status.next())).toEqual({
      deviceImageStatusChanged: {
        id: image.id,
        status: 'READY',
        errorCode: null,
      },
    });
    await feed.stop();
  });

  it('streams PENDING then FAILED with the error code', async () => {
    const client = connect();
    const feed = subscribe(client, EVENTS);
    const image = await create(failingSource);
    const status = subscribe(client, STATUS, { id: image.id });
    expect(dataOf(await status.next())).toMatchObject({
      deviceImageStatusChanged: { status: 'PENDING', errorCode: null },
    });
    expect(dataOf(await status.next())).toMatchObject({
      deviceImageStatusChanged: {
        status: 'FAILED',
        errorCode: 'SOURCE_IMAGE_NOT_GENERALIZED',
      },
    });
    await feed.stop();
  });

  it('streams a retried upload once per state: FAILED, PENDING, READY', async () => {
    const id = SEED_IMAGE_IDS.failedRetryable;
    const client = connect();
    const status = subscribe(client, STATUS, { id });
    expect(dataOf(await status.next())).toMatchObject({
      deviceImageStatusChanged: { status: 'FAILED' },
    });
    const retried = await graphqlRequest(
      stack.url,
      /* GraphQL */ `
        mutation Retry($id: ID!) {
          reuploadDeviceImage(id: $id) {
            status
          }
        }
      `,
      { id },
    );
    expect(retried.errors).toBeUndefined();
    expect(dataOf(await status.next())).toMatchObject({
      deviceImageStatusChanged: { status: 'PENDING', errorCode: null },
    });
    expect(dataOf(await status.next())).toMatchObject({
      deviceImageStatusChanged: { status: 'READY', errorCode: null },
    });
    await sleep(200);
    expect(status.hasUnread()).toBe(false);
  });

  it('completes a status stream when the image is deleted', async () => {
    const image = await create();
    const client = connect();
    const status = subscribe(client, STATUS, { id: image.id });
    dataOf(await status.next());
    const deleted = await graphqlRequest(stack.url, DELETE, { id: image.id });
    expect(deleted.errors).toBeUndefined();
    let item = await status.next();
    while (item.type === 'value') item = await status.next();
    expect(item).toEqual({ type: 'done' });
  });

  it('streams a subscription whose id is written in the document', async () => {
    const image = await create();
    const status = subscribe(
      connect(),
      `subscription { deviceImageStatusChanged(id: "${image.id}") {
        imageId: id state: status } }`,
    );
    expect(dataOf(await status.next())).toEqual({
      deviceImageStatusChanged: { imageId: image.id, state: 'PENDING' },
    });
    expect(dataOf(await status.next())).toEqual({
      deviceImageStatusChanged: { imageId: image.id, state: 'READY' },
    });
  });

  it('answers a query over the socket', async () => {
    const reader = subscribe(
      connect(),
      'query One($id: ID!) { deviceImage(id: $id) { id status } }',
      { id: SEED_IMAGE_IDS.ready },
    );
    expect(dataOf(await reader.next())).toEqual({
      deviceImage: { id: SEED_IMAGE_IDS.ready, status: 'READY' },
    });
    expect(await reader.next()).toEqual({ type: 'done' });
  });

  it('ends with NOT_FOUND for an unknown id', async () => {
    const status = subscribe(connect(), STATUS, {
      id: '00000000-0000-4000-8000-000000000000',
    });
    const item = await status.next();
    expect(item.type).toBe('error');
    expect((item as { error: unknown }).error).toEqual([
      expect.objectContaining({
        message: expect.stringContaining(
          '00000000-0000-4000-8000-000000000000',
        ),
        extensions: expect.objectContaining({ code: 'NOT_FOUND' }),
      }),
    ]);
  });

  it('ends with BAD_USER_INPUT for a malformed id, naming the argument', async () => {
    const status = subscribe(connect(), STATUS, { id: '../images' });
    const item = await status.next();
    expect((item as { error: unknown }).error).toEqual([
      expect.objectContaining({
        extensions: expect.objectContaining({
          code: 'BAD_USER_INPUT',
          argumentName: 'id',
        }),
      }),
    ]);
  });

  it('feeds CREATED, STATUS_CHANGED and DELETED across the tenant', async () => {
    const feed = subscribe(connect(), EVENTS);
    await sleep(100); // the first poll sets the baseline
    const image = await create();
    const events: Record<string, unknown>[] = [];
    const next = async () => {
      for (;;) {
        const event = dataOf(await feed.next())['deviceImageEvents'] as Record<
          string,
          unknown
        >;
        if (event['id'] === image.id) return event;
      }
    };
    events.push(await next(), await next());
    await graphqlRequest(stack.url, DELETE, { id: image.id });
    events.push(await next());
    expect(events).toEqual([
      {
        kind: 'CREATED',
        id: image.id,
        previousStatus: null,
        image: { id: image.id, status: 'PENDING', errorCode: null },
      },
      {
        kind: 'STATUS_CHANGED',
        id: image.id,
        previousStatus: 'PENDING',
        image: { id: image.id, status: 'READY', errorCode: null },
      },
      { kind: 'DELETED', id: image.id, previousStatus: 'READY', image: null },
    ]);
  });

  it('resubscribes after a dropped socket from the current state', async () => {
    const id = SEED_IMAGE_IDS.readyGallery;
    let socket: WebSocket | undefined;
    let connections = 0;
    const client = connect({
      retryAttempts: 5,
      shouldRetry: () => true,
      retryWait: () => sleep(50),
      on: {
        connected: (opened) => {
          socket = opened as WebSocket;
          connections++;
        },
      },
    });
    const status = subscribe(client, STATUS, { id });
    expect(dataOf(await status.next())).toMatchObject({
      deviceImageStatusChanged: { status: 'READY' },
    });
    socket?.terminate();
    // The transition happens while the client is away.
    stack.simulator.updateImage(id, {
      status: 'failed',
      errorCode: 'sourceImageInvalid',
    });
    expect(dataOf(await status.next())).toMatchObject({
      deviceImageStatusChanged: {
        status: 'FAILED',
        errorCode: 'SOURCE_IMAGE_INVALID',
      },
    });
    expect(connections).toBe(2);
    stack.simulator.updateImage(id, { status: 'ready', errorCode: null });
    expect(dataOf(await status.next())).toMatchObject({
      deviceImageStatusChanged: { status: 'READY', errorCode: null },
    });
  });
});
