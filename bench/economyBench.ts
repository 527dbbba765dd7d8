/**
 * Part 2: upstream economy. Graph requests the gateway sends for common
 * operations, counted by the simulator, next to what a resolver per field
 * with no batching or sharing would send. Internal to `bench/`.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

import type { Simulator, SimulatorRoute } from '../src/simulator/index.js';
import { postJson, startServer, type Placement } from './processes.js';
import { requestBodies } from './queries.js';
import { gatewaySpec } from './servers.js';
import { monotonicMs } from './stats.js';

/** One operation's Graph requests. */
export interface EconomyRow {
  operation: string;
  /** GraphQL operations (or subscriptions) the client sent. */
  clientOperations: number;
  /** HTTP requests that reached the simulator (a `$batch` counts once). */
  graphRequests: number;
  /** Requests per route, batch items counted one each. */
  byRoute: Partial<Record<SimulatorRoute, number>>;
  /** What a resolver per field would send, computed. */
  naive: number;
  naiveBasis: string;
}

/** Part 2's figures. */
export interface EconomyResult {
  rows: EconomyRow[];
  /** Graph requests per second with no client and no subscriber. */
  idleRequestsPerSecond: number;
  pollIntervalMs: number;
  /** The limits raised so 45 aliased reads fit in one operation. */
  gatewayEnv: Record<string, string>;
}

const ROUTES: SimulatorRoute[] = [
  'listDeviceImages',
  'getDeviceImage',
  'createDeviceImage',
  'batch',
];

const RAISED_LIMITS = {
  MAX_ALIASES: '64',
  MAX_ROOT_FIELDS: '64',
  MAX_COST: '64',
};

/** Runs part 2 on a gateway of its own. */
export async function measureEconomy(options: {
  simulator: Simulator;
  imageIds: string[];
  sourceImageResourceId: string;
  pollIntervalMs: number;
  uploadMs: number;
  placement: Placement;
}): Promise<EconomyResult> {
  const { simulator, imageIds, pollIntervalMs } = options;
  const spec = gatewaySpec(
    simulator.baseUrl,
    options.placement.server,
    requestBodies(imageIds[0]!).single,
    pollIntervalMs,
  );
  spec.env = { ...spec.env, ...RAISED_LIMITS };
  const gateway = await startServer(spec);
  const wsUrl = gateway.url.replace(/^http/, 'ws');
  const rows: EconomyRow[] = [];

  async function counted(
    run: () => Promise<number>,
    row: Omit<EconomyRow, 'graphRequests' | 'byRoute' | 'clientOperations'>,
  ): Promise<void> {
    simulator.resetRequests();
    const clientOperations = await run();
    const byRoute: EconomyRow['byRoute'] = {};
    for (const route of ROUTES) {
      const count = simulator.requestCount(route);
      if (count > 0) byRoute[route] = count;
    }
    rows.push({
      ...row,
      clientOperations,
      graphRequests: simulator.requestCount(),
      byRoute,
    });
  }

  async function query(body: unknown): Promise<any> {
    const answer = await postJson(gateway.url, JSON.stringify(body));
    if (answer.status !== 200 || answer.json.errors !== undefined) {
      throw new Error(
        `Economy operation failed: ${answer.status} ` +
          JSON.stringify(answer.json).slice(0, 500),
      );
    }
    return answer.json.data;
  }

  try {
    simulator.resetRequests();
    await sleep(1_000);
    const idleRequestsPerSecond = simulator.requestCount();

    await counted(
      async () => {
        await query(JSON.parse(requestBodies(imageIds[0]!).list));
        return 1;
      },
      {
        operation: 'list: deviceImages(first: 50), every field',
        naive: 1,
        naiveBasis: 'one list call',
      },
    );

    const ids45 = imageIds.slice(0, 45);
    await counted(
      async () => {
        await query({ query: byIdQuery(ids45) });
        return 1;
      },
      {
        operation: '45 deviceImage(id) reads in one operation (aliases)',
        naive: 45,
        naiveBasis: 'one GET per image',
      },
    );
    await counted(
      async () => {
        for (let i = 0; i < 45; i += 15) {
          await query({ query: byIdQuery(ids45.slice(i, i + 15)) });
        }
        return 3;
      },
      {
        operation: '45 deviceImage(id) reads as 3 operations of 15',
        naive: 45,
        naiveBasis: 'one GET per image',
      },
    );

    let pages = 0;
    await counted(
      async () => {
        let after: string | null = null;
        for (;;) {
          const data: any = await query({
            query:
              'query Walk($after: String) { deviceImages(first: 10, ' +
              'after: $after) { totalCount nodes { id displayName status } ' +
              'pageInfo { hasNextPage endCursor } } }',
            variables: { after },
          });
          pages++;
          const page = data.deviceImages;
          if (!page.pageInfo.hasNextPage || pages > 50) break;
          after = page.pageInfo.endCursor;
        }
        return pages;
      },
      {
        operation: 'page walk: every image, first: 10, with totalCount',
        naive: 0,
        naiveBasis: '',
      },
    );
    const walk = rows[rows.length - 1]!;
    walk.naive = pages * 2;
    walk.naiveBasis = `${pages} pages × (list call + count call)`;

    for (const watchers of [1, 10]) {
      let elapsedMs = 0;
      await counted(
        async () => {
          elapsedMs = await createAndWatch(
            gateway.url,
            wsUrl,
            options.sourceImageResourceId,
            watchers,
          );
          return 1 + watchers;
        },
        { operation: '', naive: 0, naiveBasis: '' },
      );
      const row = rows[rows.length - 1]!;
      const polls = Math.floor(elapsedMs / pollIntervalMs);
      row.operation =
        `create, then ${watchers === 1 ? 'its status stream' : `${watchers} status streams`} ` +
        `until READY (${Math.round(elapsedMs)} ms)`;
      row.naive = 1 + watchers * (1 + polls);
      row.naiveBasis =
        `create + per stream: 1 GET + 1 GET per ${pollIntervalMs} ms poll ` +
        `(${polls} polls)`;
    }

    return {
      rows,
      idleRequestsPerSecond,
      pollIntervalMs,
      gatewayEnv: RAISED_LIMITS,
    };
  } finally {
    await gateway.stop();
  }
}

function byIdQuery(ids: string[]): string {
  const fields = ids.map(
    (id, i) =>
      `i${i}: deviceImage(id: ${JSON.stringify(id)}) { id displayName status }`,
  );
  return `query ByIds { ${fields.join(' ')} }`;
}

let created = 0;

/**
 * Creates an image, subscribes `watchers` clients to its status and resolves
 * when every one saw it leave PENDING; returns the milliseconds taken.
 */
async function createAndWatch(
  httpUrl: string,
  wsUrl: string,
  sourceImageResourceId: string,
  watchers: number,
): Promise<number> {
  const start = monotonicMs();
  const answer = await postJson(
    httpUrl,
    JSON.stringify({
      query:
        'mutation Create($input: CreateDeviceImageInput!) { ' +
        'createDeviceImage(input: $input) { id status } }',
      variables: {
        input: {
          displayName: `bench-economy-${process.pid}-${created++}`,
          version: '1.0.0',
          sourceImageResourceId,
        },
      },
    }),
  );
  const id = answer.json?.data?.createDeviceImage?.id as string | undefined;
  if (answer.status !== 200 || id === undefined) {
    throw new Error(
      `createDeviceImage failed: ${answer.status} ` +
        JSON.stringify(answer.json).slice(0, 500),
    );
  }
  const clients: Client[] = [];
  try {
    await Promise.all(
      Array.from({ length: watchers }, async () => {
        const client = createClient({
          url: wsUrl,
          webSocketImpl: WebSocket,
          retryAttempts: 0,
        });
        clients.push(client);
        const stream = client.iterate({
          query:
            'subscription Watch($id: ID!) { ' +
            'deviceImageStatusChanged(id: $id) { id status } }',
          variables: { id },
        });
        for await (const result of stream) {
          if (result.errors !== undefined) {
            throw new Error(
              `Status stream failed: ${JSON.stringify(result.errors)}`,
            );
          }
          const status = (result.data as any)?.deviceImageStatusChanged?.status;
          if (status !== 'PENDING') break;
        }
      }),
    );
  } finally {
    await Promise.all(clients.map((client) => client.dispose()));
  }
  return monotonicMs() - start;
}
