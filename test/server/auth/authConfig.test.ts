import { describe, expect, it } from 'vitest';

import { ConfigError } from '../../../src/server/config.js';
import { parseAuthConfig } from '../../../src/server/auth/index.js';

const full = {
  AUTH_ISSUER: 'https://login.microsoftonline.com/t1/v2.0',
  AUTH_AUDIENCE: 'api://gateway,00000000-0000-4000-8000-000000000001',
  AUTH_JWKS_URL: 'https://login.microsoftonline.com/t1/discovery/v2.0/keys',
  AUTH_TENANT_ID: 't1',
};

describe('Auth: settings', () => {
  it('reads every setting, with the default roles and leeway', () => {
    expect(parseAuthConfig(full)).toEqual({
      mode: 'verify',
      issuer: full.AUTH_ISSUER,
      audiences: ['api://gateway', '00000000-0000-4000-8000-000000000001'],
      jwksUrl: full.AUTH_JWKS_URL,
      tenantIds: ['t1'],
      readRoles: ['Images.Read', 'Images.ReadWrite'],
      writeRoles: ['Images.ReadWrite'],
      clockToleranceSeconds: 60,
    });
  });

  it('reads custom roles and leeway', () => {
    expect(
      parseAuthConfig({
        ...full,
        AUTH_READ_ROLES: 'A.Read',
        AUTH_WRITE_ROLES: 'A.Write,Admin',
        AUTH_CLOCK_TOLERANCE_SECONDS: '5',
      }),
    ).toMatchObject({
      readRoles: ['A.Read'],
      writeRoles: ['A.Write', 'Admin'],
      clockToleranceSeconds: 5,
    });
  });

  it('refuses to start unprotected when auth is required and nothing is set', () => {
    expect(() => parseAuthConfig({})).toThrow(ConfigError);
    expect(() => parseAuthConfig({})).toThrow(
      'AUTH_ISSUER: expected caller-token settings (AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL, AUTH_TENANT_ID), or AUTH_DISABLED=true to let every caller in, because the gateway calls Graph with its own identity, but got nothing.',
    );
  });

  it('starts unprotected only when the operator says so', () => {
    expect(parseAuthConfig({ AUTH_DISABLED: 'true' })).toEqual({
      mode: 'disabled',
    });
  });

  it('disables checking when it is not required and nothing is set', () => {
    expect(parseAuthConfig({}, { required: false })).toEqual({
      mode: 'disabled',
    });
  });

  it('refuses AUTH_DISABLED=true together with other auth settings', () => {
    expect(() =>
      parseAuthConfig({ AUTH_DISABLED: 'true', AUTH_ISSUER: 'x' }),
    ).toThrow(
      'AUTH_ISSUER: expected no other AUTH_* setting when AUTH_DISABLED=true, but got both.',
    );
  });

  it('names the first missing setting of a partial configuration', () => {
    const { AUTH_JWKS_URL: _omitted, ...partial } = full;
    expect(() => parseAuthConfig(partial, { required: false })).toThrow(
      'AUTH_JWKS_URL: expected it set together with AUTH_ISSUER, AUTH_AUDIENCE, AUTH_TENANT_ID, but got nothing.',
    );
  });

  it('refuses a plain-http key set away from loopback', () => {
    expect(() =>
      parseAuthConfig({ ...full, AUTH_JWKS_URL: 'http://keys.example.test/k' }),
    ).toThrow(/^AUTH_JWKS_URL: expected an https URL/);
    expect(
      parseAuthConfig({ ...full, AUTH_JWKS_URL: 'http://127.0.0.1:8080/k' }),
    ).toMatchObject({ jwksUrl: 'http://127.0.0.1:8080/k' });
  });

  it('refuses a malformed role list and AUTH_DISABLED value', () => {
    expect(() =>
      parseAuthConfig({ ...full, AUTH_READ_ROLES: 'A, ,B' }),
    ).toThrow(/^AUTH_READ_ROLES: expected a comma-separated list/);
    expect(() => parseAuthConfig({ AUTH_DISABLED: 'yes' })).toThrow(
      'AUTH_DISABLED: expected true or false, but got "yes".',
    );
  });
});
