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
  type AuditEntry,
  type BookingRecord,
  type BookingState,
  type StepError,
  type StepName,
  type StepResult,
  type StepLease,
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

/** Audit entries a booking keeps; past it, the oldest routine ones go (see boundedAudit). */
export const AUDIT_MAX_ENTRIES = 120;

/**
 * Entries anyone can add without end: crew answers and reminders (Can't make it with a 500-character
 * reason, Confirm after all, again) and guest page refreshes. Without a bound the record grows
 * ~1.6 KB a round until DynamoDB refuses it (400 KB) and the booking can no longer be written.
 * Decisions stay (created, approved, cancelled, retried). Refreshes go first: each is also its own
 * operation (which names its invalidation), and a hundred of them must not push a captain's Confirm
 * out of the trail. Listed in the order they go.
 */
const ROUTINE_AUDIT: readonly AuditAction[] = ['refreshed', 'confirmed', 'declined', 'reminded'];

function boundedAudit(record: BookingRecord, audit: AuditEntry[]): Pick<BookingRecord, 'audit' | 'auditDropped'> {
  const excess = audit.length - AUDIT_MAX_ENTRIES;
  if (excess <= 0) return { audit, ...(record.auditDropped ? { auditDropped: record.auditDropped } : {}) };
  // The oldest refreshes first, then the oldest crew answers and reminders.
  const going = new Set<AuditEntry>();
  for (const e of audit) if (going.size < excess && e.action === 'refreshed') going.add(e);
  for (const e of audit) if (going.size < excess && ROUTINE_AUDIT.includes(e.action)) going.add(e);
  return { audit: audit.filter((e) => !going.has(e)), auditDropped: (record.auditDropped ?? 0) + going.size };
}

export function appendAudit(record: BookingRecord, action: AuditAction, userId: string, nowMs: number, detail?: string): BookingRecord {
  const entry = detail === undefined ? { action, userId, atMs: nowMs } : { action, userId, atMs: nowMs, detail };
  return { ...record, ...boundedAudit(record, [...record.audit, entry]), updatedAtMs: nowMs };
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
    ...(input.warnings && input.warnings.length > 0 ? { warnings: input.warnings } : {}),
    confirmations: {},
    steps,
  };
}

// ---- steps -------------------------------------------------------------------------------
// Every step function takes the operation it works on as its last parameter (default: create, as
// before operations existed); op-steps.ts says where that operation's steps live and its DAG.

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

/**
 * Whether a lease's holder is known to be dead: a crashed process on this host, or one whose lease
 * this process watched outlive any lease's length (lease-watch.ts); false = assume alive.
 */
export type OwnerDead = (owner: string, lease?: StepLease) => boolean;

const neverKnownDead: OwnerDead = () => false;

export function leaseExpired(state: StepState, nowMs: number, ownerDead: OwnerDead = neverKnownDead): boolean {
  return state.lease === undefined || state.lease.leaseExpiresAtMs <= nowMs || ownerDead(state.lease.owner, state.lease);
}

/**
 * Whether `owner` may claim the step now: it is pending, or running under a lease that expired
 * (or whose holder is known dead) or that `owner` itself holds (the next attempt after a transient error).
 */
export function isClaimable(state: StepState, owner: string, nowMs: number, ownerDead?: OwnerDead): boolean {
  if (state.status !== 'pending' && state.status !== 'running') return false;
  return leaseExpired(state, nowMs, ownerDead) || state.lease?.owner === owner;
}

/** Steps whose dependencies are done and that `owner` could claim now. */
export function readySteps(record: BookingRecord, owner: string, nowMs: number, ownerDead?: OwnerDead, opId: string = CREATE_OP): AnyStepName[] {
  const steps = stepsOf(record, opId);
  return stepNamesOf(record, opId).filter((s) => dependenciesDone(record, s, opId) && isClaimable(steps[s]!, owner, nowMs, ownerDead));
}

/** Every step state of the booking: the create's and each follow-up operation's. */
function allStepStates(record: BookingRecord): StepState[] {
  const out: StepState[] = STEP_NAMES.map((s) => record.steps[s]);
  for (const op of record.operations ?? []) for (const state of Object.values(op.steps ?? {})) if (state) out.push(state);
  return out;
}

/**
 * A booking nobody is driving: active, and no step (of any operation) is held under a live lease of
 * another process. The sweeper resumes these (a crashed process, a run that ended on an error, an
 * approval, change or cancel whose process died before it started the run).
 */
export function isStalled(record: BookingRecord, owner: string, nowMs: number, ownerDead?: OwnerDead): boolean {
  if (!ACTIVE_STATES.includes(record.state)) return false;
  return allStepStates(record).every((state) => {
    if (state.status !== 'running' && state.status !== 'pending') return true;
    return state.lease === undefined || state.lease.owner === owner || leaseExpired(state, nowMs, ownerDead);
  });
}

export function failedSteps(record: BookingRecord, opId: string = CREATE_OP): AnyStepName[] {
  const steps = stepsOf(record, opId);
  return stepNamesOf(record, opId).filter((s) => steps[s]?.status === 'failed');
}

/** Running steps held by someone else's live lease: the earliest expiry is when to look again. */
export function foreignLeaseExpiry(record: BookingRecord, owner: string, nowMs: number, ownerDead?: OwnerDead, opId: string = CREATE_OP): number | undefined {
  let earliest: number | undefined;
  const steps = stepsOf(record, opId);
  for (const s of stepNamesOf(record, opId)) {
    const state = steps[s]!;
    if ((state.status === 'running' || state.status === 'pending') && state.lease && state.lease.owner !== owner && !leaseExpired(state, nowMs, ownerDead)) {
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

/**
 * Claims the step for one attempt: running, attempts + 1, a lease that ends at `nowMs + leaseMs`.
 * Taking over a step another process was running (its lease expired, or it died) means its side
 * effect may be under way: the attempt must look up first, and wait out `quietMs` before creating
 * (a Slack post, whose call has a shorter deadline, looks until that long after `takenOverAtMs`,
 * set when the holder was another process).
 * So does re-claiming a step whose lease lapsed under this very owner: its run stopped without
 * recording how the attempt ended (a state-store outage longer than the store retry budget), and
 * what that attempt did is as unknown as a dead process's.
 */
export function claimStep(record: BookingRecord, step: AnyStepName, owner: string, nowMs: number, leaseMs: number, quietMs = 0, opId: string = CREATE_OP): BookingRecord {
  const prev = stepState(record, opId, step);
  const takeover = prev.status === 'running' && prev.lease !== undefined && (prev.lease.owner !== owner || prev.lease.leaseExpiresAtMs <= nowMs);
  // What the attempt taken over did is unknown for real, not only because of an earlier Retry.
  const { retriedAfterRefusal: _refusedOnly, ...kept } = prev;
  return withOpStep(
    record,
    opId,
    step,
    {
      ...(takeover ? kept : prev),
      status: 'running',
      attempts: prev.attempts + 1,
      firstAttemptAtMs: prev.attempts === 0 || prev.firstAttemptAtMs === undefined ? nowMs : prev.firstAttemptAtMs,
      startedAtMs: nowMs,
      finishedAtMs: undefined,
      lease: { owner, leaseExpiresAtMs: nowMs + leaseMs },
      ...(takeover ? { outcomeUnknown: true, quietUntilMs: Math.max(prev.quietUntilMs ?? 0, nowMs + quietMs) } : {}),
      // Another process's calls are out of sight; this process's own still in flight, PostOnce waits for.
      ...(takeover && prev.lease?.owner !== owner ? { takenOverAtMs: nowMs } : {}),
    },
    nowMs,
  );
}

export function renewLease(record: BookingRecord, step: AnyStepName, owner: string, leaseExpiresAtMs: number, nowMs: number, opId: string = CREATE_OP): BookingRecord {
  return withOpStep(record, opId, step, { ...stepState(record, opId, step), lease: { owner, leaseExpiresAtMs } }, nowMs);
}

export function completeStep(record: BookingRecord, step: AnyStepName, result: StepResult, nowMs: number, opId: string = CREATE_OP): BookingRecord {
  const prev = stepState(record, opId, step);
  const first = prev.firstAttemptAtMs === undefined ? {} : { firstAttemptAtMs: prev.firstAttemptAtMs };
  const throttled = prev.throttled ? { throttled: prev.throttled } : {};
  return withOpStep(record, opId, step, { status: 'done', attempts: prev.attempts, ...beforeRetry(prev), ...throttled, ...first, startedAtMs: prev.startedAtMs, finishedAtMs: nowMs, result }, nowMs);
}

/** The attempts of runs before the last Retry, carried by every write of the step (resetSteps adds to them). */
const beforeRetry = (s: StepState) => (s.attemptsBeforeRetry ? { attemptsBeforeRetry: s.attemptsBeforeRetry } : {});

/**
 * Records a failed attempt. A retryable one keeps the step running under the same owner's lease,
 * extended over the backoff, so no other process takes it mid-wait; a final one fails it.
 */
export function recordStepError(
  record: BookingRecord,
  step: AnyStepName,
  error: StepError,
  nowMs: number,
  next: ({ final: true } | { final: false; owner: string; leaseExpiresAtMs: number }) & { throttled?: boolean },
  /** The attempt may have had its effect (timeout, reset, 5xx): a create waits this long before trying again. */
  uncertain?: { quietUntilMs: number },
  opId: string = CREATE_OP,
): BookingRecord {
  const prev = stepState(record, opId, step);
  const unknown =
    uncertain !== undefined
      ? { outcomeUnknown: true, quietUntilMs: Math.max(prev.quietUntilMs ?? 0, uncertain.quietUntilMs) }
      : {
          ...(prev.outcomeUnknown ? { outcomeUnknown: true } : {}),
          ...(prev.retriedAfterRefusal ? { retriedAfterRefusal: true } : {}),
          ...(prev.quietUntilMs !== undefined ? { quietUntilMs: prev.quietUntilMs } : {}),
        };
  const first = prev.firstAttemptAtMs === undefined ? {} : { firstAttemptAtMs: prev.firstAttemptAtMs };
  const throttled = (prev.throttled ?? 0) + (next.throttled ? 1 : 0);
  const takenOver = prev.takenOverAtMs !== undefined ? { takenOverAtMs: prev.takenOverAtMs } : {};
  const base = { attempts: prev.attempts, ...beforeRetry(prev), ...first, startedAtMs: prev.startedAtMs, error, ...unknown, ...takenOver, ...(throttled > 0 ? { throttled } : {}), ...(prev.result ? { result: prev.result } : {}) };
  const state: StepState = next.final
    ? { ...base, status: 'failed', finishedAtMs: nowMs }
    : { ...base, status: 'running', lease: { owner: next.owner, leaseExpiresAtMs: next.leaseExpiresAtMs } };
  return withOpStep(record, opId, step, state, nowMs);
}

/**
 * Back to pending for a retry: attempts and the retry budget restart (the attempts so far are kept
 * apart, for the status to count), the error goes; a previous
 * result and any uncertainty about an earlier side effect stay, so the retry looks up before creating.
 * A run that failed counts as uncertain whatever it failed with (a step of many calls may have made
 * some before one was refused), but when its failure was refused before anything was processed and
 * nothing else made its outcome unknown, that is kept (retriedAfterRefusal): a create step's lookup
 * that fails then does not tell the operator something may have been created.
 */
export function resetSteps(record: BookingRecord, steps: readonly AnyStepName[], nowMs: number, opId: string = CREATE_OP): BookingRecord {
  let out = record;
  for (const s of steps) {
    const prev = stepState(out, opId, s);
    const attemptsBeforeRetry = (prev.attemptsBeforeRetry ?? 0) + prev.attempts;
    const ranAndFailed = prev.attempts > 0 && prev.status !== 'done';
    const uncertain = prev.outcomeUnknown || ranAndFailed;
    // An error without the field (written before it was kept) counts as "may have been processed".
    const mayHaveHadEffect = (prev.outcomeUnknown === true && prev.retriedAfterRefusal !== true) || (ranAndFailed && prev.error?.maybeProcessed !== false);
    out = withOpStep(
      out,
      opId,
      s,
      {
        status: 'pending',
        attempts: 0,
        ...(attemptsBeforeRetry > 0 ? { attemptsBeforeRetry } : {}),
        ...(prev.result ? { result: prev.result } : {}),
        ...(uncertain ? { outcomeUnknown: true } : {}),
        ...(uncertain && !mayHaveHadEffect ? { retriedAfterRefusal: true } : {}),
        ...(prev.quietUntilMs !== undefined ? { quietUntilMs: prev.quietUntilMs } : {}),
        ...(prev.takenOverAtMs !== undefined ? { takenOverAtMs: prev.takenOverAtMs } : {}),
      },
      nowMs,
    );
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
