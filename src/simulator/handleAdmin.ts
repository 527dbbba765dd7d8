/**
 * Test endpoints outside `/beta`, for out-of-process tests and demos; they
 * need no token. Internal to the simulator; documented in its README.
 *
 * - `GET /_simulator/requests`: `{ counts, requests }`.
 * - `POST /_simulator/reset`: empties the log and counters, drops injected
 *   faults and throttle windows and reseeds every tenant;
 *   `?scope=requests` empties only the log and counters.
 * - `POST /_simulator/faults`: queues one {@link InjectedFault} (JSON body).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { SimulatorContext } from './SimulatorContext.js';
import type { InjectedFault } from './types.js';

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res
    .writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' })
    .end(JSON.stringify(body));
}

const FAULT_FIELDS: Record<keyof InjectedFault, string> = {
  route: 'string',
  count: 'number',
  status: 'number',
  retryAfterSeconds: 'number',
  afterApply: 'boolean',
  delayMs: 'number',
  reset: 'boolean',
};

function parseFault(text: string): InjectedFault {
  const fault: unknown = JSON.parse(text);
  if (typeof fault !== 'object' || fault === null || Array.isArray(fault)) {
    throw new TypeError('expected a JSON object');
  }
  for (const [key, value] of Object.entries(fault)) {
    const type = Object.hasOwn(FAULT_FIELDS, key)
      ? FAULT_FIELDS[key as keyof InjectedFault]
      : undefined;
    if (!type) {
      throw new TypeError(
        `unknown field '${key}'; expected: ${Object.keys(FAULT_FIELDS).join(', ')}`,
      );
    }
    if (typeof value !== type) {
      throw new TypeError(
        `'${key}' must be a ${type}, got ${JSON.stringify(value)}`,
      );
    }
  }
  return fault as InjectedFault;
}

/** Serves one `/_simulator/…` request. */
export function handleAdmin(
  context: SimulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): void {
  const { recorder } = context;
  if (path === '/_simulator/requests' && req.method === 'GET') {
    send(res, 200, { counts: recorder.counts(), requests: recorder.entries() });
    return;
  }
  if (path === '/_simulator/reset' && req.method === 'POST') {
    recorder.reset();
    if (!/[?&]scope=requests(&|$)/.test(req.url ?? '')) {
      context.faults.reset();
      for (const store of context.stores.values()) store.reset(context.seed);
    }
    req.resume();
    send(res, 204);
    return;
  }
  if (path === '/_simulator/faults' && req.method === 'POST') {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        context.faults.inject(parseFault(Buffer.concat(chunks).toString()));
        send(res, 204);
      } catch (error) {
        send(res, 400, {
          error: `Invalid fault: ${(error as Error).message}.`,
        });
      }
    });
    return;
  }
  req.resume();
  send(res, 404, {
    error:
      `No test endpoint '${req.method} ${path}'; available: GET ` +
      '/_simulator/requests, POST /_simulator/reset, POST /_simulator/faults.',
  });
}
