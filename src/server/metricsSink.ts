/**
 * What the gateway's modules report to metrics, as plain interfaces with no
 * Prometheus types: the datasource, the poller and the WebSocket wiring
 * accept the slice they need through their options and default to
 * {@link noopMetrics}, so the core stays free of any metrics transport.
 * `createMetrics()` in `metrics.ts` implements all of them with prom-client.
 */

/**
 * How a GraphQL operation ended: `success` without errors, `partial` with
 * data and errors, `error` with errors and no data (parse and validation
 * failures included).
 */
export type OperationOutcome = 'success' | 'partial' | 'error';

/** Why the datasource tried a Graph request again. */
export type RetryReason = 'throttled' | 'server_error' | 'network_error';

/** Which upstream calls were avoided, and by what. */
export type SavingReason = 'batching' | 'coalescing';

/**
 * A Graph call's route: the operation, not the URL, so ids never become
 * label values (`list`, `get`, `batch`, `create`, `delete`, `retryUpload`,
 * `sourceImages`, `token`).
 */
export type UpstreamRoute = string;

/** What the datasource reports about its Graph traffic. */
export interface UpstreamMetrics {
  /**
   * One Graph HTTP exchange ended. `status` is the HTTP status, or
   * `network_error` when no answer arrived (refused, reset, timed out).
   */
  upstreamRequest(
    route: UpstreamRoute,
    status: number | 'network_error',
    seconds: number,
  ): void;
  /** A Graph request is about to be sent again. */
  retry(route: UpstreamRoute, reason: RetryReason): void;
  /**
   * Graph answered 429. `waitSeconds` is how long the datasource waits
   * before its retry (from `Retry-After`), 0 when it gives up instead.
   */
  throttled(route: UpstreamRoute, waitSeconds: number): void;
  /** A DataLoader dispatched a batch of `size` keys. */
  batchDispatched(size: number): void;
  /**
   * `count` upstream requests were avoided: keys answered by one `$batch`
   * (`batching`) or callers that shared an in-flight request
   * (`coalescing`).
   */
  upstreamSaved(reason: SavingReason, count: number): void;
}

/**
 * What the subscription poller reports. Its `upstreamSaved('coalescing')`
 * counts the polls its subscriptions share: see `StatusPoller`.
 */
export interface PollerMetrics extends Pick<UpstreamMetrics, 'upstreamSaved'> {
  /** A poller began polling a scope. */
  pollerStarted(): void;
  /** A poller stopped (last subscriber gone, or shutdown). */
  pollerStopped(): void;
  /** One poll of Graph ended, successfully or not. */
  pollFinished(outcome: 'success' | 'error', seconds: number): void;
}

/**
 * What the Redis coordination of several gateway instances reports
 * (`src/subscriptions/RedisCoordinator.ts`).
 */
export interface SharedModeMetrics {
  /** Redis became reachable (true) or unreachable (false). */
  redisConnected(connected: boolean): void;
  /**
   * The instance lost Redis and polls on its own until it returns; counted
   * once per outage.
   */
  sharedModeFallback(): void;
}

/** What the HTTP and WebSocket wiring reports. */
export interface ServerMetrics {
  /** A GraphQL operation over HTTP ended (see {@link OperationOutcome}). */
  operationFinished(
    operationName: string | undefined,
    outcome: OperationOutcome,
    seconds: number,
  ): void;
  /** A WebSocket connection was accepted. */
  wsConnectionOpened(): void;
  /** A WebSocket connection closed, for any reason. */
  wsConnectionClosed(): void;
  /** A subscription started on a WebSocket. */
  subscriptionStarted(): void;
  /** A subscription completed, errored or was cancelled. */
  subscriptionEnded(): void;
  /** A query over HTTP was answered without entering Apollo's pipeline. */
  fastPathAnswered(): void;
}

/** Everything the gateway records; what `createMetrics()` implements. */
export interface MetricsSink
  extends UpstreamMetrics, PollerMetrics, SharedModeMetrics, ServerMetrics {}

/**
 * Records nothing: the default for modules built without metrics (tests,
 * library use), so they never test for an absent sink.
 */
export const noopMetrics: MetricsSink = Object.freeze({
  upstreamRequest() {},
  retry() {},
  throttled() {},
  batchDispatched() {},
  upstreamSaved() {},
  pollerStarted() {},
  pollerStopped() {},
  pollFinished() {},
  redisConnected() {},
  sharedModeFallback() {},
  operationFinished() {},
  wsConnectionOpened() {},
  wsConnectionClosed() {},
  subscriptionStarted() {},
  subscriptionEnded() {},
  fastPathAnswered() {},
});
