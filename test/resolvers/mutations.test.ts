import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { SEED_IMAGE_IDS } from '../../src/simulator/index.js';
import {
  graphqlRequest,
  startTestStack,
  type TestStack,
} from '../utils/servers.js';

const SOURCE =
  '/subscriptions/0ac520ee-14c0-480f-b6c9-0a90c585ffff/resourceGroups/' +
  'Example/providers/Microsoft.Compute/images/exampleImage';

const CREATE = `mutation ($input: CreateDeviceImageInput!) {
  createDeviceImage(input: $input) { id displayName version status }
}`;

interface Created {
  createDeviceImage: { id: string; status: string };
}

describe('Resolvers: mutations', () => {
  let stack: TestStack;
  beforeAll(async () => {
    // Polling slower than any test: events can only come from mutations.
    stack = await startTestStack({ gateway: { pollIntervalMs: 600_000 } });
  });
  afterAll(() => stack.close());

  const create = (input: Record<string, unknown>) =>
    graphqlRequest<Created>(stack.url, CREATE, { input });

  it('creates an image, returned PENDING', async () => {
    const response = await create({
      displayName: 'Created',
      version: '1.0.0',
      sourceImageResourceId: SOURCE,
    });
    expect(response.errors).toBeUndefined();
    expect(response.data!.createDeviceImage).toMatchObject({
      displayName: 'Created',
      version: '1.0.0',
      status: 'PENDING',
    });
    const id = response.data!.createDeviceImage.id;
    expect(stack.simulator.images().some((image) => image.id === id)).toBe(
      true,
    );
  });

  it.each([
    [
      'input.displayName',
      { displayName: '  ', version: '1.0.0', sourceImageResourceId: SOURCE },
      /^Invalid input\.displayName: expected a display name of 1 to 256 characters, not blank .*, but got " {2}"\.$/,
    ],
    [
      'input.version',
      { displayName: 'A', version: '1.0', sourceImageResourceId: SOURCE },
      'Invalid input.version: expected a version Major.Minor.Patch of whole ' +
        'numbers (at most 9 digits each), e.g. "1.0.0", but got "1.0".',
    ],
    [
      'input.sourceImageResourceId',
      { displayName: 'A', version: '1.0.0', sourceImageResourceId: '/x/y' },
      /^Invalid input\.sourceImageResourceId: expected the resource id of a managed image .*, but got "\/x\/y"\.$/,
    ],
  ])(
    'refuses a bad %s before any upstream call',
    async (argumentName, input, message) => {
      stack.simulator.resetRequests();
      const response = await create(input);
      expect(response.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        argumentName,
      });
      if (typeof message === 'string') {
        expect(response.errors?.[0]?.message).toBe(message);
      } else {
        expect(response.errors?.[0]?.message).toMatch(message);
      }
      expect(stack.simulator.requestCount()).toBe(0);
    },
  );

  it('reports CONFLICT for a display name and version that exist', async () => {
    const response = await create({
      displayName: 'ImageForDev',
      version: '0.0.1',
      sourceImageResourceId: SOURCE,
    });
    expect(response.errors?.[0]?.extensions?.['code']).toBe('CONFLICT');
  });

  it.each([
    ['a 500', { status: 500 }],
    ['a reset connection', { reset: true }],
  ])(
    'creates exactly one image when Graph answers %s after creating it',
    async (_name, fault) => {
      const displayName = `Ambiguous ${_name}`;
      stack.simulator.injectFault({
        route: 'createDeviceImage',
        afterApply: true,
        ...fault,
      });
      const response = await create({
        displayName,
        version: '2.0.0',
        sourceImageResourceId: SOURCE,
      });
      expect(response.errors).toBeUndefined();
      const matching = stack.simulator
        .images()
        .filter((image) => image.displayName === displayName);
      expect(matching).toHaveLength(1);
      expect(response.data!.createDeviceImage.id).toBe(matching[0]!.id);
    },
  );

  it('deletes an image and returns its id', async () => {
    const created = await create({
      displayName: 'ToDelete',
      version: '1.0.0',
      sourceImageResourceId: SOURCE,
    });
    const id = created.data!.createDeviceImage.id;
    const response = await graphqlRequest(
      stack.url,
      'mutation ($id: ID!) { deleteDeviceImage(id: $id) }',
      { id },
    );
    expect(response.data).toEqual({ deleteDeviceImage: id });
    expect(stack.simulator.images().some((image) => image.id === id)).toBe(
      false,
    );
  });

  it('reports NOT_FOUND when deleting an image that does not exist', async () => {
    const response = await graphqlRequest(
      stack.url,
      'mutation { deleteDeviceImage(id: "00000000-0000-4000-8000-00000000dead") }',
    );
    expect(response.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    expect(response.data).toBeNull();
  });

  it('refuses a malformed id to delete before any upstream call', async () => {
    stack.simulator.resetRequests();
    const response = await graphqlRequest(
      stack.url,
      'mutation { deleteDeviceImage(id: "a/b") }',
    );
    expect(response.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argumentName: 'id',
    });
    expect(stack.simulator.requestCount()).toBe(0);
  });

  it('retries a failed upload and returns the image, now PENDING', async () => {
    stack.simulator.resetRequests();
    const response = await graphqlRequest(
      stack.url,
      'mutation ($id: ID!) { reuploadDeviceImage(id: $id) { id status errorCode } }',
      { id: SEED_IMAGE_IDS.failedRetryable },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({
      reuploadDeviceImage: {
        id: SEED_IMAGE_IDS.failedRetryable,
        status: 'PENDING',
        errorCode: null,
      },
    });
    expect(stack.simulator.requestCount('retryUpload')).toBe(1);
  });

  it('refuses to retry the upload of an image that did not fail', async () => {
    const response = await graphqlRequest(
      stack.url,
      `mutation { reuploadDeviceImage(id: "${SEED_IMAGE_IDS.ready}") { id } }`,
    );
    expect(response.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argumentName: 'id',
    });
  });

  it('reports NOT_FOUND when retrying the upload of an unknown image', async () => {
    const response = await graphqlRequest(
      stack.url,
      'mutation { reuploadDeviceImage(id: "00000000-0000-4000-8000-00000000beef") { id } }',
    );
    expect(response.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
  });

  it('reports THROTTLED with retryAfter once Graph keeps answering 429', async () => {
    stack.simulator.injectFault({
      route: 'getDeviceImage',
      status: 429,
      retryAfterSeconds: 1,
      count: 3,
    });
    stack.simulator.resetRequests();
    const response = await graphqlRequest(
      stack.url,
      `{ deviceImage(id: "${SEED_IMAGE_IDS.ready}") { id } }`,
    );
    expect(response.errors?.[0]?.extensions).toMatchObject({
      code: 'THROTTLED',
      retryAfter: 1,
    });
    expect(stack.simulator.requestCount('getDeviceImage')).toBe(3);
  });

  it('tells subscribers of each change at once, without waiting for a poll', async () => {
    const client = createClient({
      url: stack.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    const events: { kind: string; id: string }[] = [];
    const subscribed = client.iterate<{
      deviceImageEvents: { kind: string; id: string };
    }>({ query: 'subscription { deviceImageEvents { kind id } }' });
    const collecting = (async () => {
      for await (const result of subscribed) {
        events.push(result.data!.deviceImageEvents);
        if (events.length === 3) break;
      }
    })();
    // Give the subscription time to register before the first change.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const created = await create({
      displayName: 'Announced',
      version: '1.0.0',
      sourceImageResourceId: SOURCE,
    });
    const id = created.data!.createDeviceImage.id;
    await graphqlRequest(
      stack.url,
      'mutation ($id: ID!) { reuploadDeviceImage(id: $id) { id } }',
      { id: SEED_IMAGE_IDS.failedNotGeneralized },
    );
    await graphqlRequest(
      stack.url,
      'mutation ($id: ID!) { deleteDeviceImage(id: $id) }',
      { id },
    );
    await collecting;
    await client.dispose();
    expect(events).toEqual([
      { kind: 'CREATED', id },
      { kind: 'STATUS_CHANGED', id: SEED_IMAGE_IDS.failedNotGeneralized },
      { kind: 'DELETED', id },
    ]);
  });
});
