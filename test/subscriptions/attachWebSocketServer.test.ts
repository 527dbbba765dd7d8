import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import {
  DeviceImagesDataSource,
  GraphClient,
} from '../../src/datasource/index.js';
import { createSilentLogger } from '../../src/logger.js';
import { createSchema } from '../../src/resolvers/index.js';
import {
  createOperationValidator,
  DEFAULT_LIMITS,
} from '../../src/server/limits/index.js';
import {
  SEED_IMAGE_IDS,
  startSimulator,
  type Simulator,
} from '../../src/simulator/index.js';
import {
  createSubscriptionHub,
  type SubscriptionHub,
} from '../../src/subscriptions/index.js';
import {
  startWebSocketServer,
  type TestWebSocketServer,
} from '../utils/startWebSocketServer.js';
import { readStream } from './streamReader.js';

describe('Subscriptions: WebSocket adapter options', () => {
  let simulator: Simulator;
  let graph: GraphClient;
  let hub: SubscriptionHub;
  let server: TestWebSocketServer;
  let client: Client;

  beforeAll(async () => {
    simulator = await startSimulator({ uploadMs: 150 });
    graph = new GraphClient({ baseUrl: simulator.baseUrl });
    const logger = createSilentLogger();
    hub = createSubscriptionHub({ pollIntervalMs: 50, logger });
    const schema = createSchema();
    server = await startWebSocketServer({
      schema,
      logger,
      validateOperation: createOperationValidator(schema, {
        ...DEFAULT_LIMITS,
        maxDepth: 2,
      }),
      createContext: async () => ({
        dataSource: new DeviceImagesDataSource({
          client: graph,
          getToken: async () => 't',
        }),
        scope: 'app',
        events: hub,
        subscriptions: hub,
        logger,
        caller: {
          subject: 'anonymous',
          tenantId: undefined,
          canRead: true,
          canWrite: true,
          token: undefined,
        },
      }),
    });
    client = createClient({
      url: server.url,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
  });

  afterAll(async () => {
    await client?.dispose();
    await server?.close();
    await hub?.close();
    await graph?.close();
    await simulator?.close();
  });

  it('refuses an operation the given validator refuses', async () => {
    const deep = readStream(
      client.iterate({
        query: 'subscription { deviceImageEvents { image { id } } }',
      }),
    );
    const item = await deep.next();
    expect((item as { error: unknown }).error).toEqual([
      expect.objectContaining({
        extensions: expect.objectContaining({ code: 'QUERY_TOO_COMPLEX' }),
      }),
    ]);
  });

  it('runs an operation the given validator accepts', async () => {
    const status = readStream(
      client.iterate({
        query:
          'subscription($id: ID!) { deviceImageStatusChanged(id: $id) { status } }',
        variables: { id: SEED_IMAGE_IDS.ready },
      }),
    );
    expect(await status.next()).toMatchObject({
      value: { data: { deviceImageStatusChanged: { status: 'READY' } } },
    });
    await status.stop();
  });
});
