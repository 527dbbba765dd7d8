/**
 * Writes an answer with the headers every Graph response carries (contract
 * §5, "Headers"). Internal to the simulator.
 */
import type { ServerResponse } from 'node:http';

import type { OperationResponse } from './handleOperation.js';

/** Graph's JSON content type, parameters included. */
export const JSON_CONTENT_TYPE =
  'application/json;odata.metadata=minimal;odata.streaming=true;' +
  'IEEE754Compatible=false;charset=utf-8';

/**
 * Sends `response` with a fresh `request-id`, the caller's
 * `client-request-id` echoed (Graph answers its own id when none came) and
 * `OData-Version: 4.0`.
 */
export function writeResponse(
  res: ServerResponse,
  response: OperationResponse,
  requestId: string,
  clientRequestId: string | undefined,
): void {
  const headers: Record<string, string | number> = {
    'request-id': requestId,
    'client-request-id': clientRequestId ?? requestId,
    'OData-Version': '4.0',
    ...response.headers,
  };
  if (response.body === undefined) {
    res.writeHead(response.status, headers);
    res.end();
    return;
  }
  const payload = Buffer.from(JSON.stringify(response.body));
  headers['Content-Type'] = JSON_CONTENT_TYPE;
  headers['Content-Length'] = payload.length;
  res.writeHead(response.status, headers);
  res.end(payload);
}
