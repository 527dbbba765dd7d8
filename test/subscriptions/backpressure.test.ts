import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { makeExecutableSchema } from '@graphql-tools/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createSilentLogger } from '../../src/logger.js';
import type { GatewayContext } from '../../src/resolvers/context.js';
import {
  attachWebSocketServer,
  type AttachedWebSocketServer,
} from '../../src/subscriptions/index.js';
import { SubscriberQueue } from '../../src/subscriptions/SubscriberQueue.js';
import { openAcknowledged, type RawSocket } from '../utils/rawSocket.js';
import { sleep, waitFor } from './streamReader.js';

const MAX_QUEUED = 10;
const EVENTS = 100;
const BLOB = 'x'.repeat(200_000);

describe('Subscriptions: a client that stops reading', () => {
  const logger = createSilentLogger();
  const queues = new Set<SubscriberQueue<number>>();
  let httpServer: Server;
  let sockets: AttachedWebSocketServer;
  let url: string;
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
    httpServer = createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) =>
      httpServer.listen(0, '127.0.0.1', resolve),
    );
    sockets = attachWebSocketServer(httpServer, {
      schema,
      path: '/graphql',
      logger,
      createContext: async () => ({ scope: 'app', logger }) as GatewayContext,
    });
    const { port } = httpServer.address() as AddressInfo;
    url = `ws://127.0.0.1:${port}/graphql`;
  });

  afterAll(async () => {
    raw?.socket.terminate();
    await sockets?.close();
    await new Promise((resolve) => httpServer?.close(resolve));
  });

  it('holds events in the bounded queue, not in memory, and ends it with an error when full', async () => {
    raw = await openAcknowledged(url);
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
