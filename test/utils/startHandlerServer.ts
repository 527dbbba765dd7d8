/**
 * A bare `node:http` server on a free port that tries the given handlers in
 * order and answers 404 when none takes the request, as the gateway does.
 */
import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** A handler in the gateway's style: true when it took the request. */
export type RouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
) => boolean;

export interface HandlerServer {
  /** E.g. `http://127.0.0.1:43121`. */
  url: string;
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 and a free port. */
export async function startHandlerServer(
  ...handlers: RouteHandler[]
): Promise<HandlerServer> {
  const server = createServer((req, res) => {
    if (handlers.some((handle) => handle(req, res))) return;
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
