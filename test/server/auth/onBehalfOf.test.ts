import {
  createLocalJWKSet,
  decodeJwt,
  jwtVerify,
  type JSONWebKeySet,
} from 'jose';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  ErrorCode,
  UnauthenticatedError,
  UpstreamUnavailableError,
} from '../../../src/errors/index.js';
import {
  createOnBehalfOfTokenProvider,
  type OnBehalfOfOptions,
} from '../../../src/server/auth/index.js';
import {
  GRAPH_AUDIENCE,
  createTestCertificate,
  startTokenService,
  type TestCertificate,
  type TokenService,
} from '../../../src/simulator/tokenService/index.js';

const TENANT = 'tenant-obo';
const CLIENT_ID = 'gateway-app';
let cert: TestCertificate;
let sts: TokenService;
let options: OnBehalfOfOptions;

beforeAll(async () => {
  cert = await createTestCertificate();
  sts = await startTokenService({
    tls: cert,
    clients: { [CLIENT_ID]: { secret: 'obo-secret' } },
  });
  options = {
    tenantId: TENANT,
    clientId: CLIENT_ID,
    clientSecret: 'obo-secret',
    authorityHost: sts.url,
    authorityCa: cert.caPem,
  };
});

afterAll(async () => {
  await sts?.close();
  await cert?.dispose();
});

/** A caller's token for the gateway, as Entra would issue it. */
const callerToken = (oid: string) =>
  sts.issueToken({
    tid: TENANT,
    aud: `api://${CLIENT_ID}`,
    oid,
    sub: `sub-${oid}`,
    scp: 'Images.ReadWrite',
  });

const exchanges = () => sts.tokensIssued('on_behalf_of');

describe('Auth: on-behalf-of exchange', () => {
  it('exchanges a caller token for a Graph token of the same person', async () => {
    const exchange = createOnBehalfOfTokenProvider(options);
    const graphToken = await exchange(await callerToken('alice'));
    const agent = new Agent({ connect: { ca: cert.caPem } });
    const keys = (await (
      await undiciFetch(sts.jwksUrl(TENANT), { dispatcher: agent })
    ).json()) as JSONWebKeySet;
    await agent.close();
    const { payload } = await jwtVerify(graphToken, createLocalJWKSet(keys), {
      issuer: sts.issuer(TENANT),
      audience: GRAPH_AUDIENCE,
    });
    expect(payload).toMatchObject({
      oid: 'alice',
      tid: TENANT,
      appid: CLIENT_ID,
    });
  });

  it('asks the token service nothing but metadata and the token', async () => {
    const before = sts.requests.length;
    await createOnBehalfOfTokenProvider(options)(await callerToken('dora'));
    expect(
      sts.requests
        .slice(before)
        .map((r) => `${r.method} ${r.url.split('?')[0]}`),
    ).toEqual([
      `GET /${TENANT}/v2.0/.well-known/openid-configuration`,
      `POST /${TENANT}/oauth2/v2.0/token`,
    ]);
  });

  it('serves a person from the cache, even with a new assertion', async () => {
    const exchange = createOnBehalfOfTokenProvider(options);
    const before = exchanges();
    const first = await exchange(await callerToken('bob'));
    const second = await exchange(await callerToken('bob'));
    expect(second).toBe(first);
    expect(exchanges() - before).toBe(1);
  });

  it('exchanges separately for each person', async () => {
    const exchange = createOnBehalfOfTokenProvider(options);
    const before = exchanges();
    const carol = await exchange(await callerToken('carol'));
    const erin = await exchange(await callerToken('erin'));
    expect(decodeJwt(carol)['oid']).toBe('carol');
    expect(decodeJwt(erin)['oid']).toBe('erin');
    expect(exchanges() - before).toBe(2);
  });

  it('shares one exchange among concurrent requests of one person', async () => {
    const exchange = createOnBehalfOfTokenProvider(options);
    const assertion = await callerToken('frank');
    const before = exchanges();
    const tokens = await Promise.all(
      [1, 2, 3, 4].map(() => exchange(assertion)),
    );
    expect(new Set(tokens).size).toBe(1);
    expect(exchanges() - before).toBe(1);
  });

  it('exchanges again once the cached token is within the skew of expiry', async () => {
    let clock = Date.now();
    const exchange = createOnBehalfOfTokenProvider({
      ...options,
      refreshSkewMs: 300_000,
      now: () => clock,
    });
    const assertion = await callerToken('grace');
    const before = exchanges();
    await exchange(assertion);
    clock += 3_600_000 - 300_000 - 1_000; // just before the skew
    await exchange(assertion);
    expect(exchanges() - before).toBe(1);
    clock += 2_000; // inside the skew
    await exchange(assertion);
    expect(exchanges() - before).toBe(2);
  });

  it('keeps at most maxEntries people, dropping the oldest', async () => {
    const exchange = createOnBehalfOfTokenProvider({
      ...options,
      maxEntries: 1,
    });
    const henry = await callerToken('henry');
    const before = exchanges();
    await exchange(henry);
    await exchange(await callerToken('ivan'));
    await exchange(henry);
    expect(exchanges() - before).toBe(3);
  });

  it('reports an assertion the service refuses as UNAUTHENTICATED', async () => {
    const exchange = createOnBehalfOfTokenProvider(options);
    const foreign = await sts.issueToken({
      tid: TENANT,
      aud: 'api://other',
      oid: 'mallory',
    });
    const error = await exchange(foreign).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect((error as UnauthenticatedError).message).toBe(
      `Entra ID refused to exchange the caller's token for a Graph token in tenant ${TENANT}: invalid_grant.`,
    );
    expect((error as Error).message).not.toContain(foreign);
  });

  it('reports a wrong client secret as UNAUTHENTICATED', async () => {
    const exchange = createOnBehalfOfTokenProvider({
      ...options,
      clientSecret: 'nope',
    });
    const error = await exchange(await callerToken('judy')).catch(
      (e: unknown) => e,
    );
    expect((error as UnauthenticatedError).extensions['code']).toBe(
      ErrorCode.UNAUTHENTICATED,
    );
    expect((error as Error).message).not.toContain('nope');
  });

  it('reports an authority whose certificate is not trusted as unavailable', async () => {
    const exchange = createOnBehalfOfTokenProvider({
      ...options,
      authorityCa: undefined,
    });
    const error = await exchange(await callerToken('kim')).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
  });
});
