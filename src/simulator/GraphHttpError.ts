/**
 * Graph's error answers (contract §5, "Errors"). Internal to the simulator.
 * Handlers throw a {@link GraphHttpError}; the transport turns it into
 * `{ error: { code, message, innerError: { date, request-id,
 * client-request-id } } }` with the request's ids.
 */

/** A Graph error answer: HTTP status, Graph's `error.code` and a message. */
export class GraphHttpError extends Error {
  readonly status: number;
  readonly code: string;
  /** Extra response headers, e.g. `Retry-After` or `Allow`. */
  readonly headers: Record<string, string>;
  /** Extra `innerError` members, e.g. the 429's `code` and `status`. */
  readonly inner: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    extra: {
      headers?: Record<string, string>;
      inner?: Record<string, string>;
    } = {},
  ) {
    super(message);
    this.name = 'GraphHttpError';
    this.status = status;
    this.code = code;
    this.headers = extra.headers ?? {};
    this.inner = extra.inner ?? {};
  }
}

/** Ids that go into every error's `innerError`. */
export interface RequestIds {
  requestId: string;
  clientRequestId: string | undefined;
}

/** The JSON body of an error answer. */
export function graphErrorBody(
  error: GraphHttpError,
  ids: RequestIds,
): unknown {
  return {
    error: {
      code: error.code,
      message: error.message,
      innerError: {
        ...error.inner,
        date: new Date().toISOString().slice(0, 19),
        'request-id': ids.requestId,
        'client-request-id': ids.clientRequestId ?? ids.requestId,
      },
    },
  };
}

/**
 * The 429 Graph sends when throttling, with the body seen in practice
 * (contract §5): code `TooManyRequests` and an innerError carrying the
 * status as text.
 */
export function throttledError(retryAfterSeconds: number): GraphHttpError {
  return new GraphHttpError(
    429,
    'TooManyRequests',
    'Please retry again later.',
    {
      headers: { 'Retry-After': String(retryAfterSeconds) },
      inner: { code: '429', message: 'Please retry after', status: '429' },
    },
  );
}

/** Graph-style error codes for statuses a fault may ask for. */
const CODES_BY_STATUS: Record<number, string> = {
  400: 'invalidRequest',
  401: 'InvalidAuthenticationToken',
  403: 'accessDenied',
  404: 'itemNotFound',
  409: 'conflict',
  412: 'preconditionFailed',
  423: 'resourceLocked',
  500: 'generalException',
  502: 'badGateway',
  503: 'serviceNotAvailable',
  504: 'gatewayTimeout',
};

/** The error an injected or random fault answers with. */
export function faultError(
  status: number,
  retryAfterSeconds: number | undefined,
): GraphHttpError {
  if (status === 429) return throttledError(retryAfterSeconds ?? 10);
  const headers: Record<string, string> =
    retryAfterSeconds === undefined
      ? {}
      : { 'Retry-After': String(retryAfterSeconds) };
  const code = CODES_BY_STATUS[status] ?? 'generalException';
  return new GraphHttpError(
    status,
    code,
    `The simulator was told to fail this request with ${status}.`,
    { headers },
  );
}
