import { existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';

import {
  chromium,
  type Browser,
  type BrowserContext,
  type Page,
} from 'playwright-core';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { defaultAssetsDir } from '../../src/server/graphiql/assets.js';
import { bundleGraphiql } from '../../src/server/graphiql/bundle.js';
import { createGraphiqlHandler } from '../../src/server/graphiql/index.js';
import { prefersHtml } from '../../src/server/graphiql/page.js';
import { SEED_IMAGE_IDS, SOURCE_IMAGES } from '../../src/simulator/index.js';
import {
  graphqlRequest,
  startTestStack,
  type TestStack,
} from '../utils/servers.js';

const ROOT = join(import.meta.dirname, '..', '..');
const PAGE_SOURCES = join(ROOT, 'src', 'server', 'graphiql', 'page');
const OUTPUT = join(ROOT, 'test-output');

const COUNT = /* GraphQL */ `
  query Count($first: Int) {
    deviceImages(first: $first) {
      totalCount
      nodes {
        id
        status
      }
    }
  }
`;

const EVENTS = /* GraphQL */ `
  subscription Events {
    deviceImageEvents {
      kind
      previousStatus
      image {
        displayName
        status
      }
    }
  }
`;

const WATCH = /* GraphQL */ `
  subscription Watch($id: ID!) {
    deviceImageStatusChanged(id: $id) {
      id
      status
      errorCode
    }
  }
`;

const CREATE = /* GraphQL */ `
  mutation Create($input: CreateDeviceImageInput!) {
    createDeviceImage(input: $input) {
      id
    }
  }
`;

const READY_SOURCE = SOURCE_IMAGES.find((s) => s.outcome.status === 'ready');

/** How long to wait for the page to show something. */
const POLL = { timeout: 10_000, interval: 100 };

/** What a page did, recorded from the browser's side. */
interface PageRecord {
  page: Page;
  requests: string[];
  /** `Authorization` of each POST to the GraphQL path. */
  authorizations: (string | undefined)[];
  sockets: string[];
  framesSent: string[];
  framesReceived: string[];
  errors: string[];
}

/** Rebuilds the bundle when it is missing or older than the page source. */
async function ensureBundle(): Promise<void> {
  const manifest = join(defaultAssetsDir(), 'manifest.json');
  if (existsSync(manifest)) {
    const built = statSync(manifest).mtimeMs;
    const sources = await readdir(PAGE_SOURCES);
    const stale = sources.some(
      (name) => statSync(join(PAGE_SOURCES, name)).mtimeMs > built,
    );
    if (!stale) return;
  }
  await bundleGraphiql({ rootDir: ROOT });
}

/**
 * The result pane's visible text (Monaco renders spaces as U+00A0 and draws
 * only the lines in view, so long results are cut).
 */
async function resultText(page: Page): Promise<string> {
  const text = await page.locator('.result-window .view-lines').innerText();
  return text.replaceAll('\u00a0', ' ');
}

/** The result pane as JSON, or its text while it is not (yet) JSON. */
async function resultOf(page: Page): Promise<unknown> {
  const text = await resultText(page);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function createImage(
  stack: TestStack,
  displayName: string,
  headers: Record<string, string> = {},
): Promise<void> {
  const created = await graphqlRequest(
    stack.url,
    CREATE,
    {
      input: {
        displayName,
        version: '1.0.0',
        sourceImageResourceId: READY_SOURCE?.resourceId,
      },
    },
    headers,
  );
  expect(created.errors).toBeUndefined();
}

describe('GraphiQL: served by the gateway', () => {
  let stack: TestStack;
  let browser: Browser;
  let origin: string;
  const contexts: BrowserContext[] = [];

  const open = async (
    target: TestStack,
    params: Record<string, string> = {},
  ): Promise<PageRecord> => {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
    });
    contexts.push(context);
    const page = await context.newPage();
    const record: PageRecord = {
      page,
      requests: [],
      authorizations: [],
      sockets: [],
      framesSent: [],
      framesReceived: [],
      errors: [],
    };
    page.on('request', (req) => {
      record.requests.push(req.url());
      if (req.method() === 'POST') {
        record.authorizations.push(req.headers()['authorization']);
      }
    });
    page.on('console', (message) => {
      if (message.type() === 'error') record.errors.push(message.text());
    });
    page.on('pageerror', (error) => record.errors.push(error.message));
    page.on('websocket', (socket) => {
      record.sockets.push(socket.url());
      socket.on('framesent', (f) => record.framesSent.push(String(f.payload)));
      socket.on('framereceived', (f) =>
        record.framesReceived.push(String(f.payload)),
      );
    });
    const query = new URLSearchParams(params).toString();
    await page.goto(`${target.url}${query ? `?${query}` : ''}`);
    await page.locator('.graphiql-execute-button').waitFor();
    return record;
  };

  /** Everything the page fetched came from the gateway it was opened on. */
  const expectOwnOrigin = (record: PageRecord, target: TestStack) => {
    const own = new URL(target.url);
    expect(record.requests.length).toBeGreaterThan(0);
    for (const url of record.requests)
      expect(new URL(url).origin).toBe(own.origin);
    for (const url of record.sockets) expect(new URL(url).host).toBe(own.host);
    expect(record.errors).toEqual([]);
  };

  beforeAll(async () => {
    await ensureBundle();
    [stack, browser] = await Promise.all([
      startTestStack({ gateway: { graphiql: true } }),
      chromium.launch({
        executablePath: '/usr/bin/chromium',
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      }),
    ]);
    origin = new URL(stack.url).origin;
    await mkdir(OUTPUT, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    await browser?.close();
    await stack?.close();
  });

  it('serves the page to browsers with a same-origin policy', async () => {
    const response = await request(stack.url, {
      headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
    });
    const html = await response.body.text();
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(response.headers['content-security-policy']);
    const host = new URL(stack.url).host;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain(`connect-src 'self' ws://${host} wss://${host}`);
    expect(html).toMatch(/<script defer src="\/graphiql\/page-\w+\.js">/);
  });

  it('leaves requests that prefer JSON to GraphQL', async () => {
    const response = await request(`${stack.url}?query={__typename}`, {
      headers: {
        accept: 'application/graphql-response+json, */*',
        'apollo-require-preflight': 'true',
      },
    });
    expect(response.headers['content-type']).toMatch(/json/);
    expect(await response.body.json()).toEqual({
      data: { __typename: 'Query' },
    });
  });

  it('serves the hashed bundle with long-lived caching and compression', async () => {
    const html = await (
      await request(stack.url, { headers: { accept: 'text/html' } })
    ).body.text();
    const script = /src="(\/graphiql\/page-\w+\.js)"/.exec(html)?.[1];
    const response = await request(`${origin}${script}`, {
      headers: { 'accept-encoding': 'gzip, br' },
    });
    const body = Buffer.from(await response.body.arrayBuffer());
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe(
      'text/javascript; charset=utf-8',
    );
    expect(response.headers['content-encoding']).toBe('br');
    expect(response.headers['cache-control']).toBe(
      'public, max-age=31536000, immutable',
    );
    expect(body.length).toBe(Number(response.headers['content-length']));

    const again = await request(`${origin}${script}`, {
      headers: { 'if-none-match': String(response.headers.etag) },
    });
    await again.body.dump();
    expect(again.statusCode).toBe(304);

    const missing = await request(`${origin}/graphiql/nothing.js`);
    expect(missing.statusCode).toBe(404);
    await missing.body.dump();
  });

  it('runs the operation and variables named in the URL', async () => {
    const record = await open(stack, {
      query: COUNT.trim(),
      variables: '{ "first": 2 }',
    });
    await record.page.locator('.graphiql-execute-button').click();
    const expected = await graphqlRequest(stack.url, COUNT, { first: 2 });
    expect(expected.data).toMatchObject({
      deviceImages: { nodes: [{}, {}] },
    });
    await expect
      .poll(() => resultOf(record.page), POLL)
      .toEqual({ data: expected.data });
    expect(record.requests).toContain(stack.url);
    expectOwnOrigin(record, stack);
  });

  it('opens on the image list without parameters, with docs and workers', async () => {
    const record = await open(stack);
    const editor = record.page.locator('.graphiql-query-editor');
    await expect.poll(() => editor.innerText(), POLL).toContain('ListImages');
    await record.page.locator('.graphiql-execute-button').click();
    await record.page.getByRole('button', { name: /documentation/i }).click();
    await record.page.getByText('Root Types').waitFor();
    await expect
      .poll(() => resultText(record.page), POLL)
      .toContain('"totalCount":');
    // Monaco starts its workers when it first needs each one.
    const workers = () =>
      record.requests
        .filter((url) => url.includes('.worker-'))
        .map((url) => /\/(\w+)\.worker-/.exec(url)?.[1]);
    await expect
      .poll(workers, POLL)
      .toEqual(expect.arrayContaining(['editor', 'graphql', 'json']));
    expectOwnOrigin(record, stack);
  });

  it('streams subscription events into the result pane', async () => {
    const record = await open(stack, { query: EVENTS.trim() });
    await record.page.locator('.graphiql-execute-button').click();
    await expect
      .poll(
        () => record.framesSent.some((f) => f.includes('"subscribe"')),
        POLL,
      )
      .toBe(true);
    await createImage(stack, 'Seen live');
    await expect
      .poll(() => resultOf(record.page), POLL)
      .toEqual({
        data: {
          deviceImageEvents: {
            kind: 'STATUS_CHANGED',
            previousStatus: 'PENDING',
            image: { displayName: 'Seen live', status: 'READY' },
          },
        },
      });
    expect(
      record.framesReceived.filter((f) => f.includes('Seen live')).length,
    ).toBeGreaterThan(0);
    await record.page.screenshot({
      path: join(OUTPUT, 'graphiql-subscription.png'),
    });
    expectOwnOrigin(record, stack);
  });

  it('shows an image\u2019s status changing live', async () => {
    const id = SEED_IMAGE_IDS.ready;
    const record = await open(stack, {
      query: WATCH.trim(),
      variables: JSON.stringify({ id }),
    });
    await record.page.locator('.graphiql-execute-button').click();
    await expect
      .poll(() => resultOf(record.page), POLL)
      .toEqual({
        data: {
          deviceImageStatusChanged: { id, status: 'READY', errorCode: null },
        },
      });
    stack.simulator.updateImage(id, {
      status: 'failed',
      errorCode: 'sourceImageInvalid',
    });
    try {
      await expect
        .poll(() => resultOf(record.page), POLL)
        .toEqual({
          data: {
            deviceImageStatusChanged: {
              id,
              status: 'FAILED',
              errorCode: 'SOURCE_IMAGE_INVALID',
            },
          },
        });
    } finally {
      stack.simulator.updateImage(id, { status: 'ready', errorCode: null });
    }
    await record.page.screenshot({
      path: join(OUTPUT, 'graphiql-status.png'),
    });
    expectOwnOrigin(record, stack);
  });

  describe('with pass-through credentials', () => {
    let passthrough: TestStack;

    beforeAll(async () => {
      passthrough = await startTestStack({
        simulator: { tokens: { 'token-a': 'tenant-a' } },
        gateway: { graphiql: true, auth: { mode: 'passthrough' } },
      });
    });

    afterAll(async () => {
      await passthrough?.close();
    });

    it('sends the Authorization header over HTTP and the WebSocket', async () => {
      const record = await open(passthrough, { query: EVENTS.trim() });
      const headers = record.page.locator(
        '.monaco-editor[data-uri$="request-headers.json"]',
      );
      await expect.poll(() => headers.innerText(), POLL).toContain('Bearer');
      await headers.click();
      await record.page.keyboard.press('Control+A');
      await record.page.keyboard.insertText(
        '{ "Authorization": "Bearer token-a" }',
      );
      // Drops whatever the editor closed on its own after the cursor.
      await record.page.keyboard.press('Shift+Control+End');
      await record.page.keyboard.press('Delete');
      await expect
        .poll(() => record.authorizations, POLL)
        .toEqual(['Bearer token-a']);
      await record.page.locator('.graphiql-execute-button').click();
      await expect
        .poll(
          () => record.framesSent.some((f) => f.includes('"subscribe"')),
          POLL,
        )
        .toBe(true);
      expect(JSON.parse(record.framesSent[0] ?? '')).toEqual({
        type: 'connection_init',
        payload: { authorization: 'Bearer token-a' },
      });
      await createImage(passthrough, 'Mine', {
        authorization: 'Bearer token-a',
      });
      await expect
        .poll(() => resultOf(record.page), POLL)
        .toMatchObject({
          data: { deviceImageEvents: { image: { displayName: 'Mine' } } },
        });
      expectOwnOrigin(record, passthrough);
    });
  });

  describe('when turned off', () => {
    it('serves neither the page nor the bundle', async () => {
      const off = await startTestStack({ gateway: { graphiql: false } });
      try {
        const page = await request(off.url, {
          headers: { accept: 'text/html' },
        });
        expect(page.headers['content-type']).not.toMatch(/html/);
        await page.body.dump();
        const html = await (
          await request(stack.url, { headers: { accept: 'text/html' } })
        ).body.text();
        const script = /src="\/graphiql\/([\w.-]+)"/.exec(html)?.[1];
        const asset = await request(
          `${new URL(off.url).origin}/graphiql/${script}`,
        );
        expect(asset.statusCode).toBe(404);
        expect(asset.headers['content-type']).not.toMatch(/javascript/);
        await asset.body.dump();
      } finally {
        await off.close();
      }
    });
  });
});

describe('GraphiQL: content negotiation', () => {
  it.each([
    ['text/html,application/xhtml+xml,*/*;q=0.8', true],
    ['text/html', true],
    ['application/json, text/html;q=0.9', false],
    ['application/graphql-response+json, application/json;q=0.9', false],
    ['*/*', false],
    ['text/*, application/json;q=0.5', true],
    ['text/html;q=0', false],
    [undefined, false],
  ])('ranks Accept %j as HTML: %j', (accept, expected) => {
    expect(prefersHtml(accept)).toBe(expected);
  });
});

describe('GraphiQL: handler without a bundle', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const handler = createGraphiqlHandler({
      enabled: true,
      graphqlPath: '/graphql',
      passthroughAuth: false,
      assetsDir: join(OUTPUT, 'no-such-bundle'),
    });
    server = createServer((req, res) => {
      if (!handler(req, res)) res.writeHead(418).end();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((done) => server.close(done));
  });

  it('answers 503 naming the build command', async () => {
    const response = await request(`${base}/graphql`, {
      headers: { accept: 'text/html' },
    });
    expect(response.statusCode).toBe(503);
    expect(await response.body.text()).toMatch(
      /GraphiQL is enabled but its bundle is missing: expected .*no-such-bundle\/manifest\.json, found none\. Run `npm run build`\./,
    );
  });

  it('declines other methods and paths', async () => {
    const post = await request(`${base}/graphql`, {
      method: 'POST',
      headers: { accept: 'text/html' },
    });
    const other = await request(`${base}/elsewhere`, {
      headers: { accept: 'text/html' },
    });
    await Promise.all([post.body.dump(), other.body.dump()]);
    expect([post.statusCode, other.statusCode]).toEqual([418, 418]);
  });
});
