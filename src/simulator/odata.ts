/**
 * OData query options as the simulator understands them: `$select`, a small
 * `$filter` grammar, `$top`, `$skip`, `$count` and an opaque `$skiptoken`.
 * Internal to the simulator. Every parse failure is a 400 `BadRequest` that
 * names the option, what was expected and what arrived.
 */
import { GraphHttpError } from './GraphHttpError.js';

/** Query options of one request, keys lowercased (`$select`, `$top`). */
export type QueryOptions = Map<string, string>;

function badQuery(message: string): GraphHttpError {
  return new GraphHttpError(400, 'BadRequest', message);
}

/**
 * Splits a query string. Option names are matched case-insensitively, as
 * Graph does; an option given twice is an error rather than a guess.
 */
export function parseQuery(search: string): QueryOptions {
  const options: QueryOptions = new Map();
  if (search.length <= 1) return options;
  for (const [key, value] of new URLSearchParams(search)) {
    const name = key.toLowerCase();
    if (options.has(name)) {
      throw badQuery(`Query option '${key}' was specified more than once.`);
    }
    options.set(name, value);
  }
  return options;
}

/**
 * Rejects `$`-options the operation does not support; other parameters are
 * ignored, as Graph ignores them.
 */
export function assertSupportedOptions(
  options: QueryOptions,
  supported: readonly string[],
  operation: string,
): void {
  for (const name of options.keys()) {
    if (name.startsWith('$') && !supported.includes(name)) {
      throw badQuery(
        `Query option '${name}' is not supported by ${operation}; ` +
          `supported: ${supported.join(', ') || 'none'}.`,
      );
    }
  }
}

/**
 * Parses `$select` against the type's properties. Unknown names are a 400,
 * as in Graph ("Could not find a property named …").
 */
export function parseSelect(
  value: string | undefined,
  properties: readonly string[],
  typeName: string,
): string[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((n) => n.trim());
  for (const name of names) {
    if (!properties.includes(name)) {
      throw badQuery(
        `Could not find a property named '${name}' on type ` +
          `'microsoft.graph.${typeName}' in $select; expected a ` +
          `comma-separated list of: ${properties.join(', ')}.`,
      );
    }
  }
  return names;
}

/** One `property eq literal` clause; `null` stands for the null literal. */
export interface EqClause {
  property: string;
  value: string | null;
}

/** Filterable properties; an array lists an enum's allowed members. */
export type FilterFields = Record<string, readonly string[] | true>;

const TOKEN = /\s*('(?:[^']|'')*'|[^\s']+)/y;

/**
 * Parses a `$filter` of `property eq 'value'` clauses joined by `and` (also
 * `eq null`). Anything else (`or`, `ne`, functions, parentheses, unknown
 * properties, an enum literal that is no member) is a 400 naming the
 * position and what was expected.
 */
export function parseFilter(
  value: string | undefined,
  fields: FilterFields,
): EqClause[] {
  if (value === undefined) return [];
  const tokens: { text: string; at: number }[] = [];
  TOKEN.lastIndex = 0;
  for (;;) {
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(value);
    if (!match) {
      if (value.slice(at).trim() !== '') {
        throw badQuery(
          `Invalid $filter: unterminated string literal at position ${at}.`,
        );
      }
      break;
    }
    tokens.push({ text: match[1] as string, at: match.index });
  }
  const expected =
    `expected clauses of the form "property eq 'value'" joined by 'and', ` +
    `with property one of: ${Object.keys(fields).join(', ')}`;
  const clauses: EqClause[] = [];
  let i = 0;
  const next = (what: string): string => {
    const token = tokens[i++];
    if (!token) {
      throw badQuery(
        `Invalid $filter '${value}': ${what} expected at the end; ${expected}.`,
      );
    }
    return token.text;
  };
  const fail = (got: string, what: string): never => {
    throw badQuery(
      `Invalid $filter '${value}': ${what} expected at position ` +
        `${tokens[i - 1]?.at ?? 0}, got '${got}'; ${expected}.`,
    );
  };
  do {
    const property = next('a property');
    const allowed = Object.hasOwn(fields, property)
      ? fields[property]
      : undefined;
    if (!allowed) fail(property, 'a filterable property');
    const operator = next("'eq'");
    if (operator !== 'eq') fail(operator, "'eq'");
    const literal = next('a string literal');
    let parsed: string | null;
    if (literal === 'null') parsed = null;
    else if (literal.startsWith("'")) {
      parsed = literal.slice(1, -1).replaceAll("''", "'");
    } else return fail(literal, 'a quoted string literal');
    if (
      Array.isArray(allowed) &&
      parsed !== null &&
      !allowed.includes(parsed)
    ) {
      throw badQuery(
        `Invalid $filter: '${parsed}' is not a member of the enum of ` +
          `'${property}'; expected one of: ${allowed.join(', ')}.`,
      );
    }
    clauses.push({ property, value: parsed });
    if (i < tokens.length) {
      const joiner = next("'and'");
      if (joiner !== 'and') fail(joiner, "'and'");
      if (i === tokens.length) next('a property');
    }
  } while (i < tokens.length);
  return clauses;
}

/** Parses `$top` or `$skip`: an integer from `min` to `max`. */
export function parseInteger(
  name: string,
  value: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw badQuery(
      `Invalid value for ${name}: expected an integer from ${min} to ${max}, ` +
        `got '${value}'.`,
    );
  }
  return n;
}

/** Parses `$count`: `true` or `false`. */
export function parseCount(value: string | undefined): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw badQuery(
    `Invalid value for $count: expected true or false, got '${value}'.`,
  );
}

const SKIPTOKEN_PREFIX = 'sim1.';

/**
 * Encodes a paging position. It holds the sequence number of the last image
 * served, so images created or deleted between pages neither repeat nor
 * shift later pages. Clients must treat it as opaque.
 */
export function encodeSkipToken(lastSeq: number): string {
  return Buffer.from(SKIPTOKEN_PREFIX + lastSeq).toString('base64url');
}

/** Decodes {@link encodeSkipToken}; anything else is a 400. */
export function decodeSkipToken(token: string | undefined): number {
  if (token === undefined) return 0;
  const text = Buffer.from(token, 'base64url').toString('utf8');
  const seq = Number(text.slice(SKIPTOKEN_PREFIX.length));
  if (!text.startsWith(SKIPTOKEN_PREFIX) || !Number.isSafeInteger(seq)) {
    throw badQuery(
      `Invalid $skiptoken '${token}': expected a token from an ` +
        '@odata.nextLink of this collection.',
    );
  }
  return seq;
}

/**
 * The value a caller sees for an evolvable enum (contract §2): members after
 * `unknownFutureValue` become `unknownFutureValue` unless the request sent
 * `Prefer: include-unknown-enum-members`.
 */
export function visibleEnumValue(
  value: string | null | undefined,
  members: readonly string[],
  includeUnknown: boolean,
): string | null | undefined {
  if (includeUnknown || value == null) return value;
  const index = members.indexOf(value);
  return index > members.indexOf('unknownFutureValue')
    ? 'unknownFutureValue'
    : value;
}
