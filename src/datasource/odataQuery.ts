/**
 * Builds the OData query options the datasource pushes down to Graph:
 * `$select`, `$filter` and `$top`, validated before they are written.
 * Internal to `src/datasource/`.
 */
import {
  DEVICE_IMAGE_PROPERTIES,
  type DeviceImageProperty,
} from './graphModel.js';
import type { DeviceImageFilter, ListDeviceImagesOptions } from './types.js';
import {
  assertDeviceImageStatus,
  assertDisplayName,
  assertPageSize,
} from './validation.js';

/**
 * Normalises a selection: known properties only (a resolver passing
 * anything else is a bug), `id` first, the rest in the order asked, once.
 */
export function normalizeSelect(
  select: readonly DeviceImageProperty[] | undefined,
): readonly DeviceImageProperty[] | undefined {
  if (select === undefined) return undefined;
  for (const property of select) {
    if (!(DEVICE_IMAGE_PROPERTIES as readonly string[]).includes(property)) {
      throw new TypeError(
        `Cannot select "${String(property)}": expected one of ` +
          `${DEVICE_IMAGE_PROPERTIES.join(', ')}.`,
      );
    }
  }
  return [...new Set<DeviceImageProperty>(['id', ...select])];
}

/** `?$select=…`, or nothing for Graph's default properties. */
export function selectQuery(
  select: readonly DeviceImageProperty[] | undefined,
): string {
  return select === undefined ? '' : `?$select=${select.join(',')}`;
}

/** `$select`, `$filter` and `$top` for a list call, validated first. */
export function listQuery(options: ListDeviceImagesOptions): string {
  const parts: string[] = [];
  const select = normalizeSelect(options.select);
  if (select !== undefined) parts.push(`$select=${select.join(',')}`);
  const filter = filterExpression(options.filter);
  if (filter !== undefined) {
    parts.push(`$filter=${encodeQueryValue(filter)}`);
  }
  if (options.top !== undefined) {
    assertPageSize(options.top, 'top');
    parts.push(`$top=${options.top}`);
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

/**
 * The OData `$filter` for a {@link DeviceImageFilter}: equality terms joined
 * with `and`, strings quoted with embedded quotes doubled (OData ABNF,
 * `SQUOTE-in-string`).
 */
export function filterExpression(
  filter: DeviceImageFilter | undefined,
): string | undefined {
  if (filter === undefined) return undefined;
  const terms: string[] = [];
  if (filter.status !== undefined) {
    assertDeviceImageStatus(filter.status, 'filter.status');
    terms.push(`status eq ${odataString(filter.status)}`);
  }
  if (filter.displayName !== undefined) {
    assertDisplayName(filter.displayName, 'filter.displayName');
    terms.push(`displayName eq ${odataString(filter.displayName)}`);
  }
  return terms.length === 0 ? undefined : terms.join(' and ');
}

function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Percent-encodes a query value but keeps the characters OData reads
 * literally (`'`, `,`, `(`, `)`), so the query stays legible in logs.
 */
export function encodeQueryValue(value: string): string {
  return encodeURIComponent(value).replace(/%2C/g, ',');
}
