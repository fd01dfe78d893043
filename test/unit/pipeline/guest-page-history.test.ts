/** What the guest page reads of a booking's history (guest-page-history.ts), over records the operation rules build. */
import { computeCosts } from '../../../src/booking/costs';
import type { BookingRequest } from '../../../src/booking/types';
import { lastPageShown, latestMoveFrom, moveToTell, pageShownResult, revisionMadeAtMs } from '../../../src/pipeline/guest-page-history';
import { approveChange, compactHistory, finishOperation, proposeChange, requestCancel, startOperation } from '../../../src/pipeline/operations';
import type { BookingDetails, BookingRecord } from '../../../src/pipeline/types';
import { sampleRecord } from '../../fixtures/pipeline/booking';
import { RATES, sampleRequest, sampleRoster } from '../../support/booking';

const CREATED = 1_800_000_000_000;
const HOUR = 3_600_000;

function details(overrides: Partial<BookingRequest> = {}): BookingDetails {
  const request = sampleRequest({ ...overrides, crew: sampleRoster.filter((m) => m.role === 'crew').map((m) => m.slackUserId) });
  return { request, roster: sampleRoster, costs: computeCosts({ grossCents: request.priceCents, crewCount: request.crew.length, crewHours: request.crewHours, captainHours: request.captainHours }, RATES) };
}

function doneRecord(): BookingRecord {
  const r = sampleRecord();
  const steps = Object.fromEntries(Object.entries(r.steps).map(([k, v]) => [k, { ...v, status: 'done' }])) as BookingRecord['steps'];
  return { ...r, createdAtMs: CREATED, state: 'done', steps };
}

/** Proposes, approves, starts and finishes one change of `overrides` at `atMs`: what the service does, minus the steps. */
function applyChange(record: BookingRecord, overrides: Partial<BookingRequest>, atMs: number, label = 'reschedule'): BookingRecord {
  const { record: proposed, op } = proposeChange(record, { details: details({ ...record.request, ...overrides }), label, userId: 'U0CREW0002', nowMs: atMs });
  const approved = approveChange(proposed, op.id, 'U0APPROVER1', atMs);
  const started = startOperation(approved, op.id, atMs + 1000);
  return finishOperation(started, op.id, 'done', atMs + 2000);
}

describe('revisionMadeAtMs: the .ics DTSTAMP', () => {
  it('is the creation for revision 1, then the start of the change or cancel that made each later revision', () => {
    const done = doneRecord();
    expect(revisionMadeAtMs(done, 1)).toBe(CREATED);
    const moved = applyChange(done, { date: '2030-07-05' }, CREATED + 5 * HOUR);
    expect(moved.revision).toBe(2);
    expect(revisionMadeAtMs(moved, 2)).toBe(CREATED + 5 * HOUR + 1000);
    // Revision 1 keeps its own stamp: a stale copy of it stays older than revision 2.
    expect(revisionMadeAtMs(moved, 1)).toBe(CREATED);

    const cancelled = startOperation(requestCancel(moved, 'U0APPROVER1', CREATED + 9 * HOUR), 'op3', CREATED + 9 * HOUR + 500);
    expect(cancelled.revision).toBe(3);
    expect(revisionMadeAtMs(cancelled, 3)).toBe(CREATED + 9 * HOUR + 500);
  });

  it('is the same after later operations compact the one that made it: a re-render of that revision is the same bytes', () => {
    let record = applyChange(doneRecord(), { date: '2030-07-05' }, CREATED + HOUR);
    const stamp = revisionMadeAtMs(record, 2);
    for (let i = 0; i < 6; i++) record = applyChange(record, { notes: `edit ${i}` }, CREATED + (2 + i) * HOUR, 'edit');
    const op2 = record.operations!.find((o) => o.id === 'op2')!;
    expect(op2.compacted).toBe(true);
    expect(compactHistory(record.operations!)).toEqual(record.operations);
    expect(revisionMadeAtMs(record, 2)).toBe(stamp);
  });
});

describe('latestMoveFrom: the "Your charter has moved" notice', () => {
  // sampleRequest: Thu, Jul 4, 2030, 16:00 for 5 hours.
  const original = { date: '2030-07-04', departureTime: '16:00', durationHours: 5 };

  it('is nothing for a booking that never moved, nor for edits that leave the departure where it was', () => {
    expect(latestMoveFrom(doneRecord())).toBeUndefined();
    const edited = applyChange(applyChange(doneRecord(), { partySize: 4 }, CREATED + HOUR, 'edit'), { durationHours: 3 }, CREATED + 2 * HOUR, 'edit');
    expect(latestMoveFrom(edited)).toBeUndefined();
  });

  it('is the schedule the latest move replaced, while the change still runs and after it', () => {
    const { record: proposed, op } = proposeChange(doneRecord(), { details: details({ date: '2030-07-05', departureTime: '09:00' }), label: 'reschedule', userId: 'U1', nowMs: CREATED });
    const running = startOperation(approveChange(proposed, op.id, 'U0APPROVER1', CREATED), op.id, CREATED + 1000);
    expect(latestMoveFrom(running)).toEqual(original);
    const twice = applyChange(finishOperation(running, op.id, 'done', CREATED + 2000), { date: '2030-07-06' }, CREATED + HOUR);
    expect(latestMoveFrom(twice)).toEqual({ date: '2030-07-05', departureTime: '09:00', durationHours: 5 });
  });

  it('outlives the edits after it, compaction included', () => {
    let record = applyChange(doneRecord(), { date: '2030-07-05', departureTime: '09:00' }, CREATED + HOUR);
    for (let i = 0; i < 6; i++) record = applyChange(record, { notes: `edit ${i}` }, CREATED + (2 + i) * HOUR, 'edit');
    const move = record.operations!.find((o) => o.id === 'op2')!;
    expect(move).toMatchObject({ compacted: true, movedFrom: original });
    expect(move.previous).toBeUndefined();
    expect(latestMoveFrom(record)).toEqual(original);
  });

  it('is nothing once the charter is moved back to where it was', () => {
    const there = applyChange(doneRecord(), { date: '2030-07-05' }, CREATED + HOUR);
    expect(latestMoveFrom(applyChange(there, { date: '2030-07-04' }, CREATED + 2 * HOUR))).toEqual({ ...original, date: '2030-07-05' });
    // Back where the guest first saved it, by way of a failed change replaced by one that restores it.
    const { record: p1, op: o1 } = proposeChange(doneRecord(), { details: details({ date: '2030-07-05' }), label: 'reschedule', userId: 'U1', nowMs: CREATED });
    const failed = finishOperation(startOperation(approveChange(p1, o1.id, 'U0APPROVER1', CREATED), o1.id, CREATED + 1), o1.id, 'failed', CREATED + 2);
    const restored = applyChange(failed, { date: '2030-07-04', notes: 'back' }, CREATED + HOUR, 'edit');
    expect(restored.request.date).toBe('2030-07-04');
    expect(restored.operations!.find((o) => o.id === o1.id)?.status).toBe('superseded');
    expect(latestMoveFrom(restored)).toBeUndefined();
  });
});

describe('lastPageShown: the trip a cancelled notice names', () => {
  const original = { date: '2030-07-04', departureTime: '16:00', durationHours: 5 };
  const moved = { date: '2030-07-10', departureTime: '10:00', durationHours: 5 };
  const page = (finishedAtMs: number, shown = original, movedFrom?: typeof original) =>
    ({ status: 'done', attempts: 1, finishedAtMs, result: { key: 'k', contentHash: 'h', ...pageShownResult({ shown, ...(movedFrom ? { movedFrom } : {}) }) } }) as const;

  function withChangePage(record: BookingRecord, step: BookingRecord['steps']['guest_page']): BookingRecord {
    const changed = applyChange(record, { date: '2030-07-10', departureTime: '10:00' }, CREATED + HOUR);
    return { ...changed, operations: changed.operations!.map((o) => (o.kind === 'change' ? { ...o, steps: { guest_page: step } } : o)) };
  }

  it('is the last page put up, with the departure it said it had moved from', () => {
    const created = { ...doneRecord(), steps: { ...doneRecord().steps, guest_page: page(CREATED) } };
    expect(lastPageShown(created, 'op9')).toEqual({ shown: original });
    expect(lastPageShown(withChangePage(created, page(CREATED + HOUR, moved, original)), 'op9')).toEqual({ shown: moved, movedFrom: original });
  });

  it('skips a change whose page failed or never ran, and the asking operation’s own page', () => {
    const created = { ...doneRecord(), steps: { ...doneRecord().steps, guest_page: page(CREATED) } };
    expect(lastPageShown(withChangePage(created, { status: 'failed', attempts: 1 }), 'op9')).toEqual({ shown: original });
    expect(lastPageShown(withChangePage(created, { status: 'pending', attempts: 0 }), 'op9')).toEqual({ shown: original });
    expect(lastPageShown(withChangePage(created, page(CREATED + HOUR, moved, original)), 'op2')).toEqual({ shown: original });
  });

  it('is unknown for a page put up before pages recorded what they showed, and when no page went up', () => {
    expect(lastPageShown(doneRecord(), 'op9')).toBeUndefined();
    const never = doneRecord();
    expect(lastPageShown({ ...never, steps: { ...never.steps, guest_page: { status: 'failed', attempts: 1 } } }, 'op9')).toBeUndefined();
  });
});

describe('moveToTell: the moved notice from the page the guest last saw', () => {
  const original = { date: '2030-07-04', departureTime: '16:00', durationHours: 5 };
  const withPage = (record: BookingRecord, shown: typeof original, movedFrom?: typeof original): BookingRecord => ({
    ...record,
    steps: { ...record.steps, guest_page: { status: 'done', attempts: 1, finishedAtMs: CREATED, result: pageShownResult({ shown, ...(movedFrom ? { movedFrom } : {}) }) } },
  });

  it('is the departure the last page showed when the booking has moved since, else that page’s own notice, else nothing', () => {
    const moved = { ...doneRecord(), request: { ...doneRecord().request, date: '2030-07-12' } };
    expect(moveToTell(withPage(moved, { ...original, date: '2030-07-10' }), 'op9')).toEqual({ ...original, date: '2030-07-10' });
    expect(moveToTell(withPage(moved, { ...original, date: '2030-07-12' }, original), 'op9')).toEqual(original);
    expect(moveToTell(withPage(doneRecord(), original), 'op9')).toBeUndefined();
    // Moved back to the departure the page said it had moved from: that page's notice no longer holds.
    expect(moveToTell(withPage(doneRecord(), original, original), 'op9')).toBeUndefined();
  });

  it('falls back to the operations for a page put up before pages recorded what they showed', () => {
    const moved = applyChange(doneRecord(), { date: '2030-07-05' }, CREATED + HOUR);
    expect(moveToTell(moved, 'op9')).toEqual(original);
  });
});
