/**
 * Reads an async iterator in the background so tests can wait for its next
 * value, its end or its error with a deadline.
 */
export type StreamItem<T> =
  | { type: 'value'; value: T }
  | { type: 'done' }
  | { type: 'error'; error: unknown };

/** A background reader of one stream. */
export interface StreamReader<T> {
  /** Everything read so far, in order. */
  readonly items: StreamItem<T>[];
  /** The next unread item; rejects after `timeoutMs`. */
  next(timeoutMs?: number): Promise<StreamItem<T>>;
  /** Whether an unread item is waiting. */
  hasUnread(): boolean;
  /** Stops reading (calls `return()`). */
  stop(): Promise<void>;
}

/** Starts reading `iterator` at once. */
export function readStream<T>(iterator: AsyncIterator<T>): StreamReader<T> {
  const items: StreamItem<T>[] = [];
  let cursor = 0;
  let wake: (() => void) | undefined;
  const add = (item: StreamItem<T>) => {
    items.push(item);
    wake?.();
  };
  void (async () => {
    try {
      for (;;) {
        const result = await iterator.next();
        if (result.done) {
          add({ type: 'done' });
          return;
        }
        add({ type: 'value', value: result.value });
      }
    } catch (error) {
      add({ type: 'error', error });
    }
  })();
  return {
    items,
    hasUnread: () => cursor < items.length,
    async next(timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (cursor >= items.length) {
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new Error(
            `No stream item within ${timeoutMs} ms; read so far: ` +
              JSON.stringify(items),
          );
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
      return items[cursor++] as StreamItem<T>;
    },
    async stop() {
      await iterator.return?.();
    },
  };
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it is true; rejects after `timeoutMs`. */
export async function waitFor(
  check: () => boolean,
  what: string,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(5);
  }
}
