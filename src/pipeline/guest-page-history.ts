/**
 * What the guest page and its calendar file need from a booking's history, read from the record
 * alone so a re-render of the same revision (a retry, a refresh, another process) gives the same
 * bytes: the content hash names the CloudFront invalidation, and CloudFront dedupes a repeat only
 * when the hash is the same.
 */
import { CREATE_OP } from './op-steps';
import { departureMoved, operationsOf, scheduleOf, type ScheduleFields } from './operations';
import type { BookingRecord, OperationStatus, StepResult, StepState } from './types';

/**
 * When revision `revision` of the booking was made: its creation for the first, else the start of
 * the change or cancel that brought it (startOperation sets the revision and startedAtMs together,
 * and compaction keeps both). This is the .ics DTSTAMP: with METHOD:PUBLISH, RFC 5545 §3.8.7.2 makes
 * it the time this instance of the calendar object was created, and calendar apps order two copies
 * of one UID at the same SEQUENCE by it (RFC 5546 §2.1.5). Not the clock: every re-render would be
 * new bytes.
 */
export function revisionMadeAtMs(record: BookingRecord, revision: number): number {
  if (revision <= 1) return record.createdAtMs;
  const op = operationsOf(record).find((o) => o.revision === revision && o.startedAtMs !== undefined);
  // Every revision above 1 is set by an operation's start; without one (a hand-edited record) the
  // creation time still keeps the bytes stable.
  return op?.startedAtMs ?? record.createdAtMs;
}

/**
 * Changes whose details became the booking's and stayed: done, running now (the guest page step of
 * the change itself), or failed with Retry ahead. A superseded one's move is told by the change that
 * replaced it, whose previous is what the artifacts showed before both (operations.ts lastApplied).
 */
const APPLIED: readonly OperationStatus[] = ['done', 'running', 'failed'];

/**
 * The schedule the latest move of the departure replaced, for the guest page's "Your charter has
 * moved … (was …)": only the latest, since the guest needs the time that holds and that it changed,
 * not the whole trail. Edits since that did not move it keep the notice; nothing when the booking
 * never moved, or moved back to where it was.
 */
export function latestMoveFrom(record: BookingRecord): ScheduleFields | undefined {
  const changes = operationsOf(record).filter((o) => o.kind === 'change' && o.startedAtMs !== undefined && APPLIED.includes(o.status));
  for (const op of changes.reverse()) {
    const from = op.previous && op.details ? (departureMoved(op.previous.request, op.details.request) ? scheduleOf(op.previous.request) : undefined) : op.movedFrom;
    if (from === undefined) continue;
    return departureMoved(from, record.request) ? from : undefined;
  }
  return undefined;
}

/**
 * What a published guest page showed, as the guest_page step records it in its result (the result
 * is flat, so the schedules are spelt out field by field): the departure it named, and the "was" of
 * its moved notice.
 */
export interface PageShown {
  shown: ScheduleFields;
  movedFrom?: ScheduleFields;
}

export function pageShownResult(page: PageShown): StepResult {
  const { shown, movedFrom } = page;
  return {
    shownDate: shown.date,
    shownDepartureTime: shown.departureTime,
    shownDurationHours: shown.durationHours,
    ...(movedFrom ? { movedFromDate: movedFrom.date, movedFromDepartureTime: movedFrom.departureTime, movedFromDurationHours: movedFrom.durationHours } : {}),
  };
}

function scheduleIn(result: StepResult, prefix: 'shown' | 'movedFrom'): ScheduleFields | undefined {
  const date = result[`${prefix}Date`];
  const departureTime = result[`${prefix}DepartureTime`];
  const durationHours = result[`${prefix}DurationHours`];
  if (typeof date !== 'string' || typeof departureTime !== 'string' || typeof durationHours !== 'number') return undefined;
  return { date, departureTime, durationHours };
}

/**
 * The page the guest last saw before operation `opId`'s own: the done guest_page step, of the create
 * or of any other operation, that finished last. A change whose page step failed, or was stopped by
 * the cancel before it ran, put up no page: the guest still holds the one before it, and a cancelled
 * notice naming the change's date would read as someone else's booking. Undefined when no page was
 * put up, or the last one was put up before pages recorded what they showed.
 */
export function lastPageShown(record: BookingRecord, opId: string): PageShown | undefined {
  const pages = [{ id: CREATE_OP, step: record.steps.guest_page }, ...operationsOf(record).map((o) => ({ id: o.id, step: o.steps?.guest_page }))]
    .filter((p): p is { id: string; step: StepState } => p.id !== opId && p.step?.status === 'done')
    // Stable: pages finished at the same ms (or with no time, hand-edited) keep the operations' order.
    .sort((a, b) => (a.step.finishedAtMs ?? 0) - (b.step.finishedAtMs ?? 0));
  const result = pages.at(-1)?.step.result;
  const shown = result && scheduleIn(result, 'shown');
  if (!shown) return undefined;
  const movedFrom = scheduleIn(result, 'movedFrom');
  return { shown, ...(movedFrom ? { movedFrom } : {}) };
}

/**
 * The "was" of the moved notice on the page operation `opId` puts up: the departure of the page the
 * guest last saw when it differs from the one now, else that page's own notice, which still holds.
 * A change that failed and was replaced may have put its page up: the guest read its departure, so
 * that is what the charter moved from, not the one before it (what latestMoveFrom, reading the
 * operations, gives). Pages put up before pages recorded what they showed fall back to
 * latestMoveFrom.
 */
export function moveToTell(record: BookingRecord, opId: string): ScheduleFields | undefined {
  const last = lastPageShown(record, opId);
  if (!last) return latestMoveFrom(record);
  const from = departureMoved(last.shown, record.request) ? last.shown : last.movedFrom;
  return from && departureMoved(from, record.request) ? from : undefined;
}
