import { describe, expect, it } from 'vitest';

import {
  ConfigError,
  GRAPH_BETA_URL,
  loadConfig,
} from '../../src/server/config.js';
import { DEFAULT_LIMITS } from '../../src/server/limits/index.js';

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

const CALLER_AUTH = {
  AUTH_ISSUER: 'https://login.microsoftonline.com/tid-1/v2.0',
  AUTH_AUDIENCE: 'api://gateway',
  AUTH_JWKS_URL: 'https://login.microsoftonline.com/tid-1/discovery/v2.0/keys',
  AUTH_TENANT_ID: 'tid-1',
};

describe('Server: configuration', () => {
  it('defaults to the embedded simulator on 127.0.0.1:4000', () => {
    expect(loadConfig({})).toEqual({
      port: 4000,
      host: '127.0.0.1',
      graphBaseUrl: undefined,
      auth: { mode: 'embedded' },
      simulatorUploadMs: undefined,
      pollIntervalMs: 5_000,
      graphTimeoutMs: 10_000,
      maxBodyBytes: 1_048_576,
      callerAuth: { mode: 'disabled' },
      limits: DEFAULT_LIMITS,
      allowedOrigins: [],
      maxSubscriptionsPerSocket: 100,
      connectionInitTimeoutMs: 3_000,
      logLevel: 'info',
      logPretty: false,
      graphiql: true,
      nodeEnv: 'development',
      metricsEnabled: true,
      metricsToken: undefined,
      shutdownDeadlineMs: 10_000,
    });
  });

  it('reads the metrics and shutdown settings', () => {
    const config = loadConfig({
      METRICS: 'false',
      METRICS_TOKEN: 'scrape-me',
      SHUTDOWN_DEADLINE_MS: '25000',
    });
    expect(config).toMatchObject({
      metricsEnabled: false,
      metricsToken: 'scrape-me',
      shutdownDeadlineMs: 25_000,
    });
  });

  it('turns GraphiQL off in production unless it is asked for', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).graphiql).toBe(false);
    expect(
      loadConfig({ NODE_ENV: 'production', GRAPHIQL: 'true' }).graphiql,
    ).toBe(true);
  });

  it('uses Graph beta when credentials are set without a URL', () => {
    const config = loadConfig({
      GRAPH_TENANT_ID: 't',
      GRAPH_CLIENT_ID: 'c',
      GRAPH_CLIENT_SECRET: 's',
      AUTH_DISABLED: 'true',
    });
    expect(config.graphBaseUrl).toBe(GRAPH_BETA_URL);
    expect(config.auth).toEqual({
      mode: 'client-credentials',
      tenantId: 't',
      clientId: 'c',
      clientSecret: 's',
    });
    expect(
      loadConfig({
        GRAPH_TENANT_ID: 't',
        GRAPH_CLIENT_ID: 'c',
        GRAPH_CLIENT_SECRET: 's',
        GRAPH_AUTHORITY_HOST: 'https://login.microsoftonline.us/',
        AUTH_DISABLED: 'true',
      }).auth,
    ).toMatchObject({ authorityHost: 'https://login.microsoftonline.us' });
    expect(
      loadConfig({ GRAPH_ACCESS_TOKEN: 'x', AUTH_DISABLED: 'true' }).auth,
    ).toEqual({
      mode: 'static',
      token: 'x',
    });
  });

  it('requires caller-token settings when Graph sees only the gateway', () => {
    const appOnly: Record<string, string>[] = [
      { GRAPH_ACCESS_TOKEN: 'x' },
      { GRAPH_TENANT_ID: 't', GRAPH_CLIENT_ID: 'c', GRAPH_CLIENT_SECRET: 's' },
    ];
    for (const env of appOnly) {
      expect(configError(env)).toMatch(
        /^AUTH_ISSUER: expected caller-token settings .* or AUTH_DISABLED=true/,
      );
      expect(loadConfig({ ...env, ...CALLER_AUTH }).callerAuth).toMatchObject({
        mode: 'verify',
        tenantIds: ['tid-1'],
      });
    }
    // The embedded simulator and pass-through need none.
    expect(loadConfig({}).callerAuth).toEqual({ mode: 'disabled' });
    expect(loadConfig({ GRAPH_AUTH: 'passthrough' }).callerAuth).toEqual({
      mode: 'disabled',
    });
  });

  it('reads the on-behalf-of mode, which needs verified callers', () => {
    const obo = {
      GRAPH_AUTH: 'on-behalf-of',
      GRAPH_TENANT_ID: 't',
      GRAPH_CLIENT_ID: 'c',
      GRAPH_CLIENT_SECRET: 's',
    };
    const config = loadConfig({ ...obo, ...CALLER_AUTH });
    expect(config.auth).toEqual({
      mode: 'on-behalf-of',
      tenantId: 't',
      clientId: 'c',
      clientSecret: 's',
    });
    expect(config.graphBaseUrl).toBe(GRAPH_BETA_URL);
    expect(configError({ ...obo, AUTH_DISABLED: 'true' })).toBe(
      'AUTH_DISABLED: expected caller-token settings with GRAPH_AUTH=on-behalf-of, whose exchange needs a verified caller token, but got AUTH_DISABLED=true.',
    );
    expect(configError({ GRAPH_AUTH: 'on-behalf-of', ...CALLER_AUTH })).toBe(
      'GRAPH_TENANT_ID: expected GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET with GRAPH_AUTH=on-behalf-of, but got nothing.',
    );
  });

  it('reads the transport limits and origins', () => {
    const config = loadConfig({
      MAX_BODY_BYTES: '2048',
      ALLOWED_ORIGINS: 'https://portal.example.com, http://localhost:3000',
      MAX_SUBSCRIPTIONS_PER_SOCKET: '5',
      WS_CONNECTION_INIT_TIMEOUT_MS: '100',
    });
    expect(config).toMatchObject({
      maxBodyBytes: 2048,
      allowedOrigins: ['https://portal.example.com', 'http://localhost:3000'],
      maxSubscriptionsPerSocket: 5,
      connectionInitTimeoutMs: 100,
    });
  });

  it('turns introspection and suggestions off in production', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).limits).toMatchObject({
      introspection: false,
      suggestions: false,
    });
    expect(
      loadConfig({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' })
        .limits.introspection,
    ).toBe(true);
  });

  it('keeps pass-through on the embedded simulator unless a URL is set', () => {
    expect(loadConfig({ GRAPH_AUTH: 'passthrough' })).toMatchObject({
      auth: { mode: 'passthrough' },
      graphBaseUrl: undefined,
    });
    expect(
      loadConfig({
        GRAPH_AUTH: 'passthrough',
        GRAPH_BASE_URL: 'https://graph.microsoft.com/beta/',
      }).graphBaseUrl,
    ).toBe('https://graph.microsoft.com/beta');
  });

  it.each([
    [
      { PORT: 'abc' },
      'PORT: expected a whole number from 0 to 65535, but got "abc".',
    ],
    [
      { PORT: '70000' },
      'PORT: expected a whole number from 0 to 65535, but got "70000".',
    ],
    [
      { POLL_INTERVAL_MS: '5s' },
      'POLL_INTERVAL_MS: expected a whole number from 10 to 3600000, but got "5s".',
    ],
    [
      { GRAPH_TIMEOUT_MS: '0' },
      'GRAPH_TIMEOUT_MS: expected a whole number from 1 to 600000, but got "0".',
    ],
    [
      { SIMULATOR_UPLOAD_MS: '-1' },
      'SIMULATOR_UPLOAD_MS: expected a whole number from 0 to 3600000, but got "-1".',
    ],
    [
      { LOG_LEVEL: 'loud' },
      'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, but got "loud".',
    ],
    [
      { LOG_PRETTY: 'maybe' },
      'LOG_PRETTY: expected true or false, but got "maybe".',
    ],
    [{ GRAPHIQL: 'on?' }, 'GRAPHIQL: expected true or false, but got "on?".'],
    [{ METRICS: 'off?' }, 'METRICS: expected true or false, but got "off?".'],
    [
      { SHUTDOWN_DEADLINE_MS: '0' },
      'SHUTDOWN_DEADLINE_MS: expected a whole number from 1 to 600000, but got "0".',
    ],
    [
      { GRAPH_BASE_URL: 'graph.microsoft.com', GRAPH_ACCESS_TOKEN: 't' },
      'GRAPH_BASE_URL: expected an http(s) URL such as https://graph.microsoft.com/beta, but got "graph.microsoft.com".',
    ],
    [
      { GRAPH_AUTH: 'oauth' },
      'GRAPH_AUTH: expected "passthrough", "on-behalf-of" or nothing, but got "oauth".',
    ],
    [
      { GRAPH_TENANT_ID: 't', GRAPH_CLIENT_ID: 'c' },
      'GRAPH_CLIENT_SECRET: expected GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET all set together, but got only GRAPH_TENANT_ID and GRAPH_CLIENT_ID.',
    ],
    [
      { GRAPH_AUTH: 'passthrough', GRAPH_ACCESS_TOKEN: 't' },
      'GRAPH_AUTH: expected no GRAPH_ACCESS_TOKEN or GRAPH_CLIENT_* settings with "passthrough", but got "passthrough" together with GRAPH_ACCESS_TOKEN.',
    ],
    [
      {
        GRAPH_ACCESS_TOKEN: 't',
        GRAPH_TENANT_ID: 't',
        GRAPH_CLIENT_ID: 'c',
        GRAPH_CLIENT_SECRET: 's',
      },
      'GRAPH_ACCESS_TOKEN: expected either GRAPH_ACCESS_TOKEN or the GRAPH_CLIENT_* credentials, but got both.',
    ],
    [
      { GRAPH_BASE_URL: 'http://127.0.0.1:5000/beta' },
      'GRAPH_BASE_URL: expected credentials with it (GRAPH_ACCESS_TOKEN, the GRAPH_CLIENT_* settings or GRAPH_AUTH=passthrough), but got a URL and no credentials.',
    ],
    [
      { ALLOWED_ORIGINS: 'https://portal.example.com/app' },
      'ALLOWED_ORIGINS: expected comma-separated origins such as https://portal.example.com,http://localhost:3000 (scheme, host and port; no path), but got "https://portal.example.com/app".',
    ],
    [
      { MAX_BODY_BYTES: '0' },
      'MAX_BODY_BYTES: expected a whole number from 1 to 1073741824, but got "0".',
    ],
    [
      { GRAPH_AUTHORITY_HOST: 'https://login.example' },
      'GRAPH_AUTHORITY_HOST: expected it only together with the GRAPH_CLIENT_* credentials, but got "https://login.example".',
    ],
    [
      {
        GRAPH_TENANT_ID: 't',
        GRAPH_CLIENT_ID: 'c',
        GRAPH_CLIENT_SECRET: 's',
        GRAPH_AUTHORITY_HOST: 'http://login.example',
        AUTH_DISABLED: 'true',
      },
      'GRAPH_AUTHORITY_HOST: expected an https origin such as https://login.microsoftonline.com, but got "http://login.example".',
    ],
  ])('refuses %o in one line', (env, message) => {
    const text = configError(env as Record<string, string>);
    expect(text).toBe(message);
    expect(text).not.toContain('\n');
  });
});

describe('Server: configuration of shared polling', () => {
  it('reads REDIS_URL and leaves it unset by default', () => {
    expect(loadConfig({ ...CALLER_AUTH }).redisUrl).toBeUndefined();
    expect(
      loadConfig({ ...CALLER_AUTH, REDIS_URL: 'rediss://cache:6380/2' })
        .redisUrl,
    ).toBe('rediss://cache:6380/2');
  });

  it('refuses a REDIS_URL of another protocol without echoing it', () => {
    const text = configError({
      ...CALLER_AUTH,
      REDIS_URL: 'http://user:secret@cache:6379',
    });
    expect(text).toBe(
      'REDIS_URL: expected a redis:// or rediss:// URL such as ' +
        'redis://127.0.0.1:6379, but got a URL with protocol "http:".',
    );
    expect(text).not.toContain('secret');
    expect(configError({ ...CALLER_AUTH, REDIS_URL: 'cache:6379' })).toMatch(
      /^REDIS_URL: expected .*, but got /,
    );
  });
});
