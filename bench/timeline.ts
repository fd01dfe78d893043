/** Where a booking's time went: each step's start and finish relative to the Approve click. */
import type { BookingRecord, StepName } from '../src/pipeline/types';
import { percentile, round } from './harness';

export function stepTimeline(b: BookingRecord, sentAtMs: number): string {
  return Object.entries(b.steps)
    .map(([name, s]) => `${name} ${round((s.startedAtMs ?? Number.NaN) - sentAtMs, 0)}→${round((s.finishedAtMs ?? Number.NaN) - sentAtMs, 0)}`)
    .join(', ');
}

/** Per step over many bookings: p50/max of start offset and of duration, in ms. */
export function stepSpread(bookings: readonly BookingRecord[], sentAtMs: number): string {
  const names = Object.keys(bookings[0]?.steps ?? {}) as StepName[];
  const approved = bookings.map((b) => (b.audit.find((a) => a.action === 'approved')?.atMs ?? Number.NaN) - sentAtMs);
  const firstStep = bookings.map((b) => Math.min(...Object.values(b.steps).map((s) => s.startedAtMs ?? Number.POSITIVE_INFINITY)) - sentAtMs);
  const head = `approved p50 ${round(percentile(approved, 50), 0)}/max ${round(Math.max(...approved), 0)}; first step p50 ${round(percentile(firstStep, 50), 0)}/max ${round(Math.max(...firstStep), 0)}; `;
  return head + names
    .map((name) => {
      const starts = bookings.map((b) => (b.steps[name].startedAtMs ?? Number.NaN) - sentAtMs);
      const durations = bookings.map((b) => (b.steps[name].finishedAtMs ?? Number.NaN) - (b.steps[name].startedAtMs ?? Number.NaN));
      return `${name} start p50 ${round(percentile(starts, 50), 0)}/max ${round(Math.max(...starts), 0)} took p50 ${round(percentile(durations, 50), 0)}/max ${round(Math.max(...durations), 0)}`;
    })
    .join('; ');
}
