/**
 * Reads a request body into a string, refusing bodies over a byte limit
 * before they are buffered whole. Internal to `src/server/`.
 */
import type { IncomingMessage } from 'node:http';

/** The body was larger than allowed; the server answers 413. */
export class PayloadTooLargeError extends Error {
  readonly limit: number;

  constructor(limit: number, received: string) {
    super(
      `Request body too large: expected at most ${limit} bytes, but got ` +
        `${received}.`,
    );
    this.name = 'PayloadTooLargeError';
    this.limit = limit;
  }
}

/**
 * Resolves the body as UTF-8. A `Content-Length` over `limit` fails before
 * anything is read; a body that only turns out too large while streaming
 * fails as soon as it crosses the limit, and the rest is not buffered.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    req.resume();
    return Promise.reject(new PayloadTooLargeError(limit, `${declared} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume();
        reject(new PayloadTooLargeError(limit, `more than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      if (size <= limit) resolve(Buffer.concat(chunks, size).toString('utf8'));
    });
    req.once('error', reject);
  });
}
