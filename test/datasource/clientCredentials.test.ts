import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';

import { build } from 'esbuild';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  GRAPH_AUDIENCE,
  createTestCertificate,
  startTokenService,
  type TestCertificate,
  type TokenService,
} from '../../src/simulator/tokenService/index.js';

const run = promisify(execFile);
const TENANT = 'tenant-cc';
let cert: TestCertificate;
let sts: TokenService;
let result: {
  first: string;
  second: string;
  wrong: { name: string; message: string; extensions: Record<string, unknown> };
};

beforeAll(async () => {
  cert = await createTestCertificate();
  sts = await startTokenService({
    tls: cert,
    clients: { 'cc-app': { secret: 'cc-secret' } },
  });
  // Node reads NODE_EXTRA_CA_CERTS only at start, hence a child process;
  // esbuild turns the TypeScript entry into one file it can run.
  const outdir = new URL('../../test-output/', import.meta.url).pathname;
  await mkdir(outdir, { recursive: true });
  const outfile = `${outdir}clientCredentialsChild.mjs`;
  await build({
    entryPoints: [
      new URL('./clientCredentialsChild.ts', import.meta.url).pathname,
    ],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile,
    logLevel: 'silent',
  });
  const { stdout } = await run(process.execPath, [outfile], {
    env: {
      ...process.env,
      NODE_EXTRA_CA_CERTS: cert.caPath,
      CC_TENANT: TENANT,
      CC_CLIENT_ID: 'cc-app',
      CC_SECRET: 'cc-secret',
      CC_AUTHORITY: sts.url,
    },
  });
  result = JSON.parse(stdout.trim().split('\n').at(-1) as string);
});

afterAll(async () => {
  await sts?.close();
  await cert?.dispose();
});

describe('Datasource: client credentials against the local token service', () => {
  it('obtains an app-only Graph token with the real @azure/identity', () => {
    expect(decodeJwt(result.first)).toMatchObject({
      aud: GRAPH_AUDIENCE,
      tid: TENANT,
      appid: 'cc-app',
      roles: ['CloudPC.ReadWrite.All'],
    });
  });

  it('serves the second call from the credential cache', () => {
    expect(result.second).toBe(result.first);
    const granted = sts.requests.filter(
      (r) =>
        r.grant === 'client_credentials' &&
        r.clientId === 'cc-app' &&
        r.status === 200,
    );
    expect(granted).toHaveLength(1);
  });

  it('reports a wrong secret without echoing it', () => {
    expect(result.wrong.message).not.toContain('not-the-secret');
    expect(result.wrong.message).toContain('invalid_client');
  });

  it('classifies the refused secret as UNAUTHENTICATED', () => {
    expect(result.wrong.extensions['code']).toBe('UNAUTHENTICATED');
    expect(result.wrong.message).toBe(
      "Entra ID refused the gateway's client credentials for tenant " +
        `${TENANT}: invalid_client`,
    );
  });
});
