import { register as globalRegistry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  createMetrics,
  createMetricsHandler,
  noopMetrics,
} from '../../src/server/metrics.js';
import {
  startHandlerServer,
  type HandlerServer,
} from '../utils/startHandlerServer.js';

function sampleValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('Metrics: recording', () => {
  it('counts operations by name and outcome with a latency histogram', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.operationFinished('ListImages', 'success', 0.02);
    metrics.operationFinished('ListImages', 'success', 0.03);
    metrics.operationFinished('ListImages', 'partial', 0.5);
    const text = await metrics.registry.metrics();
    expect(
      sampleValue(
        text,
        'cloudpc_graphql_operations_total{operation="ListImages",outcome="success"}',
      ),
    ).toBe(2);
    expect(
      sampleValue(
        text,
        'cloudpc_graphql_operations_total{operation="ListImages",outcome="partial"}',
      ),
    ).toBe(1);
    expect(
      sampleValue(
        text,
        'cloudpc_graphql_operation_duration_seconds_count{operation="ListImages"}',
      ),
    ).toBe(3);
    expect(
      sampleValue(
        text,
        'cloudpc_graphql_operation_duration_seconds_bucket{le="0.025",operation="ListImages"}',
      ),
    ).toBe(1);
  });

  it('counts upstream requests, retries and throttling by route', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.upstreamRequest('list', 200, 0.01);
    metrics.upstreamRequest('list', 429, 0.01);
    metrics.upstreamRequest('get', 'network_error', 1);
    metrics.retry('list', 'throttled');
    metrics.throttled('list', 2);
    metrics.throttled('list', 0);
    const text = await metrics.registry.metrics();
    expect(
      sampleValue(
        text,
        'cloudpc_graph_requests_total{route="list",status="429"}',
      ),
    ).toBe(1);
    expect(
      sampleValue(
        text,
        'cloudpc_graph_requests_total{route="get",status="network_error"}',
      ),
    ).toBe(1);
    expect(
      sampleValue(
        text,
        'cloudpc_graph_retries_total{route="list",reason="throttled"}',
      ),
    ).toBe(1);
    expect(
      sampleValue(text, 'cloudpc_graph_throttled_total{route="list"}'),
    ).toBe(2);
    expect(sampleValue(text, 'cloudpc_graph_throttle_wait_seconds_total')).toBe(
      2,
    );
    expect(
      sampleValue(
        text,
        'cloudpc_graph_request_duration_seconds_count{route="list"}',
      ),
    ).toBe(2);
  });

  it('tracks connections, subscriptions and pollers as gauges', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.wsConnectionOpened();
    metrics.wsConnectionOpened();
    metrics.wsConnectionClosed();
    metrics.subscriptionStarted();
    metrics.subscriptionStarted();
    metrics.subscriptionEnded();
    metrics.pollerStarted();
    metrics.pollFinished('success', 0.05);
    metrics.pollFinished('error', 0.1);
    const text = await metrics.registry.metrics();
    expect(sampleValue(text, 'cloudpc_websocket_connections')).toBe(1);
    expect(sampleValue(text, 'cloudpc_subscriptions')).toBe(1);
    expect(sampleValue(text, 'cloudpc_pollers')).toBe(1);
    expect(
      sampleValue(text, 'cloudpc_poll_duration_seconds_count{outcome="error"}'),
    ).toBe(1);
  });

  it('records batch sizes and the requests batching and coalescing saved', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.batchDispatched(20);
    metrics.batchDispatched(3);
    metrics.upstreamSaved('batching', 21);
    metrics.upstreamSaved('coalescing', 4);
    metrics.upstreamSaved('coalescing', 0);
    const text = await metrics.registry.metrics();
    expect(sampleValue(text, 'cloudpc_graph_batch_size_sum')).toBe(23);
    expect(sampleValue(text, 'cloudpc_graph_batch_size_bucket{le="5"}')).toBe(
      1,
    );
    expect(
      sampleValue(
        text,
        'cloudpc_graph_requests_saved_total{reason="batching"}',
      ),
    ).toBe(21);
    expect(
      sampleValue(
        text,
        'cloudpc_graph_requests_saved_total{reason="coalescing"}',
      ),
    ).toBe(4);
  });

  it('bounds operation names taken from clients', async () => {
    const metrics = createMetrics({
      defaultMetrics: false,
      maxOperationNames: 2,
    });
    metrics.operationFinished('One', 'success', 0.01);
    metrics.operationFinished('Two', 'success', 0.01);
    metrics.operationFinished('Three', 'success', 0.01);
    metrics.operationFinished('One', 'error', 0.01);
    metrics.operationFinished(undefined, 'success', 0.01);
    metrics.operationFinished('not a name"}', 'error', 0.01);
    const text = await metrics.registry.metrics();
    const series = (operation: string, outcome: string) =>
      sampleValue(
        text,
        `cloudpc_graphql_operations_total{operation="${operation}",outcome="${outcome}"}`,
      );
    expect(series('(other)', 'success')).toBe(1);
    expect(series('One', 'error')).toBe(1);
    expect(series('(anonymous)', 'success')).toBe(1);
    expect(series('(invalid)', 'error')).toBe(1);
    expect(text).not.toContain('Three');
  });

  it('keeps every metric out of the global registry', async () => {
    createMetrics();
    const second = createMetrics();
    expect(await globalRegistry.metrics()).not.toContain('cloudpc_');
    const text = await second.registry.metrics();
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('offers a sink that records nothing and cannot be changed', () => {
    noopMetrics.operationFinished('Any', 'success', 1);
    noopMetrics.upstreamRequest('list', 200, 1);
    expect(Object.isFrozen(noopMetrics)).toBe(true);
  });
});

describe('Metrics: /metrics endpoint', () => {
  const metrics = createMetrics({ defaultMetrics: false });
  let open: HandlerServer;
  let protectedServer: HandlerServer;
  let disabled: HandlerServer;

  beforeAll(async () => {
    open = await startHandlerServer(createMetricsHandler(metrics));
    protectedServer = await startHandlerServer(
      createMetricsHandler(metrics, { token: 'scrape-secret' }),
    );
    disabled = await startHandlerServer(
      createMetricsHandler(metrics, { enabled: false }),
    );
    metrics.operationFinished('Served', 'success', 0.01);
  });

  afterAll(async () => {
    await Promise.all([open, protectedServer, disabled].map((s) => s.close()));
  });

  it('serves the registry in the Prometheus text format', async () => {
    const res = await fetch(`${open.url}/metrics?probe=1`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(
      /^text\/plain; version=0\.0\.4/,
    );
    expect(await res.text()).toContain(
      'cloudpc_graphql_operations_total{operation="Served",outcome="success"} 1',
    );
  });

  it('answers HEAD without a body and other methods with 405', async () => {
    const head = await fetch(`${open.url}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await fetch(`${open.url}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('leaves other paths to the next handler', async () => {
    const res = await fetch(`${open.url}/metricsx`);
    expect(res.status).toBe(404);
  });

  it('answers 404 when disabled', async () => {
    const res = await fetch(`${disabled.url}/metrics`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('not found');
  });

  it('requires the bearer token when one is configured', async () => {
    const none = await fetch(`${protectedServer.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect(await none.json()).toEqual({
      error: 'A valid bearer token is required',
    });
    const wrong = await fetch(`${protectedServer.url}/metrics`, {
      headers: { authorization: 'Bearer scrape-secreT' },
    });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${protectedServer.url}/metrics`, {
      headers: { authorization: 'bearer scrape-secret' },
    });
    expect(right.status).toBe(200);
    expect(await right.text()).toContain('cloudpc_graphql_operations_total');
  });

  it('rejects an empty token as a misconfiguration', () => {
    expect(() => createMetricsHandler(metrics, { token: '' })).toThrow(
      'createMetricsHandler(): `token` must be a non-empty string or ' +
        'undefined, but got an empty string',
    );
  });
});
