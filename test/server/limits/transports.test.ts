import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLFormattedError } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';

import {
  createLimitRules,
  createOperationValidator,
  DEFAULT_LIMITS,
  restoreGatewayErrorCode,
  type LimitsConfig,
} from '../../../src/server/limits/index.js';

// Only what the transports need to answer a valid operation: the limits
// under test act before any resolver runs.
const schema = makeExecutableSchema({
  typeDefs: readFileSync(
    new URL('../../../schema/deviceImages.graphql', import.meta.url),
    'utf8',
  ),
  resolvers: {
    Query: {
      deviceImage: (_: unknown, args: { id: string }) => ({ id: args.id }),
    },
  },
});

const limits: LimitsConfig = {
  ...DEFAULT_LIMITS,
  maxCost: 2,
  maxTokens: 60,
  introspection: false,
  suggestions: false,
};

const tooCostly =
  '{ a: deviceImage(id: "1") { id } b: deviceImage(id: "2") { id } c: deviceImage(id: "3") { id } }';
const typo = '{ deviceImage(id: "1") { displayNam } }';
const tooLong = `{ ${'__typename '.repeat(70)} }`;

let apollo: ApolloServer;
let httpUrl: string;
let wss: WebSocketServer;
let wsClient: Client;

beforeAll(async () => {
  apollo = new ApolloServer({
    schema,
    validationRules: createLimitRules(limits),
    parseOptions: { maxTokens: limits.maxTokens },
    introspection: true,
    hideSchemaDetailsFromClientErrors: !limits.suggestions,
    formatError: restoreGatewayErrorCode,
  });
  ({ url: httpUrl } = await startStandaloneServer(apollo, {
    listen: { port: 0, host: '127.0.0.1' },
  }));

  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  const check = createOperationValidator(schema, limits);
  useServer(
    {
      schema,
      onSubscribe: (_ctx, _id, payload) => {
        const result = check(payload);
        if (result.errors) return result.errors;
        return {
          schema,
          document: result.document,
          operationName: payload.operationName,
          variableValues: payload.variables,
        };
      },
    },
    wss,
  );
  const { port } = wss.address() as AddressInfo;
  wsClient = createClient({
    url: `ws://127.0.0.1:${port}`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
  });
});

afterAll(async () => {
  await wsClient?.dispose();
  await new Promise((resolve) => wss?.close(resolve));
  await apollo?.stop();
});

async function overHttp(query: string): Promise<GraphQLFormattedError[]> {
  const response = await fetch(httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as { errors?: GraphQLFormattedError[] };
  return body.errors ?? [];
}

function overWebSocket(query: string): Promise<GraphQLFormattedError[]> {
  return new Promise((resolve, reject) => {
    wsClient.subscribe(
      { query },
      {
        next: () => undefined,
        error: (errors) =>
          Array.isArray(errors) ? resolve(errors) : reject(errors),
        complete: () => resolve([]),
      },
    );
  });
}

const transports = [
  ['HTTP (Apollo)', overHttp],
  ['WebSocket (graphql-ws)', overWebSocket],
] as const;

describe.each(transports)('Limits: over %s', (_name, send) => {
  it('answers an operation within every limit', async () => {
    expect(await send('{ deviceImage(id: "1") { id } }')).toEqual([]);
  });

  it('refuses an operation over budget with QUERY_TOO_COMPLEX', async () => {
    const [error] = await send(tooCostly);
    expect(error?.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      limit: 'MAX_COST',
      maximum: 2,
      actual: 3,
    });
  });

  it('refuses introspection with FORBIDDEN', async () => {
    const [error] = await send('{ __schema { queryType { name } } }');
    expect(error?.extensions?.['code']).toBe('FORBIDDEN');
  });

  it('drops the field suggestion from an unknown-field error', async () => {
    const [error] = await send(typo);
    expect(error?.message).toBe(
      'Cannot query field "displayNam" on type "CloudPcDeviceImage".',
    );
  });

  it('stops parsing at the token limit', async () => {
    const [error] = await send(tooLong);
    // graphql-js's own wording, typo included.
    expect(error?.message).toBe(
      'Syntax Error: Document contains more that 60 tokens. Parsing aborted.',
    );
  });
});
