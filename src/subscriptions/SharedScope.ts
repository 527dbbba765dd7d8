/**
 * One instance's part in sharing one scope's polling with other gateway
 * instances through a {@link ScopeCoordinator}: it joins the scope's
 * message stream, competes for the polling lease, and tells its
 * `StatusPoller` whether to poll and publish (lead), only listen (follow)
 * or poll on its own (local, while the shared store is away). Internal to
 * `src/subscriptions/`: each poller of a shared scope owns one.
 */
import type { GraphDeviceImage } from '../datasource/graphModel.js';
import { UnreachableCaseError } from '../errors/index.js';
import type { Logger } from '../logger.js';
import type { ScopeCoordinator, SharedMessage } from './ScopeCoordinator.js';

/** What the poller does: poll and publish, only listen, or poll alone. */
export type PollRole = 'lead' | 'follow' | 'local';

/** What a {@link SharedScope} drives; the poller implements it. */
export interface SharedScopeHost {
  /** Starts or stops polling according to `role`. */
  setRole(role: PollRole): void;
  /**
   * Replaces the snapshot with a leader's merged poll and announces the
   * differences. With `onlyIfNewer`, a state older than the local
   * snapshot is ignored (a store that outlived an outage may be stale).
   * `fromOtherInstance`: another instance polled, this one did not have to.
   */
  applyShared(
    images: GraphDeviceImage[],
    polledAt: number,
    onlyIfNewer: boolean,
    fromOtherInstance?: boolean,
  ): void;
  /** Applies one mutation made on any instance. */
  applyMutation(id: string, image: GraphDeviceImage | null): void;
}

/**
 * Where this instance stands in the scope. `joining` buffers messages
 * until the stored state is loaded, so none is applied twice or lost.
 */
type ShareState =
  | { phase: 'idle' }
  | { phase: 'local' }
  | { phase: 'joining'; buffered: SharedMessage[] }
  | { phase: 'following'; timer: NodeJS.Timeout | undefined }
  | { phase: 'leading'; timer: NodeJS.Timeout }
  | { phase: 'closed' };

export interface SharedScopeOptions {
  scope: string;
  coordinator: ScopeCoordinator;
  host: SharedScopeHost;
  logger: Logger;
}

/**
 * Joins while the scope has subscribers here and leaves with the last.
 * The leader renews its lease three times per lease; followers ask again
 * when it would run out, so a dead leader is replaced within one lease
 * (one and a half intervals by default: `RedisCoordinatorOptions`).
 */
export class SharedScope {
  private state: ShareState = { phase: 'idle' };
  /** Seq of the last message applied; a gap means one was missed. */
  private lastSeq = 0;
  /** Bumped on every transition, so stale async answers are dropped. */
  private epoch = 0;
  private readonly options: SharedScopeOptions;
  private readonly unlisten: () => void;

  constructor(options: SharedScopeOptions) {
    this.options = options;
    this.unlisten = options.coordinator.onConnectionChange((connected) => {
      const phase = this.state.phase;
      if (phase === 'idle' || phase === 'closed') return;
      if (!connected) this.goLocal();
      else if (phase === 'local') void this.join();
    });
  }

  /** The seq a poll starting now is based on. */
  get seq(): number {
    return this.lastSeq;
  }

  /** The scope's first subscriber here arrived. */
  start(): void {
    if (this.state.phase !== 'idle') return;
    if (this.options.coordinator.isConnected) void this.join();
    else this.goLocal();
  }

  /** The last subscriber here left: give up the lease and the stream. */
  stop(): Promise<void> {
    const phase = this.state.phase;
    if (phase === 'idle' || phase === 'closed') return Promise.resolve();
    this.clearTimer();
    this.epoch += 1;
    this.state = { phase: 'idle' };
    this.options.logger.debug('leaving shared polling');
    return this.leave();
  }

  /** Stops for good. */
  async close(): Promise<void> {
    await this.stop();
    this.state = { phase: 'closed' };
    this.unlisten();
  }

  /**
   * Hands a poll to the other instances. `not-leader`: the lease was lost
   * meanwhile and the poll is dropped; `failed`: the store is away, and
   * the caller applies the poll itself.
   */
  async publishPoll(
    images: GraphDeviceImage[],
    sinceSeq: number,
    polledAt: number,
  ): Promise<'published' | 'not-leader' | 'failed'> {
    const { coordinator, scope, logger } = this.options;
    try {
      const seq = await coordinator.publishPoll(
        scope,
        images,
        sinceSeq,
        polledAt,
      );
      if (seq !== undefined) return 'published';
    } catch (err) {
      logger.warn({ err }, 'could not share a poll; applying it locally');
      return 'failed';
    }
    logger.debug('lease lost during a poll; its answer is dropped');
    if (this.state.phase === 'leading') this.follow(0);
    return 'not-leader';
  }

  // Private: subscribe first, then load, then replay what arrived between:
  // the loaded state plus every later message is exactly the stream.
  private async join(): Promise<void> {
    const epoch = ++this.epoch;
    this.clearTimer();
    this.state = { phase: 'joining', buffered: [] };
    const { coordinator, scope, host, logger } = this.options;
    try {
      await coordinator.subscribe(scope, (message) => this.receive(message));
      const snapshot = await coordinator.load(scope);
      if (epoch !== this.epoch || this.state.phase !== 'joining') return;
      const { buffered } = this.state;
      if (snapshot.images) {
        host.applyShared(snapshot.images, snapshot.polledAt, true);
      }
      this.lastSeq = snapshot.seq;
      this.state = { phase: 'following', timer: undefined };
      logger.debug({ seq: snapshot.seq }, 'joined shared polling');
      for (const message of buffered) {
        // Messages the loaded state already includes are skipped.
        if (message.type === 'released' || message.seq > snapshot.seq) {
          this.receive(message);
        }
      }
      await this.tryLead(epoch);
    } catch (err) {
      if (epoch !== this.epoch) return;
      logger.warn({ err }, 'could not join shared polling; polling locally');
      this.goLocal();
      if (!coordinator.isConnected) return; // the reconnection rejoins
      const retryEpoch = this.epoch;
      const timer = setTimeout(() => {
        if (retryEpoch === this.epoch) void this.join();
      }, coordinator.leaseTtlMs);
      timer.unref();
    }
  }

  private async tryLead(epoch: number): Promise<void> {
    const { coordinator, scope, host, logger } = this.options;
    let answer;
    try {
      answer = await coordinator.acquireLease(scope);
    } catch (err) {
      if (epoch !== this.epoch) return;
      logger.debug({ err }, 'lease request failed; asking again');
      this.follow(coordinator.leaseTtlMs / 4);
      return;
    }
    if (epoch !== this.epoch || this.state.phase !== 'following') {
      // Taken just as this instance stopped: give it back rather than let
      // the scope go unpolled until it runs out.
      if (answer.held && this.state.phase === 'idle') {
        coordinator.releaseLease(scope).catch(() => undefined);
      }
      return;
    }
    if (!answer.held) {
      this.follow(answer.retryInMs);
      return;
    }
    this.clearTimer();
    this.state = { phase: 'leading', timer: this.renewTimer() };
    logger.debug('this instance now polls the scope for every instance');
    host.setRole('lead');
  }

  private renewTimer(): NodeJS.Timeout {
    const { coordinator } = this.options;
    const timer = setInterval(() => {
      const epoch = this.epoch;
      coordinator.renewLease(this.options.scope).then(
        (held) => {
          if (epoch !== this.epoch || held) return;
          this.options.logger.warn('polling lease lost; following instead');
          this.follow(0);
        },
        (err: unknown) =>
          this.options.logger.debug({ err }, 'lease renewal failed'),
      );
    }, coordinator.leaseTtlMs / 3);
    timer.unref();
    return timer;
  }

  // Private: listen only, and ask for the lease again after `retryInMs`.
  private follow(retryInMs: number): void {
    this.clearTimer();
    const epoch = ++this.epoch;
    const timer = setTimeout(
      () => void this.tryLead(epoch),
      // A few milliseconds past the lease's end, so it has surely expired.
      Math.max(0, retryInMs) + 5,
    );
    timer.unref();
    this.state = { phase: 'following', timer };
    this.options.host.setRole('follow');
  }

  private goLocal(): void {
    this.clearTimer();
    this.epoch += 1;
    this.state = { phase: 'local' };
    this.options.host.setRole('local');
  }

  private receive(message: SharedMessage): void {
    const state = this.state;
    if (state.phase === 'joining') {
      state.buffered.push(message);
      return;
    }
    if (state.phase !== 'following' && state.phase !== 'leading') return;
    const { host } = this.options;
    switch (message.type) {
      case 'released':
        if (state.phase === 'following') this.follow(0);
        return;
      case 'full':
      case 'change':
        if (
          message.seq <= this.lastSeq ||
          (message.type === 'change' && message.seq !== this.lastSeq + 1)
        ) {
          // A change after a hole, or a seq that went back (the store was
          // emptied): only the stored state can be trusted now. A `full`
          // after a hole is whole by itself.
          this.options.logger.debug(
            { expected: this.lastSeq + 1, got: message.seq },
            'out of step with the shared stream; reloading its state',
          );
          void this.join();
          return;
        }
        this.lastSeq = message.seq;
        if (message.type === 'full') {
          host.applyShared(
            message.images,
            message.polledAt,
            false,
            message.origin !== this.options.coordinator.instanceId,
          );
        } else {
          host.applyMutation(message.id, message.image);
        }
        return;
      default:
        throw new UnreachableCaseError(message);
    }
  }

  // Private: unsubscribes before anything is awaited, so that a join
  // started right after is ordered after it on the connection.
  private async leave(): Promise<void> {
    const { coordinator, scope, logger } = this.options;
    this.lastSeq = 0;
    if (!coordinator.isConnected) return;
    const unsubscribed = coordinator.unsubscribe(scope);
    const results = await Promise.allSettled([
      unsubscribed,
      coordinator.releaseLease(scope),
    ]);
    for (const result of results) {
      if (result.status === 'rejected') {
        logger.debug({ err: result.reason }, 'leaving shared polling failed');
      }
    }
  }

  private clearTimer(): void {
    const state = this.state;
    if (state.phase === 'leading') clearInterval(state.timer);
    if (state.phase === 'following' && state.timer) clearTimeout(state.timer);
  }
}
