/**
 * When a Graph call may be sent again, and how long to wait first. Internal
 * to `src/datasource/`; the client consults it after every attempt.
 */

/**
 * How safe a request is to repeat.
 * - `idempotent`: GET, DELETE and `$batch`es of GETs. Repeating them changes
 *   nothing, so any transient failure is retried.
 * - `throttleOnly`: creates, actions and `$batch`es with writes. A timeout,
 *   reset or 5xx may come after Graph applied the request, so only a 429 is
 *   retried: a throttled request was not processed (contract §5,
 *   "Throttling").
 */
export type RetryMode = 'idempotent' | 'throttleOnly';

/** What went wrong with one attempt. */
export type AttemptFailure =
  | { kind: 'status'; status: number; retryAfterMs: number | undefined }
  | { kind: 'transport' };

/** The policy's answer after a failed attempt. */
export type RetryDecision =
  | { retry: true; delayMs: number }
  | { retry: false; reason: 'notRetryable' | 'attempts' | 'budget' };

export interface RetryPolicyOptions {
  maxAttempts: number;
  retryBudgetMs: number;
  retryBaseDelayMs: number;
  /** A number in [0, 1); injectable so a policy can be made deterministic. */
  random?: (() => number) | undefined;
}

/** Statuses that mean "not now" rather than "no" (contract §5). */
const TRANSIENT_STATUSES = new Set([429, 503, 504]);

/** The longest single backoff, whatever the attempt number. */
const MAX_BACKOFF_MS = 10_000;

/**
 * Decides retries: transient statuses (429, 503, 504) and transport failures
 * for idempotent requests, 429 alone for the rest; `Retry-After` when Graph
 * sends it, exponential backoff with jitter when it does not; never more
 * than `maxAttempts` attempts, never a wait that ends past the budget.
 */
export class RetryPolicy {
  readonly #options: RetryPolicyOptions;
  readonly #random: () => number;

  constructor(options: RetryPolicyOptions) {
    this.#options = options;
    this.#random = options.random ?? Math.random;
  }

  /**
   * @param attempt the attempt that just failed, counting from 1
   * @param elapsedMs time since the first attempt started
   */
  decide(
    mode: RetryMode,
    failure: AttemptFailure,
    attempt: number,
    elapsedMs: number,
  ): RetryDecision {
    if (!isRetryable(mode, failure)) {
      return { retry: false, reason: 'notRetryable' };
    }
    if (attempt >= this.#options.maxAttempts) {
      return { retry: false, reason: 'attempts' };
    }
    const delayMs =
      failure.kind === 'status' && failure.retryAfterMs !== undefined
        ? failure.retryAfterMs
        : this.#backoffMs(attempt);
    if (elapsedMs + delayMs > this.#options.retryBudgetMs) {
      return { retry: false, reason: 'budget' };
    }
    return { retry: true, delayMs };
  }

  /**
   * Full jitter over the upper half of the exponential step, so clients
   * that failed together do not come back together.
   */
  #backoffMs(attempt: number): number {
    const step = Math.min(
      MAX_BACKOFF_MS,
      this.#options.retryBaseDelayMs * 2 ** (attempt - 1),
    );
    return Math.round(step / 2 + (this.#random() * step) / 2);
  }
}

/** Whether a status is worth retrying at all in `mode`. */
export function isTransientStatus(mode: RetryMode, status: number): boolean {
  return mode === 'idempotent'
    ? TRANSIENT_STATUSES.has(status)
    : status === 429;
}

function isRetryable(mode: RetryMode, failure: AttemptFailure): boolean {
  return failure.kind === 'transport'
    ? mode === 'idempotent'
    : isTransientStatus(mode, failure.status);
}

/**
 * Reads `Retry-After` in milliseconds: delay-seconds as Graph sends it, or
 * an HTTP date (RFC 9110 §10.2.3). Undefined when absent or unreadable.
 */
export function parseRetryAfter(
  value: string | undefined,
  now = Date.now(),
): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
