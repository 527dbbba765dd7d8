/**
 * The async iterator one subscriber reads from: a bounded queue between the
 * poller, which pushes without waiting, and a consumer that pulls at its own
 * pace (graphql-ws awaits each socket write). Internal to
 * `src/subscriptions/`.
 */

/** What the queue does when it is closed early or ends. */
export interface SubscriberQueueOptions {
  /**
   * Values a consumer may fall behind by. One more ends the iterator with
   * the error `onOverflow` returns: a subscriber that misses an event
   * without knowing would show a wrong state, so nothing is dropped.
   */
  maxQueued: number;
  /** The error that ends an overflowing queue. */
  onOverflow: (maxQueued: number) => Error;
  /**
   * Called once when the queue ends for any reason (the consumer's
   * `return()`, `end()` or `fail()`), so the producer forgets it.
   */
  onClose: () => void;
}

type QueueState<T> =
  | { phase: 'open'; values: T[] }
  /** No more pushes; the values left are still delivered, then `end`. */
  | { phase: 'ending'; values: T[]; error: unknown }
  | { phase: 'closed' };

/**
 * A bounded, single-consumer async iterator. `push`, `end` and `fail` never
 * block; `next()` resolves with the oldest queued value or waits for one.
 */
export class SubscriberQueue<T> implements AsyncIterableIterator<T> {
  private state: QueueState<T> = { phase: 'open', values: [] };
  private waiting:
    | {
        resolve: (result: IteratorResult<T>) => void;
        reject: (error: unknown) => void;
      }
    | undefined;
  private readonly options: SubscriberQueueOptions;

  constructor(options: SubscriberQueueOptions) {
    this.options = options;
  }

  /** Whether the queue still accepts values. */
  get isOpen(): boolean {
    return this.state.phase === 'open';
  }

  /** Queues a value, or hands it to a waiting `next()`. */
  push(value: T): void {
    if (this.state.phase !== 'open') return;
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = undefined;
      resolve({ value, done: false });
      return;
    }
    if (this.state.values.length >= this.options.maxQueued) {
      this.fail(this.options.onOverflow(this.options.maxQueued));
      return;
    }
    this.state.values.push(value);
  }

  /** Ends the iterator after the values already queued. */
  end(): void {
    this.finish(undefined);
  }

  /**
   * Ends the iterator with `error`. Values already queued are discarded:
   * the error supersedes them (an overflow, a NOT_FOUND before any value).
   */
  fail(error: unknown): void {
    if (this.state.phase === 'open') this.state.values.length = 0;
    this.finish(error ?? new Error('Subscription ended with no reason'));
  }

  next(): Promise<IteratorResult<T>> {
    const state = this.state;
    if (state.phase === 'closed') {
      return Promise.resolve({ value: undefined, done: true });
    }
    if (state.values.length > 0) {
      return Promise.resolve({ value: state.values.shift() as T, done: false });
    }
    if (state.phase === 'ending') {
      this.state = { phase: 'closed' };
      return state.error === undefined
        ? Promise.resolve({ value: undefined, done: true })
        : Promise.reject(state.error);
    }
    if (this.waiting) {
      return Promise.reject(
        new Error('SubscriberQueue.next() called while a next() is pending'),
      );
    }
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  /** The consumer is done (unsubscribe or dropped socket). */
  return(): Promise<IteratorResult<T>> {
    // An `ending` queue has told the producer already, in `finish`.
    const wasOpen = this.state.phase === 'open';
    this.state = { phase: 'closed' };
    this.settleWaiting(undefined);
    if (wasOpen) this.options.onClose();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    void this.return();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  // Private: moves to `ending`, or straight to `closed` when a consumer is
  // already waiting (it can only be waiting on an empty queue).
  private finish(error: unknown): void {
    if (this.state.phase !== 'open') return;
    this.options.onClose();
    if (this.waiting) {
      this.state = { phase: 'closed' };
      this.settleWaiting(error);
      return;
    }
    this.state = { phase: 'ending', values: this.state.values, error };
  }

  // Private: a pending `next()` resolves done, or rejects with `error`.
  private settleWaiting(error: unknown): void {
    const waiting = this.waiting;
    if (!waiting) return;
    this.waiting = undefined;
    if (error === undefined) waiting.resolve({ value: undefined, done: true });
    else waiting.reject(error);
  }
}
