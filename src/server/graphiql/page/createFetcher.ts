/**
 * Internal to the page: the GraphiQL fetcher. Queries and mutations go over
 * HTTP POST, subscriptions over graphql-ws, both to the page's own origin.
 */
import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit';
import { GraphQLError } from 'graphql';
import { createClient, type Client } from 'graphql-ws';

import type { PageSettings } from './readPageSettings.js';

/**
 * Creates the fetcher. The headers editor's `Authorization` goes on every
 * HTTP request and into the WebSocket's `connectionParams` as
 * `authorization`; graphql-ws sends those only when it connects, so a
 * changed header replaces the WebSocket client (ending subscriptions that
 * ran under the old one).
 */
export function createFetcher(
  settings: Pick<PageSettings, 'graphqlPath' | 'passthroughAuth'>,
): Fetcher {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const wsUrl = `${scheme}//${location.host}${settings.graphqlPath}`;
  let current:
    | { authorization: string | undefined; ws: Client; fetcher: Fetcher }
    | undefined;

  return (params, opts) => {
    const headers = withoutEmptyBearer(opts?.headers ?? {});
    const authorization = authorizationIn(headers);
    if (
      settings.passthroughAuth &&
      !authorization &&
      params.operationName === 'IntrospectionQuery'
    ) {
      // The gateway answers 401 without a token, which the browser logs as
      // an error; say what to do instead. The `data` key stops GraphiQL
      // from retrying with an older introspection query.
      return { data: null, errors: [new GraphQLError(NO_TOKEN_FOR_SCHEMA)] };
    }
    if (!current || current.authorization !== authorization) {
      current?.ws.dispose();
      const ws = createClient({
        url: wsUrl,
        connectionParams: authorization ? { authorization } : {},
      });
      const fetcher = createGraphiQLFetcher({
        url: settings.graphqlPath,
        wsClient: ws,
        // The gateway answers with single results; plain POST is enough.
        enableIncrementalDelivery: false,
      });
      current = { authorization, ws, fetcher };
    }
    return current.fetcher(params, { ...opts, headers });
  };
}

const NO_TOKEN_FOR_SCHEMA =
  'This gateway forwards your own token to Microsoft Graph. Set the ' +
  'Authorization header to "Bearer <token>" in the Headers tab; the ' +
  'schema and its docs load once it holds a token.';

// Private: the headers hint starts as `Bearer ` with no token; sending it
// would earn a "malformed token" error where "missing token" is the truth.
function withoutEmptyBearer(
  headers: Record<string, unknown>,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(headers).filter(
      ([name, value]) =>
        name.toLowerCase() !== 'authorization' ||
        (typeof value === 'string' && !/^\s*(bearer\s*)?$/i.test(value)),
    ),
  );
}

/**
 * The `Authorization` value among request headers (any letter case), unless
 * it is missing or a bare `Bearer` without a token.
 */
export function authorizationIn(
  headers: Record<string, unknown>,
): string | undefined {
  const value = Object.entries(withoutEmptyBearer(headers)).find(
    ([name]) => name.toLowerCase() === 'authorization',
  )?.[1];
  return typeof value === 'string' ? value : undefined;
}
