/**
 * A bare `graphql-transport-ws` socket for tests that send frames by hand:
 * protocol violations a well-behaved client never commits, and handshakes
 * with chosen headers.
 */
import WebSocket from 'ws';

/** One message the server sent. */
export interface RawMessage {
  type: string;
  id?: string;
  payload?: unknown;
}

export interface RawSocket {
  socket: WebSocket;
  /** Every message received so far, oldest first. */
  messages: RawMessage[];
  /** Resolves once the socket is open; rejects if the handshake fails. */
  opened: Promise<void>;
  /** The close code and reason, once closed. */
  closed: Promise<{ code: number; reason: string }>;
  /** Sends a value as JSON, or a string as it is. */
  send(frame: unknown): void;
  /** The first message matching, waiting up to `timeoutMs`. */
  next(
    match: (message: RawMessage) => boolean,
    timeoutMs?: number,
  ): Promise<RawMessage>;
}

/**
 * Opens a socket to `url`. A refused handshake rejects `opened` with an
 * error whose message carries the HTTP status.
 */
export function openRawSocket(
  url: string,
  headers: Record<string, string> = {},
): RawSocket {
  const socket = new WebSocket(url, 'graphql-transport-ws', { headers });
  const messages: RawMessage[] = [];
  socket.on('message', (data) =>
    messages.push(JSON.parse(String(data)) as RawMessage),
  );
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_req, res) => {
      reject(new Error(`handshake answered ${res.statusCode}`));
      socket.terminate();
    });
    socket.once('error', reject);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) =>
      resolve({ code, reason: String(reason) }),
    ),
  );
  return {
    socket,
    messages,
    opened,
    closed,
    send: (frame) =>
      socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    async next(match, timeoutMs = 5_000) {
      for (let waited = 0; waited <= timeoutMs; waited += 10) {
        const found = messages.find(match);
        if (found) return found;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(
        `No matching message within ${timeoutMs} ms; got ${JSON.stringify(messages)}`,
      );
    },
  };
}

/** Opens a socket, sends `connection_init` and waits for the ack. */
export async function openAcknowledged(
  url: string,
  payload?: Record<string, unknown>,
): Promise<RawSocket> {
  const raw = openRawSocket(url);
  await raw.opened;
  raw.send({ type: 'connection_init', ...(payload ? { payload } : {}) });
  await raw.next((message) => message.type === 'connection_ack');
  return raw;
}
