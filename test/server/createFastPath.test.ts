import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SEED_IMAGE_IDS } from '../../src/simulator/index.js';
import { startTestStack, type TestStack } from '../utils/servers.js';

const ONE = /* GraphQL */ `
  query One($id: ID!) {
    deviceImage(id: $id) {
      id
      displayName
      status
      lastModifiedDateTime
    }
  }
`;

const LIST = '{ deviceImages(first: 3) { totalCount nodes { id status } } }';

interface Answer {
  status: number;
  headers: Record<string, unknown>;
  body: string;
}

async function post(
  url: string,
  payload: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(payload),
  });
  const { date: _date, ...rest } = response.headers;
  return {
    status: response.statusCode,
    headers: rest,
    body: await response.body.text(),
  };
}

describe('Server: fast path', () => {
  let stack: TestStack;

  const fastAnswers = async () => {
    const metric = await stack.gateway.metrics?.registry.getSingleMetric(
      'cloudpc_graphql_fast_path_answers_total',
    );
    const { values } = (await metric?.get()) ?? { values: [] };
    return values[0]?.value ?? 0;
  };

  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack?.close());

  it.each([
    ['no Accept', {}],
    ['Accept */*', { accept: '*/*' }],
    ['Accept application/json', { accept: 'application/json' }],
    [
      "Apollo Client's Accept",
      { accept: 'application/graphql-response+json,application/json;q=0.9' },
    ],
  ])(
    'answers a query Apollo answered before, byte for byte as Apollo, with %s',
    async (_title, headers) => {
      const payload = {
        query: ONE,
        variables: { id: SEED_IMAGE_IDS.ready },
        operationName: 'One',
      };
      const before = await fastAnswers();
      const first = await post(stack.url, payload, headers);
      const second = await post(stack.url, payload, headers);
      expect(await fastAnswers()).toBe(before + 1);
      expect(first.status).toBe(200);
      expect(second.body).toBe(first.body);
      expect(second.status).toBe(first.status);
      expect({ ...second.headers, 'x-request-id': 'id' }).toEqual({
        ...first.headers,
        'x-request-id': 'id',
      });
      expect(second.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    },
  );

  it('echoes the caller’s request id and runs new variables', async () => {
    await post(stack.url, {
      query: ONE,
      variables: { id: SEED_IMAGE_IDS.ready },
    });
    const before = await fastAnswers();
    const answer = await post(
      stack.url,
      { query: ONE, variables: { id: SEED_IMAGE_IDS.failedNotGeneralized } },
      { 'x-request-id': 'trace-42' },
    );
    expect(await fastAnswers()).toBe(before + 1);
    expect(answer.headers['x-request-id']).toBe('trace-42');
    expect(JSON.parse(answer.body)).toMatchObject({
      data: {
        deviceImage: {
          id: SEED_IMAGE_IDS.failedNotGeneralized,
          status: 'FAILED',
        },
      },
    });
  });

  it('hands an answer with errors to Apollo without calling Graph again', async () => {
    await post(stack.url, { query: LIST });
    stack.simulator.injectFault({
      route: 'listDeviceImages',
      status: 403,
      count: 1,
    });
    stack.simulator.resetRequests();
    const before = await fastAnswers();
    const answer = await post(stack.url, { query: LIST });
    expect(await fastAnswers()).toBe(before);
    expect(stack.simulator.requestCount()).toBe(1);
    expect(JSON.parse(answer.body)).toMatchObject({
      data: null,
      errors: [{ extensions: { code: 'FORBIDDEN' } }],
    });
  });

  it('hands a variable Apollo would refuse to Apollo, with its 400', async () => {
    await post(stack.url, {
      query: ONE,
      variables: { id: SEED_IMAGE_IDS.ready },
    });
    const before = await fastAnswers();
    const answer = await post(stack.url, { query: ONE, variables: {} });
    expect(await fastAnswers()).toBe(before);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({
      errors: [{ extensions: { code: 'BAD_USER_INPUT' } }],
    });
  });

  it('leaves mutations, extensions and unknown Accept values to Apollo', async () => {
    const mutation = `mutation { deleteDeviceImage(id: "${SEED_IMAGE_IDS.failedNotGeneralized}00") }`;
    const payloads: [Record<string, unknown>, Record<string, string>][] = [
      [{ query: mutation }, {}],
      [{ query: mutation }, {}],
      [{ query: LIST, extensions: {} }, {}],
      [{ query: LIST }, { accept: 'application/json, text/plain, */*' }],
    ];
    const before = await fastAnswers();
    for (const [payload, headers] of payloads) {
      await post(stack.url, payload, headers);
    }
    // The unknown Accept value is learnt by its first answer only.
    await post(stack.url, { query: LIST, extensions: {} });
    expect(await fastAnswers()).toBe(before);
  });

  it('counts each fast answer as an operation, with its name', async () => {
    const payload = { query: ONE, variables: { id: SEED_IMAGE_IDS.ready } };
    await post(stack.url, payload);
    const text = async () =>
      (await stack.gateway.metrics?.registry.metrics()) ?? '';
    const count = (metrics: string) =>
      Number(
        /cloudpc_graphql_operations_total\{operation="One",outcome="success"\} (\d+)/.exec(
          metrics,
        )?.[1] ?? 0,
      );
    const before = count(await text());
    await post(stack.url, payload);
    expect(count(await text())).toBe(before + 1);
  });
});
