/**
 * Checks on values that end up in a Graph URL or body, run before any
 * upstream call. Each failure is a `BadUserInputError` naming the argument,
 * what was expected and what arrived; resolvers reuse these functions so the
 * gateway speaks with one voice about bad input.
 */
import { BadUserInputError } from '../errors/index.js';
import {
  DEVICE_IMAGE_STATUSES,
  SOURCE_IMAGE_CATEGORIES,
  type GraphCreateDeviceImage,
  type GraphDeviceImageStatus,
  type GraphSourceImageCategory,
} from './graphModel.js';

/**
 * A device image id as it may appear in a URL path segment. Graph's ids are
 * GUIDs, but nothing documents that, so the rule is an allow-list of
 * characters that need no escaping: no `/`, `..`, `?`, `#`, `%` or spaces can
 * reach the path.
 */
const DEVICE_IMAGE_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;

/**
 * Segments that the allow-list admits but Graph routes elsewhere: the
 * function bound to the collection (contract §1), matched without regard to
 * case as Graph matches it.
 */
const BOUND_OPERATIONS = ['getsourceimages'];

/** `Major(int).Minor(int).Patch(int)` (contract §4), at most 9 digits each. */
const VERSION = /^\d{1,9}\.\d{1,9}\.\d{1,9}$/;

/**
 * The subscription segment is GUID-shaped but deliberately loose: Microsoft's
 * own examples carry `0ac520ee-14c0-480f-b6c9-0a90c58ffff`, whose last group
 * has 11 digits (contract §1, "Quirks").
 */
const SUBSCRIPTION = '[0-9a-f]{1,12}(?:-[0-9a-f]{1,12}){4}';
const RESOURCE_GROUP = '[a-z0-9_()-][a-z0-9_.()-]{0,89}';
const NAME = '[a-z0-9][a-z0-9_.-]{0,79}';
const GALLERY = '[a-z0-9][a-z0-9_.]{0,79}';
const PREFIX =
  `^/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}` +
  '/providers/Microsoft\\.Compute';

/** A managed image: the one format Graph documents (contract §4). */
const MANAGED_IMAGE_ID = new RegExp(`${PREFIX}/images/${NAME}$`, 'i');

/**
 * An Azure Compute Gallery image version, which beta `getSourceImages`
 * returns (contract §4); whether create accepts it is not documented.
 */
const GALLERY_IMAGE_VERSION_ID = new RegExp(
  `${PREFIX}/galleries/${GALLERY}/images/${NAME}` +
    '/versions/\\d{1,9}\\.\\d{1,9}\\.\\d{1,9}$',
  'i',
);

/** C0 and C1 control characters, DEL included. */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * A UTF-16 surrogate without its pair: not text, and `encodeURIComponent`
 * throws on it, so it must stop here rather than while building a URL.
 */
const LONE_SURROGATE =
  /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The longest display name accepted; Graph documents no limit. */
export const MAX_DISPLAY_NAME_LENGTH = 256;

/** The largest `$top` accepted; Graph documents no limit. */
export const MAX_PAGE_SIZE = 1000;

/** Asserts a device image id that is safe to put in a URL path segment. */
export function assertDeviceImageId(
  value: unknown,
  argumentName: string,
): asserts value is string {
  if (typeof value !== 'string' || !DEVICE_IMAGE_ID.test(value)) {
    throw invalid(
      argumentName,
      'a device image id (1 to 64 letters, digits or hyphens, ' +
        'starting with a letter or digit)',
      value,
    );
  }
  if (BOUND_OPERATIONS.includes(value.toLowerCase())) {
    throw invalid(
      argumentName,
      'a device image id, not the name of a Graph function',
      value,
    );
  }
}

/** Asserts a `Major.Minor.Patch` version of integers (contract §4). */
export function assertImageVersion(
  value: unknown,
  argumentName: string,
): asserts value is string {
  if (typeof value !== 'string' || !VERSION.test(value)) {
    throw invalid(
      argumentName,
      'a version Major.Minor.Patch of whole numbers (at most 9 digits ' +
        'each), e.g. "1.0.0"',
      value,
    );
  }
}

/** Asserts a display name: not blank, short, no control characters. */
export function assertDisplayName(
  value: unknown,
  argumentName: string,
): asserts value is string {
  const expected =
    `a display name of 1 to ${MAX_DISPLAY_NAME_LENGTH} characters, ` +
    'not blank and without control characters or unpaired surrogates';
  if (
    typeof value !== 'string' ||
    value.trim() === '' ||
    value.length > MAX_DISPLAY_NAME_LENGTH ||
    CONTROL_CHARACTER.test(value) ||
    LONE_SURROGATE.test(value)
  ) {
    throw invalid(argumentName, expected, value);
  }
}

/**
 * Asserts the ARM id of a managed image or of an Azure Compute Gallery image
 * version (contract §4).
 */
export function assertSourceImageResourceId(
  value: unknown,
  argumentName: string,
): asserts value is string {
  if (
    typeof value !== 'string' ||
    !(MANAGED_IMAGE_ID.test(value) || GALLERY_IMAGE_VERSION_ID.test(value))
  ) {
    throw invalid(
      argumentName,
      'the resource id of a managed image ' +
        '(/subscriptions/{id}/resourceGroups/{group}/providers/' +
        'Microsoft.Compute/images/{name}) or of a gallery image version ' +
        '(…/Microsoft.Compute/galleries/{gallery}/images/{definition}/' +
        'versions/{version})',
      value,
    );
  }
}

/** Asserts the three writable properties of a create request. */
export function assertCreateDeviceImage(
  value: unknown,
  argumentName: string,
): asserts value is GraphCreateDeviceImage {
  if (typeof value !== 'object' || value === null) {
    throw invalid(
      argumentName,
      'an object with displayName, version and sourceImageResourceId',
      value,
    );
  }
  const input = value as Record<string, unknown>;
  assertDisplayName(input['displayName'], `${argumentName}.displayName`);
  assertImageVersion(input['version'], `${argumentName}.version`);
  assertSourceImageResourceId(
    input['sourceImageResourceId'],
    `${argumentName}.sourceImageResourceId`,
  );
}

/** Asserts a member of `cloudPcDeviceImageStatus` (contract §2). */
export function assertDeviceImageStatus(
  value: unknown,
  argumentName: string,
): asserts value is GraphDeviceImageStatus {
  assertMember(DEVICE_IMAGE_STATUSES, value, argumentName);
}

/** Asserts a member of `cloudPcSourceImageCategory` (contract §3). */
export function assertSourceImageCategory(
  value: unknown,
  argumentName: string,
): asserts value is GraphSourceImageCategory {
  assertMember(SOURCE_IMAGE_CATEGORIES, value, argumentName);
}

/** Asserts a page size from 1 to {@link MAX_PAGE_SIZE}. */
export function assertPageSize(
  value: unknown,
  argumentName: string,
): asserts value is number {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < 1 ||
    value > MAX_PAGE_SIZE
  ) {
    throw invalid(
      argumentName,
      `a whole number from 1 to ${MAX_PAGE_SIZE}`,
      value,
    );
  }
}

function assertMember(
  members: readonly string[],
  value: unknown,
  argumentName: string,
): void {
  if (typeof value !== 'string' || !members.includes(value)) {
    throw invalid(argumentName, `one of ${members.join(', ')}`, value);
  }
}

function invalid(
  argumentName: string,
  expected: string,
  value: unknown,
): BadUserInputError {
  return new BadUserInputError(
    argumentName,
    `Invalid ${argumentName}: expected ${expected}, but got ${describeValue(value)}.`,
  );
}

/**
 * Quotes what arrived for an error message, shortened so a 10 MB string
 * cannot flood a response or a log line.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    if (value.length > 80) {
      return (
        `${JSON.stringify(value.slice(0, 40))}… ` +
        `(${value.length} characters)`
      );
    }
    return JSON.stringify(value);
  }
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
