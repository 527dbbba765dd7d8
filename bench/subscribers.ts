/**
 * The subscriber clients, run as their own process so their CPU is not the
 * gateway's: opens many graphql-ws clients, one socket each by default
 * (what 10,000 browser tabs look like), subscribes every one to one
 * operation, and reports on its IPC channel when each saw an expected
 * status, in {@link monotonicMs} readings the parent can compare with its
 * own.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

import { monotonicMs } from './stats.js';

/** Parent → child. */
export type SubscriberCommand =
  | {
      type: 'connect';
      url: string;
      subscribers: number;
      /** Subscriptions multiplexed on one socket. */
      perSocket: number;
      /** Sockets opening at once. */
      concurrency: number;
      query: string;
      variables: Record<string, unknown>;
      /** Path of the streamed image's status in each `next` payload. */
      field: string;
    }
  | { type: 'expect'; status: string }
  | { type: 'flush' }
  | { type: 'close' };

/** Child → parent. */
export type SubscriberReport =
  | {
      type: 'connected';
      subscribers: number;
      sockets: number;
      failed: number;
      firstStatus: string | null;
      ms: number;
      errors: string[];
    }
  | { type: 'arrivals'; status: string; times: number[]; missing: number }
  | { type: 'closed' };

const clients: Client[] = [];
const disposers: (() => void)[] = [];
let expected: string | undefined;
let arrivals: number[] = [];
let arrived: Uint8Array = new Uint8Array(0);

function report(message: SubscriberReport): void {
  process.send!(message);
}

function flush(): void {
  if (expected === undefined) return;
  report({
    type: 'arrivals',
    status: expected,
    times: arrivals,
    missing: arrived.length - arrivals.length,
  });
  expected = undefined;
}

async function connect(
  command: Extract<SubscriberCommand, { type: 'connect' }>,
): Promise<void> {
  const start = monotonicMs();
  const sockets = Math.ceil(command.subscribers / command.perSocket);
  arrived = new Uint8Array(command.subscribers);
  const errors: string[] = [];
  let failed = 0;
  let firstStatus: string | null = null;
  let next = 0;

  // Each subscription resolves once its first result (the image now)
  // arrives, so "connected" means every subscriber is live on the server.
  function subscribe(client: Client, index: number): Promise<void> {
    return new Promise((resolve) => {
      let first = true;
      const dispose = client.subscribe(
        { query: command.query, variables: command.variables },
        {
          next(result) {
            const status = (result.data as any)?.[command.field]?.status;
            if (first) {
              first = false;
              firstStatus ??= status ?? null;
              resolve();
            }
            if (
              status === expected &&
              expected !== undefined &&
              arrived[index] === 0
            ) {
              arrived[index] = 1;
              arrivals.push(monotonicMs());
              if (arrivals.length === arrived.length) flush();
            }
          },
          error(error) {
            failed++;
            if (errors.length < 5) errors.push(describe(error));
            resolve();
          },
          complete() {
            resolve();
          },
        },
      );
      disposers.push(dispose);
    });
  }

  async function openSocket(): Promise<void> {
    while (next < sockets) {
      const socket = next++;
      const client = createClient({
        url: command.url,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: true,
      });
      clients.push(client);
      const first = socket * command.perSocket;
      const last = Math.min(command.subscribers, first + command.perSocket);
      const pending: Promise<void>[] = [];
      for (let index = first; index < last; index++) {
        pending.push(subscribe(client, index));
      }
      await Promise.all(pending);
    }
  }

  await Promise.all(
    Array.from({ length: Math.min(command.concurrency, sockets) }, openSocket),
  );
  report({
    type: 'connected',
    subscribers: command.subscribers,
    sockets,
    failed,
    firstStatus,
    ms: monotonicMs() - start,
    errors,
  });
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (Array.isArray(error)) return JSON.stringify(error).slice(0, 300);
  if (error && typeof error === 'object' && 'code' in error) {
    const event = error as { code: number; reason?: string };
    return `socket closed ${event.code} ${event.reason ?? ''}`;
  }
  return String(error);
}

process.on('message', (command: SubscriberCommand) => {
  switch (command.type) {
    case 'connect':
      void connect(command);
      break;
    case 'expect':
      expected = command.status;
      arrivals = [];
      arrived.fill(0);
      break;
    case 'flush':
      flush();
      break;
    case 'close':
      for (const dispose of disposers) dispose();
      void Promise.all(clients.map((client) => client.dispose())).then(() => {
        report({ type: 'closed' });
        process.disconnect();
      });
      break;
  }
});
