/**
 * A FORBIDDEN error that also tells Apollo Server its HTTP status. Apollo
 * answers 500 for an error thrown while building the context or in
 * `didResolveOperation` unless `extensions.http` says otherwise (it removes
 * that extension before the client sees the error). Internal to `auth/`.
 */
import { ForbiddenError } from '../../errors/index.js';

/** A {@link ForbiddenError} carrying HTTP status 403 for Apollo. */
export function forbidden(message: string): ForbiddenError {
  return new ForbiddenError(message, {
    extensions: { http: { status: 403 } },
  });
}
