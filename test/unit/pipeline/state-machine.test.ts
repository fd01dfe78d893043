import { IllegalTransitionError } from '../../../src/pipeline/errors';
import {
  AUDIT_MAX_ENTRIES,
  appendAudit,
  applyTransition,
  canTransition,
  claimStep,
  completeStep,
  dependentsOf,
  isClaimable,
  lastActor,
  readySteps,
  recordStepError,
  resetSteps,
  stepsOutcome,
  stepsToRetry,
  type BookingAction,
} from '../../../src/pipeline/state-machine';
import { STEP_NAMES, type BookingRecord, type BookingState, type StepName } from '../../../src/pipeline/types';
import { backoffDelayMs } from '../../../src/pipeline/backoff';
import { trailLines } from '../../../src/slack/blocks/status';
import { sampleRecord } from '../../fixtures/pipeline/booking';

const NOW = 1_800_000_000_000;
const STATES: BookingState[] = ['pending_approval', 'approved', 'running', 'done', 'failed', 'cancelled'];
const LEGAL: Record<BookingAction, [BookingState, BookingState]> = {
  approve: ['pending_approval', 'approved'],
  cancel: ['pending_approval', 'cancelled'],
  start: ['approved', 'running'],
  retry: ['failed', 'running'],
  complete: ['running', 'done'],
  fail: ['running', 'failed'],
};

function withSteps(record: BookingRecord, statuses: Partial<Record<StepName, 'pending' | 'running' | 'done' | 'failed'>>): BookingRecord {
  const steps = { ...record.steps };
  for (const [s, status] of Object.entries(statuses) as [StepName, 'pending' | 'running' | 'done' | 'failed'][]) steps[s] = { status, attempts: status === 'pending' ? 0 : 1 };
  return { ...record, steps };
}

describe('booking transitions', () => {
  for (const [action, [from, to]] of Object.entries(LEGAL) as [BookingAction, [BookingState, BookingState]][]) {
    it(`${action}: only ${from} → ${to}; every other state is an IllegalTransitionError`, () => {
      for (const state of STATES) {
        const record = { ...sampleRecord(), state };
        if (state === from) {
          expect(canTransition(state, action)).toBe(true);
          expect(applyTransition(record, action, { nowMs: NOW, userId: 'U0ACTOR001' }).state).toBe(to);
        } else {
          expect(canTransition(state, action)).toBe(false);
          expect(() => applyTransition(record, action, { nowMs: NOW, userId: 'U0ACTOR001' })).toThrow(IllegalTransitionError);
        }
      }
    });
  }

  it('the error names the booking, the state and the action, with a stable code', () => {
    const record = { ...sampleRecord(), state: 'cancelled' as const };
    const err = (() => {
      try {
        applyTransition(record, 'approve', { nowMs: NOW, userId: 'U0ACTOR001' });
      } catch (e) {
        return e;
      }
      return undefined;
    })() as IllegalTransitionError;
    expect(err).toBeInstanceOf(IllegalTransitionError);
    expect(err.code).toBe('PIPELINE_ILLEGAL_TRANSITION');
    expect(err.from).toBe('cancelled');
    expect(err.message).toBe(`Booking ${record.id} cannot be approved while cancelled`);
  });

  it('people are audited, the runner is not; lastActor finds the latest', () => {
    let record = applyTransition(sampleRecord(), 'approve', { nowMs: NOW + 1, userId: 'U0APPROVER1' });
    record = applyTransition(record, 'start', { nowMs: NOW + 2 });
    record = applyTransition(record, 'fail', { nowMs: NOW + 3 });
    record = applyTransition(record, 'retry', { nowMs: NOW + 4, userId: 'U0RETRIER1' });
    expect(record.audit.map((a) => [a.action, a.userId, a.atMs])).toEqual([
      ['created', 'U0CREATOR1', 1_800_000_000_000],
      ['approved', 'U0APPROVER1', NOW + 1],
      ['retried', 'U0RETRIER1', NOW + 4],
    ]);
    expect(lastActor(record, 'approved')).toBe('U0APPROVER1');
    expect(lastActor(record, 'cancelled')).toBeUndefined();
  });
});

describe('step readiness and outcome', () => {
  const running = { ...sampleRecord(), state: 'running' as const };

  it('roots are ready first; a step becomes ready once all its dependencies are done', () => {
    expect(readySteps(running, 'me', NOW)).toEqual(['calendar', 'scc_event', 'guest_page']);
    const partly = withSteps(running, { scc_event: 'done', guest_page: 'done', calendar: 'running' });
    partly.steps.calendar.lease = { owner: 'other', leaseExpiresAtMs: NOW + 1 };
    expect(readySteps(partly, 'me', NOW)).toEqual(['revenue_guard', 'guest_cache']);
    const nearly = withSteps(running, { calendar: 'done', scc_event: 'done', revenue_guard: 'done', guest_page: 'done', guest_cache: 'running' });
    nearly.steps.guest_cache.lease = { owner: 'other', leaseExpiresAtMs: NOW + 1 };
    expect(readySteps(nearly, 'me', NOW)).toEqual([]);
  });

  it('a lease blocks others until it expires (expiry is inclusive); its owner may re-claim', () => {
    const claimed = claimStep(running, 'calendar', 'owner-a', NOW, 1000);
    const state = claimed.steps.calendar;
    expect(state).toMatchObject({ status: 'running', attempts: 1, startedAtMs: NOW, lease: { owner: 'owner-a', leaseExpiresAtMs: NOW + 1000 } });
    expect(isClaimable(state, 'owner-b', NOW + 999)).toBe(false);
    expect(isClaimable(state, 'owner-b', NOW + 1000)).toBe(true);
    expect(isClaimable(state, 'owner-a', NOW + 1)).toBe(true);
    expect(isClaimable(completeStep(claimed, 'calendar', { id: 'x' }, NOW + 2).steps.calendar, 'owner-a', NOW + 5000)).toBe(false);
  });

  it("re-claiming a step whose lease lapsed marks its outcome unknown, whoever held it; a live re-claim by its owner does not", () => {
    const claimed = claimStep(running, 'calendar', 'owner-a', NOW, 1000);
    // The run stopped without recording how the attempt ended (a store outage): its own sweeper takes it up again.
    const again = claimStep(claimed, 'calendar', 'owner-a', NOW + 1000, 1000, 500).steps.calendar;
    expect(again).toMatchObject({ attempts: 2, outcomeUnknown: true, quietUntilMs: NOW + 1500 });
    expect(claimStep(claimed, 'calendar', 'owner-b', NOW + 1000, 1000, 500).steps.calendar).toMatchObject({ outcomeUnknown: true, quietUntilMs: NOW + 1500 });
    // The next attempt after a recorded transient error, under the lease that error extended.
    const waiting = recordStepError(claimed, 'calendar', { message: 'refused', code: 'DASHBOARD_429', retryable: true }, NOW + 5, { final: false, owner: 'owner-a', leaseExpiresAtMs: NOW + 3000 });
    expect(claimStep(waiting, 'calendar', 'owner-a', NOW + 20, 1000, 500).steps.calendar.outcomeUnknown).toBeUndefined();
  });

  it('a takeover is dated, and the date stays through the taker\'s own retries and a Retry; a first claim has none', () => {
    const claimed = claimStep(running, 'crew_notice', 'owner-a', NOW, 1000);
    expect(claimed.steps.crew_notice.takenOverAtMs).toBeUndefined();
    // Its own lapsed lease taken up again: the process's own calls are waited for in process, not by date.
    expect(claimStep(claimed, 'crew_notice', 'owner-a', NOW + 1000, 1000, 500).steps.crew_notice).toMatchObject({ outcomeUnknown: true });
    expect(claimStep(claimed, 'crew_notice', 'owner-a', NOW + 1000, 1000, 500).steps.crew_notice.takenOverAtMs).toBeUndefined();
    // owner-a was fenced; owner-b takes the step over once its lease ran out.
    let r = claimStep(claimed, 'crew_notice', 'owner-b', NOW + 1000, 1000, 500);
    expect(r.steps.crew_notice).toMatchObject({ outcomeUnknown: true, takenOverAtMs: NOW + 1000 });
    const lostAnswer = { message: 'Slack did not answer', code: 'SLACK_OUTCOME_UNKNOWN', retryable: true };
    r = recordStepError(r, 'crew_notice', lostAnswer, NOW + 1200, { final: false, owner: 'owner-b', leaseExpiresAtMs: NOW + 3000 });
    r = claimStep(r, 'crew_notice', 'owner-b', NOW + 1300, 1000);
    expect(r.steps.crew_notice).toMatchObject({ attempts: 3, takenOverAtMs: NOW + 1000 });
    r = recordStepError(r, 'crew_notice', lostAnswer, NOW + 1400, { final: true });
    expect(resetSteps(r, ['crew_notice'], NOW + 1500).steps.crew_notice.takenOverAtMs).toBe(NOW + 1000);
    expect(completeStep(claimStep(r, 'crew_notice', 'owner-b', NOW + 1600, 1000), 'crew_notice', {}, NOW + 1700).steps.crew_notice.takenOverAtMs).toBeUndefined();
  });

  it('a retryable error keeps the step running under its owner; a final one fails it', () => {
    const claimed = claimStep(running, 'scc_event', 'owner-a', NOW, 1000);
    const error = { message: 'SCC is down', code: 'SCC_UNAVAILABLE', retryable: true };
    const waiting = recordStepError(claimed, 'scc_event', error, NOW + 5, { final: false, owner: 'owner-a', leaseExpiresAtMs: NOW + 3000 });
    expect(waiting.steps.scc_event).toMatchObject({ status: 'running', error, lease: { owner: 'owner-a', leaseExpiresAtMs: NOW + 3000 } });
    expect(isClaimable(waiting.steps.scc_event, 'owner-b', NOW + 2000)).toBe(false);
    const failed = recordStepError(claimed, 'scc_event', error, NOW + 5, { final: true });
    expect(failed.steps.scc_event).toMatchObject({ status: 'failed', finishedAtMs: NOW + 5, error });
    expect(failed.steps.scc_event.lease).toBeUndefined();
  });

  it('turned-away attempts are counted through retries and kept when the step completes', () => {
    const throttle = { message: 'Slack is rate limiting', code: 'SLACK_THROTTLED', retryable: true };
    let r = claimStep(running, 'crew_notice', 'owner-a', NOW, 1000);
    r = recordStepError(r, 'crew_notice', throttle, NOW + 1, { final: false, owner: 'owner-a', leaseExpiresAtMs: NOW + 3000, throttled: true });
    r = claimStep(r, 'crew_notice', 'owner-a', NOW + 2, 1000);
    r = recordStepError(r, 'crew_notice', { ...throttle, code: 'SLACK_UNAVAILABLE' }, NOW + 3, { final: false, owner: 'owner-a', leaseExpiresAtMs: NOW + 3000 });
    r = claimStep(r, 'crew_notice', 'owner-a', NOW + 4, 1000);
    expect(r.steps.crew_notice).toMatchObject({ attempts: 3, throttled: 1 });
    expect(completeStep(r, 'crew_notice', {}, NOW + 5).steps.crew_notice).toMatchObject({ status: 'done', attempts: 3, throttled: 1 });
    expect(completeStep(claimStep(running, 'calendar', 'owner-a', NOW, 1000), 'calendar', {}, NOW + 1).steps.calendar.throttled).toBeUndefined();
  });

  it('outcome: all done → done; a failure with nothing else able to move → failed; otherwise undecided', () => {
    const all = Object.fromEntries(STEP_NAMES.map((s) => [s, 'done'])) as Record<StepName, 'done'>;
    expect(stepsOutcome(withSteps(running, all))).toBe('done');
    expect(stepsOutcome(withSteps(running, { scc_event: 'failed', calendar: 'done', guest_page: 'done', guest_cache: 'done' }))).toBe('failed');
    expect(stepsOutcome(withSteps(running, { scc_event: 'failed', calendar: 'done', guest_page: 'done' }))).toBeUndefined();
    expect(stepsOutcome(withSteps(running, { scc_event: 'failed', calendar: 'running' }))).toBeUndefined();
    expect(stepsOutcome(running)).toBeUndefined();
  });

  it('dependents are transitive and retry covers a failed step and what waits on it, never done steps', () => {
    expect(dependentsOf('scc_event')).toEqual(['revenue_guard', 'crew_notice']);
    expect(dependentsOf('guest_page')).toEqual(['guest_cache', 'crew_notice']);
    expect(dependentsOf('crew_notice')).toEqual([]);
    const failed = withSteps(running, { calendar: 'done', scc_event: 'failed', guest_page: 'done', guest_cache: 'done' });
    expect(stepsToRetry(failed)).toEqual(['scc_event', 'revenue_guard', 'crew_notice']);
    const reset = resetSteps(failed, stepsToRetry(failed), NOW);
    // It was attempted and failed: the retry must look up before it creates (the attempt may have landed).
    // Its attempt is kept apart for the status to count; the retry budget starts again (review s53 L4).
    expect(reset.steps.scc_event).toEqual({ status: 'pending', attempts: 0, attemptsBeforeRetry: 1, outcomeUnknown: true });
    expect(reset.steps.calendar.status).toBe('done');
  });

  it('a Retry after a run refused before anything was processed looks up first, but knows nothing may have been created, until something unclear happens', () => {
    const refused = { message: 'The dashboard could not be reached', code: 'DASHBOARD_UNREACHABLE', retryable: true };
    const failedWith = (error: typeof refused & { maybeProcessed?: boolean }, r: BookingRecord = running) =>
      recordStepError(claimStep(r, 'calendar', 'owner-a', NOW, 1000), 'calendar', error, NOW + 5, { final: true });
    const retried = resetSteps(failedWith({ ...refused, maybeProcessed: false }), ['calendar'], NOW + 10);
    expect(retried.steps.calendar).toEqual({ status: 'pending', attempts: 0, attemptsBeforeRetry: 1, outcomeUnknown: true, retriedAfterRefusal: true });
    // Refused again: still nothing; and the mark survives the attempts of that run and the next Retry.
    expect(resetSteps(failedWith({ ...refused, maybeProcessed: false }, retried), ['calendar'], NOW + 20).steps.calendar).toMatchObject({ attempts: 0, attemptsBeforeRetry: 2, outcomeUnknown: true, retriedAfterRefusal: true });
    // A record written before the field was kept, or a failure that may have been processed: uncertain.
    expect(resetSteps(failedWith(refused), ['calendar'], NOW + 10).steps.calendar.retriedAfterRefusal).toBeUndefined();
    expect(resetSteps(failedWith({ ...refused, maybeProcessed: true }), ['calendar'], NOW + 10).steps.calendar.retriedAfterRefusal).toBeUndefined();
    // An unclear failure in the Retry's run, or a takeover of it, makes the outcome unknown for real, for good.
    const unclear = recordStepError(claimStep(retried, 'calendar', 'owner-a', NOW + 20, 1000), 'calendar', { ...refused, maybeProcessed: true }, NOW + 25, { final: true }, { quietUntilMs: NOW + 500 });
    expect(unclear.steps.calendar.retriedAfterRefusal).toBeUndefined();
    expect(resetSteps(failedWith({ ...refused, maybeProcessed: false }, resetSteps(unclear, ['calendar'], NOW + 30)), ['calendar'], NOW + 40).steps.calendar.retriedAfterRefusal).toBeUndefined();
    const takenOver = claimStep(claimStep(retried, 'calendar', 'owner-a', NOW + 20, 1000), 'calendar', 'owner-b', NOW + 1020, 1000, 500);
    expect(takenOver.steps.calendar).toMatchObject({ outcomeUnknown: true });
    expect(takenOver.steps.calendar.retriedAfterRefusal).toBeUndefined();
  });
});

describe('backoff', () => {
  const policy = { baseDelayMs: 100, maxDelayMs: 1000 };

  it('full jitter under an exponential ceiling that stops at maxDelayMs', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelayMs(a, policy, () => 0.999999))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
    expect(backoffDelayMs(3, policy, () => 0.5)).toBe(200);
  });

  it('never sooner than Retry-After, which is honoured up to maxDelayMs, with the jitter on top', () => {
    expect(backoffDelayMs(1, policy, () => 0, 700)).toBe(700);
    expect(backoffDelayMs(1, policy, () => 0, 60_000)).toBe(1000);
    expect(backoffDelayMs(4, policy, () => 0.999999, 10)).toBe(809);
    // callers told the same Retry-After come back spread over the jitter, not all at once
    expect([0, 0.5, 0.999999].map((r) => backoffDelayMs(1, policy, () => r, 1000))).toEqual([1000, 1050, 1099]);
  });
});

describe('the audit trail', () => {
  it('stays bounded however often crew answer: refreshes go first, then the oldest answers and reminders; decisions stay', () => {
    let r: BookingRecord = appendAudit(sampleRecord(), 'approved', 'U0APPROVE1', 1);
    for (let i = 0; i < 5; i++) r = appendAudit(r, 'refreshed', 'U0APPROVE1', 2 + i);
    const reason = 'x'.repeat(500);
    for (let i = 0; i < 300; i++) r = appendAudit(appendAudit(r, 'declined', 'U0CREW0001', 10 + 2 * i, reason), 'confirmed', 'U0CREW0001', 11 + 2 * i);
    r = appendAudit(r, 'cancelled', 'U0APPROVE1', 10_000);
    expect(r.audit).toHaveLength(AUDIT_MAX_ENTRIES);
    expect(r.auditDropped).toBe(1 + 5 + 600 + 1 - AUDIT_MAX_ENTRIES + (sampleRecord().audit.length));
    expect(r.audit.filter((e) => e.action === 'approved')).toHaveLength(1);
    // Each refresh is its own operation too: its audit line is the first to go.
    expect(r.audit.filter((e) => e.action === 'refreshed')).toHaveLength(0);
    expect(r.audit.at(-1)).toMatchObject({ action: 'cancelled' });
    // The newest answers are the ones kept.
    expect(r.audit.at(-2)).toMatchObject({ action: 'confirmed', atMs: 11 + 2 * 299 });
    expect(JSON.stringify(r).length).toBeLessThan(80_000);
    expect(trailLines(r).map((l) => l.text)).toContain(`${r.auditDropped} earlier refreshes, crew answers and reminders not kept (the newest are below)`);
  });
});
