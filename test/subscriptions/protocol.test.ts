/**
 * GraphQL over WebSocket protocol violations, sent frame by frame to the
 * real gateway: each closes the socket with the protocol's code
 * (https://github.com/graphql/graphql-over-http/blob/main/rfcs/GraphQLOverWebSocket.md).
 */
import { CloseCode } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import {
  openAcknowledged,
  openRawSocket,
  type RawSocket,
} from '../utils/rawSocket.js';
import { startTestStack, type TestStack } from '../utils/servers.js';
import { startJwksIssuer, type JwksIssuer } from '../utils/startJwksIssuer.js';
import { sleep } from './streamReader.js';

const EVENTS = 'subscription { deviceImageEvents { kind id } }';

describe('Subscriptions: protocol violations', () => {
  let issuer: JwksIssuer;
  let stack: TestStack;
  let auth: Record<string, string>;
  const sockets: RawSocket[] = [];

  const open = () => {
    const raw = openRawSocket(stack.wsUrl);
    sockets.push(raw);
    return raw;
  };
  const acknowledged = async () => {
    const raw = await openAcknowledged(stack.wsUrl, auth);
    sockets.push(raw);
    return raw;
  };

  beforeAll(async () => {
    issuer = await startJwksIssuer();
    auth = { authorization: `Bearer ${await issuer.sign()}` };
    stack = await startTestStack({
      gateway: {
        callerAuth: issuer.config,
        connectionInitTimeoutMs: 150,
        maxSubscriptionsPerSocket: 2,
        maxBodyBytes: 4_096,
      },
    });
  });

  afterAll(async () => {
    for (const raw of sockets) raw.socket.terminate();
    await stack?.close();
    await issuer?.close();
  });

  it('closes with 4400 for a message that is not JSON', async () => {
    const raw = open();
    await raw.opened;
    raw.send('{ not json');
    expect((await raw.closed).code).toBe(CloseCode.BadRequest);
  });

  it('closes with 4400 for a subscribe without an id', async () => {
    const raw = await acknowledged();
    raw.send({ type: 'subscribe', payload: { query: EVENTS } });
    expect((await raw.closed).code).toBe(CloseCode.BadRequest);
  });

  it('names what was wrong with an invalid message in the close reason', async () => {
    const raw = await acknowledged();
    raw.send({ id: 7, type: 'subscribe', payload: { query: EVENTS } });
    const { code, reason } = await raw.closed;
    expect(code).toBe(CloseCode.BadRequest);
    expect(reason).toMatch(/^Invalid message received: .*'id'.*string/);
  });

  it('closes with 4400 for a message only a server sends', async () => {
    const raw = await acknowledged();
    raw.send({ id: '1', type: 'next', payload: { data: null } });
    const { code, reason } = await raw.closed;
    expect(code).toBe(CloseCode.BadRequest);
    expect(reason).toBe('Unexpected message of type next from a client');
  });

  it('answers a ping with a pong carrying its payload', async () => {
    const raw = await acknowledged();
    raw.send({ type: 'ping', payload: { sent: 1 } });
    expect(await raw.next((m) => m.type === 'pong')).toEqual({
      type: 'pong',
      payload: { sent: 1 },
    });
  });

  it('closes with 4406 when the handshake agrees on no subprotocol', async () => {
    const socket = new WebSocket(stack.wsUrl);
    const closed = new Promise<number>((resolve) =>
      socket.once('close', (code) => resolve(code)),
    );
    expect(await closed).toBe(CloseCode.SubprotocolNotAcceptable);
  });

  it('stops an operation the client completes before its first result, sending nothing for it', async () => {
    const running = async () => {
      const gauge = stack.gateway.metrics!.registry.getSingleMetric(
        'cloudpc_subscriptions',
      );
      return (await gauge!.get()).values[0]?.value ?? 0;
    };
    const before = await running();
    const raw = await acknowledged();
    raw.send({ id: 'gone', type: 'subscribe', payload: { query: EVENTS } });
    raw.send({ id: 'gone', type: 'complete' });
    raw.send({ id: 'kept', type: 'subscribe', payload: { query: EVENTS } });
    // Long enough for both operations to have started, or not.
    await sleep(300);
    expect(await running()).toBe(before + 1);
    expect(raw.messages.filter((m) => m.id === 'gone')).toEqual([]);
    expect(raw.socket.readyState).toBe(raw.socket.OPEN);
  });

  it('closes with 4401 for a subscribe before connection_ack', async () => {
    const raw = open();
    await raw.opened;
    raw.send({ id: '1', type: 'subscribe', payload: { query: EVENTS } });
    expect((await raw.closed).code).toBe(CloseCode.Unauthorized);
  });

  it('closes with 4403 when connection_init carries no valid token', async () => {
    for (const payload of [
      undefined,
      { authorization: 'Bearer not-a-jwt' },
      { authorization: `Bearer ${await issuer.sign({ tid: 'other' })}` },
    ]) {
      const raw = open();
      await raw.opened;
      raw.send({ type: 'connection_init', ...(payload ? { payload } : {}) });
      expect((await raw.closed).code).toBe(CloseCode.Forbidden);
    }
  });

  it('closes with 4408 when connection_init does not come in time', async () => {
    const raw = open();
    await raw.opened;
    const { code } = await raw.closed;
    expect(code).toBe(CloseCode.ConnectionInitialisationTimeout);
  });

  it('closes with 4409 for a second subscriber with a running id', async () => {
    const raw = await acknowledged();
    raw.send({ id: 'same', type: 'subscribe', payload: { query: EVENTS } });
    raw.send({ id: 'same', type: 'subscribe', payload: { query: EVENTS } });
    expect((await raw.closed).code).toBe(CloseCode.SubscriberAlreadyExists);
  });

  it('closes with 4429 for a second connection_init', async () => {
    const raw = await acknowledged();
    raw.send({ type: 'connection_init', payload: auth });
    expect((await raw.closed).code).toBe(
      CloseCode.TooManyInitialisationRequests,
    );
  });

  it('closes with 1009 for a message over MAX_BODY_BYTES', async () => {
    const raw = await acknowledged();
    raw.send({
      id: 'big',
      type: 'subscribe',
      payload: { query: `{ __typename } # ${'x'.repeat(5_000)}` },
    });
    expect((await raw.closed).code).toBe(1009);
  });

  it('answers a subscribe over MAX_SUBSCRIPTIONS_PER_SOCKET with an error and keeps the socket', async () => {
    const raw = await acknowledged();
    raw.send({ id: 'a', type: 'subscribe', payload: { query: EVENTS } });
    raw.send({ id: 'b', type: 'subscribe', payload: { query: EVENTS } });
    raw.send({ id: 'c', type: 'subscribe', payload: { query: EVENTS } });
    const refused = await raw.next((m) => m.id === 'c');
    expect(refused).toMatchObject({
      type: 'error',
      payload: [
        {
          message: expect.stringContaining(
            'at most 2 per socket (MAX_SUBSCRIPTIONS_PER_SOCKET)',
          ),
          extensions: {
            code: 'QUERY_TOO_COMPLEX',
            limit: 'MAX_SUBSCRIPTIONS_PER_SOCKET',
            maximum: 2,
            actual: 3,
          },
        },
      ],
    });
    // Completing one makes room again.
    raw.send({ id: 'a', type: 'complete' });
    raw.send({
      id: 'd',
      type: 'subscribe',
      payload: { query: '{ deviceImages { totalCount } }' },
    });
    expect(await raw.next((m) => m.id === 'd')).toMatchObject({
      type: 'next',
      payload: { data: { deviceImages: { totalCount: expect.any(Number) } } },
    });
    expect(raw.socket.readyState).toBe(raw.socket.OPEN);
  });
});
