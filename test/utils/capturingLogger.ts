/**
 * A real pino logger whose JSON lines a test reads back, for asserting what
 * was logged at which level.
 */
import { PassThrough } from 'node:stream';

import { createLogger, type Logger } from '../../src/logger.js';

/** One line as pino wrote it. */
export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A logger at `level` (default `info`) and the lines it has written. */
export function capturingLogger(level = 'info'): {
  logger: Logger;
  lines: LogLine[];
} {
  const stream = new PassThrough();
  const lines: LogLine[] = [];
  stream.on('data', (chunk: Buffer) => {
    for (const text of chunk.toString().split('\n')) {
      if (text) lines.push(JSON.parse(text) as LogLine);
    }
  });
  return { logger: createLogger({ level, destination: stream }), lines };
}
