/**
 * Part 3: many idle subscribers on one gateway. Memory per subscriber, CPU
 * at idle, and how long one status change in the simulator takes to reach
 * every subscriber, timed from the `updateImage` call and from the poll
 * that saw it. The clients run in `subscribers.js`, a process of their
 * own. Internal to `bench/`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

import type { Simulator } from '../src/simulator/index.js';
import { cpuSeconds, pin, startServer, type Placement } from './processes.js';
import { requestBodies } from './queries.js';
import type { BenchScale } from './scale.js';
import { benchScript, gatewaySpec } from './servers.js';
import { monotonicMs, quantile } from './stats.js';
import type { SubscriberCommand, SubscriberReport } from './subscribers.js';

/** One timed change. Times in milliseconds. */
export interface DeliveryRound {
  status: string;
  delivered: number;
  missing: number;
  /** From the `updateImage` call to the poll that saw it (its answer). */
  pollLagMs: number;
  fromChange: { p50: number; p99: number; last: number };
  fromPoll: { p50: number; p99: number; last: number };
  /** Gateway CPU from the change until the last delivery. */
  gatewayCpuMs: number;
  /** The clients' CPU over the same time: high means they lag. */
  clientCpuMs: number;
  /**
   * From the change to the last arrival, on the monotonic clock (ms), which
   * is also the clock of V8's CPU profiles: `profileSummary.js --windows`
   * keeps only these samples.
   */
  window: [number, number];
}

/** Part 3's figures. */
export interface SubscriptionResult {
  subscribers: number;
  sockets: number;
  perSocket: number;
  failed: number;
  connectSeconds: number;
  pollIntervalMs: number;
  rssBeforeMB: number;
  rssAfterMB: number;
  rssPerSubscriberKB: number;
  /** Gateway CPU with every subscriber idle, share of one core. */
  idleCore: number;
  idleSeconds: number;
  /** The idle measurement's span on the monotonic clock (ms). */
  idleWindow: [number, number];
  rounds: DeliveryRound[];
  /** Over every delivery of every round. */
  fromChange: { p50: number; p99: number; last: number };
  fromPoll: { p50: number; p99: number; last: number };
}

const SUBSCRIPTION =
  'subscription Watch($id: ID!) { deviceImageStatusChanged(id: $id) ' +
  '{ id status } }';

/** Runs part 3 on a gateway of its own, polling every `pollIntervalMs`. */
export async function measureSubscriptions(options: {
  simulator: Simulator;
  imageId: string;
  scale: BenchScale;
  placement: Placement;
  log: (line: string) => void;
}): Promise<SubscriptionResult> {
  const { simulator, imageId, placement, log } = options;
  const sizes = options.scale.subscriptions;
  simulator.updateImage(imageId, { status: 'ready', errorCode: null });
  const gateway = await startServer(
    gatewaySpec(
      simulator.baseUrl,
      placement.server,
      requestBodies(imageId).single,
      sizes.pollIntervalMs,
    ),
  );
  const clients = fork(benchScript('subscribers.js'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  pin(clients.pid!, placement.rest);
  const reports = reportQueue(clients);
  try {
    await sleep(sizes.settleMs);
    const rssBefore = gateway.rssBytes();
    send(clients, {
      type: 'connect',
      url: gateway.url.replace(/^http/, 'ws'),
      subscribers: sizes.subscribers,
      perSocket: sizes.perSocket,
      concurrency: sizes.concurrency,
      query: SUBSCRIPTION,
      variables: { id: imageId },
      field: 'deviceImageStatusChanged',
    });
    const connected = await reports.next('connected', 300_000);
    log(
      `  ${connected.subscribers} subscribers on ${connected.sockets} ` +
        `sockets in ${(connected.ms / 1000).toFixed(1)} s, ` +
        `${connected.failed} failed ${connected.errors.join('; ')}`,
    );
    if (connected.failed === connected.subscribers) {
      throw new Error(
        `Every subscription failed: ${connected.errors.join('; ')}. ` +
          `Gateway output:\n${gateway.output()}`,
      );
    }
    await sleep(sizes.settleMs);
    const rssAfter = gateway.rssBytes();
    const cpuBefore = gateway.cpuSeconds();
    const idleStart = monotonicMs();
    await sleep(sizes.idleSec * 1_000);
    const idleEnd = monotonicMs();
    const idleSeconds = (idleEnd - idleStart) / 1_000;
    const idleCore = (gateway.cpuSeconds() - cpuBefore) / idleSeconds;

    const rounds: DeliveryRound[] = [];
    const allFromChange: number[] = [];
    const allFromPoll: number[] = [];
    for (let round = 0; round < sizes.changes; round++) {
      const failed = round % 2 === 0;
      const status = failed ? 'FAILED' : 'READY';
      send(clients, { type: 'expect', status });
      // Let the command reach the clients before anything can arrive.
      await sleep(50);
      const polls = simulator.requestCount('listDeviceImages');
      const gatewayCpu = gateway.cpuSeconds();
      const clientCpu = cpuSeconds(clients.pid!);
      const changedAt = monotonicMs();
      const changedEpochMs = Date.now();
      simulator.updateImage(
        imageId,
        failed
          ? { status: 'failed', errorCode: 'internalServerError' }
          : { status: 'ready', errorCode: null },
      );
      const polledAt = await nextPoll(
        simulator,
        polls,
        changedAt,
        changedEpochMs,
      );
      const timer = setTimeout(
        () => send(clients, { type: 'flush' }),
        10_000 + sizes.pollIntervalMs,
      );
      const arrivals = await reports.next('arrivals', 20_000);
      clearTimeout(timer);
      const gatewayCpuMs = (gateway.cpuSeconds() - gatewayCpu) * 1_000;
      const clientCpuMs = (cpuSeconds(clients.pid!) - clientCpu) * 1_000;
      const fromChange = arrivals.times.map((t) => t - changedAt);
      const fromPoll = arrivals.times.map((t) => t - polledAt);
      allFromChange.push(...fromChange);
      allFromPoll.push(...fromPoll);
      const summary: DeliveryRound = {
        status,
        delivered: arrivals.times.length,
        missing: arrivals.missing,
        pollLagMs: polledAt - changedAt,
        fromChange: spread(fromChange),
        fromPoll: spread(fromPoll),
        gatewayCpuMs,
        clientCpuMs,
        window: [changedAt, Math.max(changedAt, ...arrivals.times)],
      };
      rounds.push(summary);
      log(
        `  change ${round + 1} (${status}): ${summary.delivered} delivered, ` +
          `${summary.missing} missing; from the poll p50 ` +
          `${summary.fromPoll.p50.toFixed(1)} ms, p99 ` +
          `${summary.fromPoll.p99.toFixed(1)} ms, last ` +
          `${summary.fromPoll.last.toFixed(1)} ms; CPU gateway ` +
          `${gatewayCpuMs.toFixed(0)} ms, clients ${clientCpuMs.toFixed(0)} ms`,
      );
      await sleep(sizes.pollIntervalMs * 3);
    }
    send(clients, { type: 'close' });
    await reports.next('closed', 60_000).catch(() => undefined);
    return {
      subscribers: connected.subscribers,
      sockets: connected.sockets,
      perSocket: sizes.perSocket,
      failed: connected.failed,
      connectSeconds: connected.ms / 1_000,
      pollIntervalMs: sizes.pollIntervalMs,
      rssBeforeMB: rssBefore / 2 ** 20,
      rssAfterMB: rssAfter / 2 ** 20,
      rssPerSubscriberKB: (rssAfter - rssBefore) / 1024 / connected.subscribers,
      idleCore,
      idleSeconds,
      idleWindow: [idleStart, idleEnd],
      rounds,
      fromChange: spread(allFromChange),
      fromPoll: spread(allFromPoll),
    };
  } finally {
    if (clients.exitCode === null) clients.kill('SIGKILL');
    await gateway.stop();
  }
}

function spread(values: number[]): DeliveryRound['fromPoll'] {
  return {
    p50: quantile(values, 0.5),
    p99: quantile(values, 0.99),
    last: values.length === 0 ? Number.NaN : Math.max(...values),
  };
}

/**
 * When the poll that saw the change was answered: the first list request
 * the simulator received at or after the change (`changedEpochMs`, by its
 * `receivedAt`), since the simulator answers a GET as it arrives. A poll
 * already in flight at the change is passed over. Checked every
 * millisecond.
 */
async function nextPoll(
  simulator: Simulator,
  before: number,
  changedAt: number,
  changedEpochMs: number,
): Promise<number> {
  let seen = before;
  for (;;) {
    const count = simulator.requestCount('listDeviceImages');
    if (count > seen) {
      const now = monotonicMs();
      const requests = simulator.requests;
      for (let i = requests.length - 1; i >= 0; i--) {
        const request = requests[i]!;
        if (request.route !== 'listDeviceImages') continue;
        if (request.receivedAt >= changedEpochMs) return now;
        break;
      }
      seen = count;
    }
    if (monotonicMs() - changedAt > 30_000) {
      throw new Error('The gateway did not poll within 30 s of a change');
    }
    await sleep(1);
  }
}

function send(child: ChildProcess, command: SubscriberCommand): void {
  child.send(command);
}

type ReportOf<T extends SubscriberReport['type']> = Extract<
  SubscriberReport,
  { type: T }
>;

/** Waits for the clients' reports by type, in arrival order. */
function reportQueue(child: ChildProcess): {
  next<T extends SubscriberReport['type']>(
    type: T,
    timeoutMs: number,
  ): Promise<ReportOf<T>>;
} {
  const queued: SubscriberReport[] = [];
  let wake: (() => void) | undefined;
  let exited = false;
  child.on('message', (report: SubscriberReport) => {
    queued.push(report);
    wake?.();
  });
  child.on('exit', () => {
    exited = true;
    wake?.();
  });
  return {
    async next(type, timeoutMs) {
      const deadline = monotonicMs() + timeoutMs;
      for (;;) {
        const index = queued.findIndex((report) => report.type === type);
        if (index >= 0)
          return queued.splice(index, 1)[0] as ReportOf<typeof type>;
        if (exited)
          throw new Error(`The subscriber process exited before "${type}"`);
        const left = deadline - monotonicMs();
        if (left <= 0)
          throw new Error(`No "${type}" report within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    },
  };
}
