/**
 * Connection cursors. Graph pages with opaque `@odata.nextLink` URLs and
 * documents nothing about paging `deviceImages` (graph-contract.md §5,
 * "Paging"), so a cursor does not invent offsets into the whole list: it
 * names the Graph page its image came from (null for the first page of the
 * filtered list), the image's position in that page and its id. Resuming
 * re-reads that page and continues after the image, found by id when the
 * page has shifted, which is what keeps paging from losing or repeating
 * images when the pages themselves are stable.
 *
 * Known limitation: an image created in or deleted from an earlier Graph
 * page between two requests shifts the pages after it, and a page link
 * taken before the change may then skip or repeat one image; only a stable
 * sort key or delta token from Graph for `deviceImages` would lift that.
 *
 * The text is base64url JSON: opaque to clients, cheap to decode, and checked
 * field by field, since a client can send anything as `after`.
 */
import { BadUserInputError } from '../errors/index.js';

/** What a cursor carries. */
export interface CursorData {
  /** Graph page URL the image was read from; null: the list's first page. */
  page: string | null;
  /** The image's index in that page. */
  offset: number;
  /** The image's id, to find it again if the page shifted. */
  id: string;
  /** Key of the filter the list was read with. */
  filter: string;
  /**
   * The page's `@odata.nextLink` when the image was the page's last, so the
   * next request starts on the next page without re-reading this one.
   */
  next?: string | undefined;
}

/** Wire form: short keys keep cursors short. */
interface CursorWire {
  p: string | null;
  o: number;
  i: string;
  f: string;
  n?: string;
}

/** Encodes a cursor as base64url JSON. */
export function encodeCursor(data: CursorData): string {
  const wire: CursorWire = {
    p: data.page,
    o: data.offset,
    i: data.id,
    f: data.filter,
    ...(data.next === undefined ? {} : { n: data.next }),
  };
  return Buffer.from(JSON.stringify(wire)).toString('base64url');
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Decodes and checks `after`. Any damage, or a cursor from a list read with
 * another filter, is a BAD_USER_INPUT naming `argumentName`.
 */
export function decodeCursor(
  text: string,
  filterKey: string,
  argumentName = 'after',
): CursorData {
  const fail = (why: string): never => {
    const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
    throw new BadUserInputError(
      argumentName,
      `Invalid ${argumentName}: expected a cursor returned by ` +
        `deviceImages (edges.cursor or pageInfo.endCursor), but got ` +
        `${JSON.stringify(shown)} (${why}).`,
    );
  };
  if (!BASE64URL.test(text)) return fail('not base64url');
  let wire: unknown;
  try {
    wire = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return fail('not an encoded cursor');
  }
  if (typeof wire !== 'object' || wire === null) {
    return fail('not an encoded cursor');
  }
  const { p, o, i, f, n } = wire as Partial<Record<keyof CursorWire, unknown>>;
  if (p !== null && !isHttpUrl(p)) return fail('bad page');
  if (typeof o !== 'number' || !Number.isInteger(o) || o < 0) {
    return fail('bad offset');
  }
  if (typeof i !== 'string' || i === '') return fail('bad id');
  if (typeof f !== 'string') return fail('bad filter');
  if (n !== undefined && !isHttpUrl(n)) return fail('bad next page');
  if (f !== filterKey) {
    return fail('it belongs to a list read with a different filter');
  }
  return { page: p, offset: o, id: i, filter: f, next: n };
}

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
