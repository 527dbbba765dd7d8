/**
 * Credentials never leave the process in logs, error answers or metrics:
 * the gateway runs with canary tokens and secrets, logs at trace into a
 * captured stream (or, for the entry point, to a captured stdout), and
 * everything it wrote is searched for the canaries.
 */
import { Writable } from 'node:stream';

import { createClient } from 'graphql-ws';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { createLogger } from '../../src/logger.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import {
  createTestCertificate,
  startTokenService,
  type TestCertificate,
  type TokenService,
} from '../../src/simulator/tokenService/index.js';
import { startMainProcess, type MainProcess } from '../utils/mainProcess.js';
import { openRawSocket } from '../utils/rawSocket.js';
import {
  graphqlRequest,
  startTestStack,
  type TestStack,
} from '../utils/servers.js';

const CANARY = 'canary-7f3a9c';
const KNOWN = `${CANARY}-known-token`;
const UNKNOWN = `${CANARY}-token-graph-refuses`;
const SECRET = `${CANARY}-client-secret`;
const LIST = '{ deviceImages { nodes { id } } }';

describe('Server: secrets in logs, errors and metrics', () => {
  let stack: TestStack;
  const lines: string[] = [];
  const answers: string[] = [];

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    stack = await startTestStack({
      simulator: { tokens: { [KNOWN]: 'tenant-a' } },
      gateway: { auth: { mode: 'passthrough' }, logLevel: 'trace' },
      logger: createLogger({ level: 'trace', destination }),
    });
  });
  afterAll(() => stack?.close());

  it('keeps pass-through tokens out of every log line and answer', async () => {
    const headers = [
      `Bearer ${KNOWN}`,
      `Bearer ${UNKNOWN}`,
      `Basic ${CANARY}`,
      `Bearer ${CANARY} trailing`,
    ];
    for (const authorization of headers) {
      const response = await graphqlRequest(
        stack.url,
        LIST,
        {},
        {
          authorization,
        },
      );
      answers.push(JSON.stringify(response));
    }
    // Error paths that log: a retried 503, a connection reset, an outage.
    stack.simulator.injectFault({ status: 503, retryAfterSeconds: 0 });
    stack.simulator.injectFault({ reset: true, count: 3 });
    for (const token of [KNOWN, KNOWN]) {
      const response = await graphqlRequest(
        stack.url,
        LIST,
        {},
        {
          authorization: `Bearer ${token}`,
        },
      );
      answers.push(JSON.stringify(response));
    }
    expect(answers.some((a) => a.includes('UPSTREAM_UNAVAILABLE'))).toBe(true);
    expect(JSON.parse(answers[1] as string)).toMatchObject({
      errors: [{ extensions: { code: 'UNAUTHENTICATED' } }],
    });

    // Over WebSocket: a token Graph accepts, one it refuses.
    for (const token of [KNOWN, UNKNOWN]) {
      const client = createClient({
        url: stack.wsUrl,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: { authorization: `Bearer ${token}` },
      });
      const result = await new Promise<unknown>((resolve) => {
        let last: unknown;
        client.subscribe(
          { query: LIST },
          {
            next: (value) => (last = value),
            error: (error) => resolve(error),
            complete: () => resolve(last),
          },
        );
      });
      answers.push(JSON.stringify(result));
      await client.dispose();
    }
    // A protocol error: the socket closes, the handshake headers are logged.
    const raw = openRawSocket(stack.wsUrl, {
      authorization: `Bearer ${KNOWN}`,
    });
    await raw.opened;
    raw.send(`{ "type": "connection_init", "payload": "${UNKNOWN}" `);
    await raw.closed;

    const metrics = await request(new URL('/metrics', stack.url));
    answers.push(await metrics.body.text());

    expect(lines.length).toBeGreaterThan(10);
    expect(lines.some((line) => line.includes('"level":40'))).toBe(true);
    expect(lines.filter((line) => line.includes(CANARY))).toEqual([]);
    expect(answers.filter((answer) => answer.includes(CANARY))).toEqual([]);
  });
});

describe('Server: the client secret in the entry point’s output', () => {
  let cert: TestCertificate;
  let sts: TokenService;
  let simulator: Simulator;
  const gateways: MainProcess[] = [];

  beforeAll(async () => {
    cert = await createTestCertificate();
    sts = await startTokenService({
      tls: cert,
      clients: { 'gateway-app': { secret: SECRET } },
    });
    simulator = await startSimulator({ port: 0 });
  });
  afterAll(async () => {
    for (const gateway of gateways) {
      gateway.child.kill('SIGTERM');
      await gateway.exited;
    }
    await simulator?.close();
    await sts?.close();
    await cert?.dispose();
  });

  it('never writes GRAPH_CLIENT_SECRET or a Graph token, on success or refusal', async () => {
    for (const secret of [SECRET, `${SECRET}-wrong`]) {
      const gateway = startMainProcess({
        PORT: '0',
        GRAPHIQL: 'false',
        LOG_LEVEL: 'trace',
        GRAPH_BASE_URL: simulator.baseUrl,
        GRAPH_TENANT_ID: 'tenant-gw',
        GRAPH_CLIENT_ID: 'gateway-app',
        GRAPH_CLIENT_SECRET: secret,
        GRAPH_AUTHORITY_HOST: sts.url,
        AUTH_DISABLED: 'true',
        NODE_EXTRA_CA_CERTS: cert.caPath,
      });
      gateways.push(gateway);
      const { url } = await gateway.listening();
      const response = await graphqlRequest(url, LIST);
      expect(JSON.stringify(response)).not.toContain(CANARY);
      gateway.child.kill('SIGTERM');
      await gateway.exited;
      const output = gateway.stdout() + gateway.stderr();
      expect(output).toContain('listening');
      expect(output).not.toContain(CANARY);
      // The Graph tokens it was given are JWTs; none may appear either.
      expect(output).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
    }
    expect(sts.tokensIssued('client_credentials')).toBe(1);
  });
});
