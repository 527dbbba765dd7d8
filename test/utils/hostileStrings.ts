/**
 * Generated strings for property tests of argument handling: what an
 * attacker would try first (path traversal, query and fragment injection,
 * encoded separators, OData injection, control characters, odd Unicode,
 * sheer length), mixed with arbitrary ones.
 */
import fc from 'fast-check';

/** The classics, tried in every run. */
export const NASTY = [
  '',
  ' ',
  '..',
  '../',
  '../../users',
  '..%2F..%2Fusers',
  '%2F',
  '%2e%2e',
  'a/b',
  'a\\b',
  '?$top=1',
  '?$select=id&$expand=*',
  '#fragment',
  '&$filter=true',
  "' or 1 eq 1",
  "x' or '1' eq '1",
  "'')",
  'id)/retryUpload',
  '$batch',
  'getSourceImages',
  '\u0000',
  '\r\nX-Injected: 1',
  '\u202e\u200b',
  '\ud800',
  'ÄÖÜ-é',
  '🙂',
  'a'.repeat(300),
  'a'.repeat(100_000),
];

/** A hostile or arbitrary string. */
export const hostile = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc
    .tuple(
      fc.constantFrom(...NASTY),
      fc.string({ maxLength: 10 }),
      fc.constantFrom(...NASTY),
    )
    .map((parts) => parts.join('')),
);
