/**
 * The subscription core the gateway holds one of: it hands subscription
 * resolvers their streams and takes the events mutations publish, keeping
 * one {@link StatusPoller} per credential scope. No graphql-ws or Apollo
 * types here.
 */
import { createHash } from 'node:crypto';

import type { GraphDeviceImage } from '../datasource/graphModel.js';
import type { Logger } from '../logger.js';
import { noopMetrics, type PollerMetrics } from '../server/metricsSink.js';
import type { ImageEvent, ImageEventSink } from './events.js';
import type { ScopeCoordinator } from './ScopeCoordinator.js';
import { StatusPoller } from './StatusPoller.js';
import type { SubscriptionSource, SubscriptionTarget } from './types.js';

/** Options of {@link createSubscriptionHub}. */
export interface SubscriptionHubOptions {
  /**
   * Milliseconds between the starts of two polls of one scope's image
   * list, however many subscribers and images it has. The gateway reads it
   * from `POLL_INTERVAL_MS`.
   */
  pollIntervalMs: number;
  /** Poll failures go to warn, lifecycle to debug. */
  logger: Logger;
  /**
   * Events one subscriber may fall behind by; one more ends its
   * subscription with an error instead of silently dropping events.
   * @default 1_000
   */
  maxQueuedEvents?: number | undefined;
  /**
   * Longest pause between failed polls that carried no `Retry-After`;
   * pauses grow from one interval, doubling, with jitter.
   * @default 60_000 // 1 minute
   */
  maxBackoffMs?: number | undefined;
  /** Where pollers report starts, stops and polls. @default no metrics */
  metrics?: PollerMetrics | undefined;
  /**
   * Shares polling and events with other gateway instances (e.g.
   * `createRedisCoordinator`): one instance polls each scope for all, and
   * mutations made on any instance reach subscribers on every one. Give it
   * only when scopes stand for shared credentials, never per-caller tokens.
   * @default undefined // this instance polls and streams alone
   */
  coordinator?: ScopeCoordinator | undefined;
}

/**
 * Streams for subscription resolvers and the sink for mutations' events,
 * shared by every connection of the gateway.
 */
export interface SubscriptionHub extends SubscriptionSource, ImageEventSink {
  /** Stops every poller and completes every subscription. */
  close(): Promise<void>;
}

/**
 * Creates the hub. Polling starts with a scope's first subscriber and stops
 * with its last, leaving no timer behind.
 */
export function createSubscriptionHub(
  options: SubscriptionHubOptions,
): SubscriptionHub {
  const { pollIntervalMs, maxQueuedEvents, maxBackoffMs } =
    getValidOptions(options);
  const { logger, coordinator } = options;
  const pollers = new Map<string, StatusPoller>();
  let closed = false;

  // Idle pollers keep their snapshot for one interval, so a client that
  // reconnects at once starts from it; after that they are dropped, lest
  // pass-through mode keep one per caller forever.
  const dropStaleIdlePollers = (): void => {
    for (const [scope, poller] of pollers) {
      if (poller.isIdle && !poller.hasFreshSnapshot()) {
        pollers.delete(scope);
        void poller.close();
      }
    }
  };

  const pollerFor = (target: SubscriptionTarget): StatusPoller => {
    if (closed) {
      throw new Error('The subscription hub is closed; no new subscriptions');
    }
    dropStaleIdlePollers();
    let poller = pollers.get(target.scope);
    if (!poller) {
      poller = new StatusPoller({
        scope: target.scope,
        pollIntervalMs,
        maxBackoffMs,
        maxQueued: maxQueuedEvents,
        logger: logger.child({ scope: scopeTag(target.scope) }),
        onIdle: dropStaleIdlePollers,
        metrics: options.metrics ?? noopMetrics,
        random: Math.random,
        coordinator,
      });
      pollers.set(target.scope, poller);
    }
    return poller;
  };

  // Private: what a mutation changed. Shared, it reaches every instance
  // (this one included) through the coordinator's stream; when that fails,
  // at least this instance's subscribers hear of it at once.
  const mutated = (
    scope: string,
    id: string,
    image: GraphDeviceImage | null,
  ): void => {
    const applyHere = () => pollers.get(scope)?.applyMutation(id, image);
    if (!coordinator?.isConnected) {
      applyHere();
      return;
    }
    coordinator.publishChange(scope, id, image).catch((err: unknown) => {
      logger.warn({ err, imageId: id }, 'could not share a mutation');
      applyHere();
    });
  };

  return {
    imageStatus(
      target: SubscriptionTarget,
      id: string,
    ): AsyncIterableIterator<GraphDeviceImage> {
      return pollerFor(target).watchStatus(target, id);
    },
    imageEvents(target: SubscriptionTarget): AsyncIterableIterator<ImageEvent> {
      return pollerFor(target).watchEvents(target);
    },
    imageCreated(scope: string, image: GraphDeviceImage): void {
      mutated(scope, image.id, image);
    },
    imageChanged(scope: string, image: GraphDeviceImage): void {
      mutated(scope, image.id, image);
    },
    imageDeleted(scope: string, id: string): void {
      mutated(scope, id, null);
    },
    async close(): Promise<void> {
      closed = true;
      const closing = [...pollers.values()].map((poller) => poller.close());
      pollers.clear();
      // Leases are given up before the coordinator disconnects.
      await Promise.all(closing);
    },
  };
}

// Private: validates options once and applies defaults.
function getValidOptions(options: SubscriptionHubOptions): {
  pollIntervalMs: number;
  maxQueuedEvents: number;
  maxBackoffMs: number;
} {
  const pollIntervalMs = positiveNumber(
    'pollIntervalMs',
    options.pollIntervalMs,
  );
  const maxQueuedEvents = positiveNumber(
    'maxQueuedEvents',
    options.maxQueuedEvents ?? 1_000,
  );
  const maxBackoffMs = positiveNumber(
    'maxBackoffMs',
    options.maxBackoffMs ?? 60_000,
  );
  return {
    pollIntervalMs,
    maxQueuedEvents,
    maxBackoffMs: Math.max(maxBackoffMs, pollIntervalMs),
  };
}

function positiveNumber(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(
      `createSubscriptionHub(): option ${name} must be a positive, finite ` +
        `number of milliseconds or events, but got ${String(value)}`,
    );
  }
  return value;
}

/**
 * A short, stable tag for a scope in logs. In pass-through mode a scope
 * stands for one caller's token, which must never reach a log line.
 */
function scopeTag(scope: string): string {
  return createHash('sha256').update(scope).digest('hex').slice(0, 12);
}
