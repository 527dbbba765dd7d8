/**
 * Liveness and readiness endpoints for orchestrators and load balancers.
 *
 * - `GET /healthz`: the process is alive and its event loop turns; always
 *   200 while the server listens. Restart the process when it fails.
 * - `GET /readyz`: the gateway can serve, i.e. the check the server supplies
 *   (a Graph token can be had and one cheap Graph call succeeds) passed;
 *   503 with the reason otherwise. Stop routing traffic when it fails.
 *
 * Readiness results are cached for `cacheMs` and concurrent probes share
 * one check, so a burst of probes costs Graph at most one request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { scrubSecrets, type Logger } from '../logger.js';
import { pathOf, sendJson } from './sendJson.js';

export interface HealthHandlerOptions {
  /**
   * Resolves when the gateway can serve, rejects with the reason when it
   * cannot. Its error message becomes the `reason` of the 503 body, so it
   * should say what failed (credentials scrubbed before it is shown).
   */
  checkReady: () => Promise<void>;
  /**
   * How long a readiness result, good or bad, is reused. Caching failures
   * too keeps probes from hammering a Graph that is already struggling.
   * @default 2_000 // 2 seconds
   */
  cacheMs?: number | undefined;
  /**
   * A check still running after this long counts as failed.
   * @default 5_000 // 5 seconds
   */
  timeoutMs?: number | undefined;
  /**
   * True once shutdown began: `/readyz` then answers 503 at once so load
   * balancers drain the instance while in-flight work finishes.
   * @default () => false
   */
  isShuttingDown?: (() => boolean) | undefined;
  /** Logs readiness changes (warn when lost, info when regained). */
  logger: Logger;
}

/** The body of a `/readyz` or `/healthz` answer. */
export type HealthBody =
  | { status: 'ok' }
  | { status: 'ready'; checkedAt: string }
  | { status: 'unavailable'; reason: string; checkedAt: string };

type Readiness =
  { ready: true; at: number } | { ready: false; reason: string; at: number };

/**
 * Creates the handler for `/healthz` and `/readyz`. It returns true when it
 * handled the request (either path, any method) and false for every other
 * path, so a server can try it before its other routes.
 */
export function createHealthHandler(
  options: HealthHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { checkReady, logger } = options;
  const cacheMs = options.cacheMs ?? 2_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const isShuttingDown = options.isShuttingDown ?? (() => false);
  for (const [name, value] of [
    ['cacheMs', cacheMs],
    ['timeoutMs', timeoutMs],
  ] as const) {
    if (!Number.isFinite(value) || value < 0) {
      throw new TypeError(
        `createHealthHandler(): \`${name}\` must be a non-negative number ` +
          `of milliseconds, but got ${String(value)}`,
      );
    }
  }

  let last: Readiness | undefined;
  let inFlight: Promise<Readiness> | undefined;

  // Private: one check at a time; callers arriving while it runs share it.
  function readiness(): Promise<Readiness> {
    if (last && Date.now() - last.at < cacheMs) return Promise.resolve(last);
    inFlight ??= runCheck().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  async function runCheck(): Promise<Readiness> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`readiness check timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    let result: Readiness;
    try {
      await Promise.race([checkReady(), timeout]);
      result = { ready: true, at: Date.now() };
    } catch (err) {
      result = { ready: false, reason: reasonOf(err), at: Date.now() };
    } finally {
      clearTimeout(timer);
    }
    logTransition(last, result);
    last = result;
    return result;
  }

  function logTransition(before: Readiness | undefined, now: Readiness) {
    if (now.ready && before?.ready !== true) {
      logger.info('gateway is ready');
    } else if (!now.ready && (before === undefined || before.ready)) {
      logger.warn({ reason: now.reason }, 'gateway is not ready');
    }
  }

  return (req, res) => {
    const path = pathOf(req.url);
    if (path !== '/healthz' && path !== '/readyz') return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(
        res,
        405,
        { error: 'Method not allowed; use GET or HEAD' },
        {
          allow: 'GET, HEAD',
        },
      );
      return true;
    }
    if (path === '/healthz') {
      sendJson(res, 200, { status: 'ok' } satisfies HealthBody);
      return true;
    }
    if (isShuttingDown()) {
      sendUnavailable(res, 'shutting down', Date.now());
      return true;
    }
    // readiness() never rejects: runCheck turns every failure into a result.
    void readiness().then((result) => {
      if (result.ready) {
        sendJson(res, 200, {
          status: 'ready',
          checkedAt: new Date(result.at).toISOString(),
        } satisfies HealthBody);
      } else {
        sendUnavailable(res, result.reason, result.at);
      }
    });
    return true;
  };
}

function sendUnavailable(res: ServerResponse, reason: string, at: number) {
  sendJson(
    res,
    503,
    {
      status: 'unavailable',
      reason,
      checkedAt: new Date(at).toISOString(),
    } satisfies HealthBody,
    { 'retry-after': '1' },
  );
}

function reasonOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return scrubSecrets(message || 'readiness check failed');
}
