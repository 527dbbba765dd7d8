import { makeExecutableSchema } from '@graphql-tools/schema';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { createSilentLogger } from '../../src/logger.js';
import type { GatewayContext } from '../../src/resolvers/context.js';
import { SubscriberQueue } from '../../src/subscriptions/SubscriberQueue.js';
import {
  startWebSocketServer,
  type TestWebSocketServer,
} from '../utils/startWebSocketServer.js';
import { readStream, type StreamReader } from './streamReader.js';

interface Tick {
  n: number;
}

const typeDefs = /* GraphQL */ `
  type Query {
    ok: Boolean
  }
  type Subscription {
    ticks(label: String!): Labelled!
  }
  type Labelled {
    n: Int!
    rendered: String!
  }
`;

describe('Subscriptions: one execution per group of equal operations', () => {
  const logger = createSilentLogger();
  const queues = new Set<SubscriberQueue<Tick>>();
  let executions = 0;
  let server: TestWebSocketServer;
  const clients: Client[] = [];
  const readers: StreamReader<unknown>[] = [];

  // Every subscriber gets the same event object, as from the hub.
  const emit = (tick: Tick) => {
    for (const queue of queues) queue.push(tick);
  };

  const subscribe = (scope: string, label: string) => {
    const client = createClient({
      url: server.url,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { scope },
    });
    clients.push(client);
    const reader = readStream(
      client.iterate({
        query:
          'subscription($label: String!) { ticks(label: $label) { n rendered } }',
        variables: { label },
      }),
    );
    readers.push(reader);
    return reader;
  };

  const waitForSubscribers = async (count: number) => {
    for (let waited = 0; queues.size < count; waited += 10) {
      if (waited > 5_000) throw new Error(`${queues.size} of ${count} joined`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  beforeAll(async () => {
    const schema = makeExecutableSchema({
      typeDefs,
      resolvers: {
        Subscription: {
          ticks: {
            subscribe: () => {
              const queue: SubscriberQueue<Tick> = new SubscriberQueue({
                maxQueued: 10,
                onOverflow: () => new Error('overflow'),
                onClose: () => queues.delete(queue),
              });
              queues.add(queue);
              return queue;
            },
            resolve: (tick: Tick, { label }: { label: string }) => ({
              n: tick.n,
              label,
            }),
          },
        },
        Labelled: {
          rendered: ({ n, label }: { n: number; label: string }) => {
            executions++;
            return `${label}:${n}`;
          },
        },
      },
    });
    server = await startWebSocketServer({
      schema,
      logger,
      createContext: async (params) =>
        ({ scope: String(params?.['scope']), logger }) as GatewayContext,
    });
  });

  afterAll(async () => {
    for (const reader of readers) await reader.stop();
    for (const client of clients) await client.dispose();
    await server?.close();
  });

  it('executes an event once for every subscriber of one operation in one scope', async () => {
    const group = [1, 2, 3].map(() => subscribe('tenant-a', 'x'));
    await waitForSubscribers(3);
    executions = 0;
    emit({ n: 1 });
    for (const reader of group) {
      expect(await reader.next()).toEqual({
        type: 'value',
        value: { data: { ticks: { n: 1, rendered: 'x:1' } } },
      });
    }
    expect(executions).toBe(1);
    emit({ n: 2 });
    for (const reader of group) {
      expect(await reader.next()).toMatchObject({
        value: { data: { ticks: { n: 2, rendered: 'x:2' } } },
      });
    }
    expect(executions).toBe(2);
    for (const reader of group) await reader.stop();
    await waitForSubscribers(0);
  });

  it('executes apart for other variables and for another scope', async () => {
    const sameAsFirst = subscribe('tenant-a', 'x');
    const first = subscribe('tenant-a', 'x');
    const otherLabel = subscribe('tenant-a', 'y');
    const otherScope = subscribe('tenant-b', 'x');
    await waitForSubscribers(4);
    executions = 0;
    emit({ n: 7 });
    const rendered = async (reader: StreamReader<unknown>) =>
      ((await reader.next()) as { value: { data: { ticks: Tick } } }).value.data
        .ticks;
    expect(await rendered(first)).toEqual({ n: 7, rendered: 'x:7' });
    expect(await rendered(sameAsFirst)).toEqual({ n: 7, rendered: 'x:7' });
    expect(await rendered(otherLabel)).toEqual({ n: 7, rendered: 'y:7' });
    expect(await rendered(otherScope)).toEqual({ n: 7, rendered: 'x:7' });
    expect(executions).toBe(3);
  });
});
