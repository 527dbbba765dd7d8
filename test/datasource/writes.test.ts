import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { createStaticTokenProvider } from '../../src/datasource/credentials.js';
import { DeviceImagesDataSource } from '../../src/datasource/DeviceImagesDataSource.js';
import { GraphClient } from '../../src/datasource/GraphClient.js';
import {
  BadUserInputError,
  ConflictError,
  ErrorCode,
  NotFoundError,
  ThrottledError,
  UpstreamUnavailableError,
  type GatewayError,
} from '../../src/errors/index.js';
import { SEED_IMAGE_IDS } from '../../src/simulator/index.js';
import {
  SOURCE_ID,
  rejection,
  startGraphFixture,
  type GraphFixture,
} from './fixtures.js';

let graph: GraphFixture;
let serial = 0;

/** A create input with a name no other test uses. */
function newImage(): {
  displayName: string;
  version: string;
  sourceImageResourceId: string;
} {
  serial++;
  return {
    displayName: `Write test ${serial}`,
    version: '1.0.0',
    sourceImageResourceId: SOURCE_ID,
  };
}

function imagesNamed(name: string) {
  return graph.sim.images().filter((image) => image.displayName === name);
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 10));
}

beforeAll(async () => {
  graph = await startGraphFixture({ maxImages: 100, uploadMs: 60_000 });
});

afterAll(async () => {
  await graph.close();
});

beforeEach(() => {
  graph.sim.resetRequests();
});

describe('Create: the happy path and refusals', () => {
  it('creates a pending image with one POST', async () => {
    const input = newImage();
    const image = await graph.dataSource().create(input);
    expect(image).toMatchObject({ ...input, status: 'pending' });
    expect(graph.sim.requests.map((r) => [r.method, r.route])).toEqual([
      ['POST', 'createDeviceImage'],
    ]);
    expect(imagesNamed(input.displayName)).toHaveLength(1);
  });

  it('reports a taken name and version as a conflict', async () => {
    const error = await rejection(
      graph.dataSource().create({
        displayName: 'ImageForDev',
        version: '0.0.1',
        sourceImageResourceId: SOURCE_ID,
      }),
    );
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe(
      'An image named "ImageForDev" with version 0.0.1 already exists',
    );
    expect((error as GatewayError).extensions).toMatchObject({
      code: ErrorCode.CONFLICT,
      graph: { status: 409, code: 'nameAlreadyExists' },
    });
    expect(graph.sim.requestCount()).toBe(1);
  });

  it('checks the input before calling Graph', async () => {
    const error = await rejection(
      graph.dataSource().create({ ...newImage(), version: '1.0' }),
    );
    expect(error).toBeInstanceOf(BadUserInputError);
    expect((error as GatewayError).extensions['argumentName']).toBe(
      'input.version',
    );
    expect(graph.sim.requestCount()).toBe(0);
  });

  it('maps a 400 without looking the image up', async () => {
    graph.sim.injectFault({ route: 'createDeviceImage', status: 400 });
    const error = await rejection(graph.dataSource().create(newImage()));
    expect(error).toBeInstanceOf(BadUserInputError);
    expect((error as GatewayError).extensions['argumentName']).toBe('input');
    expect(graph.sim.requestCount()).toBe(1);
  });

  it('retries a throttled create, which Graph did not process', async () => {
    const input = newImage();
    graph.sim.injectFault({
      route: 'createDeviceImage',
      status: 429,
      retryAfterSeconds: 0,
    });
    await graph.dataSource().create(input);
    expect(graph.sim.requests.map((r) => r.status)).toEqual([429, 201]);
    expect(imagesNamed(input.displayName)).toHaveLength(1);
  });

  it('reports a create still throttled after the last attempt', async () => {
    graph.sim.injectFault({
      route: 'createDeviceImage',
      status: 429,
      retryAfterSeconds: 0,
      count: 3,
    });
    const error = await rejection(graph.dataSource().create(newImage()));
    expect(error).toBeInstanceOf(ThrottledError);
    expect(error.message).toBe(
      'Graph throttled the request; retry after 0 seconds',
    );
    expect(graph.sim.requestCount('createDeviceImage')).toBe(3);
  });
});

describe('Create: reconciling ambiguous failures', () => {
  it('returns the image a create made before answering 503', async () => {
    const input = newImage();
    graph.sim.injectFault({
      route: 'createDeviceImage',
      status: 503,
      afterApply: true,
    });
    const image = await graph.dataSource().create(input);
    expect(image).toMatchObject(input);
    expect(imagesNamed(input.displayName)).toEqual([
      expect.objectContaining({ id: image.id }),
    ]);
    expect(graph.sim.requests.map((r) => [r.route, r.status])).toEqual([
      ['createDeviceImage', 503],
      ['listDeviceImages', 200],
    ]);
    expect(graph.sim.requests[1]!.url).toBe(
      '/beta/deviceManagement/virtualEndpoint/deviceImages' +
        `?$filter=displayName%20eq%20'Write%20test%20${serial}'`,
    );
  });

  it('returns the image a create made before timing out', async () => {
    const client = new GraphClient({
      baseUrl: graph.sim.baseUrl,
      timeoutMs: 500,
    });
    const input = newImage();
    graph.sim.injectFault({
      route: 'createDeviceImage',
      afterApply: true,
      delayMs: 1_200,
    });
    const image = await new DeviceImagesDataSource({
      client,
      getToken: createStaticTokenProvider('test-token'),
    }).create(input);
    expect(image).toMatchObject(input);
    expect(imagesNamed(input.displayName)).toHaveLength(1);
    expect(client.stats.requests).toBe(2);
    await client.close();
    await until(() => graph.sim.requestCount('createDeviceImage') === 1);
  });

  it('returns the image a create made before its connection reset', async () => {
    const input = newImage();
    graph.sim.injectFault({
      route: 'createDeviceImage',
      afterApply: true,
      reset: true,
    });
    const image = await graph.dataSource().create(input);
    expect(imagesNamed(input.displayName)).toEqual([
      expect.objectContaining({ id: image.id }),
    ]);
    expect(graph.sim.requestCount('createDeviceImage')).toBe(1);
  });

  it('posts once more when the failed create left nothing behind', async () => {
    const input = newImage();
    graph.sim.injectFault({ route: 'createDeviceImage', status: 503 });
    const image = await graph.dataSource().create(input);
    expect(imagesNamed(input.displayName)).toEqual([
      expect.objectContaining({ id: image.id }),
    ]);
    expect(graph.sim.requests.map((r) => [r.route, r.status])).toEqual([
      ['createDeviceImage', 503],
      ['listDeviceImages', 200],
      ['createDeviceImage', 201],
    ]);
  });

  it('returns the image when the first post lands after the second', async () => {
    // The first POST times out at 1 s and is applied at 1.4 s; the lookup
    // finds nothing; the second POST is applied at about 1.8 s and answers
    // 409, so the image is looked up again. The margins absorb a busy CPU.
    const client = new GraphClient({
      baseUrl: graph.sim.baseUrl,
      timeoutMs: 1_000,
    });
    const input = newImage();
    graph.sim.injectFault({ route: 'createDeviceImage', delayMs: 1_400 });
    graph.sim.injectFault({ route: 'createDeviceImage', delayMs: 800 });
    const image = await new DeviceImagesDataSource({
      client,
      getToken: createStaticTokenProvider('test-token'),
    }).create(input);
    expect(imagesNamed(input.displayName)).toEqual([
      expect.objectContaining({ id: image.id }),
    ]);
    expect(
      graph.sim.requests.map((r) => [r.route, r.status]).slice(-2),
    ).toEqual([
      ['createDeviceImage', 409],
      ['listDeviceImages', 200],
    ]);
    await client.close();
  });

  it('says the image was not created when both posts fail', async () => {
    const input = newImage();
    graph.sim.injectFault({
      route: 'createDeviceImage',
      status: 503,
      count: 2,
    });
    const error = await rejection(graph.dataSource().create(input));
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error.message).toBe(
      `Graph failed twice while trying to create device image ` +
        `"${input.displayName}" version 1.0.0; the image does not exist, ` +
        'so it is safe to try again',
    );
    expect((error as GatewayError).extensions['graph']).toMatchObject({
      status: 503,
      code: 'serviceNotAvailable',
    });
    expect(imagesNamed(input.displayName)).toHaveLength(0);
    expect(graph.sim.requestCount('createDeviceImage')).toBe(2);
    expect(graph.sim.requestCount('listDeviceImages')).toBe(2);
  });

  it('says the outcome is unknown when the lookup fails too', async () => {
    const input = newImage();
    graph.sim.injectFault({
      route: 'createDeviceImage',
      status: 503,
      afterApply: true,
    });
    graph.sim.injectFault({ route: 'listDeviceImages', status: 503, count: 3 });
    const error = await rejection(graph.dataSource().create(input));
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error.message).toBe(
      `Graph failed while trying to create device image ` +
        `"${input.displayName}" version 1.0.0, and looking for the image ` +
        'afterwards failed too; whether it was created is unknown, so list ' +
        'the images before creating it again',
    );
    expect(graph.sim.requestCount('createDeviceImage')).toBe(1);
    expect(imagesNamed(input.displayName)).toHaveLength(1);
  });

  it('matches the version, not just the name, when reconciling', async () => {
    const input = newImage();
    await graph.dataSource().create({ ...input, version: '9.9.9' });
    graph.sim.resetRequests();
    graph.sim.injectFault({ route: 'createDeviceImage', status: 503 });
    const image = await graph.dataSource().create(input);
    expect(image.version).toBe('1.0.0');
    expect(imagesNamed(input.displayName)).toHaveLength(2);
    expect(graph.sim.requestCount('createDeviceImage')).toBe(2);
  });
});

describe('Delete', () => {
  it('deletes an image with one DELETE', async () => {
    const { id } = await graph.dataSource().create(newImage());
    graph.sim.resetRequests();
    await graph.dataSource().delete(id);
    expect(graph.sim.images().some((image) => image.id === id)).toBe(false);
    expect(graph.sim.requests.map((r) => [r.method, r.status])).toEqual([
      ['DELETE', 204],
    ]);
  });

  it('reports an absent image as not found', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    const error = await rejection(graph.dataSource().delete(id));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toBe(`No device image with id ${id}`);
    expect((error as GatewayError).extensions['graph']).toMatchObject({
      status: 404,
      code: 'itemNotFound',
    });
  });

  it('counts a 404 after an ambiguous first attempt as deleted', async () => {
    const { id } = await graph.dataSource().create(newImage());
    graph.sim.resetRequests();
    graph.sim.injectFault({
      route: 'deleteDeviceImage',
      status: 503,
      afterApply: true,
    });
    await graph.dataSource().delete(id);
    expect(graph.sim.requests.map((r) => r.status)).toEqual([503, 404]);
  });

  it('still reports not found after a throttled first attempt', async () => {
    graph.sim.injectFault({
      route: 'deleteDeviceImage',
      status: 429,
      retryAfterSeconds: 0,
    });
    const error = await rejection(
      graph.dataSource().delete('00000000-0000-4000-8000-000000000000'),
    );
    expect(error).toBeInstanceOf(NotFoundError);
    expect(graph.sim.requests.map((r) => r.status)).toEqual([429, 404]);
  });
});

describe('Retry upload', () => {
  it('restarts the upload of a failed image', async () => {
    await graph.dataSource().retryUpload(SEED_IMAGE_IDS.failedRetryable);
    const image = graph.sim
      .images()
      .find(({ id }) => id === SEED_IMAGE_IDS.failedRetryable);
    expect(image?.status).toBe('pending');
    expect(
      graph.sim.requests.map((r) => [r.method, r.route, r.status]),
    ).toEqual([['POST', 'retryUpload', 204]]);
  });

  it('explains, with what Graph said, why a ready image cannot be retried', async () => {
    const id = SEED_IMAGE_IDS.ready;
    const error = await rejection(graph.dataSource().retryUpload(id));
    expect(error).toBeInstanceOf(BadUserInputError);
    expect(error.message).toBe(
      `Cannot retry the upload of device image ${id}: Only an image whose ` +
        `upload failed can be retried; image ${id} has status 'ready', ` +
        "expected 'failed'.",
    );
    expect((error as GatewayError).extensions).toMatchObject({
      argumentName: 'id',
      graph: { status: 400, code: 'invalidRequest' },
    });
  });

  it('reports an unknown image as not found', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    const error = await rejection(graph.dataSource().retryUpload(id));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toBe(`No device image with id ${id}`);
  });

  it('does not repeat a retry that failed ambiguously', async () => {
    graph.sim.injectFault({ route: 'retryUpload', status: 503 });
    const id = SEED_IMAGE_IDS.failedNotGeneralized;
    const error = await rejection(graph.dataSource().retryUpload(id));
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error.message).toBe(
      'Graph failed with 503 serviceNotAvailable while trying to retry the ' +
        `upload of device image ${id}; the upload may have restarted, so ` +
        'read the image status before trying again',
    );
    expect(graph.sim.requestCount()).toBe(1);
  });
});
