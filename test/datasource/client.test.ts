import { describe, expect, it } from 'vitest';

import {
  createClientCredentialsTokenProvider,
  createStaticTokenProvider,
} from '../../src/datasource/credentials.js';
import { GraphClient } from '../../src/datasource/GraphClient.js';
import { GraphTransportError } from '../../src/datasource/graphHttp.js';
import {
  RetryPolicy,
  parseRetryAfter,
} from '../../src/datasource/RetryPolicy.js';
import { startSimulator } from '../../src/simulator/index.js';

describe('RetryPolicy: decisions', () => {
  const policy = new RetryPolicy({
    maxAttempts: 3,
    retryBudgetMs: 5_000,
    retryBaseDelayMs: 200,
    random: () => 0.5,
  });
  const status = (code: number, retryAfterMs?: number) => ({
    kind: 'status' as const,
    status: code,
    retryAfterMs,
  });

  it('retries transient statuses and transport failures of idempotent calls', () => {
    expect(policy.decide('idempotent', status(503), 1, 0)).toEqual({
      retry: true,
      delayMs: 150,
    });
    expect(policy.decide('idempotent', status(504), 2, 0)).toEqual({
      retry: true,
      delayMs: 300,
    });
    expect(policy.decide('idempotent', { kind: 'transport' }, 1, 0)).toEqual({
      retry: true,
      delayMs: 150,
    });
  });

  it('retries only a 429 of a call that must not be repeated', () => {
    for (const failure of [
      status(503),
      status(504),
      { kind: 'transport' as const },
    ]) {
      expect(policy.decide('throttleOnly', failure, 1, 0)).toEqual({
        retry: false,
        reason: 'notRetryable',
      });
    }
    expect(policy.decide('throttleOnly', status(429, 1_000), 1, 0)).toEqual({
      retry: true,
      delayMs: 1_000,
    });
  });

  it('never retries 4xx answers other than 429, nor a 500', () => {
    for (const code of [400, 401, 403, 404, 409, 412, 500]) {
      expect(policy.decide('idempotent', status(code), 1, 0).retry).toBe(false);
    }
  });

  it('stops at the attempt limit and at the time budget', () => {
    expect(policy.decide('idempotent', status(503), 3, 0)).toEqual({
      retry: false,
      reason: 'attempts',
    });
    expect(policy.decide('idempotent', status(429, 4_000), 1, 1_500)).toEqual({
      retry: false,
      reason: 'budget',
    });
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('10')).toBe(10_000);
    expect(parseRetryAfter(' 0 ')).toBe(0);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe('GraphClient: misuse', () => {
  it('rejects a base URL that is not http(s)', () => {
    expect(
      () => new GraphClient({ baseUrl: 'graph.microsoft.com/beta' }),
    ).toThrow(
      'GraphClient option "baseUrl" must be an http(s) URL without query or ' +
        'fragment, e.g. "https://graph.microsoft.com/beta", but got ' +
        '"graph.microsoft.com/beta".',
    );
  });

  it('rejects a non-integer option, naming it', () => {
    expect(
      () =>
        new GraphClient({ baseUrl: 'http://127.0.0.1:1/beta', maxAttempts: 0 }),
    ).toThrow(
      'GraphClient option "maxAttempts" must be an integer of at least 1, ' +
        'but got 0.',
    );
  });

  it('refuses batches Graph would refuse', async () => {
    const client = new GraphClient({ baseUrl: 'http://127.0.0.1:1/beta' });
    const item = (id: string) => ({ id, method: 'GET' as const, url: '/x' });
    await expect(
      client.batch(
        Array.from({ length: 21 }, (_, i) => item(String(i))),
        'token',
      ),
    ).rejects.toThrow(
      'GraphClient.batch() takes 1 to 20 requests, but got 21.',
    );
    await expect(client.batch([item('a'), item('A')], 'token')).rejects.toThrow(
      'GraphClient.batch() needs unique item ids (Graph compares them ' +
        'case-insensitively), but got duplicates.',
    );
    await client.close();
  });
});

describe('GraphClient: links and lifecycle', () => {
  const client = new GraphClient({
    baseUrl: 'https://graph.microsoft.com/beta/',
  });

  it('resolves links only under its own origin and base path', () => {
    expect(client.baseUrl).toBe('https://graph.microsoft.com/beta');
    expect(
      client.relativePath(
        'https://graph.microsoft.com/beta/deviceManagement/x?$skiptoken=1',
      ),
    ).toBe('/deviceManagement/x?$skiptoken=1');
    for (const link of [
      'http://graph.microsoft.com/beta/x',
      'https://graph.microsoft.com:8443/beta/x',
      'https://graph.microsoft.com.attacker.example/beta/x',
      'https://user:pw@graph.microsoft.com/beta/x',
      'https://graph.microsoft.com/betamax/x',
      'https://graph.microsoft.com/v1.0/x',
      '/beta/x',
      'not a url',
    ]) {
      expect(client.relativePath(link), link).toBeUndefined();
    }
  });

  it('fails at once, without retrying, once closed', async () => {
    const sim = await startSimulator({ uploadMs: 150 });
    const closed = new GraphClient({ baseUrl: sim.baseUrl });
    await closed.close();
    await expect(
      closed.request({ method: 'GET', path: '/x', token: 't' }),
    ).rejects.toBeInstanceOf(GraphTransportError);
    expect(closed.stats).toEqual({ requests: 1, retries: 0 });
    expect(sim.requestCount()).toBe(0);
    await sim.close();
    await client.close();
  });
});

describe('Token providers', () => {
  it('returns a static token', async () => {
    await expect(createStaticTokenProvider('abc')()).resolves.toBe('abc');
    expect(() => createStaticTokenProvider('')).toThrow(
      'createStaticTokenProvider() needs a non-empty token string, but got ' +
        'an empty string.',
    );
  });

  it('checks client-credential options when created', () => {
    const options = {
      tenantId: 'contoso.onmicrosoft.com',
      clientId: '00000000-0000-0000-0000-000000000001',
      clientSecret: 'secret',
    };
    expect(() =>
      createClientCredentialsTokenProvider({ ...options, clientSecret: '' }),
    ).toThrow(
      'createClientCredentialsTokenProvider() option "clientSecret" must be ' +
        'a non-empty string.',
    );
    expect(() =>
      createClientCredentialsTokenProvider({
        ...options,
        authorityHost: 'http://127.0.0.1:8080',
      }),
    ).toThrow(
      'createClientCredentialsTokenProvider() option "authorityHost" must ' +
        'be an https URL, e.g. "https://login.microsoftonline.com", but got ' +
        '"http://127.0.0.1:8080".',
    );
    expect(typeof createClientCredentialsTokenProvider(options)).toBe(
      'function',
    );
  });
});
