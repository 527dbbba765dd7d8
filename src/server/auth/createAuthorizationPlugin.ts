/**
 * The read/write check for Apollo Server: once the operation to run is
 * known, and before any resolver reaches Graph, the caller must hold a read
 * role or scope for a query and a write one for a mutation.
 */
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';

import { authorizeOperation } from './authorizeOperation.js';
import type { Caller } from './createCallerVerifier.js';

/**
 * A plugin that runs {@link authorizeOperation} in `didResolveOperation`
 * with the caller `callerOf` finds in the context. A FORBIDDEN refusal
 * answers HTTP 403 with no Graph call made.
 */
export function createAuthorizationPlugin<TContext extends BaseContext>(
  callerOf: (context: TContext) => Caller,
): ApolloServerPlugin<TContext> {
  return {
    requestDidStart() {
      return Promise.resolve({
        didResolveOperation({ contextValue, operation }) {
          // Apollo resolves the operation before this hook; should it ever
          // not have, the strictest check applies.
          const kind = operation?.operation ?? 'mutation';
          authorizeOperation(callerOf(contextValue), kind);
          return Promise.resolve();
        },
      });
    },
  };
}
