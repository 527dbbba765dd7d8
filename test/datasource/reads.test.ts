import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { createStaticTokenProvider } from '../../src/datasource/credentials.js';
import { DeviceImagesDataSource } from '../../src/datasource/DeviceImagesDataSource.js';
import { GraphClient } from '../../src/datasource/GraphClient.js';
import { BadUserInputError, GatewayError } from '../../src/errors/index.js';
import { SEED_IMAGE_IDS } from '../../src/simulator/index.js';
import {
  COLLECTION,
  SOURCE_ID,
  rejection,
  startGraphFixture,
  type GraphFixture,
} from './fixtures.js';

const ITEM_PATH = '/deviceManagement/virtualEndpoint/deviceImages';
const GUID =
  /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Ids of the same shape as Graph's that no image has. */
function absentIds(count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  );
}

let graph: GraphFixture;

beforeAll(async () => {
  graph = await startGraphFixture({ pageSize: 3 });
});

afterAll(async () => {
  await graph.close();
});

beforeEach(() => {
  graph.sim.resetRequests();
});

describe('Datasource: $select and $filter pushdown', () => {
  it('sends exactly the selected properties, id first, once each', async () => {
    const page = await graph
      .dataSource()
      .listPage({ select: ['displayName', 'status', 'displayName'] });
    expect(graph.sim.requests.map((r) => r.url)).toEqual([
      `${COLLECTION}?$select=id,displayName,status`,
    ]);
    expect(Object.keys(page.images[0]!).sort()).toEqual([
      'displayName',
      'id',
      'status',
    ]);
  });

  it('sends no $select when none is asked for', async () => {
    await graph.dataSource().listPage();
    expect(graph.sim.requests.map((r) => r.url)).toEqual([COLLECTION]);
  });

  it('builds $filter with escaped quotes, and Graph finds the image', async () => {
    const name = "O'Brien's image";
    const created = await graph.dataSource().create({
      displayName: name,
      version: '1.0.0',
      sourceImageResourceId: SOURCE_ID,
    });
    graph.sim.resetRequests();
    const images = await graph.dataSource().listAll({
      filter: { status: 'pending', displayName: name },
      top: 5,
    });
    expect(graph.sim.requests.map((r) => r.url)).toEqual([
      `${COLLECTION}?$filter=status%20eq%20'pending'%20and%20` +
        `displayName%20eq%20'O''Brien''s%20image'&$top=5`,
    ]);
    expect(images.map((image) => image.id)).toEqual([created.id]);
    await graph.dataSource().delete(created.id);
  });

  it('rejects an unknown status before calling Graph', async () => {
    const error = await rejection(
      graph.dataSource().listAll({ filter: { status: 'READY' as 'ready' } }),
    );
    expect(error).toBeInstanceOf(BadUserInputError);
    expect(error.message).toBe(
      'Invalid filter.status: expected one of pending, ready, failed, ' +
        'unknownFutureValue, warning, but got "READY".',
    );
    expect(graph.sim.requestCount()).toBe(0);
  });

  it('filters source images by category', async () => {
    const sources = await graph.dataSource().sourceImages('managedImage');
    expect(graph.sim.requests.map((r) => r.url)).toEqual([
      `${COLLECTION}/getSourceImages?$filter=category%20eq%20'managedImage'`,
    ]);
    expect(sources.length).toBeGreaterThan(0);
    expect(new Set(sources.map((s) => s.category))).toEqual(
      new Set(['managedImage']),
    );
  });
});

describe('Datasource: batching reads by id', () => {
  it('answers 45 gets in one tick with 3 $batch requests of 20, 20 and 5', async () => {
    const dataSource = graph.dataSource();
    const ids = [...Object.values(SEED_IMAGE_IDS), ...absentIds(38)];
    const images = await Promise.all(ids.map((id) => dataSource.get(id)));
    expect(graph.sim.requestCount()).toBe(3);
    expect(graph.sim.requestCount('batch')).toBe(3);
    expect(graph.sim.requestCount('getDeviceImage')).toBe(45);
    // Items are logged before their envelope.
    const sizes: number[] = [];
    let items = 0;
    for (const request of graph.sim.requests) {
      if (request.batchItem) items++;
      else (sizes.push(items), (items = 0));
    }
    expect(sizes.sort((a, b) => a - b)).toEqual([5, 20, 20]);
    expect(images.slice(0, 7).map((image) => image?.id)).toEqual(
      Object.values(SEED_IMAGE_IDS),
    );
    expect(images.slice(7).every((image) => image === null)).toBe(true);
  });

  it('sends a repeated id once', async () => {
    const dataSource = graph.dataSource();
    const [a, b, c] = await Promise.all([
      dataSource.get(SEED_IMAGE_IDS.ready),
      dataSource.get(SEED_IMAGE_IDS.readyGallery),
      dataSource.get(SEED_IMAGE_IDS.ready),
    ]);
    expect(a).toBe(c);
    expect(b?.id).toBe(SEED_IMAGE_IDS.readyGallery);
    expect(graph.sim.requestCount('getDeviceImage')).toBe(2);
    expect(graph.sim.requestCount()).toBe(1);
  });

  it('keeps enum members after the sentinel in batched reads', async () => {
    const dataSource = graph.dataSource();
    const [warning, ready] = await Promise.all([
      dataSource.get(SEED_IMAGE_IDS.warning, ['status']),
      dataSource.get(SEED_IMAGE_IDS.ready, ['status']),
    ]);
    expect(graph.sim.requestCount('batch')).toBe(1);
    expect(warning?.status).toBe('warning');
    expect(ready?.status).toBe('ready');
  });

  it('sends one id with different selections once, asking for the union', async () => {
    const dataSource = graph.dataSource();
    const [narrow, wide] = await Promise.all([
      dataSource.get(SEED_IMAGE_IDS.ready, ['status']),
      dataSource.get(SEED_IMAGE_IDS.ready, ['version']),
      dataSource.get(SEED_IMAGE_IDS.warning, ['displayName']),
    ]);
    expect(graph.sim.requestCount('getDeviceImage')).toBe(2);
    expect(
      graph.sim.requests.filter((r) => r.batchItem).map((r) => r.url),
    ).toEqual([
      `${ITEM_PATH}/${SEED_IMAGE_IDS.ready}?$select=id,status,version,displayName`,
      `${ITEM_PATH}/${SEED_IMAGE_IDS.warning}?$select=id,status,version,displayName`,
    ]);
    expect(narrow).toMatchObject({ status: 'ready', version: '0.0.1' });
    expect(wide).toBe(narrow);
  });

  it('uses a plain GET with $select for a single id', async () => {
    const image = await graph
      .dataSource()
      .get(SEED_IMAGE_IDS.ready, ['version', 'displayName']);
    expect(graph.sim.requests.map((r) => [r.route, r.url])).toEqual([
      [
        'getDeviceImage',
        `${COLLECTION}/${SEED_IMAGE_IDS.ready}?$select=id,version,displayName`,
      ],
    ]);
    expect(image).toMatchObject({
      displayName: 'ImageForDev',
      version: '0.0.1',
    });
  });

  it('answers null for a missing image while the others resolve', async () => {
    const dataSource = graph.dataSource();
    const [found, missing] = await Promise.all([
      dataSource.get(SEED_IMAGE_IDS.ready),
      dataSource.get(absentIds(1)[0]!),
    ]);
    expect(found?.id).toBe(SEED_IMAGE_IDS.ready);
    expect(missing).toBeNull();
    expect(graph.sim.requestCount('batch')).toBe(1);
  });

  it('serves a repeated read from the operation cache', async () => {
    const dataSource = graph.dataSource();
    await dataSource.get(SEED_IMAGE_IDS.ready);
    await dataSource.get(SEED_IMAGE_IDS.ready);
    expect(graph.sim.requestCount()).toBe(1);
    await graph.dataSource().get(SEED_IMAGE_IDS.ready);
    expect(graph.sim.requestCount()).toBe(2);
  });

  it('throws a TypeError for a property Graph does not have, before calling Graph', async () => {
    const error = await rejection(
      graph.dataSource().get(SEED_IMAGE_IDS.ready, ['name' as 'id']),
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(
      /^Cannot select "name": expected one of id, displayName, version, /,
    );
    expect(graph.sim.requestCount()).toBe(0);
  });

  it('rejects an unsafe id before calling Graph', async () => {
    const error = await rejection(graph.dataSource().get('../$batch'));
    expect(error).toBeInstanceOf(BadUserInputError);
    expect(error.message).toMatch(/^Invalid id: expected a device image id/);
    expect(graph.sim.requestCount()).toBe(0);
  });
});

describe('Datasource: headers and enums', () => {
  it('sends a fresh client-request-id and the Graph headers on every call', async () => {
    const dataSource = graph.dataSource();
    await dataSource.listPage();
    await Promise.all([
      dataSource.get(SEED_IMAGE_IDS.ready),
      dataSource.get(SEED_IMAGE_IDS.warning),
    ]);
    const sent = graph.sim.requests.filter((r) => !r.batchItem);
    expect(sent).toHaveLength(2);
    for (const { headers } of sent) {
      expect(headers).toMatchObject({
        accept: 'application/json',
        prefer: 'include-unknown-enum-members',
      });
      expect(headers['client-request-id']).toMatch(GUID);
    }
    expect(sent[0]!.headers['client-request-id']).not.toBe(
      sent[1]!.headers['client-request-id'],
    );
    expect(graph.client.stats.requests).toBeGreaterThanOrEqual(2);
  });

  it('passes enum members after the sentinel and unknown ones through untouched', async () => {
    const id = SEED_IMAGE_IDS.readyGallery;
    graph.sim.updateImage(id, {
      status: 'somethingNew',
      errorCode: 'brandNew',
    });
    const [warning, unknown] = await Promise.all([
      graph.dataSource().get(SEED_IMAGE_IDS.warning),
      graph.dataSource().get(id),
    ]);
    expect(warning?.status).toBe('warning');
    expect(unknown).toMatchObject({
      status: 'somethingNew',
      errorCode: 'brandNew',
    });
    graph.sim.updateImage(id, { status: 'ready', errorCode: null });
  });
});

describe('Datasource: paging', () => {
  it('follows @odata.nextLink to the last page', async () => {
    const images = await graph.dataSource().listAll({ select: ['version'] });
    expect(images).toHaveLength(graph.sim.images().length);
    expect(graph.sim.requestCount('listDeviceImages')).toBe(
      Math.ceil(images.length / 3),
    );
    expect(graph.sim.requests[1]!.url).toMatch(/[?&](\$|%24)skiptoken=/);
  });

  it('returns one page and continues from its link', async () => {
    const dataSource = graph.dataSource();
    const first = await dataSource.listPage();
    expect(first.images).toHaveLength(3);
    expect(first.nextLink).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/beta\//);
    const second = await dataSource.listPage({ pageUrl: first.nextLink });
    expect(second.images).toHaveLength(3);
    expect(second.images[0]!.id).not.toBe(first.images[0]!.id);
  });

  it('refuses a page link on another origin without calling anyone', async () => {
    const error = await rejection(
      graph.dataSource().listPage({
        pageUrl: 'https://attacker.example/beta/deviceManagement/x',
      }),
    );
    expect(error).toBeInstanceOf(BadUserInputError);
    expect(error.message).toBe(
      `Invalid pageUrl: expected an @odata.nextLink of ` +
        `${COLLECTION.replace('/beta', graph.sim.baseUrl)} (at most 4096 ` +
        'characters), but got ' +
        '"https://attacker.example/beta/deviceManagement/x".',
    );
    expect(graph.sim.requestCount()).toBe(0);
  });

  it.each([
    '/v1.0/deviceManagement/virtualEndpoint/deviceImages',
    '/beta/users',
    '/beta/deviceManagement/virtualEndpoint/deviceImages/../../../users',
    '/beta/deviceManagement/virtualEndpoint/deviceImages/getSourceImages',
    `/beta/deviceManagement/virtualEndpoint/deviceImages?$skiptoken=${'a'.repeat(5000)}`,
  ])('refuses a page link to %s', async (path) => {
    const error = await rejection(
      graph.dataSource().listPage({ pageUrl: `${graph.sim.origin}${path}` }),
    );
    expect(error).toBeInstanceOf(BadUserInputError);
    expect(graph.sim.requestCount()).toBe(0);
  });
});

describe('Datasource: foreign next links', () => {
  let relay: Server;
  let client: GraphClient;

  // Forwards to the simulator with another Host header, so the simulator's
  // next links name an origin the client does not know.
  beforeAll(async () => {
    relay = createServer((req, res) => {
      const upstream = httpRequest(
        `${graph.sim.origin}${req.url}`,
        {
          method: req.method,
          headers: { ...req.headers, host: 'graph.attacker.example' },
        },
        (answer) => {
          res.writeHead(answer.statusCode!, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const { port } = relay.address() as AddressInfo;
    client = new GraphClient({ baseUrl: `http://127.0.0.1:${port}/beta` });
  });

  afterAll(async () => {
    await client.close();
    await new Promise((resolve) => relay.close(resolve));
  });

  it('stops at a next link on another origin and names the problem', async () => {
    const dataSource = new DeviceImagesDataSource({
      client,
      getToken: createStaticTokenProvider('test-token'),
    });
    const error = await rejection(dataSource.listAll());
    expect(error).not.toBeInstanceOf(GatewayError);
    expect(error.message).toMatch(
      new RegExp(
        '^Graph sent an @odata.nextLink outside ' +
          `${client.baseUrl.replace(/\./g, '\\.')}` +
          '/deviceManagement/virtualEndpoint/deviceImages ' +
          '\\(http://graph\\.attacker\\.example/beta/deviceManagement/' +
          'virtualEndpoint/deviceImages\\?.*\\); it was not followed, so ' +
          'the token stays with Graph\\.$',
      ),
    );
    expect(graph.sim.requestCount('listDeviceImages')).toBe(1);
  });
});
