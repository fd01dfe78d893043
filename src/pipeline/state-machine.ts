/**
 * The booking state machine and step bookkeeping as pure functions over BookingRecord.
 * Nothing here reads a clock or a store: callers pass `nowMs` and persist what comes back,
 * so every rule is testable without I/O and every write goes through one compare-and-set.
 */
import type { NewBooking } from './api';
import { IllegalTransitionError } from './errors';
import { CREATE_OP, dependenciesOf, stepNamesOf, stepState, stepsOf, withOpStep } from './op-steps';
import {
  STEP_DEPENDENCIES,
  STEP_NAMES,
  type AnyStepName,
  type AuditAction,
  type BookingRecord,
  type BookingState,
  type StepError,
  type StepName,
  type StepResult,
  type StepState,
} from './types';

export type BookingAction = 'approve' | 'cancel' | 'start' | 'retry' | 'complete' | 'fail';

interface TransitionRule {
  from: readonly BookingState[];
  to: BookingState;
  /** Transitions people make are audited; the runner's own are visible in the step states. */
  audit?: AuditAction;
}

const TRANSITIONS: Readonly<Record<BookingAction, TransitionRule>> = {
  approve: { from: ['pending_approval'], to: 'approved', audit: 'approved' },
  cancel: { from: ['pending_approval'], to: 'cancelled', audit: 'cancelled' },
  start: { from: ['approved'], to: 'running' },
  retry: { from: ['failed'], to: 'running', audit: 'retried' },
  complete: { from: ['running'], to: 'done' },
  fail: { from: ['running'], to: 'failed' },
};

/** Past-tense words for error messages ("cannot be approved while cancelled"). */
const ACTION_WORDS: Readonly<Record<BookingAction, string>> = {
  approve: 'approved',
  cancel: 'cancelled',
  start: 'started',
  retry: 'retried',
  complete: 'completed',
  fail: 'failed',
};

export const ACTIVE_STATES: readonly BookingState[] = ['approved', 'running'];

export function canTransition(state: BookingState, action: BookingAction): boolean {
  return TRANSITIONS[action].from.includes(state);
}

/** Returns the record in its new state (same version: the store bumps it). Illegal → IllegalTransitionError. */
export function applyTransition(record: BookingRecord, action: BookingAction, at: { nowMs: number; userId?: string }): BookingRecord {
  const rule = TRANSITIONS[action];
  if (!rule.from.includes(record.state)) throw new IllegalTransitionError(record.id, record.state, ACTION_WORDS[action]);
  const audit = rule.audit && at.userId !== undefined ? [...record.audit, { action: rule.audit, userId: at.userId, atMs: at.nowMs }] : record.audit;
  return { ...record, state: rule.to, audit, updatedAtMs: at.nowMs };
}

export function appendAudit(record: BookingRecord, action: AuditAction, userId: string, nowMs: number, detail?: string): BookingRecord {
  const entry = detail === undefined ? { action, userId, atMs: nowMs } : { action, userId, atMs: nowMs, detail };
  return { ...record, audit: [...record.audit, entry], updatedAtMs: nowMs };
}

/** Who last did `action` — what a loser of a race is told. */
export function lastActor(record: BookingRecord, action: AuditAction): string | undefined {
  for (let i = record.audit.length - 1; i >= 0; i--) {
    const entry = record.audit[i];
    if (entry?.action === action) return entry.userId;
  }
  return undefined;
}

export function newBookingRecord(input: NewBooking, nowMs: number): BookingRecord {
  const steps = Object.fromEntries(STEP_NAMES.map((s) => [s, { status: 'pending', attempts: 0 } satisfies StepState])) as Record<StepName, StepState>;
  return {
    id: input.id,
    version: 1,
    state: 'pending_approval',
    request: input.request,
    roster: input.roster,
    costs: input.costs,
    createdBy: input.createdBy,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
    audit: [{ action: 'created', userId: input.createdBy, atMs: nowMs }],
    slack: input.slack,
    confirmations: {},
    steps,
  };
}

// ---- steps -------------------------------------------------------------------------------
// Every step function takes the operation it works on (default: create, as before operations
// existed); op-steps.ts says where that operation's steps live and what its DAG is.

/** Every step of `opId` that (transitively) depends on `step`. */
export function dependentsOf(step: AnyStepName, record?: BookingRecord, opId: string = CREATE_OP): AnyStepName[] {
  const names: readonly AnyStepName[] = record ? stepNamesOf(record, opId) : STEP_NAMES;
  const depsOf = (s: AnyStepName): readonly AnyStepName[] => (record ? dependenciesOf(record, opId, s) : (STEP_DEPENDENCIES[s as StepName] ?? []));
  const out = new Set<AnyStepName>();
  const visit = (s: AnyStepName) => {
    for (const candidate of names) {
      if (depsOf(candidate).includes(s) && !out.has(candidate)) {
        out.add(candidate);
        visit(candidate);
      }
    }
  };
  visit(step);
  return names.filter((s) => out.has(s));
}

export function dependenciesDone(record: BookingRecord, step: AnyStepName, opId: string = CREATE_OP): boolean {
  const steps = stepsOf(record, opId);
  return dependenciesOf(record, opId, step).every((dep) => steps[dep]?.status === 'done');
}

export function leaseExpired(state: StepState, nowMs: number): boolean {
  return state.lease === undefined || state.lease.leaseExpiresAtMs <= nowMs;
}

/**
 * Whether `owner` may claim the step now: it is pending, or running under a lease that expired
 * (its owner crashed) or that `owner` itself holds (the next attempt after a transient error).
 */
export function isClaimable(state: StepState, owner: string, nowMs: number): boolean {
  if (state.status === 'pending') return leaseExpired(state, nowMs) || state.lease?.owner === owner;
  if (state.status === 'running') return leaseExpired(state, nowMs) || state.lease?.owner === owner;
  return false;
}

/** Steps whose dependencies are done and that `owner` could claim now. */
export function readySteps(record: BookingRecord, owner: string, nowMs: number, opId: string = CREATE_OP): AnyStepName[] {
  const steps = stepsOf(record, opId);
  return stepNamesOf(record, opId).filter((s) => dependenciesDone(record, s, opId) && isClaimable(steps[s]!, owner, nowMs));
}

export function failedSteps(record: BookingRecord, opId: string = CREATE_OP): AnyStepName[] {
  const steps = stepsOf(record, opId);
  return stepNamesOf(record, opId).filter((s) => steps[s]?.status === 'failed');
}

/** Running steps held by someone else's live lease: the earliest expiry is when to look again. */
export function foreignLeaseExpiry(record: BookingRecord, owner: string, nowMs: number, opId: string = CREATE_OP): number | undefined {
  let earliest: number | undefined;
  const steps = stepsOf(record, opId);
  for (const s of stepNamesOf(record, opId)) {
    const state = steps[s]!;
    if ((state.status === 'running' || state.status === 'pending') && state.lease && state.lease.owner !== owner && !leaseExpired(state, nowMs)) {
      earliest = Math.min(earliest ?? Infinity, state.lease.leaseExpiresAtMs);
    }
  }
  return earliest;
}

/**
 * What an operation's steps add up to: every step done → 'done'; nothing left that can make
 * progress (only failed steps and the pending ones waiting on them) → 'failed'; else undefined.
 */
export function stepsOutcome(record: BookingRecord, opId: string = CREATE_OP): 'done' | 'failed' | undefined {
  const steps = stepsOf(record, opId);
  const names = stepNamesOf(record, opId);
  const states = names.map((s) => steps[s]!);
  if (states.every((s) => s.status === 'done')) return 'done';
  if (states.some((s) => s.status === 'running')) return undefined;
  const canProgress = names.some((s) => steps[s]!.status === 'pending' && dependenciesDone(record, s, opId));
  return canProgress ? undefined : 'failed';
}

/** Claims the step for one attempt: running, attempts + 1, a lease that ends at `nowMs + leaseMs`. */
export function claimStep(record: BookingRecord, step: AnyStepName, owner: string, nowMs: number, leaseMs: number, opId: string = CREATE_OP): BookingRecord {
  const prev = stepState(record, opId, step);
  return withOpStep(
    record,
    opId,
    step,
    {
      ...prev,
      status: 'running',
      attempts: prev.attempts + 1,
      startedAtMs: nowMs,
      finishedAtMs: undefined,
      lease: { owner, leaseExpiresAtMs: nowMs + leaseMs },
    },
    nowMs,
  );
}

export function renewLease(record: BookingRecord, step: AnyStepName, owner: string, leaseExpiresAtMs: number, nowMs: number, opId: string = CREATE_OP): BookingRecord {
  return withOpStep(record, opId, step, { ...stepState(record, opId, step), lease: { owner, leaseExpiresAtMs } }, nowMs);
}

export function completeStep(record: BookingRecord, step: AnyStepName, result: StepResult, nowMs: number, opId: string = CREATE_OP): BookingRecord {
  const prev = stepState(record, opId, step);
  return withOpStep(record, opId, step, { status: 'done', attempts: prev.attempts, startedAtMs: prev.startedAtMs, finishedAtMs: nowMs, result }, nowMs);
}

/**
 * Records a failed attempt. A retryable one keeps the step running under the same owner's lease,
 * extended over the backoff, so no other process takes it mid-wait; a final one fails it.
 */
export function recordStepError(
  record: BookingRecord,
  step: AnyStepName,
  error: StepError,
  nowMs: number,
  next: { final: true } | { final: false; owner: string; leaseExpiresAtMs: number },
  opId: string = CREATE_OP,
): BookingRecord {
  const prev = stepState(record, opId, step);
  const base = { attempts: prev.attempts, startedAtMs: prev.startedAtMs, error, ...(prev.result ? { result: prev.result } : {}) };
  const state: StepState = next.final
    ? { ...base, status: 'failed', finishedAtMs: nowMs }
    : { ...base, status: 'running', lease: { owner: next.owner, leaseExpiresAtMs: next.leaseExpiresAtMs } };
  return withOpStep(record, opId, step, state, nowMs);
}

/** Back to pending for a retry: attempts restart, the error goes, a previous result stays for lookups. */
export function resetSteps(record: BookingRecord, steps: readonly AnyStepName[], nowMs: number, opId: string = CREATE_OP): BookingRecord {
  let out = record;
  for (const s of steps) {
    const prev = stepState(out, opId, s);
    out = withOpStep(out, opId, s, { status: 'pending', attempts: 0, ...(prev.result ? { result: prev.result } : {}) }, nowMs);
  }
  return out;
}

/** The failed steps and everything downstream of them: what Retry re-runs. */
export function stepsToRetry(record: BookingRecord, opId: string = CREATE_OP): AnyStepName[] {
  const out = new Set<AnyStepName>();
  const steps = stepsOf(record, opId);
  for (const s of failedSteps(record, opId)) {
    out.add(s);
    for (const d of dependentsOf(s, record, opId)) if (steps[d]?.status !== 'done') out.add(d);
  }
  return stepNamesOf(record, opId).filter((s) => out.has(s));
}
