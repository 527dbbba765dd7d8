/**
 * Builds each operation's `GatewayContext`: the verified caller, the
 * caller's credential scope, a fresh datasource (its by-id batching and
 * cache live for one operation) over the gateway's shared Graph client, and
 * the subscription hub. The caller is verified first, so a refused one
 * never gets a datasource, let alone a Graph call. Internal to
 * `src/server/`.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

import {
  DeviceImagesDataSource,
  createClientCredentialsTokenProvider,
  createStaticTokenProvider,
  type GraphClient,
  type TokenProvider,
} from '../datasource/index.js';
import { UnauthenticatedError } from '../errors/index.js';
import type { Logger } from '../logger.js';
import type { GatewayContext } from '../resolvers/context.js';
import type { ImageEventSink } from '../subscriptions/events.js';
import type { SubscriptionSource } from '../subscriptions/types.js';
import {
  createCallerVerifier,
  createOnBehalfOfTokenProvider,
  type AuthConfig,
  type Caller,
} from './auth/index.js';
import type { GraphAuth } from './config.js';
import type { UpstreamMetrics } from './metricsSink.js';
import {
  REQUEST_ID_HEADER,
  createOperationLogger,
  requestIdFrom,
} from './operationMetricsPlugin.js';

/** The scope of every caller when the gateway uses its own identity. */
export const APP_SCOPE = 'app';

/** The token the embedded simulator is called with; it accepts any. */
export const EMBEDDED_TOKEN = 'embedded-simulator';

export interface ContextFactoryOptions {
  auth: GraphAuth;
  /** How callers are verified. @default { mode: 'disabled' } */
  callerAuth?: AuthConfig | undefined;
  client: GraphClient;
  hub: ImageEventSink & SubscriptionSource;
  logger: Logger;
  /** Where each operation's datasource records its batches. @default none */
  metrics?: Pick<UpstreamMetrics, 'batchDispatched'> | undefined;
}

export interface ContextFactory {
  /** The gateway's own token source; undefined in pass-through mode. */
  readonly appToken: TokenProvider | undefined;
  /** For an HTTP request. */
  fromHttp(
    req: IncomingMessage,
    operationName?: string | undefined,
  ): Promise<GatewayContext>;
  /** For a WebSocket connection's operation. */
  fromWebSocket(
    connectionParams: Record<string, unknown> | undefined,
    req: IncomingMessage,
  ): Promise<GatewayContext>;
}

/** The scope of an on-behalf-of caller: one person of one tenant. */
export function userScope(caller: Caller): string {
  return `user:${caller.tenantId ?? ''}/${caller.subject}`;
}

/** The scope of a pass-through caller: nothing crosses between tokens. */
export function tokenScope(token: string): string {
  return `token:${createHash('sha256').update(token).digest('hex')}`;
}

function missingToken(where: string): UnauthenticatedError {
  return new UnauthenticatedError(
    "This gateway forwards each caller's own Graph token " +
      `(GRAPH_AUTH=passthrough): expected ${where} "Bearer <token>", ` +
      'but got none.',
  );
}

/** Creates the context factory for one gateway. */
export function createContextFactory(
  options: ContextFactoryOptions,
): ContextFactory {
  const { auth, client, hub, logger } = options;
  const callerAuth = options.callerAuth ?? { mode: 'disabled' };
  const verify = createCallerVerifier(callerAuth);
  const appToken: TokenProvider | undefined =
    auth.mode === 'embedded'
      ? createStaticTokenProvider(EMBEDDED_TOKEN)
      : auth.mode === 'static'
        ? createStaticTokenProvider(auth.token)
        : auth.mode === 'client-credentials'
          ? createClientCredentialsTokenProvider({
              tenantId: auth.tenantId,
              clientId: auth.clientId,
              clientSecret: auth.clientSecret,
              authorityHost: auth.authorityHost,
              disableInstanceDiscovery: auth.authorityHost !== undefined,
            })
          : undefined;
  const onBehalfOf =
    auth.mode === 'on-behalf-of'
      ? createOnBehalfOfTokenProvider({
          tenantId: auth.tenantId,
          clientId: auth.clientId,
          clientSecret: auth.clientSecret,
          authorityHost: auth.authorityHost,
          authorityCa: auth.authorityCa,
        })
      : undefined;

  /**
   * The verified caller of an `Authorization` value. With checking off and
   * the gateway's own identity, a header is irrelevant and not parsed.
   */
  const callerOf = (header: string | undefined): Promise<Caller> =>
    verify(
      callerAuth.mode === 'disabled' && appToken !== undefined
        ? undefined
        : header,
    );

  const build = (
    caller: Caller,
    where: string,
    requestId: string,
    operationName?: string | undefined,
  ): GatewayContext => {
    let getToken: TokenProvider;
    let scope: string;
    if (appToken) {
      getToken = appToken;
      scope = APP_SCOPE;
    } else {
      const token = caller.token;
      if (token === undefined) throw missingToken(where);
      if (onBehalfOf) {
        getToken = () => onBehalfOf(token);
        scope = userScope(caller);
      } else {
        getToken = createStaticTokenProvider(token);
        scope = tokenScope(token);
      }
    }
    const requestLogger = createOperationLogger(logger, {
      requestId,
      operationName,
    });
    return {
      dataSource: new DeviceImagesDataSource({
        client,
        getToken,
        logger: requestLogger,
        metrics: options.metrics,
      }),
      scope,
      events: hub,
      subscriptions: hub,
      logger: requestLogger,
      caller,
    };
  };

  return {
    appToken,
    async fromHttp(req, operationName) {
      const caller = await callerOf(req.headers.authorization);
      return build(
        caller,
        'an Authorization header',
        requestIdFrom(req.headers[REQUEST_ID_HEADER]),
        operationName,
      );
    },
    async fromWebSocket(connectionParams, req) {
      const fromParams =
        connectionParams?.['authorization'] ??
        connectionParams?.['Authorization'];
      const header =
        typeof fromParams === 'string' ? fromParams : req.headers.authorization;
      const caller = await callerOf(header);
      return build(
        caller,
        'connectionParams.authorization or a header',
        randomUUID(),
      );
    },
  };
}
