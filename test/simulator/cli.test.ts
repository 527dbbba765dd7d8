import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

import { request } from 'undici';
import { describe, expect, it } from 'vitest';

import { IMAGES } from './simulatorTestKit.js';

// `npm test` builds first; the CLI is tested as it ships, from dist/.
const MAIN = fileURLToPath(
  new URL('../../dist/simulator/main.js', import.meta.url),
);

function startCli(env: Record<string, string>) {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return { child, output: () => ({ stdout, stderr }) };
}

describe.skipIf(!existsSync(MAIN))('Simulator: CLI', () => {
  it('SIM-70 MUST log its base URL, serve, and stop cleanly on SIGTERM', async () => {
    const { child, output } = startCli({
      SIMULATOR_PORT: '0',
      SIMULATOR_TOKENS: 'token-a=tenant-a',
      SIMULATOR_UPLOAD_MS: '100',
    });
    try {
      let baseUrl: string | undefined;
      while (!baseUrl) {
        await once(child.stdout, 'data');
        baseUrl = /"baseUrl":"([^"]+)"/.exec(output().stdout)?.[1];
      }
      expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/beta$/);
      const res = await request(baseUrl.replace(/\/beta$/, '') + IMAGES, {
        headers: { authorization: 'Bearer token-a' },
      });
      expect(res.statusCode).toBe(200);
      await res.body.dump();
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      expect(output().stdout).toContain('Graph simulator stopping');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('SIM-71 MUST exit 1 with one line naming a bad setting', async () => {
    const { child, output } = startCli({ SIMULATOR_ERROR_RATE: '2' });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(output().stderr).toBe(
      "simulator: SIMULATOR_ERROR_RATE must be a number from 0 to 1, got '2'.\n",
    );
  });
});
