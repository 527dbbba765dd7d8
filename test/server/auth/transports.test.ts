import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { GraphQLError, getOperationAST, parse } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';

import {
  authorizeOperation,
  createAuthorizationPlugin,
  createCallerVerifier,
  type Caller,
} from '../../../src/server/auth/index.js';
import {
  startJwksIssuer,
  type JwksIssuer,
} from '../../utils/startJwksIssuer.js';

// Resolvers that only count: the point is whether any of them runs.
let resolverCalls = 0;
const schema = makeExecutableSchema({
  typeDefs: readFileSync(
    new URL('../../../schema/deviceImages.graphql', import.meta.url),
    'utf8',
  ),
  resolvers: {
    Query: {
      deviceImage: (_: unknown, { id }: { id: string }) => {
        resolverCalls += 1;
        return { id };
      },
    },
    Mutation: {
      deleteDeviceImage: (_: unknown, { id }: { id: string }) => {
        resolverCalls += 1;
        return id;
      },
    },
  },
});

interface Context {
  caller: Caller;
}

let issuer: JwksIssuer;
let apollo: ApolloServer<Context>;
let httpUrl: string;
let wss: WebSocketServer;
let wsUrl: string;

beforeAll(async () => {
  issuer = await startJwksIssuer();
  const verify = createCallerVerifier(issuer.config);
  apollo = new ApolloServer<Context>({
    schema,
    plugins: [createAuthorizationPlugin<Context>((context) => context.caller)],
  });
  ({ url: httpUrl } = await startStandaloneServer(apollo, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => ({
      caller: await verify(req.headers.authorization),
    }),
  }));

  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  const callers = new WeakMap<object, Caller>();
  useServer(
    {
      schema,
      onConnect: async (ctx) => {
        const header = ctx.connectionParams?.['authorization'];
        try {
          callers.set(
            ctx,
            await verify(typeof header === 'string' ? header : undefined),
          );
          return true;
        } catch {
          return false; // graphql-ws closes with CloseCode.Forbidden
        }
      },
      onSubscribe: (ctx, _id, payload) => {
        const document = parse(payload.query);
        const operation = getOperationAST(document, payload.operationName);
        try {
          authorizeOperation(
            callers.get(ctx) as Caller,
            operation?.operation ?? 'mutation',
          );
        } catch (error) {
          return [error as GraphQLError];
        }
        return { schema, document, variableValues: payload.variables };
      },
    },
    wss,
  );
  wsUrl = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => wss?.close(resolve));
  await apollo?.stop();
  await issuer?.close();
});

async function post(query: string, token?: string) {
  const before = resolverCalls;
  const response = await fetch(httpUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as {
    data?: unknown;
    errors?: { message: string; extensions: Record<string, unknown> }[];
  };
  return { status: response.status, body, resolved: resolverCalls - before };
}

const read = '{ deviceImage(id: "a1") { id } }';
const write = 'mutation { deleteDeviceImage(id: "a1") }';

describe('Auth: over HTTP (Apollo)', () => {
  it('answers 401 UNAUTHENTICATED without a token, before any resolver', async () => {
    const { status, body, resolved } = await post(read);
    expect(status).toBe(401);
    expect(body.errors?.[0]?.extensions['code']).toBe('UNAUTHENTICATED');
    expect(resolved).toBe(0);
  });

  it('answers 403 FORBIDDEN for another tenant', async () => {
    const token = await issuer.sign({
      tid: '99999999-9999-4999-8999-999999999999',
    });
    const { status, body, resolved } = await post(read, token);
    expect(status).toBe(403);
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'FORBIDDEN' });
    expect(resolved).toBe(0);
  });

  it('lets a read-only caller query', async () => {
    const token = await issuer.sign({ roles: ['Images.Read'] });
    const { status, body } = await post(read, token);
    expect(status).toBe(200);
    expect(body).toEqual({ data: { deviceImage: { id: 'a1' } } });
  });

  it('answers 403 to a read-only caller’s mutation, before any resolver', async () => {
    const token = await issuer.sign({ roles: ['Images.Read'] });
    const { status, body, resolved } = await post(write, token);
    expect(status).toBe(403);
    expect(body.errors?.[0]?.extensions['code']).toBe('FORBIDDEN');
    expect(resolved).toBe(0);
  });

  it('lets a read-write caller mutate', async () => {
    const { status, body } = await post(write, await issuer.sign());
    expect(status).toBe(200);
    expect(body).toEqual({ data: { deleteDeviceImage: 'a1' } });
  });
});

/** Opens a raw graphql-transport-ws socket and sends connection_init. */
function connect(payload?: Record<string, unknown>) {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  const messages: { type: string; id?: string; payload?: unknown }[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  const closed = new Promise<number>((resolve) =>
    socket.on('close', (code) => resolve(code)),
  );
  const opened = new Promise<void>((resolve) =>
    socket.on('open', () => {
      socket.send(
        JSON.stringify({
          type: 'connection_init',
          ...(payload ? { payload } : {}),
        }),
      );
      resolve();
    }),
  );
  const next = async (type: string) => {
    for (let i = 0; i < 100 && !messages.some((m) => m.type === type); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return messages.find((m) => m.type === type);
  };
  return { socket, opened, closed, next };
}

describe('Auth: over WebSocket (graphql-ws)', () => {
  it('closes with 4403 Forbidden when connection_init has no authorization', async () => {
    const { closed } = connect();
    expect(await closed).toBe(CloseCode.Forbidden);
  });

  it('closes with 4403 Forbidden for an expired token', async () => {
    const exp = Math.floor(Date.now() / 1000) - 3600;
    const token = await issuer.sign({ exp, iat: exp - 60 });
    const { closed } = connect({ authorization: `Bearer ${token}` });
    expect(await closed).toBe(CloseCode.Forbidden);
  });

  it('refuses a read-only caller’s mutation with FORBIDDEN, before any resolver', async () => {
    const token = await issuer.sign({ roles: ['Images.Read'] });
    const client = connect({ authorization: `Bearer ${token}` });
    await client.opened;
    expect(await client.next('connection_ack')).toBeDefined();
    const before = resolverCalls;
    client.socket.send(
      JSON.stringify({ id: '1', type: 'subscribe', payload: { query: write } }),
    );
    const error = await client.next('error');
    expect(error?.payload).toMatchObject([
      { extensions: { code: 'FORBIDDEN' } },
    ]);
    expect(resolverCalls).toBe(before);
    client.socket.close();
  });
});
