/**
 * What clients see of an error (STYLE.md 10, "Mask the unexpected"). Errors
 * the gateway raised on purpose and Apollo's own request errors pass through
 * with their `extensions.code`; anything else is logged in full (by the
 * plugin below, which runs first), then reaches the client as
 * INTERNAL_SERVER_ERROR with a generic message, its text and stack only in
 * development. Internal to `src/server/`.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

import { ErrorCode, isGatewayError } from '../errors/index.js';
import type { Logger } from '../logger.js';
import type { GatewayContext } from '../resolvers/context.js';

/** The message every masked error carries. */
export const MASKED_MESSAGE = 'Internal server error';

export interface FormatErrorOptions {
  /** Adds the original message and stack to masked errors. */
  development: boolean;
}

/**
 * Whether an error is one nobody raised on purpose: not a GatewayError, and
 * not one Apollo or graphql-js gave a code (parse, validation, bad request).
 */
export function isUnexpectedError(error: unknown): boolean {
  const original = unwrapResolverError(error);
  if (isGatewayError(original)) return false;
  return !(
    original instanceof GraphQLError &&
    typeof original.extensions['code'] === 'string'
  );
}

/**
 * Logs every unexpected error in full, with the operation's logger (request
 * id, operation name), before formatError masks it for the client.
 */
export function createErrorLoggingPlugin(
  logger: Logger,
): ApolloServerPlugin<GatewayContext> {
  return {
    contextCreationDidFail({ error }) {
      if (isUnexpectedError(error)) {
        logger.error({ err: error }, 'building the context failed');
      }
      return Promise.resolve();
    },
    requestDidStart() {
      return Promise.resolve({
        didEncounterErrors({ contextValue, errors, request, operationName }) {
          // The context's logger names the operation only when the request
          // did; one named by the document alone is added here.
          const named =
            request.operationName === undefined && operationName
              ? { operationName }
              : {};
          for (const error of errors) {
            if (!isUnexpectedError(error)) continue;
            contextValue.logger.error(
              { err: unwrapResolverError(error), path: error.path, ...named },
              'unexpected error in a GraphQL operation',
            );
          }
          return Promise.resolve();
        },
      });
    },
  };
}

/** Builds Apollo's `formatError` hook. */
export function createFormatError(
  options: FormatErrorOptions,
): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  return (formatted, error) => {
    const original = unwrapResolverError(error);
    if (isGatewayError(original)) return formatted;
    // Apollo codes every error it raised itself (parse, validation, bad
    // request); what it had to default to INTERNAL_SERVER_ERROR is ours.
    if (formatted.extensions?.['code'] !== ErrorCode.INTERNAL_SERVER_ERROR) {
      return formatted;
    }
    return {
      message: MASKED_MESSAGE,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: {
        code: ErrorCode.INTERNAL_SERVER_ERROR,
        ...(options.development
          ? {
              originalMessage:
                original instanceof Error ? original.message : String(original),
              stacktrace:
                original instanceof Error
                  ? (original.stack ?? '').split('\n')
                  : [],
            }
          : {}),
      },
    };
  };
}
