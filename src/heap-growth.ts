/**
 * How far the server's heap may grow past what survived the last full collection before V8
 * collects again. V8 sizes that step by the largest heap it may use: on a host with many GB it lets
 * the heap reach up to 4× the live part. A burst of 300 approvals keeps ~35–45 MB live, yet the
 * heap gathered ~70 MB of garbage before the first full collection and the process peaked at
 * 226–258 MB RSS (P3b's goal is 250). Growing by half at most, the same burst peaks at ~172 MB, and
 * P3's rounds of 100 bookings take fewer full collections, not more (bench/README.md, P3b).
 */
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 50;

/** Node flags that size the old generation, with V8's dashes or underscores. */
const HEAP_SIZING_FLAG = /^--(heap[-_]growing[-_]percent|max[-_]old[-_]space[-_]size|max[-_]heap[-_]size|initial[-_]old[-_]space[-_]size|initial[-_]heap[-_]size)(=|$)/;

/** The flag to set, or undefined when whoever started node sized the heap already: theirs stands. */
export function heapGrowthFlag(execArgv: readonly string[], nodeOptions: string | undefined): string | undefined {
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)];
  return given.some((arg) => HEAP_SIZING_FLAG.test(arg)) ? undefined : `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

/**
 * Sets the bound for this process. V8 reads this flag each time it sizes the heap after a full
 * collection, so setting it at start-up acts as the command-line flag would.
 */
export function boundHeapGrowth(): string | undefined {
  const flag = heapGrowthFlag(process.execArgv, process.env.NODE_OPTIONS);
  if (flag) setFlagsFromString(flag);
  return flag;
}
