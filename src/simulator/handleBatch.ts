/**
 * JSON batching (contract §5, "JSON batching"). Internal to the simulator.
 * The envelope answers 200 once it parses; each item runs through the same
 * faults and operations as a plain request and gets its own status, headers
 * and body. Items without `dependsOn` run concurrently; an item whose
 * dependency did not succeed answers 424 without running.
 */
import { matchRoute } from './matchRoute.js';
import { GraphHttpError } from './GraphHttpError.js';
import type { BatchItem } from './parseBatch.js';
import { handleOperation } from './handleOperation.js';
import { recordableHeaders } from './RequestRecorder.js';
import {
  errorResponse,
  runWithFaults,
  type OperationOutcome,
} from './runWithFaults.js';
import {
  prefersUnknownEnums,
  type Caller,
  type SimulatorContext,
} from './SimulatorContext.js';
import { JSON_CONTENT_TYPE } from './writeResponse.js';

/** What the envelope's request contributes to every item. */
export interface BatchEnvelope {
  caller: Caller;
  origin: string;
}

/**
 * The item's path below `/beta`. Microsoft's JavaScript SDK sends
 * `/beta/deviceManagement/…`, other clients `/deviceManagement/…`; an
 * absolute URL is reduced to its path.
 */
function itemTarget(url: string): { path: string; search: string } {
  let target = url;
  if (/^https?:\/\//i.test(target)) {
    const parsed = URL.canParse(target) ? new URL(target) : undefined;
    // An absolute URL that does not parse routes nowhere, like a bad path.
    target = parsed
      ? parsed.pathname + parsed.search
      : '/beta/' + encodeURIComponent(url);
  }
  if (!target.startsWith('/')) target = '/' + target;
  const q = target.indexOf('?');
  let path = q === -1 ? target : target.slice(0, q);
  const search = q === -1 ? '' : target.slice(q);
  if (!/^\/(beta|v1\.0)(\/|$)/i.test(path)) path = '/beta' + path;
  return { path, search };
}

/** Runs every item; resolves to the envelope's outcome. */
export async function runBatch(
  context: SimulatorContext,
  envelope: BatchEnvelope,
  items: BatchItem[],
): Promise<OperationOutcome> {
  const runs = new Map<
    string,
    Promise<OperationOutcome & { status: number }>
  >();
  const run = (item: BatchItem) => {
    const key = item.id.toLowerCase();
    let pending = runs.get(key);
    if (!pending) {
      pending = runItem(context, envelope, item, items, run);
      runs.set(key, pending);
    }
    return pending;
  };
  const outcomes = await Promise.all(items.map(run));
  if (outcomes.some((o) => o.kind === 'reset')) return { kind: 'reset' };
  const responses = outcomes.map((outcome, i) => {
    const response = outcome.kind === 'answer' ? outcome.response : undefined;
    const headers: Record<string, string> = { ...response?.headers };
    // Microsoft's JS SDK parses an item's body only with a JSON content type.
    if (response?.body !== undefined)
      headers['Content-Type'] = JSON_CONTENT_TYPE;
    return {
      id: items[i]?.id,
      status: outcome.status,
      headers,
      ...(response?.body === undefined ? {} : { body: response.body }),
    };
  });
  return { kind: 'answer', response: { status: 200, body: { responses } } };
}

async function runItem(
  context: SimulatorContext,
  envelope: BatchEnvelope,
  item: BatchItem,
  items: BatchItem[],
  run: (item: BatchItem) => Promise<OperationOutcome & { status: number }>,
): Promise<OperationOutcome & { status: number }> {
  const deps = item.dependsOn.map(
    (d) =>
      items.find((i) => i.id.toLowerCase() === d.toLowerCase()) as BatchItem,
  );
  const depOutcomes = await Promise.all(deps.map(run));
  const receivedAt = Date.now();
  const { path, search } = itemTarget(item.url);
  const match = matchRoute(item.method, path);
  const ids = {
    requestId: crypto.randomUUID(),
    clientRequestId: item.headers['client-request-id'],
  };
  const failed = depOutcomes.findIndex((o) => o.status < 200 || o.status > 299);
  let outcome: OperationOutcome;
  if (failed !== -1) {
    const error = new GraphHttpError(
      424,
      'failedDependency',
      `Request '${item.id}' depends on '${deps[failed]?.id}', which answered ` +
        `${depOutcomes[failed]?.status}; it was not run.`,
    );
    outcome = {
      kind: 'answer',
      response: errorResponse(error, ids, context.logger),
    };
  } else {
    outcome = await runWithFaults(
      {
        route: match.route,
        tenant: envelope.caller.tenant,
        faults: context.faults,
        ids,
        logger: context.logger,
        standing: true,
      },
      () => ({
        kind: 'answer',
        response: answerItem(context, envelope, item, match, search, ids),
      }),
    );
  }
  const status = outcome.kind === 'answer' ? outcome.response.status : 0;
  context.recorder.record({
    method: item.method,
    route: match.route,
    url: item.url,
    tenant: envelope.caller.tenant,
    status,
    batchItem: true,
    headers: recordableHeaders(item.headers),
    receivedAt,
  });
  return { ...outcome, status };
}

function answerItem(
  context: SimulatorContext,
  envelope: BatchEnvelope,
  item: BatchItem,
  match: ReturnType<typeof matchRoute>,
  search: string,
  ids: { requestId: string; clientRequestId: string | undefined },
) {
  try {
    const contentType = item.headers['content-type'];
    if (item.body !== undefined && !contentType) {
      throw new GraphHttpError(
        400,
        'BadRequest',
        `Write request id : ${item.id} does not contain Content-Type header ` +
          'or body; a request with a body needs a Content-Type header.',
      );
    }
    return handleOperation({
      match,
      search,
      contentType,
      body:
        item.body === undefined
          ? undefined
          : typeof item.body === 'string'
            ? item.body
            : JSON.stringify(item.body),
      store: envelope.caller.store,
      origin: envelope.origin,
      // Graph documents headers per item; that the envelope's reach its
      // items is not documented, so a client must not rely on it.
      includeUnknown: prefersUnknownEnums(item.headers.prefer),
      pageSize: context.pageSize,
    });
  } catch (error) {
    return errorResponse(error, ids, context.logger);
  }
}
