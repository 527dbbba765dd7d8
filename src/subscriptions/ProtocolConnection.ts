/**
 * One socket's side of the GraphQL over WebSocket protocol
 * (`graphql-transport-ws`,
 * https://github.com/graphql/graphql-over-http/blob/main/rfcs/GraphQLOverWebSocket.md):
 * the handshake, ping and pong, and the bookkeeping of each operation id.
 * What an operation means is the {@link OperationRunner}'s business; this
 * class only frames what it answers. It knows no `ws` type, so the adapter
 * (attachWebSocketServer.ts) stays a thin layer over the socket. Internal to
 * `src/subscriptions/`.
 */
import type { IncomingMessage } from 'node:http';

import {
  CloseCode,
  GRAPHQL_TRANSPORT_WS_PROTOCOL,
  MessageType,
  validateMessage,
  type SubscribePayload,
} from 'graphql-ws';

import type { Logger } from '../logger.js';
import type { ServerMetrics } from '../server/metricsSink.js';
import type {
  ConnectionParams,
  OperationRunner,
  PayloadStream,
} from './createOperationRunner.js';

/** What the connection needs of a socket. */
export interface ProtocolSocket {
  /** The subprotocol the handshake agreed on, `''` for none. */
  readonly protocol: string;
  /**
   * Sends one text frame. It may return a promise when the socket is
   * backed up: the caller then waits before it sends more of a stream.
   */
  send(data: string): void | Promise<void>;
  close(code: number, reason: string): void;
}

type ConnectionState =
  | { phase: 'awaiting-init'; timer: NodeJS.Timeout | undefined }
  /** `connection_init` arrived; the runner is checking its credentials. */
  | { phase: 'initialising' }
  | { phase: 'acknowledged'; params: ConnectionParams }
  | { phase: 'closed' };

type OperationState =
  /** Prepared and started by the runner; nothing sent yet. */
  { phase: 'starting' } | { phase: 'streaming'; stream: PayloadStream };

/** What one {@link ProtocolConnection} is given. */
export interface ProtocolConnectionOptions {
  runner: OperationRunner;
  /** The upgrade request, handed to the runner with the params. */
  request: IncomingMessage;
  logger: Logger;
  metrics: Pick<ServerMetrics, 'subscriptionStarted' | 'subscriptionEnded'>;
  /** Operations running at once beyond which a `subscribe` is refused. */
  maxOperations: number;
  /** Milliseconds to wait for `connection_init`; 0 or less waits forever. */
  connectionInitTimeoutMs: number;
}

// A close reason is at most 123 bytes (RFC 6455 §5.5.1).
const MAX_CLOSE_REASON_BYTES = 123;
const ELLIPSIS = '…';

/**
 * The protocol state of one socket. Feed it every text message with
 * {@link receive} and tell it the socket closed with {@link closed}.
 */
export class ProtocolConnection {
  private state: ConnectionState;
  private readonly operations = new Map<string, OperationState>();
  private readonly socket: ProtocolSocket;
  private readonly options: ProtocolConnectionOptions;

  constructor(socket: ProtocolSocket, options: ProtocolConnectionOptions) {
    this.socket = socket;
    this.options = options;
    if (socket.protocol !== GRAPHQL_TRANSPORT_WS_PROTOCOL) {
      this.state = { phase: 'closed' };
      socket.close(
        CloseCode.SubprotocolNotAcceptable,
        `Subprotocol not acceptable; use ${GRAPHQL_TRANSPORT_WS_PROTOCOL}`,
      );
      return;
    }
    const waitMs = options.connectionInitTimeoutMs;
    const timer =
      waitMs > 0 && Number.isFinite(waitMs)
        ? setTimeout(() => {
            if (this.state.phase !== 'awaiting-init') return;
            this.close(
              CloseCode.ConnectionInitialisationTimeout,
              'Connection initialisation timeout',
            );
          }, waitMs)
        : undefined;
    this.state = { phase: 'awaiting-init', timer };
  }

  /** Handles one message the client sent. */
  receive(data: string): void {
    if (this.state.phase === 'closed') return;
    let message: ReturnType<typeof validateMessage>;
    try {
      message = validateMessage(JSON.parse(data));
    } catch (error) {
      this.close(
        CloseCode.BadRequest,
        `Invalid message received: ${(error as Error).message}`,
      );
      return;
    }
    switch (message.type) {
      case MessageType.ConnectionInit:
        this.initialise(message.payload);
        return;
      case MessageType.Ping:
        this.socket.send(
          JSON.stringify(
            message.payload === undefined
              ? { type: MessageType.Pong }
              : { type: MessageType.Pong, payload: message.payload },
          ),
        );
        return;
      case MessageType.Pong:
        return;
      case MessageType.Subscribe:
        this.subscribe(message.id, message.payload);
        return;
      case MessageType.Complete:
        // The operation stops and, as the protocol says, the server sends
        // nothing more for the id.
        void this.forget(message.id);
        return;
      default:
        // Valid messages, but the server's to send.
        this.close(
          CloseCode.BadRequest,
          `Unexpected message of type ${message.type} from a client`,
        );
    }
  }

  /**
   * The socket closed, for whatever reason: every running operation stops
   * (each stream's `return()` unsubscribes upstream).
   */
  async closed(): Promise<void> {
    if (this.state.phase === 'awaiting-init') clearTimeout(this.state.timer);
    this.state = { phase: 'closed' };
    const running = [...this.operations.keys()];
    await Promise.all(running.map((id) => this.forget(id)));
  }

  // Private: `connection_init` (the protocol's ConnectionInit section). A
  // second one, even while the first is being checked, is a violation.
  private initialise(payload: unknown): void {
    if (this.state.phase !== 'awaiting-init') {
      this.close(
        CloseCode.TooManyInitialisationRequests,
        'Too many initialisation requests',
      );
      return;
    }
    clearTimeout(this.state.timer);
    this.state = { phase: 'initialising' };
    const params = isRecord(payload) ? payload : undefined;
    void this.options.runner
      .accept(params, this.options.request)
      .then((verdict) => {
        if (this.state.phase !== 'initialising') return;
        if (verdict === 'forbidden') {
          this.close(CloseCode.Forbidden, 'Forbidden');
          return;
        }
        if (verdict === 'failed') {
          this.close(CloseCode.InternalServerError, 'Internal server error');
          return;
        }
        this.state = { phase: 'acknowledged', params };
        this.socket.send(`{"type":"${MessageType.ConnectionAck}"}`);
      });
  }

  // Private: `subscribe`. The id is taken before anything is awaited, so a
  // second `subscribe` with the same id, however soon, is a violation.
  private subscribe(id: string, payload: SubscribePayload): void {
    const state = this.state;
    if (state.phase !== 'acknowledged') {
      this.close(CloseCode.Unauthorized, 'Unauthorized');
      return;
    }
    if (this.operations.has(id)) {
      this.close(
        CloseCode.SubscriberAlreadyExists,
        `Subscriber for ${id} already exists`,
      );
      return;
    }
    const { runner, maxOperations } = this.options;
    if (this.operations.size >= maxOperations) {
      this.sendFrame(
        id,
        MessageType.Error,
        runner.tooManyOperations(this.operations.size, maxOperations),
      );
      return;
    }
    const operation: OperationState = { phase: 'starting' };
    this.operations.set(id, operation);
    this.run(id, payload, state.params, operation).catch((error: unknown) => {
      this.options.logger.error(
        { err: error, operationId: id },
        'WebSocket operation failed unexpectedly',
      );
      this.close(CloseCode.InternalServerError, 'Internal server error');
    });
  }

  // Private: runs one operation to its end. Whenever it awaited, the client
  // may have completed the id or the socket may have closed: it then sends
  // nothing more.
  private async run(
    id: string,
    payload: SubscribePayload,
    params: ConnectionParams,
    operation: OperationState,
  ): Promise<void> {
    const started = await this.options.runner.start({
      id,
      payload,
      params,
      request: this.options.request,
    });
    if (this.operations.get(id) !== operation) {
      if (started.kind === 'stream') await started.stream.return();
      return;
    }
    switch (started.kind) {
      case 'forbidden':
        // Credentials expired since connection_init: only a close tells
        // the client to reconnect with new ones.
        this.close(CloseCode.Forbidden, 'Forbidden');
        return;
      case 'error':
        this.operations.delete(id);
        this.sendFrame(id, MessageType.Error, started.payload);
        return;
      case 'single':
        this.operations.delete(id);
        this.sendFrame(id, MessageType.Next, started.payload);
        this.sendComplete(id);
        return;
      case 'stream':
        break;
    }
    const streaming: OperationState = {
      phase: 'streaming',
      stream: started.stream,
    };
    this.operations.set(id, streaming);
    this.options.metrics.subscriptionStarted();
    // Every `next` of this stream starts with the same text.
    const nextPrefix = `{"id":${JSON.stringify(id)},"type":"${MessageType.Next}","payload":`;
    for (;;) {
      const frame = await streaming.stream.next();
      if (this.operations.get(id) !== streaming) return;
      if (frame.type === 'next') {
        if (this.state.phase === 'closed') continue;
        // Waits only when the socket is backed up, so that a client that
        // reads slowly holds events in its bounded queue, not in memory.
        const backedUp = this.socket.send(`${nextPrefix}${frame.payload}}`);
        if (backedUp) await backedUp;
        continue;
      }
      await this.forget(id);
      if (frame.type === 'error') {
        this.sendFrame(id, MessageType.Error, frame.payload);
      } else {
        this.sendComplete(id);
      }
      return;
    }
  }

  // Private: drops an id; a stream that started is counted as ended once
  // and returned.
  private async forget(id: string): Promise<void> {
    const operation = this.operations.get(id);
    if (!operation) return;
    this.operations.delete(id);
    if (operation.phase !== 'streaming') return;
    this.options.metrics.subscriptionEnded();
    this.options.logger.debug(
      { operationId: id },
      'WebSocket operation completes',
    );
    await operation.stream.return();
  }

  // Private: `payload` is JSON already: a shared event result is spliced
  // in as it is, not serialised again per subscriber.
  private sendFrame(
    id: string,
    type: MessageType.Next | MessageType.Error,
    payload: string,
  ): void | Promise<void> {
    if (this.state.phase === 'closed') return;
    return this.socket.send(
      `{"id":${JSON.stringify(id)},"type":"${type}","payload":${payload}}`,
    );
  }

  private sendComplete(id: string): void {
    if (this.state.phase === 'closed') return;
    this.socket.send(
      `{"id":${JSON.stringify(id)},"type":"${MessageType.Complete}"}`,
    );
  }

  private close(code: CloseCode, reason: string): void {
    if (this.state.phase === 'awaiting-init') clearTimeout(this.state.timer);
    this.state = { phase: 'closed' };
    this.socket.close(code, limitReason(reason));
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Private: cuts a close reason to what a close frame can carry, on a
// character boundary.
function limitReason(reason: string): string {
  if (Buffer.byteLength(reason) <= MAX_CLOSE_REASON_BYTES) return reason;
  const room = MAX_CLOSE_REASON_BYTES - Buffer.byteLength(ELLIPSIS);
  let cut = reason.slice(0, room);
  while (Buffer.byteLength(cut) > room) cut = cut.slice(0, -1);
  return cut + ELLIPSIS;
}
