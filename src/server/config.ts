/**
 * The gateway's configuration: one `GatewayConfig`, read from the
 * environment and checked once at start. Every default lives in
 * {@link loadConfig}; a bad value stops the start with a `ConfigError`
 * whose one-line message names the setting, what was expected and what
 * arrived.
 */
import { prettyByDefault } from '../logger.js';
import { parseAuthConfig, type AuthConfig } from './auth/authConfig.js';
import { parseLimitsConfig, type LimitsConfig } from './limits/limitsConfig.js';

/** The public Graph endpoint used when credentials are configured. */
export const GRAPH_BETA_URL = 'https://graph.microsoft.com/beta';

/** How the gateway authenticates to Graph. */
export type GraphAuth =
  /** The embedded simulator, with a fixed token it accepts. */
  | { mode: 'embedded' }
  /** A fixed bearer token (`GRAPH_ACCESS_TOKEN`). */
  | { mode: 'static'; token: string }
  /** App-only tokens for `GRAPH_TENANT_ID`/`CLIENT_ID`/`CLIENT_SECRET`. */
  | {
      mode: 'client-credentials';
      tenantId: string;
      clientId: string;
      clientSecret: string;
      /**
       * The identity platform's host (`GRAPH_AUTHORITY_HOST`). A host set
       * here is trusted as given: instance discovery, which only knows
       * Microsoft's hosts, is skipped.
       * @default 'https://login.microsoftonline.com'
       */
      authorityHost?: string | undefined;
    }
  /** Each caller's own `Authorization: Bearer` token is forwarded. */
  | { mode: 'passthrough' }
  /**
   * `GRAPH_AUTH=on-behalf-of`: each verified caller's token is exchanged
   * for a Graph token of the same person (OAuth 2.0 on-behalf-of), so Graph
   * applies that person's permissions. Needs `callerAuth.mode: 'verify'`.
   */
  | {
      mode: 'on-behalf-of';
      tenantId: string;
      clientId: string;
      clientSecret: string;
      /** As for client credentials. @default 'https://login.microsoftonline.com' */
      authorityHost?: string | undefined;
      /**
       * A PEM CA to trust for the authority (not read from the
       * environment; `NODE_EXTRA_CA_CERTS` serves a process).
       * @default undefined // the public CAs
       */
      authorityCa?: string | undefined;
    };

export interface GatewayConfig {
  /** TCP port of the HTTP and WebSocket server; 0 picks a free one. @default 4000 */
  port: number;
  /** Interface to bind. @default '127.0.0.1' */
  host: string;
  /**
   * Graph's base URL, up to and including the version segment. Undefined
   * starts the embedded simulator and sends Graph calls there.
   * @default undefined // embedded simulator; `GRAPH_BETA_URL` with credentials
   */
  graphBaseUrl: string | undefined;
  /** How Graph calls are authenticated. @default { mode: 'embedded' } */
  auth: GraphAuth;
  /**
   * How long an embedded simulator's upload stays pending, in milliseconds.
   * @default undefined // the simulator's own default (20 seconds)
   */
  simulatorUploadMs: number | undefined;
  /** Milliseconds between polls of Graph for subscriptions. @default 5_000 // 5 seconds */
  pollIntervalMs: number;
  /**
   * Redis (`REDIS_URL`, `redis://` or `rediss://`) through which several
   * gateway instances share one poller per scope and one event stream.
   * Ignored in pass-through mode, whose tokens never leave the instance.
   * @default undefined // every instance polls and streams on its own
   */
  redisUrl: string | undefined;
  /**
   * Milliseconds one attempt of a Graph call may take before it is
   * abandoned (and possibly retried).
   * @default 10_000 // 10 seconds
   */
  graphTimeoutMs: number;
  /**
   * Largest request body accepted, in bytes (413 above), and largest
   * WebSocket message (closed with 1009 above). `MAX_BODY_BYTES`.
   * @default 1_048_576 // 1 MiB
   */
  maxBodyBytes: number;
  /** Who may call the gateway (`AUTH_*`, see `auth/README.md`). */
  callerAuth: AuthConfig;
  /** Hostile-input limits (`MAX_DEPTH` …, see `limits/README.md`). */
  limits: LimitsConfig;
  /**
   * Browser origins, besides the gateway's own, that may call it (CORS and
   * the WebSocket handshake); `ALLOWED_ORIGINS`, comma-separated.
   * @default [] // same-origin only
   */
  allowedOrigins: readonly string[];
  /**
   * Operations one WebSocket may run at once; the next `subscribe` gets an
   * error message. `MAX_SUBSCRIPTIONS_PER_SOCKET`.
   * @default 100
   */
  maxSubscriptionsPerSocket: number;
  /**
   * Milliseconds a WebSocket may wait before `connection_init`; then it is
   * closed with 4408. `WS_CONNECTION_INIT_TIMEOUT_MS`.
   * @default 3_000 // 3 seconds
   */
  connectionInitTimeoutMs: number;
  /** pino level. @default 'info' */
  logLevel: LogLevel;
  /** Human-readable log lines instead of JSON. @default false */
  logPretty: boolean;
  /** Serves GraphiQL on `/graphql` to browsers. @default true, false in production */
  graphiql: boolean;
  /** `NODE_ENV`; `development` shows stacks of masked errors. @default 'development' */
  nodeEnv: string;
  /** Serves Prometheus metrics on `/metrics` (`METRICS`). @default true */
  metricsEnabled: boolean;
  /**
   * Bearer token `/metrics` requires (`METRICS_TOKEN`).
   * @default undefined // no authentication
   */
  metricsToken: string | undefined;
  /**
   * Milliseconds a SIGTERM's drain may take before the process exits 1
   * (`SHUTDOWN_DEADLINE_MS`).
   * @default 10_000 // 10 seconds
   */
  shutdownDeadlineMs: number;
}

export const LOG_LEVELS = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A setting that cannot be used; `message` is one line for a person. */
export class ConfigError extends Error {
  /** The environment variable that was wrong. */
  readonly setting: string;

  constructor(setting: string, expected: string, received: string) {
    super(`${setting}: expected ${expected}, but got ${received}.`);
    this.name = 'ConfigError';
    this.setting = setting;
  }
}

type Env = Record<string, string | undefined>;

function present(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function quote(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}

function integer(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const text = present(env, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new ConfigError(
      name,
      `a whole number from ${min} to ${max}`,
      quote(text),
    );
  }
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const text = present(env, name)?.toLowerCase();
  if (text === undefined) return fallback;
  if (['true', '1', 'yes'].includes(text)) return true;
  if (['false', '0', 'no'].includes(text)) return false;
  throw new ConfigError(name, 'true or false', quote(env[name] ?? ''));
}

function redisUrl(env: Env, name: string): string | undefined {
  const text = present(env, name);
  if (text === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:')) {
    // The value may carry a password: name its shape, not its text.
    throw new ConfigError(
      name,
      'a redis:// or rediss:// URL such as redis://127.0.0.1:6379',
      url ? `a URL with protocol ${quote(url.protocol)}` : 'no valid URL',
    );
  }
  return text;
}

function httpUrl(env: Env, name: string): string | undefined {
  const text = present(env, name);
  if (text === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ConfigError(
      name,
      'an http(s) URL such as https://graph.microsoft.com/beta',
      quote(text),
    );
  }
  return text.replace(/\/+$/, '');
}

/** Reads the credential settings into one `GraphAuth`. */
function readAuth(env: Env): GraphAuth {
  const mode = present(env, 'GRAPH_AUTH');
  const token = present(env, 'GRAPH_ACCESS_TOKEN');
  const parts = {
    GRAPH_TENANT_ID: present(env, 'GRAPH_TENANT_ID'),
    GRAPH_CLIENT_ID: present(env, 'GRAPH_CLIENT_ID'),
    GRAPH_CLIENT_SECRET: present(env, 'GRAPH_CLIENT_SECRET'),
  };
  const given = Object.entries(parts).filter(([, v]) => v !== undefined);
  if (mode !== undefined && mode !== 'passthrough' && mode !== 'on-behalf-of') {
    throw new ConfigError(
      'GRAPH_AUTH',
      '"passthrough", "on-behalf-of" or nothing',
      quote(mode),
    );
  }
  if (mode === 'on-behalf-of' && given.length < 3) {
    throw new ConfigError(
      Object.keys(parts).find(
        (name) => parts[name as keyof typeof parts] === undefined,
      ) as string,
      'GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET with ' +
        'GRAPH_AUTH=on-behalf-of',
      'nothing',
    );
  }
  if (mode === 'on-behalf-of' && token !== undefined) {
    throw new ConfigError(
      'GRAPH_ACCESS_TOKEN',
      'no fixed token with GRAPH_AUTH=on-behalf-of',
      'one',
    );
  }
  if (mode === 'passthrough' && (token !== undefined || given.length > 0)) {
    throw new ConfigError(
      'GRAPH_AUTH',
      'no GRAPH_ACCESS_TOKEN or GRAPH_CLIENT_* settings with "passthrough"',
      `"passthrough" together with ${
        token !== undefined ? 'GRAPH_ACCESS_TOKEN' : given[0]?.[0]
      }`,
    );
  }
  if (mode === 'passthrough') return { mode: 'passthrough' };
  if (given.length > 0 && given.length < 3) {
    const missing = Object.keys(parts).filter(
      (name) => parts[name as keyof typeof parts] === undefined,
    );
    throw new ConfigError(
      missing[0] as string,
      'GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET all set ' +
        'together',
      `only ${given.map(([name]) => name).join(' and ')}`,
    );
  }
  if (given.length === 3 && token !== undefined) {
    throw new ConfigError(
      'GRAPH_ACCESS_TOKEN',
      'either GRAPH_ACCESS_TOKEN or the GRAPH_CLIENT_* credentials',
      'both',
    );
  }
  const authorityHost = present(env, 'GRAPH_AUTHORITY_HOST');
  if (authorityHost !== undefined && given.length !== 3) {
    throw new ConfigError(
      'GRAPH_AUTHORITY_HOST',
      'it only together with the GRAPH_CLIENT_* credentials',
      quote(authorityHost),
    );
  }
  if (
    authorityHost !== undefined &&
    !/^https:\/\/[^/]+\/?$/i.test(authorityHost)
  ) {
    throw new ConfigError(
      'GRAPH_AUTHORITY_HOST',
      'an https origin such as https://login.microsoftonline.com',
      quote(authorityHost),
    );
  }
  if (given.length === 3) {
    return {
      mode: mode === 'on-behalf-of' ? 'on-behalf-of' : 'client-credentials',
      tenantId: parts.GRAPH_TENANT_ID as string,
      clientId: parts.GRAPH_CLIENT_ID as string,
      clientSecret: parts.GRAPH_CLIENT_SECRET as string,
      ...(authorityHost === undefined
        ? {}
        : { authorityHost: authorityHost.replace(/\/$/, '') }),
    };
  }
  if (token !== undefined) return { mode: 'static', token };
  return { mode: 'embedded' };
}

/**
 * Reads and checks the environment. Throws `ConfigError` for the first bad
 * setting.
 */
export function loadConfig(env: Env = process.env): GatewayConfig {
  const nodeEnv = present(env, 'NODE_ENV') ?? 'development';
  const auth = readAuth(env);
  let graphBaseUrl = httpUrl(env, 'GRAPH_BASE_URL');
  // With credentials but no URL, the real Graph is meant; with neither, the
  // embedded simulator. A pass-through caller's token suits either.
  const appOnly = auth.mode === 'static' || auth.mode === 'client-credentials';
  if (graphBaseUrl === undefined && (appOnly || auth.mode === 'on-behalf-of')) {
    graphBaseUrl = GRAPH_BETA_URL;
  }
  // With its own identity the gateway is all Graph sees, so it must tell
  // callers apart itself; the embedded simulator is a developer's local
  // tool bound to loopback, and pass-through leaves that to Graph.
  const callerAuth = parseAuthConfig(env, {
    required: appOnly || auth.mode === 'on-behalf-of',
  });
  if (auth.mode === 'on-behalf-of' && callerAuth.mode !== 'verify') {
    throw new ConfigError(
      'AUTH_DISABLED',
      'caller-token settings with GRAPH_AUTH=on-behalf-of, whose exchange ' +
        'needs a verified caller token',
      'AUTH_DISABLED=true',
    );
  }
  const finalAuth: GraphAuth =
    auth.mode === 'embedded' && graphBaseUrl !== undefined
      ? failNoCredentials()
      : auth;
  const logLevel = (present(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(
      'LOG_LEVEL',
      `one of ${LOG_LEVELS.join(', ')}`,
      quote(env['LOG_LEVEL'] ?? ''),
    );
  }
  const simulatorUploadMs = present(env, 'SIMULATOR_UPLOAD_MS');
  return {
    port: integer(env, 'PORT', 4000, 0, 65_535),
    host: present(env, 'HOST') ?? '127.0.0.1',
    graphBaseUrl,
    auth: finalAuth,
    simulatorUploadMs:
      simulatorUploadMs === undefined
        ? undefined
        : integer(env, 'SIMULATOR_UPLOAD_MS', 0, 0, 3_600_000),
    pollIntervalMs: integer(env, 'POLL_INTERVAL_MS', 5_000, 10, 3_600_000),
    redisUrl: redisUrl(env, 'REDIS_URL'),
    graphTimeoutMs: integer(env, 'GRAPH_TIMEOUT_MS', 10_000, 1, 600_000),
    maxBodyBytes: integer(env, 'MAX_BODY_BYTES', 1_048_576, 1, 1_073_741_824),
    callerAuth,
    limits: parseLimitsConfig(env),
    allowedOrigins: origins(env, 'ALLOWED_ORIGINS'),
    maxSubscriptionsPerSocket: integer(
      env,
      'MAX_SUBSCRIPTIONS_PER_SOCKET',
      100,
      1,
      100_000,
    ),
    connectionInitTimeoutMs: integer(
      env,
      'WS_CONNECTION_INIT_TIMEOUT_MS',
      3_000,
      1,
      600_000,
    ),
    logLevel: logLevel as LogLevel,
    // Unset, a terminal outside production gets readable lines.
    logPretty: boolean(
      env,
      'LOG_PRETTY',
      prettyByDefault(env, process.stdout.isTTY === true),
    ),
    graphiql: boolean(env, 'GRAPHIQL', nodeEnv !== 'production'),
    nodeEnv,
    metricsEnabled: boolean(env, 'METRICS', true),
    metricsToken: present(env, 'METRICS_TOKEN'),
    shutdownDeadlineMs: integer(
      env,
      'SHUTDOWN_DEADLINE_MS',
      10_000,
      1,
      600_000,
    ),
  };
}

/** Reads a comma-separated list of browser origins (scheme, host, port). */
function origins(env: Env, name: string): string[] {
  const text = present(env, name);
  if (text === undefined) return [];
  return text.split(',').map((item) => {
    const value = item.trim();
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol) || url.origin !== value) {
      throw new ConfigError(
        name,
        'comma-separated origins such as https://portal.example.com,' +
          'http://localhost:3000 (scheme, host and port; no path)',
        quote(value),
      );
    }
    return value;
  });
}

function failNoCredentials(): never {
  throw new ConfigError(
    'GRAPH_BASE_URL',
    'credentials with it (GRAPH_ACCESS_TOKEN, the GRAPH_CLIENT_* settings ' +
      'or GRAPH_AUTH=passthrough)',
    'a URL and no credentials',
  );
}
