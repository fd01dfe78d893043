/** What the guest page reads of a booking's history (guest-page-history.ts), over records the operation rules build. */
import { computeCosts } from '../../../src/booking/costs';
import type { BookingRequest } from '../../../src/booking/types';
import { revisionMadeAtMs } from '../../../src/pipeline/guest-page-history';
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

/** Proposes, approves, starts and finishes one change at `atMs`: what the service does, minus the steps. */
function applyChange(record: BookingRecord, overrides: Partial<BookingRequest>, atMs: number, label = 'reschedule'): BookingRecord {
  const { record: proposed, op } = proposeChange(record, { details: details(overrides), label, userId: 'U0CREW0002', nowMs: atMs });
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
