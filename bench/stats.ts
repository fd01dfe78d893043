/** How figures are summarised: percentiles of samples, and over rounds the median with its spread (min–max). */

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Nearest-rank percentile: always one of the samples (p99 of 300 acks is the third slowest). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/**
 * The median proper: with an even count, the mean of the two middle values. The nearest-rank 50th
 * percentile would take the lower of them, which flatters every "lower is better" figure measured
 * over an even number of rounds (P3c has six).
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** "12.1 (11.8–13.0)": the median of the rounds, then the smallest and largest. */
export function spread(values: readonly number[], digits = 1): string {
  if (values.length === 0) return '—';
  return `${round(median(values), digits)} (${round(Math.min(...values), digits)}–${round(Math.max(...values), digits)})`;
}
