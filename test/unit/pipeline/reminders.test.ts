/** Which crew reminders are due: windows, who is reminded, and when nothing is. */
import { approveChange, detailsOf, finishOperation, proposeChange, startOperation } from '../../../src/pipeline/operations';
import { dueReminders } from '../../../src/pipeline/reminders';
import type { BookingRecord } from '../../../src/pipeline/types';
import { sampleRecord } from '../../fixtures/pipeline/booking';

const HOUR = 3_600_000;
const CHECK_IN = 2_000_000_000_000;
const [SAM, LEE, ANA] = ['U0CAPTAIN1', 'U0CREW0001', 'U0CREW0002'];

function called(atMs: number, patch: Partial<BookingRecord> = {}): BookingRecord {
  const r = sampleRecord();
  return { ...r, state: 'done', steps: { ...r.steps, crew_notice: { status: 'done', attempts: 1, finishedAtMs: atMs } }, ...patch };
}
const keys = (b: BookingRecord, nowMs: number) => dueReminders(b, CHECK_IN, nowMs).map((r) => r.key).sort();

describe('dueReminders', () => {
  it('48 h window: a DM to each member who has not answered (neither confirmed nor declined)', () => {
    const b = called(CHECK_IN - 100 * HOUR, { confirmations: { [LEE]: 1 }, declines: { [ANA]: { atMs: 1 } } });
    expect(keys(b, CHECK_IN - 49 * HOUR)).toEqual([]);
    expect(keys(b, CHECK_IN - 48 * HOUR)).toEqual([`dm48:${SAM}`]);
    expect(keys(b, CHECK_IN - 25 * HOUR)).toEqual([`dm48:${SAM}`]);
  });

  it('24 h window: the 24 h DMs replace the 48 h ones, and ops hears while anyone (declined too) is not confirmed', () => {
    const b = called(CHECK_IN - 100 * HOUR, { confirmations: { [LEE]: 1 }, declines: { [ANA]: { atMs: 1 } } });
    expect(keys(b, CHECK_IN - 24 * HOUR)).toEqual([`dm24:${SAM}`, 'ops24']);
    const allConfirmed = called(CHECK_IN - 100 * HOUR, { confirmations: { [SAM]: 1, [LEE]: 1, [ANA]: 1 } });
    expect(keys(allConfirmed, CHECK_IN - 2 * HOUR)).toEqual([]);
  });

  it('no 24 h line whose only news is a decline made inside the 24 h (the thread heard it as it came); one made before still counts', () => {
    const allIn = { [SAM]: 1, [ANA]: 1 };
    const lateDecline = called(CHECK_IN - 100 * HOUR, { confirmations: allIn, declines: { [LEE]: { atMs: CHECK_IN - 5 * HOUR } }, reminders: {} });
    expect(keys(lateDecline, CHECK_IN - 5 * HOUR)).toEqual([]);
    const earlyDecline = called(CHECK_IN - 100 * HOUR, { confirmations: allIn, declines: { [LEE]: { atMs: CHECK_IN - 30 * HOUR } } });
    expect(keys(earlyDecline, CHECK_IN - 23 * HOUR)).toEqual(['ops24']);
  });

  it('nothing at or after check-in, for a cancelled or pending booking, before the crew call, or already sent', () => {
    const b = called(CHECK_IN - 100 * HOUR);
    expect(keys(b, CHECK_IN)).toEqual([]);
    expect(keys({ ...b, state: 'cancelled' }, CHECK_IN - HOUR)).toEqual([]);
    expect(keys({ ...b, state: 'pending_approval' }, CHECK_IN - HOUR)).toEqual([]);
    expect(keys({ ...b, steps: { ...b.steps, crew_notice: { status: 'running', attempts: 1 } } }, CHECK_IN - HOUR)).toEqual([]);
    const sent = { ...b, reminders: { [`dm24:${SAM}`]: { sentAtMs: 1 }, ops24: { sentAtMs: 1 } } };
    expect(keys(sent, CHECK_IN - HOUR)).toEqual([`dm24:${LEE}`, `dm24:${ANA}`]);
  });

  it('no reminder for a moment the crew call came after (a late booking is not nagged right away)', () => {
    const late = called(CHECK_IN - 10 * HOUR);
    expect(keys(late, CHECK_IN - 9 * HOUR)).toEqual([]);
    const between = called(CHECK_IN - 30 * HOUR);
    expect(keys(between, CHECK_IN - 29 * HOUR)).toEqual([]);
    expect(keys(between, CHECK_IN - 23 * HOUR)).toEqual([`dm24:${LEE}`, `dm24:${ANA}`, `dm24:${SAM}`, 'ops24'].sort());
  });
});

describe('a create whose crew call failed on one member', () => {
  const slackTs = (ms: number) => (ms / 1000).toFixed(6);
  function partlyCalled(postedAtMs: number): BookingRecord {
    const r = sampleRecord();
    const posts = { [SAM]: { channel: 'D0CAPTAIN1', ts: slackTs(postedAtMs) }, [LEE]: { channel: 'D0CREW0001', ts: slackTs(postedAtMs) } };
    const failed = { status: 'failed' as const, attempts: 2, finishedAtMs: postedAtMs, error: { message: 'Slack refused', code: 'SLACK_CREW_UNREACHABLE', retryable: false } };
    return { ...r, state: 'failed', steps: { ...r.steps, crew_notice: failed }, slack: { ...r.slack, crewPosts: posts } };
  }

  it('each member whose post was saved counts as called when it was posted; the one never reached is not', () => {
    const b = partlyCalled(CHECK_IN - 100 * HOUR);
    expect(keys(b, CHECK_IN - 47 * HOUR)).toEqual([`dm48:${SAM}`, `dm48:${LEE}`].sort());
    expect(keys(b, CHECK_IN - 23 * HOUR)).toEqual([`dm24:${SAM}`, `dm24:${LEE}`, 'ops24'].sort());
  });

  it('posted inside a window: not reminded at once', () => {
    expect(keys(partlyCalled(CHECK_IN - 30 * HOUR), CHECK_IN - 29 * HOUR)).toEqual([]);
  });
});

describe('a create that left its crew call to the change behind it', () => {
  it('called nobody: no reminder until the change makes the call', () => {
    const deferred = called(CHECK_IN - 100 * HOUR, {});
    deferred.steps = { ...deferred.steps, crew_notice: { status: 'done', attempts: 1, finishedAtMs: CHECK_IN - 100 * HOUR, result: { callDeferredTo: 'op2' } } };
    expect(keys(deferred, CHECK_IN - 24 * HOUR)).toEqual([]);
    expect(keys(called(CHECK_IN - 100 * HOUR), CHECK_IN - 24 * HOUR)).not.toEqual([]);
  });
});

describe('after a cancel is asked for, or a change calls crew again', () => {
  it('nothing once a cancel is asked for, even while it has not finished (or failed, and crew have not heard)', () => {
    const b = called(CHECK_IN - 100 * HOUR);
    const cancelling = { ...b, state: 'failed' as const, operations: [{ id: 'create', kind: 'create' as const, status: 'stopped' as const, requestedBy: 'U1', requestedAtMs: 1 }, { id: 'op2', kind: 'cancel' as const, status: 'failed' as const, requestedBy: 'U1', requestedAtMs: 2 }] };
    expect(keys(b, CHECK_IN - HOUR)).not.toEqual([]);
    expect(keys(cancelling, CHECK_IN - HOUR)).toEqual([]);
  });

  it('follow the latest crew call: none while a change has not made it, none right after it, then due afresh', () => {
    const callAgain = (crewNotice: BookingRecord['steps']['crew_notice']) =>
      called(CHECK_IN - 100 * HOUR, { operations: [{ id: 'create', kind: 'create', status: 'done', requestedBy: 'U1', requestedAtMs: 1 }, { id: 'op2', kind: 'change', status: crewNotice.status === 'done' ? 'done' : 'running', requestedBy: 'U1', requestedAtMs: 2, steps: { crew_notice: crewNotice } }] });
    expect(keys(callAgain({ status: 'pending', attempts: 0 }), CHECK_IN - 23 * HOUR)).toEqual([]);
    const recalled = callAgain({ status: 'done', attempts: 1, finishedAtMs: CHECK_IN - 30 * HOUR });
    expect(keys(recalled, CHECK_IN - 29 * HOUR)).toEqual([]);
    expect(keys(recalled, CHECK_IN - 23 * HOUR)).toEqual([`dm24:${LEE}`, `dm24:${ANA}`, `dm24:${SAM}`, 'ops24'].sort());
  });
});

describe('a change that failed before calling crew, replaced by one that calls nobody', () => {
  it('leaves the last call that was made in force: reminders stay due', () => {
    let r: BookingRecord = called(CHECK_IN - 100 * HOUR);
    const original = detailsOf(r);
    const moved = proposeChange(r, { details: { ...original, request: { ...original.request, departureTime: '17:00' } }, label: 'reschedule', userId: 'U1', nowMs: CHECK_IN - 90 * HOUR });
    r = startOperation(approveChange(moved.record, moved.op.id, 'U2', CHECK_IN - 90 * HOUR), moved.op.id, CHECK_IN - 90 * HOUR);
    r = finishOperation(r, moved.op.id, 'failed', CHECK_IN - 89 * HOUR); // its SCC step failed; crew were never called again
    const back = proposeChange(r, { details: original, label: 'reschedule', userId: 'U1', nowMs: CHECK_IN - 80 * HOUR });
    r = startOperation(approveChange(back.record, back.op.id, 'U2', CHECK_IN - 80 * HOUR), back.op.id, CHECK_IN - 80 * HOUR);
    r = finishOperation(r, back.op.id, 'done', CHECK_IN - 80 * HOUR);
    expect(r.operations?.find((o) => o.id === moved.op.id)?.status).toBe('superseded');
    expect(keys(r, CHECK_IN - 24 * HOUR)).toEqual([`dm24:${LEE}`, `dm24:${ANA}`, `dm24:${SAM}`, 'ops24'].sort());
  });
});

describe('a member the office was told is deactivated', () => {
  const told = (userId: string) => ({ [`deactivated:${userId}`]: { sentAtMs: 1 } });

  it('gets no DM reminder (Slack would refuse it), and keeps the office\'s 24 h line due while they are on the crew', () => {
    const b = called(CHECK_IN - 100 * HOUR, { confirmations: { [SAM]: 1, [LEE]: 1 }, reminders: told(ANA) });
    expect(keys(b, CHECK_IN - 48 * HOUR)).toEqual([]);
    expect(keys(b, CHECK_IN - 24 * HOUR)).toEqual(['ops24']);
    // confirmed before the deactivation: still named at 24 h
    const confirmedThenGone = called(CHECK_IN - 100 * HOUR, { confirmations: { [SAM]: 1, [LEE]: 1, [ANA]: 1 }, reminders: told(ANA) });
    expect(keys(confirmedThenGone, CHECK_IN - 24 * HOUR)).toEqual(['ops24']);
  });

  it('a claim not yet marked sent changes nothing: the DM reminder stays due', () => {
    const b = called(CHECK_IN - 100 * HOUR, { confirmations: { [SAM]: 1, [LEE]: 1 }, reminders: { [`deactivated:${ANA}`]: { claimedBy: 'p1', claimExpiresAtMs: CHECK_IN } } });
    expect(keys(b, CHECK_IN - 48 * HOUR)).toEqual([`dm48:${ANA}`]);
  });
});

describe('a change whose crew call failed and waits for Retry', () => {
  const OUT = 'U0OUTSIDER';
  /** A change approved and started 90 h out, its crew step failed at 89 h (on one member's post, say). */
  function failedCall(edit: (d: ReturnType<typeof detailsOf>) => ReturnType<typeof detailsOf>): BookingRecord {
    const r = called(CHECK_IN - 100 * HOUR);
    const proposed = proposeChange(r, { details: edit(detailsOf(r)), label: 'change', userId: 'U1', nowMs: CHECK_IN - 90 * HOUR });
    const started = startOperation(approveChange(proposed.record, proposed.op.id, 'U2', CHECK_IN - 90 * HOUR), proposed.op.id, CHECK_IN - 90 * HOUR);
    const operations = started.operations!.map((o) => (o.id === proposed.op.id ? { ...o, status: 'failed' as const, steps: { ...o.steps, crew_notice: { status: 'failed' as const, attempts: 3, startedAtMs: CHECK_IN - 89 * HOUR, finishedAtMs: CHECK_IN - 89 * HOUR } } } : o));
    return { ...started, state: 'failed', operations };
  }
  const swapAna = (d: ReturnType<typeof detailsOf>) => ({ ...d, roster: d.roster.map((m) => (m.slackUserId === ANA ? { ...m, slackUserId: OUT } : m)) });

  it('reminds the members it does not touch, on the call they already had', () => {
    const r = failedCall(swapAna);
    expect(keys(r, CHECK_IN - 24 * HOUR)).toEqual([`dm24:${LEE}`, `dm24:${SAM}`, 'ops24'].sort());
  });

  it('reminds a member it added once their own post shows the change, and not before', () => {
    const r = failedCall(swapAna);
    const due = (shows: boolean) => dueReminders(r, CHECK_IN, CHECK_IN - 24 * HOUR, (u) => shows && u === OUT).map((d) => d.key).sort();
    expect(due(false)).not.toContain(`dm24:${OUT}`);
    expect(due(true)).toEqual([`dm24:${LEE}`, `dm24:${OUT}`, `dm24:${SAM}`, 'ops24'].sort());
  });

  it('a reschedule touches everyone: nobody is reminded of the old time while the new call has not reached them', () => {
    const r = failedCall((d) => ({ ...d, request: { ...d.request, departureTime: '17:00' } }));
    expect(keys(r, CHECK_IN - 24 * HOUR)).toEqual([]);
    expect(dueReminders(r, CHECK_IN, CHECK_IN - 24 * HOUR, (u) => u === LEE).map((d) => d.key).sort()).toEqual([`dm24:${LEE}`, 'ops24']);
  });
});
