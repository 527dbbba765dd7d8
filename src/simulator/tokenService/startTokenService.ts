/**
 * A local OAuth 2.0 token service standing in for Entra ID's v2 endpoints,
 * so the real `@azure/identity` (and the MSAL inside it) can be run end to
 * end without the internet (contract §6). It serves, per tenant:
 *
 * - `GET /{tenant}/v2.0/.well-known/openid-configuration`: the metadata
 *   MSAL reads before its first token request;
 * - `GET /{tenant}/discovery/v2.0/keys`: its signing keys (JWKS);
 * - `POST /{tenant}/oauth2/v2.0/token`: the `client_credentials` grant
 *   (RFC 6749 §4.4) and the on-behalf-of `jwt-bearer` grant (RFC 7523,
 *   `requested_token_use=on_behalf_of`), both with client id and secret.
 *
 * Tokens are RS256 JWTs shaped like Entra's: Graph tokens have the audience
 * `https://graph.microsoft.com`. It also mints caller tokens for the
 * gateway's own API ({@link TokenService.issueToken}), the assertions an
 * on-behalf-of exchange starts from. Every request is recorded.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';

import {
  SignJWT,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  createLocalJWKSet,
  type JWK,
  type JWTPayload,
} from 'jose';

/** The grant a token request used, or `unknown`. */
export type TokenServiceGrant =
  'client_credentials' | 'on_behalf_of' | 'unknown';

/** One request the service received. */
export interface TokenServiceRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  /** For token requests: the grant asked for. */
  grant: TokenServiceGrant | undefined;
  /** For token requests: the `client_id` sent. */
  clientId: string | undefined;
  status: number;
}

/** An application registered with the service. */
export interface TokenServiceClient {
  secret: string;
  /** App roles its app-only Graph tokens carry. @default ['CloudPC.ReadWrite.All'] */
  roles?: readonly string[] | undefined;
}

/** Options of {@link startTokenService}. */
export interface TokenServiceOptions {
  /** TLS server certificate and key; see `createTestCertificate`. */
  tls: { certPem: string; keyPem: string };
  /** Registered applications by client id. */
  clients: Readonly<Record<string, TokenServiceClient>>;
  /** Lifetime of issued tokens, in seconds. @default 3_600 */
  tokenLifetimeSeconds?: number | undefined;
  /** Interface to bind. @default '127.0.0.1' */
  host?: string | undefined;
  /** Port; 0 picks a free one. @default 0 */
  port?: number | undefined;
}

/** A running token service. */
export interface TokenService {
  /** Its origin, e.g. `https://127.0.0.1:53211`: the `authorityHost`. */
  url: string;
  /** The `iss` of tokens for `tenant`: `{url}/{tenant}/v2.0`. */
  issuer(tenant: string): string;
  /** The JWKS URL for `tenant`. */
  jwksUrl(tenant: string): string;
  /** Every request so far, oldest first. */
  readonly requests: readonly TokenServiceRequest[];
  /** Token requests served with a token, of one grant or of all. */
  tokensIssued(grant?: TokenServiceGrant): number;
  /**
   * Signs a token with the service's key, e.g. a caller's token for the
   * gateway: `iss` (for `tid`), `iat`, `nbf`, `exp` and `ver` are added
   * unless `claims` sets them.
   */
  issueToken(claims: JWTPayload & { tid: string }): Promise<string>;
  close(): Promise<void>;
}

/** The audience of Graph tokens (contract §6). */
export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';

/** Starts the service on `options.host`:`options.port`. */
export async function startTokenService(
  options: TokenServiceOptions,
): Promise<TokenService> {
  const lifetime = options.tokenLifetimeSeconds ?? 3_600;
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = randomUUID();
  const jwk: JWK = {
    ...(await exportJWK(publicKey)),
    kid,
    alg: 'RS256',
    use: 'sig',
  };
  const ownKeys = createLocalJWKSet({ keys: [jwk] });
  const requests: TokenServiceRequest[] = [];
  let url = '';

  const issuer = (tenant: string) => `${url}/${tenant}/v2.0`;
  const sign = (claims: JWTPayload & { tid: string }) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: issuer(claims.tid),
      iat: now,
      nbf: now,
      exp: now + lifetime,
      ver: '2.0',
      ...claims,
    })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .sign(privateKey);
  };

  const server = createServer(
    { cert: options.tls.certPem, key: options.tls.keyPem },
    (req, res) => {
      const record: TokenServiceRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        grant: undefined,
        clientId: undefined,
        status: 0,
      };
      requests.push(record);
      handle(req, res, record).catch(() => {
        send(res, record, 500, { error: 'server_error' });
      });
    },
  );

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    record: TokenServiceRequest,
  ): Promise<void> {
    const path = new URL(req.url ?? '/', url).pathname;
    const match = /^\/([^/]+)\/(.+)$/.exec(path);
    const tenant = match ? decodeURIComponent(match[1] as string) : '';
    const rest = match?.[2];
    if (
      req.method === 'GET' &&
      rest === 'v2.0/.well-known/openid-configuration'
    ) {
      return send(res, record, 200, {
        issuer: issuer(tenant),
        authorization_endpoint: `${url}/${tenant}/oauth2/v2.0/authorize`,
        token_endpoint: `${url}/${tenant}/oauth2/v2.0/token`,
        jwks_uri: `${url}/${tenant}/discovery/v2.0/keys`,
        end_session_endpoint: `${url}/${tenant}/oauth2/v2.0/logout`,
        response_types_supported: ['code', 'id_token', 'token'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['client_secret_post'],
        tenant_region_scope: 'NA',
      });
    }
    if (req.method === 'GET' && rest === 'discovery/v2.0/keys') {
      return send(res, record, 200, { keys: [jwk] });
    }
    if (req.method === 'POST' && rest === 'oauth2/v2.0/token') {
      return token(
        tenant,
        new URLSearchParams(await readBody(req)),
        res,
        record,
      );
    }
    send(
      res,
      record,
      404,
      oauthError('invalid_request', `No endpoint ${req.method} ${path}.`),
    );
  }

  async function token(
    tenant: string,
    form: URLSearchParams,
    res: ServerResponse,
    record: TokenServiceRequest,
  ): Promise<void> {
    const grantType = form.get('grant_type');
    record.grant =
      grantType === 'client_credentials'
        ? 'client_credentials'
        : grantType === 'urn:ietf:params:oauth:grant-type:jwt-bearer' &&
            form.get('requested_token_use') === 'on_behalf_of'
          ? 'on_behalf_of'
          : 'unknown';
    const clientId = form.get('client_id') ?? '';
    record.clientId = clientId;
    const client = options.clients[clientId];
    if (!client || form.get('client_secret') !== client.secret) {
      return send(
        res,
        record,
        401,
        oauthError(
          'invalid_client',
          'AADSTS7000215: Invalid client secret or unknown client.',
        ),
      );
    }
    const scope = form.get('scope') ?? '';
    const graphScopes = scope
      .split(' ')
      .filter((s) => s.startsWith(`${GRAPH_AUDIENCE}/`))
      .map((s) => s.slice(GRAPH_AUDIENCE.length + 1));
    if (graphScopes.length === 0) {
      return send(
        res,
        record,
        400,
        oauthError(
          'invalid_scope',
          `AADSTS70011: scope must name ${GRAPH_AUDIENCE}.`,
        ),
      );
    }
    if (record.grant === 'client_credentials') {
      if (!graphScopes.includes('.default')) {
        return send(
          res,
          record,
          400,
          oauthError(
            'invalid_scope',
            'AADSTS1002012: client_credentials needs a /.default scope.',
          ),
        );
      }
      const accessToken = await sign({
        aud: GRAPH_AUDIENCE,
        tid: tenant,
        sub: clientId,
        oid: clientId,
        appid: clientId,
        idtyp: 'app',
        roles: [...(client.roles ?? ['CloudPC.ReadWrite.All'])],
      });
      return send(res, record, 200, tokenResponse(accessToken));
    }
    if (record.grant === 'on_behalf_of') {
      const assertion = form.get('assertion') ?? '';
      let user: JWTPayload;
      try {
        ({ payload: user } = await jwtVerify(assertion, ownKeys, {
          issuer: issuer(tenant),
          audience: [clientId, `api://${clientId}`],
          algorithms: ['RS256'],
        }));
      } catch (error) {
        return send(
          res,
          record,
          400,
          oauthError(
            'invalid_grant',
            `AADSTS50013: Assertion failed signature, audience, issuer or lifetime validation (${(error as Error).message}).`,
          ),
        );
      }
      const scp = graphScopes.filter((s) => s !== '.default');
      const accessToken = await sign({
        aud: GRAPH_AUDIENCE,
        tid: tenant,
        sub: user.sub,
        oid: user['oid'],
        appid: clientId,
        idtyp: 'user',
        scp: (scp.length > 0 ? scp : ['CloudPC.ReadWrite.All']).join(' '),
      });
      return send(res, record, 200, { ...tokenResponse(accessToken), scope });
    }
    send(
      res,
      record,
      400,
      oauthError(
        'unsupported_grant_type',
        `AADSTS70003: grant_type ${JSON.stringify(grantType)} is not supported.`,
      ),
    );
  }

  function tokenResponse(accessToken: string) {
    return {
      token_type: 'Bearer',
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: accessToken,
    };
  }

  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  url = `https://${options.host ?? '127.0.0.1'}:${port}`;

  return {
    url,
    issuer,
    jwksUrl: (tenant) => `${url}/${tenant}/discovery/v2.0/keys`,
    requests,
    tokensIssued: (grant) =>
      requests.filter(
        (r) =>
          r.grant !== undefined &&
          r.status === 200 &&
          (grant === undefined || r.grant === grant),
      ).length,
    issueToken: sign,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Entra's error body shape, which MSAL parses. */
function oauthError(error: string, description: string) {
  return {
    error,
    error_description: description,
    error_codes: [Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0)],
    timestamp: new Date().toISOString(),
    trace_id: randomUUID(),
    correlation_id: randomUUID(),
  };
}

function send(
  res: ServerResponse,
  record: TokenServiceRequest,
  status: number,
  body: unknown,
): void {
  record.status = status;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    // Token requests are a few kilobytes; anything larger is not one.
    if (size > 64 * 1024) throw new Error('token request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
