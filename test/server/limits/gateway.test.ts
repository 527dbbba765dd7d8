/**
 * The hostile-input limits through the real gateway, over both transports:
 * each refusal comes before any Graph call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  DEFAULT_LIMITS,
  parseLimitsConfig,
} from '../../../src/server/limits/index.js';
import { openAcknowledged, type RawSocket } from '../../utils/rawSocket.js';
import {
  graphqlRequest,
  startTestStack,
  type TestStack,
} from '../../utils/servers.js';

const CATEGORY =
  'query ($c: CloudPcSourceImageCategory) { sourceImages(category: $c) { id } }';

interface Refusal {
  message: string;
  extensions?: Record<string, unknown>;
}

/** Runs `query` over WebSocket and returns the errors it was refused with. */
async function overWebSocket(raw: RawSocket, id: string, query: string) {
  raw.send({ id, type: 'subscribe', payload: { query } });
  const answer = await raw.next((message) => message.id === id);
  if (answer.type !== 'error') {
    throw new Error(`expected an error, got ${JSON.stringify(answer)}`);
  }
  return answer.payload as Refusal[];
}

const CASES: [string, string, Record<string, unknown>][] = [
  [
    'depth',
    '{ deviceImages { edges { node { id } } } }',
    { code: 'QUERY_TOO_COMPLEX', limit: 'MAX_DEPTH', maximum: 3, actual: 4 },
  ],
  [
    'aliases',
    '{ deviceImages { a: totalCount b: totalCount c: totalCount } }',
    { code: 'QUERY_TOO_COMPLEX', limit: 'MAX_ALIASES', maximum: 2 },
  ],
  [
    'root fields',
    '{ sourceImages { id } deviceImages { pageInfo { hasNextPage } } deviceImage(id: "1") { id } }',
    { code: 'QUERY_TOO_COMPLEX', limit: 'MAX_ROOT_FIELDS', maximum: 2 },
  ],
  [
    'cost',
    '{ deviceImage(id: "1") { id } deviceImages { totalCount } }',
    { code: 'QUERY_TOO_COMPLEX', limit: 'MAX_COST', maximum: 3, actual: 4 },
  ],
];

describe('Limits: through the gateway', () => {
  let stack: TestStack;
  let raw: RawSocket;

  beforeAll(async () => {
    stack = await startTestStack({
      gateway: {
        limits: {
          ...DEFAULT_LIMITS,
          maxDepth: 3,
          maxAliases: 2,
          maxRootFields: 2,
          maxCost: 3,
          maxTokens: 60,
        },
      },
    });
    raw = await openAcknowledged(stack.wsUrl);
  });
  afterAll(async () => {
    raw?.socket.terminate();
    await stack?.close();
  });

  it.each(CASES)(
    'refuses an operation over the %s limit over HTTP and WebSocket',
    async (name, query, extensions) => {
      stack.simulator.resetRequests();
      const http = await graphqlRequest(stack.url, query);
      expect(http.status).toBe(400);
      expect(http.errors?.[0]?.extensions).toMatchObject(extensions);
      const ws = await overWebSocket(raw, name, query);
      expect(ws[0]?.extensions).toMatchObject(extensions);
      expect(ws[0]?.message).toBe(http.errors?.[0]?.message);
      expect(stack.simulator.requestCount()).toBe(0);
    },
  );

  it('refuses a document over the token limit over HTTP and WebSocket', async () => {
    const query = `{ ${'__typename '.repeat(70)} }`;
    const http = await graphqlRequest(stack.url, query);
    expect(http.status).toBe(400);
    expect(http.errors?.[0]?.message).toBe(
      'Syntax Error: Document contains more that 60 tokens. Parsing aborted.',
    );
    const ws = await overWebSocket(raw, 'tokens', query);
    expect(ws[0]?.message).toBe(http.errors?.[0]?.message);
  });

  it('answers introspection and suggestions outside production', async () => {
    const schema = await graphqlRequest(
      stack.url,
      '{ __schema { __typename } }',
    );
    expect(schema.data).toEqual({ __schema: { __typename: '__Schema' } });
    const typo = await graphqlRequest(stack.url, '{ sourceImage { id } }');
    expect(typo.errors?.[0]?.message).toContain('Did you mean');
    const variable = await graphqlRequest(stack.url, CATEGORY, {
      c: 'MANAGED_IMAGES',
    });
    expect(variable.errors?.[0]?.message).toContain('Did you mean');
  });
});

describe('Limits: production defaults through the gateway', () => {
  let stack: TestStack;
  let raw: RawSocket;

  beforeAll(async () => {
    stack = await startTestStack({
      gateway: {
        nodeEnv: 'production',
        limits: parseLimitsConfig({ NODE_ENV: 'production' }),
      },
    });
    raw = await openAcknowledged(stack.wsUrl);
  });
  afterAll(async () => {
    raw?.socket.terminate();
    await stack?.close();
  });

  it('refuses introspection with FORBIDDEN over HTTP and WebSocket', async () => {
    for (const query of [
      '{ __schema { types { name } } }',
      '{ __type(name: "Query") { name } }',
    ]) {
      const http = await graphqlRequest(stack.url, query);
      expect(http.data).toBeUndefined();
      expect(http.errors?.[0]).toMatchObject({
        message: expect.stringContaining('GRAPHQL_INTROSPECTION=false'),
        extensions: { code: 'FORBIDDEN' },
      });
      const ws = await overWebSocket(raw, query, query);
      expect(ws[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    }
    const typename = await graphqlRequest(stack.url, '{ __typename }');
    expect(typename.data).toEqual({ __typename: 'Query' });
  });

  it('leaves suggestions out of error messages over HTTP and WebSocket', async () => {
    const query = '{ sourceImage { id } }';
    const http = await graphqlRequest(stack.url, query);
    expect(http.errors?.[0]?.message).toBe(
      'Cannot query field "sourceImage" on type "Query".',
    );
    const ws = await overWebSocket(raw, 'typo', query);
    expect(ws[0]?.message).toBe(http.errors?.[0]?.message);
    const variable = await graphqlRequest(stack.url, CATEGORY, {
      c: 'MANAGED_IMAGES',
    });
    expect(variable.errors?.[0]?.message).not.toContain('Did you mean');
  });
});
