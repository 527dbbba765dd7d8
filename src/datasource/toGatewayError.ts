/**
 * Turns a failed Graph call into the gateway's error taxonomy
 * (`src/errors/`). Graph's own code, the HTTP status and both request ids go
 * to `extensions.graph`; the raw failure stays as the cause for logs.
 */
import {
  BadUserInputError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ThrottledError,
  UnauthenticatedError,
  UpstreamUnavailableError,
  type GatewayError,
  type GraphErrorDetails,
} from '../errors/index.js';
import type { GraphErrorBody } from './graphModel.js';
import {
  GraphTransportError,
  graphErrorCode,
  type GraphResponse,
} from './graphHttp.js';
import { parseRetryAfter } from './RetryPolicy.js';

/** A failed call: an answer with a non-2xx status, or no answer at all. */
export type GraphFailure = GraphResponse | GraphTransportError;

export interface ToGatewayErrorOptions {
  /**
   * What the call was doing, completing "while trying to …", e.g.
   * `delete device image 42`.
   * @default 'call Graph'
   */
  action?: string | undefined;
  /**
   * The argument a 400 or 422 is blamed on, best effort.
   * @default 'input'
   */
  argumentName?: string | undefined;
  /** Replaces the message of a 404, e.g. "No device image with id …". */
  notFoundMessage?: string | undefined;
  /** Replaces the message of a 409. */
  conflictMessage?: string | undefined;
  /**
   * For calls that must not be repeated blindly: what the caller should
   * know when Graph failed (5xx) or never answered, in place of "try again
   * later", e.g. that the action may have happened.
   * @default 'try again later'
   */
  ambiguousOutcome?: string | undefined;
}

/** Graph's error answer as an `Error`, kept as the cause of mapped errors. */
export class GraphResponseError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly requestId: string | undefined;
  readonly clientRequestId: string;
  readonly body: unknown;

  constructor(response: GraphResponse) {
    const code = graphErrorCode(response.body);
    super(
      `Graph answered ${response.status}${code ? ` ${code}` : ''} to ` +
        `${response.method} ${response.path}` +
        (graphMessage(response) ? `: ${graphMessage(response)}` : ''),
    );
    this.name = 'GraphResponseError';
    this.status = response.status;
    this.code = code;
    this.requestId = response.requestId;
    this.clientRequestId = response.clientRequestId;
    this.body = response.body;
  }
}

/**
 * Maps a failed call (contract §5, "Errors"): 400/422 → BadUserInputError,
 * 401 → UnauthenticatedError, 403 → ForbiddenError, 404 → NotFoundError,
 * 409 → ConflictError, 429 → ThrottledError, 5xx and calls without an
 * answer → UpstreamUnavailableError. Any other status (412, 415, …) means
 * the gateway built a request Graph could not take, a bug: it becomes a plain
 * `Error`, which the server masks as INTERNAL_SERVER_ERROR after logging.
 */
export function toGatewayError(
  failure: GraphFailure,
  options: ToGatewayErrorOptions = {},
): GatewayError | Error {
  const action = options.action ?? 'call Graph';
  const outcome = options.ambiguousOutcome ?? 'try again later';
  const graph = graphDetails(failure);
  if (failure instanceof GraphTransportError) {
    const tries = attemptsText(failure.attempts);
    const message = failure.timedOut
      ? `Graph did not answer within ${failure.timeoutMs} ms${tries} ` +
        `while trying to ${action}; ${outcome}`
      : `Could not reach Graph${tries} while trying to ${action} ` +
        `(${failure.reason}); ${outcome}`;
    return new UpstreamUnavailableError(message, { graph, cause: failure });
  }
  const cause = new GraphResponseError(failure);
  const said = graphMessage(failure) ?? 'no reason given';
  const errorOptions = { graph, cause };
  switch (failure.status) {
    case 400:
    case 422:
      return new BadUserInputError(
        options.argumentName ?? 'input',
        `Graph rejected the request to ${action}: ${said}`,
        errorOptions,
      );
    case 401:
      return new UnauthenticatedError(
        `Graph did not accept the access token while trying to ${action}: ` +
          said,
        errorOptions,
      );
    case 403:
      return new ForbiddenError(
        `Graph denied permission to ${action}: ${said}`,
        errorOptions,
      );
    case 404:
      return new NotFoundError(
        options.notFoundMessage ?? `Graph found nothing to ${action}`,
        errorOptions,
      );
    case 409:
      return new ConflictError(
        options.conflictMessage ??
          `Graph reported a conflict while trying to ${action}: ${said}`,
        errorOptions,
      );
    case 429: {
      const retryAfterMs = parseRetryAfter(failure.headers['retry-after']);
      const retryAfter =
        retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs / 1000);
      return new ThrottledError(
        retryAfter === undefined
          ? 'Graph throttled the request; retry later'
          : `Graph throttled the request; retry after ${retryAfter} ` +
              (retryAfter === 1 ? 'second' : 'seconds'),
        retryAfter,
        errorOptions,
      );
    }
  }
  if (failure.status >= 500) {
    return new UpstreamUnavailableError(
      `Graph failed with ${failure.status}` +
        (cause.code ? ` ${cause.code}` : '') +
        `${attemptsText(failure.attempts)} while trying to ${action}; ` +
        outcome,
      errorOptions,
    );
  }
  return new Error(
    `Unexpected Graph answer while trying to ${action}: ${cause.message}` +
      (failure.requestId ? ` (request-id ${failure.requestId})` : ''),
    { cause },
  );
}

/** What goes to `extensions.graph` for a failed call. */
export function graphDetails(failure: GraphFailure): GraphErrorDetails {
  if (failure instanceof GraphTransportError) {
    return { clientRequestId: failure.clientRequestId };
  }
  return {
    status: failure.status,
    code: graphErrorCode(failure.body),
    requestId: failure.requestId,
    clientRequestId: failure.clientRequestId,
  };
}

/** A failed call as an `Error`, to keep as a cause. */
export function toCause(failure: GraphFailure): Error {
  return failure instanceof GraphTransportError
    ? failure
    : new GraphResponseError(failure);
}

function attemptsText(attempts: number): string {
  return attempts > 1 ? ` after ${attempts} attempts` : '';
}

function graphMessage(response: GraphResponse): string | undefined {
  const message = (response.body as Partial<GraphErrorBody> | undefined)?.error
    ?.message;
  return typeof message === 'string' && message !== '' ? message : undefined;
}
