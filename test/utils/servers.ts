/**
 * Starts the real simulator and gateway on free ports for tests, and a
 * small GraphQL-over-HTTP client on undici.
 */
import { request } from 'undici';

import { createSilentLogger, type Logger } from '../../src/logger.js';
import { createGateway, type Gateway } from '../../src/server/createGateway.js';
import { loadConfig, type GatewayConfig } from '../../src/server/config.js';
import {
  startSimulator,
  type Simulator,
  type SimulatorOptions,
} from '../../src/simulator/index.js';

/** The token the test gateway sends to its simulator. */
export const TEST_TOKEN = 'test-token';

export interface TestStackOptions {
  /** Merged over `{ port: 0, uploadMs: 150 }`. */
  simulator?: SimulatorOptions;
  /**
   * Merged over a gateway on port 0 pointed at the simulator with
   * `TEST_TOKEN`, polling every 50 ms, GraphiQL off.
   */
  gateway?: Partial<GatewayConfig>;
  /** @default a silent logger */
  logger?: Logger;
}

export interface TestStack {
  simulator: Simulator;
  gateway: Gateway;
  /** The gateway's `/graphql` URL. */
  url: string;
  wsUrl: string;
  /** Closes the gateway, then the simulator. */
  close(): Promise<void>;
}

/** The configuration of a test gateway pointed at `graphBaseUrl`. */
export function testGatewayConfig(
  graphBaseUrl: string | undefined,
  overrides: Partial<GatewayConfig> = {},
): GatewayConfig {
  return {
    ...loadConfig({}),
    port: 0,
    graphBaseUrl,
    auth: { mode: 'static', token: TEST_TOKEN },
    pollIntervalMs: 50,
    graphiql: false,
    nodeEnv: 'test',
    ...overrides,
  };
}

/** Starts a simulator and a gateway in front of it. */
export async function startTestStack(
  options: TestStackOptions = {},
): Promise<TestStack> {
  const simulator = await startSimulator({
    port: 0,
    uploadMs: 150,
    ...options.simulator,
  });
  let gateway: Gateway;
  try {
    gateway = await createGateway(
      testGatewayConfig(simulator.baseUrl, options.gateway),
      { logger: options.logger ?? createSilentLogger() },
    );
  } catch (error) {
    await simulator.close();
    throw error;
  }
  return {
    simulator,
    gateway,
    url: gateway.url,
    wsUrl: gateway.wsUrl,
    async close() {
      await gateway.close();
      await simulator.close();
    },
  };
}

/** A GraphQL response as it arrived, with its HTTP status. */
export interface GraphqlResponse<TData = Record<string, unknown>> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  data?: TData | null;
  errors?: {
    message: string;
    path?: (string | number)[];
    extensions?: Record<string, unknown>;
  }[];
}

/** POSTs one GraphQL operation as JSON and parses the answer. */
export async function graphqlRequest<TData = Record<string, unknown>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphqlResponse<TData>> {
  const response = await request(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.body.text();
  let body: Omit<GraphqlResponse<TData>, 'status' | 'headers'>;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(
      `Expected a JSON GraphQL response, but got ${response.statusCode}: ` +
        text.slice(0, 200),
    );
  }
  return { status: response.statusCode, headers: response.headers, ...body };
}
