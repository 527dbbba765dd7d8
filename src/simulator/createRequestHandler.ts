/**
 * The HTTP front of the simulator: reads a request, authenticates it, routes
 * it through faults and the operation and writes Graph's answer. Internal to
 * the simulator. The hot path (an authenticated GET) stays synchronous.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { handleAdmin } from './handleAdmin.js';
import { runBatch } from './handleBatch.js';
import { GraphHttpError, type RequestIds } from './GraphHttpError.js';
import { handleOperation, type OperationRequest } from './handleOperation.js';
import { matchRoute, type RouteMatch } from './matchRoute.js';
import { parseBatch } from './parseBatch.js';
import { recordableHeaders } from './RequestRecorder.js';
import {
  errorResponse,
  runWithFaults,
  type OperationOutcome,
} from './runWithFaults.js';
import {
  authenticate,
  prefersUnknownEnums,
  type Caller,
  type SimulatorContext,
} from './SimulatorContext.js';
import type { SimulatorRoute } from './types.js';
import { writeResponse } from './writeResponse.js';

/** Request bodies above this answer 413 (Graph's batch limit is 4 MB). */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is drained, not kept, so the 413 can still
      // be written on the same connection.
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size <= MAX_BODY_BYTES) {
        resolve(Buffer.concat(chunks).toString('utf8'));
        return;
      }
      reject(
        new GraphHttpError(
          413,
          'requestTooLarge',
          `The request body holds ${size} bytes; at most ${MAX_BODY_BYTES} ` +
            'are accepted.',
        ),
      );
    });
    req.on('error', reject);
  });
}

/** A repeated header's values joined, as HTTP allows for lists. */
function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Creates the `node:http` request listener of one simulator. */
export function createRequestHandler(context: SimulatorContext) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (path.startsWith('/_simulator/')) {
      handleAdmin(context, req, res, path);
      return;
    }
    const receivedAt = Date.now();
    const requestId = crypto.randomUUID();
    const clientRequestId = req.headers['client-request-id'] as
      string | undefined;
    const ids = { requestId, clientRequestId };
    let route: SimulatorRoute = 'unknown';
    let tenant: string | undefined;
    const finish = (outcome: OperationOutcome): void => {
      context.recorder.record({
        method: req.method ?? '',
        route,
        url,
        tenant,
        status: outcome.kind === 'answer' ? outcome.response.status : 0,
        batchItem: false,
        headers: recordableHeaders(req.headers),
        receivedAt,
      });
      const send = (): void => {
        if (outcome.kind === 'reset') req.socket.destroy();
        else writeResponse(res, outcome.response, requestId, clientRequestId);
      };
      const latency = context.faults.latencyMs;
      if (latency > 0) setTimeout(send, latency);
      else send();
    };
    const fail = (error: unknown): void =>
      finish({
        kind: 'answer',
        response: errorResponse(error, ids, context.logger),
      });
    try {
      const method = req.method ?? 'GET';
      const match = routeRequest(method, path);
      route = match.route;
      // Routed first so that a 401 is still recorded under its route.
      const caller = authenticate(context, req.headers.authorization);
      tenant = caller.tenant;
      const origin = `http://${req.headers.host ?? 'localhost'}`;
      const serve = (body: string | undefined) =>
        runWithFaults(
          {
            route: match.route,
            tenant: caller.tenant,
            faults: context.faults,
            ids,
            logger: context.logger,
            standing: match.route !== 'batch',
          },
          () =>
            match.route === 'batch'
              ? serveBatch(context, req, caller, origin, body ?? '', ids)
              : serveOperation(context, ids, {
                  match,
                  search: q === -1 ? '' : url.slice(q),
                  contentType: req.headers['content-type'],
                  body,
                  store: caller.store,
                  origin,
                  includeUnknown: prefersUnknownEnums(
                    headerText(req.headers.prefer),
                  ),
                  pageSize: context.pageSize,
                }),
        );
      if (method === 'GET' || method === 'DELETE' || method === 'HEAD') {
        const outcome = serve(undefined);
        if (outcome instanceof Promise) outcome.then(finish, fail);
        else finish(outcome);
        return;
      }
      readBody(req).then(serve).then(finish, fail);
    } catch (error) {
      fail(error);
    }
  };
}

/** Routes `/beta/$batch` here, every other `/beta` path in matchRoute. */
function routeRequest(method: string, path: string): RouteMatch {
  if (!/^\/beta\/(\$|%24)batch\/?$/i.test(path)) {
    return matchRoute(method, path);
  }
  if (method === 'POST') return { route: 'batch' };
  return {
    route: 'unknown',
    error: new GraphHttpError(
      405,
      'notAllowed',
      `The HTTP method '${method}' is not allowed on $batch; allowed: POST.`,
      { headers: { Allow: 'POST' } },
    ),
  };
}

function serveOperation(
  context: SimulatorContext,
  ids: RequestIds,
  operation: OperationRequest,
): OperationOutcome {
  try {
    return { kind: 'answer', response: handleOperation(operation) };
  } catch (error) {
    return {
      kind: 'answer',
      response: errorResponse(error, ids, context.logger),
    };
  }
}

function serveBatch(
  context: SimulatorContext,
  req: IncomingMessage,
  caller: Caller,
  origin: string,
  body: string,
  ids: RequestIds,
): OperationOutcome | Promise<OperationOutcome> {
  try {
    const contentType = req.headers['content-type'];
    if (!contentType || !/^application\/json\b/i.test(contentType)) {
      throw new GraphHttpError(
        415,
        'invalidRequest',
        `Content-Type must be application/json, got '${contentType ?? 'none'}'.`,
      );
    }
    const items = parseBatch(body);
    return runBatch(context, { caller, origin }, items);
  } catch (error) {
    return {
      kind: 'answer',
      response: errorResponse(error, ids, context.logger),
    };
  }
}
