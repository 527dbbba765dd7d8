import { describe, expect, it } from 'vitest';

import {
  DEFAULT_LIMITS,
  parseLimitsConfig,
} from '../../../src/server/limits/index.js';

describe('Limits: settings', () => {
  it('takes the defaults from an empty environment', () => {
    expect(parseLimitsConfig({})).toEqual(DEFAULT_LIMITS);
  });

  it('turns introspection and suggestions off in production', () => {
    expect(parseLimitsConfig({ NODE_ENV: 'production' })).toMatchObject({
      introspection: false,
      suggestions: false,
    });
  });

  it('reads every setting', () => {
    expect(
      parseLimitsConfig({
        MAX_DEPTH: '5',
        MAX_ALIASES: '6',
        MAX_ROOT_FIELDS: '7',
        MAX_COST: '9',
        MAX_TOKENS: '300',
        GRAPHQL_INTROSPECTION: 'true',
        GRAPHQL_SUGGESTIONS: 'FALSE',
        NODE_ENV: 'production',
      }),
    ).toEqual({
      maxDepth: 5,
      maxAliases: 6,
      maxRootFields: 7,
      maxCost: 9,
      maxTokens: 300,
      introspection: true,
      suggestions: false,
    });
  });

  it('names the malformed setting, what it expects and what arrived', () => {
    expect(() => parseLimitsConfig({ MAX_COST: '0' })).toThrow(
      'MAX_COST: expected a positive whole number such as 20, but got "0".',
    );
    expect(() => parseLimitsConfig({ MAX_DEPTH: '3.5' })).toThrow(
      'MAX_DEPTH: expected a positive whole number such as 8, but got "3.5".',
    );
    expect(() => parseLimitsConfig({ GRAPHQL_INTROSPECTION: 'yes' })).toThrow(
      'GRAPHQL_INTROSPECTION: expected true or false, but got "yes".',
    );
  });
});
