import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  SEED_IMAGE_IDS,
  startSimulator,
  type Simulator,
} from '../../src/simulator/index.js';
import { call, IMAGES } from './simulatorTestKit.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ uploadMs: 100, maxImages: 1_000 });
});
afterAll(() => sim.close());

const segment = fc.oneof(
  fc.constantFrom(
    SEED_IMAGE_IDS.ready,
    SEED_IMAGE_IDS.failedRetryable,
    'getSourceImages()',
    'retryUpload',
    'reupload',
    '$batch',
    '%E0%A4%A',
    '..',
    '',
  ),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
);
const query = fc.oneof(
  fc.constantFrom(
    '',
    '?$select=id,status',
    "?$filter=status eq 'ready'",
    '?$top=1',
    '?$skiptoken=c2ltMS4z',
    '?$count=true',
  ),
  fc
    .tuple(
      fc.constantFrom('$select', '$filter', '$top', '$skiptoken', '$x', 'a'),
      fc.string({ maxLength: 20 }),
    )
    .map(([k, v]) => `?${k}=${encodeURIComponent(v)}`),
);
const body = fc.oneof(
  fc.constant(undefined),
  fc.string({ maxLength: 40 }),
  fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
  fc
    .record({
      displayName: fc.string({ maxLength: 8 }),
      version: fc.constantFrom('1.0.0', '1.0', 'x'),
      sourceImageResourceId: fc.string({ maxLength: 8 }),
    })
    .map((v) => JSON.stringify(v)),
  fc
    .array(
      fc.record({
        id: fc.string({ maxLength: 3 }),
        method: fc.constantFrom('GET', 'POST', 'DELETE', 'PATCH'),
        url: fc.string({ maxLength: 20 }),
        dependsOn: fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }),
      }),
      { maxLength: 4 },
    )
    .map((requests) => JSON.stringify({ requests })),
);

describe('Simulator contract: robustness', () => {
  it('SIM-26 MUST answer arbitrary requests in Graph error shape, never 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'DELETE', 'PATCH', 'PUT'),
        fc.array(segment, { maxLength: 3 }),
        query,
        body,
        async (method, segments, search, payload) => {
          const path =
            (segments[0] === '$batch' ? '/beta' : IMAGES) +
            segments.map((s) => `/${s}`).join('') +
            search;
          const res = await call(sim, method, path, {
            ...(payload === undefined ? {} : { body: payload }),
          });
          expect(res.status, `${method} ${path}`).toBeLessThan(500);
          if (res.status >= 400) {
            expect(typeof res.body.error.code).toBe('string');
            expect(typeof res.body.error.message).toBe('string');
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
