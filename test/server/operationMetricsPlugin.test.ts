import { PassThrough } from 'node:stream';

import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  NotFoundError,
  UpstreamUnavailableError,
} from '../../src/errors/index.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { createMetrics } from '../../src/server/metrics.js';
import {
  createOperationLogger,
  createOperationMetricsPlugin,
  requestIdFrom,
  type LoggingContext,
} from '../../src/server/operationMetricsPlugin.js';

interface Line {
  level: number;
  msg: string;
  requestId?: string;
  operationName?: string;
  outcome?: string;
  durationMs?: number;
  errorCodes?: string[];
  graphRequestIds?: string[];
}

const typeDefs = `
  type Query {
    ok: String
    missing: String
    down: String!
    whoLogs: String
  }
`;

describe('Operation metrics plugin', () => {
  const metrics = createMetrics({ defaultMetrics: false });
  const stream = new PassThrough();
  const lines: Line[] = [];
  const raw: string[] = [];
  stream.on('data', (chunk: Buffer) => {
    for (const text of chunk.toString().split('\n').filter(Boolean)) {
      raw.push(text);
      lines.push(JSON.parse(text) as Line);
    }
  });
  const logger = createLogger({ level: 'debug', destination: stream });
  let apollo: ApolloServer<LoggingContext>;
  let url: string;

  const post = async (
    body: Record<string, unknown>,
    headers: Record<string, string> = {},
  ) => {
    const before = lines.length;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as { data?: unknown; errors?: unknown[] };
    return { res, json, logged: lines.slice(before) };
  };

  beforeAll(async () => {
    apollo = new ApolloServer<LoggingContext>({
      typeDefs,
      resolvers: {
        Query: {
          ok: () => 'ok',
          missing: () => {
            throw new NotFoundError('No image has id "x".');
          },
          down: () => {
            throw new UpstreamUnavailableError('Graph answered 503.', {
              graph: { status: 503, requestId: 'graph-req-1' },
            });
          },
          whoLogs: (_: unknown, __: unknown, context: LoggingContext) => {
            context.logger.info('resolver line');
            return 'logged';
          },
        },
      },
      plugins: [createOperationMetricsPlugin({ metrics })],
    });
    const started = await startStandaloneServer(apollo, {
      listen: { port: 0, host: '127.0.0.1' },
      context: async ({ req }) => ({
        logger:
          req.headers['x-bound'] === 'yes'
            ? logger.child({ requestId: 'bound-by-context' })
            : req.headers['x-bound'] === 'helper'
              ? createOperationLogger(logger, { requestId: 'bound-by-helper' })
              : req.headers['x-bound'] === 'named'
                ? createOperationLogger(logger, {
                    requestId: 'named-by-context',
                    operationName: 'Named',
                  })
                : (logger as Logger),
      }),
    });
    url = started.url;
  });

  afterAll(async () => {
    await apollo.stop();
  });

  it('echoes a caller request id and binds it and the name to the logger', async () => {
    const { res, logged } = await post(
      { query: 'query Probe { whoLogs }', operationName: 'Probe' },
      { 'x-request-id': 'req-abc.123' },
    );
    expect(res.headers.get('x-request-id')).toBe('req-abc.123');
    expect(logged.map((l) => [l.msg, l.requestId, l.operationName])).toEqual([
      ['resolver line', 'req-abc.123', 'Probe'],
      ['operation finished', 'req-abc.123', 'Probe'],
    ]);
    expect(logged[1]).toMatchObject({ level: 20, outcome: 'success' });
    expect(typeof logged[1]?.durationMs).toBe('number');
  });

  it('replaces a missing or unsafe request id with a UUID', async () => {
    const { res } = await post(
      { query: '{ ok }' },
      { 'x-request-id': 'bad id\twith spaces' },
    );
    expect(res.headers.get('x-request-id')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
  });

  it('takes the first of repeated request id headers', () => {
    expect(requestIdFrom(['first-id', 'second-id'])).toBe('first-id');
    expect(requestIdFrom('x'.repeat(129))).not.toBe('x'.repeat(129));
  });

  it('keeps a request id the context already bound', async () => {
    const { res, logged } = await post(
      { query: '{ ok }' },
      { 'x-bound': 'yes' },
    );
    expect(res.headers.get('x-request-id')).toBe('bound-by-context');
    expect(logged.at(-1)?.requestId).toBe('bound-by-context');
    const helped = await post({ query: '{ ok }' }, { 'x-bound': 'helper' });
    expect(helped.res.headers.get('x-request-id')).toBe('bound-by-helper');
    expect(helped.logged.at(-1)?.requestId).toBe('bound-by-helper');
    expect(helped.logged.at(-1)).not.toHaveProperty('operationName');
  });

  it('binds the operation name once when the context already did', async () => {
    const before = raw.length;
    await post(
      { query: 'query Named { whoLogs }', operationName: 'Named' },
      { 'x-bound': 'named' },
    );
    const written = raw.slice(before);
    expect(written).toHaveLength(2);
    for (const text of written) {
      expect(text.match(/"operationName"/g)).toHaveLength(1);
      expect(text.match(/"requestId":"named-by-context"/g)).toHaveLength(1);
    }
  });

  it('counts outcomes by operation name', async () => {
    await post({ query: 'query Counted { ok }' });
    await post({ query: 'query Counted { ok missing }' });
    await post({ query: 'query Counted { down }' });
    const text = await metrics.registry.metrics();
    for (const outcome of ['success', 'partial', 'error']) {
      expect(text).toContain(
        `cloudpc_graphql_operations_total{operation="Counted",outcome="${outcome}"} 1`,
      );
    }
  });

  it('logs upstream failures at warn with Graph request ids', async () => {
    const { logged } = await post({ query: 'query Down { down }' });
    expect(logged.at(-1)).toMatchObject({
      level: 40,
      msg: 'operation finished',
      operationName: 'Down',
      outcome: 'error',
      errorCodes: ['UPSTREAM_UNAVAILABLE'],
      graphRequestIds: ['graph-req-1'],
    });
  });

  it('logs caller mistakes at info', async () => {
    const { logged } = await post({ query: 'query Miss { missing }' });
    expect(logged.at(-1)).toMatchObject({
      level: 30,
      outcome: 'partial',
      errorCodes: ['NOT_FOUND'],
    });
  });

  it('records a document that does not parse under its requested name', async () => {
    const { logged } = await post({
      query: 'query Broken {',
      operationName: 'Broken',
    });
    expect(logged.at(-1)).toMatchObject({
      operationName: 'Broken',
      outcome: 'error',
      errorCodes: ['GRAPHQL_PARSE_FAILED'],
    });
    expect(await metrics.registry.metrics()).toContain(
      'cloudpc_graphql_operations_total{operation="Broken",outcome="error"} 1',
    );
  });
});
