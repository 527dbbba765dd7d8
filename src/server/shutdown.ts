/**
 * Graceful shutdown on SIGTERM and SIGINT: the gateway's `close()` stops
 * accepting, lets in-flight requests finish, closes WebSockets with 1001
 * (Going Away, RFC 6455 §7.4.1) so clients reconnect elsewhere, stops the
 * pollers and the upstream pools; the process then exits 0. When `close()`
 * fails or outlasts the deadline, it exits 1 with a log line saying why.
 *
 * Node must receive the signal itself: run `node dist/main.js`, not
 * `npm start`, whose `sh` does not forward SIGTERM.
 */
import type { Logger } from '../logger.js';

/** What shutdown needs of the gateway. */
export interface Closable {
  /** Drains and releases everything; resolves when nothing is left. */
  close(): Promise<void>;
}

/** The slice of `process` shutdown uses, replaceable for tests. */
export interface SignalTarget {
  on(
    signal: NodeJS.Signals,
    listener: (signal: NodeJS.Signals) => void,
  ): unknown;
  removeListener(
    signal: NodeJS.Signals,
    listener: (signal: NodeJS.Signals) => void,
  ): unknown;
  exit(code: number): void;
}

export interface ShutdownOptions {
  logger: Logger;
  /**
   * How long `close()` may take before the process exits 1 regardless.
   * Keep it below the orchestrator's own grace period (Kubernetes: 30 s).
   * @default 10_000 // 10 seconds
   */
  deadlineMs?: number | undefined;
  /** @default ['SIGTERM', 'SIGINT'] */
  signals?: readonly NodeJS.Signals[] | undefined;
  /** @default process */
  target?: SignalTarget | undefined;
}

/** Where a shutdown stands; `installShutdownHandlers` returns a reader. */
export type ShutdownState =
  | { phase: 'running' }
  | { phase: 'draining'; signal: NodeJS.Signals; since: number }
  | { phase: 'exiting'; code: 0 | 1 };

/**
 * Makes SIGTERM and SIGINT shut the gateway down gracefully. A second
 * signal during the drain exits 1 at once, for an operator who will not
 * wait. Returns `state()` (for `/readyz`, which answers 503 while
 * draining) and `uninstall()`.
 */
export function installShutdownHandlers(
  gateway: Closable,
  options: ShutdownOptions,
): { state(): ShutdownState; uninstall(): void } {
  const { logger } = options;
  const deadlineMs = options.deadlineMs ?? 10_000;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const target: SignalTarget = options.target ?? process;
  if (!Number.isFinite(deadlineMs) || deadlineMs <= 0) {
    throw new TypeError(
      'installShutdownHandlers(): `deadlineMs` must be a positive number ' +
        `of milliseconds, but got ${String(deadlineMs)}`,
    );
  }

  let state: ShutdownState = { phase: 'running' };
  let deadline: NodeJS.Timeout | undefined;

  function exit(code: 0 | 1): void {
    if (state.phase === 'exiting') return;
    state = { phase: 'exiting', code };
    clearTimeout(deadline);
    uninstall();
    target.exit(code);
  }

  function onSignal(signal: NodeJS.Signals): void {
    if (state.phase === 'draining') {
      logger.warn({ signal }, 'second signal during shutdown; exiting now');
      exit(1);
      return;
    }
    if (state.phase !== 'running') return;
    const since = Date.now();
    state = { phase: 'draining', signal, since };
    logger.info({ signal, deadlineMs }, 'shutting down');
    deadline = setTimeout(() => {
      logger.error(
        { signal, deadlineMs },
        'shutdown deadline passed with work still open; exiting',
      );
      exit(1);
    }, deadlineMs);
    gateway.close().then(
      () => {
        logger.info(
          { signal, durationMs: Date.now() - since },
          'shutdown complete',
        );
        exit(0);
      },
      (err: unknown) => {
        logger.error({ err, signal }, 'shutdown failed');
        exit(1);
      },
    );
  }

  function uninstall(): void {
    for (const s of signals) target.removeListener(s, onSignal);
  }

  // Listeners stay until exit so that a second signal reaches onSignal
  // instead of Node's default handler, which kills without a log line.
  for (const s of signals) target.on(s, onSignal);
  return { state: () => state, uninstall };
}
