import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { tokenScope } from '../../src/server/createContextFactory.js';
import {
  graphqlRequest,
  startTestStack,
  type TestStack,
} from '../utils/servers.js';

const SOURCE =
  '/subscriptions/0ac520ee-14c0-480f-b6c9-0a90c585ffff/resourceGroups/' +
  'Example/providers/Microsoft.Compute/images/exampleImage';
const LIST = '{ deviceImages { nodes { id displayName } } }';

describe('Server: pass-through authentication', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({
      simulator: { tokens: { 'token-a': 'tenant-a', 'token-b': 'tenant-b' } },
      gateway: { auth: { mode: 'passthrough' } },
    });
  });
  afterAll(() => stack.close());

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('answers 401 UNAUTHENTICATED without a bearer token, before any upstream call', async () => {
    stack.simulator.resetRequests();
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Basic dXNlcjpwYXNz' },
    ];
    for (const headers of attempts) {
      const response = await graphqlRequest(stack.url, LIST, {}, headers);
      expect(response.status).toBe(401);
      expect(response.errors?.[0]?.extensions?.['code']).toBe(
        'UNAUTHENTICATED',
      );
      expect(response.errors?.[0]?.message).toContain('Bearer <token>');
    }
    expect(stack.simulator.requestCount()).toBe(0);
  });

  it("forwards each caller's token, so tenants stay apart", async () => {
    const created = await graphqlRequest<{
      createDeviceImage: { id: string };
    }>(
      stack.url,
      `mutation ($source: String!) { createDeviceImage(input: {
        displayName: "Only A", version: "1.0.0", sourceImageResourceId: $source
      }) { id } }`,
      { source: SOURCE },
      bearer('token-a'),
    );
    const id = created.data!.createDeviceImage.id;
    const ids = async (token: string) => {
      const response = await graphqlRequest<{
        deviceImages: { nodes: { id: string }[] };
      }>(stack.url, LIST, {}, bearer(token));
      return response.data!.deviceImages.nodes.map((node) => node.id);
    };
    expect(await ids('token-a')).toContain(id);
    expect(await ids('token-b')).not.toContain(id);
    expect(stack.simulator.images('tenant-a').map((i) => i.id)).toContain(id);
  });

  it('reports UNAUTHENTICATED when Graph refuses the forwarded token', async () => {
    const response = await graphqlRequest(
      stack.url,
      LIST,
      {},
      bearer('not-a-known-token'),
    );
    expect(response.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
  });

  it('scopes callers by a hash of their token, never the token itself', () => {
    const scope = tokenScope('token-a');
    expect(scope).toMatch(/^token:[0-9a-f]{64}$/);
    expect(scope).not.toContain('token-a');
    expect(tokenScope('token-b')).not.toBe(scope);
  });
});
