/** Small helpers the simulator's contract tests share. */
import {
  Client,
  HTTPMessageHandler,
  type Context,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import { request } from 'undici';

import type { Simulator } from '../../src/simulator/index.js';

export const IMAGES = '/beta/deviceManagement/virtualEndpoint/deviceImages';
export const SDK_IMAGES = '/deviceManagement/virtualEndpoint/deviceImages';
export const JSON_TYPE =
  'application/json;odata.metadata=minimal;odata.streaming=true;' +
  'IEEE754Compatible=false;charset=utf-8';

/** The documented create example's source (contract §1). */
export const DOC_SOURCE =
  '/subscriptions/0ac520ee-14c0-480f-b6c9-0a90c58ffff/resourceGroups/' +
  'Example/providers/Microsoft.Compute/images/exampleImage';
const SUB = '/subscriptions/0ac520ee-14c0-480f-b6c9-0a90c585ffff';
const COMPUTE = `${SUB}/resourceGroups/Example/providers/Microsoft.Compute`;
export const SOURCES = {
  devImage: `${COMPUTE}/images/exampleImageForDev`,
  galleryV1: `${COMPUTE}/galleries/exampleGallery/images/exampleImageForDev/versions/1.0.0`,
  win10: `${COMPUTE}/images/win10-22h2-ent`,
  notGeneralized: `${COMPUTE}/images/win11-not-generalized`,
  win7: `${COMPUTE}/images/win7-legacy`,
  corrupt: `${COMPUTE}/images/corrupt-vhd`,
  dataDisk: `${COMPUTE}/galleries/exampleGallery/images/withDataDisk/versions/1.0.0`,
  missing: `${COMPUTE}/images/doesNotExist`,
};

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: any;
}

/** One raw HTTP call; `token: null` sends no Authorization header. */
export async function call(
  sim: Simulator,
  method: string,
  path: string,
  options: {
    body?: unknown;
    headers?: Record<string, string>;
    token?: string | null;
  } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? 'token' : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body =
      typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await request(sim.origin + path, {
    method: method as 'GET',
    headers,
    body,
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    headers: res.headers as Record<string, string>,
    body: text === '' ? undefined : JSON.parse(text),
  };
}

/**
 * Sets the bearer token. The SDK's own AuthenticationHandler only adds a
 * token for https hosts (and strips it for others); the simulator speaks
 * http, so this middleware takes its place in the chain.
 */
class BearerToken implements Middleware {
  private next: Middleware | undefined;

  constructor(private readonly token: string) {}

  async execute(context: Context): Promise<void> {
    context.options = {
      ...context.options,
      headers: {
        ...(context.options?.headers as Record<string, string> | undefined),
        Authorization: `Bearer ${this.token}`,
      },
    };
    await this.next?.execute(context);
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}

/** Microsoft's Graph SDK pointed at the simulator. */
export function graphClient(sim: Simulator, token = 'token'): Client {
  return Client.initWithMiddleware({
    middleware: [new BearerToken(token), new HTTPMessageHandler()],
    baseUrl: sim.origin,
    defaultVersion: 'beta',
  });
}

/** A valid create body. */
export function newImage(
  displayName: string,
  sourceImageResourceId = DOC_SOURCE,
  version = '1.0.0',
) {
  return { displayName, version, sourceImageResourceId };
}

/** Resolves once `check` holds, polling every 10 ms. */
export async function until(
  check: () => boolean,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition never held');
    await new Promise((r) => setTimeout(r, 10));
  }
}
