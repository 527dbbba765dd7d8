import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RecordedRequest } from '../../src/simulator/index.js';
import { hostile } from '../utils/hostileStrings.js';
import {
  graphqlRequest,
  startTestStack,
  type TestStack,
} from '../utils/servers.js';

const COLLECTION = '/beta/deviceManagement/virtualEndpoint/deviceImages';
const RUNS = { numRuns: 80 };

describe('Security: hostile GraphQL arguments never shape an upstream URL', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ simulator: { maxImages: 100_000 } });
  });
  afterAll(() => stack?.close());

  /**
   * Sends one operation and returns the Graph requests it caused, or
   * `refused` when the gateway answered BAD_USER_INPUT naming `argument`
   * before any of them.
   */
  const observe = async (
    query: string,
    variables: Record<string, unknown>,
    argument: string,
  ): Promise<'refused' | RecordedRequest[]> => {
    const before = stack.simulator.requests.length;
    const response = await graphqlRequest(stack.url, query, variables);
    const made = stack.simulator.requests.slice(before);
    const refusal = response.errors?.find(
      (error) =>
        error.extensions?.['code'] === 'BAD_USER_INPUT' &&
        !error.extensions['graph'],
    );
    if (refusal) {
      expect(refusal.extensions?.['argumentName']).toBe(argument);
      expect(made, 'refused, yet a request went upstream').toEqual([]);
      return 'refused';
    }
    return made;
  };

  const pathOf = (request: RecordedRequest) =>
    new URL(request.url, stack.simulator.origin).pathname;

  it('deviceImage(id): refused, or exactly the item path', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, async (id) => {
        const made = await observe(
          'query ($id: ID!) { deviceImage(id: $id) { id } }',
          { id },
          'id',
        );
        if (made === 'refused') return;
        for (const request of made) {
          expect(pathOf(request)).toBe(`${COLLECTION}/${id}`);
        }
      }),
      RUNS,
    );
  });

  it('deleteDeviceImage and reuploadDeviceImage: refused, or exactly their paths', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, fc.boolean(), async (id, reupload) => {
        const made = await observe(
          reupload
            ? 'mutation ($id: ID!) { reuploadDeviceImage(id: $id) { id } }'
            : 'mutation ($id: ID!) { deleteDeviceImage(id: $id) }',
          { id },
          'id',
        );
        if (made === 'refused') return;
        for (const request of made) {
          expect([
            `${COLLECTION}/${id}`,
            `${COLLECTION}/${id}/retryUpload`,
          ]).toContain(pathOf(request));
        }
      }),
      RUNS,
    );
  });

  it('deviceImages(after): refused, or reads of the collection alone', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, async (after) => {
        const made = await observe(
          'query ($after: String) { deviceImages(after: $after) { nodes { id } } }',
          { after },
          'after',
        );
        if (made === 'refused') return;
        for (const request of made) {
          expect(request.method).toBe('GET');
          expect(pathOf(request)).toBe(COLLECTION);
        }
      }),
      RUNS,
    );
  });

  it('deviceImages(filter.displayName): refused, or a $filter that reads back the same value', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, async (displayName) => {
        const made = await observe(
          'query ($name: String) { deviceImages(filter: { displayName: $name }) { nodes { id } } }',
          { name: displayName },
          'filter.displayName',
        );
        if (made === 'refused') return;
        expect(made).toHaveLength(1);
        const query = new URL(made[0]!.url, stack.simulator.origin)
          .searchParams;
        const match = /^displayName eq '((?:[^']|'')*)'$/.exec(
          query.get('$filter') ?? '',
        );
        expect(match?.[1]?.replace(/''/g, "'")).toBe(displayName);
      }),
      RUNS,
    );
  });

  it('createDeviceImage(input): refused, or one POST to the collection', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('displayName', 'version', 'sourceImageResourceId'),
        hostile,
        async (field, value) => {
          const input: Record<string, string> = {
            displayName: 'Property test',
            version: '1.0.0',
            sourceImageResourceId:
              '/subscriptions/0ac520ee-14c0-480f-b6c9-0a90c585ffff/resourceGroups/Example/providers/Microsoft.Compute/images/exampleImage',
            [field]: value,
          };
          const made = await observe(
            'mutation ($input: CreateDeviceImageInput!) { createDeviceImage(input: $input) { id } }',
            { input },
            `input.${field}`,
          );
          if (made === 'refused') return;
          for (const request of made) {
            expect(pathOf(request)).toBe(COLLECTION);
            expect(request.url).not.toContain('?');
          }
        },
      ),
      RUNS,
    );
  });
});
