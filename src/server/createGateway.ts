/**
 * The gateway: one `node:http` server answering GraphQL over HTTP (Apollo
 * Server, through apolloHandler.ts) and over WebSocket (graphql-ws, through
 * the subscriptions module) from the same executable schema, plus GraphiQL.
 */
import { createHash } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';

import { GraphClient } from '../datasource/index.js';
import { createSilentLogger, type Logger } from '../logger.js';
import type { GatewayContext } from '../resolvers/context.js';
import { createSchema } from '../resolvers/index.js';
import { startSimulator, type Simulator } from '../simulator/index.js';
import {
  attachWebSocketServer,
  createRedisCoordinator,
  createSubscriptionHub,
  type RedisCoordinator,
} from '../subscriptions/index.js';
import { createApolloHandler, sendJsonError } from './apolloHandler.js';
import { authorizeOperation, createAuthorizationPlugin } from './auth/index.js';
import type { GatewayConfig, GraphAuth } from './config.js';
import { createCompiledExecution } from './compiledExecution.js';
import { createCompiledGateway } from './createCompiledGateway.js';
import { createFastPath } from './createFastPath.js';
import { createContextFactory } from './createContextFactory.js';
import { createErrorLoggingPlugin, createFormatError } from './formatError.js';
import { createGraphiqlHandler } from './graphiql/index.js';
import { createGraphReadinessCheck } from './graphReadiness.js';
import { createHealthHandler } from './health.js';
import {
  createLimitRules,
  createOperationValidator,
  restoreGatewayErrorCode,
  stripSuggestion,
} from './limits/index.js';
import {
  createMetrics,
  createMetricsHandler,
  noopMetrics,
  type GatewayMetrics,
} from './metrics.js';
import type { SharedModeMetrics } from './metricsSink.js';
import { createOperationMetricsPlugin } from './operationMetricsPlugin.js';
import { createOriginPolicy } from './originPolicy.js';

/** The path of the GraphQL endpoint, for HTTP and WebSocket alike. */
export const GRAPHQL_PATH = '/graphql';

/**
 * How long `close()` lets requests in flight finish before cutting their
 * connections.
 */
const CLOSE_GRACE_MS = 5_000;

/** A running gateway. */
export interface Gateway {
  /** E.g. `http://127.0.0.1:4000/graphql`. */
  readonly url: string;
  /** E.g. `ws://127.0.0.1:4000/graphql`. */
  readonly wsUrl: string;
  readonly httpServer: Server;
  /** Where Graph calls go: the configured URL or the embedded simulator. */
  readonly graphBaseUrl: string;
  /** The embedded simulator, when the configuration asked for one. */
  readonly simulator: Simulator | undefined;
  /** The gateway's metrics; undefined when `METRICS=false`. */
  readonly metrics: GatewayMetrics | undefined;
  /**
   * Stops accepting connections, then closes WebSockets, the subscription
   * hub, its Redis connections, Apollo, the Graph connection pool and the
   * embedded simulator, in that order. Idempotent.
   */
  close(): Promise<void>;
}

export interface CreateGatewayOptions {
  /** Where the gateway logs. @default a silent logger */
  logger?: Logger | undefined;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * How often a draining server closes the connections that became idle: a
 * request in flight when the drain began is answered with keep-alive, and
 * its connection would otherwise stay open until the grace runs out.
 */
const IDLE_SWEEP_MS = 50;

/** Stops the server accepting, waits for requests in flight, then cuts. */
function stopAccepting(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(
      () => server.closeAllConnections(),
      CLOSE_GRACE_MS,
    );
    timer.unref();
    const sweep = setInterval(
      () => server.closeIdleConnections(),
      IDLE_SWEEP_MS,
    );
    server.close(() => {
      clearTimeout(timer);
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** What a gateway has started so far, so a failed start can undo it. */
interface Started {
  simulator?: Simulator;
  client?: GraphClient;
  hub?: ReturnType<typeof createSubscriptionHub>;
  coordinator?: RedisCoordinator;
  apollo?: ApolloServer<GatewayContext>;
  httpServer?: Server;
  sockets?: { close(): Promise<void> };
}

/**
 * Closes what was started. HTTP requests in flight may finish (up to
 * {@link CLOSE_GRACE_MS}) before Apollo and the Graph pool they use close;
 * WebSockets close at once, since subscriptions never finish by themselves.
 */
async function shutdown(started: Started, logger: Logger): Promise<void> {
  const step = async (what: string, run: () => Promise<void> | undefined) => {
    try {
      await run();
    } catch (err) {
      logger.error({ err }, `closing ${what} failed`);
    }
  };
  const { httpServer } = started;
  const listening = httpServer?.listening
    ? stopAccepting(httpServer)
    : undefined;
  await step('WebSockets', () => started.sockets?.close());
  await step('the HTTP server', () => listening);
  await step('the subscription hub', () => started.hub?.close());
  await step('the Redis connections', () => started.coordinator?.close());
  await step('Apollo Server', () => started.apollo?.stop());
  await step('the Graph pool', () => started.client?.close());
  await step('the embedded simulator', () => started.simulator?.close());
}

/**
 * Starts a gateway. With no `graphBaseUrl` in `config`, an embedded
 * simulator is started first and closed with the gateway.
 */
export async function createGateway(
  config: GatewayConfig,
  options: CreateGatewayOptions = {},
): Promise<Gateway> {
  const logger = options.logger ?? createSilentLogger();
  const metrics = config.metricsEnabled ? createMetrics() : undefined;
  const sink = metrics ?? noopMetrics;
  let closing: Promise<void> | undefined;
  const started: Started = {};
  try {
    let graphBaseUrl = config.graphBaseUrl;
    if (graphBaseUrl === undefined) {
      const simulator = await startSimulator({
        port: 0,
        host: '127.0.0.1',
        ...(config.simulatorUploadMs === undefined
          ? {}
          : { uploadMs: config.simulatorUploadMs }),
        logger: logger.child({ component: 'simulator' }),
      });
      started.simulator = simulator;
      graphBaseUrl = simulator.baseUrl;
    }

    // One pool per Graph origin, shared by every request of this gateway.
    const client = new GraphClient({
      baseUrl: graphBaseUrl,
      timeoutMs: config.graphTimeoutMs,
      logger: logger.child({ component: 'graph' }),
      metrics: sink,
    });
    started.client = client;

    const coordinator = createCoordinator(config, graphBaseUrl, logger, sink);
    started.coordinator = coordinator;
    const hub = createSubscriptionHub({
      coordinator,
      pollIntervalMs: config.pollIntervalMs,
      logger: logger.child({ component: 'subscriptions' }),
      metrics: sink,
    });
    started.hub = hub;

    const schema = createSchema();
    const { limits } = config;
    const execution = createCompiledExecution();
    const validateOperation = createOperationValidator(schema, limits);
    const formatError = createFormatError({
      development: config.nodeEnv === 'development',
    });
    const apollo = new ApolloServer<GatewayContext>({
      // The schema, executed by graphql-jit (createCompiledGateway.ts).
      gateway: createCompiledGateway(schema, execution),
      logger,
      validationRules: createLimitRules(limits),
      parseOptions: { maxTokens: limits.maxTokens },
      // NoIntrospectionRule refuses introspection when it is off, with a
      // FORBIDDEN that names the setting; Apollo's own switch would not.
      introspection: true,
      hideSchemaDetailsFromClientErrors: !limits.suggestions,
      formatError: (formatted, error) => {
        const answer = formatError(
          restoreGatewayErrorCode(formatted, error),
          error,
        );
        return limits.suggestions
          ? answer
          : { ...answer, message: stripSuggestion(answer.message) };
      },
      // Masked errors carry their stack only through formatError, and only
      // in development; Apollo's own stacks would leak it for every error.
      includeStacktraceInErrorResponses: false,
      // Apollo pretty-prints by default; compact JSON is cheaper to write
      // and to read.
      stringifyResult: (result) => JSON.stringify(result),
      allowBatchedHttpRequests: false,
      csrfPrevention: true,
      // Apollo would otherwise stop itself on SIGTERM and re-raise the
      // signal, killing the process before close() has run in order.
      stopOnTerminationSignals: false,
      // Each plugin below would otherwise install itself by default and
      // cost time on every request (PERFORMANCE.md); GraphiQL is our own.
      plugins: [
        createErrorLoggingPlugin(logger),
        createAuthorizationPlugin<GatewayContext>((context) => context.caller),
        ApolloServerPluginCacheControlDisabled(),
        ApolloServerPluginLandingPageDisabled(),
        ApolloServerPluginUsageReportingDisabled(),
        ApolloServerPluginSchemaReportingDisabled(),
        ApolloServerPluginInlineTraceDisabled(),
        createOperationMetricsPlugin<GatewayContext>({ metrics: sink }),
      ],
    });
    await apollo.start();
    started.apollo = apollo;

    const contexts = createContextFactory({
      auth: config.auth,
      callerAuth: config.callerAuth,
      client,
      hub,
      logger,
      metrics: sink,
    });
    const graphql = createApolloHandler(apollo, {
      maxBodyBytes: config.maxBodyBytes,
      createContext: contexts.fromHttp,
      fastPath: createFastPath({
        schema,
        execution,
        validateOperation,
        metrics: sink,
      }),
    });
    if (config.graphiql && !limits.introspection) {
      logger.warn(
        'GraphiQL is on but introspection is off: the page loads without ' +
          'docs or autocompletion; set GRAPHQL_INTROSPECTION=true for them',
      );
    }
    const graphiql = config.graphiql
      ? createGraphiqlHandler({
          enabled: true,
          graphqlPath: GRAPHQL_PATH,
          // Callers who must present a token get a field to paste it in.
          passthroughAuth:
            config.auth.mode === 'passthrough' ||
            config.callerAuth.mode === 'verify',
          logger: logger.child({ component: 'graphiql' }),
        })
      : undefined;

    const health = createHealthHandler({
      checkReady: createGraphReadinessCheck({
        client,
        getToken: contexts.appToken,
      }),
      isShuttingDown: () => closing !== undefined,
      logger: logger.child({ component: 'health' }),
    });
    const metricsHandler = metrics
      ? createMetricsHandler(metrics, { token: config.metricsToken, logger })
      : undefined;
    if (metrics && !config.metricsToken && !isLoopback(config.host)) {
      logger.warn(
        { host: config.host },
        '/metrics is open to anyone who reaches this host: set ' +
          'METRICS_TOKEN, or METRICS=false',
      );
    }

    const origins = createOriginPolicy(config.allowedOrigins);
    const handle = async (req: IncomingMessage, res: ServerResponse) => {
      // Probes and scrapers carry no caller token and no Origin.
      if (health(req, res) || metricsHandler?.(req, res)) return;
      if (origins.handle(req, res)) return;
      if (graphiql?.(req, res)) return;
      const url = req.url ?? '/';
      const queryStart = url.indexOf('?');
      const path = queryStart < 0 ? url : url.slice(0, queryStart);
      if (path === GRAPHQL_PATH) {
        await graphql(req, res);
        return;
      }
      sendJsonError(
        res,
        404,
        'NOT_FOUND',
        `Nothing is served at ${path}; GraphQL is at ${GRAPHQL_PATH}.`,
      );
    };

    const httpServer = createServer((req, res) => {
      // A request that arrives on a kept-alive connection while the
      // gateway drains is answered, then its connection closes.
      if (!httpServer.listening) res.shouldKeepAlive = false;
      handle(req, res).catch((err: unknown) => {
        logger.error({ err, url: req.url }, 'request failed');
        if (res.headersSent) {
          res.destroy();
        } else {
          sendJsonError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal error');
        }
      });
    });
    started.httpServer = httpServer;
    await listen(httpServer, config.port, config.host);

    started.sockets = attachWebSocketServer(httpServer, {
      schema,
      path: GRAPHQL_PATH,
      logger: logger.child({ component: 'websocket' }),
      createContext: contexts.fromWebSocket,
      validateOperation,
      authorize: (context, kind) => authorizeOperation(context.caller, kind),
      acceptsHandshake: origins.accepts,
      maxPayloadBytes: config.maxBodyBytes,
      maxOperationsPerSocket: config.maxSubscriptionsPerSocket,
      connectionInitTimeoutMs: config.connectionInitTimeoutMs,
      suggestions: limits.suggestions,
      metrics: sink,
    });

    const { port } = httpServer.address() as AddressInfo;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    return {
      url: `http://${host}:${port}${GRAPHQL_PATH}`,
      wsUrl: `ws://${host}:${port}${GRAPHQL_PATH}`,
      httpServer,
      graphBaseUrl,
      simulator: started.simulator,
      metrics,
      close: () => (closing ??= shutdown(started, logger)),
    };
  } catch (error) {
    await shutdown(started, logger);
    throw error;
  }
}

/** Whether `host` binds only this machine's loopback interface. */
function isLoopback(host: string): boolean {
  return (
    host === 'localhost' ||
    host === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

/**
 * Shares polling through Redis when `REDIS_URL` is set, except in
 * pass-through mode: there each scope stands for one caller's token, which
 * must never leave the instance.
 */
function createCoordinator(
  config: GatewayConfig,
  graphBaseUrl: string,
  logger: Logger,
  metrics: SharedModeMetrics,
): RedisCoordinator | undefined {
  if (config.redisUrl === undefined) return undefined;
  if (config.auth.mode === 'passthrough') {
    logger.warn(
      "REDIS_URL is ignored with GRAPH_AUTH=passthrough: callers' tokens " +
        'never leave the instance, so each one polls for its own callers',
    );
    return undefined;
  }
  return createRedisCoordinator({
    url: config.redisUrl,
    namespace: sharedNamespace(graphBaseUrl, config.auth),
    pollIntervalMs: config.pollIntervalMs,
    logger: logger.child({ component: 'redis' }),
    metrics,
  });
}

/**
 * What instances must agree on to share a scope: the same Graph and the
 * same credentials. Hashed, so no secret reaches Redis.
 */
function sharedNamespace(graphBaseUrl: string, auth: GraphAuth): string {
  const identity: unknown[] = [graphBaseUrl, auth.mode];
  if (auth.mode === 'static') {
    identity.push(createHash('sha256').update(auth.token).digest('hex'));
  } else if (
    auth.mode === 'client-credentials' ||
    auth.mode === 'on-behalf-of'
  ) {
    identity.push(auth.tenantId, auth.clientId, auth.authorityHost ?? '');
  }
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}
