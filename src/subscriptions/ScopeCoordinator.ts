/**
 * The contract between the subscription core and whatever lets several
 * gateway instances share one poller and one event stream per credential
 * scope (`RedisCoordinator` implements it over Redis). No graphql-ws, Apollo
 * or Redis types here: the hub and the poller code against this only.
 */
import type { GraphDeviceImage } from '../datasource/graphModel.js';

/**
 * What instances tell each other about one scope, in one total order.
 * `seq` grows by one per `full` or `change` message of the scope, so a
 * listener that sees a gap knows it missed something and reloads.
 */
export type SharedMessage =
  /**
   * The leader's poll, merged with the mutations made since it started:
   * the scope's whole image list as it now stands.
   */
  | {
      type: 'full';
      seq: number;
      origin: string;
      /** When the poll started, on the leader's clock (`Date.now()`). */
      polledAt: number;
      images: GraphDeviceImage[];
    }
  /** One image a mutation changed; `image` null: deleted. */
  | {
      type: 'change';
      seq: number;
      origin: string;
      id: string;
      image: GraphDeviceImage | null;
    }
  /** The leader gave up its lease; a follower may take it at once. */
  | { type: 'released' };

/** The scope's shared state as one atomic read. */
export interface SharedSnapshot {
  /** The `seq` of the last message this state includes; 0 for none. */
  seq: number;
  /**
   * The images, when a poll has established them; undefined before the
   * first poll, or after the state expired for want of a leader.
   */
  images: GraphDeviceImage[] | undefined;
  /** When the poll behind `images` started (leader's clock). */
  polledAt: number;
}

/** The answer to a lease request. */
export type LeaseAnswer =
  | { held: true }
  /** Another instance polls; its lease runs out in `retryInMs`. */
  | { held: false; retryInMs: number };

/**
 * Shared polling for several gateway instances. Every method may reject
 * while the shared store is unreachable; {@link onConnectionChange} says
 * when that starts and ends, and callers fall back to polling on their own
 * meanwhile.
 */
export interface ScopeCoordinator {
  /** This instance's id, as stored in leases and messages. */
  readonly instanceId: string;
  /** How long a lease lasts without renewal, in milliseconds. */
  readonly leaseTtlMs: number;
  /** Whether the shared store is reachable now. */
  readonly isConnected: boolean;
  /** Calls `listener` on every change of {@link isConnected}. */
  onConnectionChange(listener: (connected: boolean) => void): () => void;
  /** Starts delivering the scope's messages to `listener`. */
  subscribe(
    scope: string,
    listener: (message: SharedMessage) => void,
  ): Promise<void>;
  /** Stops delivering the scope's messages. */
  unsubscribe(scope: string): Promise<void>;
  /** Reads the scope's shared state. */
  load(scope: string): Promise<SharedSnapshot>;
  /** Takes the scope's polling lease if it is free or already ours. */
  acquireLease(scope: string): Promise<LeaseAnswer>;
  /** Extends the lease if this instance still holds it. */
  renewLease(scope: string): Promise<boolean>;
  /** Gives the lease up if this instance holds it, and says so. */
  releaseLease(scope: string): Promise<void>;
  /**
   * Stores a poll's answer and publishes the merged list as a `full`
   * message, unless this instance no longer holds the lease. Images that a
   * mutation changed after `sinceSeq` keep the mutation's state: a poll
   * cannot undo what it started too early to see.
   * @returns the message's `seq`, or undefined when not the leader
   */
  publishPoll(
    scope: string,
    images: readonly GraphDeviceImage[],
    sinceSeq: number,
    polledAt: number,
  ): Promise<number | undefined>;
  /** Stores and publishes what a mutation changed; `image` null: deleted. */
  publishChange(
    scope: string,
    id: string,
    image: GraphDeviceImage | null,
  ): Promise<number>;
  /** Disconnects; leases left behind run out by themselves. */
  close(): Promise<void>;
}
