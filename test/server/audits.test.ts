import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestStack, type TestStack } from '../utils/servers.js';

describe('Server: GraphQL over HTTP audits', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack.close());

  it('passes every MUST of graphql-http', async () => {
    const audits = serverAudits({ url: () => stack.url });
    const musts = audits.filter((audit) => audit.name.startsWith('MUST'));
    expect(musts.length).toBeGreaterThan(10);
    const failures: string[] = [];
    for (const audit of musts) {
      const result = await audit.fn();
      if (result.status !== 'ok') {
        failures.push(`${audit.id} ${audit.name}: ${result.reason}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
