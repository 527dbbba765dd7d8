/**
 * The WebSocket adapter alone on a plain HTTP server on a free loopback
 * port, for tests that give it a schema or context of their own.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  attachWebSocketServer,
  type WebSocketServerOptions,
} from '../../src/subscriptions/index.js';

export interface TestWebSocketServer {
  /** `ws://127.0.0.1:<port>/graphql` */
  url: string;
  /** Closes the sockets, then the HTTP server. */
  close(): Promise<void>;
}

/** Serves `options` at `/graphql`; every plain HTTP request gets 404. */
export async function startWebSocketServer(
  options: Omit<WebSocketServerOptions, 'path'>,
): Promise<TestWebSocketServer> {
  const httpServer = createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((resolve) =>
    httpServer.listen(0, '127.0.0.1', resolve),
  );
  const sockets = attachWebSocketServer(httpServer, {
    ...options,
    path: '/graphql',
  });
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/graphql`,
    async close() {
      await sockets.close();
      await new Promise((resolve) => httpServer.close(resolve));
    },
  };
}
