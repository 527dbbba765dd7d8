import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openRawSocket } from '../utils/rawSocket.js';
import { startTestStack, type TestStack } from '../utils/servers.js';

const ALLOWED = 'https://portal.example.com';
const FOREIGN = 'https://evil.example';
const QUERY = JSON.stringify({ query: '{ deviceImages { totalCount } }' });

describe('Server: browser origins', () => {
  let stack: TestStack;
  let own: string;

  beforeAll(async () => {
    stack = await startTestStack({ gateway: { allowedOrigins: [ALLOWED] } });
    own = new URL(stack.url).origin;
  });
  afterAll(() => stack.close());

  const post = (origin: string | undefined) =>
    request(stack.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(origin ? { origin } : {}),
      },
      body: QUERY,
    });
  const preflight = (origin: string) =>
    request(stack.url, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, authorization',
      },
    });

  it('answers a preflight from a listed origin with the CORS headers', async () => {
    const response = await preflight(ALLOWED);
    await response.body.dump();
    expect(response.statusCode).toBe(204);
    expect(response.headers).toMatchObject({
      'access-control-allow-origin': ALLOWED,
      'access-control-allow-methods': 'GET, POST',
      vary: 'Origin',
    });
    expect(response.headers['access-control-allow-headers']).toContain(
      'authorization',
    );
  });

  it('refuses a preflight from a foreign origin with 403 and no CORS headers', async () => {
    const response = await preflight(FOREIGN);
    const body = (await response.body.json()) as {
      errors: { message: string }[];
    };
    expect(response.statusCode).toBe(403);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    expect(body.errors[0]?.message).toBe(
      `Requests from the origin "${FOREIGN}" are not allowed: expected the gateway's own origin or one of ${ALLOWED} (ALLOWED_ORIGINS).`,
    );
  });

  it('refuses a request from a foreign origin before any upstream call', async () => {
    stack.simulator.resetRequests();
    for (const origin of [FOREIGN, 'null', `${own}.evil.example`]) {
      const response = await post(origin);
      const body = (await response.body.json()) as {
        errors: { extensions: { code: string } }[];
      };
      expect(response.statusCode).toBe(403);
      expect(body.errors[0]?.extensions.code).toBe('FORBIDDEN');
    }
    expect(stack.simulator.requestCount()).toBe(0);
  });

  it('answers a listed origin with Access-Control-Allow-Origin', async () => {
    const response = await post(ALLOWED);
    await response.body.dump();
    expect(response.statusCode).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe(ALLOWED);
  });

  it('answers its own origin and clients without an Origin, without CORS headers', async () => {
    for (const origin of [own, undefined]) {
      const response = await post(origin);
      await response.body.dump();
      expect(response.statusCode).toBe(200);
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('refuses a WebSocket handshake from a foreign origin with 403', async () => {
    const raw = openRawSocket(stack.wsUrl, { origin: FOREIGN });
    await expect(raw.opened).rejects.toThrow('handshake answered 403');
  });

  it('accepts WebSocket handshakes from its own and listed origins', async () => {
    for (const origin of [own, ALLOWED]) {
      const raw = openRawSocket(stack.wsUrl, { origin });
      await raw.opened;
      raw.send({ type: 'connection_init' });
      await raw.next((message) => message.type === 'connection_ack');
      raw.socket.close();
      await raw.closed;
    }
  });
});

describe('Server: request limits', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ gateway: { maxBodyBytes: 2_048 } });
  });
  afterAll(() => stack.close());

  it('refuses a body over MAX_BODY_BYTES with 413 before any upstream call', async () => {
    stack.simulator.resetRequests();
    const response = await request(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `{ deviceImages { totalCount } } # ${'x'.repeat(2_100)}`,
      }),
    });
    const body = (await response.body.json()) as {
      errors: { message: string; extensions: { code: string } }[];
    };
    expect(response.statusCode).toBe(413);
    expect(body.errors[0]?.extensions.code).toBe('PAYLOAD_TOO_LARGE');
    expect(body.errors[0]?.message).toMatch(/expected at most 2048 bytes/);
    expect(stack.simulator.requestCount()).toBe(0);
  });

  it('refuses batched operations', async () => {
    stack.simulator.resetRequests();
    const response = await request(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { query: '{ deviceImages { totalCount } }' },
        { query: '{ deviceImages { totalCount } }' },
      ]),
    });
    const text = await response.body.text();
    expect(response.statusCode).toBe(400);
    expect(text).toContain('Operation batching disabled.');
    expect(stack.simulator.requestCount()).toBe(0);
  });
});
