/**
 * Starts the real simulator and a GraphClient pointed at it; tests build a
 * datasource per simulated GraphQL operation, as the server does.
 */
import {
  GraphClient,
  type GraphClientOptions,
} from '../../src/datasource/GraphClient.js';
import { DeviceImagesDataSource } from '../../src/datasource/DeviceImagesDataSource.js';
import { createStaticTokenProvider } from '../../src/datasource/credentials.js';
import {
  startSimulator,
  type Simulator,
  type SimulatorOptions,
} from '../../src/simulator/index.js';

export interface GraphFixture {
  sim: Simulator;
  client: GraphClient;
  /** A fresh datasource, as for one GraphQL operation. */
  dataSource(token?: string): DeviceImagesDataSource;
  close(): Promise<void>;
}

/** A valid managed-image source the simulator uploads to `ready`. */
export const SOURCE_ID =
  '/subscriptions/0ac520ee-14c0-480f-b6c9-0a90c585ffff/resourceGroups/' +
  'Example/providers/Microsoft.Compute/images/exampleImageForDev';

export const COLLECTION = '/beta/deviceManagement/virtualEndpoint/deviceImages';

export async function startGraphFixture(
  simOptions: SimulatorOptions = {},
  clientOptions: Partial<GraphClientOptions> = {},
): Promise<GraphFixture> {
  const sim = await startSimulator({ uploadMs: 150, ...simOptions });
  const client = new GraphClient({
    baseUrl: sim.baseUrl,
    retryBaseDelayMs: 20,
    timeoutMs: 2_000,
    ...clientOptions,
  });
  return {
    sim,
    client,
    dataSource: (token = 'test-token') =>
      new DeviceImagesDataSource({
        client,
        getToken: createStaticTokenProvider(token),
      }),
    async close() {
      await client.close();
      await sim.close();
    },
  };
}

/** What a rejected promise rejected with. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject');
}
