import type { FormattedExecutionResult } from 'graphql';
import { CloseCode, createClient, type Client } from 'graphql-ws';
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

const EVENTS = /* GraphQL */ `
  subscription Events {
    deviceImageEvents {
      kind
      id
    }
  }
`;

type Result = FormattedExecutionResult<Record<string, unknown>, unknown>;

describe('Subscriptions: pass-through credentials', () => {
  let stack: TestStack;
  const clients: Client[] = [];
  const readers: StreamReader<Result>[] = [];

  const connect = (token: string | undefined) => {
    const client = createClient({
      url: stack.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams:
        token === undefined ? {} : { authorization: `Bearer ${token}` },
    });
    clients.push(client);
    return client;
  };
  const feed = (client: Client) => {
    const reader = readStream(client.iterate({ query: EVENTS }));
    readers.push(reader);
    return reader;
  };

  beforeAll(async () => {
    stack = await startTestStack({
      simulator: {
        tokens: { 'token-a': 'tenant-a', 'token-b': 'tenant-b' },
      },
      gateway: { auth: { mode: 'passthrough' } },
    });
    await sleep(200); // the seeded pending uploads finish first
  });

  afterEach(async () => {
    await Promise.all(readers.splice(0).map((reader) => reader.stop()));
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('closes a connection without a token with CloseCode.Forbidden', async () => {
    const item = await feed(connect(undefined)).next();
    expect(item.type).toBe('error');
    expect((item as { error: { code: number } }).error.code).toBe(
      CloseCode.Forbidden,
    );
  });

  it('polls each caller with its own token and keeps events apart', async () => {
    const a = feed(connect('token-a'));
    const b = feed(connect('token-b'));
    await waitFor(
      () =>
        ['tenant-a', 'tenant-b'].every((tenant) =>
          stack.simulator.requests.some(
            (request) =>
              request.route === 'listDeviceImages' && request.tenant === tenant,
          ),
        ),
      'a poll per tenant',
    );
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
          displayName: 'Tenant A only',
          version: '1.0.0',
          sourceImageResourceId: SOURCE_IMAGES[0]?.resourceId,
        },
      },
      { authorization: 'Bearer token-a' },
    );
    const id = response.data?.createDeviceImage.id;
    expect(await a.next()).toMatchObject({
      value: { data: { deviceImageEvents: { kind: 'CREATED', id } } },
    });
    await sleep(300);
    expect(b.items).toEqual([]);
    expect(
      stack.simulator.requests.filter(
        (request) => request.tenant === undefined,
      ),
    ).toEqual([]);
  });
});
