import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { createLogger } from '../../src/logger.js';
import {
  installShutdownHandlers,
  type SignalTarget,
} from '../../src/server/shutdown.js';

interface Line {
  level: number;
  msg: string;
  signal?: string;
}

/** A stand-in for `process`: signals are emitted, exits recorded. */
function harness() {
  const emitter = new EventEmitter();
  const exits: number[] = [];
  let exited!: (code: number) => void;
  const exitedOnce = new Promise<number>((resolve) => (exited = resolve));
  const target: SignalTarget = {
    on: (signal, listener) => emitter.on(signal, listener),
    removeListener: (signal, listener) =>
      emitter.removeListener(signal, listener),
    exit: (code) => {
      exits.push(code);
      exited(code);
    },
  };
  const stream = new PassThrough();
  const lines: Line[] = [];
  stream.on('data', (chunk: Buffer) => {
    for (const text of chunk.toString().split('\n').filter(Boolean)) {
      lines.push(JSON.parse(text) as Line);
    }
  });
  const logger = createLogger({ destination: stream });
  return { emitter, exits, exitedOnce, target, lines, logger };
}

describe('Shutdown: signals', () => {
  it('closes the gateway once and exits 0 on SIGTERM', async () => {
    const h = harness();
    let closes = 0;
    const shutdown = installShutdownHandlers(
      {
        close: async () => {
          closes += 1;
        },
      },
      { logger: h.logger, target: h.target },
    );
    expect(shutdown.state()).toEqual({ phase: 'running' });
    h.emitter.emit('SIGTERM', 'SIGTERM');
    expect(shutdown.state()).toMatchObject({
      phase: 'draining',
      signal: 'SIGTERM',
    });
    expect(await h.exitedOnce).toBe(0);
    expect(closes).toBe(1);
    expect(shutdown.state()).toEqual({ phase: 'exiting', code: 0 });
    expect(h.lines.map((l) => l.msg)).toEqual([
      'shutting down',
      'shutdown complete',
    ]);
    expect(h.emitter.listenerCount('SIGTERM')).toBe(0);
    expect(h.emitter.listenerCount('SIGINT')).toBe(0);
  });

  it('exits 1 with a log line when the deadline passes', async () => {
    const h = harness();
    installShutdownHandlers(
      { close: () => new Promise(() => {}) },
      { logger: h.logger, target: h.target, deadlineMs: 50 },
    );
    h.emitter.emit('SIGINT', 'SIGINT');
    expect(await h.exitedOnce).toBe(1);
    expect(h.lines.at(-1)).toMatchObject({
      level: 50,
      msg: 'shutdown deadline passed with work still open; exiting',
      signal: 'SIGINT',
    });
  });

  it('exits 1 when closing fails', async () => {
    const h = harness();
    installShutdownHandlers(
      { close: () => Promise.reject(new Error('pool would not close')) },
      { logger: h.logger, target: h.target },
    );
    h.emitter.emit('SIGTERM', 'SIGTERM');
    expect(await h.exitedOnce).toBe(1);
    expect(h.lines.at(-1)).toMatchObject({ level: 50, msg: 'shutdown failed' });
  });

  it('exits 1 at once on a second signal during the drain', async () => {
    const h = harness();
    installShutdownHandlers(
      { close: () => new Promise(() => {}) },
      { logger: h.logger, target: h.target, deadlineMs: 60_000 },
    );
    h.emitter.emit('SIGTERM', 'SIGTERM');
    h.emitter.emit('SIGINT', 'SIGINT');
    expect(await h.exitedOnce).toBe(1);
    expect(h.exits).toEqual([1]);
    expect(h.lines.at(-1)?.msg).toBe(
      'second signal during shutdown; exiting now',
    );
  });

  it('stops listening after uninstall', () => {
    const h = harness();
    const shutdown = installShutdownHandlers(
      { close: async () => {} },
      { logger: h.logger, target: h.target },
    );
    shutdown.uninstall();
    h.emitter.emit('SIGTERM', 'SIGTERM');
    expect(shutdown.state()).toEqual({ phase: 'running' });
  });

  it('rejects a deadline that is not a positive number', () => {
    const h = harness();
    expect(() =>
      installShutdownHandlers(
        { close: async () => {} },
        { logger: h.logger, target: h.target, deadlineMs: 0 },
      ),
    ).toThrow(
      'installShutdownHandlers(): `deadlineMs` must be a positive number of ' +
        'milliseconds, but got 0',
    );
  });
});
