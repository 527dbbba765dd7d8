/**
 * `GRAPH_AUTH=on-behalf-of` through the real gateway: callers' tokens from
 * the local token service (HTTPS, a generated CA trusted in process) are
 * verified, then exchanged by the real `@azure/identity` for Graph tokens of
 * the same person. A recording proxy in front of the simulator reads whose
 * Graph token each Graph request carried.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { decodeJwt } from 'jose';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createGateway, type Gateway } from '../../../src/server/index.js';
import {
  startSimulator,
  type Simulator,
} from '../../../src/simulator/index.js';
import {
  createTestCertificate,
  startTokenService,
  type TestCertificate,
  type TokenService,
} from '../../../src/simulator/tokenService/index.js';
import { openAcknowledged } from '../../utils/rawSocket.js';
import { graphqlRequest, testGatewayConfig } from '../../utils/servers.js';
import {
  startHandlerServer,
  type HandlerServer,
} from '../../utils/startHandlerServer.js';

const TENANT = 'tenant-obo';
const CLIENT_ID = 'gateway-app';
const LIST = '{ deviceImages { nodes { id } } }';

describe('Auth: on-behalf-of through the gateway', () => {
  let cert: TestCertificate;
  let sts: TokenService;
  let simulator: Simulator;
  let keys: HandlerServer;
  let proxy: HandlerServer;
  let gateway: Gateway;
  /** The `oid` of the Graph token on each request the simulator got. */
  const graphCallers: (string | undefined)[] = [];
  /** Each request's URL and body, with that `oid`. */
  const graphRequests: { oid: string | undefined; text: string }[] = [];

  const callerToken = (oid: string, scp = 'Images.ReadWrite') =>
    sts.issueToken({ tid: TENANT, aud: `api://${CLIENT_ID}`, oid, scp });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const exchanges = () => sts.tokensIssued('on_behalf_of');

  beforeAll(async () => {
    cert = await createTestCertificate();
    sts = await startTokenService({
      tls: cert,
      clients: { [CLIENT_ID]: { secret: 'obo-secret' } },
    });
    // The gateway reads the issuer's keys over http on loopback, which its
    // settings allow; the token exchange itself runs over HTTPS.
    const agent = new Agent({ connect: { ca: cert.caPem } });
    const jwks = await (
      await request(sts.jwksUrl(TENANT), { dispatcher: agent })
    ).body.text();
    await agent.close();
    keys = await startHandlerServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(jwks);
      return true;
    });
    simulator = await startSimulator({ port: 0, uploadMs: 150 });
    proxy = await startHandlerServer((req, res) => {
      forward(req, res).catch(() => res.destroy());
      return true;
    });
    gateway = await createGateway(
      testGatewayConfig(`${proxy.url}/beta`, {
        auth: {
          mode: 'on-behalf-of',
          tenantId: TENANT,
          clientId: CLIENT_ID,
          clientSecret: 'obo-secret',
          authorityHost: sts.url,
          authorityCa: cert.caPem,
        },
        callerAuth: {
          mode: 'verify',
          issuer: sts.issuer(TENANT),
          audiences: [`api://${CLIENT_ID}`],
          jwksUrl: `${keys.url}/keys`,
          tenantIds: [TENANT],
          readRoles: ['Images.Read', 'Images.ReadWrite'],
          writeRoles: ['Images.ReadWrite'],
          clockToleranceSeconds: 60,
        },
      }),
    );
  });

  /** Passes a request on to the simulator, noting whose token it bears. */
  async function forward(req: IncomingMessage, res: ServerResponse) {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const oid = token
      ? (decodeJwt(token)['oid'] as string | undefined)
      : undefined;
    graphCallers.push(oid);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    graphRequests.push({
      oid,
      text: `${req.url} ${Buffer.concat(chunks).toString()}`,
    });
    const headers = { ...req.headers };
    delete headers.host;
    delete headers.connection;
    const answer = await request(`${simulator.origin}${req.url}`, {
      method: req.method as 'GET',
      headers,
      body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
    });
    const body = Buffer.from(await answer.body.arrayBuffer());
    res.writeHead(answer.statusCode, {
      'content-type': String(answer.headers['content-type'] ?? ''),
    });
    res.end(body);
  }

  afterAll(async () => {
    await gateway?.close();
    await proxy?.close();
    await keys?.close();
    await simulator?.close();
    await sts?.close();
    await cert?.dispose();
  });

  it('calls Graph with each person’s own token, exchanged once per person', async () => {
    const before = exchanges();
    for (const person of ['alice', 'bob', 'alice']) {
      graphCallers.length = 0;
      const response = await graphqlRequest(
        gateway.url,
        LIST,
        {},
        bearer(await callerToken(person)),
      );
      expect(response.errors).toBeUndefined();
      expect(graphCallers.length).toBeGreaterThan(0);
      expect(new Set(graphCallers)).toEqual(new Set([person]));
    }
    expect(exchanges() - before).toBe(2);
  });

  it('keeps concurrent people’s tokens apart, request by request', async () => {
    graphRequests.length = 0;
    const people = ['carol', 'dave', 'erin', 'frank'];
    const tokens = await Promise.all(people.map((p) => callerToken(p)));
    // Each person reads ids named after them, so every Graph request tells
    // whose operation it serves.
    const answers = await Promise.all(
      people.flatMap((person, i) =>
        [0, 1, 2].map((n) =>
          graphqlRequest(
            gateway.url,
            `{ a: deviceImage(id: "${person}-${n}") { id } b: deviceImage(id: "${person}-x${n}") { id } }`,
            {},
            bearer(tokens[i] as string),
          ),
        ),
      ),
    );
    expect(answers.every((answer) => answer.errors === undefined)).toBe(true);
    expect(graphRequests.length).toBeGreaterThanOrEqual(people.length);
    for (const { oid, text } of graphRequests) {
      expect(people.filter((person) => text.includes(person))).toEqual([oid]);
    }
  });

  it('refuses a caller without a token or with a read-only scope’s mutation, before any exchange or Graph call', async () => {
    const before = exchanges();
    graphCallers.length = 0;
    const none = await graphqlRequest(gateway.url, LIST);
    expect(none.status).toBe(401);
    const reader = await callerToken('grace', 'Images.Read');
    const mutation = await graphqlRequest(
      gateway.url,
      'mutation { deleteDeviceImage(id: "x") }',
      {},
      bearer(reader),
    );
    expect(mutation.status).toBe(403);
    expect(mutation.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    expect(exchanges()).toBe(before);
    expect(graphCallers).toEqual([]);
  });

  it('subscribes over WebSocket with the person’s own Graph token', async () => {
    graphCallers.length = 0;
    const raw = await openAcknowledged(
      gateway.wsUrl,
      bearer(await callerToken('heidi')),
    );
    raw.send({
      id: 'e',
      type: 'subscribe',
      payload: { query: 'subscription { deviceImageEvents { kind id } }' },
    });
    raw.send({ id: 'q', type: 'subscribe', payload: { query: LIST } });
    await raw.next((m) => m.id === 'q' && m.type === 'next');
    for (let i = 0; i < 100 && graphCallers.length < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(graphCallers.length).toBeGreaterThanOrEqual(2);
    expect(new Set(graphCallers)).toEqual(new Set(['heidi']));
    raw.socket.close();
    await raw.closed;
  });
});
