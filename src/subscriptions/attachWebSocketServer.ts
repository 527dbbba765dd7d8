/**
 * The thin graphql-ws adapter: the GraphQL over WebSocket protocol
 * (`graphql-transport-ws`, https://github.com/graphql/graphql-over-http/blob/main/rfcs/GraphQLOverWebSocket.md)
 * on a `ws` server that shares the gateway's HTTP port and path. Everything
 * about images lives in the hub; this file only authenticates, builds one
 * context per operation and masks unexpected errors.
 */
import type http from 'node:http';

import {
  GraphQLError,
  getOperationAST,
  parse,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';

import { ErrorCode, GatewayError, isGatewayError } from '../errors/index.js';
import type { Logger } from '../logger.js';
import type { GatewayContext } from '../resolvers/context.js';
import type { OperationKind } from '../server/auth/index.js';
import { createCompiledExecution } from '../server/compiledExecution.js';
import type {
  OperationCheck,
  OperationRequest,
} from '../server/limits/index.js';
import { stripSuggestion } from '../server/limits/withoutSuggestions.js';
import { noopMetrics, type ServerMetrics } from '../server/metricsSink.js';

/** Options of {@link attachWebSocketServer}. */
export interface WebSocketServerOptions {
  schema: GraphQLSchema;
  /** The HTTP path upgrades are accepted on, e.g. `/graphql`. */
  path: string;
  logger: Logger;
  /**
   * Builds the context of one operation from the `connection_init`
   * payload and the upgrade request. It is called once at
   * `connection_init`, to authenticate, and once per operation. An error
   * with code UNAUTHENTICATED or FORBIDDEN closes the socket with
   * `CloseCode.Forbidden` (4403).
   */
  createContext: (
    connectionParams: Record<string, unknown> | undefined,
    request: http.IncomingMessage,
  ) => Promise<GatewayContext>;
  /**
   * Milliseconds between keep-alive pings; a socket that does not answer
   * one within the same time is terminated.
   * @default 12_000 // 12 seconds
   */
  keepAliveMs?: number | undefined;
  /**
   * Parses and validates an operation, e.g. with the hostile-input limits
   * (`createOperationValidator` in `src/server/limits/`). It must read only
   * `query`: its verdict on a valid document is cached per query text.
   * @default graphql-js's `parse` and specified rules, no limits
   */
  validateOperation?:
    ((request: OperationRequest) => OperationCheck) | undefined;
  /**
   * Where connections and subscriptions are counted.
   * @default no metrics
   */
  metrics?: ServerMetrics | undefined;
  /**
   * Refuses an operation its caller may not run (throw a FORBIDDEN
   * GatewayError), once the operation's kind and context are known and
   * before it executes; the refusal is an `error` message.
   * @default every caller may run everything
   */
  authorize?:
    ((context: GatewayContext, kind: OperationKind) => void) | undefined;
  /**
   * Whether a handshake may proceed, e.g. by its `Origin`; a refused one
   * is answered HTTP 403 and never becomes a WebSocket.
   * @default every handshake
   */
  acceptsHandshake?: ((request: http.IncomingMessage) => boolean) | undefined;
  /**
   * Largest message accepted, in bytes; a larger one closes the socket
   * with 1009 (message too big, RFC 6455 §7.4.1).
   * @default 1_048_576 // 1 MiB
   */
  maxPayloadBytes?: number | undefined;
  /**
   * Operations one socket may run at once; a `subscribe` beyond gets an
   * `error` message (QUERY_TOO_COMPLEX) and the socket stays open.
   * @default 100
   */
  maxOperationsPerSocket?: number | undefined;
  /**
   * Milliseconds to wait for `connection_init` before closing with
   * `CloseCode.ConnectionInitialisationTimeout` (4408).
   * @default 3_000 // 3 seconds
   */
  connectionInitTimeoutMs?: number | undefined;
  /**
   * Whether error messages keep graphql-js's "Did you mean …?" hints.
   * @default true
   */
  suggestions?: boolean | undefined;
}

/** What {@link attachWebSocketServer} returns. */
export interface AttachedWebSocketServer {
  /**
   * Closes every socket with 1001 (going away, RFC 6455 §7.4.1) and stops
   * accepting upgrades; the HTTP server stays open.
   */
  close(): Promise<void>;
}

/** Parsed and validated documents kept, by query text. */
const DOCUMENT_CACHE_SIZE = 200;

/**
 * Serves GraphQL over WebSocket on `httpServer` at `options.path`. Protocol
 * violations close the socket with graphql-ws `CloseCode` members.
 */
export function attachWebSocketServer(
  httpServer: http.Server,
  options: WebSocketServerOptions,
): AttachedWebSocketServer {
  const { schema, logger, createContext } = options;
  const metrics = options.metrics ?? noopMetrics;
  const documents = new Map<string, DocumentNode>();
  // What the validator reported about a client's document: shown as it is,
  // although a rewritten message (suggestions stripped) has an
  // `originalError`, which would otherwise mark it as unexpected.
  const documentErrors = new WeakSet<GraphQLError>();
  // The ids of each socket's running subscriptions, so that each one that
  // started is counted as ended exactly once.
  const streaming = new WeakMap<object, Set<string>>();
  const maxOperations = options.maxOperationsPerSocket ?? 100;
  const { acceptsHandshake, authorize } = options;
  const wsServer = new WebSocketServer({
    server: httpServer,
    path: options.path,
    maxPayload: options.maxPayloadBytes ?? 1_048_576,
    ...(acceptsHandshake
      ? {
          verifyClient: (
            info: { req: http.IncomingMessage },
            done: (ok: boolean, status?: number, reason?: string) => void,
          ) =>
            acceptsHandshake(info.req)
              ? done(true)
              : done(false, 403, 'Forbidden'),
        }
      : {}),
  });
  wsServer.on('connection', (socket) => {
    metrics.wsConnectionOpened();
    socket.once('close', () => metrics.wsConnectionClosed());
  });

  // Each event is executed once per subscriber; compiled, that costs a
  // fraction of graphql-js's interpretation (BENCHMARKS.md).
  const compiled = createCompiledExecution();

  // Parsing and validating once per query text matters when thousands of
  // clients send the same subscription.
  const check = options.validateOperation ?? createDefaultCheck(schema);
  const prepare = (
    request: OperationRequest,
  ): DocumentNode | readonly GraphQLError[] => {
    const cached = documents.get(request.query);
    if (cached) return cached;
    let result: OperationCheck;
    try {
      result = check(request);
    } catch (error) {
      return [toInternal(error)];
    }
    if (result.errors) {
      for (const error of result.errors) documentErrors.add(error);
      return result.errors;
    }
    if (documents.size >= DOCUMENT_CACHE_SIZE) {
      documents.delete(documents.keys().next().value as string);
    }
    documents.set(request.query, result.document);
    return result.document;
  };

  // Hints name fields the caller did not ask about; with introspection off
  // they would map the schema one typo at a time.
  // `extensions.http` is a status for Apollo Server, which removes it;
  // here it would only leak to the client.
  const present = (error: GraphQLError): GraphQLFormattedError => {
    const { http: _http, ...extensions } = error.extensions;
    const { extensions: _all, ...formatted } = error.toJSON();
    return {
      ...formatted,
      message:
        options.suggestions === false
          ? stripSuggestion(formatted.message)
          : formatted.message,
      ...(Object.keys(extensions).length > 0 ? { extensions } : {}),
    };
  };

  const mask = (
    errors: readonly GraphQLError[],
    operationId: string,
  ): GraphQLFormattedError[] =>
    errors.map((error) => {
      if (typeof error.extensions['code'] === 'string') return present(error);
      // Syntax and validation errors are raised by graphql-js itself about
      // the document the client sent: safe, and useful, to show.
      if (!error.originalError || documentErrors.has(error)) {
        return present(error);
      }
      logger.error(
        { err: error.originalError, operationId },
        'unexpected error in a WebSocket operation',
      );
      return {
        message: 'Internal server error',
        extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
      };
    });

  const disposable = useServer<Record<string, unknown>>(
    {
      schema,
      onConnect: async (ctx) => {
        const { socket, request } = ctx.extra;
        try {
          await createContext(ctx.connectionParams, request);
          logger.debug('WebSocket connection acknowledged');
          return true;
        } catch (error) {
          if (isAuthError(error)) {
            logger.debug({ err: error }, 'WebSocket connection refused');
            return false; // graphql-ws closes with CloseCode.Forbidden
          }
          logger.error({ err: error }, 'WebSocket connection_init failed');
          socket.close(CloseCode.InternalServerError, 'Internal server error');
          return false;
        }
      },
      onSubscribe: async (ctx, id, payload) => {
        // graphql-ws has registered this id already, hence `>`.
        const running = Object.keys(ctx.subscriptions).length;
        if (running > maxOperations) {
          return [
            new GatewayError(
              ErrorCode.QUERY_TOO_COMPLEX,
              `This WebSocket already runs ${running - 1} operations; the ` +
                `gateway allows at most ${maxOperations} per socket ` +
                '(MAX_SUBSCRIPTIONS_PER_SOCKET). Complete one, or open ' +
                'another socket.',
              {
                extensions: {
                  limit: 'MAX_SUBSCRIPTIONS_PER_SOCKET',
                  maximum: maxOperations,
                  actual: running,
                },
              },
            ),
          ];
        }
        const document = prepare(payload);
        if (!('kind' in document)) return document;
        let contextValue: GatewayContext;
        try {
          contextValue = await createContext(
            ctx.connectionParams,
            ctx.extra.request,
          );
        } catch (error) {
          if (isAuthError(error)) {
            // Credentials expired since connection_init: the client must
            // reconnect with new ones, which only a close tells it.
            ctx.extra.socket.close(CloseCode.Forbidden, 'Forbidden');
            return [error as GraphQLError];
          }
          return isGatewayError(error) ? [error] : [toInternal(error)];
        }
        if (authorize) {
          const kind =
            getOperationAST(document, payload.operationName)?.operation ??
            'mutation';
          try {
            authorize(contextValue, kind);
          } catch (error) {
            return isGatewayError(error) ? [error] : [toInternal(error)];
          }
        }
        const operationLogger = contextValue.logger.child({
          operationId: id,
          operationName: payload.operationName ?? undefined,
        });
        operationLogger.debug('WebSocket operation starts');
        const args: ExecutionArgs = {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: { ...contextValue, logger: operationLogger },
        };
        return args;
      },
      execute: (args) => compiled.execute(args),
      subscribe: async (args) => {
        const result = await compiled.subscribe(args);
        if (Symbol.asyncIterator in result || !result.errors) return result;
        // A stream that could not start (a malformed id, say) is an `error`
        // message under the protocol, not a `next` carrying errors.
        return failedStream(result);
      },
      onNext: (_ctx, id, _payload, _args, result) =>
        result.errors
          ? { ...result, errors: mask(result.errors, id) }
          : undefined,
      onError: (_ctx, id, _payload, errors) => mask(errors, id),
      onOperation: (ctx, id, _payload, _args, result) => {
        if (!(Symbol.asyncIterator in result)) return;
        let ids = streaming.get(ctx.extra.socket);
        if (!ids) {
          ids = new Set();
          streaming.set(ctx.extra.socket, ids);
        }
        ids.add(id);
        metrics.subscriptionStarted();
      },
      onComplete: (ctx, id) => {
        if (streaming.get(ctx.extra.socket)?.delete(id)) {
          metrics.subscriptionEnded();
        }
        logger.debug({ operationId: id }, 'WebSocket operation completes');
      },
      onClose: (_ctx, code, reason) => {
        logger.debug({ code, reason }, 'WebSocket connection closed');
      },
      connectionInitWaitTimeout: options.connectionInitTimeoutMs ?? 3_000,
    },
    wsServer,
    options.keepAliveMs ?? 12_000,
  );
  // A socket error is the client's doing (a frame over `maxPayload`, a bad
  // frame): `ws` has already closed the socket with the right code (1009,
  // 1002). graphql-ws would also write it to `console.error`, which lets
  // any client fill the process's stderr; it goes to the logger instead.
  // This listener runs after graphql-ws's, which it replaces.
  wsServer.on('connection', (socket) => {
    socket.removeAllListeners('error');
    socket.on('error', (err) => {
      logger.debug({ err }, 'WebSocket closed for a protocol error');
    });
  });

  return {
    async close() {
      await disposable.dispose();
      documents.clear();
    },
  };
}

// Private: parse and graphql-js's specified rules, for a gateway that
// configured no limits.
function createDefaultCheck(
  schema: GraphQLSchema,
): (request: OperationRequest) => OperationCheck {
  return ({ query }) => {
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (error) {
      if (error instanceof GraphQLError) return { errors: [error] };
      throw error;
    }
    const errors = validate(schema, document);
    return errors.length > 0 ? { errors } : { document };
  };
}

function isAuthError(error: unknown): boolean {
  return (
    isGatewayError(error) &&
    (error.code === ErrorCode.UNAUTHENTICATED ||
      error.code === ErrorCode.FORBIDDEN)
  );
}

function toInternal(error: unknown): GraphQLError {
  return new GraphQLError('Internal server error', {
    originalError: error instanceof Error ? error : undefined,
  });
}

/**
 * A stream whose first read rejects with the result's first error;
 * graphql-ws turns it into an `error` message that keeps its extensions.
 */
async function* failedStream(result: ExecutionResult): AsyncGenerator<never> {
  throw result.errors?.[0] ?? new GraphQLError('Subscription failed');
}
