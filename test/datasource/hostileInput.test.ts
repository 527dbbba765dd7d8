import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RecordedRequest } from '../../src/simulator/index.js';
import { hostile } from '../utils/hostileStrings.js';
import {
  COLLECTION,
  SOURCE_ID,
  startGraphFixture,
  type GraphFixture,
} from './fixtures.js';

/** Whether `value` is well-formed UTF-16 (no lone surrogate). */
const wellFormed = (value: string) => {
  try {
    encodeURIComponent(value);
    return true;
  } catch {
    return false;
  }
};

const RUNS = { numRuns: 150 };
let fx: GraphFixture;

beforeAll(async () => {
  fx = await startGraphFixture({ maxImages: 100_000 });
});

afterAll(async () => {
  await fx?.close();
});

type Outcome = { refused: true } | { refused: false; made: RecordedRequest[] };

/**
 * Runs `call` and returns either that the datasource refused it with
 * BAD_USER_INPUT before any upstream request, or the requests it made
 * (whatever Graph then answered). Any other failure before a request is a
 * finding.
 */
async function observe(call: () => Promise<unknown>): Promise<Outcome> {
  const before = fx.sim.requests.length;
  let failure: unknown;
  try {
    await call();
  } catch (error) {
    failure = error;
  }
  const made = fx.sim.requests.slice(before);
  const extensions = (failure as { extensions?: Record<string, unknown> })
    ?.extensions;
  // A BAD_USER_INPUT with `graph` details is Graph's 400, not a refusal.
  if (extensions?.['code'] === 'BAD_USER_INPUT' && !extensions['graph']) {
    expect(made, 'refused, yet a request went upstream').toEqual([]);
    return { refused: true };
  }
  if (made.length === 0) {
    throw new Error(
      `neither refused with BAD_USER_INPUT nor sent: ${String(failure)}`,
    );
  }
  return { refused: false, made };
}

const pathOf = (request: RecordedRequest) =>
  new URL(request.url, fx.sim.origin).pathname;
const queryOf = (request: RecordedRequest) =>
  new URL(request.url, fx.sim.origin).searchParams;

describe('Datasource: hostile arguments never shape an upstream URL', () => {
  it('get(id): refused, or exactly the item path', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, async (id) => {
        const outcome = await observe(() => fx.dataSource().get(id));
        if (outcome.refused) return;
        for (const request of outcome.made) {
          expect(request.route).toBe('getDeviceImage');
          expect(pathOf(request)).toBe(`${COLLECTION}/${id}`);
          expect([...queryOf(request).keys()]).toEqual([]);
        }
      }),
      RUNS,
    );
  });

  it('delete(id) and retryUpload(id): refused, or exactly their paths', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, fc.boolean(), async (id, retry) => {
        const ds = fx.dataSource();
        const outcome = await observe(() =>
          retry ? ds.retryUpload(id) : ds.delete(id),
        );
        if (outcome.refused) return;
        for (const request of outcome.made) {
          expect(pathOf(request)).toBe(
            retry ? `${COLLECTION}/${id}/retryUpload` : `${COLLECTION}/${id}`,
          );
          expect(request.url).not.toContain('?');
        }
      }),
      RUNS,
    );
  });

  it('listPage({ filter: { displayName } }): refused, or a $filter that reads back the same value', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, async (displayName) => {
        const outcome = await observe(() =>
          fx.dataSource().listPage({ filter: { displayName } }),
        );
        if (outcome.refused) return;
        expect(outcome.made).toHaveLength(1);
        const [request] = outcome.made as [RecordedRequest];
        expect(request.route).toBe('listDeviceImages');
        expect(pathOf(request)).toBe(COLLECTION);
        const query = queryOf(request);
        expect([...query.keys()]).toEqual(['$filter']);
        const match = /^displayName eq '((?:[^']|'')*)'$/.exec(
          query.get('$filter') ?? '',
        );
        expect(match?.[1]?.replace(/''/g, "'")).toBe(displayName);
      }),
      RUNS,
    );
  });

  it('listPage({ filter: { status } }) and sourceImages(category): refused unless a member', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, async (value) => {
        const ds = fx.dataSource();
        expect(
          await observe(() =>
            ds.listPage({ filter: { status: value as never } }),
          ),
        ).toEqual({ refused: true });
        expect(await observe(() => ds.sourceImages(value as never))).toEqual({
          refused: true,
        });
      }),
      RUNS,
    );
  });

  it('listPage({ top }): refused, or one $top of a whole number', async () => {
    const numbers = fc.oneof(
      fc.integer(),
      fc.double(),
      fc.constantFrom(NaN, Infinity, -0, 1e21),
    );
    await fc.assert(
      fc.asyncProperty(numbers, async (top) => {
        const outcome = await observe(() => fx.dataSource().listPage({ top }));
        if (outcome.refused) return;
        const [request] = outcome.made as [RecordedRequest];
        expect(pathOf(request)).toBe(COLLECTION);
        expect([...queryOf(request).entries()]).toEqual([
          ['$top', String(top)],
        ]);
      }),
      RUNS,
    );
  });

  it('create(input): refused, or one POST to the collection', async () => {
    const input = fc.record({
      displayName: fc.oneof(hostile, fc.constant('Image')),
      version: fc.oneof(hostile, fc.constant('1.0.0')),
      sourceImageResourceId: fc.oneof(
        hostile,
        fc.constant(SOURCE_ID),
        hostile.map((s) => `${SOURCE_ID}${s}`),
      ),
    });
    await fc.assert(
      fc.asyncProperty(input, async (value) => {
        const outcome = await observe(() => fx.dataSource().create(value));
        if (outcome.refused) return;
        const posts = outcome.made.filter((r) => r.method === 'POST');
        expect(posts.length).toBeGreaterThan(0);
        for (const request of outcome.made) {
          expect(pathOf(request)).toBe(COLLECTION);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('listPage({ pageUrl }): a hostile skip token stays in the query of the collection', async () => {
    await fc.assert(
      fc.asyncProperty(hostile.filter(wellFormed), async (token) => {
        const pageUrl = `${fx.sim.baseUrl}/deviceManagement/virtualEndpoint/deviceImages?$skiptoken=${encodeURIComponent(token)}`;
        const outcome = await observe(() =>
          fx.dataSource().listPage({ pageUrl }),
        );
        if (outcome.refused) return;
        const [request] = outcome.made as [RecordedRequest];
        expect(pathOf(request)).toBe(COLLECTION);
        expect(queryOf(request).get('$skiptoken')).toBe(token);
      }),
      { numRuns: 60 },
    );
  });

  it('listPage({ pageUrl }): a link to another origin is refused', async () => {
    const elsewhere = fc.constantFrom(
      'http://evil.example/beta/deviceManagement/virtualEndpoint/deviceImages',
      `${fx.sim.origin.replace('127.0.0.1', 'localhost')}/beta/x`,
      `${fx.sim.origin.replace('http://', 'http://user:pw@')}/beta/x`,
      '//evil.example/beta/x',
      '/beta/deviceManagement/virtualEndpoint/deviceImages',
      `${fx.sim.origin}/v1.0/deviceManagement/virtualEndpoint/deviceImages`,
      `${fx.sim.origin}/betax/y`,
      'javascript:alert(1)',
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(elsewhere, hostile), async (pageUrl) => {
        expect(
          await observe(() => fx.dataSource().listPage({ pageUrl })),
        ).toEqual({ refused: true });
      }),
      RUNS,
    );
  });

  it('refuses a pageUrl to any path but the collection', async () => {
    for (const suffix of [
      '/users',
      '/deviceManagement/virtualEndpoint/deviceImages/../../../users',
      '/deviceManagement/virtualEndpoint/deviceImages/getSourceImages',
      '/deviceManagement/virtualEndpoint/deviceImages/x',
    ]) {
      expect(
        await observe(() =>
          fx.dataSource().listPage({ pageUrl: `${fx.sim.baseUrl}${suffix}` }),
        ),
      ).toEqual({ refused: true });
    }
  });

  it('refuses get("getSourceImages"), the function bound to the collection', async () => {
    expect(await observe(() => fx.dataSource().get('getSourceImages'))).toEqual(
      { refused: true },
    );
  });

  it('refuses a lone surrogate in filter.displayName', async () => {
    expect(
      await observe(() =>
        fx.dataSource().listPage({ filter: { displayName: 'a\ud800' } }),
      ),
    ).toEqual({ refused: true });
  });
});
