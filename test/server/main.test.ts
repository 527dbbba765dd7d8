import { request } from 'undici';
import { describe, expect, it } from 'vitest';

import { loadConfig } from '../../src/server/config.js';
import { createGateway } from '../../src/server/createGateway.js';
import { startMainProcess } from '../utils/mainProcess.js';
import { graphqlRequest } from '../utils/servers.js';

describe('Server: entry point', () => {
  it('starts over the embedded simulator, logs where, and exits 0 on SIGTERM', async () => {
    const gateway = startMainProcess({ PORT: '0', SIMULATOR_UPLOAD_MS: '100' });
    const line = await gateway.listening();
    expect(line.msg).toMatch(
      /^gateway listening at http:\/\/127\.0\.0\.1:\d+\/graphql over the embedded simulator at http:\/\/127\.0\.0\.1:\d+\/beta$/,
    );
    const response = await graphqlRequest<{
      deviceImages: { nodes: unknown[] };
    }>(line.url, '{ deviceImages { nodes { id } } }');
    expect(response.data!.deviceImages.nodes.length).toBeGreaterThan(0);

    gateway.child.kill('SIGTERM');
    const [code, signal] = await gateway.exited;
    expect({ code, signal, stderr: gateway.stderr() }).toEqual({
      code: 0,
      signal: null,
      stderr: '',
    });
    await expect(request(line.graph)).rejects.toThrow();
  });

  it('prints one line and exits 1 on a bad setting', async () => {
    const gateway = startMainProcess({ PORT: 'abc' });
    const [code] = await gateway.exited;
    expect(code).toBe(1);
    expect(gateway.stderr()).toBe(
      'Configuration error: PORT: expected a whole number from 0 to 65535, ' +
        'but got "abc".\n',
    );
    expect(gateway.stdout()).toBe('');
  });
});

describe('Server: embedded simulator', () => {
  it('starts one when no Graph URL is configured and closes it with the gateway', async () => {
    const gateway = await createGateway({
      ...loadConfig({}),
      port: 0,
      graphiql: false,
    });
    expect(gateway.simulator).toBeDefined();
    expect(gateway.graphBaseUrl).toBe(gateway.simulator!.baseUrl);
    const response = await graphqlRequest(
      gateway.url,
      '{ sourceImages { resourceId } }',
    );
    expect(response.errors).toBeUndefined();
    expect(gateway.simulator!.requestCount('getSourceImages')).toBe(1);
    await gateway.close();
    await gateway.close();
    await expect(request(gateway.graphBaseUrl)).rejects.toThrow();
    expect(gateway.httpServer.listening).toBe(false);
  });
});
