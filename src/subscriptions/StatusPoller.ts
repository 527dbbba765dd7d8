/**
 * One credential scope's view of its images, kept current by polling Graph
 * and by what the gateway's own mutations report, fanned out to every
 * subscriber of that scope. Knows nothing of graphql-ws or Apollo. Internal
 * to `src/subscriptions/`: the hub creates one per scope.
 *
 * Graph offers no change notifications for `deviceImages` (graph-contract.md
 * §1 lists no delta or subscription resource), so polling the list is the
 * only way to see an upload finish.
 */
import {
  DEVICE_IMAGE_PROPERTIES,
  type GraphDeviceImage,
} from '../datasource/graphModel.js';
import {
  ErrorCode,
  GatewayError,
  NotFoundError,
  ThrottledError,
  isGatewayError,
} from '../errors/index.js';
import type { Logger } from '../logger.js';
import type { PollerMetrics } from '../server/metricsSink.js';
import type { ImageEvent } from './events.js';
import type { ScopeCoordinator } from './ScopeCoordinator.js';
import {
  SharedScope,
  type PollRole,
  type SharedScopeHost,
} from './SharedScope.js';
import { SubscriberQueue } from './SubscriberQueue.js';
import type { SubscriptionTarget } from './types.js';

/** How a poller behaves; defaults resolve in `createSubscriptionHub`. */
export interface StatusPollerOptions {
  scope: string;
  /** Milliseconds between the starts of two polls. */
  pollIntervalMs: number;
  /** Longest pause after failed polls without `Retry-After`. */
  maxBackoffMs: number;
  /** Values a subscriber may fall behind by before it is ended. */
  maxQueued: number;
  /** Bound to this scope by the hub. */
  logger: Logger;
  /** Told when the last subscriber leaves, after polling stopped. */
  onIdle: (poller: StatusPoller) => void;
  /** Source of jitter, 0 ≤ x < 1. */
  random: () => number;
  metrics: PollerMetrics;
  /**
   * Shares this scope's polling with other gateway instances; without it
   * the poller polls on its own.
   */
  coordinator?: ScopeCoordinator | undefined;
}

/**
 * Where the poller stands. `idle` and `closed` hold no timer, so a scope
 * nobody listens to costs nothing but its last snapshot.
 */
type PollerState =
  | { phase: 'idle' }
  | { phase: 'scheduled'; timer: NodeJS.Timeout }
  /** Subscribers are here, but another instance polls for them. */
  | { phase: 'following' }
  | { phase: 'polling'; generation: number; sinkSeqAtStart: number }
  /** Waiting out a 429's `Retry-After`, or backing off after failures. */
  | {
      phase: 'pausing';
      timer: NodeJS.Timeout;
      reason: 'throttled' | 'failed';
    }
  | { phase: 'closed' };

/** The scope's images as last seen, by id. */
interface Snapshot {
  images: Map<string, GraphDeviceImage>;
  /** When the poll that produced it started (`Date.now()`). */
  takenAt: number;
}

/** One `deviceImageStatusChanged` subscriber. */
interface StatusWatcher {
  kind: 'status';
  id: string;
  target: SubscriptionTarget;
  queue: SubscriberQueue<GraphDeviceImage>;
  /**
   * `waiting`: nothing sent yet. `live`: `sent` is what the client holds,
   * and `generation` the last poll started before it went live.
   */
  state:
    | { phase: 'waiting'; generation: number; verifying: boolean }
    | { phase: 'live'; generation: number; sent: StatusKey };
}

/** One `deviceImageEvents` subscriber. */
interface FeedWatcher {
  kind: 'events';
  target: SubscriptionTarget;
  queue: SubscriberQueue<ImageEvent>;
}

type Watcher = StatusWatcher | FeedWatcher;

/** What `deviceImageStatusChanged` compares: status and error code. */
type StatusKey = `${string}|${string}`;

/** Every property: one list call serves every subscriber of the scope. */
const POLL_SELECT = DEVICE_IMAGE_PROPERTIES;

/**
 * Polls one scope's image list at most once per interval while anyone
 * listens, diffs each answer against its snapshot and pushes the
 * differences to subscribers. A failed poll changes nothing: the snapshot
 * stays, no subscriber ends, and polling resumes after a pause.
 */
export class StatusPoller implements SharedScopeHost {
  readonly scope: string;
  private state: PollerState = { phase: 'idle' };
  private snapshot: Snapshot | undefined;
  private readonly watchers = new Set<Watcher>();
  private readonly statusWatchers = new Map<string, Set<StatusWatcher>>();
  /**
   * The status every watcher of an id was last sent, while they all were
   * sent the same one: a poll that finds it unchanged walks none of them,
   * so 10,000 idle subscribers cost one comparison per watched image.
   * Anything else that sends to or adds a watcher forgets the id's entry.
   */
  private readonly settledKeys = new Map<string, StatusKey>();
  /**
   * What mutations reported since the running poll started, by id (null:
   * deleted), with a sequence number. A poll that started before a mutation
   * must not undo it, or a create made mid-poll would read as a deletion.
   */
  private readonly overrides = new Map<
    string,
    { seq: number; image: GraphDeviceImage | null }
  >();
  private sinkSeq = 0;
  /** Counts polls started; watchers compare it to know what is news. */
  private generation = 0;
  private lastPollStartedAt = 0;
  private consecutiveFailures = 0;
  /**
   * Whether polls are published to other instances (`lead`), left to
   * another instance (`follow`) or applied here alone (`local`).
   */
  private role: PollRole;
  private readonly shared: SharedScope | undefined;
  private readonly options: StatusPollerOptions;
  private readonly logger: Logger;

  constructor(options: StatusPollerOptions) {
    this.options = options;
    this.scope = options.scope;
    this.logger = options.logger;
    this.shared = options.coordinator
      ? new SharedScope({
          scope: options.scope,
          coordinator: options.coordinator,
          host: this,
          logger: options.logger,
        })
      : undefined;
    // A shared scope polls only once it knows it leads.
    this.role = this.shared ? 'follow' : 'local';
  }

  /** Whether nobody listens and no timer or request is pending. */
  get isIdle(): boolean {
    return this.state.phase === 'idle';
  }

  /**
   * Whether a snapshot exists that a new subscriber may start from without
   * a poll: while polling runs it is the current view; once stopped, only
   * for one interval after the poll that took it.
   */
  private hasUsableSnapshot(): boolean {
    if (!this.snapshot) return false;
    return this.state.phase !== 'idle' || this.hasFreshSnapshot();
  }

  /** Whether the snapshot's poll started less than one interval ago. */
  hasFreshSnapshot(): boolean {
    return (
      this.snapshot !== undefined &&
      Date.now() - this.snapshot.takenAt < this.options.pollIntervalMs
    );
  }

  /**
   * The image now, then each change of its `status` or `errorCode`; ends
   * when it is deleted, fails with NOT_FOUND when Graph does not know it.
   */
  watchStatus(
    target: SubscriptionTarget,
    id: string,
  ): AsyncIterableIterator<GraphDeviceImage> {
    const watcher: StatusWatcher = {
      kind: 'status',
      id,
      target,
      queue: this.createQueue<GraphDeviceImage>(() => this.remove(watcher)),
      state: {
        phase: 'waiting',
        generation: this.generation,
        verifying: false,
      },
    };
    let forId = this.statusWatchers.get(id);
    if (!forId) {
      forId = new Set();
      this.statusWatchers.set(id, forId);
    }
    forId.add(watcher);
    this.settledKeys.delete(id);
    const usable = this.hasUsableSnapshot();
    this.add(watcher);
    if (usable) {
      const image = this.snapshot?.images.get(id);
      if (image) this.sendStatus(watcher, image);
      else this.verify(watcher);
    }
    return watcher.queue;
  }

  /** Every change across the scope's images from now on. */
  watchEvents(target: SubscriptionTarget): AsyncIterableIterator<ImageEvent> {
    const watcher: FeedWatcher = {
      kind: 'events',
      target,
      queue: this.createQueue<ImageEvent>(() => this.remove(watcher)),
    };
    this.add(watcher);
    return watcher.queue;
  }

  /**
   * Applies what a mutation made through the gateway changed (null image:
   * deleted) and tells subscribers at once. The next poll compares against
   * the result, so the same change is not announced twice.
   */
  applyMutation(id: string, image: GraphDeviceImage | null): void {
    if (this.state.phase === 'closed') return;
    this.overrides.set(id, { seq: ++this.sinkSeq, image });
    const previous = this.snapshot?.images.get(id);
    if (this.snapshot) {
      if (image) this.snapshot.images.set(id, image);
      else this.snapshot.images.delete(id);
    }
    const event = describeChange(id, previous, image);
    if (event) this.publish(event);
    if (image) {
      for (const watcher of this.statusWatchers.get(id) ?? []) {
        this.sendStatus(watcher, image);
      }
    } else {
      for (const watcher of [...(this.statusWatchers.get(id) ?? [])]) {
        watcher.queue.end();
      }
    }
    if (this.state.phase === 'idle' && this.overrides.size > 0) {
      // Nobody polls to consume them; the snapshot already holds them.
      this.overrides.clear();
    }
  }

  /**
   * Replaces the snapshot with a leader's merged poll (another instance's
   * or this one's, back from the shared stream) and announces the
   * differences, as a poll of its own would.
   */
  applyShared(
    images: GraphDeviceImage[],
    polledAt: number,
    onlyIfNewer: boolean,
    fromOtherInstance = false,
  ): void {
    if (this.state.phase === 'closed' || this.state.phase === 'idle') return;
    if (onlyIfNewer && this.snapshot && this.snapshot.takenAt > polledAt) {
      return;
    }
    // Every subscription here would otherwise have polled on its own.
    if (fromOtherInstance) {
      this.options.metrics.upstreamSaved('coalescing', this.watchers.size);
    }
    // The leader's poll may have started before a watcher here went live;
    // counting it one generation back makes a missing image prove nothing
    // until the next one (see settleMissing).
    const generation = ++this.generation;
    try {
      this.applyPoll(images, generation - 1, this.sinkSeq, polledAt);
    } catch (error) {
      this.logger.error({ err: error }, 'applying a shared poll failed');
    }
  }

  /** Polls and publishes, only listens, or polls alone (`SharedScope`). */
  setRole(role: PollRole): void {
    if (role !== this.role) this.logger.debug({ role }, 'polling role');
    this.role = role;
    const phase = this.state.phase;
    if (role === 'follow') {
      if (phase === 'scheduled' || phase === 'pausing') {
        this.clearTimer();
        this.state = { phase: 'following' };
      }
      // A poll in flight is published or dropped, then follows (afterPoll).
      return;
    }
    if (phase === 'following') this.startPolling();
  }

  /** Stops polling and completes every subscriber. */
  close(): Promise<void> {
    this.clearTimer();
    if (this.state.phase !== 'idle' && this.state.phase !== 'closed') {
      this.options.metrics.pollerStopped();
    }
    this.state = { phase: 'closed' };
    for (const watcher of [...this.watchers]) watcher.queue.end();
    this.snapshot = undefined;
    this.settledKeys.clear();
    return this.shared?.close() ?? Promise.resolve();
  }

  // Private: a queue that removes its watcher however it ends.
  private createQueue<T>(onClose: () => void): SubscriberQueue<T> {
    return new SubscriberQueue<T>({
      maxQueued: this.options.maxQueued,
      onClose,
      onOverflow: (maxQueued) =>
        new GatewayError(
          ErrorCode.INTERNAL_SERVER_ERROR,
          `The subscription fell more than ${maxQueued} events behind and ` +
            'was ended so that no event is lost unnoticed; subscribe again ' +
            'to continue from the current state.',
          { extensions: { reason: 'SUBSCRIBER_OVERFLOW' } },
        ),
    });
  }

  // Private: registers a watcher and starts polling if it is the first.
  private add(watcher: Watcher): void {
    this.watchers.add(watcher);
    this.logger.debug(
      { kind: watcher.kind, subscribers: this.watchers.size },
      'subscriber added',
    );
    if (this.state.phase !== 'idle') return;
    this.options.metrics.pollerStarted();
    // A stale snapshot would announce old changes as news: the first poll
    // (or the shared state) becomes the new baseline instead.
    if (!this.hasUsableSnapshot()) this.snapshot = undefined;
    if (this.shared) {
      this.role = 'follow';
      this.state = { phase: 'following' };
      this.shared.start();
      return;
    }
    this.startPolling();
  }

  // Private: polls now, or one interval after the snapshot's poll.
  private startPolling(): void {
    if (this.snapshot) {
      const due =
        this.snapshot.takenAt + this.options.pollIntervalMs - Date.now();
      this.logger.debug({ inMs: due }, 'polling resumes from a snapshot');
      this.schedule(due);
    } else {
      this.logger.debug('polling starts');
      void this.poll();
    }
  }

  // Private: forgets a watcher; the last one out stops the timer.
  private remove(watcher: Watcher): void {
    if (!this.watchers.delete(watcher)) return;
    if (watcher.kind === 'status') {
      const forId = this.statusWatchers.get(watcher.id);
      forId?.delete(watcher);
      if (forId?.size === 0) {
        this.statusWatchers.delete(watcher.id);
        this.settledKeys.delete(watcher.id);
      }
    }
    this.logger.debug(
      { kind: watcher.kind, subscribers: this.watchers.size },
      'subscriber removed',
    );
    if (this.watchers.size > 0) return;
    // A poll in flight finishes and then stops, in `afterPoll`.
    const phase = this.state.phase;
    if (phase === 'scheduled' || phase === 'pausing' || phase === 'following') {
      this.stop();
    }
  }

  // Private: goes idle; the hub may drop the poller once its snapshot ages.
  private stop(): void {
    this.clearTimer();
    this.state = { phase: 'idle' };
    this.options.metrics.pollerStopped();
    this.overrides.clear();
    void this.shared?.stop();
    this.logger.debug('polling stops: no subscribers');
    this.options.onIdle(this);
  }

  private clearTimer(): void {
    if (this.state.phase === 'scheduled' || this.state.phase === 'pausing') {
      clearTimeout(this.state.timer);
    }
  }

  private schedule(delayMs: number): void {
    const timer = setTimeout(() => void this.poll(), Math.max(0, delayMs));
    // Subscribers' sockets keep the process alive; a poller alone must not.
    timer.unref();
    this.state = { phase: 'scheduled', timer };
  }

  // Private: the credentials of the newest subscriber; in pass-through mode
  // every subscriber of a scope holds the same caller's token.
  private pollingTarget(): SubscriptionTarget | undefined {
    let newest: SubscriptionTarget | undefined;
    for (const watcher of this.watchers) newest = watcher.target;
    return newest;
  }

  private async poll(): Promise<void> {
    if (this.state.phase === 'closed') return;
    const target = this.pollingTarget();
    if (!target) {
      this.stop();
      return;
    }
    if (this.role === 'follow') {
      this.state = { phase: 'following' };
      return;
    }
    const generation = ++this.generation;
    const sinkSeqAtStart = this.sinkSeq;
    const sharedSeqAtStart = this.shared?.seq ?? 0;
    const startedAt = Date.now();
    this.lastPollStartedAt = startedAt;
    this.state = { phase: 'polling', generation, sinkSeqAtStart };
    let images: GraphDeviceImage[];
    try {
      images = await target.dataSource.listAll({ select: POLL_SELECT });
    } catch (error) {
      this.options.metrics.pollFinished(
        'error',
        (Date.now() - startedAt) / 1e3,
      );
      this.afterFailedPoll(error);
      return;
    }
    this.options.metrics.pollFinished(
      'success',
      (Date.now() - startedAt) / 1e3,
    );
    if (this.state.phase !== 'polling') return;
    this.consecutiveFailures = 0;
    // A leader's poll comes back through the shared stream, to every
    // instance alike; only when that fails is it applied here directly.
    const outcome =
      this.role === 'lead' && this.shared
        ? await this.shared.publishPoll(images, sharedSeqAtStart, startedAt)
        : 'failed';
    if (this.state.phase !== 'polling') return;
    if (outcome !== 'not-leader') {
      // One poll served every subscription of the scope here; alone, each
      // would have polled. Other instances count their own (applyShared).
      this.options.metrics.upstreamSaved('coalescing', this.watchers.size - 1);
    }
    if (outcome === 'failed') {
      try {
        this.applyPoll(images, generation, sinkSeqAtStart, startedAt);
      } catch (error) {
        // A bug here must not become an unhandled rejection that ends the
        // process; polling carries on from whatever was applied.
        this.logger.error({ err: error }, 'applying a poll failed');
      }
    }
    this.afterPoll(() =>
      this.schedule(startedAt + this.options.pollIntervalMs - Date.now()),
    );
  }

  // Private: a failed poll keeps the snapshot and every subscriber, and
  // only decides how long to wait.
  private afterFailedPoll(error: unknown): void {
    if (this.state.phase !== 'polling') return;
    // Graph refused the scope's credentials, which every subscriber of the
    // scope shares: waiting cannot help, and in pass-through mode polling
    // on would serve a caller Graph never admitted. All end with the error;
    // the last one out stops the poller.
    if (
      isGatewayError(error) &&
      (error.code === ErrorCode.UNAUTHENTICATED ||
        error.code === ErrorCode.FORBIDDEN)
    ) {
      this.logger.debug(
        { err: error, subscribers: this.watchers.size },
        'poll refused by Graph; ending the scope’s subscriptions',
      );
      for (const watcher of [...this.watchers]) watcher.queue.fail(error);
      this.afterPoll(() => this.schedule(this.untilNextInterval()));
      return;
    }
    this.consecutiveFailures += 1;
    const retryAfter =
      error instanceof ThrottledError ? error.retryAfter : undefined;
    const pauseMs =
      retryAfter !== undefined
        ? Math.max(retryAfter * 1000, this.untilNextInterval())
        : this.backoffMs();
    const graph = isGatewayError(error) ? error.graph : undefined;
    const log = isGatewayError(error) ? 'warn' : 'error';
    this.logger[log](
      {
        err: error,
        graph,
        failures: this.consecutiveFailures,
        retryInMs: pauseMs,
      },
      error instanceof ThrottledError
        ? 'poll throttled by Graph; pausing'
        : 'poll failed; subscribers stay open and polling resumes',
    );
    this.afterPoll(() => {
      const timer = setTimeout(() => void this.poll(), pauseMs);
      timer.unref();
      const reason = error instanceof ThrottledError ? 'throttled' : 'failed';
      this.state = { phase: 'pausing', timer, reason };
    });
  }

  // Private: continue with `next` while anyone listens, else go idle.
  private afterPoll(next: () => void): void {
    if (this.state.phase !== 'polling') return;
    if (this.watchers.size === 0) {
      this.stop();
      return;
    }
    if (this.role === 'follow') {
      this.state = { phase: 'following' };
      return;
    }
    next();
  }

  private untilNextInterval(): number {
    return Math.max(
      0,
      this.lastPollStartedAt + this.options.pollIntervalMs - Date.now(),
    );
  }

  // Private: exponential from one interval, capped, with jitter in the
  // upper half so that scopes throttled together do not retry together.
  private backoffMs(): number {
    const exponent = Math.min(this.consecutiveFailures - 1, 20);
    const ceiling = Math.min(
      this.options.maxBackoffMs,
      this.options.pollIntervalMs * 2 ** exponent,
    );
    const jittered = ceiling / 2 + (this.options.random() * ceiling) / 2;
    return Math.max(jittered, this.untilNextInterval());
  }

  // Private: the heart of it. The new snapshot is Graph's answer with the
  // mutations reported since the poll started laid over it; only
  // differences from the old snapshot are announced.
  private applyPoll(
    images: GraphDeviceImage[],
    generation: number,
    sinkSeqAtStart: number,
    startedAt: number,
  ): void {
    const next = new Map<string, GraphDeviceImage>();
    for (const image of images) next.set(image.id, image);
    for (const [id, override] of this.overrides) {
      if (override.seq <= sinkSeqAtStart) {
        this.overrides.delete(id);
      } else if (override.image) {
        next.set(id, override.image);
      } else {
        next.delete(id);
      }
    }
    const previous = this.snapshot?.images;
    this.snapshot = { images: next, takenAt: startedAt };
    if (previous) {
      for (const [id, image] of next) {
        const event = describeChange(id, previous.get(id), image);
        if (event) this.publish(event);
      }
      for (const [id, image] of previous) {
        const event = next.has(id)
          ? undefined
          : describeChange(id, image, null);
        if (event) this.publish(event);
      }
    }
    for (const [id, forId] of [...this.statusWatchers]) {
      const image = next.get(id);
      if (image === undefined) {
        this.settledKeys.delete(id);
        for (const watcher of [...forId]) {
          this.settleMissing(watcher, generation);
        }
        continue;
      }
      const key = statusKey(image);
      if (this.settledKeys.get(id) === key) continue;
      for (const watcher of [...forId]) this.sendStatus(watcher, image);
      // Each one is now live and was sent `key`, or has ended.
      this.settledKeys.set(id, key);
    }
  }

  // Private: a watched id the latest snapshot lacks.
  private settleMissing(watcher: StatusWatcher, generation: number): void {
    const state = watcher.state;
    if (generation <= state.generation) {
      // The poll started before the watcher subscribed or went live, so
      // the image may simply be newer than the list: ask Graph directly.
      if (state.phase === 'waiting') this.verify(watcher);
      return;
    }
    if (state.phase === 'live') watcher.queue.end();
    else watcher.queue.fail(notFound(watcher.id));
  }

  // Private: one GET for an id the snapshot lacks, so that NOT_FOUND means
  // Graph answered 404, not that the list was a few seconds old.
  private verify(watcher: StatusWatcher): void {
    if (watcher.state.phase !== 'waiting' || watcher.state.verifying) return;
    watcher.state.verifying = true;
    watcher.target.dataSource.get(watcher.id, POLL_SELECT).then(
      (image) => {
        if (watcher.state.phase !== 'waiting') return;
        watcher.state.verifying = false;
        if (image) this.sendStatus(watcher, image);
        else watcher.queue.fail(notFound(watcher.id));
      },
      (error: unknown) => {
        if (watcher.state.phase !== 'waiting') return;
        // The next poll that starts after now settles it instead.
        watcher.state = {
          phase: 'waiting',
          generation: this.generation,
          verifying: false,
        };
        this.logger.warn(
          {
            err: error,
            graph: isGatewayError(error) ? error.graph : undefined,
            imageId: watcher.id,
          },
          'could not look up a subscribed image; the next poll decides',
        );
      },
    );
  }

  // Private: sends the image if its status or error code differs from
  // what the watcher last sent: never the same state twice in a row.
  private sendStatus(watcher: StatusWatcher, image: GraphDeviceImage): void {
    const key = statusKey(image);
    this.settledKeys.delete(watcher.id);
    if (watcher.state.phase === 'live' && watcher.state.sent === key) return;
    watcher.state = { phase: 'live', generation: this.generation, sent: key };
    watcher.queue.push(image);
  }

  private publish(event: ImageEvent): void {
    for (const watcher of this.watchers) {
      if (watcher.kind === 'events') watcher.queue.push(event);
    }
  }
}

/** The event for an image going from `before` to `after`, if any. */
function describeChange(
  id: string,
  before: GraphDeviceImage | undefined,
  after: GraphDeviceImage | null,
): ImageEvent | undefined {
  if (!after) {
    return before
      ? {
          kind: 'DELETED',
          id,
          image: null,
          previousStatus: before.status ?? null,
        }
      : undefined;
  }
  if (!before) {
    return { kind: 'CREATED', id, image: after, previousStatus: null };
  }
  if (statusKey(before) === statusKey(after)) return undefined;
  return {
    kind: 'STATUS_CHANGED',
    id,
    image: after,
    previousStatus: before.status ?? null,
  };
}

function statusKey(image: GraphDeviceImage): StatusKey {
  return `${image.status ?? ''}|${image.errorCode ?? ''}`;
}

function notFound(id: string): NotFoundError {
  return new NotFoundError(
    `No device image has the id "${id}"; it may have been deleted.`,
    { extensions: { argumentName: 'id' } },
  );
}
