/**
 * What clients see of an error (STYLE.md 10, "Mask the unexpected"). Errors
 * the gateway raised on purpose and Apollo's own request errors pass through
 * with their `extensions.code`; anything else is logged in full, then
 * reaches the client as INTERNAL_SERVER_ERROR with a generic message, its
 * text and stack only in development. Internal to `src/server/`.
 */
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';

import { ErrorCode, isGatewayError } from '../errors/index.js';
import type { Logger } from '../logger.js';

/** The message every masked error carries. */
export const MASKED_MESSAGE = 'Internal server error';

export interface FormatErrorOptions {
  logger: Logger;
  /** Adds the original message and stack to masked errors. */
  development: boolean;
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
    options.logger.error(
      { err: original, path: formatted.path },
      'unexpected error in a GraphQL operation',
    );
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
