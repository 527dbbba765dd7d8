/**
 * Apollo Server gives every validation error the code
 * `GRAPHQL_VALIDATION_FAILED`, overwriting the one a limit rule set
 * (`QUERY_TOO_COMPLEX`, `FORBIDDEN`) while keeping its other extensions
 * and the error itself as `originalError`. This puts the gateway's code
 * back, so both transports report a limit the same way.
 */
import type { GraphQLFormattedError } from 'graphql';

import { GatewayError } from '../../errors/index.js';

/**
 * For Apollo's `formatError(formatted, error)`: `formatted` with the code of
 * the {@link GatewayError} behind `error`, if there is one; else unchanged.
 */
export function restoreGatewayErrorCode(
  formatted: GraphQLFormattedError,
  error: unknown,
): GraphQLFormattedError {
  const original =
    error instanceof Error && 'originalError' in error
      ? (error as { originalError?: unknown }).originalError
      : undefined;
  const gatewayError =
    original instanceof GatewayError
      ? original
      : error instanceof GatewayError
        ? error
        : undefined;
  if (!gatewayError || formatted.extensions?.['code'] === gatewayError.code) {
    return formatted;
  }
  return {
    ...formatted,
    extensions: { ...formatted.extensions, code: gatewayError.code },
  };
}
