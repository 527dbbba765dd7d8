import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEFAULT_LIMITS } from '../../src/server/limits/index.js';
import { SEED_IMAGE_IDS } from '../../src/simulator/index.js';
import { capturingLogger } from '../utils/capturingLogger.js';
import {
  graphqlRequest,
  startTestStack,
  type TestStack,
} from '../utils/servers.js';

describe('Server: HTTP routes', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ gateway: { graphiql: true } });
  });
  afterAll(() => stack.close());

  it('answers a query sent with GET', async () => {
    const url = `${stack.url}?query=${encodeURIComponent(
      '{ deviceImages { nodes { id } } }',
    )}`;
    // CSRF prevention asks GETs for a header no browser form can send.
    const response = await request(url, {
      headers: { accept: 'application/json', 'apollo-require-preflight': '1' },
    });
    expect(response.statusCode).toBe(200);
    const body = (await response.body.json()) as {
      data: { deviceImages: { nodes: unknown[] } };
    };
    expect(body.data.deviceImages.nodes.length).toBeGreaterThan(0);
  });

  it('refuses a mutation sent with GET', async () => {
    const url = `${stack.url}?query=${encodeURIComponent(
      `mutation { deleteDeviceImage(id: "${SEED_IMAGE_IDS.ready}") }`,
    )}`;
    stack.simulator.resetRequests();
    const response = await request(url, {
      headers: { accept: 'application/json', 'apollo-require-preflight': '1' },
    });
    expect(response.statusCode).toBe(405);
    await response.body.dump();
    expect(stack.simulator.requestCount()).toBe(0);
  });

  it('serves GraphiQL to a browser asking for HTML', async () => {
    const response = await request(stack.url, {
      headers: { accept: 'text/html,application/xhtml+xml' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(await response.body.text()).toContain('<html');
  });

  it('keeps CSRF prevention on for simple requests', async () => {
    const response = await request(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{"query":"{ __typename }"}',
    });
    expect(response.statusCode).toBe(400);
    expect(await response.body.text()).toMatch(/CSRF/);
  });

  it('refuses a body over 1 MiB with 413', async () => {
    const response = await request(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ __typename }${' '.repeat(1 << 20)}` }),
    });
    expect(response.statusCode).toBe(413);
    const body = (await response.body.json()) as {
      errors: { message: string }[];
    };
    expect(body.errors[0]!.message).toMatch(
      /^Request body too large: expected at most 1048576 bytes, but got \d+ bytes\.$/,
    );
  });

  it('answers malformed JSON with 400', async () => {
    const response = await request(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": ',
    });
    expect(response.statusCode).toBe(400);
    const body = (await response.body.json()) as {
      errors: { message: string; extensions: { code: string } }[];
    };
    expect(body.errors[0]!.extensions.code).toBe('BAD_REQUEST');
    expect(body.errors[0]!.message).toMatch(/^Request body is not valid JSON/);
  });

  it('answers other paths with 404 JSON', async () => {
    const response = await request(stack.url.replace('/graphql', '/nope'));
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const body = (await response.body.json()) as {
      errors: { extensions: { code: string } }[];
    };
    expect(body.errors[0]!.extensions.code).toBe('NOT_FOUND');
  });

  it('answers the other fields when one nullable field fails', async () => {
    stack.simulator.injectFault({
      route: 'getDeviceImage',
      status: 503,
      count: 3,
    });
    const response = await graphqlRequest<{
      deviceImage: null;
      sourceImages: unknown[];
    }>(
      stack.url,
      `{ deviceImage(id: "${SEED_IMAGE_IDS.ready}") { id }
         sourceImages { resourceId } }`,
    );
    expect(response.errors).toMatchObject([
      {
        path: ['deviceImage'],
        extensions: { code: 'UPSTREAM_UNAVAILABLE' },
      },
    ]);
    expect(response.data?.deviceImage).toBeNull();
    expect(response.data?.sourceImages.length).toBeGreaterThan(0);
  });

  it('passes gateway errors through with extensions.graph', async () => {
    stack.simulator.injectFault({
      route: 'deleteDeviceImage',
      status: 403,
    });
    const response = await graphqlRequest(
      stack.url,
      `mutation { deleteDeviceImage(id: "${SEED_IMAGE_IDS.ready}") }`,
    );
    expect(response.errors?.[0]?.extensions).toMatchObject({
      code: 'FORBIDDEN',
      graph: { status: 403 },
    });
  });
});

describe('Server: GraphiQL switch', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ gateway: { graphiql: false } });
  });
  afterAll(() => stack.close());

  it('serves no page when GRAPHIQL is off', async () => {
    const response = await request(stack.url, {
      headers: { accept: 'text/html' },
    });
    expect(response.headers['content-type']).not.toMatch(/^text\/html/);
    await response.body.dump();
  });

  it('warns at start when /metrics is open on a host beyond loopback', async () => {
    const { logger, lines } = capturingLogger('warn');
    const open = await startTestStack({
      logger,
      gateway: { host: '0.0.0.0', metricsEnabled: true },
    });
    await open.close();
    expect(lines.map((line) => [line.level, line.msg])).toContainEqual([
      40,
      expect.stringContaining('set METRICS_TOKEN'),
    ]);
    const quiet = capturingLogger('warn');
    const local = await startTestStack({
      logger: quiet.logger,
      gateway: { metricsEnabled: true },
    });
    await local.close();
    expect(quiet.lines.map((line) => line.msg).join()).not.toContain(
      'METRICS_TOKEN',
    );
  });

  it('warns at start when GraphiQL is on and introspection off', async () => {
    const { logger, lines } = capturingLogger('warn');
    const on = await startTestStack({
      logger,
      gateway: {
        graphiql: true,
        limits: { ...DEFAULT_LIMITS, introspection: false },
      },
    });
    await on.close();
    expect(lines.map((line) => [line.level, line.msg])).toContainEqual([
      40,
      expect.stringContaining('set GRAPHQL_INTROSPECTION=true'),
    ]);
  });
});

describe('Server: error masking', () => {
  const query = `query Broken { deviceImage(id: "${SEED_IMAGE_IDS.ready}") {
    id lastModifiedDateTime } }`;

  it('masks an unexpected error and logs it in full first', async () => {
    const { logger, lines } = capturingLogger('error');
    const stack = await startTestStack({ logger });
    try {
      stack.simulator.updateImage(SEED_IMAGE_IDS.ready, {
        lastModifiedDateTime: 'yesterday-ish',
      });
      const response = await graphqlRequest(stack.url, query);
      expect(response.errors).toEqual([
        {
          message: 'Internal server error',
          locations: expect.any(Array),
          path: ['deviceImage', 'lastModifiedDateTime'],
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        },
      ]);
      expect(JSON.stringify(response)).not.toContain('yesterday-ish');
      const logged = lines.find((line) => line['level'] === 50);
      expect(JSON.stringify(logged)).toContain('yesterday-ish');
      expect(logged).toMatchObject({
        operationName: 'Broken',
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        path: ['deviceImage', 'lastModifiedDateTime'],
      });
    } finally {
      await stack.close();
    }
  });

  it('shows the original message and stack in development', async () => {
    const stack = await startTestStack({ gateway: { nodeEnv: 'development' } });
    try {
      stack.simulator.updateImage(SEED_IMAGE_IDS.ready, {
        lastModifiedDateTime: 'yesterday-ish',
      });
      const response = await graphqlRequest(stack.url, query);
      const extensions = response.errors?.[0]?.extensions;
      expect(extensions?.['code']).toBe('INTERNAL_SERVER_ERROR');
      expect(extensions?.['originalMessage']).toContain('yesterday-ish');
      expect(extensions?.['stacktrace']).toEqual(expect.any(Array));
    } finally {
      await stack.close();
    }
  });
});
