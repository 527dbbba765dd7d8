/**
 * Builds each operation's `GatewayContext`: the caller's credential scope,
 * a fresh datasource (its by-id batching and cache live for one operation)
 * over the gateway's shared Graph client, and the subscription hub.
 * Internal to `src/server/`.
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
import type { GraphAuth } from './config.js';

/** The scope of every caller when the gateway uses its own identity. */
export const APP_SCOPE = 'app';

/** The token the embedded simulator is called with; it accepts any. */
export const EMBEDDED_TOKEN = 'embedded-simulator';

export interface ContextFactoryOptions {
  auth: GraphAuth;
  client: GraphClient;
  hub: ImageEventSink & SubscriptionSource;
  logger: Logger;
}

export interface ContextFactory {
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

const BEARER = /^Bearer +([^\s]+)\s*$/i;

/** The bearer token in an `Authorization` value, if it holds one. */
export function bearerToken(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return BEARER.exec(value)?.[1];
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

  const build = (
    token: string | undefined,
    operationName?: string | undefined,
  ): GatewayContext => {
    const requestLogger = logger.child(
      operationName === undefined
        ? { requestId: randomUUID() }
        : { requestId: randomUUID(), operationName },
    );
    const getToken = appToken ?? createStaticTokenProvider(token as string);
    return {
      dataSource: new DeviceImagesDataSource({
        client,
        getToken,
        logger: requestLogger,
      }),
      scope: appToken ? APP_SCOPE : tokenScope(token as string),
      events: hub,
      subscriptions: hub,
      logger: requestLogger,
    };
  };

  return {
    fromHttp(req, operationName) {
      if (appToken) return Promise.resolve(build(undefined, operationName));
      const token = bearerToken(req.headers.authorization);
      if (token === undefined) {
        return Promise.reject(missingToken('an Authorization header'));
      }
      return Promise.resolve(build(token, operationName));
    },
    fromWebSocket(connectionParams, req) {
      if (appToken) return Promise.resolve(build(undefined));
      const token =
        bearerToken(connectionParams?.['authorization']) ??
        bearerToken(connectionParams?.['Authorization']) ??
        bearerToken(req.headers.authorization);
      if (token === undefined) {
        return Promise.reject(
          missingToken('connectionParams.authorization or a header'),
        );
      }
      return Promise.resolve(build(token));
    },
  };
}
