/**
 * A booking's life after approval as a sequence of operations (DESIGN "Operations: create, change,
 * cancel"), as pure functions over BookingRecord like state-machine.ts: callers pass the clock and
 * persist what comes back through one compare-and-set.
 *
 * - One operation runs at a time, in order. A change approved while another operation is unfinished
 *   waits (queued); a newer change replaces a queued or failed one (superseded) — each change carries
 *   the full new details, so the newer one alone brings every artifact to the latest revision.
 *   It replaces a guest page refresh that failed or has not started too, and puts the page up itself.
 * - A cancel stops whatever runs (no new step is claimed; steps in flight finish or their lease runs
 *   out), drops changes not yet started, then compensates only what an earlier step may have made.
 * - A change starts by making its details the booking's (revision + 1) and runs only the steps whose
 *   artifact shows something that changed, and those a failed change it replaces got to (lastApplied).
 * - A guest page refresh of a done booking is an operation too (re-render + upload, then invalidate),
 *   so it is written before it runs, run where every other operation runs (on Lambda, the pipeline
 *   function), resumed by the sweeper, and never overlaps a change's or cancel's write of the page.
 */
import { isDeepStrictEqual } from 'node:util';
import { crewNoteLines } from '../booking/crew-safe';
import { platformRefOf } from '../booking/platform';
import type { BookingRequest, RosterMember } from '../booking/types';
import { IllegalTransitionError, OperationDecidedError } from './errors';
import { CREATE_OP, dependenciesOf, findOperation, stepNamesOf, stepsOf, withOpStep, withOperation } from './op-steps';
import { appendAudit, leaseExpired, resetSteps, type OwnerDead } from './state-machine';
import {
  CREW_OFF_RESULT_PREFIX,
  OPERATION_DAGS,
  type AnyStepName,
  type BookingDetails,
  type BookingRecord,
  type BookingState,
  type Operation,
  type OperationStatus,
  type SlackRefs,
  type StepError,
  type StepOperation,
  type StepState,
} from './types';

/** States in which an approved booking can be changed or cancelled. */
export const LIFECYCLE_STATES: readonly BookingState[] = ['approved', 'running', 'failed', 'done'];

export function revisionOf(record: BookingRecord): number {
  return record.revision ?? 1;
}

export function detailsOf(record: BookingRecord): BookingDetails {
  return { request: record.request, roster: record.roster, costs: record.costs };
}

function lastAudit(record: BookingRecord, action: 'approved' | 'cancelled'): { userId: string; atMs: number } | undefined {
  for (let i = record.audit.length - 1; i >= 0; i--) {
    const e = record.audit[i];
    if (e?.action === action) return { userId: e.userId, atMs: e.atMs };
  }
  return undefined;
}

const CREATE_STATUS: Readonly<Record<BookingState, OperationStatus>> = {
  pending_approval: 'proposed',
  approved: 'queued',
  running: 'running',
  done: 'done',
  failed: 'failed',
  cancelled: 'rejected',
};

/** The create operation of a record that has no `operations` yet (older records, or no change so far). */
function derivedCreateOperation(record: BookingRecord): Operation {
  const approved = lastAudit(record, 'approved');
  const finished = record.state === 'done' || record.state === 'failed';
  return {
    id: CREATE_OP,
    kind: 'create',
    status: CREATE_STATUS[record.state],
    requestedBy: record.createdBy,
    requestedAtMs: record.createdAtMs,
    ...(approved ? { approvedBy: approved.userId, approvedAtMs: approved.atMs } : {}),
    revision: 1,
    ...(finished ? { finishedAtMs: record.updatedAtMs } : {}),
  };
}

/** Every operation, the create one first. Records without `operations` read as one create operation. */
export function operationsOf(record: BookingRecord): Operation[] {
  return record.operations && record.operations.length > 0 ? record.operations : [derivedCreateOperation(record)];
}

function materialised(record: BookingRecord): BookingRecord {
  return record.operations && record.operations.length > 0 ? record : { ...record, operations: [derivedCreateOperation(record)] };
}

// What each status means for the run, in one place (the runner, the service and the progress message read these).
/** Started, with work (or a person's Retry) ahead of it. */
const UNFINISHED: readonly OperationStatus[] = ['running', 'stopping', 'failed'];
/** Will run, or runs, with nobody needing to act: what a refresh's asker waits out. */
export const UNDER_WAY: readonly OperationStatus[] = ['queued', 'running', 'stopping'];
/** Ended for good: nothing of it runs again. */
const SETTLED: readonly OperationStatus[] = ['done', 'rejected', 'superseded', 'stopped'];
/** Approved and not dropped: what ran, runs or will run (what the progress message lists). */
export const APPROVED_TO_RUN: readonly OperationStatus[] = [...UNDER_WAY, 'failed', 'done'];

/**
 * The operation the runner drives now: the first one started but not finished (a failed one blocks
 * those after it until Retry or a cancel), else the first queued one.
 */
export function activeOperation(record: BookingRecord): Operation | undefined {
  const ops = operationsOf(record);
  return ops.find((o) => UNFINISHED.includes(o.status)) ?? ops.find((o) => o.status === 'queued');
}

export function activeOperationId(record: BookingRecord): string {
  return activeOperation(record)?.id ?? CREATE_OP;
}

/** What a step needs to know of its operation. */
export function stepOperation(record: BookingRecord, opId: string): StepOperation {
  if (opId === CREATE_OP) return { id: CREATE_OP, kind: 'create', revision: 1 };
  const op = findOperation(record, opId);
  if (!op) throw new Error(`booking ${record.id} has no operation ${opId}`);
  return {
    id: op.id,
    kind: op.kind,
    revision: op.revision ?? revisionOf(record),
    ...(op.previous ? { previous: op.previous } : {}),
    ...(op.crewMayHaveSeen ? { crewMayHaveSeen: op.crewMayHaveSeen } : {}),
    ...(op.crewHoldsSeen ? { crewHoldsSeen: op.crewHoldsSeen } : {}),
    ...(op.crewHoldsPrevious ? { crewHoldsPrevious: op.crewHoldsPrevious } : {}),
    ...(op.crewToldOffBefore ? { crewToldOffBefore: op.crewToldOffBefore } : {}),
    ...(op.crewMaybeToldOffBefore ? { crewMaybeToldOffBefore: op.crewMaybeToldOffBefore } : {}),
    ...(op.crewMayHoldCall ? { crewMayHoldCall: op.crewMayHoldCall } : {}),
  };
}

/** Ids are never reused (a change request's buttons name theirs), folded refreshes included. */
function nextOperationId(record: BookingRecord): string {
  return `op${operationsOf(record).length + (record.refreshesFolded ?? 0) + 1}`;
}

function allowLifecycle(record: BookingRecord, verb: string): void {
  if (!LIFECYCLE_STATES.includes(record.state)) throw new IllegalTransitionError(record.id, record.state, verb);
  if (operationsOf(record).some((o) => o.kind === 'cancel')) throw new IllegalTransitionError(record.id, 'cancelled', verb);
}

export function cancelOperation(record: BookingRecord): Operation | undefined {
  return operationsOf(record).find((o) => o.kind === 'cancel');
}

/** Cancelled while a request: nothing was ever booked (a cancel after approval queues a cancel operation). */
export function cancelledBeforeApproval(record: BookingRecord): boolean {
  return record.state === 'cancelled' && cancelOperation(record) === undefined;
}

// ---- change ----------------------------------------------------------------------------------

export interface ChangeProposal {
  details: BookingDetails;
  /** "reschedule", "edit", "crew swap". */
  label: string;
  userId: string;
  nowMs: number;
  /** Double bookings the new details would make (shown on the change request). */
  warnings?: readonly string[];
}

/** Anyone may propose a change of an approved booking; it waits for an approver as `proposed`. */
export function proposeChange(record: BookingRecord, proposal: ChangeProposal): { record: BookingRecord; op: Operation } {
  allowLifecycle(record, 'changed');
  const base = materialised(record);
  const op: Operation = {
    id: nextOperationId(base),
    kind: 'change',
    status: 'proposed',
    label: proposal.label,
    requestedBy: proposal.userId,
    requestedAtMs: proposal.nowMs,
    details: proposal.details,
    baseRevision: revisionOf(base),
    ...(proposal.warnings && proposal.warnings.length > 0 ? { warnings: [...proposal.warnings] } : {}),
  };
  return { record: { ...base, operations: compactHistory([...(base.operations ?? []), op]), updatedAtMs: proposal.nowMs }, op };
}

/** The member a DM reminder's key (`dm48:U…`, `dm24:U…`; reminders.ts) is for; undefined for `ops24`. */
export function dmReminderUser(key: string): string | undefined {
  return /^dm\d+:(.+)$/.exec(key)?.[1];
}

/**
 * Change requests a booking may have waiting at once. Each holds a copy of the booking's details
 * (notes up to 3,000 characters), and requests waiting are never compacted: twenty with long
 * non-Latin notes would pass DynamoDB's 400 KB item. Five is more than an office decides between.
 */
export const MAX_OPEN_CHANGE_REQUESTS = 5;

/**
 * An answer drawn for call revision `callRevision` is to `userId`'s call as it stands: no change has
 * replaced it since (BookingRecord.callRevisions). Absent: not a click (the API called directly);
 * a click always has one, its button's or the first call's (crew-answers.ts clickedCallRevision).
 */
export function answersCurrentCall(record: Pick<BookingRecord, 'callRevisions'>, userId: string, callRevision: number | undefined): boolean {
  return callRevision === undefined || callRevision >= (record.callRevisions?.[userId] ?? 1);
}

export function openChangeRequests(record: BookingRecord): number {
  return operationsOf(record).filter((o) => o.kind === 'change' && o.status === 'proposed').length;
}

/** Operations kept whole, newest last: each change holds two copies of the booking's details. */
const WHOLE_OPERATIONS = 4;

/**
 * Older settled changes keep what people read (label, who, when, outcome, note) and lose their
 * details and the details they replaced. Without this a booking edited often grows by ~8 KB a change
 * (more with non-Latin notes) until DynamoDB refuses its item (400 KB): every write of it fails, so
 * it can be neither run, changed nor cancelled. The last started operation stays whole whatever
 * its age, since the next change plans from it (lastApplied), and it carries what the failed
 * changes behind it that it replaced showed the crew. A change that moved the departure keeps the schedule it moved from
 * (`movedFrom`): the guest page tells of the latest move however many edits came after it.
 */
export function compactHistory(ops: readonly Operation[]): Operation[] {
  const started = ops.filter((o) => o.startedAtMs !== undefined && o.kind !== 'refresh');
  // The next change plans from the last started one. When that one failed and was replaced, what the
  // earlier failed changes of its run told the crew is in it too (crewMayHaveSeen, carried from each
  // change of the run to the next as it starts), and their steps survive compaction: the others of
  // the run need not stay whole. Keeping them whole let a run of failed edits with long notes push
  // the record past DynamoDB's 400 KB, after which nothing more could be saved.
  const planFrom = new Set<Operation>(started.slice(-1));
  return ops.map((o, i) => {
    if (i >= ops.length - WHOLE_OPERATIONS || planFrom.has(o) || !SETTLED.includes(o.status)) return o;
    if (o.details === undefined && o.previous === undefined && o.crewMayHaveSeen === undefined && o.answersBefore === undefined && o.crewHoldsSeen === undefined && o.crewHoldsPrevious === undefined && o.crewToldOffBefore === undefined && o.crewMaybeToldOffBefore === undefined && o.crewMayHoldCall === undefined) return o;
    const { details, previous, crewMayHaveSeen: _seen, answersBefore: _answers, crewHoldsSeen: _holds, crewHoldsPrevious: _holdsPrevious, crewToldOffBefore: _toldOff, crewMaybeToldOffBefore: _maybeOff, crewMayHoldCall: _mayHold, ...kept } = o;
    const moved = details && previous && departureMoved(previous.request, details.request);
    return { ...kept, ...(moved ? { movedFrom: scheduleOf(previous.request) } : {}), compacted: true };
  });
}

/** The booking state that follows from its operations once nothing is decided by a run. */
function settledState(record: BookingRecord): BookingState {
  const active = activeOperation(record);
  if (active?.status === 'failed') return 'failed';
  if (active) return 'running';
  return cancelOperation(record)?.status === 'done' ? 'cancelled' : 'done';
}

/** The note of a change approved after a change proposed later was approved (or applied). */
export const STALE_CHANGE_NOTE = 'made before a later change was approved; open Edit again';
/** Its wording before 2026-12-06, still in stored records. */
const STALE_CHANGE_NOTE_BEFORE = 'made before a later change was applied; open Edit again';

/**
 * The note of a change approved while another change made from the same details is approved and
 * has not run: it would replace that change with a form that never showed its edit.
 */
export const UNDOES_WAITING_CHANGE_NOTE = 'made from the same details as an approved change that has not run yet; open Edit again once it has';

export function isStaleChange(op: Operation): boolean {
  return op.status === 'superseded' && (op.note === STALE_CHANGE_NOTE || op.note === STALE_CHANGE_NOTE_BEFORE || op.note === UNDOES_WAITING_CHANGE_NOTE);
}

/** The fields a change compares: each field of the request, the roster and the costs. */
function fieldsOf(d: BookingDetails): Map<string, unknown> {
  return new Map<string, unknown>([...Object.entries(d.request).map(([k, v]): [string, unknown] => [`request.${k}`, v]), ['roster', d.roster], ['costs', d.costs]]);
}

/**
 * Whether `next` would put back a field `earlier` changed: both were made from `base`, `earlier`
 * changed the field and `next` shows it as `base` had it. Setting it to another value is a newer
 * decision (reschedule to the 6th after all) and takes over.
 */
function undoes(next: BookingDetails, earlier: BookingDetails, base: BookingDetails): boolean {
  const [n, e, b] = [fieldsOf(next), fieldsOf(earlier), fieldsOf(base)];
  return [...e].some(([field, value]) => !isDeepStrictEqual(value, b.get(field)) && isDeepStrictEqual(n.get(field), b.get(field)));
}

/** The note of an operation the cancel dropped before it started (a proposed or queued change). */
export const DROPPED_BY_CANCEL_NOTE = 'the booking was cancelled';

/**
 * An approver approves a proposed change: it queues behind any unfinished operation, and replaces
 * (supersedes) changes queued or failed before it, when it was proposed after them.
 */
export function approveChange(record: BookingRecord, opId: string, userId: string, nowMs: number): BookingRecord {
  const op = findOperation(record, opId);
  if (!op || op.kind !== 'change') throw new OperationDecidedError(record.id, opId, 'missing');
  if (op.status !== 'proposed') throw new OperationDecidedError(record.id, opId, op.status, op.approvedBy);
  allowLifecycle(record, 'changed');
  // Its form showed the booking before another change was applied (both proposed from the same
  // details): approving it would quietly put that change's fields back. It is replaced instead,
  // and the approver is told to open Edit again.
  // Likewise when a change proposed after it is approved and waits (or failed): approving this one
  // would replace that newer change with a form that never showed it.
  const ops = record.operations ?? [];
  const newerApproved = ops.slice(ops.findIndex((o) => o.id === opId) + 1).some((o) => o.kind === 'change' && (o.status === 'queued' || o.status === 'failed'));
  if ((op.baseRevision !== undefined && op.baseRevision < revisionOf(record)) || newerApproved) {
    const outdated: Operation = { ...op, status: 'superseded', finishedAtMs: nowMs, note: STALE_CHANGE_NOTE };
    return { ...withOperation(record, outdated), updatedAtMs: nowMs };
  }
  // Two requests made from the same details (one reschedules, one edits the notes) and both
  // approved: the second would replace the first, and its form carries the old date, so the
  // reschedule whose approval was confirmed would never happen. The second is refused instead.
  // Only a change still waiting to run counts: one that failed unstarted (its charter departed
  // first, Retry closed) will never run, and refusing for it would refuse every later Edit.
  const undone = ops.some(
    (o) =>
      o.id !== opId &&
      o.kind === 'change' &&
      o.status === 'queued' &&
      o.baseRevision !== undefined &&
      o.baseRevision === op.baseRevision &&
      o.details !== undefined &&
      op.details !== undefined &&
      undoes(op.details, o.details, detailsOf(record)),
  );
  if (undone) {
    const outdated: Operation = { ...op, status: 'superseded', finishedAtMs: nowMs, note: UNDOES_WAITING_CHANGE_NOTE };
    return { ...withOperation(record, outdated), updatedAtMs: nowMs };
  }
  const operations = (record.operations ?? []).map((o): Operation => {
    if (o.id === opId) return { ...o, status: 'queued', approvedBy: userId, approvedAtMs: nowMs };
    if (o.kind === 'change' && (o.status === 'queued' || o.status === 'failed')) return { ...o, status: 'superseded', finishedAtMs: nowMs, note: `replaced by ${opId}` };
    if (retiredByChange(o)) return { ...o, status: 'superseded', finishedAtMs: nowMs, note: `replaced by ${opId}` };
    return o;
  });
  const next = { ...record, operations, updatedAtMs: nowMs };
  return { ...next, state: settledState(next) };
}

export function rejectChange(record: BookingRecord, opId: string, userId: string, nowMs: number): BookingRecord {
  const op = findOperation(record, opId);
  if (!op || op.kind !== 'change') throw new OperationDecidedError(record.id, opId, 'missing');
  if (op.status !== 'proposed') throw new OperationDecidedError(record.id, opId, op.status, op.approvedBy);
  return { ...withOperation(record, { ...op, status: 'rejected', approvedBy: userId, approvedAtMs: nowMs, finishedAtMs: nowMs }), updatedAtMs: nowMs };
}

/**
 * A guest page refresh a change approved now takes over: one that failed (CloudFront down, say) or
 * has not started. Left as it is, a failed one would hold every change behind it until someone
 * retried it, a reschedule reaching neither calendar, SCC nor crew. The change re-renders the page
 * in its place (pageRenderOwed). A running refresh is left to finish: the change queues behind it.
 */
function retiredByChange(op: Operation): boolean {
  return op.kind === 'refresh' && (op.status === 'failed' || op.status === 'queued');
}

/**
 * A refresh gave way to a change (approveChange, finishOperation) and no change since has put the
 * page up: the change starting now owes it, even one whose fields the page does not show, since
 * whatever the refresh was asked for (a new template, a fixed bucket) is still not live.
 */
function pageRenderOwed(record: BookingRecord, opId: string): boolean {
  const ops = operationsOf(record);
  const before = ops.slice(0, ops.findIndex((o) => o.id === opId));
  const lastRefresh = before.findLastIndex((o) => o.kind === 'refresh');
  if (lastRefresh < 0 || before[lastRefresh]?.status !== 'superseded') return false;
  return !before.slice(lastRefresh + 1).some((o) => o.kind === 'change' && o.steps?.guest_cache?.status === 'done');
}

// ---- cancel ----------------------------------------------------------------------------------

/**
 * An approver cancels an approved booking: what runs is stopped, changes not started are dropped,
 * and a cancel operation queues to compensate. Audited as 'cancelled'.
 */
export function requestCancel(record: BookingRecord, userId: string, nowMs: number): BookingRecord {
  allowLifecycle(record, 'cancelled');
  const base = materialised(record);
  const operations = (base.operations ?? []).map((o): Operation => {
    switch (o.status) {
      case 'proposed':
        return { ...o, status: 'rejected', finishedAtMs: nowMs, note: DROPPED_BY_CANCEL_NOTE };
      case 'queued':
        // Never started (a create still `approved`, a change waiting): nothing of it to stop.
        return { ...o, status: o.kind === 'create' ? 'stopped' : 'superseded', finishedAtMs: nowMs, note: DROPPED_BY_CANCEL_NOTE };
      case 'running':
        return { ...o, status: 'stopping', note: 'stopping for a cancel' };
      case 'failed':
        return { ...o, status: 'stopped', finishedAtMs: nowMs, note: DROPPED_BY_CANCEL_NOTE };
      default:
        return o;
    }
  });
  const cancel: Operation = { id: nextOperationId(base), kind: 'cancel', status: 'queued', requestedBy: userId, requestedAtMs: nowMs, approvedBy: userId, approvedAtMs: nowMs };
  return {
    ...base,
    state: 'running',
    operations: [...operations, cancel],
    audit: [...base.audit, { action: 'cancelled', userId, atMs: nowMs }],
    updatedAtMs: nowMs,
  };
}

/**
 * A stopping operation is stopped once no step of it runs anywhere: each running step's lease has
 * expired, or is `owner`'s own and `owner` is not executing it. Such steps end failed ("stopped"):
 * they may or may not have had their effect, which the cancel's lookups settle. A create its holder
 * sent just before it died can still land for `quietMs`, so that is how long those lookups must wait
 * before "not found" counts.
 */
export function settleStopping(
  record: BookingRecord,
  opId: string,
  owner: string,
  nowMs: number,
  executingHere: (step: AnyStepName) => boolean,
  ownerDead?: OwnerDead,
  quietMs = 0,
): BookingRecord | undefined {
  const op = operationsOf(record).find((o) => o.id === opId);
  if (op?.status !== 'stopping') return undefined;
  const steps = stepsOf(record, opId);
  const entries = Object.entries(steps) as [AnyStepName, StepState][];
  const busy = entries.some(([name, s]) => s.status === 'running' && (executingHere(name) || (!leaseExpired(s, nowMs, ownerDead) && s.lease?.owner !== owner)));
  if (busy) return undefined;
  const stopped: Partial<Record<AnyStepName, StepState>> = {};
  for (const [name, s] of entries) {
    if (s.status !== 'running') continue;
    // Stopped mid-attempt: its outcome is unknown for real, whatever an earlier Retry knew.
    const { lease: _lease, retriedAfterRefusal: _refusedOnly, ...rest } = s;
    const quietUntilMs = Math.max(s.quietUntilMs ?? 0, nowMs + quietMs);
    // Another process's step is dated as a takeover: a Slack post it sent before fencing may land up to one call later.
    const takenOver = s.lease !== undefined && s.lease.owner !== owner ? { takenOverAtMs: nowMs } : {};
    stopped[name] = { ...rest, status: 'failed', outcomeUnknown: true, quietUntilMs, ...takenOver, finishedAtMs: nowMs, error: { message: 'Stopped by a cancel; the cancel undoes whatever it may have done.', code: 'PIPELINE_STOPPED', retryable: false } };
  }
  const withSteps = opId === CREATE_OP ? { ...record, steps: { ...record.steps, ...stopped } } : withOperation(record, { ...op, steps: { ...op.steps, ...stopped } });
  const operations = (withSteps.operations ?? []).map((o): Operation => (o.id === opId ? { ...o, status: 'stopped', finishedAtMs: nowMs } : o));
  return { ...withSteps, operations, updatedAtMs: nowMs };
}

// ---- refresh ---------------------------------------------------------------------------------

/** What an ask for a refresh comes to; `after` is the change the refresh waits behind (asked while the booking ran it). */
export type RefreshRequest =
  /** queued: a new refresh (of a done booking, or behind the change it runs); retried: the refresh that failed runs again. */
  | { outcome: 'queued' | 'retried'; record: BookingRecord; op: Operation; after?: Operation }
  /**
   * A refresh is queued or running already: it renders the same page from the same details, so
   * this ask is its. `record`: what to write when joining changes it (see refreshAfterChange).
   */
  | { outcome: 'joined'; op: Operation; record?: BookingRecord; after?: Operation };

/** The refresh the booking's run is on (queued, running, or failed and waiting), if that is what it is on. */
export function activeRefresh(record: BookingRecord): Operation | undefined {
  const active = activeOperation(record);
  return active?.kind === 'refresh' && !cancelOperation(record) ? active : undefined;
}

/** The change the booking's run is on (running, or about to start), unless a cancel is stopping it. */
export function changeUnderWay(record: BookingRecord): Operation | undefined {
  const active = activeOperation(record);
  if (record.state !== 'running' || cancelOperation(record) || active?.kind !== 'change') return undefined;
  return active.status === 'running' || active.status === 'queued' ? active : undefined;
}

/**
 * The change will render and upload the guest page after this moment, and clear its cache after
 * that: the page it leaves is what a refresh asked now would leave. Only a render yet to start
 * counts (pending, or failed and to be run again by Retry): one under way or done was made before
 * the ask, perhaps by another process with older templates or settings (a deploy is a reason to
 * refresh), so the refresh runs after it. A queued change has not planned its steps yet: it does
 * not count.
 */
function publishesPageLater(change: Operation): boolean {
  const steps = change.status === 'running' ? change.steps : undefined;
  const render = steps?.guest_page?.status;
  return (render === 'pending' || render === 'failed') && steps?.guest_cache !== undefined && steps.guest_cache.status !== 'done';
}

/**
 * An approver asks for a guest page refresh. Written as an operation (who asked, when) and the
 * booking goes `running`, so whatever runs operations runs it; it ends `done` again, or `failed`
 * with Retry like any other operation. Asking while one is under way joins it (one run, one
 * invalidation); asking after one failed runs it again. Asked while a change runs, it queues behind
 * that change (a crash loses it no more than a queued change); if the change clears the page's cache
 * after the ask, the refresh ends without running (startOperation). Any other state is refused.
 */
export function requestRefresh(record: BookingRecord, userId: string, nowMs: number): RefreshRequest {
  const active = activeRefresh(record);
  if (active && record.state === 'running' && (active.status === 'queued' || active.status === 'running')) return { outcome: 'joined', op: active };
  if (active && record.state === 'failed' && active.status === 'failed') {
    // Asked again, it re-renders too (Retry re-runs only what failed): whatever the asker fixed shows.
    const again = resetSteps(retryOperation(record, active.id, nowMs), stepNamesOf(record, active.id), nowMs, active.id);
    const op = findOperation(again, active.id) ?? active;
    return { outcome: 'retried', record: appendAudit({ ...again, state: 'running' }, 'refreshed', userId, nowMs), op };
  }
  const change = changeUnderWay(record);
  if (change) return refreshAfterChange(record, change, userId, nowMs);
  if (record.state !== 'done' || cancelOperation(record)) throw new IllegalTransitionError(record.id, record.state, 'refreshed');
  const base = materialised(record);
  const op: Operation = { id: nextOperationId(base), kind: 'refresh', status: 'queued', requestedBy: userId, requestedAtMs: nowMs };
  const queued: BookingRecord = foldRefreshes({ ...base, state: 'running', operations: compactHistory([...(base.operations ?? []), op]) });
  return { outcome: 'queued', record: appendAudit(queued, 'refreshed', userId, nowMs), op };
}

/**
 * A refresh asked while `change` runs: queued behind it (the booking stays `running`), covered by it
 * when it will still clear the cache. A second ask before the refresh runs joins the first; it keeps
 * the cover only if the change still clears the cache after this ask too, else the refresh runs.
 */
function refreshAfterChange(record: BookingRecord, change: Operation, userId: string, nowMs: number): RefreshRequest {
  const coveredBy = publishesPageLater(change) ? change.id : undefined;
  const waiting = operationsOf(record).find((o) => o.kind === 'refresh' && o.status === 'queued');
  if (waiting) {
    if (waiting.coveredBy === undefined || waiting.coveredBy === coveredBy) return { outcome: 'joined', op: waiting, after: change };
    const { coveredBy: _lost, ...uncovered } = waiting;
    return { outcome: 'joined', record: { ...withOperation(record, uncovered), updatedAtMs: nowMs }, op: uncovered, after: change };
  }
  const op: Operation = { id: nextOperationId(record), kind: 'refresh', status: 'queued', requestedBy: userId, requestedAtMs: nowMs, ...(coveredBy ? { coveredBy } : {}) };
  const queued = foldRefreshes({ ...record, operations: compactHistory([...(record.operations ?? []), op]), updatedAtMs: nowMs });
  return { outcome: 'queued', record: appendAudit(queued, 'refreshed', userId, nowMs), op, after: change };
}

/** The note of a refresh whose page a change put up after it was asked. */
export function coveredNote(changeId: string): string {
  return `the change before it (${changeId}) uploaded the page and cleared its cache after this was asked`;
}

/** Refresh operations kept whole, newest last: the one asked now and the one before it. */
const WHOLE_REFRESHES = 2;

/**
 * Settled refreshes older than the last two are dropped and counted (refreshesFolded). Each holds
 * its step results (~0.9 KB): a guest page refreshed a few hundred times would otherwise pass
 * DynamoDB's 400 KB item. What they did is on the page already; a refresh still failed or under
 * way is kept, and so is the latest, which a change owing its upload reads (pageRenderOwed).
 */
function foldRefreshes(record: BookingRecord): BookingRecord {
  const ops = record.operations ?? [];
  const refreshes = ops.filter((o) => o.kind === 'refresh');
  const whole = new Set(refreshes.slice(-WHOLE_REFRESHES));
  const folded = new Set(refreshes.filter((o) => !whole.has(o) && SETTLED.includes(o.status)));
  if (folded.size === 0) return record;
  return { ...record, operations: ops.filter((o) => !folded.has(o)), refreshesFolded: (record.refreshesFolded ?? 0) + folded.size };
}

// ---- starting and finishing ------------------------------------------------------------------

const pending = (): StepState => ({ status: 'pending', attempts: 0 });

function rosterKey(roster: readonly RosterMember[]): string {
  return JSON.stringify(roster.map((m) => [m.slackUserId, m.role, m.name, m.email ?? '']));
}

function fieldsDiffer(a: BookingRequest, b: BookingRequest, fields: readonly (keyof BookingRequest)[]): boolean {
  return fields.some((f) => JSON.stringify(a[f]) !== JSON.stringify(b[f]));
}

const SCHEDULE_FIELDS = ['date', 'departureTime', 'durationHours'] as const;

export type ScheduleFields = Pick<BookingRequest, (typeof SCHEDULE_FIELDS)[number]>;

export function scheduleOf(request: ScheduleFields): ScheduleFields {
  return { date: request.date, departureTime: request.departureTime, durationHours: request.durationHours };
}

/** The departure's date or time changed: what a guest who saved the old date must be told. */
export function departureMoved(from: ScheduleFields, to: ScheduleFields): boolean {
  return from.date !== to.date || from.departureTime !== to.departureTime;
}
/** What each artifact shows (see calendarEntryFor, sccEventPayload, buildGuestPageView, crewMessage). */
// The platform line is compared as the entry prints it (platformRefOf), apart: a record from
// before platforms were generalised (boatsetterRef) prints the same as its form's platform + platformRef.
const CALENDAR_FIELDS: readonly (keyof BookingRequest)[] = ['guestName', 'partySize', ...SCHEDULE_FIELDS, 'notes', 'crewNotes'];
// Notes: the SCC description and the crew posts carry the crew-safe lines of the notes for crew
// (crewNoteLines), compared apart: internal notes of a booking that has the crew field are not among them.
const SCC_FIELDS: readonly (keyof BookingRequest)[] = ['guestName', 'partySize', ...SCHEDULE_FIELDS];
const GUEST_FIELDS: readonly (keyof BookingRequest)[] = ['guestName', 'partySize', ...SCHEDULE_FIELDS];

function captainName(roster: readonly RosterMember[]): string {
  return roster.find((m) => m.role === 'captain')?.name ?? '';
}

/** The steps a change needs: only those whose artifact shows a field that changed. */
export function planChangeSteps(from: BookingDetails, to: BookingDetails): AnyStepName[] {
  const roster = rosterKey(from.roster) !== rosterKey(to.roster);
  const out = new Set<AnyStepName>();
  const platform = !isDeepStrictEqual(platformRefOf(from.request), platformRefOf(to.request));
  if (roster || platform || fieldsDiffer(from.request, to.request, CALENDAR_FIELDS)) out.add('calendar_update');
  const crewNotes = JSON.stringify(crewNoteLines(from.request)) !== JSON.stringify(crewNoteLines(to.request));
  if (roster || crewNotes || fieldsDiffer(from.request, to.request, SCC_FIELDS)) {
    out.add('scc_update');
    out.add('revenue_guard');
    out.add('crew_notice');
  }
  if (captainName(from.roster) !== captainName(to.roster) || fieldsDiffer(from.request, to.request, GUEST_FIELDS)) {
    out.add('guest_page');
    out.add('guest_cache');
  }
  return OPERATION_DAGS.change.steps.filter((s) => out.has(s));
}

/** The cancel's steps: compensate only what an earlier operation may have made (a step that never ran made nothing). */
export function planCancelSteps(record: BookingRecord): AnyStepName[] {
  const created = record.steps;
  const ran = (s: keyof typeof created) => created[s].status !== 'pending' || created[s].result !== undefined;
  // A create that left its call to a change posted nothing: crew were called only if a change's crew step ran.
  const crewCalled = createCallDeferred(record)
    ? operationsOf(record).some((o) => o.kind === 'change' && o.steps?.crew_notice !== undefined && (o.steps.crew_notice.status !== 'pending' || o.steps.crew_notice.result !== undefined))
    : ran('crew_notice');
  const out = new Set<AnyStepName>();
  if (ran('calendar')) out.add('calendar_delete');
  if (ran('scc_event')) {
    out.add('scc_cancel');
    out.add('revenue_guard');
  }
  if (ran('guest_page')) {
    out.add('guest_page');
    out.add('guest_cache');
  }
  // An answer recorded before its call went out (records from before answers waited for the call):
  // whoever gave it believes they are on this charter, and the crew step tells them by DM.
  if (crewCalled || answeredMembers(record).length > 0) out.add('crew_notice');
  return OPERATION_DAGS.cancel.steps.filter((s) => out.has(s));
}

/** Members with an answer on record (a Confirm, or a Can't make it). */
export function answeredMembers(record: Pick<BookingRecord, 'confirmations' | 'declines'>): string[] {
  return [...new Set([...Object.keys(record.confirmations), ...Object.keys(record.declines ?? {})])];
}

/**
 * The approved change waiting behind the create that will call the crew itself (its crew step is
 * planned). The create's crew step then leaves the call to it: crew called for the old details and,
 * moments later, told they moved, would get two messages for one charter.
 */
export function changeCallingCrew(record: BookingRecord): Operation | undefined {
  if (cancelOperation(record)) return undefined;
  const waiting = operationsOf(record).filter((o) => o.kind === 'change' && o.status === 'queued' && o.details).at(-1);
  if (!waiting?.details) return undefined;
  return planChangeSteps(detailsOf(record), waiting.details).includes('crew_notice') ? waiting : undefined;
}

/** The create's crew step left its call to a change (changeCallingCrew): no call was made by it. */
export function createCallDeferred(record: BookingRecord): boolean {
  const step = record.steps.crew_notice;
  return step.status === 'done' && step.result?.callDeferredTo !== undefined;
}

/**
 * Where the call the create left to a change stands: `made` by a change's crew step; `owed` by a
 * change still to run (or to be retried); `dropped` when none will make it (the charter was
 * cancelled first). Undefined when the create made its call itself.
 */
export function deferredCall(record: BookingRecord): 'made' | 'owed' | 'dropped' | undefined {
  if (!createCallDeferred(record)) return undefined;
  const changes = operationsOf(record).filter((o) => o.kind === 'change');
  if (changes.some((o) => o.steps?.crew_notice?.status === 'done')) return 'made';
  const live = changes.some((o) => o.status === 'queued' || o.status === 'running' || o.status === 'failed');
  return live && !cancelOperation(record) ? 'owed' : 'dropped';
}

/**
 * The crew call the create deferred is still owed: no change's crew step has made it yet. The change
 * that makes it may not be the one it was deferred to (a newer one replaced it, maybe with nothing
 * crew see), so whichever change runs next owes it.
 */
function crewCallOwed(record: BookingRecord): boolean {
  return createCallDeferred(record) && !operationsOf(record).some((o) => o.kind === 'change' && o.steps?.crew_notice?.status === 'done');
}

/**
 * Whose call changed: everyone when the schedule moved, else whoever's role changed. Their
 * confirmation is reset (they are asked again); removed crew lose theirs.
 */
export function callsChanged(from: BookingDetails, to: BookingDetails): { changed: string[]; added: string[]; removed: string[] } {
  const before = new Map(from.roster.map((m) => [m.slackUserId, m]));
  const after = new Map(to.roster.map((m) => [m.slackUserId, m]));
  const moved = fieldsDiffer(from.request, to.request, SCHEDULE_FIELDS);
  const changed = to.roster.filter((m) => before.has(m.slackUserId) && (moved || before.get(m.slackUserId)?.role !== m.role)).map((m) => m.slackUserId);
  const added = to.roster.filter((m) => !before.has(m.slackUserId)).map((m) => m.slackUserId);
  const removed = from.roster.filter((m) => !after.has(m.slackUserId)).map((m) => m.slackUserId);
  return { changed, added, removed };
}

/** Whose call changed from any of `froms` to `to`; one added by either is added, not changed. */
function callsChangedFromAny(froms: readonly BookingDetails[], to: BookingDetails): { changed: string[]; added: string[]; removed: string[] } {
  const all = froms.map((from) => callsChanged(from, to));
  const added = new Set(all.flatMap((c) => c.added));
  const changed = new Set(all.flatMap((c) => c.changed).filter((u) => !added.has(u)));
  const removed = new Set(all.flatMap((c) => c.removed));
  return { changed: [...changed], added: [...added], removed: [...removed] };
}

/**
 * Whose call a change changed: from the details it replaced, and from what a change it replaced
 * may have told the crew (crewMayHaveSeen). A change putting back a failed change's 17:00 has
 * nothing new from `previous` (16:00 both), yet crew that change reached were told 17:00.
 */
export function callsChangedBy(
  op: Pick<Operation, 'previous' | 'crewMayHaveSeen' | 'crewHoldsSeen' | 'crewHoldsPrevious' | 'crewMaybeToldOffBefore'>,
  to: BookingDetails,
): { changed: string[]; added: string[]; removed: string[] } {
  const calls = callsChangedBySeen(op, to);
  // Maybe told "you're off" by the run, kept off here: their post may still show the run's call.
  const maybeOff = (op.crewMaybeToldOffBefore ?? []).filter((u) => !to.roster.some((m) => m.slackUserId === u) && !calls.removed.includes(u));
  return maybeOff.length > 0 ? { ...calls, removed: [...calls.removed, ...maybeOff] } : calls;
}

function callsChangedBySeen(op: Pick<Operation, 'previous' | 'crewMayHaveSeen' | 'crewHoldsSeen' | 'crewHoldsPrevious'>, to: BookingDetails): { changed: string[]; added: string[]; removed: string[] } {
  const froms = [op.previous, op.crewMayHaveSeen].filter((d): d is BookingDetails => d !== undefined);
  const any = callsChangedFromAny(froms, to);
  if (!op.crewMayHaveSeen || !op.previous) return any;
  // Who confirmed the failed change's 17:00 is not asked again by a change keeping 17:00; who it
  // took off without telling is not greeted as new by a change putting them back.
  const holdsSeen = new Set(op.crewHoldsSeen ?? []);
  const holdsPrevious = new Set((op.crewHoldsPrevious ?? []).filter((u) => !holdsSeen.has(u)));
  if (holdsSeen.size + holdsPrevious.size === 0) return any;
  const seen = callsChanged(op.crewMayHaveSeen, to);
  const previous = callsChanged(op.previous, to);
  const of = (fromAny: string[], fromSeen: string[], fromPrevious: string[]) => [
    ...fromAny.filter((u) => !holdsSeen.has(u) && !holdsPrevious.has(u)),
    ...fromSeen.filter((u) => holdsSeen.has(u)),
    ...fromPrevious.filter((u) => holdsPrevious.has(u)),
  ];
  return { changed: of(any.changed, seen.changed, previous.changed), added: of(any.added, seen.added, previous.added), removed: of(any.removed, seen.removed, previous.removed) };
}

/**
 * A step of a replaced change whose effect may have landed. A failed one counts only when its
 * outcome is unknown (no answer, a crash) or it kept a result: a definite refusal (SCC's 400) left
 * the artifact as it was, and redoing it would PATCH SCC for nothing, which e-mails the crew an
 * unchanged event. The crew step is many posts: one refused says nothing of those before it.
 */
function stepRan(step: AnyStepName, state: StepState | undefined): boolean {
  if (state === undefined) return false;
  if (state.result !== undefined || state.outcomeUnknown === true) return true;
  if (state.status === 'pending') return false;
  if (state.status !== 'failed') return true;
  return step === 'crew_notice' && state.attempts > 0;
}

/**
 * The steps of a change that undo what a replaced change's step may have left: the same artifact
 * again, with what planChangeSteps plans along with it (SCC's PATCH e-mails the crew, so the crew
 * are told too; the page's cache is cleared after its upload).
 */
const UNDONE_BY: Readonly<Partial<Record<AnyStepName, readonly AnyStepName[]>>> = {
  calendar_update: ['calendar_update'],
  scc_update: ['scc_update', 'revenue_guard', 'crew_notice'],
  revenue_guard: ['scc_update', 'revenue_guard', 'crew_notice'],
  guest_page: ['guest_page', 'guest_cache'],
  guest_cache: ['guest_page', 'guest_cache'],
  crew_notice: ['crew_notice'],
};

interface Applied {
  details: BookingDetails;
  callRevisions: Record<string, number> | undefined;
  /** The revisions of the replaced run's changes. */
  runRevisions: number[];
  /** The answers before the replaced run reset them (Operation.answersBefore). */
  answersBefore?: Operation['answersBefore'];
  /** Steps the new change runs whatever its fields: the replaced changes' steps ran and may have shown their details. */
  undo: ReadonlySet<AnyStepName>;
  /** What the latest replaced change whose crew step ran may have told the crew. */
  crewMayHaveSeen?: BookingDetails;
  /**
   * The highest call revision a replaced change whose crew step ran gave each member: their post
   * (and a reminder sent meanwhile) may carry buttons of that revision.
   */
  drawnRevisions?: Record<string, number>;
  /** Whom a replaced change called and a later one maybe told "you're off" (left out of crewMayHaveSeen). */
  maybeToldOff?: string[];
  /**
   * Until when a write of a replaced change's step may still land (its PATCH got no answer): the
   * same step of the new change writes after that, so a late 17:00 does not overwrite its 16:00.
   */
  quietUntilMs: Partial<Record<AnyStepName, number>>;
}

/**
 * What the replaced run's crew steps may have shown the crew (newest change first): the newest such
 * change's details, with whoever an earlier one called and a later one took off before telling
 * them (X1 adds Kai and posts his call, X2 takes him off and fails first): Kai still holds X1's call
 * and must be told he is off. Each member counts with the latest call they were shown, and one a
 * later change told "you're off" holds no call at all: after off, on, off (each told), Ana's last
 * word is "you're off", so a change putting her back must greet her as newly on.
 */
function crewShown(record: BookingRecord, run: readonly Operation[], toldOffOf: (o: Operation) => ReadonlySet<string>): BookingDetails | undefined {
  // Each detail the run may have shown, with who a newer change of the run told "you're off".
  const reached: { details: BookingDetails; toldOffSince: ReadonlySet<string> }[] = [];
  const toldOff = new Set<string>();
  for (const o of run) {
    if (o.details && stepRan('crew_notice', o.steps?.crew_notice)) reached.push({ details: o.details, toldOffSince: new Set(toldOff) });
    for (const u of toldOffOf(o)) toldOff.add(u);
    // A change of the run also carries what the run before it showed: its older members may have
    // been compacted while it ran.
    if (o.crewMayHaveSeen) reached.push({ details: o.crewMayHaveSeen, toldOffSince: new Set(toldOff) });
  }
  const newest = reached[0]?.details;
  if (!newest) return undefined;
  const roster = [...newest.roster];
  for (const { details, toldOffSince } of reached.slice(1)) for (const m of details.roster) if (!toldOffSince.has(m.slackUserId) && !roster.some((r) => r.slackUserId === m.slackUserId)) roster.push(m);
  if (roster.length === newest.roster.length) return newest;
  const crew = [...newest.request.crew, ...roster.slice(newest.roster.length).filter((m) => m.role === 'crew').map((m) => m.slackUserId)];
  return { ...newest, request: { ...newest.request, crew }, roster };
}

/**
 * What the artifacts last showed in full before `opId`: the booking's details, unless the change
 * started just before it failed and was replaced. That one made its details the booking's but not
 * every artifact's (SCC may still show the old date), so the change replacing it plans its steps
 * from what the failed one replaced: its own fields and those the failed one never finished. The
 * call revisions go with those details: the replaced change had moved its members' calls to its
 * revision, though their posts may never have shown it.
 * Planning from there alone would miss what the failed ones did finish: a change putting 16:00 back
 * after one that moved the calendar, SCC and guest page to 17:00 would find nothing to do, and
 * leave all three at 17:00. So every step any of the replaced run ran is run again (`undo`): each
 * change of the run was planned from the same details, and the steps of an earlier one may have
 * landed though a later one never got to redo them.
 */
function lastApplied(record: BookingRecord, opId: string): Applied {
  const ops = operationsOf(record);
  const before = ops.slice(0, ops.findIndex((o) => o.id === opId));
  // A refresh in between re-rendered the details as they stood: it applied none of its own.
  const started = before.filter((o) => o.startedAtMs !== undefined && o.kind !== 'refresh');
  const lastStarted = started.at(-1);
  if (lastStarted?.kind === 'change' && lastStarted.status === 'superseded' && lastStarted.previous) {
    const run = runBefore(started);
    const undo = new Set<AnyStepName>();
    const quietUntilMs: Partial<Record<AnyStepName, number>> = {};
    for (const o of run) {
      for (const [step, state] of Object.entries(o.steps ?? {}) as [AnyStepName, StepState][]) {
        if (!stepRan(step, state)) continue;
        for (const s of UNDONE_BY[step] ?? []) undo.add(s);
        if (state.quietUntilMs !== undefined) quietUntilMs[step] = Math.max(quietUntilMs[step] ?? 0, state.quietUntilMs);
      }
    }
    // A member maybe told "you're off" counts as told here (greeted as newly on if put back: an extra
    // "You're now on" is harmless); the change's crewToldOffBefore names only those surely told.
    const told = crewShown(record, run, (o) => toldOffBy(record, o, { maybe: true }));
    // Who the run called and then maybe told "you're off": left out of `told`, yet their post may show the call.
    const shownUnlessSurelyOff = crewShown(record, run, (o) => toldOffBy(record, o))?.roster ?? [];
    const maybeToldOff = shownUnlessSurelyOff.map((m) => m.slackUserId).filter((u) => !told?.roster.some((m) => m.slackUserId === u));
    const drawnRevisions: Record<string, number> = {};
    for (const o of run) {
      if (!stepRan('crew_notice', o.steps?.crew_notice)) continue;
      // Records from before callRevisionsGiven: the booking's revisions are the newest change's.
      const given = o.callRevisionsGiven ?? (o === lastStarted ? record.callRevisions : undefined) ?? {};
      for (const [u, rev] of Object.entries(given)) drawnRevisions[u] = Math.max(drawnRevisions[u] ?? 0, rev);
    }
    return {
      details: lastStarted.previous,
      callRevisions: lastStarted.callRevisionsBefore ?? record.callRevisions,
      drawnRevisions,
      ...(lastStarted.answersBefore ? { answersBefore: lastStarted.answersBefore } : {}),
      runRevisions: run.flatMap((o) => (o.revision !== undefined ? [o.revision] : [])),
      undo,
      quietUntilMs,
      ...(told ? { crewMayHaveSeen: told } : {}),
      ...(maybeToldOff.length > 0 ? { maybeToldOff } : {}),
    };
  }
  return { details: detailsOf(record), callRevisions: record.callRevisions, runRevisions: [], undo: new Set(), quietUntilMs: {} };
}

/** The changes of the failed run `started` ends with (each superseded by the next), newest first. */
function runBefore(started: readonly Operation[]): Operation[] {
  const run: Operation[] = [];
  for (const o of [...started].reverse()) {
    if (o.kind !== 'change' || o.status !== 'superseded') break;
    run.push(o);
  }
  return run;
}

/** The failed changes `opId` replaced, newest first (none when the operation before it finished). */
export function runReplacedBy(record: BookingRecord, opId: string): Operation[] {
  const ops = operationsOf(record);
  return runBefore(ops.slice(0, ops.findIndex((o) => o.id === opId)).filter((o) => o.startedAtMs !== undefined && o.kind !== 'refresh'));
}

/** queued → running. A change makes its details the booking's (revision + 1); a cancel plans its compensation. */
export function startOperation(record: BookingRecord, opId: string, nowMs: number): BookingRecord {
  const op = findOperation(record, opId);
  if (!op || op.status !== 'queued') return record;
  if (op.kind === 'create') {
    return { ...withOperation(record, { ...op, status: 'running', startedAtMs: nowMs }), updatedAtMs: nowMs };
  }
  if (op.kind === 'refresh') {
    if (op.coveredBy !== undefined && findOperation(record, op.coveredBy)?.steps?.guest_cache?.status === 'done') {
      // The change it waited behind cleared the cache after it was asked: a second upload and
      // invalidation would put up the same page again. It ends done with no step (the runner finishes it).
      const covered: Operation = { ...op, status: 'running', startedAtMs: nowMs, revision: revisionOf(record), steps: {}, note: coveredNote(op.coveredBy) };
      return { ...withOperation(record, covered), updatedAtMs: nowMs };
    }
    // The details as they stand, at their own revision: the calendar file's SEQUENCE does not move.
    const steps = Object.fromEntries(OPERATION_DAGS.refresh.steps.map((s) => [s, pending()]));
    return { ...withOperation(record, { ...op, status: 'running', startedAtMs: nowMs, revision: revisionOf(record), steps }), updatedAtMs: nowMs };
  }
  const revision = revisionOf(record) + 1;
  if (op.kind === 'change' && op.details) {
    const applied = lastApplied(record, op.id);
    const previous = applied.details;
    const to = op.details;
    const planned = planChangeSteps(previous, to);
    const owed = crewCallOwed(record) && !planned.includes('crew_notice');
    const page = pageRenderOwed(record, op.id);
    const owedStep = (s: AnyStepName) => (owed && s === 'crew_notice') || (page && (s === 'guest_page' || s === 'guest_cache'));
    const quiet = (s: AnyStepName) => applied.quietUntilMs[s] ?? 0;
    const stepState = (s: AnyStepName): StepState => (quiet(s) > nowMs ? { ...pending(), quietUntilMs: quiet(s) } : pending());
    const steps = Object.fromEntries(OPERATION_DAGS.change.steps.filter((s) => planned.includes(s) || owedStep(s) || applied.undo.has(s)).map((s) => [s, stepState(s)]));
    const told = applied.crewMayHaveSeen;
    // An answer is taken only to the call revision its post was drawn at: who answered since the
    // replaced run moved their call holds the call its crew step showed them.
    const answered = [...Object.keys(record.confirmations), ...Object.keys(record.declines ?? {})];
    const holds = told ? answered.filter((u) => record.callRevisions?.[u] !== undefined && record.callRevisions[u] !== applied.callRevisions?.[u]) : [];
    // Who the replaced run took off and never told "you're off" still holds the call before it.
    const runRevisions = new Set(applied.runRevisions);
    const mayBeToldOff = toldOffInRun(record, runRevisions, { maybe: true });
    const untold = told ? previous.roster.map((m) => m.slackUserId).filter((u) => !told.roster.some((m) => m.slackUserId === u) && !mayBeToldOff.has(u)) : [];
    // Who the run told "you're off" and showed no call since read "you're off" last: a change keeping
    // them off is no news to them, and a second identical DM would be. Whose latest DM only may have
    // gone (told off, called again, maybe told off) is told again: a second "you're off" beats a post
    // that may still show the call.
    const maybeToldOff = new Set(applied.maybeToldOff ?? []);
    const toldOffBefore = told
      ? [...toldOffInRun(record, runRevisions)].filter((u) => !told.roster.some((m) => m.slackUserId === u) && !maybeToldOff.has(u) && !to.roster.some((m) => m.slackUserId === u))
      : [];
    const seenBy = { ...(told ? { crewMayHaveSeen: told } : {}), ...(holds.length > 0 ? { crewHoldsSeen: holds } : {}), ...(untold.length > 0 ? { crewHoldsPrevious: untold } : {}) };
    // Kept off by this change and not on `previous` (those it takes off anyway): told again, see crewMaybeToldOffBefore.
    const maybeOffBefore = (applied.maybeToldOff ?? []).filter((u) => !to.roster.some((m) => m.slackUserId === u) && !previous.roster.some((m) => m.slackUserId === u));
    const toldOffSeen = { ...(toldOffBefore.length > 0 ? { crewToldOffBefore: toldOffBefore } : {}), ...(maybeOffBefore.length > 0 ? { crewMaybeToldOffBefore: maybeOffBefore } : {}) };
    const calls = callsChangedBy({ previous, ...seenBy, ...toldOffSeen }, to);
    // Whoever's call changed, was added or was taken off answers afresh: a "can't make it" to the
    // old call is no answer to the new one (a member taken off and later added back included).
    const reset = new Set([...calls.changed, ...calls.removed, ...calls.added]);
    let confirmations = Object.fromEntries(Object.entries(record.confirmations).filter(([user]) => !reset.has(user)));
    let declines = Object.fromEntries(Object.entries(record.declines ?? {}).filter(([user]) => !reset.has(user)));
    // A failed change it replaces reset answers to calls this one does not change (it put 16:00
    // back before any crew post showed 17:00): each member's answer to 16:00 stands again, and the
    // reminders they had for it, whoever else this change asks afresh.
    const restored = applied.answersBefore;
    const restoredFor = new Set<string>();
    if (restored) {
      const onCall = (user: string) => !reset.has(user) && to.roster.some((m) => m.slackUserId === user) && confirmations[user] === undefined && declines[user] === undefined;
      for (const user of [...Object.keys(restored.confirmations), ...Object.keys(restored.declines ?? {})]) if (onCall(user)) restoredFor.add(user);
      confirmations = { ...Object.fromEntries(Object.entries(restored.confirmations).filter(([user]) => restoredFor.has(user))), ...confirmations };
      declines = { ...Object.fromEntries(Object.entries(restored.declines ?? {}).filter(([user]) => restoredFor.has(user))), ...declines };
    }
    const answersBefore =
      applied.answersBefore ?? (reset.size > 0 ? { confirmations: record.confirmations, ...(record.declines ? { declines: record.declines } : {}), ...(record.reminders ? { reminders: record.reminders } : {}) } : undefined);
    // Their reminders start over with the new call, and so does the office's line when anyone's did.
    const remindedBefore = (key: string) => (key === 'ops24' ? reset.size > 0 : reset.has(dmReminderUser(key) ?? ''));
    const keptReminders = Object.entries(record.reminders ?? {}).filter(([key]) => !remindedBefore(key));
    // A call put back brings back the reminders already sent for it (answered or not); the office's
    // line too when nobody is asked afresh.
    const callPutBack = (user: string) => !reset.has(user) && to.roster.some((m) => m.slackUserId === user);
    const remindedAgain = (key: string) => {
      const userId = dmReminderUser(key);
      return key === 'ops24' ? reset.size === 0 : userId !== undefined && callPutBack(userId);
    };
    const reminders = Object.fromEntries([...Object.entries(restored?.reminders ?? {}).filter(([key]) => remindedAgain(key)), ...keptReminders]);
    // Their call is a new one from this revision: answers to buttons drawn before it are refused.
    const called = new Set([...calls.changed, ...calls.added]);
    // Who answered a call the replaced run showed them and keeps it holds that call's revision: the
    // one from before the run would take a click on the call the run replaced (16:00's, or the
    // first call's r1) as an answer to this one.
    const holdsRevision = holds.filter((user) => !reset.has(user)).map((user) => [user, record.callRevisions![user]!] as const);
    // Nor below a revision the replaced run drew for them (its crew step redrew their post, a reminder
    // went out meanwhile): a member's revision is the one on the buttons of the latest call drawn
    // for them, so a button of any call replaced since is refused. Without this a change putting
    // 4 PM back gave Lee r1 again, and a reminder's r2 button for the failed 5 PM was taken.
    const drawnRevision = (user: string) => (to.roster.some((m) => m.slackUserId === user) ? applied.drawnRevisions?.[user] : undefined);
    const kept = [...Object.entries(applied.callRevisions ?? {}).filter(([user]) => !reset.has(user)), ...holdsRevision];
    const keptRevisions: Record<string, number> = Object.fromEntries(kept);
    for (const user of Object.keys(applied.drawnRevisions ?? {})) {
      const drawn = drawnRevision(user);
      if (drawn !== undefined && !called.has(user) && drawn > (keptRevisions[user] ?? 1)) keptRevisions[user] = drawn;
    }
    const callRevisions = { ...keptRevisions, ...Object.fromEntries([...called].map((user) => [user, revision] as const)) };
    // The reminders the run sent (none is in answersBefore) its start drops: redrawn by its crew step.
    const replacedReminders = Object.entries(record.reminders ?? {}).filter(
      ([key, state]) => remindedBefore(key) && dmReminderUser(key) !== undefined && state.post && !Object.values(answersBefore?.reminders ?? {}).some((r) => r.post?.ts === state.post?.ts),
    );
    const remindersReplaced = replacedReminders.length > 0 ? { remindersReplaced: Object.fromEntries(replacedReminders) } : {};
    const started: Operation = {
      ...op,
      status: 'running',
      startedAtMs: nowMs,
      revision,
      previous,
      ...seenBy,
      ...toldOffSeen,
      steps,
      callRevisionsBefore: applied.callRevisions ?? {},
      callRevisionsGiven: callRevisions,
      ...remindersReplaced,
      ...(answersBefore ? { answersBefore } : {}),
    };
    return {
      ...withOperation(record, started),
      slack: withToldOffOf(record.slack, runRevisions),
      request: to.request,
      roster: to.roster,
      costs: to.costs,
      confirmations,
      ...(record.declines || Object.keys(declines).length > 0 ? { declines } : {}),
      ...(record.reminders || Object.keys(reminders).length > 0 ? { reminders } : {}),
      ...(Object.keys(callRevisions).length > 0 || record.callRevisions ? { callRevisions } : {}),
      revision,
      updatedAtMs: nowMs,
    };
  }
  const steps = Object.fromEntries(planCancelSteps(record).map((s) => [s, cancelStepState(record, op.id, s, nowMs)]));
  // Who a failed change took off without telling still holds its call: read before who was told is dropped.
  const mayHold = steps.crew_notice ? offRosterCallsAtCancel(record, op.id) : [];
  const cancel: Operation = { ...op, status: 'running', startedAtMs: nowMs, revision, steps, ...(mayHold.length > 0 ? { crewMayHoldCall: mayHold } : {}) };
  // Nobody is put back on a cancelled charter: who was told they are off no longer matters after this.
  return { ...withOperation(record, cancel), slack: withToldOffOf(record.slack, new Set()), revision, updatedAtMs: nowMs };
}

/** The change step whose write a cancel step overwrites: the cancel's must land after any late one of it. */
const OVERWRITES: Partial<Record<AnyStepName, AnyStepName>> = { scc_cancel: 'scc_update', calendar_delete: 'calendar_update' };

/**
 * A cancel step, waiting for what an operation before it may still write. A change's PATCH that got
 * no clear answer (its step stopped by this cancel, or failed) may land until its quiet time ends:
 * sent before then, the cancel's PATCH is overwritten with the new date and the money, after the
 * revenue guard has run. So the cancel's SCC and calendar writes take that quiet time on.
 * A crew step that sent a Slack update without an answer may see it stored up to one call later: the
 * cancel's crew step takes the posts over from it as a takeover does (takenOverAtMs, the latest such
 * step's end), so it redraws them only once that update can no longer land on a cancelled post.
 */
function cancelStepState(record: BookingRecord, cancelId: string, step: AnyStepName, nowMs: number): StepState {
  const ops = operationsOf(record);
  const before = ops.slice(0, ops.findIndex((o) => o.id === cancelId));
  const overwrites = OVERWRITES[step];
  if (overwrites) {
    const quietUntilMs = Math.max(0, ...before.map((o) => o.steps?.[overwrites]?.quietUntilMs ?? 0));
    return quietUntilMs > nowMs ? { ...pending(), quietUntilMs } : pending();
  }
  if (step !== 'crew_notice') return pending();
  const sentBy = [record.steps.crew_notice, ...before.map((o) => o.steps?.crew_notice)].map((s) => (s ? unansweredCrewWritesSentByMs(s) : undefined) ?? 0);
  const takenOverAtMs = Math.min(Math.max(0, ...sentBy), nowMs);
  return takenOverAtMs > 0 ? { ...pending(), takenOverAtMs } : pending();
}

/**
 * The latest moment a crew step may have sent a Slack write it never got an answer to: when it was
 * stopped, or failed not knowing its outcome; for one that finished after attempts that failed,
 * when its last attempt started (a done step keeps no other trace of a lost answer).
 */
function unansweredCrewWritesSentByMs(s: StepState): number | undefined {
  if (s.status === 'failed' && s.outcomeUnknown === true) return s.finishedAtMs;
  if (s.status === 'done' && (s.attempts > 1 || (s.attemptsBeforeRetry ?? 0) > 0)) return s.startedAtMs;
  return undefined;
}

/**
 * Members off the roster a cancel must still reach: the failed changes it stops (and those they
 * replaced) made the roster theirs, but a member one took off and never told "you're off" still
 * holds the call before it, Confirm and all; one a change of the run called and a later one took
 * off untold holds that call. Whose last word from the run was surely "you're off" holds none; one
 * whose DM only may have gone (a failed step could not look it up) is reached: an extra cancel note
 * is harmless, a live call for a cancelled charter is not.
 */
function offRosterCallsAtCancel(record: BookingRecord, cancelId: string): string[] {
  const ops = operationsOf(record);
  const started = ops.slice(0, ops.findIndex((o) => o.id === cancelId)).filter((o) => o.startedAtMs !== undefined && o.kind !== 'refresh');
  const run: Operation[] = [];
  for (const o of started.reverse()) {
    if (o.kind !== 'change' || (o.status !== 'stopped' && o.status !== 'superseded')) break;
    run.push(o);
  }
  if (run.length === 0) return [];
  const shown = crewShown(record, run, (o) => toldOffBy(record, o))?.roster ?? [];
  const toldOff = toldOffInRun(record, new Set(run.flatMap((o) => (o.revision !== undefined ? [o.revision] : []))));
  const onShown = (u: string) => shown.some((m) => m.slackUserId === u);
  const candidates = new Set([...(run[0]?.previous?.roster ?? []), ...shown].map((m) => m.slackUserId));
  return [...candidates].filter((u) => !record.roster.some((m) => m.slackUserId === u) && (onShown(u) || !toldOff.has(u)));
}

/**
 * Who the failed changes of a run (their revisions) told they are off: named in a finished crew
 * step's result, or saved when the step failed (SlackRefs.crewToldOff); with `maybe`, also whose DM
 * a failed step may have sent (SlackRefs.crewMaybeToldOff).
 */
function toldOffInRun(record: BookingRecord, runRevisions: ReadonlySet<number>, opts: { maybe?: boolean } = {}): Set<string> {
  return new Set(operationsOf(record).flatMap((o) => (o.revision !== undefined && runRevisions.has(o.revision) ? [...toldOffBy(record, o, opts)] : [])));
}

/** Who one change's crew step told they are off: its result's `off:` keys, or what its failure saved (with `maybe`, the maybe-told too). */
function toldOffBy(record: BookingRecord, op: Operation, opts: { maybe?: boolean } = {}): Set<string> {
  if (op.revision === undefined) return new Set();
  const saved = { ...(opts.maybe ? record.slack.crewMaybeToldOff : {}), ...record.slack.crewToldOff };
  const told = new Set(Object.entries(saved).flatMap(([u, rev]) => (rev === op.revision ? [u] : [])));
  for (const key of Object.keys(op.steps?.crew_notice?.result ?? {})) if (key.startsWith(CREW_OFF_RESULT_PREFIX)) told.add(key.slice(CREW_OFF_RESULT_PREFIX.length));
  return told;
}

/**
 * The record of who was told they are off, kept only for the run a starting change replaces (a
 * change replacing this one too reads them again): the others can matter to no later change. Dropped
 * in the write that starts the operation, which happens anyway.
 */
function withToldOffOf(slack: SlackRefs, runRevisions: ReadonlySet<number>): SlackRefs {
  if (!slack.crewToldOff && !slack.crewMaybeToldOff) return slack;
  const keptOf = (saved: Record<string, number> | undefined) => Object.entries(saved ?? {}).filter(([, rev]) => runRevisions.has(rev));
  const kept = keptOf(slack.crewToldOff);
  const keptMaybe = keptOf(slack.crewMaybeToldOff);
  const { crewToldOff: _dropped, crewMaybeToldOff: _droppedMaybe, ...rest } = slack;
  return { ...rest, ...(kept.length > 0 ? { crewToldOff: Object.fromEntries(kept) } : {}), ...(keptMaybe.length > 0 ? { crewMaybeToldOff: Object.fromEntries(keptMaybe) } : {}) };
}

/**
 * Ends the operation's run with what its steps add up to, and sets the booking state that follows:
 * the next queued operation keeps it running; a finished cancel makes it cancelled.
 */
export function finishOperation(record: BookingRecord, opId: string, outcome: 'done' | 'failed', nowMs: number): BookingRecord {
  if (!record.operations || record.operations.length === 0) {
    // Only a create has run on this booking: the state alone tells the story (as before operations).
    return { ...record, state: outcome, updatedAtMs: nowMs };
  }
  // A refresh that fails with a change approved behind it (asked while it ran) gives way to the
  // change, which renders the page in its place (pageRenderOwed), as at approveChange.
  const finishing = findOperation(record, opId);
  const waiting = outcome === 'failed' && finishing?.kind === 'refresh' ? record.operations.find((o) => o.kind === 'change' && o.status === 'queued') : undefined;
  const ended = (o: Operation): Operation => (waiting ? { ...o, status: 'superseded', finishedAtMs: nowMs, note: `replaced by ${waiting.id}` } : { ...o, status: outcome, finishedAtMs: nowMs });
  const operations = record.operations.map((o): Operation => (o.id === opId ? ended(o) : o));
  const next = { ...record, operations, updatedAtMs: nowMs };
  return { ...next, state: settledState(next) };
}

/**
 * An operation that may no longer start or resume (its charter departed, approval-policy.ts
 * runClosedAt) ends failed without running anything more: each step that could run next fails with
 * `error`, and those waiting on them stay pending ("not started"). A step left running by a process
 * that died may have had its effect: it keeps what it knew, so a cancel still undoes it. A queued
 * change has no steps yet and its details were never applied: it fails as it stands, `error`
 * as its note. The caller makes sure no step of it runs anywhere.
 */
export function failDeparted(record: BookingRecord, opId: string, error: StepError, nowMs: number): BookingRecord {
  const op = opId === CREATE_OP ? undefined : findOperation(record, opId);
  let out = op && op.status === 'queued' ? withOperation(record, { ...op, note: error.message }) : record;
  const steps = stepsOf(out, opId);
  for (const step of stepNamesOf(out, opId)) {
    const state = steps[step];
    if (!state || (state.status !== 'pending' && state.status !== 'running') || !dependenciesOf(out, opId, step).every((d) => steps[d]?.status === 'done')) continue;
    const { lease: _lease, ...kept } = state;
    out = withOpStep(out, opId, step, { ...kept, status: 'failed', finishedAtMs: nowMs, error }, nowMs);
  }
  return finishOperation(out, opId, 'failed', nowMs);
}

/** Retry: the active operation's failed steps (and what depends on them) run again. */
export function retryOperation(record: BookingRecord, opId: string, nowMs: number): BookingRecord {
  if (opId === CREATE_OP && (!record.operations || record.operations.length === 0)) return record;
  const operations = (record.operations ?? []).map((o): Operation => (o.id === opId && o.status === 'failed' ? { ...o, status: 'running' } : o));
  return { ...record, operations, updatedAtMs: nowMs };
}

/** The ids the artifacts got (from the create operation's results) — what changes and a cancel act on. */
export interface ArtifactIds {
  calendarId?: string;
  sccEventId?: string;
  guestKey?: string;
  icsKey?: string;
  crewChannel?: string;
  crewTs?: string;
}

export function artifactIds(record: BookingRecord): ArtifactIds {
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const r = record.steps;
  const out: ArtifactIds = {};
  const set = <K extends keyof ArtifactIds>(k: K, v: string | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('calendarId', str(r.calendar.result?.calendarId));
  set('sccEventId', str(r.scc_event.result?.eventId));
  set('guestKey', str(r.guest_page.result?.key));
  set('icsKey', str(r.guest_page.result?.icsKey));
  set('crewChannel', record.slack.crewChannel ?? str(r.crew_notice.result?.channel));
  set('crewTs', record.slack.crewTs ?? str(r.crew_notice.result?.ts));
  return out;
}
