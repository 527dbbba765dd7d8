/**
 * One authenticated request through the faults and then its operation, the
 * same for a plain HTTP request, a `$batch` envelope and a `$batch` item.
 * Internal to the simulator. It stays synchronous unless something asks for
 * a delay, which keeps the hot path free of promise hops.
 */
import type { Logger } from '../logger.js';
import type { FaultController } from './FaultController.js';
import {
  faultError,
  graphErrorBody,
  GraphHttpError,
  type RequestIds,
} from './GraphHttpError.js';
import type { OperationResponse } from './handleOperation.js';
import type { SimulatorRoute } from './types.js';

/** An answer to send, or a socket to destroy. */
export type OperationOutcome =
  { kind: 'answer'; response: OperationResponse } | { kind: 'reset' };

/** What {@link runWithFaults} needs besides the operation itself. */
export interface FaultScope {
  route: SimulatorRoute;
  tenant: string;
  faults: FaultController;
  ids: RequestIds;
  logger: Logger;
  /**
   * Whether the standing throttle and error rate apply; false for the
   * `$batch` envelope, whose items meet them one by one.
   */
  standing: boolean;
}

/** Turns a thrown value into Graph's error answer; logs the unexpected. */
export function errorResponse(
  error: unknown,
  ids: RequestIds,
  logger: Logger,
): OperationResponse {
  const graphError =
    error instanceof GraphHttpError
      ? error
      : new GraphHttpError(
          500,
          'generalException',
          'An unexpected error occurred in the simulator.',
        );
  if (graphError !== error) {
    logger.error({ err: error }, 'simulator operation failed unexpectedly');
  }
  return {
    status: graphError.status,
    headers: graphError.headers,
    body: graphErrorBody(graphError, ids),
  };
}

type Outcome = OperationOutcome | Promise<OperationOutcome>;

/**
 * Order: an injected fault first (it is exact), then the standing throttle
 * and error rate, then the operation. `apply` answers errors itself.
 */
export function runWithFaults(
  scope: FaultScope,
  apply: () => Outcome,
): Outcome {
  const { faults, ids, logger } = scope;
  const injected = faults.takeInjected(scope.route);
  if (injected) {
    const applied = injected.afterApply ? apply() : undefined;
    const finish = (): Outcome => {
      if (injected.reset) return { kind: 'reset' };
      if (injected.status !== undefined) {
        const error = faultError(injected.status, injected.retryAfterSeconds);
        return { kind: 'answer', response: errorResponse(error, ids, logger) };
      }
      return applied ?? apply();
    };
    if (!injected.delayMs) {
      // The effect of `applied` must land before the fault answers.
      return applied instanceof Promise ? applied.then(finish) : finish();
    }
    const delay = injected.delayMs;
    return Promise.resolve(applied).then(
      () =>
        new Promise<OperationOutcome>((resolve) => {
          setTimeout(() => resolve(finish()), delay).unref();
        }),
    );
  }
  if (scope.standing) {
    const standing = faults.standingFault(scope.tenant);
    if (standing) {
      return { kind: 'answer', response: errorResponse(standing, ids, logger) };
    }
  }
  return apply();
}
