/**
 * Re-aims a Graph page link at the current query's selection. Internal to
 * `src/resolvers/`.
 */
import type { DeviceImageProperty } from '../datasource/graphModel.js';

const SELECT_PARAM = /([?&])(?:\$|%24)select=[^&]*/i;

/**
 * A link from a cursor carries the `$select` of the query that produced it
 * (contract §5, "Paging": next links repeat the original query options),
 * but the query resuming from it may select other fields. Its `$select` is
 * replaced by the current one; a link without `$select` asks for Graph's
 * default properties, a superset, and is left alone.
 */
export function withSelect(
  pageUrl: string,
  select: readonly DeviceImageProperty[],
): string {
  return pageUrl.replace(SELECT_PARAM, `$1$select=${select.join(',')}`);
}
