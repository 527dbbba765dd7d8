import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  SEED_IMAGE_IDS,
  startSimulator,
  type Simulator,
} from '../../src/simulator/index.js';
import {
  call,
  DOC_SOURCE,
  graphClient,
  IMAGES,
  newImage,
  SDK_IMAGES,
  SOURCES,
} from './simulatorTestKit.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ uploadMs: 100 });
});
afterAll(() => sim.close());

describe('Simulator contract: list', () => {
  it('SIM-01 MUST list images with @odata.context and value', async () => {
    const page = await graphClient(sim).api(SDK_IMAGES).get();
    expect(page['@odata.context']).toBe(
      `${sim.baseUrl}/$metadata#deviceManagement/virtualEndpoint/deviceImages`,
    );
    expect(page.value.map((i: { id: string }) => i.id)).toEqual(
      expect.arrayContaining(Object.values(SEED_IMAGE_IDS)),
    );
    expect(page['@odata.nextLink']).toBeUndefined();
  });

  it('SIM-02 MUST return only the $selected properties, plus id', async () => {
    const page = await graphClient(sim)
      .api(SDK_IMAGES)
      .select(['displayName', 'status'])
      .get();
    for (const image of page.value) {
      expect(Object.keys(image).sort()).toEqual([
        'displayName',
        'id',
        'status',
      ]);
    }
  });

  it('SIM-03 MUST answer 400 BadRequest for an unknown $select property', async () => {
    const res = await call(sim, 'GET', `${IMAGES}?$select=displayName,color`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BadRequest');
    expect(res.body.error.message).toContain("'color'");
  });

  it("SIM-04 MUST filter by status eq and displayName eq joined by 'and'", async () => {
    const filter = "status eq 'ready' and displayName eq 'ImageForDev'";
    const page = await graphClient(sim).api(SDK_IMAGES).filter(filter).get();
    expect(page.value.map((i: { id: string }) => i.id)).toEqual([
      SEED_IMAGE_IDS.ready,
    ]);
    const failed = await call(
      sim,
      'GET',
      `${IMAGES}?$filter=${encodeURIComponent("status eq 'failed'")}`,
    );
    expect(failed.body.value.map((i: { id: string }) => i.id)).toEqual([
      SEED_IMAGE_IDS.failedRetryable,
      SEED_IMAGE_IDS.failedNotGeneralized,
      SEED_IMAGE_IDS.failedDataDisk,
    ]);
  });

  it('SIM-05 MUST answer 400 in Graph error shape for any other $filter', async () => {
    const filters = [
      "status ne 'ready'",
      "status eq 'ready' or status eq 'failed'",
      "startswith(displayName,'Image')",
      "color eq 'red'",
      "status eq 'sleeping'",
      "displayName eq 'unterminated",
      'displayName eq ImageForDev',
      "status eq 'ready' and",
      "constructor eq 'x'",
      '',
    ];
    for (const filter of filters) {
      const res = await call(
        sim,
        'GET',
        `${IMAGES}?$filter=${encodeURIComponent(filter)}`,
      );
      expect(res.status, filter).toBe(400);
      expect(res.body.error.code, filter).toBe('BadRequest');
      expect(res.body.error.innerError['request-id'], filter).toBeTruthy();
    }
  });

  it('SIM-07 MUST honour $top with a page of at most $top and a nextLink', async () => {
    const first = await call(sim, 'GET', `${IMAGES}?$top=2&$select=id`);
    expect(first.body.value).toHaveLength(2);
    const next = new URL(first.body['@odata.nextLink']);
    expect(next.searchParams.get('$top')).toBe('2');
    expect(next.searchParams.get('$select')).toBe('id');
    const second = await call(sim, 'GET', next.pathname + next.search);
    expect(second.body.value).toHaveLength(2);
    expect(second.body.value[0].id).not.toBe(first.body.value[0].id);
  });

  it('SIM-08 MUST answer 400 for a bad $top, $skiptoken or unsupported option', async () => {
    for (const query of [
      '$top=0',
      '$top=abc',
      '$top=1000',
      '$skiptoken=garbage',
      '$orderby=displayName',
      '$expand=x',
      '$count=maybe',
    ]) {
      const res = await call(sim, 'GET', `${IMAGES}?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code, query).toBe('BadRequest');
    }
  });

  it('SIM-09 SHOULD add @odata.count on the first page with $count=true', async () => {
    const res = await call(sim, 'GET', `${IMAGES}?$count=true&$top=1`);
    const total = sim.images().length;
    expect(res.body['@odata.count']).toBe(total);
    const next = new URL(res.body['@odata.nextLink']);
    const second = await call(sim, 'GET', next.pathname + next.search);
    expect(second.body['@odata.count']).toBeUndefined();
  });
});

describe('Simulator contract: server-driven paging', () => {
  let paged: Simulator;
  beforeAll(async () => {
    paged = await startSimulator({ uploadMs: 100, pageSize: 2 });
  });
  afterAll(() => paged.close());

  it('SIM-06 MUST page with an opaque nextLink that repeats the query options', async () => {
    const seen: string[] = [];
    let page = await graphClient(paged)
      .api(SDK_IMAGES)
      .select(['id', 'status'])
      .filter("status eq 'failed'")
      .get();
    let pages = 1;
    while (page['@odata.nextLink']) {
      expect(page.value.length).toBeLessThanOrEqual(2);
      const link = new URL(page['@odata.nextLink']);
      expect(link.searchParams.get('$select')).toBe('id,status');
      expect(link.searchParams.get('$filter')).toBe("status eq 'failed'");
      expect(link.searchParams.get('$skiptoken')).toBeTruthy();
      seen.push(...page.value.map((i: { id: string }) => i.id));
      // The SDK treats only https URLs as absolute, so links go through undici.
      page = (await call(paged, 'GET', link.pathname + link.search)).body;
      pages++;
    }
    seen.push(...page.value.map((i: { id: string }) => i.id));
    expect(pages).toBe(2);
    expect(seen).toEqual([
      SEED_IMAGE_IDS.failedRetryable,
      SEED_IMAGE_IDS.failedNotGeneralized,
      SEED_IMAGE_IDS.failedDataDisk,
    ]);
  });
});

describe('Simulator contract: get', () => {
  it('SIM-10 MUST get one image with the $entity context and $select', async () => {
    const image = await graphClient(sim)
      .api(`${SDK_IMAGES}/${SEED_IMAGE_IDS.ready}`)
      .get();
    expect(image).toMatchObject({
      '@odata.context': `${sim.baseUrl}/$metadata#deviceManagement/virtualEndpoint/deviceImages/$entity`,
      id: 'eda7ed64-7705-4079-9d08-c2bd883f4fff',
      displayName: 'ImageForDev',
      version: '0.0.1',
      status: 'ready',
      osStatus: 'supported',
      errorCode: null,
      expirationDate: '2028-04-11',
      operatingSystem: 'Windows 11 Enterprise',
    });
    const selected = await call(
      sim,
      'GET',
      `${IMAGES}/${SEED_IMAGE_IDS.ready}?$select=version`,
    );
    expect(Object.keys(selected.body).sort()).toEqual([
      '@odata.context',
      'id',
      'version',
    ]);
  });

  it('SIM-11 MUST answer 404 itemNotFound for an unknown id', async () => {
    const res = await call(sim, 'GET', `${IMAGES}/no-such-image`, {
      headers: { 'client-request-id': 'c0ffee00-0000-4000-8000-000000000001' },
    });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({
      code: 'itemNotFound',
      innerError: {
        'request-id': res.headers['request-id'],
        'client-request-id': 'c0ffee00-0000-4000-8000-000000000001',
      },
    });
    expect(res.body.error.innerError.date).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});

describe('Simulator contract: create', () => {
  it('SIM-12 MUST create with 201, status pending and null read-only fields', async () => {
    const created = await graphClient(sim)
      .api(SDK_IMAGES)
      .post(newImage('ImageForSim12'));
    expect(created).toMatchObject({
      '@odata.context': `${sim.baseUrl}/$metadata#deviceManagement/virtualEndpoint/deviceImages/$entity`,
      displayName: 'ImageForSim12',
      version: '1.0.0',
      sourceImageResourceId: DOC_SOURCE,
      status: 'pending',
      operatingSystem: null,
      osBuildNumber: null,
      errorCode: null,
      osStatus: null,
      expirationDate: null,
    });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(sim.images().some((i) => i.id === created.id)).toBe(true);
  });

  it('SIM-13 MUST accept the docs\u2019 malformed subscription GUID and gallery version ids', async () => {
    const ids = [
      DOC_SOURCE,
      SOURCES.galleryV1,
      '/subscriptions/x/resourcegroups/rg/providers/microsoft.compute/images/i',
    ];
    for (const [i, id] of ids.entries()) {
      const res = await call(sim, 'POST', IMAGES, {
        body: newImage(`ImageForSim13-${i}`, id),
      });
      expect(res.status, id).toBe(201);
    }
  });

  it('SIM-14 MUST answer 415 without a JSON Content-Type', async () => {
    const body = JSON.stringify(newImage('ImageForSim14'));
    for (const type of ['text/plain', 'application/xml']) {
      const res = await call(sim, 'POST', IMAGES, {
        body,
        headers: { 'content-type': type },
      });
      expect(res.status, type).toBe(415);
      expect(res.body.error.message).toContain(type);
    }
    const none = await call(sim, 'POST', IMAGES);
    expect(none.status).toBe(415);
  });

  it('SIM-15 MUST answer 400 invalidRequest for bad, missing, read-only or unknown fields', async () => {
    const valid = newImage('ImageForSim15');
    const bodies: [unknown, string][] = [
      ['{not json', 'not valid JSON'],
      ['[1,2]', 'JSON object'],
      [{ ...valid, displayName: undefined }, "'displayName'"],
      [{ ...valid, displayName: '  ' }, "'displayName'"],
      [{ ...valid, version: '1.0' }, "'version'"],
      [{ ...valid, version: 'a.b.c' }, "'version'"],
      [{ ...valid, version: 100 }, "'version'"],
      [
        { ...valid, sourceImageResourceId: 'exampleImage' },
        "'sourceImageResourceId'",
      ],
      [
        { ...valid, sourceImageResourceId: `${DOC_SOURCE}/extra` },
        "'sourceImageResourceId'",
      ],
      [{ ...valid, status: 'ready' }, "'status' is read-only"],
      [
        { ...valid, operatingSystem: 'Windows' },
        "'operatingSystem' is read-only",
      ],
      [{ ...valid, colour: 'blue' }, "'colour' does not exist"],
      [{ ...valid, '@odata.type': '#microsoft.graph.user' }, '@odata.type'],
    ];
    for (const [body, fragment] of bodies) {
      const res = await call(sim, 'POST', IMAGES, { body });
      expect(res.status, fragment).toBe(400);
      expect(res.body.error.code, fragment).toBe('invalidRequest');
      expect(res.body.error.message, fragment).toContain(fragment);
    }
    const typed = await call(sim, 'POST', IMAGES, {
      body: { '@odata.type': '#microsoft.graph.cloudPcDeviceImage', ...valid },
    });
    expect(typed.status).toBe(201);
  });

  it('SIM-16 MUST answer 409 nameAlreadyExists for a duplicate displayName and version', async () => {
    const res = await call(sim, 'POST', IMAGES, {
      body: { ...newImage('imagefordev'), version: '0.0.1' },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('nameAlreadyExists');
    const otherVersion = await call(sim, 'POST', IMAGES, {
      body: { ...newImage('ImageForDev'), version: '0.0.2' },
    });
    expect(otherVersion.status).toBe(201);
  });

  it('SIM-17 MUST answer 400 quotaLimitReached past maxImages', async () => {
    const small = await startSimulator({ uploadMs: 100, maxImages: 8 });
    try {
      expect(small.images()).toHaveLength(7);
      const first = await call(small, 'POST', IMAGES, { body: newImage('A') });
      expect(first.status).toBe(201);
      const second = await call(small, 'POST', IMAGES, { body: newImage('B') });
      expect(second.status).toBe(400);
      expect(second.body.error.code).toBe('quotaLimitReached');
      expect(second.body.error.message).toContain('8');
      expect(small.images()).toHaveLength(8);
    } finally {
      await small.close();
    }
  });
});

describe('Simulator contract: request size', () => {
  it('SIM-25 MUST answer 413 requestTooLarge for a body above 4 MB', async () => {
    const res = await call(sim, 'POST', IMAGES, {
      body: { displayName: 'x'.repeat(5 * 1024 * 1024) },
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('requestTooLarge');
  });
});

describe('Simulator contract: delete', () => {
  it('SIM-18 MUST delete with 204, then answer 404 for the id', async () => {
    const created = await call(sim, 'POST', IMAGES, {
      body: newImage('ImageForSim18'),
    });
    const path = `${IMAGES}/${created.body.id}`;
    const deleted = await call(sim, 'DELETE', path);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeUndefined();
    expect((await call(sim, 'GET', path)).status).toBe(404);
    const again = await call(sim, 'DELETE', path);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('itemNotFound');
  });
});

describe('Simulator contract: getSourceImages', () => {
  it('SIM-19 MUST list source images at both function forms', async () => {
    const plain = await graphClient(sim)
      .api(`${SDK_IMAGES}/getSourceImages`)
      .get();
    const kiota = await call(
      sim,
      'GET',
      `${IMAGES}/getSourceImages()?$count=true&$top=50&$skip=0`,
    );
    expect(plain['@odata.context']).toBe(
      `${sim.baseUrl}/$metadata#Collection(microsoft.graph.cloudPcSourceDeviceImage)`,
    );
    expect(kiota.status).toBe(200);
    expect(kiota.body.value).toEqual(plain.value);
    expect(kiota.body['@odata.count']).toBe(plain.value.length);
    expect(plain.value[0]).toEqual({
      id: SOURCES.devImage,
      resourceId: SOURCES.devImage,
      displayName: 'exampleImageForDev',
      subscriptionId: '0ac520ee-14c0-480f-b6c9-0a90c585ffff',
      subscriptionDisplayName: 'Reserved for IT',
      category: 'managedImage',
    });
    expect(plain.value[1]).toMatchObject({
      id: SOURCES.galleryV1,
      displayName: '1.0.0',
      category: 'azureComputeGallery',
    });
  });

  it("SIM-20 MUST filter source images by category eq '\u2026'", async () => {
    const res = await call(
      sim,
      'GET',
      `${IMAGES}/getSourceImages?$filter=${encodeURIComponent("category eq 'azureComputeGallery'")}`,
    );
    expect(res.body.value.length).toBeGreaterThan(0);
    for (const item of res.body.value) {
      expect(item.category).toBe('azureComputeGallery');
    }
    const bad = await call(
      sim,
      'GET',
      `${IMAGES}/getSourceImages?$filter=${encodeURIComponent("category eq 'vhd'")}`,
    );
    expect(bad.status).toBe(400);
    const search = await call(
      sim,
      'GET',
      `${IMAGES}/getSourceImages()?$search=x`,
    );
    expect(search.status).toBe(400);
  });
});

describe('Simulator contract: retryUpload and reupload', () => {
  it('SIM-21 MUST retry a failed image with 204 and run its upload again', async () => {
    for (const action of ['retryUpload', 'reupload']) {
      const id = SEED_IMAGE_IDS.failedRetryable;
      sim.updateImage(id, {
        status: 'failed',
        errorCode: 'internalServerError',
      });
      const res = await call(sim, 'POST', `${IMAGES}/${id}/${action}`);
      expect(res.status, action).toBe(204);
      const pending = await call(sim, 'GET', `${IMAGES}/${id}`);
      expect(pending.body).toMatchObject({
        status: 'pending',
        errorCode: null,
      });
      await new Promise((r) => setTimeout(r, 180));
      const done = await call(sim, 'GET', `${IMAGES}/${id}`);
      expect(done.body.status, action).toBe('ready');
    }
  });

  it('SIM-22 MUST answer 400 for an image that has not failed, 404 for an unknown one', async () => {
    const ready = await call(
      sim,
      'POST',
      `${IMAGES}/${SEED_IMAGE_IDS.readyGallery}/retryUpload`,
    );
    expect(ready.status).toBe(400);
    expect(ready.body.error.code).toBe('invalidRequest');
    expect(ready.body.error.message).toContain("'ready'");
    const unknown = await call(sim, 'POST', `${IMAGES}/nope/reupload`);
    expect(unknown.status).toBe(404);
  });
});

describe('Simulator contract: methods and paths', () => {
  it('SIM-23 MUST answer 405 notAllowed with Allow for other methods on known paths', async () => {
    const cases: [string, string, string][] = [
      ['PATCH', `${IMAGES}/${SEED_IMAGE_IDS.ready}`, 'GET, DELETE'],
      ['PUT', IMAGES, 'GET, POST'],
      ['GET', `${IMAGES}/${SEED_IMAGE_IDS.ready}/retryUpload`, 'POST'],
      ['POST', `${IMAGES}/getSourceImages`, 'GET'],
      ['GET', '/beta/$batch', 'POST'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await call(sim, method, path);
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.allow).toBe(allow);
      expect(res.body.error.code).toBe('notAllowed');
    }
  });

  it('SIM-24 MUST answer 400 for unknown segments and 404 outside /beta', async () => {
    const segment = await call(sim, 'GET', `${IMAGES}/x/y/z`);
    expect(segment.status).toBe(400);
    const action = await call(sim, 'POST', `${IMAGES}/x/constructor`);
    expect(action.status).toBe(400);
    expect(action.body.error.message).toContain("'constructor'");
    expect(segment.body.error.code).toBe('BadRequest');
    const sibling = await call(
      sim,
      'GET',
      '/beta/deviceManagement/virtualEndpoint/cloudPCs',
    );
    expect(sibling.status).toBe(400);
    expect(sibling.body.error.message).toContain("'cloudPCs'");
    const outside = await call(sim, 'GET', '/v1.0/deviceManagement');
    expect(outside.status).toBe(404);
    expect(outside.body.error.code).toBe('itemNotFound');
  });
});
