/**
 * Order statistics for the bench. Internal to `bench/`.
 */

/**
 * The value at quantile `q` (0 to 1) of `values`, by the nearest-rank
 * method; NaN for an empty list. Sorts a copy.
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** The median of `values`: the mean of the middle two for an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? sorted[middle]!
    : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Rounds to `digits` decimals, keeping NaN as null for JSON. */
export function round(value: number, digits = 2): number | null {
  if (!Number.isFinite(value)) return null;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/**
 * Milliseconds on the system's monotonic clock (`CLOCK_MONOTONIC`, which
 * `process.hrtime` reads), so readings from different processes on one
 * machine compare.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
