import { PassThrough } from 'node:stream';

import { describe, expect, it } from 'vitest';

import {
  createLazyChild,
  createLogger,
  prettyByDefault,
  scrubSecrets,
  type Logger,
} from '../src/logger.js';

const CANARY = 'canary-7f3e9a';
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

function capture(level?: string) {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return {
    logger: createLogger({ destination: stream, level }),
    read: () => text,
  };
}

/** Counts the children `logger` builds. */
function countChildren(logger: Logger): { built: () => number } {
  let built = 0;
  const child = logger.child.bind(logger);
  logger.child = ((...args: Parameters<Logger['child']>) => {
    built += 1;
    return child(...args);
  }) as Logger['child'];
  return { built: () => built };
}

function linesOf(text: string): Record<string, unknown>[] {
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('Logger: redaction', () => {
  it('blanks authorization headers at the paths the gateway logs', () => {
    const { logger, read } = capture();
    logger.info({ headers: { authorization: `Bearer ${CANARY}` } }, 'a');
    logger.info({ req: { headers: { Authorization: CANARY } } }, 'b');
    logger.info({ request: { headers: { cookie: CANARY } } }, 'c');
    expect(read()).not.toContain(CANARY);
    expect(read().match(/\[redacted\]/g)).toHaveLength(3);
  });

  it('blanks graphql-ws connection parameters whatever their shape', () => {
    const { logger, read } = capture();
    logger.info({ connectionParams: { apiKey: CANARY } }, 'a');
    logger.info({ ctx: { connectionParams: { Authorization: CANARY } } }, 'b');
    expect(read()).not.toContain(CANARY);
  });

  it('scrubs credentials from error messages, stacks and properties', () => {
    const { logger, read } = capture();
    const cause = new Error(`token endpoint said client_secret=${CANARY}`);
    const err = Object.assign(
      new Error(`GET /x with Authorization: Bearer ${CANARY} failed`, {
        cause,
      }),
      { request: `Authorization: Bearer ${JWT}` },
    );
    logger.error({ err }, 'failed');
    logger.error({ error: new Error(`got ${JWT}`) }, 'failed');
    const text = read();
    expect(text).not.toContain(CANARY);
    expect(text).not.toContain(JWT);
    expect(text).toContain('Bearer [redacted]');
    expect(text).toContain('client_secret=[redacted]');
  });
});

describe('Logger: helpers', () => {
  it('replaces bearer tokens, JWTs and form secrets in text', () => {
    expect(scrubSecrets(`Bearer ${CANARY}, id ${JWT}`)).toBe(
      'Bearer [redacted], id [redacted]',
    );
    expect(scrubSecrets(`grant=x&access_token=${CANARY}&y=1`)).toBe(
      'grant=x&access_token=[redacted]&y=1',
    );
    expect(scrubSecrets('plain text')).toBe('plain text');
  });

  it('pretty-prints by default only on a terminal outside production', () => {
    expect(prettyByDefault({}, true)).toBe(true);
    expect(prettyByDefault({}, false)).toBe(false);
    expect(prettyByDefault({ NODE_ENV: 'production' }, true)).toBe(false);
    expect(prettyByDefault({ LOG_PRETTY: 'true' }, false)).toBe(true);
    expect(prettyByDefault({ LOG_PRETTY: 'false' }, true)).toBe(false);
  });
});

describe('Logger: lazy children', () => {
  it('builds no child for lines below the level', () => {
    const { logger, read } = capture('info');
    const children = countChildren(logger);
    const lazy = createLazyChild(logger, { requestId: 'r1' });
    lazy.debug({ detail: 1 }, 'not written');
    expect(lazy.isLevelEnabled('debug')).toBe(false);
    expect(lazy.level).toBe('info');
    expect(children.built()).toBe(0);
    expect(read()).toBe('');
  });

  it('writes its bindings once it logs, building the child once', () => {
    const { logger, read } = capture('info');
    const children = countChildren(logger);
    const lazy = createLazyChild(logger, { requestId: 'r1' });
    lazy.info('first');
    lazy.warn({ n: 2 }, 'second');
    expect(children.built()).toBe(1);
    expect(linesOf(read())).toMatchObject([
      { requestId: 'r1', msg: 'first', level: 30 },
      { requestId: 'r1', n: 2, msg: 'second', level: 40 },
    ]);
  });

  it('merges the bindings of its own children without building them', () => {
    const { logger, read } = capture('info');
    const children = countChildren(logger);
    const lazy = createLazyChild(logger, { requestId: 'r1' });
    const grandchild = lazy.child({ operationId: 'o1' });
    grandchild.debug('not written');
    expect(children.built()).toBe(0);
    grandchild.error('written');
    expect(children.built()).toBe(1);
    expect(linesOf(read())).toMatchObject([
      { requestId: 'r1', operationId: 'o1', msg: 'written' },
    ]);
  });

  it('redacts what it binds, as any child does', () => {
    const { logger, read } = capture('info');
    createLazyChild(logger, { authorization: `Bearer ${CANARY}` }).info('x');
    expect(read()).not.toContain(CANARY);
  });
});
