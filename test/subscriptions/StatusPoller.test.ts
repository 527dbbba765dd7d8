import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import {
  DeviceImagesDataSource,
  GraphClient,
} from '../../src/datasource/index.js';
import type { GraphDeviceImage } from '../../src/datasource/graphModel.js';
import { ErrorCode, GatewayError } from '../../src/errors/index.js';
import { createSilentLogger } from '../../src/logger.js';
import {
  SEED_IMAGE_IDS,
  SOURCE_IMAGES,
  startSimulator,
  type Simulator,
} from '../../src/simulator/index.js';
import {
  createSubscriptionHub,
  type ImageEvent,
  type SubscriptionHub,
  type SubscriptionTarget,
} from '../../src/subscriptions/index.js';
import {
  readStream,
  sleep,
  waitFor,
  type StreamReader,
} from './streamReader.js';

const POLL_MS = 50;
const SCOPE = 'app';

describe('Subscriptions: status poller', () => {
  let simulator: Simulator;
  let client: GraphClient;
  let target: SubscriptionTarget;
  let hub: SubscriptionHub;
  const readers: StreamReader<unknown>[] = [];

  const watchStatus = (id: string) => {
    const reader = readStream(hub.imageStatus(target, id));
    readers.push(reader);
    return reader;
  };
  const watchEvents = () => {
    const reader = readStream(hub.imageEvents(target));
    readers.push(reader);
    return reader;
  };
  const lists = () => simulator.requestCount('listDeviceImages');

  beforeAll(async () => {
    simulator = await startSimulator({ uploadMs: 150, maxImages: 100 });
    // One attempt per call, so every failure reaches the poller itself.
    client = new GraphClient({ baseUrl: simulator.baseUrl, maxAttempts: 1 });
    target = {
      scope: SCOPE,
      dataSource: new DeviceImagesDataSource({
        client,
        getToken: async () => 't',
      }),
    };
    // Let the seeded pending image finish before any test watches.
    await sleep(200);
  });

  afterEach(async () => {
    await Promise.all(readers.splice(0).map((reader) => reader.stop()));
    await hub?.close();
  });

  afterAll(async () => {
    await client?.close();
    await simulator?.close();
  });

  const startHub = (
    options: { maxQueuedEvents?: number; pollIntervalMs?: number } = {},
  ) => {
    hub = createSubscriptionHub({
      pollIntervalMs: POLL_MS,
      logger: createSilentLogger(),
      ...options,
    });
  };

  it('lists once per interval however many subscribers there are', async () => {
    startHub();
    const ids = Object.values(SEED_IMAGE_IDS);
    const statusReaders = Array.from({ length: 200 }, (_, i) =>
      watchStatus(ids[i % ids.length] as string),
    );
    for (let i = 0; i < 5; i++) watchEvents();
    for (const reader of statusReaders) {
      expect((await reader.next()).type).toBe('value');
    }
    // Count from just after a poll arrived, so that none is in flight when
    // the window opens.
    simulator.resetRequests();
    await waitFor(() => lists() > 0, 'a poll');
    simulator.resetRequests();
    const started = Date.now();
    await sleep(10 * POLL_MS);
    const polls = lists();
    // Timers run late on a loaded machine: count the intervals that passed.
    const intervals = Math.floor((Date.now() - started) / POLL_MS);
    expect(polls).toBeLessThanOrEqual(intervals + 1);
    expect(polls).toBeGreaterThan(0);
    expect(simulator.requestCount()).toBe(polls);
  });

  it('sends each change once to every watcher of an image, and a latecomer its state', async () => {
    startHub();
    const id = SEED_IMAGE_IDS.ready;
    const watchers = [watchStatus(id), watchStatus(id), watchStatus(id)];
    for (const watcher of watchers) {
      expect(await watcher.next()).toMatchObject({
        value: { status: 'ready' },
      });
    }
    // Polls that find nothing changed send nothing.
    await sleep(4 * POLL_MS);
    for (const watcher of watchers) expect(watcher.hasUnread()).toBe(false);
    simulator.updateImage(id, {
      status: 'failed',
      errorCode: 'sourceImageNotFound',
    });
    for (const watcher of watchers) {
      expect(await watcher.next()).toMatchObject({
        value: { status: 'failed', errorCode: 'sourceImageNotFound' },
      });
    }
    const late = watchStatus(id);
    expect(await late.next()).toMatchObject({ value: { status: 'failed' } });
    await sleep(4 * POLL_MS);
    for (const watcher of [...watchers, late]) {
      expect(watcher.hasUnread()).toBe(false);
    }
    simulator.updateImage(id, { status: 'ready', errorCode: null });
    for (const watcher of [...watchers, late]) {
      expect(await watcher.next()).toMatchObject({
        value: { status: 'ready' },
      });
    }
  });

  it('stops polling when the last subscriber leaves', async () => {
    startHub();
    const status = watchStatus(SEED_IMAGE_IDS.ready);
    const events = watchEvents();
    await status.next();
    await status.stop();
    await sleep(2 * POLL_MS);
    expect(lists()).toBeGreaterThan(0);
    await events.stop();
    // A poll already in flight may still land.
    await sleep(300);
    simulator.resetRequests();
    await sleep(6 * POLL_MS);
    expect(lists()).toBe(0);
  });

  it('starts a new subscriber from a fresh snapshot without listing again', async () => {
    // A long interval keeps the snapshot fresh however slow the machine.
    startHub({ pollIntervalMs: 2_000 });
    const first = watchStatus(SEED_IMAGE_IDS.ready);
    await first.next();
    await first.stop();
    simulator.resetRequests();
    const second = watchStatus(SEED_IMAGE_IDS.readyGallery);
    const item = await second.next();
    expect(item).toMatchObject({ value: { id: SEED_IMAGE_IDS.readyGallery } });
    expect(simulator.requestCount()).toBe(0);
  });

  it('waits out Retry-After after a 429 and keeps its subscribers', async () => {
    startHub();
    const id = SEED_IMAGE_IDS.readyGallery;
    const status = watchStatus(id);
    expect(await status.next()).toMatchObject({ value: { status: 'ready' } });
    simulator.injectFault({
      route: 'listDeviceImages',
      status: 429,
      retryAfterSeconds: 2,
    });
    await waitFor(
      () => simulator.requests.some((request) => request.status === 429),
      'the throttled poll',
    );
    const afterThrottle = lists();
    await sleep(1_200);
    expect(lists()).toBe(afterThrottle);
    await waitFor(() => lists() > afterThrottle, 'polling to resume', 2_000);
    simulator.updateImage(id, {
      status: 'failed',
      errorCode: 'sourceImageInvalid',
    });
    expect(await status.next()).toMatchObject({
      type: 'value',
      value: { id, status: 'failed', errorCode: 'sourceImageInvalid' },
    });
    simulator.updateImage(id, { status: 'ready', errorCode: null });
  });

  it('keeps every subscription through 5xx answers and resets', async () => {
    startHub();
    const id = SEED_IMAGE_IDS.ready;
    const status = watchStatus(id);
    const events = watchEvents();
    expect(await status.next()).toMatchObject({ value: { status: 'ready' } });
    simulator.injectFault({ route: 'listDeviceImages', status: 503, count: 2 });
    simulator.injectFault({ route: 'listDeviceImages', reset: true });
    simulator.injectFault({ route: 'listDeviceImages', status: 500 });
    await waitFor(
      () =>
        simulator.requests.filter((request) => request.status >= 500).length >=
        3,
      'the failed polls',
      5_000,
    );
    simulator.updateImage(id, {
      status: 'failed',
      errorCode: 'sourceImageInvalid',
    });
    expect(await status.next()).toMatchObject({
      type: 'value',
      value: { status: 'failed' },
    });
    const event = await events.next();
    expect(event).toMatchObject({
      type: 'value',
      value: { kind: 'STATUS_CHANGED', id, previousStatus: 'ready' },
    });
    expect(events.items.filter((item) => item.type !== 'value')).toEqual([]);
    simulator.updateImage(id, { status: 'ready', errorCode: null });
  });

  it('backs off exponentially while polls fail without Retry-After', async () => {
    startHub();
    const status = watchStatus(SEED_IMAGE_IDS.ready);
    await status.next();
    simulator.resetRequests();
    await waitFor(() => lists() > 0, 'a poll');
    simulator.injectFault({ route: 'listDeviceImages', status: 503, count: 4 });
    await waitFor(
      () =>
        simulator.requests.filter(
          (r) => r.route === 'listDeviceImages' && r.status === 503,
        ).length === 4,
      'four failed polls',
      5_000,
    );
    await waitFor(
      () =>
        simulator.requests.filter(
          (r) => r.route === 'listDeviceImages' && r.status === 200,
        ).length >= 2,
      'a poll that succeeds again',
      5_000,
    );
    const polls = simulator.requests.filter(
      (r) => r.route === 'listDeviceImages',
    );
    const firstFailure = polls.findIndex((r) => r.status === 503);
    const gaps = polls
      .slice(firstFailure, firstFailure + 5)
      .map((r, i, all) => (i === 0 ? 0 : r.receivedAt - all[i - 1]!.receivedAt))
      .slice(1);
    // After the n-th failure in a row the wait is drawn from the upper half
    // of interval × 2^(n-1): at least 50, 50, 100 and 200 ms here, where
    // a steady rhythm would give 50 each time.
    expect(gaps).toHaveLength(4);
    expect(gaps[2]).toBeGreaterThanOrEqual(2 * POLL_MS - 5);
    expect(gaps[3]).toBeGreaterThanOrEqual(4 * POLL_MS - 5);
    expect(status.items.filter((item) => item.type !== 'value')).toEqual([]);
  });

  it('keeps every subscription through a poll that times out', async () => {
    const impatient = new GraphClient({
      baseUrl: simulator.baseUrl,
      maxAttempts: 1,
      timeoutMs: 200,
    });
    try {
      startHub();
      const slowTarget: SubscriptionTarget = {
        scope: SCOPE,
        dataSource: new DeviceImagesDataSource({
          client: impatient,
          getToken: async () => 't',
        }),
      };
      const id = SEED_IMAGE_IDS.ready;
      const status = readStream(hub.imageStatus(slowTarget, id));
      readers.push(status);
      expect(await status.next()).toMatchObject({ value: { status: 'ready' } });
      simulator.resetRequests();
      simulator.injectFault({ route: 'listDeviceImages', delayMs: 1_000 });
      await waitFor(() => lists() > 0, 'the slow poll');
      // The answer that comes too late must not count as Graph's word.
      simulator.updateImage(id, {
        status: 'failed',
        errorCode: 'sourceImageInvalid',
      });
      expect(await status.next(5_000)).toMatchObject({
        type: 'value',
        value: { status: 'failed', errorCode: 'sourceImageInvalid' },
      });
      expect(status.items.filter((item) => item.type !== 'value')).toEqual([]);
      simulator.updateImage(id, { status: 'ready', errorCode: null });
    } finally {
      await impatient.close();
    }
  });

  it('announces a mutation at once and not again after the next poll', async () => {
    startHub();
    const id = SEED_IMAGE_IDS.failedRetryable;
    const status = watchStatus(id);
    const events = watchEvents();
    const initial = await status.next();
    expect(initial).toMatchObject({ value: { status: 'failed' } });
    await target.dataSource.retryUpload(id);
    const pending = (await target.dataSource.get(id)) as GraphDeviceImage;
    hub.imageChanged(SCOPE, pending);
    expect(await events.next(20)).toMatchObject({
      value: { kind: 'STATUS_CHANGED', id, previousStatus: 'failed' },
    });
    expect(await status.next(20)).toMatchObject({
      value: { status: 'pending' },
    });
    expect(await status.next()).toMatchObject({ value: { status: 'ready' } });
    await sleep(4 * POLL_MS);
    const ofImage = events.items
      .filter((item) => item.type === 'value')
      .map((item) => item.value as ImageEvent)
      .filter((event) => event.id === id)
      .map((event) => `${event.previousStatus}->${event.image?.status}`);
    expect(ofImage).toEqual(['failed->pending', 'pending->ready']);
    expect(status.hasUnread()).toBe(false);
  });

  it('does not take an image created during a slow poll for deleted', async () => {
    startHub();
    const events = watchEvents();
    const status = watchStatus(SEED_IMAGE_IDS.ready);
    await status.next();
    // The list is read at once but answered 1 s later: stale on arrival.
    simulator.injectFault({
      route: 'listDeviceImages',
      afterApply: true,
      delayMs: 1_000,
    });
    await sleep(300); // the slow poll is under way
    const source = SOURCE_IMAGES.find((s) => s.outcome.status === 'ready');
    const created = await target.dataSource.create({
      displayName: 'Created mid-poll',
      version: '1.0.0',
      sourceImageResourceId: source?.resourceId ?? '',
    });
    hub.imageCreated(SCOPE, created);
    await sleep(700 + 6 * POLL_MS);
    const kinds = events.items
      .filter((item) => item.type === 'value')
      .map((item) => item.value as ImageEvent)
      .filter((event) => event.id === created.id)
      .map((event) => event.kind);
    expect(kinds).toEqual(['CREATED', 'STATUS_CHANGED']);
    await target.dataSource.delete(created.id);
  });

  it('ends a subscription with NOT_FOUND for an unknown id', async () => {
    startHub();
    const status = watchStatus('00000000-0000-4000-8000-000000000000');
    const item = await status.next();
    expect(item.type).toBe('error');
    const error = (item as { error: unknown }).error as GatewayError;
    expect(error.code).toBe(ErrorCode.NOT_FOUND);
    expect(error.message).toContain('00000000-0000-4000-8000-000000000000');
  });

  it('completes a status stream when the image is deleted', async () => {
    startHub();
    const source = SOURCE_IMAGES.find((s) => s.outcome.status === 'ready');
    const created = await target.dataSource.create({
      displayName: 'Deleted soon',
      version: '1.0.0',
      sourceImageResourceId: source?.resourceId ?? '',
    });
    const status = watchStatus(created.id);
    expect(await status.next()).toMatchObject({ value: { id: created.id } });
    await target.dataSource.delete(created.id);
    const items = [
      await status.next(),
      ...(status.hasUnread() ? [await status.next()] : []),
    ];
    expect(items.at(-1)).toEqual({ type: 'done' });
  });

  it('ends a subscriber that falls too far behind with an error', async () => {
    startHub({ maxQueuedEvents: 2 });
    const iterator = hub.imageEvents(target);
    const image = (await target.dataSource.get(
      SEED_IMAGE_IDS.ready,
    )) as GraphDeviceImage;
    hub.imageChanged(SCOPE, { ...image, status: 'pending' });
    hub.imageChanged(SCOPE, { ...image, status: 'ready' });
    hub.imageChanged(SCOPE, { ...image, status: 'pending' });
    await expect(iterator.next()).rejects.toMatchObject({
      extensions: {
        code: ErrorCode.INTERNAL_SERVER_ERROR,
        reason: 'SUBSCRIBER_OVERFLOW',
      },
    });
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('rejects a poll interval that is not a positive number', () => {
    expect(() =>
      createSubscriptionHub({
        pollIntervalMs: 0,
        logger: createSilentLogger(),
      }),
    ).toThrow(
      'createSubscriptionHub(): option pollIntervalMs must be a positive, ' +
        'finite number of milliseconds or events, but got 0',
    );
  });
});
