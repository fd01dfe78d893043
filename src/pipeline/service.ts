/**
 * BookingService: the BookingApi the Slack layer and the Lambda handlers call. Every decision
 * (approve, cancel, retry, confirm) is one compare-and-set through updateWithRetry, so racing
 * clicks in any number of processes resolve to one winner and the rest are told who won.
 */
import type { Logger } from '../log';
import type { AnsweredCall, BookingApi, ChangeOutcome, NewBooking, ProgressListener, RefreshOutcome, TransitionOutcome } from './api';
import { retryDetail, withLastAuditDetail } from './audit-detail';
import { assertMayApprove, charterInstants, departedRunError, isExpired, isSelfApprovalRefused, retryClosedAt, type ApprovalPolicy } from './approval-policy';
import { ApprovalExpiredError, IllegalTransitionError, OperationDecidedError, RetryAfterDepartureError, SelfApprovalError } from './errors';
import { activeOperationId, answersCurrentCall, approveChange, cancelOperation, LIFECYCLE_STATES, proposeChange, rejectChange, requestCancel, requestRefresh, retryOperation, UNDER_WAY, type ChangeProposal, type RefreshRequest } from './operations';
import { CREATE_OP } from './op-steps';
import { withStoreRetries } from './resilient-store';
import { RunQueue } from './run-queue';
import { PipelineRunner, type RunnerOptions } from './runner';
import {
  appendAudit,
  applyTransition,
  canTransition,
  isStalled,
  lastActor,
  newBookingRecord,
  resetSteps,
  stepsToRetry,
  type BookingAction,
} from './state-machine';
import { updateWithRetry, type BookingStore } from './store';
import type { AuditAction, BookingRecord, CrewPostSaved, Operation, ReminderState, SlackRefs, StepImplementations } from './types';

export interface BookingServiceOptions extends RunnerOptions {
  store: BookingStore;
  steps: StepImplementations;
  log: Logger;
  now?: () => number;
  ownerId?: string;
  /** Start the pipeline in the background after approve/retry (default true; false on Lambda, where the table stream starts runs). */
  autoRun?: boolean;
  /** Pipeline runs driven at once (default 8); more wait in a FIFO queue so Slack acks are answered first. */
  maxConcurrentRuns?: number;
  /**
   * Second approver and expiry (approval-policy.ts), enforced here so a replayed or retried request
   * is refused as well as a click. Absent (runner-only tests), only the state machine decides.
   */
  approvalPolicy?: ApprovalPolicy;
}

/** The answer is still to the member's call as it stands: they are on the roster, and no change has replaced the call answered. */
function answersCall(r: BookingRecord, userId: string, on: AnsweredCall): boolean {
  if (!r.roster.some((m) => m.slackUserId === userId)) return false;
  return answersCurrentCall(r, userId, on.callRevision);
}

export class BookingService implements BookingApi {
  readonly runner: PipelineRunner;
  private readonly store: BookingStore;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly autoRun: boolean;
  private readonly approvalPolicy?: ApprovalPolicy;
  /** Runs this process started (queued or running), by booking id: one per booking, and what idle() awaits. */
  private readonly runs = new Map<string, Promise<BookingRecord>>();
  private readonly queue: RunQueue;
  /** Bookings whose run must start again when the current one ends (an operation queued during it). */
  private readonly runAgain = new Set<string>();

  constructor(options: BookingServiceOptions) {
    this.store = withStoreRetries(options.store, options.log, options.storeRetry);
    this.log = options.log;
    this.now = options.now ?? Date.now;
    this.autoRun = options.autoRun ?? true;
    this.approvalPolicy = options.approvalPolicy;
    this.queue = new RunQueue(options.maxConcurrentRuns ?? 8);
    const policy = options.approvalPolicy;
    // The sweeper, a Lambda stream record or a queued change must not set up or call the crew of a
    // trip that has left, any more than a Retry may.
    const closedToRun = policy ? (r: BookingRecord, opId: string, nowMs: number) => departedRunError(r, opId, policy, nowMs) : undefined;
    this.runner = new PipelineRunner({ ...options, store: this.store, now: this.now, ...(closedToRun ? { closedToRun } : {}) });
  }

  async create(booking: NewBooking): Promise<BookingRecord> {
    const record = newBookingRecord(booking, this.now());
    await this.store.create(record);
    this.log.child({ bookingId: record.id }).info({ createdBy: record.createdBy }, 'booking created');
    return record;
  }

  get(id: string): Promise<BookingRecord | undefined> {
    return this.store.get(id);
  }

  /** SelfApprovalError / ApprovalExpiredError when the approval policy refuses (the record is unchanged). */
  async approve(id: string, userId: string, opts: { progressClaimOwner?: string } = {}): Promise<TransitionOutcome> {
    const outcome = await this.transition(id, userId, 'approve', (r) => {
      const nowMs = this.now();
      if (this.approvalPolicy) assertMayApprove(id, { policy: this.approvalPolicy, creatorId: r.createdBy, approverId: userId, departureAtMs: charterInstants(r.request, this.approvalPolicy).departureAtMs, nowMs });
      const approved = applyTransition(r, 'approve', { userId, nowMs });
      const owner = opts.progressClaimOwner;
      return owner && !approved.slack.progressTs ? { ...approved, slack: { ...approved.slack, progressClaim: { owner, atMs: nowMs } } } : approved;
    });
    if (outcome.won && this.autoRun) this.startRun(id);
    return outcome;
  }

  /**
   * Before approval: closes the request. After it (approved, running, failed, done): stops what runs
   * and starts the cancel operation that undoes what was made. One winner across clicks and retries.
   */
  async cancel(id: string, userId: string, opts: { onlyIfPending?: boolean } = {}): Promise<TransitionOutcome> {
    const out = await updateWithRetry(this.store, id, (r) => {
      // Checked in the compare-and-set, not by a read before it: an Approve may land in between.
      if (opts.onlyIfPending && r.state !== 'pending_approval') return undefined;
      if (canTransition(r.state, 'cancel')) return applyTransition(r, 'cancel', { userId, nowMs: this.now() });
      if (LIFECYCLE_STATES.includes(r.state) && !cancelOperation(r)) return requestCancel(r, userId, this.now());
      return undefined;
    });
    const log = this.log.child({ bookingId: id });
    if (out.written) {
      log.info({ userId, state: out.record.state }, 'booking cancel');
      if (out.record.state === 'running' && this.autoRun) void this.startRun(id, { again: true });
      return { won: true, booking: out.record };
    }
    const by = lastActor(out.record, 'cancelled');
    const already = out.record.state === 'cancelled' || cancelOperation(out.record) !== undefined;
    log.info({ userId, state: out.record.state, by }, 'booking cancel lost');
    return { won: false, booking: out.record, reason: already ? 'already_done' : 'not_allowed', ...(by !== undefined ? { byUserId: by } : {}) };
  }

  async retry(id: string, userId: string): Promise<TransitionOutcome> {
    // The audit entry keeps what failed (attempts, error): the reset below clears it from the steps.
    const outcome = await this.transition(id, userId, 'retry', (r) => {
      const nowMs = this.now();
      const opId = activeOperationId(r);
      const closedAt = this.approvalPolicy ? retryClosedAt(r, this.approvalPolicy, nowMs) : undefined;
      if (closedAt !== undefined) throw new RetryAfterDepartureError(id, closedAt, opId === CREATE_OP ? 'create' : 'change');
      const retried = withLastAuditDetail(applyTransition(r, 'retry', { userId, nowMs }), retryDetail(r));
      return resetSteps(retryOperation(retried, opId, nowMs), stepsToRetry(r, opId), nowMs, opId);
    });
    if (outcome.won && this.autoRun) this.startRun(id);
    return outcome;
  }

  /** Anyone may propose a change; it waits as `proposed` for an approver. */
  async proposeChange(id: string, proposal: Omit<ChangeProposal, 'nowMs'>): Promise<{ booking: BookingRecord; op: Operation }> {
    let op: Operation | undefined;
    const out = await updateWithRetry(this.store, id, (r) => {
      const proposed = proposeChange(r, { ...proposal, nowMs: this.now() });
      op = proposed.op;
      return proposed.record;
    });
    if (!op) throw new Error('unreachable: a proposal always writes');
    this.log.child({ bookingId: id }).info({ opId: op.id, userId: proposal.userId, label: proposal.label }, 'change proposed');
    return { booking: out.record, op };
  }

  /** An approver approves a proposed change: it runs after whatever runs now. One winner. */
  async approveChange(id: string, opId: string, userId: string): Promise<ChangeOutcome> {
    return this.decideChange(id, opId, userId, 'approve');
  }

  async rejectChange(id: string, opId: string, userId: string): Promise<ChangeOutcome> {
    return this.decideChange(id, opId, userId, 'reject');
  }

  /** Records the Slack message of a change request (its buttons), so the decision can update it. */
  async setChangeRequestTs(id: string, opId: string, ts: string): Promise<BookingRecord> {
    const out = await updateWithRetry(this.store, id, (r) => {
      const ops = r.operations ?? [];
      if (!ops.some((o) => o.id === opId && o.requestTs !== ts)) return undefined;
      return { ...r, operations: ops.map((o) => (o.id === opId ? { ...o, requestTs: ts } : o)) };
    });
    return out.record;
  }

  /**
   * A change whose charter (as the change leaves it) has departed is not applied: it would PATCH
   * SCC and call crew to a trip that is over. A reschedule to a later day still goes.
   */
  private assertChangeNotPast(record: BookingRecord, opId: string): void {
    const op = record.operations?.find((o) => o.id === opId);
    if (!this.approvalPolicy || op?.status !== 'proposed' || !op.details) return;
    const { departureAtMs } = charterInstants(op.details.request, this.approvalPolicy);
    if (isExpired(departureAtMs, this.now())) throw new ApprovalExpiredError(record.id, departureAtMs);
  }

  /** CHARTER_REQUIRE_SECOND_APPROVER: whoever asked for a change does not approve it (a Reject stays theirs to make). */
  private assertNotOwnChange(record: BookingRecord, opId: string, userId: string): void {
    const op = record.operations?.find((o) => o.id === opId);
    if (this.approvalPolicy && op?.status === 'proposed' && isSelfApprovalRefused(this.approvalPolicy, op.requestedBy, userId)) throw new SelfApprovalError(record.id, op.requestedBy);
  }

  private async decideChange(id: string, opId: string, userId: string, decision: 'approve' | 'reject'): Promise<ChangeOutcome> {
    const log = this.log.child({ bookingId: id, opId });
    try {
      const out = await updateWithRetry(this.store, id, (r) => {
        if (decision === 'reject') return rejectChange(r, opId, userId, this.now());
        this.assertChangeNotPast(r, opId);
        this.assertNotOwnChange(r, opId, userId);
        return approveChange(r, opId, userId, this.now());
      });
      log.info({ userId, decision, state: out.record.state }, 'change decided');
      if (decision === 'approve' && out.record.state === 'running' && this.autoRun) void this.startRun(id, { again: true });
      return { won: true, booking: out.record };
    } catch (err) {
      if (err instanceof OperationDecidedError || err instanceof IllegalTransitionError) {
        const booking = await this.store.get(id);
        if (!booking) throw err;
        const status = err instanceof OperationDecidedError ? err.status : booking.state;
        const byUserId = err instanceof OperationDecidedError ? err.byUserId : undefined;
        log.info({ userId, decision, status }, 'change decision lost');
        return { won: false, booking, status, ...(byUserId !== undefined ? { byUserId } : {}) };
      }
      throw err;
    }
  }

  /**
   * Records an approver's guest page refresh (operations.ts requestRefresh) and, where this process
   * runs pipelines, starts it: `finished` then settles once the refresh has ended. On Lambda there is
   * none: the write (state `running`) is what the table's stream hands to the pipeline function.
   * Neither is there one for a refresh queued behind a change (`after`): the asker is answered at
   * once rather than after the change, and the run under way takes it up when the change ends.
   * Refused with IllegalTransitionError when the booking is neither done, refreshing nor changing.
   */
  async requestRefresh(id: string, userId: string): Promise<RefreshOutcome> {
    let request: RefreshRequest | undefined;
    const out = await updateWithRetry(this.store, id, (r) => {
      request = requestRefresh(r, userId, this.now());
      return request.record;
    });
    if (!request) throw new Error('unreachable: a refresh request always decides');
    const { outcome, op, after } = request;
    this.log.child({ bookingId: id }).info({ userId, outcome, opId: op.id, after: after?.id, coveredBy: op.coveredBy, version: out.record.version }, 'guest page refresh');
    if (after) {
      // The run may be ending the change just as this was written: it runs once more to take it up.
      if (this.autoRun && out.written) void this.startRun(id, { again: true });
      return { outcome, booking: out.record, op, after };
    }
    const finished = this.autoRun ? this.operationFinished(id, op.id) : undefined;
    // The asker awaits it; this only keeps a store outage mid-run from going unhandled (the sweeper resumes it).
    finished?.catch((err: unknown) => this.log.child({ bookingId: id }).warn({ err }, 'guest page refresh run stopped with an error'));
    return { outcome, booking: out.record, op, ...(finished ? { finished } : {}) };
  }

  /** Runs the booking here until operation `opId` has ended (a run started just before may end first). */
  private async operationFinished(id: string, opId: string): Promise<BookingRecord> {
    for (;;) {
      const record = await this.startRun(id, { again: true });
      const status = record.operations?.find((o) => o.id === opId)?.status;
      if (status === undefined || !UNDER_WAY.includes(status) || record.state !== 'running') return record;
    }
  }

  /** Records a crew member's Confirm; a Decline they gave earlier is withdrawn (answers may change until departure). */
  async confirmCrew(id: string, userId: string, on: AnsweredCall = {}): Promise<BookingRecord> {
    const out = await updateWithRetry(this.store, id, (r) => {
      if (!answersCall(r, userId, on)) return undefined;
      if (r.confirmations[userId] !== undefined && r.declines?.[userId] === undefined) return undefined;
      const nowMs = this.now();
      const { [userId]: _withdrawn, ...declines } = r.declines ?? {};
      return appendAudit({ ...r, confirmations: { ...r.confirmations, [userId]: nowMs }, declines, updatedAtMs: nowMs }, 'confirmed', userId, nowMs);
    });
    return out.record;
  }

  /** Records a crew member's Decline (with their optional reason, kept in the audit too); withdraws a Confirm. */
  async declineCrew(id: string, userId: string, reason?: string, on: AnsweredCall = {}): Promise<BookingRecord> {
    const out = await updateWithRetry(this.store, id, (r) => {
      if (!answersCall(r, userId, on)) return undefined;
      const previous = r.declines?.[userId];
      if (previous && previous.reason === reason && r.confirmations[userId] === undefined) return undefined;
      const nowMs = this.now();
      const { [userId]: _withdrawn, ...confirmations } = r.confirmations;
      const decline = { atMs: nowMs, ...(reason ? { reason } : {}) };
      return appendAudit({ ...r, confirmations, declines: { ...r.declines, [userId]: decline }, updatedAtMs: nowMs }, 'declined', userId, nowMs, reason);
    });
    return out.record;
  }

  /** Saves where one crew-facing post lives (a DM or the crew channel post), in the runner's group commit. */
  async saveCrewPost(id: string, key: string, ref: CrewPostSaved): Promise<BookingRecord> {
    const out = await this.runner.write(id, (r) => {
      const existing = r.slack.crewPosts?.[key];
      if (existing?.channel === ref.channel && existing.ts === ref.ts && existing.shown === ref.shown) return undefined;
      return { ...r, slack: { ...r.slack, crewPosts: { ...r.slack.crewPosts, [key]: ref } }, updatedAtMs: this.now() };
    });
    return out.record;
  }

  /**
   * Claims reminder `key` of a booking for `owner` (compare-and-set): true only for the one caller
   * that may send it now. A claim not marked sent within `leaseMs` (its process died) can be taken over.
   * So can one that reads further away than `leaseMs`: a clock that ran fast stamped it (or ours
   * stepped back since), and waiting it out would hold the reminder for as long as the clocks
   * disagree. The reminder is looked up in Slack before it is sent, so taking it over never doubles it.
   */
  async claimReminder(id: string, key: string, owner: string, leaseMs: number): Promise<{ claimed: boolean; booking: BookingRecord }> {
    const nowMs = this.now();
    const out = await updateWithRetry(this.store, id, (r) => {
      const state = r.reminders?.[key];
      if (r.state === 'cancelled' || cancelOperation(r) || state?.sentAtMs !== undefined) return undefined;
      if (state?.claimExpiresAtMs !== undefined && state.claimExpiresAtMs > nowMs && state.claimExpiresAtMs - nowMs <= leaseMs) return undefined;
      return { ...r, reminders: { ...r.reminders, [key]: { claimedBy: owner, claimExpiresAtMs: nowMs + leaseMs } }, updatedAtMs: nowMs };
    });
    return { claimed: out.written, booking: out.record };
  }

  /** Marks a claimed reminder sent (and audits it), so no process sends it again. */
  async markReminderSent(id: string, key: string, owner: string, undelivered?: string, post?: ReminderState['post']): Promise<BookingRecord> {
    const out = await updateWithRetry(this.store, id, (r) => {
      const state = r.reminders?.[key];
      if (state?.sentAtMs !== undefined) return undefined;
      const nowMs = this.now();
      const settled = { ...state, claimedBy: owner, sentAtMs: nowMs, ...(undelivered ? { undelivered } : {}), ...(post ? { post } : {}) };
      return appendAudit({ ...r, reminders: { ...r.reminders, [key]: settled }, updatedAtMs: nowMs }, 'reminded', 'system', nowMs, undelivered ? `${key} (not delivered: ${undelivered})` : key);
    });
    return out.record;
  }

  /**
   * Drops reminder `key` of a booking (a claim, or a mark of something sent) so it may happen
   * again: a member reactivated in Slack is no longer flagged. written: this call dropped it.
   */
  async dropReminder(id: string, key: string): Promise<{ written: boolean; booking: BookingRecord; dropped?: ReminderState }> {
    let dropped: ReminderState | undefined;
    const out = await updateWithRetry(this.store, id, (r) => {
      dropped = r.reminders?.[key];
      if (!dropped) return undefined;
      const { [key]: _gone, ...rest } = r.reminders ?? {};
      return { ...r, reminders: rest, updatedAtMs: this.now() };
    });
    return { written: out.written, booking: out.record, ...(out.written && dropped ? { dropped } : {}) };
  }

  async setSlackRefs(id: string, patch: Partial<SlackRefs>): Promise<BookingRecord> {
    const out = await this.runner.write(id, (r) => {
      const slack = { ...r.slack, ...patch };
      if (JSON.stringify(slack) === JSON.stringify(r.slack)) return undefined;
      return { ...r, slack, updatedAtMs: this.now() };
    });
    return out.record;
  }

  async updateSlackRefs(id: string, mutate: (slack: SlackRefs) => SlackRefs | undefined): Promise<{ written: boolean; booking: BookingRecord }> {
    const out = await this.runner.write(id, (r) => {
      const slack = mutate(r.slack);
      return slack ? { ...r, slack, updatedAtMs: this.now() } : undefined;
    });
    return { written: out.written, booking: out.record };
  }

  /**
   * Marks the progress message drawn from `drawn`, only if that is still the stored version: a
   * change since means the message is behind again. One compare-and-set of the record as drawn,
   * made alone rather than joined to the runner's writes of the booking (its group commit): a change
   * written in the same write would be marked as drawn without having been. updatedAtMs, the time
   * of the booking's last change, is left alone. The mark clears any failed draw recorded before.
   *
   * A draw that lands after a newer one was drawn and marked (two instances, the older update
   * answered late) may have put the older record over the newer in Slack, and its own mark is
   * declined: the newer mark is then taken back, with the same compare-and-set, so the minute tick
   * redraws once. Slack does not say which update took effect last; one redraw too many is the cost.
   * Returns what it wrote: `marked`, `unmarked` (a newer mark taken back), or `none`.
   */
  async markProgressDrawn(drawn: BookingRecord): Promise<'marked' | 'unmarked' | 'none'> {
    let outcome: 'marked' | 'unmarked' | 'none' = 'none';
    // From the record drawn, without a read: a conflict returns the stored one, and decides on it.
    const out = await updateWithRetry(
      this.store,
      drawn.id,
      (r) => {
        if (r.version === drawn.version) {
          outcome = 'marked';
          const { progressUndrawn: _cleared, ...slack } = r.slack;
          return { ...r, slack: { ...slack, progressDrawn: drawn.version } };
        }
        const marked = r.slack.progressDrawn;
        // Marked up to date from a record newer than the one just drawn over it.
        if (r.version > drawn.version && marked !== undefined && marked === r.version - 1 && marked > drawn.version) {
          outcome = 'unmarked';
          const { progressDrawn: _taken, ...slack } = r.slack;
          return { ...r, slack };
        }
        outcome = 'none';
        return undefined;
      },
      { current: drawn },
    );
    return out.written ? outcome : 'none';
  }

  /**
   * Records that a finished booking's progress message could not be drawn (see
   * SlackRefs.progressUndrawn): refused by Slack until someone acts, or a tick's redraw that failed.
   * Alone and with updatedAtMs left alone, like the mark; not written over a record whose message a
   * later draw has shown (marked up to date). Returns what is recorded, or undefined.
   */
  async recordProgressUndrawn(id: string, failure: { code: string; refused: boolean }): Promise<NonNullable<SlackRefs['progressUndrawn']> | undefined> {
    let recorded: SlackRefs['progressUndrawn'];
    const out = await updateWithRetry(this.store, id, (r) => {
      if (r.slack.progressDrawn !== undefined && r.slack.progressDrawn === r.version - 1) return undefined;
      const before = r.slack.progressUndrawn;
      recorded = { atMs: this.now(), code: failure.code, refused: failure.refused, ticks: (before?.ticks ?? 0) + (failure.refused ? 0 : 1) };
      return { ...r, slack: { ...r.slack, progressUndrawn: recorded } };
    });
    return out.written ? recorded : undefined;
  }

  run(id: string): Promise<BookingRecord> {
    return this.startRun(id);
  }

  /**
   * The sweeper: resumes every active booking nobody is driving — its run ended on an error, its
   * process crashed (lease expired, or its holder is known dead), or its approval's process died
   * before starting it. Bookings this process already runs or queues, and bookings whose steps a
   * live process holds, are left alone. Runs every few seconds in every process (PeriodicScheduler).
   */
  async resumeAll(): Promise<void> {
    const active = await this.store.listActive();
    const nowMs = this.now();
    const stalled = active.filter((r) => !this.runs.has(r.id) && isStalled(r, this.runner.ownerId, nowMs, this.runner.ownerDead));
    if (stalled.length > 0) this.log.info({ count: stalled.length, ids: stalled.map((r) => r.id) }, 'resuming stalled bookings');
    for (const record of stalled) this.startRun(record.id);
  }

  onProgress(listener: ProgressListener): () => void {
    return this.runner.onProgress(listener);
  }

  async idle(): Promise<void> {
    while (this.runs.size > 0) await Promise.allSettled([...this.runs.values()]);
  }

  /**
   * One run per booking per process; a second request joins the first. Runs wait for a slot in the
   * queue. Failures are logged, never unhandled; the sweeper picks the booking up again.
   */
  private startRun(id: string, opts: { again?: boolean } = {}): Promise<BookingRecord> {
    const existing = this.runs.get(id);
    if (existing) {
      // A change or cancel written while this process's run may be about to end: run once more after it.
      if (opts.again) this.runAgain.add(id);
      return existing;
    }
    const log = this.log.child({ bookingId: id });
    const run = this.queue.run(() => this.runner.run(id)).finally(() => {
      this.runs.delete(id);
      if (this.runAgain.delete(id)) void this.startRun(id);
    });
    run.catch((err: unknown) => log.error({ err }, 'pipeline run stopped with an error'));
    this.runs.set(id, run);
    return run;
  }

  /**
   * A conditional transition. The loser learns why: the booking already moved past this
   * transition (and who moved it), or its state forbids it (e.g. approving a cancelled booking).
   */
  private async transition(id: string, userId: string, action: BookingAction, apply: (r: BookingRecord) => BookingRecord): Promise<TransitionOutcome> {
    const out = await updateWithRetry(this.store, id, (r) => (canTransition(r.state, action) ? apply(r) : undefined));
    const log = this.log.child({ bookingId: id });
    if (out.written) {
      log.info({ userId, action, state: out.record.state }, 'booking transition');
      return { won: true, booking: out.record };
    }
    const booking = out.record;
    const winner = alreadyDoneBy(booking, action);
    log.info({ userId, action, state: booking.state, winner }, 'booking transition lost');
    if (winner !== undefined) return { won: false, booking, reason: 'already_done', byUserId: winner };
    const blocker = booking.state === 'cancelled' ? lastActor(booking, 'cancelled') : undefined;
    return blocker === undefined ? { won: false, booking, reason: 'not_allowed' } : { won: false, booking, reason: 'not_allowed', byUserId: blocker };
  }
}

/** The audit action that shows `action` already happened, and the states that follow it. */
const DONE_WHEN: Partial<Record<BookingAction, { audit: AuditAction; states: readonly BookingRecord['state'][] }>> = {
  approve: { audit: 'approved', states: ['approved', 'running', 'done', 'failed'] },
  cancel: { audit: 'cancelled', states: ['cancelled'] },
  retry: { audit: 'retried', states: ['running', 'done'] },
};

function alreadyDoneBy(record: BookingRecord, action: BookingAction): string | undefined {
  const rule = DONE_WHEN[action];
  if (!rule || !rule.states.includes(record.state)) return undefined;
  return lastActor(record, rule.audit);
}
