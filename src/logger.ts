/**
 * The one pino logger of a process. Modules receive it (or a child of it)
 * through their options and never reach for `console`.
 */
import { pino, stdSerializers, type Logger } from 'pino';

export type { Logger };

/**
 * Paths pino blanks out before a line is written, whatever logged it:
 * bearer tokens, client secrets and cookies must never reach a log.
 */
export const REDACTED_PATHS = [
  'authorization',
  'token',
  'accessToken',
  'clientSecret',
  '*.authorization',
  '*.Authorization',
  '*.token',
  '*.accessToken',
  '*.clientSecret',
  '*.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'connectionParams.authorization',
  'headers.authorization',
  // Added paths are exact on purpose: each `*` path costs every log line a
  // walk over its keys (about 2 µs per wildcard, measured with pino 10),
  // and lines are written on every request.
  'headers.Authorization',
  'req.headers.Authorization',
  'request.headers.authorization',
  'request.headers.Authorization',
  'request.headers.cookie',
  'password',
  'client_secret',
  'access_token',
  'refresh_token',
  // graphql-ws connection parameters are the client's credentials, in
  // whatever shape the client chose: never log any of them.
  'connectionParams',
  'ctx.connectionParams',
];

// Private: credentials as they appear inside free text (error messages,
// stacks, echoed request lines), which path redaction cannot reach.
const SECRET_PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]'],
  [/\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '[redacted]'],
  [
    /\b(client_secret|client_assertion|access_token|refresh_token|password)=[^&\s"']+/gi,
    '$1=[redacted]',
  ],
];

/**
 * Replaces credentials found in free text (bearer and basic credentials,
 * JWTs, secrets in form bodies or query strings) with `[redacted]`.
 */
export function scrubSecrets(text: string): string {
  let scrubbed = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) {
    scrubbed = scrubbed.replace(pattern, replacement);
  }
  return scrubbed;
}

/**
 * pino's error serializer with credentials scrubbed from the message, the
 * stack and every string property: upstream errors often quote the request
 * that failed, headers included.
 */
export function serializeError(err: unknown): unknown {
  return scrubDeep(stdSerializers.err(err as Error), 4);
}

// Private: walks a serialized value a few levels deep; errors nest causes
// and GraphQL extensions, but never deeply.
function scrubDeep(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (depth === 0 || value === null || typeof value !== 'object') {
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, depth - 1));
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    record[key] = scrubDeep(record[key], depth - 1);
  }
  return record;
}

export interface LoggerOptions {
  /** Minimum level written. @default 'info' */
  level?: string | undefined;
  /**
   * Human-readable lines instead of JSON, through pino-pretty.
   * @default false
   */
  pretty?: boolean | undefined;
  /** Where lines go. @default standard output */
  destination?: NodeJS.WritableStream | undefined;
}

/** Creates the process logger with secrets redacted. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const config = {
    level: options.level ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { err: serializeError, error: serializeError },
  };
  if (options.pretty) {
    return pino({
      ...config,
      transport: { target: 'pino-pretty', options: { colorize: true } },
    });
  }
  return options.destination ? pino(config, options.destination) : pino(config);
}

/**
 * Whether logs should be human-readable by default: `LOG_PRETTY=true` or
 * `false` decides; unset, a terminal outside production gets pretty lines
 * and anything else (a container, a pipe to a collector) gets JSON.
 */
export function prettyByDefault(
  env: NodeJS.ProcessEnv,
  isTTY: boolean,
): boolean {
  if (env.LOG_PRETTY === 'true') return true;
  if (env.LOG_PRETTY === 'false') return false;
  return isTTY && env.NODE_ENV !== 'production';
}

// Private: the methods that write a line, one per pino level.
const LINE_METHODS = new Set([
  'trace',
  'debug',
  'info',
  'warn',
  'error',
  'fatal',
]);

function noop(): void {}

/**
 * A child of `parent` bound to `bindings` that is built only when it first
 * writes a line (or is asked about itself). pino serialises a child's
 * bindings when it is made, a few microseconds that every GraphQL
 * operation and every subscription would pay for a logger most of them
 * never use above the level set. `child()` of a child not yet built
 * merges bindings instead of building it, so a subscription's logger
 * costs nothing until it logs.
 */
export function createLazyChild(
  parent: Logger,
  bindings: Record<string, unknown>,
): Logger {
  let built: Logger | undefined;
  const build = () => (built ??= parent.child(bindings));
  const isLevelEnabled = (level: string) => parent.isLevelEnabled(level);
  return new Proxy(parent, {
    get(_target, property) {
      if (built === undefined && typeof property === 'string') {
        if (LINE_METHODS.has(property) && !parent.isLevelEnabled(property)) {
          return noop;
        }
        if (property === 'child') {
          return (more: Record<string, unknown>, options?: unknown) =>
            options === undefined
              ? createLazyChild(parent, { ...bindings, ...more })
              : build().child(more, options as never);
        }
        if (property === 'isLevelEnabled' || property === 'level') {
          return property === 'level' ? parent.level : isLevelEnabled;
        }
      }
      const logger = build();
      const value: unknown = Reflect.get(logger, property, logger);
      return typeof value === 'function' ? value.bind(logger) : value;
    },
    set(_target, property, value) {
      return Reflect.set(build(), property, value);
    },
  });
}

/** A logger that writes nothing, for library use without a logger. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
