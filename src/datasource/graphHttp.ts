/**
 * The HTTP-level shapes shared by the Graph client, the error mapping and the
 * datasource: what a call asks, what Graph answered, and the error for no
 * answer at all.
 */
import type { Logger } from '../logger.js';
import type { RetryMode } from './RetryPolicy.js';

export type GraphMethod = 'GET' | 'POST' | 'DELETE';

/** One logical Graph call; the client may send it more than once. */
export interface GraphRequest {
  method: GraphMethod;
  /** Path and query relative to `baseUrl`, starting with `/`. */
  path: string;
  /** Sent as `Authorization: Bearer …`. */
  token: string;
  /** Serialised as JSON when present. */
  body?: unknown;
  /**
   * How safe the request is to repeat.
   * @default 'idempotent' for GET and DELETE, 'throttleOnly' for POST
   */
  retry?: RetryMode | undefined;
  /**
   * Where this call's retries and answers are logged, e.g. the operation's
   * child logger, so that its lines carry the gateway's request id too.
   * @default the client's logger
   */
  logger?: Logger | undefined;
}

/** Graph's final answer to a call, whatever its status. */
export interface GraphResponse<T = unknown> {
  status: number;
  /** Whether `status` is 2xx. */
  ok: boolean;
  /** Response headers, names in lower case. */
  headers: Readonly<Record<string, string>>;
  /** The parsed JSON body; undefined when the body was empty or not JSON. */
  body: T | undefined;
  /** Graph's `request-id` header, for support and logs. */
  requestId: string | undefined;
  /** The `client-request-id` sent with the attempt that got this answer. */
  clientRequestId: string;
  method: GraphMethod;
  path: string;
  /** HTTP attempts made for this call, this one included. */
  attempts: number;
  /**
   * Whether an earlier attempt failed in a way that leaves open whether
   * Graph applied it (timeout, reset, 5xx). A DELETE answered 404 after such
   * an attempt most likely succeeded the first time.
   */
  earlierAttemptAmbiguous: boolean;
}

/** One item of a `$batch` (contract §5, "JSON batching"). */
export interface GraphBatchRequest {
  /** Unique within the batch. */
  id: string;
  method: GraphMethod;
  /** Relative to the version root, e.g. `/deviceManagement/…`. */
  url: string;
  body?: unknown;
}

/** The outcome of {@link GraphClient.batch}. */
export interface GraphBatchResponse {
  /** The answer to the `$batch` POST itself. */
  outer: GraphResponse;
  /**
   * Each item's final answer by item id; empty when `outer` is not ok. An
   * item Graph left unanswered is absent.
   */
  items: Map<string, GraphResponse>;
}

/** Counters for metrics and tests. */
export interface GraphClientStats {
  /**
   * HTTP requests attempted, those that got no answer included; a `$batch`
   * counts once.
   */
  requests: number;
  /** Of those, the ones that repeated an earlier attempt. */
  retries: number;
}

/** No HTTP answer arrived: the attempt timed out or the connection failed. */
export class GraphTransportError extends Error {
  readonly method: GraphMethod;
  readonly path: string;
  readonly clientRequestId: string;
  readonly attempts: number;
  /** The attempt ran out of time; otherwise the connection failed. */
  readonly timedOut: boolean;
  /** The timeout that expired, when `timedOut`. */
  readonly timeoutMs: number;
  /** The connection failure's code, e.g. `ECONNRESET`. */
  readonly reason: string;

  constructor(
    details: {
      method: GraphMethod;
      path: string;
      clientRequestId: string;
      attempts: number;
      timedOut: boolean;
      timeoutMs: number;
    },
    cause: unknown,
  ) {
    const reason = details.timedOut ? 'timeout' : errorCode(cause);
    const what = details.timedOut
      ? `no answer within ${details.timeoutMs} ms`
      : `connection failed (${reason})`;
    super(`${details.method} ${details.path}: ${what}`, { cause });
    this.name = 'GraphTransportError';
    this.method = details.method;
    this.path = details.path;
    this.clientRequestId = details.clientRequestId;
    this.attempts = details.attempts;
    this.timedOut = details.timedOut;
    this.timeoutMs = details.timeoutMs;
    this.reason = reason;
  }
}

/** Graph's documented limit on items per `$batch` (contract §5). */
export const MAX_BATCH_SIZE = 20;

/** Graph's `error.code` from an error body, when there is one. */
export function graphErrorCode(body: unknown): string | undefined {
  const error = (body as { error?: { code?: unknown } } | undefined)?.error;
  return typeof error?.code === 'string' ? error.code : undefined;
}

/** A transport failure's code, e.g. `ECONNRESET`, or its message. */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : String(error);
}
