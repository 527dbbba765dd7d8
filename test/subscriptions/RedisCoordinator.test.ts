import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { GraphDeviceImage } from '../../src/datasource/graphModel.js';
import { createSilentLogger } from '../../src/logger.js';
import {
  createRedisCoordinator,
  type RedisCoordinator,
} from '../../src/subscriptions/index.js';
import type { SharedMessage } from '../../src/subscriptions/ScopeCoordinator.js';
import { startRedis, type TestRedis } from '../utils/redis.js';
import { waitFor } from './streamReader.js';

const POLL_MS = 100;
/** Long enough that no lease runs out between steps on a loaded machine. */
const LEASE_MS = 5_000;

function image(id: string, status: string): GraphDeviceImage {
  return { id, displayName: id, version: '1.0.0', status } as GraphDeviceImage;
}

describe('Subscriptions: Redis coordinator', () => {
  let redis: TestRedis;
  let inspector: Redis;
  let a: RedisCoordinator;
  let b: RedisCoordinator;
  const heard: SharedMessage[] = [];

  const coordinator = (namespace: string) =>
    createRedisCoordinator({
      url: redis.url,
      namespace,
      pollIntervalMs: POLL_MS,
      leaseTtlMs: LEASE_MS,
      logger: createSilentLogger(),
    });

  beforeAll(async () => {
    redis = await startRedis();
    inspector = new Redis(redis.url);
    a = coordinator('tenant one');
    b = coordinator('tenant one');
    await waitFor(() => a.isConnected && b.isConnected, 'both connections');
    await b.subscribe('app', (message) => heard.push(message));
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    inspector?.disconnect();
    await redis?.close();
  });

  it('grants the lease to one instance and renews it only for its holder', async () => {
    expect(await a.acquireLease('app')).toEqual({ held: true });
    const refused = await b.acquireLease('app');
    expect(refused.held).toBe(false);
    expect(refused.held === false && refused.retryInMs).toBeGreaterThan(0);
    expect(refused.held === false && refused.retryInMs).toBeLessThanOrEqual(
      a.leaseTtlMs,
    );
    expect(await a.renewLease('app')).toBe(true);
    expect(await b.renewLease('app')).toBe(false);
    const [key] = await inspector.keys('cloudpc:*:lease');
    expect(await inspector.get(key!)).toBe(a.instanceId);
    expect(await inspector.pttl(key!)).toBeLessThanOrEqual(LEASE_MS);
    expect(await inspector.pttl(key!)).toBeGreaterThan(0);
  });

  it('lets a lease live one and a half intervals by default', async () => {
    const defaults = createRedisCoordinator({
      url: redis.url,
      namespace: 'default lease',
      pollIntervalMs: POLL_MS,
      logger: createSilentLogger(),
    });
    try {
      await waitFor(() => defaults.isConnected, 'the connection');
      expect(defaults.leaseTtlMs).toBe(1.5 * POLL_MS);
      expect(await defaults.acquireLease('app')).toEqual({ held: true });
      const keys = await inspector.keys('cloudpc:*:lease');
      const ttls = await Promise.all(keys.map((key) => inspector.pttl(key)));
      // The other lease is the 5-second one of the test above.
      expect(Math.min(...ttls)).toBeGreaterThan(0);
      expect(Math.min(...ttls)).toBeLessThanOrEqual(1.5 * POLL_MS);
    } finally {
      await defaults.close();
    }
  });

  it('publishes a poll only from the lease holder, in seq order', async () => {
    heard.length = 0;
    expect(
      await b.publishPoll('app', [image('x', 'ready')], 0, Date.now()),
    ).toBeUndefined();
    const seq = await a.publishPoll(
      'app',
      [image('x', 'ready'), image('y', 'pending')],
      0,
      1_000,
    );
    await waitFor(() => heard.length === 1, 'the full message');
    expect(heard[0]).toMatchObject({
      type: 'full',
      seq,
      origin: a.instanceId,
      polledAt: 1_000,
    });
    const full = heard[0] as Extract<SharedMessage, { type: 'full' }>;
    expect(full.images.map((i) => i.id).sort()).toEqual(['x', 'y']);
    const loaded = await b.load('app');
    expect(loaded.seq).toBe(seq);
    expect(loaded.polledAt).toBe(1_000);
    expect(loaded.images?.map((i) => i.id).sort()).toEqual(['x', 'y']);
  });

  it('keeps a mutation that a poll started too early to see', async () => {
    heard.length = 0;
    const before = (await b.load('app')).seq;
    const created = await b.publishChange('app', 'z', image('z', 'pending'));
    expect(created).toBe(before + 1);
    await b.publishChange('app', 'y', null);
    // A poll based on `before` saw neither the create nor the delete.
    await a.publishPoll(
      'app',
      [image('x', 'ready'), image('y', 'pending')],
      before,
      2_000,
    );
    await waitFor(() => heard.length === 3, 'three messages');
    expect(heard.map((m) => m.type === 'released' || m.seq)).toEqual([
      before + 1,
      before + 2,
      before + 3,
    ]);
    expect(heard[1]).toMatchObject({ type: 'change', id: 'y', image: null });
    const merged = heard[2] as Extract<SharedMessage, { type: 'full' }>;
    expect(merged.images.map((i) => i.id).sort()).toEqual(['x', 'z']);
    // A poll that started after both is Graph's word again.
    await a.publishPoll('app', [image('x', 'ready')], before + 2, 3_000);
    expect((await b.load('app')).images?.map((i) => i.id)).toEqual(['x']);
  });

  it('tells followers when the holder gives the lease up', async () => {
    heard.length = 0;
    await b.releaseLease('app'); // not b's to give
    expect((await b.acquireLease('app')).held).toBe(false);
    await a.releaseLease('app');
    await waitFor(() => heard.length === 1, 'the released message');
    expect(heard).toEqual([{ type: 'released' }]);
    expect(await b.acquireLease('app')).toEqual({ held: true });
    await b.releaseLease('app');
  });

  it('keeps deployments apart and writes no namespace or scope in clear', async () => {
    const other = coordinator('tenant two');
    try {
      await waitFor(() => other.isConnected, 'the connection');
      expect(await other.acquireLease('app')).toEqual({ held: true });
      expect((await other.load('app')).images).toBeUndefined();
      const keys = await inspector.keys('*');
      expect(keys.join(' ')).not.toMatch(/tenant|app/);
      for (const key of keys) {
        expect(key).toMatch(/^cloudpc:\{[0-9a-f]{32}\}:[a-z]+$/);
      }
    } finally {
      await other.close();
    }
  });
});
