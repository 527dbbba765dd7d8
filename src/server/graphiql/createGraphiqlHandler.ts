/**
 * Serves GraphiQL from the gateway: the HTML page on the GraphQL path (for
 * browsers) and the prebuilt bundle under `/graphiql/`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Logger } from '../../logger.js';
import { createSilentLogger } from '../../logger.js';
import { ASSETS_PATH, loadAssets, type Asset, type Assets } from './assets.js';
import { contentSecurityPolicy, prefersHtml, renderPage } from './page.js';

/** Options of {@link createGraphiqlHandler}. */
export interface GraphiqlHandlerOptions {
  /**
   * Serve GraphiQL at all. When false the handler declines every request,
   * so GraphQL GETs reach the GraphQL server as usual.
   */
  enabled: boolean;
  /** The path GraphQL is served on, e.g. `/graphql`; the page lives there. */
  graphqlPath: string;
  /**
   * The gateway forwards each caller's own bearer token to Graph, so the page
   * offers an Authorization header and sends it over HTTP and in the
   * WebSocket's `connectionParams`.
   */
  passthroughAuth: boolean;
  /**
   * Folder holding the built bundle and its `manifest.json`.
   * @default `dist/graphiql` of this package
   */
  assetsDir?: string | undefined;
  /** Where load failures are reported. @default a silent logger */
  logger?: Logger | undefined;
}

/**
 * A node:http request listener that returns true when it took the request
 * (and will answer it), false when the caller should handle it.
 */
export type GraphiqlHandler = (
  req: IncomingMessage,
  res: ServerResponse,
) => boolean;

/**
 * Creates the GraphiQL request handler. It takes only GET and HEAD: the page
 * on `graphqlPath` when `Accept` prefers HTML over JSON, and the bundle's
 * files under `/graphiql/`. The bundle is read from disk on first use.
 */
export function createGraphiqlHandler(
  options: GraphiqlHandlerOptions,
): GraphiqlHandler {
  if (!options.enabled) return () => false;
  const logger = options.logger ?? createSilentLogger();
  let assets: Promise<Assets> | undefined;
  const getAssets = (): Promise<Assets> => {
    assets ??= loadAssets(options.assetsDir).catch((err: unknown) => {
      // Forget the failure so a later build is picked up without a restart.
      assets = undefined;
      throw err;
    });
    return assets;
  };

  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = pathOf(req.url);
    const isPage =
      path === options.graphqlPath && prefersHtml(req.headers.accept);
    if (!isPage && !path.startsWith(ASSETS_PATH)) return false;

    getAssets().then(
      (loaded) => {
        if (isPage) {
          const html = renderPage(loaded.manifest, options);
          const csp = contentSecurityPolicy(req.headers.host);
          sendPage(req, res, html, csp);
        } else {
          sendAsset(req, res, loaded.files.get(path.slice(ASSETS_PATH.length)));
        }
      },
      (err: unknown) => {
        logger.error({ err }, 'GraphiQL bundle could not be loaded');
        send(res, 503, 'text/plain; charset=utf-8', (err as Error).message);
      },
    );
    return true;
  };
}

// Private: the path of a request target, without its query string.
function pathOf(url: string | undefined): string {
  const target = url ?? '/';
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query);
}

function sendPage(
  req: IncomingMessage,
  res: ServerResponse,
  html: string,
  csp: string,
): void {
  res.setHeader('Content-Security-Policy', csp);
  // The page names the current bundle's hashed files, so it must never be
  // served stale after a deploy.
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Vary', 'Accept');
  send(res, 200, 'text/html; charset=utf-8', html, req.method === 'HEAD');
}

function sendAsset(
  req: IncomingMessage,
  res: ServerResponse,
  asset: Asset | undefined,
): void {
  if (!asset) {
    send(res, 404, 'text/plain; charset=utf-8', 'No such GraphiQL file.');
    return;
  }
  // File names carry a content hash, so a file never changes under its name.
  res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
  res.setHeader('ETag', asset.etag);
  res.setHeader('Vary', 'Accept-Encoding');
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304).end();
    return;
  }
  const accepted = req.headers['accept-encoding'] ?? '';
  const encoded =
    (asset.br && /\bbr\b/.test(accepted) && { name: 'br', body: asset.br }) ||
    (asset.gzip &&
      /\bgzip\b/.test(accepted) && { name: 'gzip', body: asset.gzip }) ||
    undefined;
  if (encoded) res.setHeader('Content-Encoding', encoded.name);
  send(
    res,
    200,
    asset.contentType,
    encoded ? encoded.body : asset.body,
    req.method === 'HEAD',
  );
}

function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  headOnly = false,
): void {
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.writeHead(status);
  res.end(headOnly ? undefined : body);
}
