import { Kind } from 'graphql';
import { describe, expect, it } from 'vitest';

import { DateScalar, DateTimeScalar } from '../../src/resolvers/scalars.js';

describe('Resolvers: DateTime and Date scalars', () => {
  it('passes Graph date-times through unchanged', () => {
    for (const value of [
      '2024-11-03T07:03:44.97Z',
      '2024-11-03T07:03:44Z',
      '2024-02-29T23:59:59.1234567+01:00',
    ]) {
      expect(DateTimeScalar.serialize(value)).toBe(value);
      expect(DateTimeScalar.parseValue(value)).toBe(value);
    }
  });

  it('refuses a date-time without a zone or with an impossible date', () => {
    expect(() => DateTimeScalar.serialize('2024-11-03T07:03:44')).toThrow(
      'DateTime expects an ISO 8601 date and time with a zone, e.g. ' +
        '"2024-11-03T07:03:44.97Z", but got "2024-11-03T07:03:44".',
    );
    expect(() => DateTimeScalar.parseValue('2023-02-29T00:00:00Z')).toThrow(
      /but got "2023-02-29T00:00:00Z"/,
    );
    expect(() => DateTimeScalar.serialize(42)).toThrow(/but got 42\./);
  });

  it('checks dates as real calendar days', () => {
    expect(DateScalar.serialize('2028-04-11')).toBe('2028-04-11');
    expect(() => DateScalar.serialize('2028-13-01')).toThrow(
      'Date expects a calendar date written YYYY-MM-DD, e.g. "2028-04-11", ' +
        'but got "2028-13-01".',
    );
    expect(() => DateScalar.parseValue('11/04/2028')).toThrow(
      /but got "11\/04\/2028"/,
    );
  });

  it('refuses a literal that is not a string', () => {
    expect(() =>
      DateScalar.parseLiteral({ kind: Kind.INT, value: '20280411' }),
    ).toThrow('Date expects a string literal, but got 20280411.');
  });
});
