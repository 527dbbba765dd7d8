/**
 * Which browser origins may call the gateway: its own and those listed in
 * `ALLOWED_ORIGINS`. Browsers send `Origin` on every cross-origin request,
 * on same-origin POSTs and on every WebSocket handshake, so a page on a
 * foreign site is refused before anything runs, even where CORS would only
 * have hidden the answer from it (a "simple" POST, or a WebSocket, which
 * CORS does not cover at all). Clients that are not browsers send no
 * `Origin` and are not concerned. Internal to `src/server/`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { sendJsonError } from './apolloHandler.js';

/** Request headers a cross-origin page may send (answered to preflights). */
const ALLOWED_HEADERS = [
  'accept',
  'authorization',
  'content-type',
  'apollo-require-preflight',
  'x-apollo-operation-name',
].join(', ');

/** How long a browser may keep a preflight's answer, in seconds. */
const PREFLIGHT_MAX_AGE = '600';

/** The origin check of one gateway. */
export interface OriginPolicy {
  /**
   * Whether the request's `Origin`, if it has one, is the gateway's own or
   * allowed. Used for WebSocket handshakes.
   */
  accepts(req: IncomingMessage): boolean;
  /**
   * Applies CORS to an HTTP request: answers a preflight (204 when the
   * origin is allowed, 403 otherwise), refuses any other request from a
   * foreign origin with 403, and marks an allowed cross-origin answer.
   * Returns true when it has answered the request itself.
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

/**
 * Creates the policy. "Own origin" is the `Host` the request was sent to,
 * under http or https (a TLS-terminating proxy in front changes the
 * scheme, not the host).
 */
export function createOriginPolicy(
  allowedOrigins: readonly string[],
): OriginPolicy {
  const allowed = new Set(allowedOrigins);

  const isOwn = (origin: string, req: IncomingMessage) => {
    const host = req.headers.host;
    return (
      host !== undefined &&
      (origin === `http://${host}` || origin === `https://${host}`)
    );
  };

  const accepts = (req: IncomingMessage) => {
    const origin = req.headers.origin;
    return origin === undefined || allowed.has(origin) || isOwn(origin, req);
  };

  const refuse = (res: ServerResponse, origin: string) =>
    sendJsonError(
      res,
      403,
      'FORBIDDEN',
      `Requests from the origin ${JSON.stringify(origin.slice(0, 100))} ` +
        "are not allowed: expected the gateway's own origin" +
        (allowed.size > 0
          ? ` or one of ${[...allowed].join(', ')} (ALLOWED_ORIGINS).`
          : ' (list others in ALLOWED_ORIGINS).'),
    );

  return {
    accepts,
    handle(req, res) {
      const origin = req.headers.origin;
      if (origin === undefined) return false;
      const preflight =
        req.method === 'OPTIONS' &&
        req.headers['access-control-request-method'] !== undefined;
      if (!accepts(req)) {
        refuse(res, origin);
        return true;
      }
      if (isOwn(origin, req)) return false;
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'Origin');
      if (!preflight) return false;
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, POST',
        'access-control-allow-headers': ALLOWED_HEADERS,
        'access-control-max-age': PREFLIGHT_MAX_AGE,
      });
      res.end();
      return true;
    },
  };
}
