/**
 * The paging behind `Query.deviceImages`: turns Graph's page links into a
 * Relay connection of `first` images after a cursor (see cursor.ts for why
 * cursors name Graph pages rather than global offsets).
 */
import {
  BadUserInputError,
  UpstreamUnavailableError,
} from '../errors/index.js';
import type {
  DeviceImageProperty,
  GraphDeviceImage,
} from '../datasource/graphModel.js';
import type {
  DeviceImageFilter,
  DeviceImagePage,
  DeviceImagesApi,
} from '../datasource/types.js';
import type { DeviceImageConnectionModel } from './connection.js';
import { decodeCursor, encodeCursor, type CursorData } from './cursor.js';
import { withSelect } from './pageUrl.js';

/** Page size when `first` is not given. */
export const DEFAULT_FIRST = 20;
/** The largest `first` accepted. */
export const MAX_FIRST = 100;

/**
 * Graph may answer a page with no images and a next link (contract §5,
 * "Paging"); this many pages in a row without an image means something is
 * wrong upstream, and following more would only burn requests.
 */
const MAX_PAGES_PER_REQUEST = 50;

export interface ListDeviceImagesArgs {
  first?: number | null | undefined;
  after?: string | null | undefined;
  filter: DeviceImageFilter;
  select: readonly DeviceImageProperty[];
}

/**
 * An edge that encodes its cursor only when read: a frontend that selects
 * `nodes`, or `pageInfo` alone, never pays for 50 base64 cursors.
 */
class DeviceImageEdge {
  constructor(
    readonly node: GraphDeviceImage,
    private readonly position: CursorData,
  ) {}

  get cursor(): string {
    return encodeCursor(this.position);
  }
}

/** Checks `first` and applies its default. */
export function resolveFirst(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_FIRST;
  if (first < 0 || first > MAX_FIRST) {
    throw new BadUserInputError(
      'first',
      `Invalid first: expected a whole number from 0 to ${MAX_FIRST} ` +
        `(the maximum page size), but got ${first}.`,
    );
  }
  return first;
}

/** A stable key for a filter, so a cursor can be tied to it. */
export function filterKey(filter: DeviceImageFilter): string {
  if (filter.status === undefined && filter.displayName === undefined) {
    return '';
  }
  return JSON.stringify([filter.status ?? null, filter.displayName ?? null]);
}

/**
 * Where in `page` to continue after the cursor's image: after the image
 * itself when it is still there (at its offset, or moved), else at its old
 * offset, since removing it moved its successors up by one.
 */
function resumeIndex(page: GraphDeviceImage[], cursor: CursorData): number {
  if (page[cursor.offset]?.id === cursor.id) return cursor.offset + 1;
  const moved = page.findIndex((image) => image.id === cursor.id);
  return moved >= 0 ? moved + 1 : Math.min(cursor.offset, page.length);
}

/**
 * Reads the images of one connection page. Makes one Graph request per
 * Graph page touched: usually one, two when the page crosses a Graph page
 * boundary. `totalCount` makes its own walk only when called, and none
 * when Graph answered the whole filtered list in the one page read.
 *
 * Known limitation: `hasNextPage` is true whenever Graph offered a next
 * page link, without reading it, so a next Graph page that turns out empty
 * yields one last connection page with no edges; peeking would lift that
 * at the cost of a Graph request per page.
 */
export async function listDeviceImages(
  dataSource: DeviceImagesApi,
  args: ListDeviceImagesArgs,
): Promise<DeviceImageConnectionModel> {
  const first = resolveFirst(args.first);
  const key = filterKey(args.filter);
  const cursor =
    args.after === null || args.after === undefined
      ? undefined
      : decodeCursor(args.after, key);

  const read = async (pageUrl: string | null): Promise<DeviceImagePage> => {
    if (pageUrl === null) {
      return dataSource.listPage({ select: args.select, filter: args.filter });
    }
    try {
      return await dataSource.listPage({
        pageUrl: withSelect(pageUrl, args.select),
      });
    } catch (error) {
      // The datasource refuses links off the Graph origin; that link came
      // from the client's cursor, so the cursor is what was wrong.
      if (error instanceof BadUserInputError) {
        throw new BadUserInputError(
          'after',
          `Invalid after: the cursor points at a page this gateway does ` +
            `not serve (${error.message})`,
          { cause: error },
        );
      }
      throw error;
    }
  };

  let pageUrl: string | null;
  let start: number;
  if (cursor?.next !== undefined) {
    pageUrl = cursor.next;
    start = 0;
  } else {
    pageUrl = cursor?.page ?? null;
    start = -1;
  }
  let page = await read(pageUrl);
  if (start < 0) start = cursor ? resumeIndex(page.images, cursor) : 0;
  // The filtered list's first page with no next link is the whole list, so
  // it is its own count: no second walk, and a count from the same answer.
  const wholeList =
    pageUrl === null && page.nextLink === undefined
      ? page.images.length
      : undefined;

  const edges: DeviceImageConnectionModel['edges'] = [];
  let hasNextPage = false;
  for (let pages = 1; ; pages += 1) {
    const images = page.images;
    let index = start;
    for (; index < images.length && edges.length < first; index += 1) {
      const node = images[index] as GraphDeviceImage;
      const last = index === images.length - 1;
      edges.push(
        new DeviceImageEdge(node, {
          page: pageUrl,
          offset: index,
          id: node.id,
          filter: key,
          next: last ? page.nextLink : undefined,
        }),
      );
    }
    if (edges.length >= first) {
      hasNextPage = index < images.length || page.nextLink !== undefined;
      break;
    }
    if (page.nextLink === undefined) break;
    if (pages >= MAX_PAGES_PER_REQUEST && edges.length === 0) {
      throw new UpstreamUnavailableError(
        `Graph answered ${pages} pages in a row without an image; ` +
          'giving up on this list.',
      );
    }
    pageUrl = page.nextLink;
    page = await read(pageUrl);
    start = 0;
  }

  let total: Promise<number> | undefined;
  return {
    edges,
    hasNextPage,
    totalCount: () =>
      (total ??=
        wholeList === undefined
          ? dataSource
              .listAll({ select: ['id'], filter: args.filter })
              .then((all) => all.length)
          : Promise.resolve(wholeList)),
  };
}
