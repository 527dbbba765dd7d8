import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { SEED_IMAGE_IDS } from '../../src/simulator/index.js';
import { startTestStack, type TestStack } from '../utils/servers.js';
import { readStream, sleep } from './streamReader.js';

const STATUS = /* GraphQL */ `
  subscription Status($id: ID!) {
    deviceImageStatusChanged(id: $id) {
      id
      status
    }
  }
`;

describe('Subscriptions: WebSocket lifecycle', () => {
  let stack: TestStack;
  let client: Client;
  let closeCode: number | undefined;

  beforeAll(async () => {
    stack = await startTestStack();
    client = createClient({
      url: stack.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      // Keeps the socket open between subscriptions, so a close means the
      // server closed it.
      lazy: false,
      onNonLazyError: () => undefined, // `on.closed` records the close
      on: {
        closed: (event) => {
          closeCode = (event as { code: number }).code;
        },
      },
    });
  });

  afterAll(async () => {
    await client?.dispose();
    await stack?.close();
  });

  it('answers a syntax error with an error message and keeps the socket', async () => {
    const broken = readStream(client.iterate({ query: 'subscription {' }));
    const item = await broken.next();
    expect((item as { error: unknown }).error).toEqual([
      expect.objectContaining({
        message: expect.stringContaining('Syntax Error'),
      }),
    ]);
    const status = readStream(
      client.iterate({
        query: STATUS,
        variables: { id: SEED_IMAGE_IDS.ready },
      }),
    );
    expect(await status.next()).toMatchObject({
      value: { data: { deviceImageStatusChanged: { status: 'READY' } } },
    });
    expect(closeCode).toBeUndefined();
  });

  it('closes sockets with 1001 and stops polling when the gateway closes', async () => {
    const status = readStream(
      client.iterate({
        query: STATUS,
        variables: { id: SEED_IMAGE_IDS.ready },
      }),
    );
    await status.next();
    await stack.gateway.close();
    expect(closeCode).toBe(1001);
    stack.simulator.resetRequests();
    await sleep(200);
    expect(stack.simulator.requestCount()).toBe(0);
  });
});
