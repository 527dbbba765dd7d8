/**
 * Standing and one-shot faults (throttling, random 503s, latency, injected
 * failures). Internal to the simulator; tests drive it through
 * `Simulator.injectFault` and `setFaults`.
 */
import { GraphHttpError, throttledError } from './GraphHttpError.js';
import type {
  InjectedFault,
  SimulatorFaults,
  SimulatorRoute,
} from './types.js';

interface QueuedFault {
  fault: InjectedFault;
  remaining: number;
}

/** Decides which requests fail, and how. */
export class FaultController {
  private standing: SimulatorFaults;
  private queue: QueuedFault[] = [];
  /** Fixed throttle windows per tenant: start time and requests seen. */
  private windows = new Map<string, { start: number; count: number }>();

  constructor(
    faults: SimulatorFaults,
    private readonly random = Math.random,
  ) {
    this.standing = faults;
  }

  get latencyMs(): number {
    return this.standing.latencyMs ?? 0;
  }

  setFaults(faults: SimulatorFaults): void {
    this.standing = faults;
    this.windows.clear();
  }

  inject(fault: InjectedFault): void {
    const remaining = fault.count ?? 1;
    if (!Number.isInteger(remaining) || remaining < 1) {
      throw new TypeError(
        `injectFault(): count must be a positive integer, got ${fault.count}.`,
      );
    }
    this.queue.push({ fault, remaining });
  }

  /** Forgets injected faults and throttle windows (not standing faults). */
  reset(): void {
    this.queue = [];
    this.windows.clear();
  }

  /** Takes one use of the oldest queued fault that matches `route`. */
  takeInjected(route: SimulatorRoute): InjectedFault | undefined {
    const index = this.queue.findIndex(
      (q) => q.fault.route === undefined || q.fault.route === route,
    );
    if (index === -1) return undefined;
    const queued = this.queue[index] as QueuedFault;
    if (--queued.remaining === 0) this.queue.splice(index, 1);
    return queued.fault;
  }

  /**
   * The standing fault a request meets, if any. Throttling counts every
   * request of a tenant in a fixed window, those it rejects included, as
   * Graph's limits do (contract §5, "Throttling").
   */
  standingFault(tenant: string, now = Date.now()): GraphHttpError | undefined {
    const { throttle, errorRate } = this.standing;
    if (throttle) {
      let window = this.windows.get(tenant);
      if (!window || now - window.start >= throttle.windowMs) {
        window = { start: now, count: 0 };
        this.windows.set(tenant, window);
      }
      if (++window.count > throttle.requests) {
        return throttledError(throttle.retryAfterSeconds);
      }
    }
    if (errorRate && this.random() < errorRate) {
      return new GraphHttpError(
        503,
        'serviceNotAvailable',
        'The service is temporarily unavailable; retry later.',
      );
    }
    return undefined;
  }
}
