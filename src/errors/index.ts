/**
 * The gateway's error taxonomy: one string enum of codes that clients can
 * branch on, and one error class per code. Every error a client sees carries
 * `extensions.code` from {@link ErrorCode}; anything else is masked as
 * `INTERNAL_SERVER_ERROR` by the server before it leaves the process.
 */
import { GraphQLError, type ASTNode } from 'graphql';

/** The codes clients see in `extensions.code`. */
export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  NOT_FOUND = 'NOT_FOUND',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  CONFLICT = 'CONFLICT',
  /** Graph answered 429; `extensions.retryAfter` holds seconds to wait. */
  THROTTLED = 'THROTTLED',
  /** Graph could not be reached, timed out or answered 5xx. */
  UPSTREAM_UNAVAILABLE = 'UPSTREAM_UNAVAILABLE',
  /**
   * The operation is over one of the gateway's limits (depth, aliases, root
   * fields, upstream cost); `extensions.limit` names it. Retrying the same
   * operation never helps: it must be made smaller.
   */
  QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

/** What Graph said about a failed call, kept under `extensions.graph`. */
export interface GraphErrorDetails {
  /** HTTP status Graph answered with, absent when no answer arrived. */
  status?: number | undefined;
  /** Graph's `error.code`, e.g. `itemNotFound`. */
  code?: string | undefined;
  /** Graph's `request-id` response header, for support tickets. */
  requestId?: string | undefined;
  /** The `client-request-id` the gateway sent. */
  clientRequestId?: string | undefined;
}

export interface GatewayErrorOptions {
  /** The Graph failure this error stands for, if any. */
  graph?: GraphErrorDetails | undefined;
  /** The underlying error, kept as `originalError` for logs. */
  cause?: unknown;
  /** Extra extensions, e.g. `argumentName`. */
  extensions?: Record<string, unknown> | undefined;
  /** Where in the document it went wrong, for `locations`. */
  nodes?: ASTNode | readonly ASTNode[] | undefined;
}

/**
 * Base class of every error the gateway raises on purpose. It sets
 * `extensions.code` and `name` once, so subclasses only choose a code.
 */
export class GatewayError extends GraphQLError {
  readonly code: ErrorCode;
  readonly graph: GraphErrorDetails | undefined;

  constructor(code: ErrorCode, message: string, options?: GatewayErrorOptions) {
    const originalError =
      options?.cause instanceof Error ? options.cause : undefined;
    super(message, {
      originalError,
      nodes: options?.nodes,
      extensions: {
        ...options?.extensions,
        code,
        ...(options?.graph ? { graph: withoutUndefined(options.graph) } : {}),
      },
    });
    this.code = code;
    this.graph = options?.graph;
    this.name = 'GatewayError';
  }
}

export class BadUserInputError extends GatewayError {
  /**
   * @param argumentName the GraphQL argument or input field that was wrong,
   *   e.g. `input.version`; it is echoed in `extensions.argumentName`.
   */
  constructor(
    argumentName: string,
    message: string,
    options?: GatewayErrorOptions,
  ) {
    super(ErrorCode.BAD_USER_INPUT, message, {
      ...options,
      extensions: { ...options?.extensions, argumentName },
    });
    this.name = 'BadUserInputError';
  }
}

export class NotFoundError extends GatewayError {
  constructor(message: string, options?: GatewayErrorOptions) {
    super(ErrorCode.NOT_FOUND, message, options);
    this.name = 'NotFoundError';
  }
}

export class UnauthenticatedError extends GatewayError {
  constructor(message: string, options?: GatewayErrorOptions) {
    super(ErrorCode.UNAUTHENTICATED, message, {
      ...options,
      extensions: { ...options?.extensions, http: { status: 401 } },
    });
    this.name = 'UnauthenticatedError';
  }
}

export class ForbiddenError extends GatewayError {
  constructor(message: string, options?: GatewayErrorOptions) {
    super(ErrorCode.FORBIDDEN, message, options);
    this.name = 'ForbiddenError';
  }
}

export class ConflictError extends GatewayError {
  constructor(message: string, options?: GatewayErrorOptions) {
    super(ErrorCode.CONFLICT, message, options);
    this.name = 'ConflictError';
  }
}

export class ThrottledError extends GatewayError {
  /** Seconds Graph asked us to wait, when it said. */
  readonly retryAfter: number | undefined;

  constructor(
    message: string,
    retryAfter: number | undefined,
    options?: GatewayErrorOptions,
  ) {
    super(ErrorCode.THROTTLED, message, {
      ...options,
      extensions: {
        ...options?.extensions,
        ...(retryAfter === undefined ? {} : { retryAfter }),
      },
    });
    this.retryAfter = retryAfter;
    this.name = 'ThrottledError';
  }
}

export class UpstreamUnavailableError extends GatewayError {
  constructor(message: string, options?: GatewayErrorOptions) {
    super(ErrorCode.UPSTREAM_UNAVAILABLE, message, options);
    this.name = 'UpstreamUnavailableError';
  }
}

/** What {@link QueryTooComplexError} reports under `extensions`. */
export interface QueryLimitDetails {
  /** The setting that holds the limit, e.g. `MAX_COST`. */
  limit: string;
  /** The limit's value. */
  maximum: number;
  /** What the operation amounted to. */
  actual: number;
}

export class QueryTooComplexError extends GatewayError {
  readonly details: QueryLimitDetails;

  constructor(
    message: string,
    details: QueryLimitDetails,
    options?: GatewayErrorOptions,
  ) {
    super(ErrorCode.QUERY_TOO_COMPLEX, message, {
      ...options,
      extensions: { ...options?.extensions, ...details },
    });
    this.details = details;
    this.name = 'QueryTooComplexError';
  }
}

/** Whether `error` is one the gateway raised on purpose (it has a code). */
export function isGatewayError(error: unknown): error is GatewayError {
  return error instanceof GatewayError;
}

/**
 * Thrown where a switch over a closed set of values falls through: the type
 * checker proves it unreachable, and this catches the day it is not.
 */
export class UnreachableCaseError extends Error {
  constructor(value: never) {
    super(`Unreachable case: ${JSON.stringify(value)}`);
    this.name = 'UnreachableCaseError';
  }
}

function withoutUndefined(details: GraphErrorDetails): GraphErrorDetails {
  return Object.fromEntries(
    Object.entries(details).filter(([, value]) => value !== undefined),
  );
}
