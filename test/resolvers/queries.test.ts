import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEFAULT_LIMITS } from '../../src/server/limits/index.js';
import { SEED_IMAGE_IDS } from '../../src/simulator/index.js';
import {
  graphqlRequest,
  startTestStack,
  type TestStack,
} from '../utils/servers.js';

interface Connection {
  totalCount?: number;
  edges: { cursor: string; node: { id: string } }[];
  nodes?: { id: string }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

describe('Resolvers: deviceImages', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ simulator: { pageSize: 3 } });
  });
  afterAll(() => stack.close());

  const page = async (variables: Record<string, unknown>) => {
    const response = await graphqlRequest<{ deviceImages: Connection }>(
      stack.url,
      `query Page($first: Int, $after: String) {
        deviceImages(first: $first, after: $after) {
          edges { cursor node { id displayName } }
          pageInfo { hasNextPage endCursor }
        }
      }`,
      variables,
    );
    expect(response.errors).toBeUndefined();
    return response.data!.deviceImages;
  };

  it('walks every image across Graph pages without loss or repetition', async () => {
    const expected = stack.simulator.images().map((image) => image.id);
    expect(expected.length).toBeGreaterThan(6);
    const seen: string[] = [];
    let after: string | null = null;
    for (let round = 0; round < 20; round++) {
      const connection: Connection = await page({ first: 2, after });
      seen.push(...connection.edges.map((edge) => edge.node.id));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
  });

  it('walks every image with page sizes that straddle Graph pages', async () => {
    const expected = stack.simulator.images().map((image) => image.id);
    for (const first of [1, 4, 5, 100]) {
      const seen: string[] = [];
      let after: string | null = null;
      for (let round = 0; round < 20; round++) {
        const connection: Connection = await page({ first, after });
        seen.push(...connection.edges.map((edge) => edge.node.id));
        if (!connection.pageInfo.hasNextPage) break;
        after = connection.pageInfo.endCursor;
      }
      expect(seen, `first: ${first}`).toEqual(expected);
    }
  });

  it('resumes on the next Graph page with the fields the new query selects', async () => {
    const first = await graphqlRequest<{ deviceImages: Connection }>(
      stack.url,
      '{ deviceImages(first: 3) { pageInfo { endCursor } } }',
    );
    const after = first.data!.deviceImages.pageInfo.endCursor;
    stack.simulator.resetRequests();
    const next = await graphqlRequest<{
      deviceImages: { nodes: { displayName: string | null }[] };
    }>(
      stack.url,
      'query ($after: String) { deviceImages(first: 1, after: $after) { nodes { displayName } } }',
      { after },
    );
    expect(next.data!.deviceImages.nodes[0]!.displayName).toEqual(
      stack.simulator.images()[3]!.displayName,
    );
    // The cursor carried Graph's next link: no re-read of the first page.
    expect(stack.simulator.requestCount('listDeviceImages')).toBe(1);
    expect(decodeURIComponent(stack.simulator.requests[0]!.url)).toContain(
      '$select=id,displayName',
    );
  });

  it('reads a page of 20 by default', async () => {
    const connection = await page({});
    expect(connection.edges).toHaveLength(stack.simulator.images().length);
    expect(connection.pageInfo.hasNextPage).toBe(false);
  });

  it('answers nodes and totalCount', async () => {
    const response = await graphqlRequest<{ deviceImages: Connection }>(
      stack.url,
      '{ deviceImages(first: 1) { totalCount nodes { id } } }',
    );
    expect(response.data!.deviceImages.totalCount).toBe(
      stack.simulator.images().length,
    );
    expect(response.data!.deviceImages.nodes).toEqual([
      { id: stack.simulator.images()[0]!.id },
    ]);
  });

  it('counts only when totalCount is selected, walking with $select=id', async () => {
    stack.simulator.resetRequests();
    await page({ first: 1 });
    expect(stack.simulator.requestCount('listDeviceImages')).toBe(1);

    stack.simulator.resetRequests();
    await graphqlRequest(
      stack.url,
      '{ deviceImages(first: 1) { totalCount } }',
    );
    const urls = stack.simulator.requests.map((request) => request.url);
    // One page for the connection, three Graph pages (7 images, 3 a page)
    // for the count, each asking for ids only.
    expect(urls).toHaveLength(4);
    for (const url of urls.slice(1)) {
      expect(decodeURIComponent(url)).toMatch(/\$select=id(&|$)/);
    }
  });

  it('sends $select with exactly the fields asked for', async () => {
    stack.simulator.resetRequests();
    await graphqlRequest(
      stack.url,
      '{ deviceImages { edges { node { id status } } } }',
    );
    const [request] = stack.simulator.requests;
    const query = new URL(request!.url, 'http://x').searchParams;
    expect(query.get('$select')).toBe('id,status');
  });

  it('follows fragments, inline fragments and aliases into $select', async () => {
    stack.simulator.resetRequests();
    await graphqlRequest(
      stack.url,
      `{ deviceImages(first: 1) {
          nodes { ...Names ... on CloudPcDeviceImage { v: version } }
          edges { node { statusDetails } }
        } }
        fragment Names on CloudPcDeviceImage { displayName }`,
    );
    const query = new URL(stack.simulator.requests[0]!.url, 'http://x')
      .searchParams;
    expect(query.get('$select')).toBe(
      'id,displayName,version,errorCode,statusDetails',
    );
  });

  it('pushes the filter down to $filter', async () => {
    stack.simulator.resetRequests();
    const response = await graphqlRequest<{ deviceImages: Connection }>(
      stack.url,
      `{ deviceImages(filter: { status: FAILED, displayName: "ImageForRetry" }) {
          nodes { id }
        } }`,
    );
    expect(response.data!.deviceImages.nodes).toEqual([
      { id: SEED_IMAGE_IDS.failedRetryable },
    ]);
    const filter = new URL(
      stack.simulator.requests[0]!.url,
      'http://x',
    ).searchParams.get('$filter');
    expect(filter).toBe(
      "status eq 'failed' and displayName eq 'ImageForRetry'",
    );
  });

  it('answers first: 0 with no edges and whether images follow', async () => {
    const connection = await page({ first: 0 });
    expect(connection.edges).toEqual([]);
    expect(connection.pageInfo).toEqual({
      hasNextPage: true,
      endCursor: null,
    });
  });

  it('reports UPSTREAM_UNAVAILABLE when Graph keeps failing the list', async () => {
    stack.simulator.injectFault({
      route: 'listDeviceImages',
      status: 503,
      count: 3,
    });
    const response = await graphqlRequest(
      stack.url,
      '{ deviceImages { nodes { id } } }',
    );
    expect(response.errors?.[0]).toMatchObject({
      path: ['deviceImages'],
      extensions: { code: 'UPSTREAM_UNAVAILABLE', graph: { status: 503 } },
    });
    // The connection is non-null, so its failure nulls the whole answer.
    expect(response.data).toBeNull();
  });

  it('refuses a first above the maximum, naming first, 100 and the value', async () => {
    const response = await graphqlRequest(
      stack.url,
      '{ deviceImages(first: 101) { nodes { id } } }',
    );
    expect(response.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argumentName: 'first',
    });
    expect(response.errors?.[0]?.message).toBe(
      'Invalid first: expected a whole number from 0 to 100 (the maximum ' +
        'page size), but got 101.',
    );
  });

  it('refuses a negative first', async () => {
    const response = await graphqlRequest(
      stack.url,
      '{ deviceImages(first: -1) { nodes { id } } }',
    );
    expect(response.errors?.[0]?.extensions?.['argumentName']).toBe('first');
    expect(response.errors?.[0]?.message).toContain('but got -1');
  });

  it('refuses a tampered cursor, naming after, before any upstream call', async () => {
    const { pageInfo } = await page({ first: 1 });
    const cursor = pageInfo.endCursor!;
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    const tampered = [
      'not a cursor!',
      `${cursor.slice(0, -3)}`,
      Buffer.from(JSON.stringify({ ...decoded, o: -4 })).toString('base64url'),
      Buffer.from(
        JSON.stringify({ ...decoded, p: 'file:///etc/passwd' }),
      ).toString('base64url'),
      Buffer.from('[1,2,3]').toString('base64url'),
    ];
    for (const after of tampered) {
      stack.simulator.resetRequests();
      const response = await graphqlRequest(
        stack.url,
        'query ($after: String) { deviceImages(after: $after) { nodes { id } } }',
        { after },
      );
      expect(response.errors?.[0]?.extensions, after).toMatchObject({
        code: 'BAD_USER_INPUT',
        argumentName: 'after',
      });
      expect(response.errors?.[0]?.message).toMatch(/^Invalid after: /);
      expect(stack.simulator.requestCount()).toBe(0);
    }
  });

  it('refuses a cursor that points off the Graph origin', async () => {
    const { pageInfo } = await page({ first: 1 });
    const decoded = JSON.parse(
      Buffer.from(pageInfo.endCursor!, 'base64url').toString(),
    );
    const after = Buffer.from(
      JSON.stringify({ ...decoded, p: 'https://evil.example/beta/x' }),
    ).toString('base64url');
    stack.simulator.resetRequests();
    const response = await graphqlRequest(
      stack.url,
      'query ($after: String) { deviceImages(after: $after) { nodes { id } } }',
      { after },
    );
    expect(response.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argumentName: 'after',
    });
    expect(stack.simulator.requestCount()).toBe(0);
  });

  it('refuses a cursor from a list read with another filter', async () => {
    const { pageInfo } = await page({ first: 1 });
    const response = await graphqlRequest(
      stack.url,
      `query ($after: String) {
        deviceImages(after: $after, filter: { status: READY }) { nodes { id } }
      }`,
      { after: pageInfo.endCursor },
    );
    expect(response.errors?.[0]?.message).toContain('different filter');
  });
  it('resumes after its image when images before it were deleted', async () => {
    const first = await page({ first: 2 });
    const lastSeen = first.edges[1]!.node.id;
    const deleted = await graphqlRequest(
      stack.url,
      'mutation ($id: ID!) { deleteDeviceImage(id: $id) }',
      { id: first.edges[0]!.node.id },
    );
    expect(deleted.errors).toBeUndefined();
    const images = stack.simulator.images().map((image) => image.id);
    const rest = await page({ first: 100, after: first.pageInfo.endCursor });
    expect(rest.edges.map((edge) => edge.node.id)).toEqual(
      images.slice(images.indexOf(lastSeen) + 1),
    );
  });
});

describe('Resolvers: deviceImage', () => {
  let stack: TestStack;
  beforeAll(async () => {
    // 45 aliased reads in one operation exceed the default hostile-input
    // limits, which have tests of their own.
    stack = await startTestStack({
      gateway: {
        limits: {
          ...DEFAULT_LIMITS,
          maxAliases: 64,
          maxRootFields: 64,
          maxCost: 64,
        },
      },
    });
  });
  afterAll(() => stack.close());

  it('counts from the list call itself when Graph answers in one page', async () => {
    stack.simulator.resetRequests();
    const response = await graphqlRequest<{ deviceImages: Connection }>(
      stack.url,
      '{ deviceImages(first: 2) { totalCount nodes { id } } }',
    );
    expect(response.data!.deviceImages.totalCount).toBe(
      stack.simulator.images().length,
    );
    expect(response.data!.deviceImages.nodes).toHaveLength(2);
    expect(stack.simulator.requestCount()).toBe(1);
  });

  it('reads one image with its enums in GraphQL style', async () => {
    const response = await graphqlRequest(
      stack.url,
      `query ($id: ID!) { deviceImage(id: $id) {
        id displayName version status errorCode statusDetails osStatus
        lastModifiedDateTime expirationDate sizeInGB scopeIds
      } }`,
      { id: SEED_IMAGE_IDS.failedNotGeneralized },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?.['deviceImage']).toMatchObject({
      id: SEED_IMAGE_IDS.failedNotGeneralized,
      status: 'FAILED',
      errorCode: 'SOURCE_IMAGE_NOT_GENERALIZED',
      statusDetails: 'SOURCE_IMAGE_NOT_GENERALIZED',
    });
  });

  it('answers statusDetails UNKNOWN_FUTURE_VALUE for an error code outside its vocabulary', async () => {
    const response = await graphqlRequest(
      stack.url,
      `{ deviceImage(id: "${SEED_IMAGE_IDS.failedDataDisk}") {
        errorCode statusDetails } }`,
    );
    expect(response.data?.['deviceImage']).toEqual({
      errorCode: 'SOURCE_IMAGE_WITH_DATA_DISK_NOT_SUPPORTED',
      statusDetails: 'UNKNOWN_FUTURE_VALUE',
    });
  });

  it('reads an enum value Graph added later as UNKNOWN_FUTURE_VALUE', async () => {
    stack.simulator.updateImage(SEED_IMAGE_IDS.ready, {
      status: 'someNewValue',
      osStatus: 'anotherNewValue',
    });
    const response = await graphqlRequest(
      stack.url,
      `{ deviceImage(id: "${SEED_IMAGE_IDS.ready}") { id status osStatus }
         deviceImages { nodes { id status } } }`,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?.['deviceImage']).toMatchObject({
      status: 'UNKNOWN_FUTURE_VALUE',
      osStatus: 'UNKNOWN_FUTURE_VALUE',
    });
    stack.simulator.updateImage(SEED_IMAGE_IDS.ready, {
      status: 'ready',
      osStatus: 'supported',
    });
  });

  it('answers null for an id Graph does not know', async () => {
    const response = await graphqlRequest(
      stack.url,
      '{ deviceImage(id: "00000000-0000-4000-8000-000000000000") { id } }',
    );
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ deviceImage: null });
  });

  it('refuses a malformed id before any upstream call', async () => {
    stack.simulator.resetRequests();
    const response = await graphqlRequest(
      stack.url,
      '{ deviceImage(id: "../../deviceManagement") { id } }',
    );
    expect(response.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argumentName: 'id',
    });
    expect(response.errors?.[0]?.message).toMatch(
      /^Invalid id: expected a device image id .*but got "\.\.\/\.\.\/deviceManagement"\.$/,
    );
    expect(stack.simulator.requestCount()).toBe(0);
  });

  it('batches 45 aliased reads into at most 3 upstream requests', async () => {
    const known = stack.simulator.images().map((image) => image.id);
    const ids = Array.from({ length: 45 }, (_, index) =>
      index < known.length
        ? known[index]!
        : `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    );
    const query = `{ ${ids
      .map((id, index) => `i${index}: deviceImage(id: "${id}") { id status }`)
      .join('\n')} }`;
    stack.simulator.resetRequests();
    const response = await graphqlRequest<
      Record<string, { id: string } | null>
    >(stack.url, query);
    expect(response.errors).toBeUndefined();
    expect(stack.simulator.requestCount()).toBeLessThanOrEqual(3);
    expect(stack.simulator.requestCount('getDeviceImage')).toBe(45);
    ids.forEach((id, index) => {
      expect(response.data![`i${index}`]).toEqual(
        index < known.length ? { id, status: expect.any(String) } : null,
      );
    });
  });
});

describe('Resolvers: deviceImage within the default limits', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack.close());

  it('answers 20 aliased reads, the most the limits allow, with one $batch', async () => {
    const known = stack.simulator.images().map((image) => image.id);
    const query = `{ ${Array.from(
      { length: 20 },
      (_, index) =>
        `i${index}: deviceImage(id: "${known[index % known.length]}") { id }`,
    ).join('\n')} }`;
    stack.simulator.resetRequests();
    const response = await graphqlRequest<Record<string, { id: string }>>(
      stack.url,
      query,
    );
    expect(response.errors).toBeUndefined();
    expect(Object.keys(response.data!)).toHaveLength(20);
    expect(stack.simulator.requestCount()).toBe(1);
    expect(stack.simulator.requestCount('batch')).toBe(1);
  });
});

describe('Resolvers: sourceImages', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack.close());

  it('lists every source image, categories in GraphQL style', async () => {
    const response = await graphqlRequest<{
      sourceImages: { resourceId: string; category: string }[];
    }>(stack.url, '{ sourceImages { resourceId displayName category } }');
    const categories = new Set(
      response.data!.sourceImages.map((image) => image.category),
    );
    expect(categories).toEqual(
      new Set(['MANAGED_IMAGE', 'AZURE_COMPUTE_GALLERY']),
    );
  });

  it('pushes the category down to $filter', async () => {
    stack.simulator.resetRequests();
    const response = await graphqlRequest<{
      sourceImages: { category: string }[];
    }>(
      stack.url,
      '{ sourceImages(category: AZURE_COMPUTE_GALLERY) { category } }',
    );
    expect(response.data!.sourceImages.length).toBeGreaterThan(0);
    for (const image of response.data!.sourceImages) {
      expect(image.category).toBe('AZURE_COMPUTE_GALLERY');
    }
    expect(decodeURIComponent(stack.simulator.requests[0]!.url)).toContain(
      "$filter=category eq 'azureComputeGallery'",
    );
  });
});
