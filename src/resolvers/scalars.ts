/**
 * The `DateTime` and `Date` scalars. Both travel as strings in Graph's own
 * formats (graph-contract.md §2: `lastModifiedDateTime` is an ISO 8601
 * DateTimeOffset in UTC, `expirationDate` is `YYYY-MM-DD`), so they pass
 * through unchanged once checked; a malformed value fails with a message
 * naming the scalar, the expected form and what arrived.
 */
import { GraphQLError, GraphQLScalarType, Kind, print } from 'graphql';
import type { ValueNode } from 'graphql';

const DATE_TIME_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

function isCalendarDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day
  );
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** Whether `value` is an ISO 8601 date-time with a zone and real date. */
export function isDateTimeString(value: string): boolean {
  const match = DATE_TIME_PATTERN.exec(value);
  if (!match) return false;
  const [, year, month, day, hour, minute, second] = match;
  return (
    isCalendarDate(Number(year), Number(month), Number(day)) &&
    Number(hour) < 24 &&
    Number(minute) < 60 &&
    Number(second) < 60
  );
}

/** Whether `value` is a real calendar date written `YYYY-MM-DD`. */
export function isDateString(value: string): boolean {
  const match = DATE_PATTERN.exec(value);
  return (
    match !== null &&
    isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]))
  );
}

/**
 * `test`, remembering the strings that passed. The same timestamps come
 * back from Graph on every list of 50 images, and checking one is a regex
 * and a `Date`; a lookup is far cheaper. Whether a string passes depends on
 * the string alone, so remembering cannot change an answer; the memory is
 * emptied once it holds `max` strings.
 */
function rememberingPasses(
  test: (value: string) => boolean,
  max = 4_096,
): (value: string) => boolean {
  const passed = new Set<string>();
  return (value) => {
    if (passed.has(value)) return true;
    if (!test(value)) return false;
    if (passed.size >= max) passed.clear();
    passed.add(value);
    return true;
  };
}

const isKnownDateTime = rememberingPasses(isDateTimeString);
const isKnownDate = rememberingPasses(isDateString);

function checkDateTime(value: unknown): string {
  if (value instanceof Date && !Number.isNaN(value.getTime())) {
    return value.toISOString();
  }
  if (typeof value === 'string' && isKnownDateTime(value)) return value;
  throw new GraphQLError(
    'DateTime expects an ISO 8601 date and time with a zone, e.g. ' +
      `"2024-11-03T07:03:44.97Z", but got ${describe(value)}.`,
  );
}

function checkDate(value: unknown): string {
  if (typeof value === 'string' && isKnownDate(value)) return value;
  throw new GraphQLError(
    'Date expects a calendar date written YYYY-MM-DD, e.g. "2028-04-11", ' +
      `but got ${describe(value)}.`,
  );
}

function literal(
  name: string,
  check: (value: unknown) => string,
): (node: ValueNode) => string {
  return (node) => {
    if (node.kind !== Kind.STRING) {
      throw new GraphQLError(
        `${name} expects a string literal, but got ${print(node)}.`,
        { nodes: node },
      );
    }
    return check(node.value);
  };
}

/** An ISO 8601 date and time with a zone, e.g. `2024-11-03T07:03:44.97Z`. */
export const DateTimeScalar = new GraphQLScalarType<string, string>({
  name: 'DateTime',
  serialize: checkDateTime,
  parseValue: checkDateTime,
  parseLiteral: literal('DateTime', checkDateTime),
});

/** A calendar date, `YYYY-MM-DD`. */
export const DateScalar = new GraphQLScalarType<string, string>({
  name: 'Date',
  serialize: checkDate,
  parseValue: checkDate,
  parseLiteral: literal('Date', checkDate),
});
