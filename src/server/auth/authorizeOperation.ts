/**
 * The read/write split: queries and subscriptions need a read role or
 * scope, mutations a write one. Called once the operation is known (Apollo's
 * `didResolveOperation`, graphql-ws's `onSubscribe`), before any resolver
 * reaches Graph.
 */
import type { Caller } from './createCallerVerifier.js';
import { forbidden } from './forbidden.js';

/** The kinds of GraphQL operation, as graphql-js names them. */
export type OperationKind = 'query' | 'mutation' | 'subscription';

/**
 * Returns when `caller` may run an operation of `kind`.
 * @throws ForbiddenError naming what was attempted and what it needs.
 */
export function authorizeOperation(caller: Caller, kind: OperationKind): void {
  if (kind === 'mutation' ? caller.canWrite : caller.canRead) return;
  throw forbidden(
    kind === 'mutation'
      ? 'This caller may read but not change images: mutations need a write role or scope (AUTH_WRITE_ROLES).'
      : `This caller may not read images: a ${kind} needs a read role or scope (AUTH_READ_ROLES).`,
  );
}
