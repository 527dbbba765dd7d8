import { describe, expect, it } from 'vitest';

import {
  ConfigError,
  GRAPH_BETA_URL,
  loadConfig,
} from '../../src/server/config.js';

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

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
      logLevel: 'info',
      logPretty: false,
      graphiql: true,
      nodeEnv: 'development',
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
      }).auth,
    ).toMatchObject({ authorityHost: 'https://login.microsoftonline.us' });
    expect(loadConfig({ GRAPH_ACCESS_TOKEN: 'x' }).auth).toEqual({
      mode: 'static',
      token: 'x',
    });
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
    [
      { GRAPH_BASE_URL: 'graph.microsoft.com', GRAPH_ACCESS_TOKEN: 't' },
      'GRAPH_BASE_URL: expected an http(s) URL such as https://graph.microsoft.com/beta, but got "graph.microsoft.com".',
    ],
    [
      { GRAPH_AUTH: 'oauth' },
      'GRAPH_AUTH: expected "passthrough" or nothing, but got "oauth".',
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
      { GRAPH_AUTHORITY_HOST: 'https://login.example' },
      'GRAPH_AUTHORITY_HOST: expected it only together with the GRAPH_CLIENT_* credentials, but got "https://login.example".',
    ],
    [
      {
        GRAPH_TENANT_ID: 't',
        GRAPH_CLIENT_ID: 'c',
        GRAPH_CLIENT_SECRET: 's',
        GRAPH_AUTHORITY_HOST: 'http://login.example',
      },
      'GRAPH_AUTHORITY_HOST: expected an https origin such as https://login.microsoftonline.com, but got "http://login.example".',
    ],
  ])('refuses %o in one line', (env, message) => {
    const text = configError(env as Record<string, string>);
    expect(text).toBe(message);
    expect(text).not.toContain('\n');
  });
});
