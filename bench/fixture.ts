/**
 * The simulator every part of the bench runs against, with no added
 * latency and 50 images in its default tenant. Internal to `bench/`.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { Pool } from 'undici';

import {
  SOURCE_IMAGES,
  startSimulator,
  type Simulator,
} from '../src/simulator/index.js';
import { LIST_SIZE } from './queries.js';
import { BENCH_TOKEN } from './servers.js';

const IMAGES_PATH = '/deviceManagement/virtualEndpoint/deviceImages';

/** A started simulator and the ids of its images, oldest first. */
export interface BenchFixture {
  simulator: Simulator;
  imageIds: string[];
}

/**
 * Starts the simulator and creates images through its HTTP API until the
 * tenant holds {@link LIST_SIZE}, then waits for their uploads to end.
 */
export async function startFixture(uploadMs: number): Promise<BenchFixture> {
  const simulator = await startSimulator({
    port: 0,
    uploadMs,
    maxImages: LIST_SIZE + 10,
    seed: true,
  });
  const source = SOURCE_IMAGES.find((s) => s.outcome.status === 'ready');
  if (source === undefined) {
    throw new Error('The simulator offers no source image that uploads');
  }
  const pool = new Pool(simulator.origin, { connections: 4 });
  const path = new URL(simulator.baseUrl).pathname + IMAGES_PATH;
  try {
    for (let i = simulator.images().length; i < LIST_SIZE; i++) {
      const { statusCode, body } = await pool.request({
        method: 'POST',
        path,
        headers: {
          authorization: `Bearer ${BENCH_TOKEN}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          displayName: `bench-image-${String(i).padStart(2, '0')}`,
          version: '1.0.0',
          sourceImageResourceId: source.resourceId,
        }),
      });
      const text = await body.text();
      if (statusCode !== 201) {
        throw new Error(`Creating a bench image: ${statusCode} ${text}`);
      }
    }
  } finally {
    await pool.close();
  }
  await sleep(uploadMs + 100);
  simulator.resetRequests();
  return {
    simulator,
    imageIds: simulator.images().map((image) => image.id),
  };
}
