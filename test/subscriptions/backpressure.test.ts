import { makeExecutableSchema } from '@graphql-tools/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createSilentLogger } from '../../src/logger.js';
import type { GatewayContext } from '../../src/resolvers/context.js';
import { SubscriberQueue } from '../../src/subscriptions/SubscriberQueue.js';
import { openAcknowledged, type RawSocket } from '../utils/rawSocket.js';
import {
  startWebSocketServer,
  type TestWebSocketServer,
} from '../utils/startWebSocketServer.js';
import { sleep, waitFor } from './streamReader.js';

const MAX_QUEUED = 10;
const EVENTS = 100;
const BLOB = 'x'.repeat(200_000);

describe('Subscriptions: a client that stops reading', () => {
  const logger = createSilentLogger();
  const queues = new Set<SubscriberQueue<number>>();
  let server: TestWebSocketServer;
  let raw: RawSocket | undefined;

  beforeAll(async () => {
    const schema = makeExecutableSchema({
      typeDefs: /* GraphQL */ `
        type Query {
          ok: Boolean
        }
        type Subscription {
          blobs: String!
        }
      `,
      resolvers: {
        Subscription: {
          blobs: {
            subscribe: () => {
              const queue: SubscriberQueue<number> = new SubscriberQueue({
                maxQueued: MAX_QUEUED,
                onOverflow: () => new Error('overflow'),
                onClose: () => queues.delete(queue),
              });
              queues.add(queue);
              return queue;
            },
            resolve: (n: number) => `${n}:${BLOB}`,
          },
        },
      },
    });
    server = await startWebSocketServer({
      schema,
      logger,
      createContext: async () => ({ scope: 'app', logger }) as GatewayContext,
    });
  });

  afterAll(async () => {
    raw?.socket.terminate();
    await server?.close();
  });

  it('holds events in the bounded queue, not in memory, and ends it with an error when full', async () => {
    raw = await openAcknowledged(server.url);
    raw.send({
      id: 'b',
      type: 'subscribe',
      payload: { query: 'subscription { blobs }' },
    });
    await waitFor(() => queues.size === 1, 'the subscriber');
    const [queue] = queues;
    raw.socket.pause();
    for (let n = 1; n <= EVENTS && queue!.isOpen; n++) {
      queue!.push(n);
      // Lets the server write, so that the socket backs up.
      await sleep(5);
    }
    expect(queue!.isOpen).toBe(false);
    raw.socket.resume();
    const ended = await raw.next((m) => m.id === 'b' && m.type !== 'next');
    expect(ended).toMatchObject({
      type: 'error',
      payload: [{ extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
    });
    const delivered = raw.messages.filter((m) => m.type === 'next');
    // What reached the client is what the socket took before it backed up:
    // far fewer than were pushed, each one whole and in order.
    expect(delivered.length).toBeLessThan(EVENTS - MAX_QUEUED);
    delivered.forEach((message, index) => {
      expect((message.payload as { data: { blobs: string } }).data.blobs).toBe(
        `${index + 1}:${BLOB}`,
      );
    });
  });
});
