/**
 * JSON batching (contract §5, "JSON batching"). Internal to the simulator.
 * The envelope answers 200 once it parses; each item runs through the same
 * faults and operations as a plain request and gets its own status, headers
 * and body. Items without `dependsOn` run concurrently; an item whose
 * dependency did not succeed answers 424 without running.
 */
import { matchRoute } from './matchRoute.js';
import { GraphHttpError } from './GraphHttpError.js';
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

/** The most items one batch may hold (contract §5). */
export const MAX_BATCH_ITEMS = 20;

interface BatchItem {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  dependsOn: string[];
}

/** What the envelope's request contributes to every item. */
export interface BatchEnvelope {
  caller: Caller;
  origin: string;
  prefer: string | undefined;
}

function malformed(message: string): GraphHttpError {
  return new GraphHttpError(
    400,
    'BadRequest',
    `Invalid batch payload: ${message}`,
  );
}

function parseItem(raw: unknown, index: number): BatchItem {
  const where = `requests[${index}]`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw malformed(`${where} must be an object, got ${JSON.stringify(raw)}.`);
  }
  const item = raw as Record<string, unknown>;
  for (const key of ['id', 'method', 'url']) {
    if (typeof item[key] !== 'string' || item[key] === '') {
      throw malformed(
        `${where}.${key} must be a non-empty string, got ` +
          `${JSON.stringify(item[key]) ?? 'nothing'}.`,
      );
    }
  }
  const headers: Record<string, string> = {};
  if (item.headers !== undefined) {
    const given = item.headers;
    if (typeof given !== 'object' || given === null || Array.isArray(given)) {
      throw malformed(`${where}.headers must be an object of strings.`);
    }
    for (const [name, value] of Object.entries(given)) {
      if (typeof value !== 'string') {
        throw malformed(`${where}.headers.${name} must be a string.`);
      }
      headers[name.toLowerCase()] = value;
    }
  }
  const dependsOn = item.dependsOn ?? [];
  if (
    !Array.isArray(dependsOn) ||
    !dependsOn.every((d) => typeof d === 'string')
  ) {
    throw malformed(`${where}.dependsOn must be an array of request ids.`);
  }
  return {
    id: item.id as string,
    method: (item.method as string).toUpperCase(),
    url: item.url as string,
    headers,
    body: item.body,
    dependsOn: dependsOn as string[],
  };
}

/**
 * Parses and checks the envelope: at most 20 items, ids unique regardless
 * of case, every `dependsOn` naming another item, no cycles. Any failure
 * fails the whole batch with 400.
 */
export function parseBatch(text: string): BatchItem[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw malformed(`the body is not JSON (${(error as Error).message}).`);
  }
  const requests = (body as { requests?: unknown } | null)?.requests;
  if (!Array.isArray(requests) || requests.length === 0) {
    throw malformed('expected {"requests": [ … ]} with at least one request.');
  }
  if (requests.length > MAX_BATCH_ITEMS) {
    throw malformed(
      `a batch holds at most ${MAX_BATCH_ITEMS} requests, got ${requests.length}.`,
    );
  }
  const items = requests.map(parseItem);
  const byId = new Map<string, BatchItem>();
  for (const item of items) {
    const key = item.id.toLowerCase();
    if (byId.has(key)) {
      throw malformed(`request id '${item.id}' is used more than once.`);
    }
    byId.set(key, item);
  }
  for (const item of items) {
    for (const dep of item.dependsOn) {
      if (
        !byId.has(dep.toLowerCase()) ||
        dep.toLowerCase() === item.id.toLowerCase()
      ) {
        throw malformed(
          `request '${item.id}' depends on '${dep}', which is not another ` +
            'request of this batch.',
        );
      }
    }
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (item: BatchItem): void => {
    const key = item.id.toLowerCase();
    if (state.get(key) === 'done') return;
    if (state.get(key) === 'visiting') {
      throw malformed(`dependsOn forms a cycle through request '${item.id}'.`);
    }
    state.set(key, 'visiting');
    for (const dep of item.dependsOn)
      visit(byId.get(dep.toLowerCase()) as BatchItem);
    state.set(key, 'done');
  };
  items.forEach(visit);
  return items;
}

/**
 * The item's path below `/beta`. Microsoft's JavaScript SDK sends
 * `/beta/deviceManagement/…`, other clients `/deviceManagement/…`; an
 * absolute URL is reduced to its path.
 */
function itemTarget(url: string): { path: string; search: string } {
  let target = url;
  if (/^https?:\/\//i.test(target)) {
    const parsed = new URL(target);
    target = parsed.pathname + parsed.search;
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
      includeUnknown:
        prefersUnknownEnums(item.headers.prefer) ||
        prefersUnknownEnums(envelope.prefer),
      pageSize: context.pageSize,
    });
  } catch (error) {
    return errorResponse(error, ids, context.logger);
  }
}
