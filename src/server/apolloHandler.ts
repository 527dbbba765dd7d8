/**
 * The thin adapter between `node:http` and Apollo Server: it turns an
 * `IncomingMessage` into Apollo's `HTTPGraphQLRequest` and writes Apollo's
 * answer back. Parsing GraphQL, CSRF prevention, content negotiation and
 * status codes stay Apollo's; a query Apollo has answered before may be
 * answered again by the fast path (createFastPath.ts), which hands back to
 * Apollo whatever it does not answer itself. Internal to `src/server/`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

import { HeaderMap, type ApolloServer } from '@apollo/server';

import type { GatewayContext } from '../resolvers/context.js';
import { handOverResult } from './createCompiledGateway.js';
import type { FastPath } from './createFastPath.js';
import { markOperationStart } from './operationMetricsPlugin.js';
import { PayloadTooLargeError, readBody } from './readBody.js';

export interface ApolloHandlerOptions {
  /** Largest body read, in bytes; larger requests get 413. */
  maxBodyBytes: number;
  /**
   * Builds the operation's context; may throw a GatewayError. The operation
   * name, when the request gave one, goes on the operation's log lines.
   */
  createContext: (
    req: IncomingMessage,
    operationName: string | undefined,
  ) => Promise<GatewayContext>;
  /** Answers hot queries past Apollo. @default none */
  fastPath?: FastPath | undefined;
}

/** Writes a JSON error body in the GraphQL response shape. */
export function sendJsonError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
): void {
  const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const mediaType = value.split(';', 1)[0]?.trim().toLowerCase();
  return mediaType === 'application/json';
}

/** The operation name a POST body or GET query string names, if any. */
function operationNameOf(body: unknown, search: string): string | undefined {
  if (typeof body === 'object' && body !== null) {
    const name = (body as { operationName?: unknown }).operationName;
    return typeof name === 'string' ? name : undefined;
  }
  if (search === '') return undefined;
  return new URLSearchParams(search).get('operationName') ?? undefined;
}

/**
 * Returns a request handler for the GraphQL endpoint. Apollo must have been
 * started.
 */
export function createApolloHandler(
  apollo: ApolloServer<GatewayContext>,
  options: ApolloHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) {
        headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
    }
    const url = req.url ?? '/';
    const queryStart = url.indexOf('?');
    const method = req.method ?? 'GET';

    let body: unknown;
    if (method === 'POST') {
      let text: string;
      try {
        text = await readBody(req, options.maxBodyBytes);
      } catch (error) {
        if (error instanceof PayloadTooLargeError) {
          sendJsonError(res, 413, 'PAYLOAD_TOO_LARGE', error.message);
          return;
        }
        throw error;
      }
      // Apollo leaves body parsing to the integration; a body that is not
      // JSON although labelled so is the client's mistake, hence 400.
      if (isJsonContentType(headers.get('content-type')) && text !== '') {
        try {
          body = JSON.parse(text);
        } catch (error) {
          sendJsonError(
            res,
            400,
            'BAD_REQUEST',
            `Request body is not valid JSON: ${(error as Error).message}`,
          );
          return;
        }
      } else {
        body = text;
      }
    }

    const search = queryStart < 0 ? '' : url.slice(queryStart);
    const operationName = operationNameOf(body, search);
    const accept = headers.get('accept');
    let createContext = () => options.createContext(req, operationName);
    const fast =
      method === 'POST' ? options.fastPath?.prepare(body, accept) : undefined;
    if (fast) {
      // A caller the context factory refuses is refused again by Apollo,
      // which answers with the right status.
      const context = await createContext().catch(() => undefined);
      if (context) {
        const started = performance.now();
        const outcome = await fast.run(context, res);
        if (outcome.answered) return;
        if (outcome.result) {
          handOverResult(context, outcome.result);
          markOperationStart(context, started);
        }
        createContext = () => Promise.resolve(context);
      }
    }
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: method.toUpperCase(),
        headers,
        search,
        body,
      },
      context: createContext,
    });
    if (method === 'POST') options.fastPath?.learn(body, accept, response);

    for (const [name, value] of response.headers) res.setHeader(name, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.setHeader('content-length', Buffer.byteLength(response.body.string));
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}
