import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  SEED_IMAGE_IDS,
  startSimulator,
  type Simulator,
} from '../../src/simulator/index.js';
import { call, IMAGES, newImage, SOURCES, until } from './simulatorTestKit.js';

const UPLOAD_MS = 100;
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ uploadMs: UPLOAD_MS });
});
afterAll(() => sim.close());

async function createAndSettle(name: string, source: string) {
  const created = await call(sim, 'POST', IMAGES, {
    body: newImage(name, source),
  });
  expect(created.status).toBe(201);
  const id: string = created.body.id;
  await until(
    () => sim.images().find((i) => i.id === id)?.status !== 'pending',
  );
  const prefer = { prefer: 'include-unknown-enum-members' };
  return (await call(sim, 'GET', `${IMAGES}/${id}`, { headers: prefer })).body;
}

describe('Simulator contract: upload lifecycle', () => {
  it('SIM-30 MUST end ready with the source image\u2019s OS fields after uploadMs', async () => {
    const image = await createAndSettle('Sim30', SOURCES.devImage);
    expect(image).toMatchObject({
      status: 'ready',
      operatingSystem: 'Windows 11 Enterprise',
      osBuildNumber: '24H2',
      osVersionNumber: '10.0.26100.2033',
      sizeInGB: 64,
      osStatus: 'supported',
      errorCode: null,
      statusDetails: null,
    });
    const gallery = await createAndSettle('Sim30-gallery', SOURCES.galleryV1);
    expect(gallery).toMatchObject({ status: 'ready', osBuildNumber: '23H2' });
  });

  it('SIM-31 MUST end ready with osStatus supportedWithWarning for an expired OS', async () => {
    const image = await createAndSettle('Sim31', SOURCES.win10);
    expect(image).toMatchObject({
      status: 'ready',
      operatingSystem: 'Windows 10 Enterprise',
      osStatus: 'supportedWithWarning',
    });
  });

  it('SIM-32 MUST fail with the errorCode its source image implies', async () => {
    const cases: [string, string, string | null][] = [
      [SOURCES.missing, 'sourceImageNotFound', 'sourceImageNotFound'],
      [
        SOURCES.notGeneralized,
        'sourceImageNotGeneralized',
        'sourceImageNotGeneralized',
      ],
      [SOURCES.win7, 'osVersionNotSupported', 'osVersionNotSupported'],
      [SOURCES.corrupt, 'sourceImageInvalid', 'sourceImageInvalid'],
      [SOURCES.dataDisk, 'sourceImageWithDataDiskNotSupported', null],
    ];
    for (const [i, [source, errorCode, statusDetails]] of cases.entries()) {
      const image = await createAndSettle(`Sim32-${i}`, source);
      expect(image, errorCode).toMatchObject({
        status: 'failed',
        errorCode,
        statusDetails,
        operatingSystem: null,
      });
    }
  });

  it('SIM-33 MUST move lastModifiedDateTime on every transition', async () => {
    const created = await call(sim, 'POST', IMAGES, {
      body: newImage('Sim33', SOURCES.corrupt),
    });
    const id = created.body.id;
    const stamps = [created.body.lastModifiedDateTime];
    await until(
      () => sim.images().find((i) => i.id === id)?.status === 'failed',
    );
    stamps.push(sim.images().find((i) => i.id === id)?.lastModifiedDateTime);
    await call(sim, 'POST', `${IMAGES}/${id}/retryUpload`);
    stamps.push(sim.images().find((i) => i.id === id)?.lastModifiedDateTime);
    const times = stamps.map((s) => Date.parse(s));
    expect(times[1]).toBeGreaterThan(times[0]!);
    expect(times[2]).toBeGreaterThan(times[1]!);
  });

  it('SIM-34 MUST complete the seeded pending image after uploadMs', async () => {
    const fresh = await startSimulator({ uploadMs: UPLOAD_MS });
    try {
      const pending = () =>
        fresh.images().find((i) => i.id === SEED_IMAGE_IDS.pending);
      expect(pending()?.status).toBe('pending');
      await until(() => pending()?.status === 'ready');
      expect(pending()?.osStatus).toBe('supportedWithWarning');
    } finally {
      await fresh.close();
    }
  });

  it('SIM-35 MUST keep a state forced by updateImage (its timer is cancelled)', async () => {
    const created = await call(sim, 'POST', IMAGES, {
      body: newImage('Sim35', SOURCES.devImage),
    });
    const id = created.body.id;
    sim.updateImage(id, { status: 'failed', errorCode: 'internalServerError' });
    await new Promise((r) => setTimeout(r, UPLOAD_MS * 2));
    expect(sim.images().find((i) => i.id === id)).toMatchObject({
      status: 'failed',
      errorCode: 'internalServerError',
    });
    expect(() => sim.updateImage('nope', {})).toThrow(
      "updateImage(): tenant 'default' has no image with id 'nope'.",
    );
    expect(() => sim.images('other')).toThrow(
      "images(): unknown tenant 'other'; tenants: default.",
    );
  });

  it('SIM-36 MUST cancel the upload of a deleted image', async () => {
    const created = await call(sim, 'POST', IMAGES, {
      body: newImage('Sim36', SOURCES.devImage),
    });
    const id = created.body.id;
    expect((await call(sim, 'DELETE', `${IMAGES}/${id}`)).status).toBe(204);
    await new Promise((r) => setTimeout(r, UPLOAD_MS * 2));
    expect(sim.images().some((i) => i.id === id)).toBe(false);
    expect((await call(sim, 'GET', `${IMAGES}/${id}`)).status).toBe(404);
  });
});

describe('Simulator contract: evolvable enums', () => {
  it('SIM-37 MUST hide members after unknownFutureValue unless Prefer asks for them', async () => {
    const plain = await call(sim, 'GET', IMAGES);
    const byId = (body: any, id: string) =>
      body.value.find((i: { id: string }) => i.id === id);
    expect(byId(plain.body, SEED_IMAGE_IDS.warning).status).toBe(
      'unknownFutureValue',
    );
    expect(byId(plain.body, SEED_IMAGE_IDS.failedDataDisk).errorCode).toBe(
      'unknownFutureValue',
    );
    const prefer = {
      prefer: 'return=minimal, include-unknown-enum-members',
    };
    const full = await call(sim, 'GET', IMAGES, { headers: prefer });
    expect(byId(full.body, SEED_IMAGE_IDS.warning).status).toBe('warning');
    expect(byId(full.body, SEED_IMAGE_IDS.failedDataDisk).errorCode).toBe(
      'sourceImageWithDataDiskNotSupported',
    );
    const get = await call(sim, 'GET', `${IMAGES}/${SEED_IMAGE_IDS.warning}`);
    expect(get.body.status).toBe('unknownFutureValue');
  });

  it('SIM-38 MUST filter on the enum values the caller sees', async () => {
    const filter = encodeURIComponent("status eq 'warning'");
    const hidden = await call(sim, 'GET', `${IMAGES}?$filter=${filter}`);
    expect(hidden.body.value).toEqual([]);
    const shown = await call(sim, 'GET', `${IMAGES}?$filter=${filter}`, {
      headers: { prefer: 'include-unknown-enum-members' },
    });
    expect(shown.body.value.map((i: { id: string }) => i.id)).toEqual([
      SEED_IMAGE_IDS.warning,
    ]);
    const sentinel = encodeURIComponent("status eq 'unknownFutureValue'");
    const masked = await call(sim, 'GET', `${IMAGES}?$filter=${sentinel}`);
    expect(masked.body.value.map((i: { id: string }) => i.id)).toEqual([
      SEED_IMAGE_IDS.warning,
    ]);
  });
});

describe('Simulator contract: seed', () => {
  it('SIM-39 MUST seed the documented example image and images in varied states', async () => {
    const fresh = await startSimulator({ uploadMs: 60_000 });
    try {
      const images = fresh.images();
      expect(images.find((i) => i.id === SEED_IMAGE_IDS.ready)).toMatchObject({
        displayName: 'ImageForDev',
        version: '0.0.1',
        status: 'ready',
        osStatus: 'supported',
        lastModifiedDateTime: '2024-11-03T07:03:44.970Z',
        sourceImageResourceId:
          '/subscriptions/0ac520ee-14c0-480f-b6c9-0a90c58ffff/resourceGroups/Example/providers/Microsoft.Compute/images/exampleImageForDev',
      });
      expect(new Set(images.map((i) => i.status))).toEqual(
        new Set(['ready', 'failed', 'pending', 'warning']),
      );
      const empty = await startSimulator({ seed: false });
      expect(empty.images()).toEqual([]);
      await empty.close();
    } finally {
      await fresh.close();
    }
  });
});
