/**
 * Two tenants behind one pass-through gateway, used at the same time:
 * lists, DataLoader-batched reads by id, mutations and subscriptions of one
 * caller never see the other's images.
 */
import type { FormattedExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { SOURCE_IMAGES } from '../../src/simulator/index.js';
import {
  graphqlRequest,
  startTestStack,
  type TestStack,
} from '../utils/servers.js';
import {
  readStream,
  sleep,
  waitFor,
  type StreamReader,
} from '../subscriptions/streamReader.js';

const TOKENS = { a: 'token-a', b: 'token-b' } as const;
type Caller = keyof typeof TOKENS;
const bearer = (caller: Caller) => ({
  authorization: `Bearer ${TOKENS[caller]}`,
});

const CREATE = /* GraphQL */ `
  mutation ($input: CreateDeviceImageInput!) {
    createDeviceImage(input: $input) {
      id
    }
  }
`;
const LIST = '{ deviceImages(first: 100) { nodes { id displayName } } }';

type Result = FormattedExecutionResult<
  { deviceImageEvents: { kind: string; id: string } },
  unknown
>;

describe('Server: tenant isolation under concurrency', () => {
  let stack: TestStack;
  const created: Record<Caller, string[]> = { a: [], b: [] };
  const clients: Client[] = [];

  const create = async (caller: Caller, name: string) => {
    const response = await graphqlRequest<{
      createDeviceImage: { id: string };
    }>(
      stack.url,
      CREATE,
      {
        input: {
          displayName: name,
          version: '1.0.0',
          sourceImageResourceId: SOURCE_IMAGES[0]?.resourceId,
        },
      },
      bearer(caller),
    );
    expect(response.errors).toBeUndefined();
    return response.data!.createDeviceImage.id;
  };

  const events = (caller: Caller): StreamReader<Result> => {
    const client = createClient({
      url: stack.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: bearer(caller),
    });
    clients.push(client);
    return readStream(
      client.iterate({
        query: 'subscription { deviceImageEvents { kind id } }',
      }) as AsyncIterator<Result>,
    );
  };

  beforeAll(async () => {
    stack = await startTestStack({
      simulator: { tokens: { [TOKENS.a]: 'tenant-a', [TOKENS.b]: 'tenant-b' } },
      gateway: { auth: { mode: 'passthrough' } },
    });
    await Promise.all(
      [0, 1, 2].flatMap((i) =>
        (['a', 'b'] as const).map(async (caller) => {
          created[caller].push(await create(caller, `${caller}-${i}`));
        }),
      ),
    );
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await stack?.close();
  });

  it('answers concurrent lists and batched reads by id with the caller’s images only', async () => {
    const everyId = [...created.a, ...created.b];
    const byId = `{ ${everyId
      .map((id, i) => `r${i}: deviceImage(id: "${id}") { id displayName }`)
      .join(' ')} }`;
    const rounds = Array.from({ length: 12 }, (_, i) =>
      i % 2 === 0 ? ('a' as const) : ('b' as const),
    );
    // A token Graph refuses is sent meanwhile: it gets nobody's images.
    const [answers, refused] = await Promise.all([
      Promise.all(
        rounds.flatMap((caller) => [
          graphqlRequest<{
            deviceImages: { nodes: { id: string; displayName: string }[] };
          }>(stack.url, LIST, {}, bearer(caller)).then((r) => ({
            caller,
            kind: 'list' as const,
            r,
          })),
          graphqlRequest<Record<string, { id: string } | null>>(
            stack.url,
            byId,
            {},
            bearer(caller),
          ).then((r) => ({ caller, kind: 'byId' as const, r })),
        ]),
      ),
      graphqlRequest(stack.url, byId, {}, { authorization: 'Bearer token-c' }),
    ]);
    for (const { caller, kind, r } of answers) {
      const other: Caller = caller === 'a' ? 'b' : 'a';
      expect(r.errors).toBeUndefined();
      if (kind === 'list') {
        const listed = (
          r.data as { deviceImages: { nodes: { id: string }[] } }
        ).deviceImages.nodes.map((node) => node.id);
        expect(listed).toEqual(expect.arrayContaining(created[caller]));
        expect(listed.filter((id) => created[other].includes(id))).toEqual([]);
      } else {
        const found = Object.values(
          r.data as Record<string, { id: string } | null>,
        );
        expect(found.map((image) => image?.id ?? null)).toEqual(
          everyId.map((id) => (created[caller].includes(id) ? id : null)),
        );
      }
    }
    expect(refused.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect(JSON.stringify(refused.data ?? null)).not.toMatch(/"id"/);
    // Every by-id read travelled in a $batch, under the caller's own token.
    const items = stack.simulator.requests.filter(
      (request) => request.route === 'getDeviceImage' && request.batchItem,
    );
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((item) => item.tenant !== undefined)).toBe(true);
  });

  it('refuses a mutation on another tenant’s image as NOT_FOUND', async () => {
    const target = created.a[0] as string;
    const response = await graphqlRequest(
      stack.url,
      `mutation { deleteDeviceImage(id: "${target}") }`,
      {},
      bearer('b'),
    );
    expect(response.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    expect(stack.simulator.images('tenant-a').map((i) => i.id)).toContain(
      target,
    );
  });

  it('streams each caller only the events of their own tenant', async () => {
    const a = events('a');
    const b = events('b');
    await waitFor(
      () =>
        ['tenant-a', 'tenant-b'].every((tenant) =>
          stack.simulator.requests.some(
            (request) =>
              request.route === 'listDeviceImages' && request.tenant === tenant,
          ),
        ),
      'a poll per tenant',
    );
    await sleep(100);
    const [idA, idB] = await Promise.all([
      create('a', 'a-live'),
      create('b', 'b-live'),
    ]);
    const seen: Record<Caller, string[]> = { a: [], b: [] };
    for (const [caller, reader] of [
      ['a', a],
      ['b', b],
    ] as const) {
      const item = await reader.next();
      expect(item.type).toBe('value');
      seen[caller].push(
        (item as { value: Result }).value.data!.deviceImageEvents.id,
      );
    }
    // Uploads finish (150 ms) and are announced; nothing crosses over.
    await sleep(400);
    for (const [caller, reader] of [
      ['a', a],
      ['b', b],
    ] as const) {
      while (reader.hasUnread()) {
        const item = await reader.next();
        seen[caller].push(
          (item as { value: Result }).value.data!.deviceImageEvents.id,
        );
      }
    }
    expect(seen.a).toContain(idA);
    expect(seen.b).toContain(idB);
    expect(seen.a).not.toContain(idB);
    expect(seen.b).not.toContain(idA);
    expect(seen.a.every((id) => !created.b.includes(id))).toBe(true);
    expect(seen.b.every((id) => !created.a.includes(id))).toBe(true);
  });

  it('ends a subscription whose token Graph refuses with UNAUTHENTICATED, and stops polling for it', async () => {
    const client = createClient({
      url: stack.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: 'Bearer token-c' },
    });
    clients.push(client);
    const refused = readStream(
      client.iterate({ query: 'subscription { deviceImageEvents { id } }' }),
    );
    const item = await refused.next();
    expect(item.type).toBe('error');
    expect((item as { error: unknown }).error).toMatchObject([
      { extensions: { code: 'UNAUTHENTICATED' } },
    ]);
    const refusedPolls = () =>
      stack.simulator.requests.filter((request) => request.tenant === undefined)
        .length;
    const before = refusedPolls();
    await sleep(300);
    expect(refusedPolls()).toBe(before);
  });
});
