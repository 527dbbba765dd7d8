/**
 * The WebSocket adapter: the GraphQL over WebSocket protocol
 * (`graphql-transport-ws`,
 * https://github.com/graphql/graphql-over-http/blob/main/rfcs/GraphQLOverWebSocket.md)
 * on a `ws` server that shares the gateway's HTTP port and path. This file
 * owns the sockets: the handshake, the frame limit, keep-alive and close.
 * The protocol is ProtocolConnection.ts; what each operation means is
 * createOperationRunner.ts; everything about images lives in the hub.
 *
 * The protocol is our own code rather than graphql-ws's server so that one
 * event reaching thousands of subscribers is executed and serialised once
 * per group of equal operations; graphql-ws serialises every message per
 * subscriber. Its `createClient` speaks to this server unchanged.
 */
import type http from 'node:http';

import type { GraphQLSchema } from 'graphql';
import { GRAPHQL_TRANSPORT_WS_PROTOCOL } from 'graphql-ws';
import { WebSocket, WebSocketServer } from 'ws';

import type { Logger } from '../logger.js';
import type { GatewayContext } from '../resolvers/context.js';
import type { OperationKind } from '../server/auth/index.js';
import type {
  OperationCheck,
  OperationRequest,
} from '../server/limits/index.js';
import { noopMetrics, type ServerMetrics } from '../server/metricsSink.js';
import { createOperationRunner } from './createOperationRunner.js';
import { ProtocolConnection } from './ProtocolConnection.js';

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

/**
 * Bytes a socket may hold unsent before a stream waits for it to drain
 * before sending more. Below it nothing waits: one status change to
 * thousands of sockets costs one write each and no promise.
 */
const HIGH_WATER_BYTES = 64 * 1024;

/**
 * Serves GraphQL over WebSocket on `httpServer` at `options.path`. Protocol
 * violations close the socket with graphql-ws `CloseCode` members.
 */
export function attachWebSocketServer(
  httpServer: http.Server,
  options: WebSocketServerOptions,
): AttachedWebSocketServer {
  const { logger, acceptsHandshake } = options;
  const metrics = options.metrics ?? noopMetrics;
  const runner = createOperationRunner(options);
  const wsServer = new WebSocketServer({
    server: httpServer,
    path: options.path,
    maxPayload: options.maxPayloadBytes ?? 1_048_576,
    // The protocol this server speaks, if the client offers it; with none
    // agreed the connection closes with 4406 once open.
    handleProtocols: (protocols) =>
      protocols.has(GRAPHQL_TRANSPORT_WS_PROTOCOL)
        ? GRAPHQL_TRANSPORT_WS_PROTOCOL
        : false,
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

  // Sockets that have not answered the last ping.
  const unanswered = new WeakSet<WebSocket>();
  const keepAliveMs = options.keepAliveMs ?? 12_000;
  // One timer for every socket, not one each: 10,000 idle subscribers cost
  // one walk per interval and no timer of their own.
  const keepAlive =
    keepAliveMs > 0 && Number.isFinite(keepAliveMs)
      ? setInterval(() => {
          for (const socket of wsServer.clients) {
            if (unanswered.has(socket)) {
              socket.terminate();
              continue;
            }
            unanswered.add(socket);
            socket.ping();
          }
        }, keepAliveMs)
      : undefined;
  keepAlive?.unref();

  wsServer.on('connection', (socket, request) => {
    metrics.wsConnectionOpened();
    const connection = new ProtocolConnection(
      {
        protocol: socket.protocol,
        send: (data) => send(socket, data),
        close: (code, reason) => socket.close(code, reason),
      },
      {
        runner,
        request,
        logger,
        metrics,
        maxOperations: options.maxOperationsPerSocket ?? 100,
        connectionInitTimeoutMs: options.connectionInitTimeoutMs ?? 3_000,
      },
    );
    // The protocol's messages are JSON text; a binary frame holding JSON is
    // read the same way, as graphql-ws's server does.
    socket.on('message', (data) => connection.receive(String(data)));
    socket.on('pong', () => unanswered.delete(socket));
    // A socket error is the client's doing (a frame over `maxPayload`, a
    // bad frame): `ws` has already closed the socket with the right code
    // (1009, 1002).
    socket.on('error', (err) => {
      logger.debug({ err }, 'WebSocket closed for a protocol error');
    });
    socket.once('close', (code, reason) => {
      metrics.wsConnectionClosed();
      logger.debug(
        { code, reason: reason.toString() },
        'WebSocket connection closed',
      );
      void connection.closed();
    });
  });

  return {
    async close() {
      if (keepAlive) clearInterval(keepAlive);
      for (const socket of wsServer.clients) socket.close(1001, 'Going away');
      await new Promise<void>((resolve, reject) =>
        wsServer.close((err) => (err ? reject(err) : resolve())),
      );
    },
  };
}

// Private: sends one text frame; waits for it to be written only when the
// socket is already backed up (see HIGH_WATER_BYTES).
function send(socket: WebSocket, data: string): void | Promise<void> {
  if (socket.readyState !== WebSocket.OPEN) return;
  if (socket.bufferedAmount < HIGH_WATER_BYTES) {
    socket.send(data);
    return;
  }
  return new Promise((resolve) => socket.send(data, () => resolve()));
}
