import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  DeviceImagesDataSource,
  GraphClient,
} from '../../src/datasource/index.js';
import { createMetrics } from '../../src/server/metrics.js';
import {
  SEED_IMAGE_IDS,
  startSimulator,
  type Simulator,
} from '../../src/simulator/index.js';

const LIST = '/deviceManagement/virtualEndpoint/deviceImages';

function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('Datasource: client metrics', () => {
  let simulator: Simulator;

  beforeAll(async () => {
    simulator = await startSimulator({ port: 0 });
  });

  afterAll(async () => {
    await simulator.close();
  });

  it('counts requests by route and status, retries and throttle waits', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const client = new GraphClient({ baseUrl: simulator.baseUrl, metrics });
    simulator.injectFault({
      route: 'listDeviceImages',
      status: 429,
      retryAfterSeconds: 0,
    });
    const answer = await client.request({
      method: 'GET',
      path: LIST,
      token: 't',
    });
    expect(answer.status).toBe(200);
    await client.batch(
      [
        { id: '1', method: 'GET', url: `${LIST}/a` },
        { id: '2', method: 'GET', url: `${LIST}/b` },
        { id: '3', method: 'GET', url: `${LIST}/c` },
      ],
      't',
    );
    await client.close();
    const text = await metrics.registry.metrics();
    const series = (name: string) => sample(text, `cloudpc_${name}`);
    expect(series('graph_requests_total{route="list",status="429"}')).toBe(1);
    expect(series('graph_requests_total{route="list",status="200"}')).toBe(1);
    expect(series('graph_requests_total{route="batch",status="200"}')).toBe(1);
    expect(series('graph_retries_total{route="list",reason="throttled"}')).toBe(
      1,
    );
    expect(series('graph_throttled_total{route="list"}')).toBe(1);
    expect(series('graph_requests_saved_total{reason="batching"}')).toBe(2);
  });

  it('records the size of every batch of by-id reads, a single id included', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const client = new GraphClient({ baseUrl: simulator.baseUrl, metrics });
    const dataSource = () =>
      new DeviceImagesDataSource({
        client,
        getToken: async () => 't',
        metrics,
      });
    await dataSource().get(SEED_IMAGE_IDS.ready);
    const three = dataSource();
    await Promise.all([
      three.get(SEED_IMAGE_IDS.ready),
      three.get(SEED_IMAGE_IDS.warning),
      three.get(SEED_IMAGE_IDS.pending),
    ]);
    await client.close();
    const text = await metrics.registry.metrics();
    expect(sample(text, 'cloudpc_graph_batch_size_count')).toBe(2);
    expect(sample(text, 'cloudpc_graph_batch_size_sum')).toBe(4);
    expect(sample(text, 'cloudpc_graph_batch_size_bucket{le="1"}')).toBe(1);
  });
});
