/**
 * The gateway's Prometheus metrics: one prom-client `Registry` of its own
 * (never the global one, so two gateways in one process do not collide)
 * behind the transport-free {@link MetricsSink}, and the `/metrics` handler
 * that serves it in the text exposition format.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
} from 'prom-client';

import type { Logger } from '../logger.js';
import type { MetricsSink } from './metricsSink.js';
import { pathOf, sendJson } from './sendJson.js';

export type {
  MetricsSink,
  OperationOutcome,
  PollerMetrics,
  RetryReason,
  SavingReason,
  ServerMetrics,
  SharedModeMetrics,
  UpstreamMetrics,
} from './metricsSink.js';
export { noopMetrics } from './metricsSink.js';

/** A {@link MetricsSink} backed by a Prometheus registry. */
export interface GatewayMetrics extends MetricsSink {
  /** The registry every gateway metric lives in; `/metrics` renders it. */
  readonly registry: Registry;
}

export interface MetricsOptions {
  /**
   * Also collect Node's process metrics (CPU, memory, event-loop lag, GC)
   * under their standard unprefixed names.
   * @default true
   */
  defaultMetrics?: boolean | undefined;
  /**
   * Distinct operation names kept as label values; later names are counted
   * under `(other)`. Operation names come from clients, so an unbounded
   * label would let any caller grow the registry without limit.
   * @default 200
   */
  maxOperationNames?: number | undefined;
}

/** The label value for an operation without a name. */
export const ANONYMOUS_OPERATION = '(anonymous)';
/** The label value for names past `maxOperationNames`. */
export const OTHER_OPERATION = '(other)';
/** The label value for a name that is not a GraphQL name. */
export const INVALID_OPERATION = '(invalid)';

const PREFIX = 'cloudpc_';
const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,127}$/;

/** Creates the gateway's metrics in a registry of their own. */
export function createMetrics(options: MetricsOptions = {}): GatewayMetrics {
  const maxOperationNames = options.maxOperationNames ?? 200;
  const registry = new Registry();
  if (options.defaultMetrics ?? true)
    collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const operations = new Counter({
    name: `${PREFIX}graphql_operations_total`,
    help: 'GraphQL operations over HTTP, by operation name and outcome.',
    labelNames: ['operation', 'outcome'] as const,
    registers,
  });
  const operationSeconds = new Histogram({
    name: `${PREFIX}graphql_operation_duration_seconds`,
    help: 'Time from request to response of GraphQL operations over HTTP.',
    labelNames: ['operation'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const fastPath = new Counter({
    name: `${PREFIX}graphql_fast_path_answers_total`,
    help:
      "GraphQL queries over HTTP answered without entering Apollo's request " +
      'pipeline (also counted in graphql_operations_total).',
    registers,
  });
  const upstream = new Counter({
    name: `${PREFIX}graph_requests_total`,
    help: 'HTTP requests to Microsoft Graph, by route and response status.',
    labelNames: ['route', 'status'] as const,
    registers,
  });
  const upstreamSeconds = new Histogram({
    name: `${PREFIX}graph_request_duration_seconds`,
    help: 'Duration of HTTP requests to Microsoft Graph, by route.',
    labelNames: ['route'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const retries = new Counter({
    name: `${PREFIX}graph_retries_total`,
    help: 'Graph requests sent again, by route and reason.',
    labelNames: ['route', 'reason'] as const,
    registers,
  });
  const throttled = new Counter({
    name: `${PREFIX}graph_throttled_total`,
    help: 'Graph responses with status 429, by route.',
    labelNames: ['route'] as const,
    registers,
  });
  const throttleWait = new Counter({
    name: `${PREFIX}graph_throttle_wait_seconds_total`,
    help: 'Seconds spent waiting on Retry-After before retrying Graph.',
    registers,
  });
  const batchSize = new Histogram({
    name: `${PREFIX}graph_batch_size`,
    help: 'Image ids per DataLoader batch of by-id reads (1: a plain GET).',
    buckets: [1, 2, 5, 10, 20, 50, 100],
    registers,
  });
  // `batching` comes from GraphClient.batch, `coalescing` from the poller:
  // the lists a shared poll spared its other subscriptions (OPERATIONS.md).
  const saved = new Counter({
    name: `${PREFIX}graph_requests_saved_total`,
    help:
      'Graph requests avoided by $batch (batching) or by subscriptions ' +
      'sharing one poll (coalescing).',
    labelNames: ['reason'] as const,
    registers,
  });
  const wsConnections = new Gauge({
    name: `${PREFIX}websocket_connections`,
    help: 'Open GraphQL WebSocket connections.',
    registers,
  });
  const subscriptions = new Gauge({
    name: `${PREFIX}subscriptions`,
    help: 'Active GraphQL subscriptions.',
    registers,
  });
  const pollers = new Gauge({
    name: `${PREFIX}pollers`,
    help: 'Active Graph pollers feeding subscriptions.',
    registers,
  });
  const pollSeconds = new Histogram({
    name: `${PREFIX}poll_duration_seconds`,
    help: 'Duration of one poll of Graph, by outcome.',
    labelNames: ['outcome'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const redisConnected = new Gauge({
    name: `${PREFIX}redis_connected`,
    help: '1 while Redis is reachable for shared polling (REDIS_URL), else 0.',
    registers,
  });
  const fallbacks = new Counter({
    name: `${PREFIX}shared_mode_fallbacks_total`,
    help: 'Times Redis was lost and polling fell back to this instance.',
    registers,
  });

  const knownNames = new Set<string>();
  // Private: bounds the operation label to GraphQL names and to
  // `maxOperationNames` distinct values.
  function operationLabel(name: string | undefined): string {
    if (name === undefined || name === '') return ANONYMOUS_OPERATION;
    if (!GRAPHQL_NAME.test(name)) return INVALID_OPERATION;
    if (knownNames.has(name)) return name;
    if (knownNames.size >= maxOperationNames) return OTHER_OPERATION;
    knownNames.add(name);
    return name;
  }

  return {
    registry,
    operationFinished(name, outcome, seconds) {
      const operation = operationLabel(name);
      operations.inc({ operation, outcome });
      operationSeconds.observe({ operation }, seconds);
    },
    upstreamRequest(route, status, seconds) {
      upstream.inc({ route, status: String(status) });
      upstreamSeconds.observe({ route }, seconds);
    },
    retry(route, reason) {
      retries.inc({ route, reason });
    },
    throttled(route, waitSeconds) {
      throttled.inc({ route });
      if (waitSeconds > 0) throttleWait.inc(waitSeconds);
    },
    batchDispatched(size) {
      batchSize.observe(size);
    },
    upstreamSaved(reason, count) {
      if (count > 0) saved.inc({ reason }, count);
    },
    pollerStarted() {
      pollers.inc();
    },
    pollerStopped() {
      pollers.dec();
    },
    pollFinished(outcome, seconds) {
      pollSeconds.observe({ outcome }, seconds);
    },
    redisConnected(connected) {
      redisConnected.set(connected ? 1 : 0);
    },
    sharedModeFallback() {
      fallbacks.inc();
    },
    wsConnectionOpened() {
      wsConnections.inc();
    },
    wsConnectionClosed() {
      wsConnections.dec();
    },
    subscriptionStarted() {
      subscriptions.inc();
    },
    fastPathAnswered() {
      fastPath.inc();
    },
    subscriptionEnded() {
      subscriptions.dec();
    },
  };
}

export interface MetricsHandlerOptions {
  /**
   * Serve `/metrics` at all; when false the handler declines every request
   * and the server answers 404 as for any unknown path.
   * @default true
   */
  enabled?: boolean | undefined;
  /**
   * When set, `/metrics` requires `Authorization: Bearer <token>` and
   * answers 401 otherwise. Set it whenever the port is reachable by anyone
   * but the scraper.
   * @default undefined // no authentication
   */
  token?: string | undefined;
  /** Where rendering failures are logged. @default not logged */
  logger?: Logger | undefined;
}

/**
 * Serves `GET /metrics` (and `HEAD`) from the gateway's registry. Returns
 * whether it handled the request, so a server can chain it before its other
 * routes.
 */
export function createMetricsHandler(
  metrics: Pick<GatewayMetrics, 'registry'>,
  options: MetricsHandlerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { enabled = true, token, logger } = options;
  if (token !== undefined && token === '') {
    throw new TypeError(
      'createMetricsHandler(): `token` must be a non-empty string or ' +
        'undefined, but got an empty string',
    );
  }
  const expected = token === undefined ? undefined : digest(token);

  return (req, res) => {
    if (!enabled || pathOf(req.url) !== '/metrics') return false;
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
    if (expected && !bearerMatches(req.headers.authorization, expected)) {
      sendJson(
        res,
        401,
        { error: 'A valid bearer token is required' },
        {
          'www-authenticate': 'Bearer realm="metrics"',
        },
      );
      return true;
    }
    metrics.registry.metrics().then(
      (body) => {
        res.writeHead(200, {
          'content-type': metrics.registry.contentType,
          'cache-control': 'no-store',
        });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => {
        logger?.error({ err }, 'rendering /metrics failed');
        sendJson(res, 500, { error: 'Rendering metrics failed' });
      },
    );
    return true;
  };
}

// Private: compares digests so the comparison takes the same time whatever
// the length or content of the presented token.
function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), expected);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
