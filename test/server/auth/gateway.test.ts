/**
 * Caller authentication through the real gateway in an app-only mode (a
 * fixed Graph token): callers prove who they are with JWTs from a local
 * issuer, over HTTP and WebSocket, and refusals come before any Graph call.
 */
import { CloseCode } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SOURCE_IMAGES } from '../../../src/simulator/index.js';
import { openAcknowledged, openRawSocket } from '../../utils/rawSocket.js';
import {
  graphqlRequest,
  startTestStack,
  type TestStack,
} from '../../utils/servers.js';
import {
  startJwksIssuer,
  type JwksIssuer,
} from '../../utils/startJwksIssuer.js';

const LIST = '{ deviceImages { nodes { id } } }';
const CREATE = `mutation { createDeviceImage(input: {
  displayName: "By a writer", version: "1.0.0",
  sourceImageResourceId: "${SOURCE_IMAGES[0]?.resourceId}"
}) { id } }`;

describe('Auth: app-only gateway with caller tokens', () => {
  let issuer: JwksIssuer;
  let stack: TestStack;
  let reader: string;
  let writer: string;

  beforeAll(async () => {
    issuer = await startJwksIssuer();
    stack = await startTestStack({ gateway: { callerAuth: issuer.config } });
    reader = await issuer.sign({ roles: ['Images.Read'] });
    writer = await issuer.sign({ roles: ['Images.ReadWrite'] });
  });
  afterAll(async () => {
    await stack?.close();
    await issuer?.close();
  });

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('answers 401 without a token and for a forged one, before any Graph call', async () => {
    stack.simulator.resetRequests();
    const forged = `${writer.slice(0, -4)}AAAA`;
    for (const headers of [{}, bearer(forged)]) {
      const response = await graphqlRequest(stack.url, LIST, {}, headers);
      expect(response.status).toBe(401);
      expect(response.errors?.[0]?.extensions?.['code']).toBe(
        'UNAUTHENTICATED',
      );
    }
    expect(stack.simulator.requestCount()).toBe(0);
  });

  it('answers 403 to a read-only caller’s mutation, before any Graph call', async () => {
    stack.simulator.resetRequests();
    const response = await graphqlRequest(
      stack.url,
      CREATE,
      {},
      bearer(reader),
    );
    expect(response.status).toBe(403);
    expect(response.errors?.[0]).toMatchObject({
      message: expect.stringContaining('AUTH_WRITE_ROLES'),
      extensions: { code: 'FORBIDDEN' },
    });
    expect(stack.simulator.requestCount()).toBe(0);
  });

  it('lets a reader query and a writer mutate', async () => {
    const read = await graphqlRequest(stack.url, LIST, {}, bearer(reader));
    expect(read.status).toBe(200);
    expect(read.errors).toBeUndefined();
    const write = await graphqlRequest(stack.url, CREATE, {}, bearer(writer));
    expect(write.errors).toBeUndefined();
    expect(write.data).toMatchObject({
      createDeviceImage: { id: expect.any(String) },
    });
  });

  it('closes a WebSocket with 4403 when connection_init has no valid token', async () => {
    for (const payload of [{}, bearer(`${reader}x`)]) {
      const raw = openRawSocket(stack.wsUrl);
      await raw.opened;
      raw.send({ type: 'connection_init', payload });
      expect((await raw.closed).code).toBe(CloseCode.Forbidden);
    }
  });

  it('takes the token from the upgrade request when connectionParams has none', async () => {
    const raw = openRawSocket(stack.wsUrl, bearer(reader));
    await raw.opened;
    raw.send({ type: 'connection_init' });
    await raw.next((message) => message.type === 'connection_ack');
    raw.socket.close();
  });

  it('refuses a read-only caller’s mutation over WebSocket with FORBIDDEN', async () => {
    const raw = await openAcknowledged(stack.wsUrl, bearer(reader));
    stack.simulator.resetRequests();
    raw.send({ id: 'w', type: 'subscribe', payload: { query: CREATE } });
    expect(await raw.next((m) => m.id === 'w')).toEqual({
      id: 'w',
      type: 'error',
      payload: [
        {
          message: expect.stringContaining('AUTH_WRITE_ROLES'),
          extensions: { code: 'FORBIDDEN' },
        },
      ],
    });
    expect(stack.simulator.requestCount()).toBe(0);
    raw.send({
      id: 's',
      type: 'subscribe',
      payload: { query: 'subscription { deviceImageEvents { kind } }' },
    });
    raw.send({ id: 'q', type: 'subscribe', payload: { query: LIST } });
    expect(await raw.next((m) => m.id === 'q')).toMatchObject({
      type: 'next',
      payload: { data: { deviceImages: { nodes: expect.any(Array) } } },
    });
    raw.socket.close();
  });
});
