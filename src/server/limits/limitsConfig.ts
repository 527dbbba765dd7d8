/**
 * The settings of the hostile-input limits, read from the environment once
 * at start. Every limit is per operation: a document may hold several
 * operations, but only the one that runs is measured against them.
 */
import { ConfigError } from '../config.js';

/** What the gateway refuses to parse, validate or run. */
export interface LimitsConfig {
  /**
   * Deepest nesting of fields in an operation; introspection fields are not
   * counted (graphql-js's `MaxIntrospectionDepthRule` bounds them).
   * @default 8
   */
  maxDepth: number;
  /** Aliased fields in an operation, fragments expanded. @default 20 */
  maxAliases: number;
  /** Distinct root fields (response keys) of an operation. @default 20 */
  maxRootFields: number;
  /**
   * Graph calls one operation may cause, counted with the cost model of
   * `operationCost.ts`. @default 20 // one `$batch` worth of by-id reads
   */
  maxCost: number;
  /** Lexical tokens the parser reads before it gives up. @default 2_000 */
  maxTokens: number;
  /**
   * Whether `__schema` and `__type` are answered.
   * @default true, except when NODE_ENV is `production`
   */
  introspection: boolean;
  /**
   * Whether error messages keep graphql-js's "Did you mean …?" hints, which
   * reveal field and type names.
   * @default true, except when NODE_ENV is `production`
   */
  suggestions: boolean;
}

/** The defaults outside production. */
export const DEFAULT_LIMITS: Readonly<LimitsConfig> = Object.freeze({
  maxDepth: 8,
  maxAliases: 20,
  maxRootFields: 20,
  maxCost: 20,
  maxTokens: 2_000,
  introspection: true,
  suggestions: true,
});

/** The environment setting behind each numeric limit. */
export const LIMIT_SETTINGS = {
  maxDepth: 'MAX_DEPTH',
  maxAliases: 'MAX_ALIASES',
  maxRootFields: 'MAX_ROOT_FIELDS',
  maxCost: 'MAX_COST',
  maxTokens: 'MAX_TOKENS',
} as const;

/**
 * Reads the limits from `env` (`MAX_DEPTH`, `MAX_ALIASES`, `MAX_ROOT_FIELDS`,
 * `MAX_COST`, `MAX_TOKENS`: positive integers; `GRAPHQL_INTROSPECTION`,
 * `GRAPHQL_SUGGESTIONS`: `true` or `false`). Unset or empty settings take
 * their defaults.
 * @throws ConfigError naming the malformed setting, in one line.
 */
export function parseLimitsConfig(
  env: Readonly<Record<string, string | undefined>>,
): LimitsConfig {
  const production = env['NODE_ENV'] === 'production';
  const limits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(LIMIT_SETTINGS) as LimitKey[]) {
    limits[key] = readPositiveInteger(env, LIMIT_SETTINGS[key], limits[key]);
  }
  limits.introspection = readBoolean(env, 'GRAPHQL_INTROSPECTION', !production);
  limits.suggestions = readBoolean(env, 'GRAPHQL_SUGGESTIONS', !production);
  return limits;
}

type LimitKey = keyof typeof LIMIT_SETTINGS;

function readPositiveInteger(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: number,
): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^[1-9][0-9]{0,8}$/.test(raw)) {
    throw new ConfigError(
      name,
      `a positive whole number such as ${fallback}`,
      JSON.stringify(raw),
    );
  }
  return Number(raw);
}

function readBoolean(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: boolean,
): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ConfigError(name, 'true or false', JSON.stringify(env[name]));
}
