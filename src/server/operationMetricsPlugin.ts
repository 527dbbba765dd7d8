/**
 * An Apollo Server plugin that gives every GraphQL operation over HTTP a
 * request id and a child logger, and records how it ended (name, outcome,
 * latency) in metrics and in one log line.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLError } from 'graphql';

import { ErrorCode } from '../errors/index.js';
import { createLazyChild, type Logger } from '../logger.js';
import type { OperationOutcome, ServerMetrics } from './metricsSink.js';

/** The header a caller or proxy may set to correlate logs across hops. */
export const REQUEST_ID_HEADER = 'x-request-id';

// Ids are echoed into logs and headers: only a plain token is taken from a
// caller, anything else is replaced.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

// Codes that mean the gateway or Graph failed, not the caller.
const SERVER_SIDE = new Set<string>([
  ErrorCode.THROTTLED,
  ErrorCode.UPSTREAM_UNAVAILABLE,
  ErrorCode.INTERNAL_SERVER_ERROR,
]);

/**
 * The request id to use: the caller's `x-request-id` when it is a plain
 * token of at most 128 characters, a fresh UUID otherwise.
 */
export function requestIdFrom(
  header: string | readonly string[] | null | undefined,
): string {
  const value = typeof header === 'string' ? header : header?.[0];
  return value && SAFE_REQUEST_ID.test(value) ? value : randomUUID();
}

/** What an operation's logger is bound to. */
export interface OperationBindings {
  requestId: string;
  operationName?: string | undefined;
}

// Remembers what createOperationLogger bound, so the plugin need not parse a
// logger's bindings (about 2 µs) on every request.
const boundByHelper = new WeakMap<Logger, OperationBindings>();

/**
 * A child logger bound to one operation, built only once it writes a line
 * (see `createLazyChild`). The context function should build
 * its logger with it, so the plugin reuses that request id; use it for
 * WebSocket operations too, so their lines carry the same fields.
 */
export function createOperationLogger(
  logger: Logger,
  bindings: OperationBindings,
): Logger {
  const child = createLazyChild(
    logger,
    bindings.operationName
      ? { requestId: bindings.requestId, operationName: bindings.operationName }
      : { requestId: bindings.requestId },
  );
  boundByHelper.set(child, bindings);
  return child;
}

/** The request id `logger` is bound to, if it is an operation's logger. */
export function operationRequestId(logger: Logger): string | undefined {
  return boundTo(logger).requestId;
}

// When an operation answered partly outside Apollo began (the HTTP fast
// path, which hands Apollo a result to format), so its latency counts from
// there. A symbol-keyed property, since Apollo runs every operation on a
// shallow copy of the context, which keeps it.
const OPERATION_START = Symbol('operationStart');

/** Records that the operation of `context` began at `startedAt`. */
export function markOperationStart(context: object, startedAt: number): void {
  (context as { [OPERATION_START]?: number })[OPERATION_START] = startedAt;
}

/**
 * Counts an operation's outcome and latency and writes its `operation
 * finished` line, as the plugin below does at `willSendResponse`; for
 * operations answered without Apollo.
 */
export function finishOperation(
  metrics: Pick<ServerMetrics, 'operationFinished'>,
  logger: Logger,
  operation: {
    name: string | undefined;
    outcome: OperationOutcome;
    seconds: number;
    errors?: readonly GraphQLError[];
  },
): void {
  const { name, outcome, seconds } = operation;
  metrics.operationFinished(name, outcome, seconds);
  // A success is written at debug only: most runs build no line for it.
  if (!operation.errors?.length && !logger.isLevelEnabled('debug')) return;
  logFinished(logger, {
    ...(name === undefined || boundTo(logger).operationName !== undefined
      ? {}
      : { operationName: name }),
    outcome,
    durationMs: Math.round(seconds * 1e4) / 10,
    errors: operation.errors ?? [],
  });
}

// Private: what a logger is already bound to, so nothing is bound twice (a
// key twice in one JSON line leaves readers to pick one).
function boundTo(logger: Logger): Partial<OperationBindings> {
  const known = boundByHelper.get(logger);
  if (known) return known;
  const { requestId, operationName } = logger.bindings();
  return {
    requestId: typeof requestId === 'string' ? requestId : undefined,
    operationName:
      typeof operationName === 'string' ? operationName : undefined,
  };
}

/** What the plugin needs of the context: a logger it may replace. */
export interface LoggingContext {
  logger: Logger;
}

export interface OperationMetricsPluginOptions {
  /** Where outcomes are counted. */
  metrics: Pick<ServerMetrics, 'operationFinished'>;
}

/**
 * Records each operation and binds its logger.
 *
 * - `requestDidStart`: takes the request id (from the context logger's
 *   bindings when the context function already bound one, else from
 *   `x-request-id`, else a new UUID), replaces `contextValue.logger` with a
 *   child bound to it and echoes it in the `x-request-id` response header.
 * - `didResolveOperation`: binds `operationName` too, before resolvers run,
 *   unless the context function already did.
 * - `willSendResponse`: counts the outcome and latency and writes one line,
 *   `operation finished`, with the error codes and Graph `request-id`s of
 *   any failure: at warn when Graph or the gateway failed (the full error
 *   of an unexpected failure is logged by `formatError`, not here), at info
 *   for a caller's mistake, at debug on success, since metrics already
 *   count successes and a line per request would dominate the log volume
 *   (and cost about 6 µs of CPU each).
 */
export function createOperationMetricsPlugin<TContext extends LoggingContext>(
  options: OperationMetricsPluginOptions,
): ApolloServerPlugin<TContext> {
  const { metrics } = options;
  return {
    async requestDidStart({ request, response, contextValue }) {
      const started =
        (contextValue as { [OPERATION_START]?: number })[OPERATION_START] ??
        performance.now();
      const bound = boundTo(contextValue.logger);
      const requestId =
        bound.requestId ??
        requestIdFrom(request.http?.headers.get(REQUEST_ID_HEADER));
      if (bound.requestId === undefined) {
        contextValue.logger = createOperationLogger(contextValue.logger, {
          requestId,
        });
      }
      response.http.headers.set(REQUEST_ID_HEADER, requestId);
      let errors: readonly GraphQLError[] = [];
      let nameBound = bound.operationName !== undefined;

      return {
        async didResolveOperation({ operationName }) {
          if (operationName && !nameBound) {
            contextValue.logger = contextValue.logger.child({ operationName });
            nameBound = true;
          }
        },
        async didEncounterErrors(context) {
          errors = context.errors;
        },
        async willSendResponse(context) {
          const seconds = (performance.now() - started) / 1000;
          const name =
            context.operationName ?? context.request.operationName ?? undefined;
          const outcome = outcomeOf(context.response.body);
          metrics.operationFinished(name, outcome, seconds);
          logFinished(contextValue.logger, {
            // Already bound to the logger once the operation resolved.
            ...(nameBound || name === undefined ? {} : { operationName: name }),
            outcome,
            durationMs: Math.round(seconds * 1e4) / 10,
            errors,
          });
        },
      };
    },
  };
}

function outcomeOf(
  body:
    | { kind: 'single'; singleResult: ResultShape }
    | {
        kind: 'incremental';
        initialResult: ResultShape;
      },
): OperationOutcome {
  const result =
    body.kind === 'single' ? body.singleResult : body.initialResult;
  if (!result.errors?.length) return 'success';
  return result.data == null ? 'error' : 'partial';
}

interface ResultShape {
  data?: unknown;
  errors?: readonly unknown[] | undefined;
}

function logFinished(
  logger: Logger,
  fields: {
    operationName?: string;
    outcome: OperationOutcome;
    durationMs: number;
    errors: readonly GraphQLError[];
  },
): void {
  const { errors, ...line } = fields;
  if (errors.length === 0) {
    logger.debug(line, 'operation finished');
    return;
  }
  const codes = errors.map((e) => codeOf(e));
  const graphRequestIds = errors
    .map((e) => graphRequestIdOf(e))
    .filter((id): id is string => id !== undefined);
  const failure = {
    ...line,
    errorCodes: [...new Set(codes)],
    ...(graphRequestIds.length ? { graphRequestIds } : {}),
  };
  if (codes.some((code) => SERVER_SIDE.has(code))) {
    logger.warn(failure, 'operation finished');
  } else {
    logger.info(failure, 'operation finished');
  }
}

// Private: errors without a code are the ones the server masks.
function codeOf(error: GraphQLError): string {
  const code = error.extensions['code'];
  return typeof code === 'string' ? code : ErrorCode.INTERNAL_SERVER_ERROR;
}

function graphRequestIdOf(error: GraphQLError): string | undefined {
  const graph = error.extensions['graph'];
  if (graph === null || typeof graph !== 'object') return undefined;
  const id = (graph as { requestId?: unknown }).requestId;
  return typeof id === 'string' ? id : undefined;
}
