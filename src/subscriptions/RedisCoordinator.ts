/**
 * Shared polling over Redis: the {@link ScopeCoordinator} that lets several
 * gateway instances behind a load balancer poll Graph once per scope and
 * stream every change to every instance. No graphql-ws or Apollo types.
 *
 * Per scope, under one hash tag so a Redis Cluster keeps them in one slot
 * (`{d}` is a digest of the deployment's namespace and the scope, so no
 * credential or user name is ever written):
 * - `cloudpc:{d}:lease`: the poller's instance id, `SET NX PX`, renewed by
 *   compare-and-set.
 * - `cloudpc:{d}:images`: hash, image id → image JSON, the last known state.
 * - `cloudpc:{d}:meta`: hash, `seq` (messages published), `baseline` (a poll
 *   has established `images`) and `polledAt`.
 * - `cloudpc:{d}:mutations`: hash, image id → `seq` of its last mutation,
 *   so that a poll that started before it cannot undo it.
 * - channel `cloudpc:{d}:events`: {@link SharedMessage}s, as JSON.
 *
 * Every write and its message happen in one Lua script, so Redis orders the
 * messages exactly as it applied the writes and `seq` has no holes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

import { Redis, type RedisOptions } from 'ioredis';

import type { GraphDeviceImage } from '../datasource/graphModel.js';
import type { Logger } from '../logger.js';
import { noopMetrics, type SharedModeMetrics } from '../server/metricsSink.js';
import type {
  LeaseAnswer,
  ScopeCoordinator,
  SharedMessage,
  SharedSnapshot,
} from './ScopeCoordinator.js';

/** Options of {@link createRedisCoordinator}. */
export interface RedisCoordinatorOptions {
  /** `redis://` or `rediss://` URL (`REDIS_URL`). */
  url: string;
  /**
   * Tells deployments apart that share one Redis: instances share a scope
   * only when their namespaces are equal. It should identify the Graph
   * endpoint and the credentials (never contain them: it is hashed, but
   * only a digest of it needs to be equal).
   */
  namespace: string;
  /** The poll interval, from which lease and state lifetimes derive. */
  pollIntervalMs: number;
  /**
   * How long a lease lasts without renewal; the leader renews it three
   * times per lease, and followers ask again the moment it would run out.
   * A dead leader's lease outlives it by at most this time, so with the
   * default its successor polls within two intervals of its death (the
   * remaining half interval absorbs Redis round trips and late timers).
   * @default 1.5 * pollIntervalMs
   */
  leaseTtlMs?: number | undefined;
  /** Connection changes go to warn and info, message faults to error. */
  logger: Logger;
  /** @default no metrics */
  metrics?: SharedModeMetrics | undefined;
}

/** A running coordinator; `close()` disconnects. */
export type RedisCoordinator = ScopeCoordinator;

/** Prefix of every key and channel. */
const KEY_PREFIX = 'cloudpc:';

/** Takes the lease, or extends it when ours; else answers its PTTL. */
const ACQUIRE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return -1
end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return -1
end
return redis.call('PTTL', KEYS[1])
`;

/** Compare-and-set renewal; keeps the scope's state alive with it. */
const RENEW = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
for i = 2, 4 do redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
return 1
`;

/** Compare-and-delete, then tells followers to take over at once. */
const RELEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[2], '{"type":"released"}')
return 1
`;

/**
 * Applies a poll (ARGV[6..]: id, JSON pairs) if the caller still holds the
 * lease. Images mutated after ARGV[3] (the seq the poll started at) keep
 * the mutation's state; older mutation marks are consumed. Publishes the
 * merged list.
 */
const APPLY_POLL = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local since = tonumber(ARGV[3])
local mutated = {}
local marks = redis.call('HGETALL', KEYS[4])
for i = 1, #marks, 2 do
  if tonumber(marks[i + 1]) > since then
    mutated[marks[i]] = true
  else
    redis.call('HDEL', KEYS[4], marks[i])
  end
end
local seen = {}
for i = 6, #ARGV, 2 do
  seen[ARGV[i]] = true
  if not mutated[ARGV[i]] then
    redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  end
end
for _, id in ipairs(redis.call('HKEYS', KEYS[2])) do
  if not seen[id] and not mutated[id] then redis.call('HDEL', KEYS[2], id) end
end
redis.call('HSET', KEYS[3], 'baseline', '1', 'polledAt', ARGV[5])
local seq = redis.call('HINCRBY', KEYS[3], 'seq', 1)
for i = 2, 4 do redis.call('PEXPIRE', KEYS[i], ARGV[4]) end
redis.call('PUBLISH', ARGV[2], '{"type":"full","seq":' .. seq ..
  ',"origin":' .. cjson.encode(ARGV[1]) .. ',"polledAt":' .. ARGV[5] ..
  ',"images":[' .. table.concat(redis.call('HVALS', KEYS[2]), ',') .. ']}')
return seq
`;

/** Applies one mutation (ARGV[5] empty: deleted) and publishes it. */
const APPLY_CHANGE = `
local id = ARGV[4]
if ARGV[5] == '' then
  redis.call('HDEL', KEYS[1], id)
else
  redis.call('HSET', KEYS[1], id, ARGV[5])
end
local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
redis.call('HSET', KEYS[3], id, seq)
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
local image = ARGV[5]
if image == '' then image = 'null' end
redis.call('PUBLISH', ARGV[1], '{"type":"change","seq":' .. seq ..
  ',"origin":' .. cjson.encode(ARGV[2]) .. ',"id":' .. cjson.encode(id) ..
  ',"image":' .. image .. '}')
return seq
`;

interface Script {
  source: string;
  sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

const SCRIPTS = {
  acquire: script(ACQUIRE),
  renew: script(RENEW),
  release: script(RELEASE),
  applyPoll: script(APPLY_POLL),
  applyChange: script(APPLY_CHANGE),
};

/** The keys and channel of one scope. */
interface ScopeKeys {
  lease: string;
  images: string;
  meta: string;
  mutations: string;
  channel: string;
}

/**
 * Where the connection stands: `connecting` until Redis first answers,
 * `fallback` while it is lost (instances poll on their own).
 */
type ConnectionPhase = 'connecting' | 'connected' | 'fallback' | 'closed';

/**
 * Connects to Redis (in the background: the gateway starts without it and
 * polls locally until it answers) and returns the coordinator.
 */
export function createRedisCoordinator(
  options: RedisCoordinatorOptions,
): RedisCoordinator {
  const { logger, pollIntervalMs } = options;
  const metrics = options.metrics ?? noopMetrics;
  const leaseTtlMs = Math.max(
    20,
    Math.round(options.leaseTtlMs ?? 1.5 * pollIntervalMs),
  );
  // The state must outlive a leader's death until its successor polls, or
  // the transitions made meanwhile would become a silent new baseline.
  const stateTtlMs = 2 * leaseTtlMs + pollIntervalMs;
  const instanceId = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  const namespaceDigest = createHash('sha256')
    .update(options.namespace)
    .digest('hex');

  const connection: RedisOptions = {
    // Fail fast while Redis is away: callers fall back to local polling
    // instead of waiting in a queue.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: Math.max(1_000, pollIntervalMs),
    retryStrategy: (attempt) => Math.min(50 * attempt, 1_000),
    connectionName: 'cloudpc-graphql',
  };
  const commands = new Redis(options.url, connection);
  const subscriber = new Redis(options.url, connection);

  let phase: ConnectionPhase = 'connecting';
  const listeners = new Set<(connected: boolean) => void>();
  const channels = new Map<string, (message: SharedMessage) => void>();
  const keysByScope = new Map<string, ScopeKeys>();

  const keysOf = (scope: string): ScopeKeys => {
    let keys = keysByScope.get(scope);
    if (!keys) {
      const digest = createHash('sha256')
        .update(`${namespaceDigest}\u0000${scope}`)
        .digest('hex')
        .slice(0, 32);
      const base = `${KEY_PREFIX}{${digest}}`;
      keys = {
        lease: `${base}:lease`,
        images: `${base}:images`,
        meta: `${base}:meta`,
        mutations: `${base}:mutations`,
        channel: `${base}:events`,
      };
      keysByScope.set(scope, keys);
    }
    return keys;
  };

  const enterFallback = (err: unknown): void => {
    phase = 'fallback';
    metrics.redisConnected(false);
    metrics.sharedModeFallback();
    logger.warn(
      { err, instanceId },
      'Redis is unreachable; each instance polls Graph on its own until it ' +
        'returns, and subscribers stay open',
    );
  };

  const update = (): void => {
    if (phase === 'closed') return;
    const ready = commands.status === 'ready' && subscriber.status === 'ready';
    if (ready && phase !== 'connected') {
      const rejoining = phase === 'fallback';
      phase = 'connected';
      metrics.redisConnected(true);
      logger.info(
        { instanceId, leaseTtlMs },
        rejoining
          ? 'Redis is reachable again; rejoining shared polling'
          : 'connected to Redis; polling and events are shared',
      );
      for (const listener of listeners) listener(true);
    } else if (!ready && phase === 'connected') {
      enterFallback(undefined);
      for (const listener of listeners) listener(false);
    }
  };

  for (const client of [commands, subscriber]) {
    client.on('ready', update);
    client.on('close', update);
    client.on('error', (err: unknown) => {
      // ioredis reports every failed reconnection; one warning per outage
      // is enough.
      if (phase === 'connecting') enterFallback(err);
      else logger.debug({ err }, 'Redis connection error');
    });
  }

  subscriber.on('message', (channel: string, text: string) => {
    const listener = channels.get(channel);
    if (!listener) return;
    let message: SharedMessage;
    try {
      message = parseMessage(text);
    } catch (err) {
      logger.error({ err, channel }, 'ignoring a malformed shared message');
      return;
    }
    listener(message);
  });

  const run = async (
    which: Script,
    keys: string[],
    args: (string | number)[],
  ): Promise<unknown> => {
    try {
      return await commands.evalsha(which.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) {
        throw error;
      }
      return commands.eval(which.source, keys.length, ...keys, ...args);
    }
  };

  return {
    instanceId,
    leaseTtlMs,
    get isConnected() {
      return phase === 'connected';
    },
    onConnectionChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async subscribe(scope, listener) {
      const { channel } = keysOf(scope);
      channels.set(channel, listener);
      await subscriber.subscribe(channel);
    },
    async unsubscribe(scope) {
      const { channel } = keysOf(scope);
      channels.delete(channel);
      if (subscriber.status === 'ready') await subscriber.unsubscribe(channel);
    },
    async load(scope): Promise<SharedSnapshot> {
      const keys = keysOf(scope);
      const results = await commands
        .multi()
        .hmget(keys.meta, 'seq', 'baseline', 'polledAt')
        .hvals(keys.images)
        .exec();
      const [meta, values] = (results ?? []).map(([error, value]) => {
        if (error) throw error;
        return value;
      }) as [(string | null)[], string[]];
      const [seq, baseline, polledAt] = meta;
      return {
        seq: Number(seq ?? 0),
        images:
          baseline === '1'
            ? values.map((text) => JSON.parse(text) as GraphDeviceImage)
            : undefined,
        polledAt: Number(polledAt ?? 0),
      };
    },
    async acquireLease(scope): Promise<LeaseAnswer> {
      const pttl = Number(
        await run(
          SCRIPTS.acquire,
          [keysOf(scope).lease],
          [instanceId, leaseTtlMs],
        ),
      );
      // -2: the key vanished between the two commands; ask again soon.
      return pttl === -1
        ? { held: true }
        : { held: false, retryInMs: pttl > 0 ? pttl : 1 };
    },
    async renewLease(scope) {
      const keys = keysOf(scope);
      const renewed = await run(
        SCRIPTS.renew,
        [keys.lease, keys.images, keys.meta, keys.mutations],
        [instanceId, leaseTtlMs, stateTtlMs],
      );
      return Number(renewed) === 1;
    },
    async releaseLease(scope) {
      const keys = keysOf(scope);
      await run(SCRIPTS.release, [keys.lease], [instanceId, keys.channel]);
    },
    async publishPoll(scope, images, sinceSeq, polledAt) {
      const keys = keysOf(scope);
      const pairs: string[] = [];
      for (const image of images) pairs.push(image.id, JSON.stringify(image));
      const seq = Number(
        await run(
          SCRIPTS.applyPoll,
          [keys.lease, keys.images, keys.meta, keys.mutations],
          [
            instanceId,
            keys.channel,
            sinceSeq,
            stateTtlMs,
            Math.floor(polledAt),
            ...pairs,
          ],
        ),
      );
      return seq > 0 ? seq : undefined;
    },
    async publishChange(scope, id, image) {
      const keys = keysOf(scope);
      return Number(
        await run(
          SCRIPTS.applyChange,
          [keys.images, keys.meta, keys.mutations],
          [
            keys.channel,
            instanceId,
            stateTtlMs,
            id,
            image ? JSON.stringify(image) : '',
          ],
        ),
      );
    },
    async close() {
      if (phase === 'closed') return;
      phase = 'closed';
      listeners.clear();
      channels.clear();
      await Promise.allSettled(
        [commands, subscriber].map((client) =>
          client.status === 'ready' ? client.quit() : client.disconnect(),
        ),
      );
    },
  };
}

/** Checks the shape of a message from the channel. */
function parseMessage(text: string): SharedMessage {
  const value = JSON.parse(text) as Partial<Record<string, unknown>>;
  const seqOk = typeof value['seq'] === 'number';
  if (value['type'] === 'released') return { type: 'released' };
  if (value['type'] === 'full' && seqOk && Array.isArray(value['images'])) {
    return value as unknown as SharedMessage;
  }
  if (value['type'] === 'change' && seqOk && typeof value['id'] === 'string') {
    return value as unknown as SharedMessage;
  }
  throw new Error(
    `expected a shared message of type full, change or released, but got ` +
      text.slice(0, 120),
  );
}
