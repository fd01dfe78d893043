/** The operation rules as pure functions (operations.ts): ordering, superseding, stopping, planning. */
import { computeCosts } from '../../../src/booking/costs';
import type { BookingRequest, RosterMember } from '../../../src/booking/types';
import { OperationDecidedError, IllegalTransitionError } from '../../../src/pipeline/errors';
import {
  activeOperation,
  approveChange,
  callsChanged,
  callsChangedBy,
  changeCallingCrew,
  compactHistory,
  failDeparted,
  deferredCall,
  finishOperation,
  isStaleChange,
  UNDOES_WAITING_CHANGE_NOTE,
  operationsOf,
  planCancelSteps,
  planChangeSteps,
  proposeChange,
  rejectChange,
  requestCancel,
  requestRefresh,
  settleStopping,
  startOperation,
} from '../../../src/pipeline/operations';
import type { AnyStepName, BookingDetails, BookingRecord, Operation, StepState } from '../../../src/pipeline/types';
import { sampleRecord } from '../../fixtures/pipeline/booking';
import { RATES, sampleRequest, sampleRoster } from '../../support/booking';

const T = 1_800_000_000_000;

function details(overrides: Partial<BookingRequest> = {}, roster: RosterMember[] = sampleRoster): BookingDetails {
  const request = sampleRequest({ ...overrides, crew: roster.filter((m) => m.role === 'crew').map((m) => m.slackUserId) });
  return { request, roster, costs: computeCosts({ grossCents: request.priceCents, crewCount: request.crew.length, crewHours: request.crewHours, captainHours: request.captainHours }, RATES) };
}

function withState(state: BookingRecord['state'], stepStatus: 'done' | 'pending' = 'done'): BookingRecord {
  const r = sampleRecord();
  const steps = Object.fromEntries(Object.entries(r.steps).map(([k, v]) => [k, { ...v, status: stepStatus }])) as BookingRecord['steps'];
  return { ...r, state, steps, audit: [...r.audit, { action: 'approved', userId: 'U0APPROVER1', atMs: T }] };
}

describe('records without operations', () => {
  it('read as one create operation whose status follows the booking state', () => {
    expect(operationsOf(withState('done'))).toEqual([expect.objectContaining({ id: 'create', kind: 'create', status: 'done', approvedBy: 'U0APPROVER1' })]);
    expect(operationsOf(withState('running', 'pending'))[0]?.status).toBe('running');
    expect(operationsOf(withState('failed'))[0]?.status).toBe('failed');
  });
});

describe('a change that failed before it ran (its charter departed first)', () => {
  it('does not refuse a later Edit made from the same details as stale', () => {
    const r0 = sampleRecord();
    const running: BookingRecord = { ...r0, state: 'running', steps: Object.fromEntries(Object.entries(r0.steps).map(([k, v]) => [k, { ...v, status: 'pending' }])) as BookingRecord['steps'] };
    const a = proposeChange(running, { details: details({ notes: 'Birthday; bring a cake' }), label: 'edit', userId: 'U1', nowMs: T });
    const queued = approveChange(a.record, a.op.id, 'U0APPROVER1', T);
    const createDone: BookingRecord = { ...queued, operations: operationsOf(queued).map((o) => (o.id === 'create' ? { ...o, status: 'done' as const } : o)) };
    const departed = failDeparted(createDone, a.op.id, { message: 'Departed … before this ran: Retry is closed', code: 'PIPELINE_DEPARTED', retryable: false }, T + 1);
    expect(operationsOf(departed).find((o) => o.id === a.op.id)?.status).toBe('failed');
    // The office reschedules the missed trip to a later day, from the booking as it shows now.
    const b = proposeChange(departed, { details: details({ date: '2031-01-10' }), label: 'reschedule', userId: 'U2', nowMs: T + 2 });
    const after = approveChange(b.record, b.op.id, 'U0APPROVER1', T + 3);
    expect(operationsOf(after).find((o) => o.id === b.op.id)?.status).toBe('queued');
  });
});

describe('a change approved while the create has failed', () => {
  const failedCreate = () => withState('failed', 'pending');
  const queued = (base: BookingRecord, d: BookingDetails, id: string) => approveChange(proposeChange(base, { details: d, label: 'edit', userId: 'U1', nowMs: T }).record, id, 'U0APPROVER1', T);
  const deferTo = (r: BookingRecord, opId: string): BookingRecord => ({ ...r, steps: { ...r.steps, crew_notice: { status: 'done', attempts: 1, finishedAtMs: T, result: { callDeferredTo: opId } } } });

  it('calls the crew itself when crew will see what it changes; not for a price only, nor once a cancel is asked', () => {
    const moved = queued(failedCreate(), details({ date: '2030-07-05' }), 'op2');
    expect(operationsOf(moved).find((o) => o.id === 'op2')?.status).toBe('queued');
    expect(changeCallingCrew(moved)?.id).toBe('op2');
    expect(changeCallingCrew(queued(failedCreate(), details({ priceCents: 150_000 }), 'op2'))).toBeUndefined();
    expect(changeCallingCrew(requestCancel(moved, 'U0APPROVER1', T))).toBeUndefined();
  });

  it('a newer change that replaces it owes the deferred call even when crew see nothing new in it', () => {
    const moved = deferTo(queued(failedCreate(), details({ date: '2030-07-05' }), 'op2'), 'op2');
    // op3 puts the date back: against what the artifacts show it changes only the price. Made from
    // the same details as op2 it would now be refused for undoing op2's date; a request from before
    // requests carried their base revision still replaces op2 this way.
    const proposed = proposeChange(moved, { details: details({ priceCents: 150_000 }), label: 'edit', userId: 'U1', nowMs: T }).record;
    const legacy = { ...proposed, operations: proposed.operations!.map(({ baseRevision, ...o }) => (o.id === 'op3' ? o : { ...o, ...(baseRevision !== undefined ? { baseRevision } : {}) })) };
    const back = approveChange(legacy, 'op3', 'U0APPROVER1', T);
    expect(operationsOf(back).map((o) => o.status)).toEqual(['failed', 'superseded', 'queued']);
    const started = startOperation({ ...back, state: 'done', operations: back.operations!.map((o) => (o.id === 'create' ? { ...o, status: 'done' as const } : o)) }, 'op3', T);
    expect(Object.keys(operationsOf(started)[2]?.steps ?? {})).toContain('crew_notice');
    // Without a deferred call the same change plans no crew step.
    const notDeferred = queued(failedCreate(), details({ priceCents: 150_000 }), 'op2');
    const plain = startOperation({ ...notDeferred, state: 'done', operations: notDeferred.operations!.map((o) => (o.id === 'create' ? { ...o, status: 'done' as const } : o)) }, 'op2', T);
    expect(Object.keys(operationsOf(plain)[1]?.steps ?? {})).not.toContain('crew_notice');
  });

  it('cancelled before any change made the call it was left: the cancel tells no crew, unless a change\'s crew step ran', () => {
    const create = { ...withState('done'), state: 'done' as const };
    const moved = deferTo(queued(create, details({ date: '2030-07-05' }), 'op2'), 'op2');
    expect(deferredCall(moved)).toBe('owed');
    expect(planCancelSteps(moved)).not.toContain('crew_notice');
    const withChangeCrew = (status: 'done' | 'failed' | 'pending'): BookingRecord => ({
      ...moved,
      operations: moved.operations!.map((o) => (o.id === 'op2' ? { ...o, status: 'failed', steps: { crew_notice: { status, attempts: status === 'pending' ? 0 : 1 } } } : o)),
    });
    expect(planCancelSteps(withChangeCrew('pending'))).not.toContain('crew_notice');
    expect(deferredCall(requestCancel(withChangeCrew('pending'), 'U0APPROVER1', T))).toBe('dropped');
    // A crew step that failed may have posted before it failed: the cancel looks and tells.
    expect(planCancelSteps(withChangeCrew('failed'))).toContain('crew_notice');
    expect(planCancelSteps(withChangeCrew('done'))).toContain('crew_notice');
    expect(deferredCall(requestCancel(withChangeCrew('done'), 'U0APPROVER1', T))).toBe('made');
    expect(deferredCall(create)).toBeUndefined();
  });
});

describe('change', () => {
  it('approved after a change proposed later was approved and waits, is not applied: it would undo the newer one', () => {
    const done = withState('done');
    const a = proposeChange(done, { details: details({ date: '2030-07-05' }), label: 'reschedule', userId: 'U1', nowMs: T });
    const b = proposeChange(a.record, { details: details({}, [sampleRoster[0]!, sampleRoster[1]!]), label: 'crew swap', userId: 'U1', nowMs: T });
    // Something still runs, so B waits once approved; then A, proposed before B, is approved.
    const running = { ...b.record, state: 'running' as const };
    const bQueued = approveChange({ ...running, operations: running.operations!.map((o) => (o.id === 'create' ? { ...o, status: 'running' as const } : o)) }, 'op3', 'U0APPROVER1', T);
    const r = approveChange(bQueued, 'op2', 'U0APPROVER1', T);
    expect(operationsOf(r).map((o) => [o.id, o.status])).toEqual([['create', 'running'], ['op2', 'superseded'], ['op3', 'queued']]);
    expect(isStaleChange(operationsOf(r)[1]!)).toBe(true);
  });

  it('made from the same details as an approved change that waits, and putting back a field it changed, is not applied', () => {
    const running = (r: BookingRecord): BookingRecord => ({ ...r, state: 'running', operations: operationsOf(r).map((o) => (o.id === 'create' ? { ...o, status: 'running' as const } : o)) });
    const base = running(withState('running', 'pending'));
    const reschedule = proposeChange(base, { details: details({ date: '2030-07-11' }), label: 'reschedule', userId: 'U1', nowMs: T });
    const notes = proposeChange(reschedule.record, { details: details({ notes: 'Birthday; bring a cake' }), label: 'edit', userId: 'U2', nowMs: T });
    const both = approveChange(approveChange(notes.record, 'op2', 'U0APPROVER1', T), 'op3', 'U0APPROVER1', T);
    expect(operationsOf(both).map((o) => [o.id, o.status])).toEqual([['create', 'running'], ['op2', 'queued'], ['op3', 'superseded']]);
    expect(operationsOf(both)[2]).toMatchObject({ note: UNDOES_WAITING_CHANGE_NOTE });
    expect(isStaleChange(operationsOf(both)[2]!)).toBe(true);
    // A request that carries the reschedule, or moves the date again, is a newer decision and replaces it.
    const carried = proposeChange(notes.record, { details: details({ date: '2030-07-11', notes: 'Birthday' }), label: 'edit', userId: 'U2', nowMs: T });
    const kept = approveChange(approveChange(carried.record, 'op2', 'U0APPROVER1', T), 'op4', 'U0APPROVER1', T);
    expect(operationsOf(kept).map((o) => o.status)).toEqual(['running', 'superseded', 'proposed', 'queued']);
    const movedAgain = proposeChange(notes.record, { details: details({ date: '2030-07-12' }), label: 'reschedule', userId: 'U2', nowMs: T });
    const again = approveChange(approveChange(movedAgain.record, 'op2', 'U0APPROVER1', T), 'op4', 'U0APPROVER1', T);
    expect(operationsOf(again).find((o) => o.id === 'op2')).toMatchObject({ status: 'superseded', note: 'replaced by op4' });
  });

  it('is proposed by anyone, queued on approval, supersedes a queued one, and starts by becoming the booking (revision + 1)', () => {
    const done = withState('done');
    const a = proposeChange(done, { details: details({ date: '2030-07-05' }), label: 'reschedule', userId: 'U0CREW0001', nowMs: T });
    expect(a.op).toMatchObject({ id: 'op2', status: 'proposed' });
    const b = proposeChange(a.record, { details: details({ date: '2030-07-06' }), label: 'reschedule', userId: 'U0CREW0001', nowMs: T });
    let r = approveChange(b.record, 'op2', 'U0APPROVER1', T);
    expect(r.state).toBe('running');
    r = approveChange(r, 'op3', 'U0APPROVER1', T);
    expect(operationsOf(r).map((o) => o.status)).toEqual(['done', 'superseded', 'queued']);
    expect(activeOperation(r)?.id).toBe('op3');
    r = startOperation(r, 'op3', T);
    expect(r.request.date).toBe('2030-07-06');
    expect(r.revision).toBe(2);
    expect(operationsOf(r)[2]?.previous?.request.date).toBe('2030-07-04');
    expect(Object.keys(operationsOf(r)[2]?.steps ?? {})).toEqual(['calendar_update', 'scc_update', 'revenue_guard', 'guest_page', 'guest_cache', 'crew_notice']);
    const finished = finishOperation(r, 'op3', 'done', T);
    expect(finished.state).toBe('done');
  });

  it('a second decision loses and names the winner; a rejected change never runs', () => {
    const { record } = proposeChange(withState('done'), { details: details({ notes: 'x' }), label: 'edit', userId: 'U0CREW0001', nowMs: T });
    const approved = approveChange(record, 'op2', 'U0APPROVER1', T);
    expect(() => approveChange(approved, 'op2', 'U0APPROVER2', T)).toThrow(OperationDecidedError);
    expect(() => rejectChange(approved, 'op2', 'U0APPROVER2', T)).toThrow(expect.objectContaining({ status: 'queued', byUserId: 'U0APPROVER1' }));
    const rejected = rejectChange(record, 'op2', 'U0APPROVER2', T);
    expect(activeOperation(rejected)).toBeUndefined();
    expect(rejected.state).toBe('done');
  });

  it('cannot be proposed before approval or after a cancel', () => {
    expect(() => proposeChange(withState('pending_approval', 'pending'), { details: details(), label: 'edit', userId: 'U1', nowMs: T })).toThrow(IllegalTransitionError);
    const cancelled = requestCancel(withState('done'), 'U0APPROVER1', T);
    expect(() => proposeChange(cancelled, { details: details(), label: 'edit', userId: 'U1', nowMs: T })).toThrow(IllegalTransitionError);
  });

  it('plans only the steps whose artifact shows a changed field', () => {
    const from = details();
    // Notes: the calendar shows them, and SCC and the crew posts their crew-safe lines.
    expect(planChangeSteps(from, details({ notes: 'cake' }))).toEqual(['calendar_update', 'scc_update', 'revenue_guard', 'crew_notice']);
    expect(planChangeSteps(from, details({ priceCents: 150000 }))).toEqual([]);
    expect(planChangeSteps(from, details({ guestEmail: 'new@example.com' }))).toEqual([]);
    expect(planChangeSteps(from, details({ departureTime: '10:00' }))).toEqual(['calendar_update', 'scc_update', 'revenue_guard', 'guest_page', 'guest_cache', 'crew_notice']);
    const swapped = details({}, [sampleRoster[0]!, sampleRoster[1]!, { slackUserId: 'U0NEWCREW1', name: 'Jo Kim', role: 'crew' }]);
    expect(planChangeSteps(from, swapped)).toEqual(['calendar_update', 'scc_update', 'revenue_guard', 'crew_notice']);
  });

  it('plans the calendar for a new platform or reference (the entry prints it), not for an older record given back as the same one', () => {
    const onPlatform = (platform: string, platformRef: string) => details({ boatsetterRef: undefined, platform, platformRef });
    const from = onPlatform('Boatsetter', 'BS-48213');
    expect(planChangeSteps(from, onPlatform('Boatsetter', 'BS-99999'))).toEqual(['calendar_update']);
    expect(planChangeSteps(from, onPlatform('GetMyBoat', 'BS-48213'))).toEqual(['calendar_update']);
    expect(planChangeSteps(from, details({ boatsetterRef: undefined }))).toEqual(['calendar_update']);
    // sampleRequest is a record from before platforms were generalised: boatsetterRef 'BS-48213'.
    expect(planChangeSteps(details(), from)).toEqual([]);
    expect(planChangeSteps(details(), onPlatform('Boatsetter', 'BS-77777'))).toEqual(['calendar_update']);
  });

  it('plans notes by who reads them: internal notes only the calendar, notes for crew also SCC and the crew posts', () => {
    const from = details({ notes: 'Sam: 150', crewNotes: 'Bring ice' });
    // "Sam: 150" is a line the money detector misses: on a booking with the crew field it must not reach SCC or crew.
    expect(planChangeSteps(from, details({ notes: 'Sam: 175', crewNotes: 'Bring ice' }))).toEqual(['calendar_update']);
    expect(planChangeSteps(from, details({ notes: 'Sam: 150', crewNotes: 'Bring ice\nDock B slip 12' }))).toEqual(['calendar_update', 'scc_update', 'revenue_guard', 'crew_notice']);
    // A booking made before the field, changed from a form that carried its crew lines over: crew see no change.
    const legacy = details({ notes: 'Bring ice\nPaid $1,200' });
    expect(legacy.request.crewNotes).toBeUndefined();
    expect(planChangeSteps(legacy, details({ notes: 'Bring ice\nPaid $1,200', crewNotes: 'Bring ice' }))).toEqual(['calendar_update']);
    expect(planChangeSteps(legacy, details({ notes: 'Bring ice\nPaid $1,200', crewNotes: '' }))).toEqual(['calendar_update', 'scc_update', 'revenue_guard', 'crew_notice']);
  });

  it('resets confirmations of whoever’s call changed: everyone on a reschedule, the role-changed, the removed', () => {
    const from = details();
    expect(callsChanged(from, details({ date: '2030-07-05' })).changed).toEqual(['U0CAPTAIN1', 'U0CREW0001', 'U0CREW0002']);
    const roles: RosterMember[] = [{ ...sampleRoster[1]!, role: 'captain' }, { ...sampleRoster[0]!, role: 'crew' }, { slackUserId: 'U0NEWCREW1', name: 'Jo Kim', role: 'crew' }];
    expect(callsChanged(from, details({}, roles))).toEqual({ changed: ['U0CREW0001', 'U0CAPTAIN1'], added: ['U0NEWCREW1'], removed: ['U0CREW0002'] });

    const done = { ...withState('done'), confirmations: { U0CAPTAIN1: T, U0CREW0001: T, U0CREW0002: T } };
    const { record } = proposeChange(done, { details: details({}, [sampleRoster[0]!, sampleRoster[1]!]), label: 'crew swap', userId: 'U1', nowMs: T });
    const started = startOperation(approveChange(record, 'op2', 'U0APPROVER1', T), 'op2', T);
    expect(started.confirmations).toEqual({ U0CAPTAIN1: T, U0CREW0001: T });
  });

  it('starts the reminders of whoever it calls afresh over, and the office\'s line with them', () => {
    const sent = { sentAtMs: T };
    const done = { ...withState('done'), reminders: { [`dm48:U0CREW0001`]: sent, [`dm48:U0CREW0002`]: sent, ops24: sent, 'deactivated:U0CREW0002': sent } };
    // A crew swap leaves Lee's call as it was; Ana is taken off.
    const swap = proposeChange(done, { details: details({}, [sampleRoster[0]!, sampleRoster[1]!]), label: 'crew swap', userId: 'U1', nowMs: T }).record;
    expect(Object.keys(startOperation(approveChange(swap, 'op2', 'U0APPROVER1', T), 'op2', T).reminders ?? {}).sort()).toEqual(['deactivated:U0CREW0002', 'dm48:U0CREW0001']);
    // A price change calls nobody again: the reminders stand.
    const price = proposeChange(done, { details: details({ priceCents: 150000 }), label: 'edit', userId: 'U1', nowMs: T }).record;
    expect(startOperation(approveChange(price, 'op2', 'U0APPROVER1', T), 'op2', T).reminders).toEqual(done.reminders);
  });

  it('drops a "can\'t make it" to the old call of whoever\'s call changed, and of a member taken off', () => {
    const decline = { atMs: T, reason: 'Another gig' };
    const done = { ...withState('done'), declines: { U0CREW0001: decline, U0CREW0002: decline } };
    // A crew swap keeps Lee's call as it was: his decline stands; Ana's, taken off, goes.
    const swap = proposeChange(done, { details: details({}, [sampleRoster[0]!, sampleRoster[1]!]), label: 'crew swap', userId: 'U1', nowMs: T }).record;
    expect(startOperation(approveChange(swap, 'op2', 'U0APPROVER1', T), 'op2', T).declines).toEqual({ U0CREW0001: decline });
    // A reschedule changes everyone's call: nobody has declined the new one.
    const moved = proposeChange(done, { details: details({ date: '2030-07-05' }), label: 'reschedule', userId: 'U1', nowMs: T }).record;
    expect(startOperation(approveChange(moved, 'op2', 'U0APPROVER1', T), 'op2', T).declines).toEqual({});
  });
});

describe('call revisions', () => {
  it('move to the change\'s revision for whoever it calls afresh, and back when a change replaces it before its crew call went out', () => {
    let r: BookingRecord = withState('done');
    const moved = proposeChange(r, { details: details({ departureTime: '17:00' }), label: 'reschedule', userId: 'U1', nowMs: T });
    r = startOperation(approveChange(moved.record, moved.op.id, 'U2', T), moved.op.id, T);
    const everyone = sampleRoster.map((m) => m.slackUserId);
    expect(r.callRevisions).toEqual(Object.fromEntries(everyone.map((u) => [u, 2])));
    // Its SCC step fails before the crew step ran: no post ever showed revision 2.
    r = finishOperation(r, moved.op.id, 'failed', T + 1);
    const back = proposeChange(r, { details: details(), label: 'reschedule', userId: 'U1', nowMs: T + 2 });
    r = startOperation(approveChange(back.record, back.op.id, 'U2', T + 2), back.op.id, T + 2);
    expect(operationsOf(r).find((o) => o.id === moved.op.id)?.status).toBe('superseded');
    // Back to the call the posts show: buttons drawn for it (no revision recorded = 1) still answer it.
    expect(r.callRevisions ?? {}).toEqual({});
  });
});

describe('cancel', () => {
  it('stops a running create, drops changes not started, and compensates only what ran', () => {
    const running = withState('running', 'pending');
    running.steps.calendar = { status: 'done', attempts: 1, result: { calendarId: 'cal_1' } };
    // A Retry of a run refused before anything was sent: stopped mid-attempt, its outcome is unknown for real.
    running.steps.scc_event = { status: 'running', attempts: 1, outcomeUnknown: true, retriedAfterRefusal: true, lease: { owner: 'other', leaseExpiresAtMs: T + 10_000 } };
    const { record } = proposeChange(running, { details: details({ date: '2030-07-05' }), label: 'reschedule', userId: 'U1', nowMs: T });
    const queued = approveChange(record, 'op2', 'U0APPROVER1', T);
    const cancelling = requestCancel(queued, 'U0APPROVER1', T);
    expect(operationsOf(cancelling).map((o) => [o.kind, o.status])).toEqual([
      ['create', 'stopping'],
      ['change', 'superseded'],
      ['cancel', 'queued'],
    ]);
    expect(cancelling.audit.at(-1)).toMatchObject({ action: 'cancelled', userId: 'U0APPROVER1' });

    // The SCC create is still in flight under another process's live lease: not stopped yet.
    expect(settleStopping(cancelling, 'create', 'me', T, () => false)).toBeUndefined();
    // Its holder died (lease expired): stopped; the abandoned step is failed, not re-run.
    const stopped = settleStopping(cancelling, 'create', 'me', T + 20_000, () => false)!;
    expect(operationsOf(stopped)[0]?.status).toBe('stopped');
    expect(stopped.steps.scc_event).toMatchObject({ status: 'failed', outcomeUnknown: true, error: { code: 'PIPELINE_STOPPED' } });
    expect(stopped.steps.scc_event.retriedAfterRefusal).toBeUndefined();
    expect(activeOperation(stopped)?.kind).toBe('cancel');

    // The calendar entry exists; the SCC create may have landed (the cancel looks it up); nothing else ran.
    expect(planCancelSteps(stopped)).toEqual(['calendar_delete', 'scc_cancel', 'revenue_guard']);
    const started = startOperation(stopped, 'op3', T);
    expect(Object.keys(operationsOf(started)[2]?.steps ?? {})).toEqual(['calendar_delete', 'scc_cancel', 'revenue_guard']);
    expect(finishOperation(started, 'op3', 'done', T).state).toBe('cancelled');
  });

  it('after done compensates every step; a failed booking stops at once', () => {
    expect(planCancelSteps(withState('done'))).toEqual(['calendar_delete', 'scc_cancel', 'revenue_guard', 'guest_page', 'guest_cache', 'crew_notice']);
    const failed = withState('failed', 'pending');
    failed.steps.guest_page = { status: 'failed', attempts: 5, error: { code: 'S3_ACCESS_DENIED', message: 'no', retryable: false } };
    const r = requestCancel(failed, 'U0APPROVER1', T);
    expect(operationsOf(r).map((o) => o.status)).toEqual(['stopped', 'queued']);
    expect(r.state).toBe('running');
    // guest_page failed (it may have uploaded before failing): its page is replaced too.
    expect(planCancelSteps(r)).toEqual(['guest_page', 'guest_cache']);
  });

  it('happens once', () => {
    const once = requestCancel(withState('done'), 'U0APPROVER1', T);
    expect(() => requestCancel(once, 'U0APPROVER2', T)).toThrow(IllegalTransitionError);
  });
});

describe('compactHistory', () => {
  const details = { request: { notes: 'n' }, roster: [], costs: {} } as unknown as BookingDetails;
  const change = (id: string, status: Operation['status'], started = true): Operation => ({
    id, kind: 'change', status, requestedBy: 'U1', requestedAtMs: 1, label: 'edit', details, ...(started ? { previous: details, startedAtMs: 2 } : {}),
  });

  it('drops the details of older settled changes only, keeping the newest four whole', () => {
    const ops = [change('op2', 'done'), change('op3', 'rejected', false), change('op4', 'proposed', false), change('op5', 'failed'), change('op6', 'done'), change('op7', 'done'), change('op8', 'done'), change('op9', 'proposed', false)];
    const out = compactHistory(ops);
    expect(out.map((o) => o.compacted === true)).toEqual([true, true, false, false, false, false, false, false]);
    expect(out[0]).toEqual({ id: 'op2', kind: 'change', status: 'done', requestedBy: 'U1', requestedAtMs: 1, label: 'edit', startedAtMs: 2, compacted: true });
  });

  it('keeps the last started change whole however old: the next change plans from what it replaced', () => {
    const ops = [change('op2', 'superseded'), ...['op3', 'op4', 'op5', 'op6', 'op7'].map((id) => change(id, 'rejected', false))];
    expect(compactHistory(ops)[0]).toBe(ops[0]);
  });
});

/** The booking's details with its second crew member taken off: nothing the guest page shows. */
const swapOnly = () => details({}, sampleRoster.filter((m, i) => m.role === 'captain' || i === sampleRoster.findIndex((c) => c.role === 'crew')));

describe('guest page refresh', () => {
  it('of a done booking queues a refresh operation (who asked, when) and sets the booking running; starting it plans the upload and the invalidation at the same revision', () => {
    const asked = requestRefresh(withState('done'), 'U0APPROVER1', T + 1);
    if (asked.outcome === 'joined') throw new Error('expected a new refresh');
    expect(asked.outcome).toBe('queued');
    expect(asked.record.state).toBe('running');
    expect(asked.op).toEqual({ id: 'op2', kind: 'refresh', status: 'queued', requestedBy: 'U0APPROVER1', requestedAtMs: T + 1 });
    expect(asked.record.audit.at(-1)).toEqual({ action: 'refreshed', userId: 'U0APPROVER1', atMs: T + 1 });
    const started = startOperation(asked.record, 'op2', T + 2);
    expect(activeOperation(started)).toMatchObject({ id: 'op2', status: 'running', revision: 1, steps: { guest_page: { status: 'pending' }, guest_cache: { status: 'pending' } } });
    expect(started.revision).toBeUndefined();
  });

  it('asked while one is queued or running joins it; asked after one failed runs all of it again; asked in any other state is refused', () => {
    const asked = requestRefresh(withState('done'), 'U0APPROVER1', T + 1);
    if (asked.outcome === 'joined') throw new Error('expected a new refresh');
    expect(requestRefresh(asked.record, 'U0APPROVER2', T + 2)).toEqual({ outcome: 'joined', op: asked.op });
    const started = startOperation(asked.record, 'op2', T + 2);
    expect(requestRefresh(started, 'U0APPROVER2', T + 3)).toMatchObject({ outcome: 'joined', op: { id: 'op2', status: 'running' } });

    const op = activeOperation(started)!;
    const uploaded = { ...op, steps: { guest_page: { status: 'done' as const, attempts: 1, result: { key: 'k' } }, guest_cache: { status: 'failed' as const, attempts: 1, error: { message: 'CloudFront down', code: 'CLOUDFRONT_UNAVAILABLE', retryable: true } } } };
    const failed = finishOperation({ ...started, operations: started.operations!.map((o) => (o.id === 'op2' ? uploaded : o)) }, 'op2', 'failed', T + 4);
    expect(failed.state).toBe('failed');
    const again = requestRefresh(failed, 'U0APPROVER2', T + 5);
    if (again.outcome === 'joined') throw new Error('expected the failed refresh to run again');
    expect(again.outcome).toBe('retried');
    expect(again.record.state).toBe('running');
    expect(activeOperation(again.record)).toMatchObject({ id: 'op2', status: 'running', steps: { guest_page: { status: 'pending', result: { key: 'k' } }, guest_cache: { status: 'pending' } } });

    for (const state of ['pending_approval', 'approved', 'running', 'failed', 'cancelled'] as const) {
      expect(() => requestRefresh(withState(state), 'U0APPROVER1', T)).toThrow(IllegalTransitionError);
    }
    // A cancel asked while it was queued stops it: the booking is on its way out, nothing to refresh.
    expect(() => requestRefresh(requestCancel(asked.record, 'U0APPROVER1', T + 2), 'U0APPROVER1', T + 3)).toThrow(IllegalTransitionError);
  });

  it('that fails while a change approved meanwhile waits gives way to it, and the change uploads the page though the page shows nothing it changed', () => {
    const asked = requestRefresh(withState('done'), 'U0APPROVER1', T + 1);
    if (asked.outcome === 'joined') throw new Error('expected a new refresh');
    const running = startOperation(asked.record, 'op2', T + 2);
    const swap = swapOnly();
    expect(planChangeSteps(details(), swap)).not.toContain('guest_page');
    const proposed = proposeChange(running, { details: swap, label: 'crew swap', userId: 'U1', nowMs: T + 3 });
    const approved = approveChange(proposed.record, proposed.op.id, 'U0APPROVER1', T + 4);
    // A running refresh is left to finish: the change queues behind it.
    expect(operationsOf(approved).map((o) => [o.id, o.status])).toEqual([['create', 'done'], ['op2', 'running'], ['op3', 'queued']]);
    const failed = finishOperation(approved, 'op2', 'failed', T + 5);
    expect(operationsOf(failed).find((o) => o.id === 'op2')).toMatchObject({ status: 'superseded', note: 'replaced by op3' });
    expect(failed.state).toBe('running');
    expect(activeOperation(failed)?.id).toBe('op3');
    expect(Object.keys(activeOperation(startOperation(failed, 'op3', T + 6))?.steps ?? {})).toEqual(expect.arrayContaining(['crew_notice', 'guest_page', 'guest_cache']));
  });

  /** A done booking running an approved reschedule (op2): its guest page upload and cache clear are planned. */
  function changing(): BookingRecord {
    const proposed = proposeChange(withState('done'), { details: details({ departureTime: '17:00' }), label: 'reschedule', userId: 'U1', nowMs: T + 1 });
    return startOperation(approveChange(proposed.record, 'op2', 'U0APPROVER1', T + 2), 'op2', T + 3);
  }
  const withChangeStep = (r: BookingRecord, step: 'guest_page' | 'guest_cache', status: 'running' | 'done'): BookingRecord => ({
    ...r,
    operations: operationsOf(r).map((o) => (o.id === 'op2' ? { ...o, steps: { ...o.steps, [step]: { status, attempts: 1 } } } : o)),
  });

  it('asked while a change will still clear the cache: queued behind it, covered by it, and ends with no step once the change has cleared it', () => {
    const asked = requestRefresh(changing(), 'U0APPROVER1', T + 4);
    if (asked.outcome === 'joined') throw new Error('expected a new refresh');
    expect(asked).toMatchObject({ outcome: 'queued', after: { id: 'op2' }, op: { id: 'op3', status: 'queued', coveredBy: 'op2' } });
    expect(asked.record.state).toBe('running');
    expect(activeOperation(asked.record)?.id).toBe('op2');
    // Asked again before it runs: the same refresh, nothing written.
    expect(requestRefresh(asked.record, 'U0APPROVER2', T + 5)).toEqual({ outcome: 'joined', op: asked.op, after: expect.objectContaining({ id: 'op2' }) });
    const changed = finishOperation(withChangeStep(withChangeStep(asked.record, 'guest_page', 'done'), 'guest_cache', 'done'), 'op2', 'done', T + 6);
    expect(activeOperation(changed)?.id).toBe('op3');
    const started = startOperation(changed, 'op3', T + 7);
    expect(activeOperation(started)).toMatchObject({ id: 'op3', status: 'running', steps: {}, note: expect.stringContaining('op2') });
    expect(finishOperation(started, 'op3', 'done', T + 8).state).toBe('done');
  });

  it('asked once the change has rendered the page or cleared the cache, or while it is queued: the refresh runs its own steps after it; a second ask then drops the cover', () => {
    const late = requestRefresh(withChangeStep(changing(), 'guest_cache', 'done'), 'U0APPROVER1', T + 4);
    if (late.outcome === 'joined') throw new Error('expected a new refresh');
    expect(late.op.coveredBy).toBeUndefined();
    // A page rendered (or being rendered) before the ask may be an older process's: the refresh runs.
    for (const render of ['running', 'done'] as const) {
      const rendered = requestRefresh(withChangeStep(changing(), 'guest_page', render), 'U0APPROVER1', T + 4);
      if (rendered.outcome === 'joined') throw new Error('expected a new refresh');
      expect(rendered.op.coveredBy).toBeUndefined();
    }

    const early = requestRefresh(withChangeStep(changing(), 'guest_cache', 'running'), 'U0APPROVER1', T + 4);
    if (early.outcome === 'joined') throw new Error('expected a new refresh');
    expect(early.op.coveredBy).toBe('op2');
    const again = requestRefresh(withChangeStep(early.record, 'guest_cache', 'done'), 'U0APPROVER2', T + 5);
    expect(again.outcome).toBe('joined');
    expect(again.op.coveredBy).toBeUndefined();
    const changed = finishOperation(withChangeStep(again.record!, 'guest_page', 'done'), 'op2', 'done', T + 6);
    expect(activeOperation(startOperation(changed, 'op3', T + 7))?.steps).toEqual({ guest_page: { status: 'pending', attempts: 0 }, guest_cache: { status: 'pending', attempts: 0 } });
  });

  it('queued behind a change that fails stays queued (Retry runs the change, then it); a cancel drops it; a create still running refuses it', () => {
    const asked = requestRefresh(changing(), 'U0APPROVER1', T + 4);
    if (asked.outcome === 'joined') throw new Error('expected a new refresh');
    const failed = finishOperation(asked.record, 'op2', 'failed', T + 5);
    expect(failed.state).toBe('failed');
    expect(operationsOf(failed).find((o) => o.id === 'op3')?.status).toBe('queued');
    expect(() => requestRefresh(failed, 'U0APPROVER1', T + 6)).toThrow(IllegalTransitionError);
    expect(operationsOf(requestCancel(failed, 'U0APPROVER1', T + 6)).find((o) => o.id === 'op3')).toMatchObject({ status: 'superseded', note: 'the booking was cancelled' });
    expect(() => requestRefresh(withState('running', 'pending'), 'U0APPROVER1', T)).toThrow(IllegalTransitionError);
  });

  it('a change started after a later refresh was done owes no page upload of its own', () => {
    const first = requestRefresh(withState('done'), 'U0APPROVER1', T + 1);
    if (first.outcome === 'joined') throw new Error('expected a new refresh');
    const retired = approveChange(proposeChange(first.record, { details: details({ partySize: 7 }), label: 'edit', userId: 'U1', nowMs: T + 2 }).record, 'op3', 'U0APPROVER1', T + 3);
    expect(operationsOf(retired).find((o) => o.id === 'op2')).toMatchObject({ status: 'superseded', note: 'replaced by op3' });
    const doneRefresh: Operation = { id: 'op4', kind: 'refresh', status: 'done', requestedBy: 'U0APPROVER1', requestedAtMs: T + 4, startedAtMs: T + 4, finishedAtMs: T + 5 };
    const ops = operationsOf(retired).map((o): Operation => (o.id === 'op3' ? { ...o, status: 'superseded', note: 'replaced by op5' } : o));
    const later = approveChange(proposeChange({ ...retired, state: 'done', operations: [...ops, doneRefresh] }, { details: swapOnly(), label: 'crew swap', userId: 'U1', nowMs: T + 6 }).record, 'op5', 'U0APPROVER1', T + 7);
    expect(Object.keys(activeOperation(startOperation(later, 'op5', T + 8))?.steps ?? {})).not.toContain('guest_page');
  });
});

describe('a change replacing a failed change that ran some of its steps', () => {
  type Ran = Partial<Record<AnyStepName, StepState>>;
  const done: StepState = { status: 'done', attempts: 1 };
  const failed: StepState = { status: 'failed', attempts: 1, error: { message: 'refused', code: 'X', retryable: false } };

  /** Proposes, approves and starts a change, lets its steps end as `ran` (the rest stay pending), and fails it. */
  function failedChange(r: BookingRecord, to: BookingDetails, ran: Ran, nowMs: number): { record: BookingRecord; op: Operation } {
    const p = proposeChange(r, { details: to, label: 'reschedule', userId: 'U1', nowMs });
    let next = startOperation(approveChange(p.record, p.op.id, 'U0APPROVER1', nowMs), p.op.id, nowMs);
    next = { ...next, operations: operationsOf(next).map((o) => (o.id === p.op.id ? { ...o, steps: { ...o.steps, ...ran } } : o)) };
    return { record: finishOperation(next, p.op.id, 'failed', nowMs), op: p.op };
  }

  function started(r: BookingRecord, to: BookingDetails, nowMs: number): { record: BookingRecord; op: Operation } {
    const p = proposeChange(r, { details: to, label: 'reschedule back', userId: 'U1', nowMs });
    const record = startOperation(approveChange(p.record, p.op.id, 'U0APPROVER1', nowMs), p.op.id, nowMs);
    return { record, op: operationsOf(record).find((o) => o.id === p.op.id)! };
  }

  it('putting 16:00 back after one moved the calendar, SCC and guest page to 17:00 and failed at its crew step: redoes all of them and tells the crew', () => {
    const x = failedChange(withState('done'), details({ departureTime: '17:00' }), { calendar_update: done, scc_update: done, revenue_guard: done, guest_page: done, guest_cache: done, crew_notice: failed }, T);
    // Lee confirmed the 17:00 call X's crew step had drawn before it failed on Ana's.
    const confirmed: BookingRecord = { ...x.record, confirmations: { U0CREW0001: T + 1 } };
    const y = started(confirmed, details(), T + 2);
    expect(y.record.request.departureTime).toBe('16:00');
    expect(Object.keys(y.op.steps ?? {})).toEqual(['calendar_update', 'scc_update', 'revenue_guard', 'guest_page', 'guest_cache', 'crew_notice']);
    // The crew X reached hold 17:00: they are told and asked again, from this revision.
    expect(y.op.crewMayHaveSeen?.request.departureTime).toBe('17:00');
    expect(y.record.confirmations).toEqual({});
    expect(y.record.callRevisions).toEqual(Object.fromEntries(sampleRoster.map((m) => [m.slackUserId, y.record.revision])));
  });

  it('a member the failed change called afresh, and this one takes off again, is told they are off', () => {
    const withNew = [...sampleRoster, { slackUserId: 'U0NEWCREW1', name: 'Kai Lund', role: 'crew' as const }];
    const x = failedChange(withState('done'), details({}, withNew), { calendar_update: done, scc_update: done, revenue_guard: done, crew_notice: failed }, T);
    const y = started(x.record, details(), T + 1);
    expect(Object.keys(y.op.steps ?? {})).toContain('crew_notice');
    expect(callsChangedBy(y.op, details()).removed).toEqual(['U0NEWCREW1']);
  });

  it('after two that failed at their crew step, the first calling a new member and the second taking him off before telling him: he is told he is off', () => {
    const kai = { slackUserId: 'U0NEWCREW1', name: 'Kai Lund', role: 'crew' as const };
    const x1 = failedChange(withState('done'), details({}, [...sampleRoster, kai]), { calendar_update: done, scc_update: done, revenue_guard: done, crew_notice: failed }, T);
    const x2 = failedChange(x1.record, details(), { calendar_update: done, scc_update: done, revenue_guard: done, crew_notice: failed }, T + 1);
    const y = started(x2.record, details({ crewNotes: 'Bring ice' }), T + 2);
    expect(Object.keys(y.op.steps ?? {})).toContain('crew_notice');
    expect(callsChangedBy(y.op, details({ crewNotes: 'Bring ice' })).removed).toEqual(['U0NEWCREW1']);
  });

  it('after two failed in a row and change requests rejected meanwhile, the first one\'s crew step still counts: the crew it told 17:00 are told 16:00', () => {
    const x1 = failedChange(withState('done'), details({ departureTime: '17:00' }), { calendar_update: done, scc_update: done, revenue_guard: done, guest_page: done, guest_cache: done, crew_notice: failed }, T);
    const x2 = failedChange(x1.record, details({ departureTime: '17:00', crewNotes: 'Bring ice' }), { calendar_update: failed }, T + 1);
    let r = x2.record;
    for (let i = 0; i < 4; i++) {
      const p = proposeChange(r, { details: details({ departureTime: '17:00', partySize: 7 + i }), label: 'edit', userId: 'U1', nowMs: T + 2 + i });
      r = rejectChange(p.record, p.op.id, 'U0APPROVER1', T + 2 + i);
    }
    // X1 is compacted (the record stays bounded); X2 carries what X1 showed the crew.
    expect(operationsOf(r).find((o) => o.id === x1.op.id)?.compacted).toBe(true);
    const y = started(r, details(), T + 10);
    expect(y.op.crewMayHaveSeen?.request.departureTime).toBe('17:00');
    expect(Object.keys(y.op.steps ?? {})).toContain('crew_notice');
  });

  it('who confirmed the 17:00 the failed change showed them keeps that answer when the next change keeps 17:00', () => {
    const x = failedChange(withState('done'), details({ departureTime: '17:00' }), { calendar_update: done, scc_update: done, revenue_guard: done, guest_page: done, guest_cache: done, crew_notice: failed }, T);
    const confirmed: BookingRecord = { ...x.record, confirmations: { U0CREW0001: T + 1 } };
    const y = started(confirmed, details({ departureTime: '17:00', crewNotes: 'Bring ice' }), T + 2);
    expect(y.record.confirmations).toEqual({ U0CREW0001: T + 1 });
    const calls = callsChangedBy(y.op, details({ departureTime: '17:00', crewNotes: 'Bring ice' }));
    // The others may never have been shown 17:00: they are told and asked.
    expect(calls.changed).toEqual(['U0CAPTAIN1', 'U0CREW0002']);
  });

  it('what a failed run showed the crew carries over a change that replaced it and failed too, however many requests were rejected while it ran', () => {
    const x = failedChange(withState('done'), details({ departureTime: '17:00' }), { calendar_update: done, scc_update: done, revenue_guard: done, crew_notice: failed }, T);
    const p = proposeChange(x.record, { details: details({ departureTime: '18:00' }), label: 'edit', userId: 'U1', nowMs: T + 1 });
    let r = startOperation(approveChange(p.record, p.op.id, 'U0APPROVER1', T + 1), p.op.id, T + 1);
    for (let i = 0; i < 4; i++) {
      const q = proposeChange(r, { details: details({ departureTime: '18:00', partySize: 7 + i }), label: 'edit', userId: 'U1', nowMs: T + 2 + i });
      r = rejectChange(q.record, q.op.id, 'U0APPROVER1', T + 2 + i);
    }
    // The second fails at the calendar (no answer), before its crew step.
    r = { ...r, operations: operationsOf(r).map((o) => (o.id === p.op.id ? { ...o, steps: { ...o.steps, calendar_update: { ...failed, outcomeUnknown: true } } } : o)) };
    r = finishOperation(r, p.op.id, 'failed', T + 7);
    const y = started(r, details({ departureTime: '16:00', crewNotes: 'Bring ice' }), T + 8);
    expect(y.op.crewMayHaveSeen?.request.departureTime).toBe('17:00');
  });

  it('a member the failed change took off is greeted as newly on by the change putting them back only if that change told them they were off', () => {
    const kai = { slackUserId: 'U0NEWCREW1', name: 'Kai Lund', role: 'crew' as const };
    const swapped = [sampleRoster[0]!, sampleRoster[1]!, kai];
    const x = failedChange(withState('done'), details({}, swapped), { calendar_update: done, scc_update: done, revenue_guard: done, crew_notice: failed }, T);
    // Its crew step called Kai and failed on a note, before Ana's you're-off.
    const untold = started(x.record, details(), T + 1);
    expect(callsChangedBy(untold.op, details())).toEqual({ changed: [], added: [], removed: ['U0NEWCREW1'] });
    const revision = operationsOf(x.record).find((o) => o.id === x.op.id)!.revision!;
    const told = started({ ...x.record, slack: { ...x.record.slack, crewToldOff: { U0CREW0002: revision } } }, details(), T + 1);
    expect(callsChangedBy(told.op, details())).toEqual({ changed: [], added: ['U0CREW0002'], removed: ['U0NEWCREW1'] });
  });

  it("a failed change whose crew step finished names whom it told in its result: the change putting them back greets them as newly on", () => {
    const rosterWithoutAna = [sampleRoster[0]!, sampleRoster[1]!];
    const x = failedChange(withState('done'), details({}, rosterWithoutAna), { calendar_update: failed }, T);
    const revision = operationsOf(x.record).find((o) => o.id === x.op.id)!.revision!;
    const crewDone: StepState = { ...done, result: { 'post:U0CREW0001': 'D1/1.1', 'off:U0CREW0002': revision, notesPosted: true } };
    const ran: BookingRecord = { ...x.record, operations: operationsOf(x.record).map((o) => (o.id === x.op.id ? { ...o, steps: { ...o.steps, crew_notice: crewDone } } : o)) };
    const y = started(ran, details(), T + 1);
    expect(callsChangedBy(y.op, details())).toEqual({ changed: [], added: ['U0CREW0002'], removed: [] });
  });

  it("who a failed change told they are off is kept while a change replaces its run, and dropped by the next change or a cancel", () => {
    const x = failedChange(withState('done'), details({}, [sampleRoster[0]!, sampleRoster[1]!]), { calendar_update: done, crew_notice: failed }, T);
    const revision = operationsOf(x.record).find((o) => o.id === x.op.id)!.revision!;
    const toldOff: BookingRecord = { ...x.record, slack: { ...x.record.slack, crewToldOff: { U0CREW0002: revision } } };
    // A change replacing this one, should it fail too, is replaced along with it: the entry still counts.
    const y = started(toldOff, details(), T + 1);
    expect(y.record.slack.crewToldOff).toEqual({ U0CREW0002: revision });
    const settled = finishOperation(y.record, y.op.id, 'done', T + 2);
    expect(started(settled, details({ crewNotes: 'Bring ice' }), T + 3).record.slack.crewToldOff).toBeUndefined();
    const cancelling = requestCancel(settled, 'U0APPROVER1', T + 3);
    const cancel = operationsOf(cancelling).find((o) => o.kind === 'cancel')!;
    expect(startOperation(cancelling, cancel.id, T + 3).slack.crewToldOff).toBeUndefined();
  });

  /** A failed change `x` whose crew step finished, naming `told` as told "you're off" in its result. */
  const crewFinished = (x: { record: BookingRecord; op: Operation }, told: string[]): BookingRecord => {
    const revision = operationsOf(x.record).find((o) => o.id === x.op.id)!.revision!;
    const crewDone: StepState = { ...done, result: { notesPosted: true, ...Object.fromEntries(told.map((u) => [`off:${u}`, revision])) } };
    return { ...x.record, operations: operationsOf(x.record).map((o) => (o.id === x.op.id ? { ...o, steps: { ...o.steps, crew_notice: crewDone } } : o)) };
  };
  const cancelStarted = (r: BookingRecord): Operation => {
    const cancelling = requestCancel(r, 'U0APPROVER1', T + 9);
    const id = operationsOf(cancelling).find((o) => o.kind === 'cancel')!.id;
    return operationsOf(startOperation(cancelling, id, T + 9)).find((o) => o.id === id)!;
  };
  const withoutAna = () => [sampleRoster[0]!, sampleRoster[1]!];

  it("a cancel after a failed change took Ana off names her as still holding her call, unless that change told her she is off", () => {
    const untold = failedChange(withState('done'), details({}, withoutAna()), { calendar_update: done, crew_notice: failed }, T);
    expect(cancelStarted(untold.record).crewMayHoldCall).toEqual(['U0CREW0002']);
    const told = failedChange(withState('done'), details({}, withoutAna()), { calendar_update: failed }, T);
    expect(cancelStarted(crewFinished(told, ['U0CREW0002'])).crewMayHoldCall).toBeUndefined();
    // Told off by the first, put back by the second (its crew step ran), taken off untold by the third: she holds the second's call.
    const x = crewFinished(failedChange(withState('done'), details({}, withoutAna()), { calendar_update: failed }, T), ['U0CREW0002']);
    const y = crewFinished(failedChange(x, details(), { calendar_update: failed }, T + 1), []);
    const z = failedChange(y, details({}, withoutAna()), { calendar_update: done, crew_notice: failed }, T + 2);
    expect(cancelStarted(z.record).crewMayHoldCall).toEqual(['U0CREW0002']);
  });

  it("off, on, off, each told: the change putting Ana back greets her as newly on", () => {
    const x = crewFinished(failedChange(withState('done'), details({}, withoutAna()), { calendar_update: failed }, T), ['U0CREW0002']);
    const y = crewFinished(failedChange(x, details(), { calendar_update: failed }, T + 1), []);
    const z = crewFinished(failedChange(y, details({}, withoutAna()), { calendar_update: failed }, T + 2), ['U0CREW0002']);
    const w = started(z, details(), T + 3);
    expect(w.op.crewMayHaveSeen?.roster.map((m) => m.slackUserId)).not.toContain('U0CREW0002');
    expect(callsChangedBy(w.op, details()).added).toEqual(['U0CREW0002']);
  });

  it("a change keeping off a member the failed change it replaces told she is off names her as told already; one putting her back does not", () => {
    const x = crewFinished(failedChange(withState('done'), details({}, withoutAna()), { calendar_update: failed }, T), ['U0CREW0002']);
    expect(started(x, details({ crewNotes: 'Bring ice' }, withoutAna()), T + 1).op.crewToldOffBefore).toEqual(['U0CREW0002']);
    expect(started(x, details(), T + 1).op.crewToldOffBefore).toBeUndefined();
  });

  it("a member a failed change maybe told she is off (crewMaybeToldOff) is greeted as on if put back, but a cancel and a change keeping her off still reach her", () => {
    const x = failedChange(withState('done'), details({}, withoutAna()), { calendar_update: done, crew_notice: failed }, T);
    const revision = operationsOf(x.record).find((o) => o.id === x.op.id)!.revision!;
    const maybe: BookingRecord = { ...x.record, slack: { ...x.record.slack, crewMaybeToldOff: { U0CREW0002: revision } } };
    expect(callsChangedBy(started(maybe, details(), T + 1).op, details()).added).toEqual(['U0CREW0002']);
    expect(cancelStarted(maybe).crewMayHoldCall).toEqual(['U0CREW0002']);
    const keptOff = started(maybe, details({ crewNotes: 'Bring ice' }, withoutAna()), T + 1);
    expect(keptOff.op.crewToldOffBefore).toBeUndefined();
    expect(callsChangedBy(keptOff.op, details({ crewNotes: 'Bring ice' }, withoutAna())).removed).toEqual(['U0CREW0002']);
    // Kept while a change replaces the run, dropped by a cancel.
    expect(keptOff.record.slack.crewMaybeToldOff).toEqual({ U0CREW0002: revision });
    const cancelling = requestCancel(maybe, 'U0APPROVER1', T + 9);
    expect(startOperation(cancelling, operationsOf(cancelling).find((o) => o.kind === 'cancel')!.id, T + 9).slack.crewMaybeToldOff).toBeUndefined();
    // A record saved before the two were kept apart names her in crewToldOff: read as told, as it was.
    const old: BookingRecord = { ...x.record, slack: { ...x.record.slack, crewToldOff: { U0CREW0002: revision } } };
    expect(cancelStarted(old).crewMayHoldCall).toBeUndefined();
  });

  it("a cancel reaches a member one failed change called and a later one took off with her you're-off only maybe sent", () => {
    const kai = { slackUserId: 'U0NEWCREW1', name: 'Kai Lund', role: 'crew' as const };
    const withKai = [...sampleRoster, kai];
    const x = crewFinished(failedChange(withState('done'), details({}, withKai), { calendar_update: failed }, T), []);
    const y = failedChange(x, details(), { calendar_update: done, crew_notice: failed }, T + 1);
    const revision = operationsOf(y.record).find((o) => o.id === y.op.id)!.revision!;
    expect(cancelStarted({ ...y.record, slack: { ...y.record.slack, crewMaybeToldOff: { U0NEWCREW1: revision } } }).crewMayHoldCall).toEqual(['U0NEWCREW1']);
  });

  it("a member one failed change called and a later one maybe told she is off: a change keeping her off takes her off again, one putting her back greets her as on", () => {
    const kai = { slackUserId: 'U0NEWCREW1', name: 'Kai Lund', role: 'crew' as const };
    const x = crewFinished(failedChange(withState('done'), details({}, [...sampleRoster, kai]), { calendar_update: failed }, T), []);
    const y = failedChange(x, details(), { calendar_update: done, crew_notice: failed }, T + 1);
    const revision = operationsOf(y.record).find((o) => o.id === y.op.id)!.revision!;
    const maybe: BookingRecord = { ...y.record, slack: { ...y.record.slack, crewMaybeToldOff: { U0NEWCREW1: revision } } };
    const keptOff = started(maybe, details({ crewNotes: 'Bring ice' }), T + 2);
    expect(keptOff.op.crewMaybeToldOffBefore).toEqual(['U0NEWCREW1']);
    expect(callsChangedBy(keptOff.op, details({ crewNotes: 'Bring ice' })).removed).toEqual(['U0NEWCREW1']);
    const back = started(maybe, details({}, [...sampleRoster, kai]), T + 2);
    expect(back.op.crewMaybeToldOffBefore).toBeUndefined();
    expect(callsChangedBy(back.op, details({}, [...sampleRoster, kai])).added).toEqual(['U0NEWCREW1']);
  });

  it("told off, called back, then maybe told off again: a change keeping Ana off tells her again", () => {
    const x = crewFinished(failedChange(withState('done'), details({}, withoutAna()), { calendar_update: failed }, T), ['U0CREW0002']);
    const y = crewFinished(failedChange(x, details(), { calendar_update: failed }, T + 1), []);
    const z = failedChange(y, details({}, withoutAna()), { calendar_update: done, crew_notice: failed }, T + 2);
    const revision = operationsOf(z.record).find((o) => o.id === z.op.id)!.revision!;
    const maybe: BookingRecord = { ...z.record, slack: { ...z.record.slack, crewMaybeToldOff: { U0CREW0002: revision } } };
    const keptOff = started(maybe, details({ crewNotes: 'Bring ice' }, withoutAna()), T + 3);
    expect(keptOff.op.crewToldOffBefore).toBeUndefined();
    expect(callsChangedBy(keptOff.op, details({ crewNotes: 'Bring ice' }, withoutAna())).removed).toEqual(['U0CREW0002']);
  });

  it('replacing one that failed before any step ran plans from its fields alone: putting the time back runs nothing', () => {
    const x = failedChange(withState('done'), details({ departureTime: '17:00' }), {}, T);
    const y = started(x.record, details(), T + 1);
    expect(y.op.steps).toEqual({});
    expect(y.op.crewMayHaveSeen).toBeUndefined();
  });

  it('after two failed changes in a row, redoes what either ran, though the second never reached the first one\'s SCC step', () => {
    // X1 (17:00) patched SCC and failed at the revenue guard; X2 (18:00) got no answer from the calendar, and failed before its SCC step.
    const x1 = failedChange(withState('done'), details({ departureTime: '17:00' }), { scc_update: done, revenue_guard: failed }, T);
    const x2 = failedChange(x1.record, details({ departureTime: '18:00' }), { calendar_update: { ...failed, outcomeUnknown: true } }, T + 1);
    expect(operationsOf(x2.record).find((o) => o.id === x1.op.id)?.status).toBe('superseded');
    const y = started(x2.record, details(), T + 2);
    expect(Object.keys(y.op.steps ?? {})).toEqual(['calendar_update', 'scc_update', 'revenue_guard', 'crew_notice']);
  });

  it('after one whose SCC PATCH was refused outright (nothing landed): SCC is not patched again, nor the crew told, and answers to 16:00 stand', () => {
    const refused: StepState = { status: 'failed', attempts: 1, error: { message: 'SCC refused the PATCH (400)', code: 'SCC_400', retryable: false } };
    const answered: BookingRecord = { ...withState('done'), confirmations: { U0CAPTAIN1: T - 2, U0CREW0001: T - 1 }, declines: { U0CREW0002: { atMs: T - 1, reason: 'away' } } };
    const x = failedChange(answered, details({ departureTime: '17:00' }), { calendar_update: done, scc_update: refused }, T);
    expect(x.record.confirmations).toEqual({});
    const y = started(x.record, details(), T + 1);
    // The calendar did move to 17:00: it goes back. SCC never did: a PATCH would e-mail the crew an unchanged event.
    expect(Object.keys(y.op.steps ?? {})).toEqual(['calendar_update']);
    // Nobody is asked again, so the answers X's start reset are theirs again.
    expect(y.record.confirmations).toEqual(answered.confirmations);
    expect(y.record.declines).toEqual(answered.declines);
  });

  it('after one whose SCC PATCH timed out (it may have landed): patches SCC again, and the crew with it, once that PATCH can no longer land', () => {
    const unknown: StepState = { ...failed, outcomeUnknown: true, quietUntilMs: T + 35_000 };
    const x = failedChange(withState('done'), details({ departureTime: '17:00' }), { calendar_update: done, scc_update: unknown }, T);
    const y = started(x.record, details(), T + 1);
    expect(Object.keys(y.op.steps ?? {})).toEqual(['calendar_update', 'scc_update', 'revenue_guard', 'crew_notice']);
    // A late 17:00 PATCH landing after this one's 16:00 would leave SCC at 17:00: it waits that out.
    expect(y.op.steps?.scc_update).toEqual({ status: 'pending', attempts: 0, quietUntilMs: T + 35_000 });
    expect(y.op.steps?.calendar_update).toEqual({ status: 'pending', attempts: 0 });
    // Its crew step never ran: no Slack post showed 17:00.
    expect(y.op.crewMayHaveSeen).toBeUndefined();
  });

  it("putting 16:00 back while adding a member: the others' answers to 16:00 stand, and so do the reminders they had for it", () => {
    const kai = { slackUserId: 'U0NEWCREW1', name: 'Kai Lund', role: 'crew' as const };
    const answered: BookingRecord = {
      ...withState('done'),
      confirmations: { U0CAPTAIN1: T - 10, U0CREW0001: T - 10 },
      reminders: { 'dm24:U0CREW0002': { sentAtMs: T - 5 }, ops24: { sentAtMs: T - 5 } },
    };
    // SCC refused the 17:00 PATCH outright: X never reached the crew, but its start reset everyone.
    const x = failedChange(answered, details({ departureTime: '17:00' }), { calendar_update: done, scc_update: failed }, T);
    expect(x.record.confirmations).toEqual({});
    const y = started(x.record, details({}, [...sampleRoster, kai]), T + 1);
    expect(y.record.confirmations).toEqual({ U0CAPTAIN1: T - 10, U0CREW0001: T - 10 });
    // Ana (never answered) keeps her 24 h reminder as sent; Kai is new: his reminders and the office's line start over.
    expect(y.record.reminders?.['dm24:U0CREW0002']).toEqual({ sentAtMs: T - 5 });
    expect(y.record.reminders?.ops24).toBeUndefined();
    expect(y.record.callRevisions?.U0NEWCREW1).toBe(y.record.revision);
  });

  it('putting 16:00 back alone after a change SCC refused: every answer and reminder for 16:00 stands, the office\'s 24 h line included', () => {
    const answered: BookingRecord = { ...withState('done'), confirmations: { U0CAPTAIN1: T - 10 }, reminders: { 'dm24:U0CREW0001': { sentAtMs: T - 5 }, ops24: { sentAtMs: T - 5 } } };
    const x = failedChange(answered, details({ departureTime: '17:00' }), { calendar_update: done, scc_update: failed }, T);
    expect(x.record.reminders ?? {}).toEqual({});
    const y = started(x.record, details(), T + 1);
    expect(y.record.confirmations).toEqual({ U0CAPTAIN1: T - 10 });
    expect(y.record.reminders).toEqual({ 'dm24:U0CREW0001': { sentAtMs: T - 5 }, ops24: { sentAtMs: T - 5 } });
  });
});
