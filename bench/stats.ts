/** How figures over rounds are reported: the median with its spread (min–max). */
import { round } from './harness';

/** "12.1 (11.8–13.0)": the median of the rounds, then the smallest and largest. */
export function spread(values: readonly number[], digits = 1): string {
  if (values.length === 0) return '—';
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted[Math.ceil(sorted.length / 2) - 1]!;
  return `${round(mid, digits)} (${round(sorted[0]!, digits)}–${round(sorted.at(-1)!, digits)})`;
}
