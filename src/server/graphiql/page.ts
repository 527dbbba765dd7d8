/**
 * Internal to `src/server/graphiql`: content negotiation, the HTML shell and
 * its Content-Security-Policy.
 */
import { ASSETS_PATH, type GraphiqlManifest } from './assets.js';

/** Media types a GraphQL client asks for (GraphQL over HTTP, section 5.1). */
const GRAPHQL_MEDIA_TYPES = [
  'application/graphql-response+json',
  'application/json',
];

/**
 * True when an `Accept` header ranks `text/html` above every GraphQL
 * response type, as browsers do on navigation. A bare `*` / `*` (curl,
 * most GraphQL clients) ranks them equal and so stays with GraphQL.
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranges = accept.split(',').map((part) => {
    const [range = '', ...params] = part.split(';').map((p) => p.trim());
    const q = params.find((p) => p.startsWith('q='));
    const quality = q ? Number(q.slice(2)) : 1;
    return {
      range: range.toLowerCase(),
      quality: Number.isFinite(quality) ? quality : 0,
    };
  });
  // RFC 9110, section 12.5.1: the most specific matching range decides.
  const qualityOf = (type: string): number => {
    const [major] = type.split('/');
    const match =
      ranges.find((r) => r.range === type) ??
      ranges.find((r) => r.range === `${major}/*`) ??
      ranges.find((r) => r.range === '*/*');
    return match?.quality ?? 0;
  };
  const html = qualityOf('text/html');
  return html > 0 && GRAPHQL_MEDIA_TYPES.every((t) => qualityOf(t) < html);
}

/** A Host header value safe to echo into a policy: host and optional port. */
const HOST_PATTERN = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * The page's Content-Security-Policy: everything from the gateway's own
 * origin, nothing from anywhere else.
 *
 * - `connect-src` names the WebSocket origins because CSP Level 2 browsers
 *   do not count `ws:`/`wss:` as 'self'; the host comes from the request.
 * - `style-src 'unsafe-inline'` is the one relaxation: Monaco and GraphiQL
 *   apply styles at run time (`<style>` elements, `style` attributes) that
 *   take no nonce; without it Chromium reports about 65 violations on
 *   load. Scripts stay without it.
 * - `font-src` and `img-src` stay 'self' because the build turns the
 *   `data:` URLs in GraphiQL's and Monaco's CSS into files (`bundle.ts`).
 * - `worker-src 'self'`: Monaco's workers are files from `/graphiql/`, so
 *   no `blob:` is needed.
 */
export function contentSecurityPolicy(host: string | undefined): string {
  const ws =
    host && HOST_PATTERN.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self'",
    "font-src 'self'",
    `connect-src 'self'${ws}`,
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** What the page script needs to know, passed as `data-*` attributes. */
interface PageSettings {
  graphqlPath: string;
  passthroughAuth: boolean;
}

/**
 * The HTML shell. Settings travel in `data-*` attributes of the mount
 * element because the policy allows no inline script.
 */
export function renderPage(
  manifest: GraphiqlManifest,
  settings: PageSettings,
): string {
  const asset = (name: string) => escapeHtml(ASSETS_PATH + name);
  const workers = Object.fromEntries(
    Object.entries(manifest.workers).map(([label, name]) => [
      label,
      ASSETS_PATH + name,
    ]),
  );
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>GraphiQL · Cloud PC device images</title>
    <link rel="icon" type="image/svg+xml" href="${asset(manifest.favicon)}" />
    <link rel="stylesheet" href="${asset(manifest.style)}" />
    <script defer src="${asset(manifest.script)}"></script>
  </head>
  <body>
    <div
      id="graphiql"
      data-graphql-path="${escapeHtml(settings.graphqlPath)}"
      data-passthrough-auth="${settings.passthroughAuth}"
      data-workers="${escapeHtml(JSON.stringify(workers))}"
    >
      <noscript>GraphiQL needs JavaScript.</noscript>
    </div>
  </body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('"', '&quot;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;');
}
