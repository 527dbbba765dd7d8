/**
 * Parsing and checking of a `$batch` body (contract §5, "JSON batching").
 * Internal to the simulator. Any problem fails the whole batch with 400
 * `BadRequest` naming the item and field.
 */
import { GraphHttpError } from './GraphHttpError.js';

/** The most items one batch may hold (contract §5). */
export const MAX_BATCH_ITEMS = 20;

/** One item of a batch, its header names lowercased. */
export interface BatchItem {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  dependsOn: string[];
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
