/**
 * Strips graphql-js's "Did you mean …?" hints, which name fields, types,
 * arguments and enum values a caller did not ask about: with introspection
 * off they would still map the schema one typo at a time. Apollo Server has
 * `hideSchemaDetailsFromClientErrors` for its validation errors; graphql-ws
 * and variable-coercion errors need this.
 */
import { GraphQLError } from 'graphql';

// graphql-js's didYouMean() ends a message with " Did you mean X?" or
// " Did you mean X, Y, or Z?"; Apollo's plugin uses the same pattern.
const SUGGESTION = / ?Did you mean(.+?)\?$/;

/** `message` without its trailing suggestion, if it has one. */
export function stripSuggestion(message: string): string {
  return message.replace(SUGGESTION, '');
}

/**
 * `error` with the suggestion removed from its message; the same instance
 * when there is none. Locations, path, extensions and cause are kept.
 */
export function withoutSuggestions(error: GraphQLError): GraphQLError {
  const message = stripSuggestion(error.message);
  if (message === error.message) return error;
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError ?? error,
    extensions: error.extensions,
  });
}
