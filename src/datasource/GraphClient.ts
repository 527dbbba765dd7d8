/**
 * One HTTP client for Microsoft Graph over an undici `Pool` with keep-alive
 * (Node's global fetch costs about four times the CPU per call, see
 * PERFORMANCE.md). It adds the headers every Graph call needs, times out,
 * retries what is safe to retry, and reports every HTTP answer as a
 * {@link GraphResponse}; deciding what an answer means is the caller's job.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { Pool } from 'undici';

import { createSilentLogger, type Logger } from '../logger.js';
import { noopMetrics, type UpstreamMetrics } from '../server/metricsSink.js';
import {
  GraphTransportError,
  MAX_BATCH_SIZE,
  errorCode,
  graphErrorCode,
  type GraphBatchRequest,
  type GraphBatchResponse,
  type GraphClientStats,
  type GraphRequest,
  type GraphResponse,
} from './graphHttp.js';
import {
  RetryPolicy,
  isTransientStatus,
  parseRetryAfter,
  type RetryMode,
} from './RetryPolicy.js';

export interface GraphClientOptions {
  /**
   * Graph's root including the version segment, e.g.
   * `https://graph.microsoft.com/beta`. Request paths are relative to it.
   */
  baseUrl: string;
  /**
   * The longest one attempt may take, from sending to the last byte of the
   * body.
   * @default 10_000 // 10 seconds
   */
  timeoutMs?: number | undefined;
  /**
   * Attempts per call, the first included.
   * @default 3
   */
  maxAttempts?: number | undefined;
  /**
   * The longest a call may spend retrying, counted from its first attempt.
   * A wait (a `Retry-After` included) that would end later is not started;
   * the last answer is reported instead.
   * @default 30_000 // 30 seconds
   */
  retryBudgetMs?: number | undefined;
  /**
   * The first backoff step when Graph gives no `Retry-After`; each retry
   * doubles it, with jitter.
   * @default 200 // 0.2 seconds
   */
  retryBaseDelayMs?: number | undefined;
  /**
   * Sockets kept open to Graph's origin.
   * @default 32
   */
  connections?: number | undefined;
  /**
   * Where retries (warn) and request lifecycles (debug) are logged.
   * @default a silent logger
   */
  logger?: Logger | undefined;
  /** Where requests, retries and throttling are counted. @default none */
  metrics?: UpstreamMetrics | undefined;
}

type ResolvedOptions = Required<Omit<GraphClientOptions, 'baseUrl'>>;

/**
 * Sent with every request and batch item, so that evolvable enum members
 * (e.g. status `warning`) stay visible (contract §2, "Evolvable enums").
 */
const INCLUDE_UNKNOWN_ENUMS = 'include-unknown-enum-members';

/** The one place defaults are applied. */
function resolveOptions(options: GraphClientOptions): ResolvedOptions {
  const resolved = {
    timeoutMs: options.timeoutMs ?? 10_000,
    maxAttempts: options.maxAttempts ?? 3,
    retryBudgetMs: options.retryBudgetMs ?? 30_000,
    retryBaseDelayMs: options.retryBaseDelayMs ?? 200,
    connections: options.connections ?? 32,
    logger: options.logger ?? createSilentLogger(),
    metrics: options.metrics ?? noopMetrics,
  };
  for (const name of [
    'timeoutMs',
    'maxAttempts',
    'retryBudgetMs',
    'retryBaseDelayMs',
    'connections',
  ] as const) {
    const value = resolved[name];
    const least = name === 'maxAttempts' || name === 'connections' ? 1 : 0;
    if (!Number.isInteger(value) || value < least) {
      throw new TypeError(
        `GraphClient option "${name}" must be an integer of at least ` +
          `${least}, but got ${String(value)}.`,
      );
    }
  }
  return resolved;
}

function parseBaseUrl(baseUrl: unknown): URL {
  let url: URL | undefined;
  try {
    url = typeof baseUrl === 'string' ? new URL(baseUrl) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash) {
    throw new TypeError(
      'GraphClient option "baseUrl" must be an http(s) URL without query ' +
        `or fragment, e.g. "https://graph.microsoft.com/beta", but got ` +
        `${JSON.stringify(baseUrl)}.`,
    );
  }
  return url;
}

/**
 * Sends Graph requests. One instance serves the whole process; it holds no
 * credentials (each call brings its token).
 */
export class GraphClient {
  /** Graph's root, without a trailing slash. */
  readonly baseUrl: string;
  readonly #origin: string;
  readonly #basePath: string;
  readonly #pool: Pool;
  readonly #options: ResolvedOptions;
  readonly #policy: RetryPolicy;
  readonly #logger: Logger;
  readonly #stats: GraphClientStats = { requests: 0, retries: 0 };

  constructor(options: GraphClientOptions) {
    const url = parseBaseUrl(options.baseUrl);
    this.#options = resolveOptions(options);
    this.#origin = url.origin;
    this.#basePath = url.pathname.replace(/\/+$/, '');
    this.baseUrl = this.#origin + this.#basePath;
    this.#logger = this.#options.logger;
    this.#policy = new RetryPolicy(this.#options);
    this.#pool = new Pool(this.#origin, {
      connections: this.#options.connections,
      // The per-attempt abort below is the real deadline; these only stop
      // undici's 300-second defaults from outliving it.
      headersTimeout: this.#options.timeoutMs + 1_000,
      bodyTimeout: this.#options.timeoutMs + 1_000,
    });
  }

  /** A snapshot of the request counters. */
  get stats(): GraphClientStats {
    return { ...this.#stats };
  }

  /**
   * The path of an absolute Graph URL relative to `baseUrl`, or undefined
   * when the URL is on another origin or outside the base path. Tokens are
   * sent only where this answers, so an `@odata.nextLink` cannot lead them
   * elsewhere.
   */
  relativePath(link: string): string | undefined {
    let url: URL;
    try {
      url = new URL(link);
    } catch {
      return undefined;
    }
    if (url.origin !== this.#origin || url.username || url.password) {
      return undefined;
    }
    const rest = url.pathname.slice(this.#basePath.length);
    if (!url.pathname.startsWith(this.#basePath) || !rest.startsWith('/')) {
      return undefined;
    }
    return rest + url.search;
  }

  /**
   * Sends one call, retrying per its retry mode (see `RetryPolicy`).
   * Resolves with the last HTTP answer, whatever its status; rejects with
   * {@link GraphTransportError} when the last attempt got no answer.
   */
  async request<T = unknown>(request: GraphRequest): Promise<GraphResponse<T>> {
    const mode =
      request.retry ??
      (request.method === 'POST' ? 'throttleOnly' : 'idempotent');
    const started = Date.now();
    let ambiguous = false;
    for (let attempt = 1; ; attempt++) {
      const clientRequestId = randomUUID();
      let response: GraphResponse<T>;
      try {
        response = await this.#send<T>(request, clientRequestId, attempt);
      } catch (error) {
        if (!(error instanceof GraphTransportError) || isClosed(error)) {
          throw error;
        }
        const decision = this.#policy.decide(
          mode,
          { kind: 'transport' },
          attempt,
          Date.now() - started,
        );
        if (!decision.retry) throw error;
        this.#options.metrics.retry(routeOf(request), 'network_error');
        ambiguous = true;
        await this.#pause(
          request,
          attempt,
          decision.delayMs,
          error.timedOut
            ? 'a timeout'
            : `a connection failure (${error.reason})`,
          { err: error, clientRequestId },
        );
        continue;
      }
      response.earlierAttemptAmbiguous = ambiguous;
      if (response.ok) return response;
      const decision = this.#policy.decide(
        mode,
        {
          kind: 'status',
          status: response.status,
          retryAfterMs: parseRetryAfter(response.headers['retry-after']),
        },
        attempt,
        Date.now() - started,
      );
      const route = routeOf(request);
      if (response.status === 429) {
        this.#options.metrics.throttled(
          route,
          decision.retry ? decision.delayMs / 1000 : 0,
        );
      }
      if (!decision.retry) return response;
      this.#options.metrics.retry(
        route,
        response.status === 429 ? 'throttled' : 'server_error',
      );
      if (response.status >= 500) ambiguous = true;
      await this.#pause(
        request,
        attempt,
        decision.delayMs,
        `status ${response.status}`,
        {
          status: response.status,
          code: graphErrorCode(response.body),
          graphRequestId: response.requestId,
          clientRequestId,
        },
      );
    }
  }

  /**
   * Sends up to {@link MAX_BATCH_SIZE} requests as one `$batch` POST
   * (contract §5). A batch of GETs is retried like a GET. Items that answer
   * 429 (or 503/504 for GETs) are sent again, alone, as a smaller batch
   * after the longest `Retry-After` among them, within the same attempt and
   * time limits; other item failures are left for the caller, per item.
   */
  async batch(
    requests: readonly GraphBatchRequest[],
    token: string,
    logger: Logger = this.#logger,
  ): Promise<GraphBatchResponse> {
    assertBatch(requests);
    this.#options.metrics.upstreamSaved('batching', requests.length - 1);
    const readOnly = requests.every((item) => item.method === 'GET');
    const mode: RetryMode = readOnly ? 'idempotent' : 'throttleOnly';
    const started = Date.now();
    const items = new Map<string, GraphResponse>();
    let pending = requests;
    let outer: GraphResponse | undefined;
    for (let round = 1; ; round++) {
      const answer = await this.request<BatchBody>({
        method: 'POST',
        path: '/$batch',
        token,
        retry: mode,
        body: { requests: pending.map(toWireItem) },
        logger,
      });
      // A failed retry round keeps the item answers of the earlier rounds.
      if (!answer.ok && outer) return { outer, items };
      outer = answer;
      if (!answer.ok) return { outer, items };
      for (const item of answer.body?.responses ?? []) {
        const sent = pending.find((request) => request.id === item.id);
        if (sent) items.set(sent.id, toItemResponse(item, sent, answer, round));
      }
      const transient = pending.filter((request) => {
        const item = items.get(request.id);
        return (
          item !== undefined &&
          isTransientStatus(
            request.method === 'GET' ? 'idempotent' : 'throttleOnly',
            item.status,
          )
        );
      });
      if (transient.length === 0) return { outer, items };
      const answers = transient.map((request) => items.get(request.id)!);
      const retryAfters = answers.map((item) =>
        parseRetryAfter(item.headers['retry-after']),
      );
      // Each item was already judged by its own method's mode above; what is
      // left is only whether attempts and time allow another round.
      const decision = this.#policy.decide(
        'idempotent',
        {
          kind: 'status',
          status: answers[0]!.status,
          retryAfterMs: retryAfters.some((ms) => ms !== undefined)
            ? Math.max(...retryAfters.map((ms) => ms ?? 0))
            : undefined,
        },
        round,
        Date.now() - started,
      );
      const throttledItems = answers.filter((item) => item.status === 429);
      for (let i = 0; i < throttledItems.length; i++) {
        this.#options.metrics.throttled(
          'batch',
          // One wait serves every item of the round: count it once.
          decision.retry && i === 0 ? decision.delayMs / 1000 : 0,
        );
      }
      if (!decision.retry) return { outer, items };
      this.#options.metrics.retry(
        'batch',
        throttledItems.length > 0 ? 'throttled' : 'server_error',
      );
      this.#stats.retries++;
      logger.warn(
        {
          items: transient.length,
          statuses: [...new Set(answers.map((item) => item.status))],
          round,
          delayMs: decision.delayMs,
          graphRequestId: answer.requestId,
        },
        `Retrying ${transient.length} $batch item(s) Graph could not serve`,
      );
      await sleep(decision.delayMs);
      pending = transient;
    }
  }

  /** Closes the pool's sockets once in-flight requests finish. */
  async close(): Promise<void> {
    await this.#pool.close();
  }

  /** Logs a retry at warn, counts it and waits. */
  async #pause(
    request: GraphRequest,
    attempt: number,
    delayMs: number,
    reason: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    this.#stats.retries++;
    (request.logger ?? this.#logger).warn(
      {
        method: request.method,
        path: request.path,
        attempt,
        delayMs,
        ...details,
      },
      `Retrying Graph ${request.method} after ${reason}`,
    );
    await sleep(delayMs);
  }

  /** One HTTP attempt, bounded by `timeoutMs` from send to last byte. */
  async #send<T>(
    request: GraphRequest,
    clientRequestId: string,
    attempt: number,
  ): Promise<GraphResponse<T>> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${request.token}`,
      accept: 'application/json',
      prefer: INCLUDE_UNKNOWN_ENUMS,
      'client-request-id': clientRequestId,
    };
    let body: string | undefined;
    if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers['content-type'] = 'application/json';
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.#options.timeoutMs);
    this.#stats.requests++;
    const sentAt = performance.now();
    const route = routeOf(request);
    let status: number;
    let responseHeaders: Record<string, string>;
    let text: string;
    try {
      const answer = await this.#pool.request({
        method: request.method,
        path: this.#basePath + request.path,
        headers,
        body: body ?? null,
        signal: controller.signal,
      });
      status = answer.statusCode;
      responseHeaders = flattenHeaders(answer.headers);
      text = await answer.body.text();
    } catch (error) {
      this.#options.metrics.upstreamRequest(
        route,
        'network_error',
        (performance.now() - sentAt) / 1000,
      );
      throw new GraphTransportError(
        {
          method: request.method,
          path: request.path,
          clientRequestId,
          attempts: attempt,
          timedOut: controller.signal.aborted,
          timeoutMs: this.#options.timeoutMs,
        },
        error,
      );
    } finally {
      clearTimeout(timer);
    }
    this.#options.metrics.upstreamRequest(
      route,
      status,
      (performance.now() - sentAt) / 1000,
    );
    const ok = status >= 200 && status < 300;
    const response: GraphResponse<T> = {
      status,
      ok,
      headers: responseHeaders,
      body: parseBody<T>(text, ok, request),
      requestId: responseHeaders['request-id'],
      clientRequestId,
      method: request.method,
      path: request.path,
      attempts: attempt,
      earlierAttemptAmbiguous: false,
    };
    (request.logger ?? this.#logger).debug(
      {
        method: request.method,
        path: request.path,
        status,
        attempt,
        graphRequestId: response.requestId,
        clientRequestId,
      },
      'Graph answered',
    );
    return response;
  }
}

interface BatchBody {
  responses?: {
    id: string;
    status: number;
    headers?: Record<string, string>;
    body?: unknown;
  }[];
}

// Each item carries its own `Prefer`: Graph documents headers per item,
// not that the envelope's reach them (contract §5, JSON batching).
function toWireItem(item: GraphBatchRequest): Record<string, unknown> {
  const wire = { id: item.id, method: item.method, url: item.url };
  return item.body === undefined
    ? { ...wire, headers: { prefer: INCLUDE_UNKNOWN_ENUMS } }
    : {
        ...wire,
        headers: {
          prefer: INCLUDE_UNKNOWN_ENUMS,
          'content-type': 'application/json',
        },
        body: item.body,
      };
}

function toItemResponse(
  item: NonNullable<BatchBody['responses']>[number],
  sent: GraphBatchRequest,
  outer: GraphResponse,
  round: number,
): GraphResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(item.headers ?? {})) {
    headers[name.toLowerCase()] = String(value);
  }
  return {
    status: item.status,
    ok: item.status >= 200 && item.status < 300,
    headers,
    body: item.body,
    requestId: headers['request-id'] ?? outer.requestId,
    clientRequestId: outer.clientRequestId,
    method: sent.method,
    path: sent.url,
    attempts: round,
    earlierAttemptAmbiguous: false,
  };
}

function assertBatch(requests: readonly GraphBatchRequest[]): void {
  if (requests.length < 1 || requests.length > MAX_BATCH_SIZE) {
    throw new TypeError(
      `GraphClient.batch() takes 1 to ${MAX_BATCH_SIZE} requests, ` +
        `but got ${requests.length}.`,
    );
  }
  const ids = new Set(requests.map((item) => item.id.toLowerCase()));
  if (ids.size !== requests.length) {
    throw new TypeError(
      'GraphClient.batch() needs unique item ids (Graph compares them ' +
        'case-insensitively), but got duplicates.',
    );
  }
}

function flattenHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) {
      flat[name] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  return flat;
}

/**
 * Graph answers JSON; an error page from a proxy may not be. Unreadable
 * error bodies are dropped (the status still tells the story), but an
 * unreadable success body is a fault worth failing loudly on.
 */
function parseBody<T>(
  text: string,
  ok: boolean,
  request: GraphRequest,
): T | undefined {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    if (!ok) return undefined;
    throw new Error(
      `Graph answered ${request.method} ${request.path} with a body that ` +
        'is not JSON.',
      { cause: error },
    );
  }
}

/** The pool was closed: retrying cannot help. */
function isClosed(error: GraphTransportError): boolean {
  const code = errorCode(error.cause);
  return code === 'UND_ERR_CLOSED' || code === 'UND_ERR_DESTROYED';
}

// Private: the operation a request stands for, as a bounded metrics label.
function routeOf(request: GraphRequest): string {
  const path = request.path.split('?', 1)[0]!;
  if (path === '/$batch') return 'batch';
  if (/\/getSourceImages(\(\))?$/.test(path)) return 'sourceImages';
  if (path.endsWith('/retryUpload')) return 'retryUpload';
  if (path.endsWith('/reupload')) return 'reupload';
  if (path.endsWith('/deviceImages')) {
    return request.method === 'POST' ? 'create' : 'list';
  }
  if (/\/deviceImages\/[^/]+$/.test(path)) {
    return request.method === 'DELETE' ? 'delete' : 'get';
  }
  return 'other';
}
