/**
 * The one pino logger of a process. Modules receive it (or a child of it)
 * through their options and never reach for `console`.
 */
import { pino, type Logger } from 'pino';

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
];

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
  };
  if (options.pretty) {
    return pino({
      ...config,
      transport: { target: 'pino-pretty', options: { colorize: true } },
    });
  }
  return options.destination
    ? pino(config, options.destination)
    : pino(config);
}

/** A logger that writes nothing, for library use without a logger. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
