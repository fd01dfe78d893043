/** Which crew calls a cancel looks for in Slack because a crew step may have posted them unsaved (unsaved-crew-calls.ts). */
import { CREW_CHANNEL_POST_KEY, type BookingRecord, type Operation, type StepState } from '../../../src/pipeline/types';
import { unsavedCallSearches } from '../../../src/slack/unsaved-crew-calls';
import { sampleRecord } from '../../fixtures/pipeline/booking';
import { sampleRoster } from '../../support/booking';

const NOW = 1_800_000_100_000;
const CALL_MS = 10_000;
const ANA = 'U0CREW0002';
const opts = { crewChannel: undefined, callTimeoutMs: CALL_MS, nowMs: NOW };
const withoutAna = sampleRoster.filter((m) => m.slackUserId !== ANA);

/** Created without Ana, its crew step done; a change adding her started at `startedAtMs` with its crew step as given. */
function afterChange(crew: Partial<StepState>, startedAtMs = NOW - 20_000): BookingRecord {
  const base = sampleRecord(undefined, NOW - 60_000);
  const created = { ...base, roster: withoutAna, steps: { ...base.steps, crew_notice: { ...base.steps.crew_notice, status: 'done' as const, attempts: 1 } } };
  const change: Operation = {
    id: 'op2',
    kind: 'change',
    status: 'stopped',
    requestedBy: 'U0APPROVER1',
    requestedAtMs: startedAtMs - 5000,
    startedAtMs,
    details: { request: created.request, roster: sampleRoster, costs: created.costs },
    steps: { crew_notice: { status: 'pending', attempts: 0, ...crew } },
  };
  return { ...created, roster: sampleRoster, operations: [{ id: 'create', kind: 'create', status: 'done', requestedBy: 'U0CREATOR1', requestedAtMs: NOW - 60_000 }, change] };
}

describe('unsavedCallSearches', () => {
  it('looks for nothing when every crew step that ran finished, or never ran', () => {
    expect(unsavedCallSearches(afterChange({}), opts).size).toBe(0);
    expect(unsavedCallSearches(afterChange({ status: 'done', attempts: 1 }), opts).size).toBe(0);
    // Failed by a departure before its turn: it posted nothing.
    expect(unsavedCallSearches(afterChange({ status: 'failed', attempts: 0 }), opts).size).toBe(0);
  });

  it("a change's crew step stopped by a cancel: its roster, from the change's start, until the stopped holder's call ends", () => {
    const searches = unsavedCallSearches(afterChange({ status: 'failed', attempts: 1, outcomeUnknown: true, takenOverAtMs: NOW - 2000 }, NOW - 20_000), opts);
    expect([...searches.keys()].sort()).toEqual(sampleRoster.map((m) => m.slackUserId).sort());
    expect(searches.get(ANA)).toEqual({ earliestMs: NOW - 20_000, othersCallsEndByMs: NOW - 2000 + CALL_MS });
  });

  it('a change whose crew step failed on its own (no takeover) is looked up without waiting', () => {
    expect(unsavedCallSearches(afterChange({ status: 'failed', attempts: 2 }), opts).get(ANA)).toEqual({ earliestMs: NOW - 20_000 });
  });

  it('each recipient is looked up once across the create and every change, over the widest window', () => {
    const record = afterChange({ status: 'failed', attempts: 1, takenOverAtMs: NOW - 1000 });
    const createUnfinished: BookingRecord = { ...record, steps: { ...record.steps, crew_notice: { status: 'failed', attempts: 1, takenOverAtMs: NOW - 8000 } } };
    const searches = unsavedCallSearches(createUnfinished, opts);
    expect(searches.size).toBe(sampleRoster.length);
    const approvedAt = createUnfinished.audit.find((e) => e.action === 'approved')?.atMs ?? createUnfinished.createdAtMs;
    expect(searches.get(ANA)).toEqual({ earliestMs: Math.min(approvedAt, NOW - 20_000), othersCallsEndByMs: NOW - 1000 + CALL_MS });
  });

  it('with a crew channel, the one channel post is looked for', () => {
    const searches = unsavedCallSearches(afterChange({ status: 'failed', attempts: 1 }), { ...opts, crewChannel: 'C0CREW0001' });
    expect([...searches.keys()]).toEqual([CREW_CHANNEL_POST_KEY]);
  });
});
