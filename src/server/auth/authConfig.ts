/**
 * Who may call the gateway: the settings of caller-token validation, read
 * from the environment once at start.
 *
 * When the gateway calls Graph with its own identity (app-only: embedded
 * simulator, static token, client credentials), Graph no longer tells one
 * caller from another, so the gateway must check callers itself: it refuses
 * to start without these settings unless the operator sets
 * `AUTH_DISABLED=true` (see {@link parseAuthConfig}'s `required`).
 */
import { ConfigError } from '../config.js';

/** Caller tokens are not checked: every caller may read and write. */
export interface AuthDisabled {
  mode: 'disabled';
}

/** Caller tokens are JWTs from one issuer, checked on every operation. */
export interface AuthVerify {
  mode: 'verify';
  /** Expected `iss`, e.g. `https://login.microsoftonline.com/{tid}/v2.0`. */
  issuer: string;
  /**
   * Accepted `aud` values: the gateway's application id URI and/or its
   * client id (Entra v2 tokens carry the client id).
   */
  audiences: readonly string[];
  /** The issuer's JWKS document (https, or http on a loopback address). */
  jwksUrl: string;
  /** Accepted `tid` values: the tenant(s) whose people may call. */
  tenantIds: readonly string[];
  /**
   * App roles (`roles`) or delegated scopes (`scp`) that allow queries and
   * subscriptions. @default ['Images.Read', 'Images.ReadWrite']
   */
  readRoles: readonly string[];
  /** Roles or scopes that allow mutations. @default ['Images.ReadWrite'] */
  writeRoles: readonly string[];
  /** Leeway for `exp` and `nbf`, in seconds. @default 60 */
  clockToleranceSeconds: number;
}

/** How callers are authenticated. */
export type AuthConfig = AuthDisabled | AuthVerify;

export interface ParseAuthConfigOptions {
  /**
   * Whether the gateway may not run without checking callers. True in
   * app-only modes; then a missing setting fails start unless
   * `AUTH_DISABLED=true`. When false and nothing is set, auth is disabled.
   * @default true
   */
  required?: boolean | undefined;
}

const REQUIRED_SETTINGS = [
  'AUTH_ISSUER',
  'AUTH_AUDIENCE',
  'AUTH_JWKS_URL',
  'AUTH_TENANT_ID',
] as const;

/**
 * Reads `AUTH_ISSUER`, `AUTH_AUDIENCE` (comma-separated), `AUTH_JWKS_URL`,
 * `AUTH_TENANT_ID` (comma-separated), `AUTH_READ_ROLES`,
 * `AUTH_WRITE_ROLES` (comma-separated), `AUTH_CLOCK_TOLERANCE_SECONDS` and
 * `AUTH_DISABLED` (`true` turns checking off, and then no other `AUTH_*`
 * setting may be given, so a half-configured deployment cannot pass as
 * protected).
 * @throws ConfigError naming the first wrong or missing setting.
 */
export function parseAuthConfig(
  env: Readonly<Record<string, string | undefined>>,
  options: ParseAuthConfigOptions = {},
): AuthConfig {
  const read = (name: string) => env[name]?.trim() || undefined;
  const disabled = read('AUTH_DISABLED')?.toLowerCase();
  if (disabled !== undefined && disabled !== 'true' && disabled !== 'false') {
    throw new ConfigError('AUTH_DISABLED', 'true or false', quote(disabled));
  }
  const given = Object.keys(env).filter(
    (name) =>
      name.startsWith('AUTH_') && name !== 'AUTH_DISABLED' && read(name),
  );
  if (disabled === 'true') {
    if (given.length > 0) {
      throw new ConfigError(
        given[0] as string,
        'no other AUTH_* setting when AUTH_DISABLED=true',
        'both',
      );
    }
    return { mode: 'disabled' };
  }
  if (given.length === 0 && options.required === false) {
    return { mode: 'disabled' };
  }
  const missing = REQUIRED_SETTINGS.find((name) => !read(name));
  if (missing) {
    throw new ConfigError(
      missing,
      given.length === 0
        ? `caller-token settings (${REQUIRED_SETTINGS.join(', ')}), or AUTH_DISABLED=true to let every caller in, because the gateway calls Graph with its own identity`
        : `it set together with ${given.join(', ')}`,
      'nothing',
    );
  }
  return {
    mode: 'verify',
    issuer: read('AUTH_ISSUER') as string,
    audiences: list(env, 'AUTH_AUDIENCE') as string[],
    jwksUrl: jwksUrl(read('AUTH_JWKS_URL') as string),
    tenantIds: list(env, 'AUTH_TENANT_ID') as string[],
    readRoles: list(env, 'AUTH_READ_ROLES') ?? [
      'Images.Read',
      'Images.ReadWrite',
    ],
    writeRoles: list(env, 'AUTH_WRITE_ROLES') ?? ['Images.ReadWrite'],
    clockToleranceSeconds: seconds(read('AUTH_CLOCK_TOLERANCE_SECONDS')),
  };
}

function list(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
): string[] | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const items = raw.split(',').map((item) => item.trim());
  if (items.some((item) => item === '' || /\s/.test(item))) {
    throw new ConfigError(
      name,
      'a comma-separated list of names without spaces, e.g. Images.Read,Images.ReadWrite',
      quote(raw),
    );
  }
  return items;
}

function jwksUrl(raw: string): string {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  const loopback =
    url?.hostname === '127.0.0.1' ||
    url?.hostname === 'localhost' ||
    url?.hostname === '[::1]';
  if (
    !url ||
    !(url.protocol === 'https:' || (url.protocol === 'http:' && loopback))
  ) {
    throw new ConfigError(
      'AUTH_JWKS_URL',
      'an https URL such as https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys (http only on a loopback address)',
      quote(raw),
    );
  }
  return url.href;
}

function seconds(raw: string | undefined): number {
  if (raw === undefined) return 60;
  if (!/^\d{1,4}$/.test(raw)) {
    throw new ConfigError(
      'AUTH_CLOCK_TOLERANCE_SECONDS',
      'a whole number of seconds from 0 to 9999, such as 60',
      quote(raw),
    );
  }
  return Number(raw);
}

function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}
