/**
 * Which bookings the clock-driven listings still need (BookingStore.listCurrent): the sweeper,
 * crew reminders, the approval watch, App Home and the deactivated-member lines. A pure rule on a
 * record and a clock, shared by both stores so they list the same bookings.
 *
 * A booking approved or running is always current: it waits for a run. A finished one (done,
 * cancelled) is current until two days after its charter ends: reminders and Home look ahead only,
 * so past that nothing lists it again, and it stays readable by id. So is one that waits for a
 * decision no one can make any more: a request awaiting approval (it expired at departure), and a
 * failed create or change (Retry closed at departure). A failed cancel stays current: it can
 * always be retried, and is how a past trip's artifacts are undone. Its charter is the latest one the record names (a change asked for on a
 * charter that has sailed may move it ahead), and the end is taken in the time zone furthest
 * west, so the rule needs no operator zone (the DynamoDB store applies it when it writes).
 */
import type { BookingRequest } from '../booking/types';
import type { BookingRecord, BookingState } from './types';

export const FINISHED_STATES: readonly BookingState[] = ['done', 'cancelled'];

/** How long a finished booking stays listed after its charter ends. */
export const LISTED_AFTER_CHARTER_MS = 2 * 24 * 3_600_000;

/** UTC−12, the furthest west a local wall time can be: a charter ends no later than its wall time read as UTC plus this. */
const WESTMOST_OFFSET_MS = 12 * 3_600_000;

/** The latest instant the charter can end, its local date and time read in the westmost zone; NaN when unreadable. */
function latestEndMs(request: Pick<BookingRequest, 'date' | 'departureTime' | 'durationHours'>): number {
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(request.date ?? '');
  const time = /^(\d{1,2}):(\d{2})$/.exec(request.departureTime ?? '');
  if (!date || !time) return Number.NaN;
  const wall = Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]), Number(time[1]), Number(time[2]));
  return wall + WESTMOST_OFFSET_MS + Math.max(0, Number(request.durationHours) || 0) * 3_600_000;
}

/** States whose decisions close when the charter departs (approve; Retry of a create or change). */
const CLOSING_STATES: readonly BookingState[] = ['pending_approval', 'failed'];

/** What a failed booking waits for is Retry of a cancel or a guest page refresh, which never closes. */
function retryStaysOpen(record: Pick<BookingRecord, 'state' | 'operations'>): boolean {
  if (record.state !== 'failed') return false;
  const failed = record.operations?.find((o) => o.status === 'failed');
  return failed !== undefined && failed.kind !== 'create' && failed.kind !== 'change';
}

/**
 * Until when a booking is current: undefined while it always is, otherwise two days after the
 * latest charter it names. A record whose dates cannot be read stays current.
 */
export function currentUntilMs(record: Pick<BookingRecord, 'state' | 'request' | 'operations'>): number | undefined {
  if (!FINISHED_STATES.includes(record.state) && !CLOSING_STATES.includes(record.state)) return undefined;
  if (retryStaysOpen(record)) return undefined;
  const requests = [record.request, ...(record.operations ?? []).flatMap((o) => (o.details ? [o.details.request] : []))];
  let latest = Number.NEGATIVE_INFINITY;
  for (const request of requests) {
    const end = latestEndMs(request);
    if (Number.isNaN(end)) return undefined;
    latest = Math.max(latest, end);
  }
  return latest + LISTED_AFTER_CHARTER_MS;
}

export function isCurrent(record: Pick<BookingRecord, 'state' | 'request' | 'operations'>, nowMs: number): boolean {
  const until = currentUntilMs(record);
  return until === undefined || nowMs < until;
}
