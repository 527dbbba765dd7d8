/**
 * The request log and per-route counters tests assert on. Internal to the
 * simulator. Counters stay exact however long the process runs; the log
 * keeps the newest `limit` entries so a long-running CLI stays bounded.
 */
import type { RecordedRequest, SimulatorRoute } from './types.js';

/** Records what the simulator was asked and how it answered. */
export class RequestRecorder {
  private log: RecordedRequest[] = [];
  private httpCount = 0;
  private byRoute = new Map<SimulatorRoute, number>();

  constructor(private readonly limit: number) {}

  record(entry: RecordedRequest): void {
    if (!entry.batchItem) this.httpCount++;
    this.byRoute.set(entry.route, (this.byRoute.get(entry.route) ?? 0) + 1);
    this.log.push(entry);
    // Trimming in chunks keeps the cost of dropping old entries amortised.
    if (this.log.length > this.limit * 2) {
      this.log = this.log.slice(-this.limit);
    }
  }

  /** See `Simulator.requestCount`. */
  count(route?: SimulatorRoute): number {
    return route === undefined
      ? this.httpCount
      : (this.byRoute.get(route) ?? 0);
  }

  entries(): RecordedRequest[] {
    return this.log.length > this.limit
      ? this.log.slice(-this.limit)
      : this.log.slice();
  }

  /** Counts per route, for the HTTP test endpoint. */
  counts(): Record<string, number> {
    return { http: this.httpCount, ...Object.fromEntries(this.byRoute) };
  }

  reset(): void {
    this.log = [];
    this.httpCount = 0;
    this.byRoute.clear();
  }
}

/** Copies headers lowercased, with `authorization` redacted. */
export function recordableHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key in headers) {
    const value = headers[key];
    if (value === undefined) continue;
    const name = key.toLowerCase();
    out[name] =
      name === 'authorization'
        ? '[redacted]'
        : Array.isArray(value)
          ? value.join(', ')
          : value;
  }
  return out;
}
