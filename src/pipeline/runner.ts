/**
 * The durable DAG runner. Each step is claimed with a lease by a compare-and-set BEFORE its
 * side effect and marked done by another AFTER it, so a process that dies anywhere leaves a record
 * a successor can resume from: a step whose lease expired is run again, and the step
 * implementation's own idempotency (deterministic keys, lookup-before-create) turns that second
 * run into a no-op outside. Independent steps run concurrently; the runner knows nothing of Slack.
 *
 * At most one write per step where the DAG allows it: the write that starts the booking also claims its
 * first steps, a step's completion claims the steps it made ready, and the last completion finishes
 * the operation. Writes start from the newest record this process holds instead of reading first;
 * a stale one is refused by the compare-and-set with the current record, so no decision is ever
 * made on a record older than the one it replaces.
 */
import { randomUUID } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { hostname } from 'node:os';
import { bindLogContext, holdBookingContext } from '../log-context';
import { EarlierWritePendingError, IntegrationError, isRetryable, mayHaveTakenEffect, refusedUnprocessed, UpstreamUnavailableError } from '../integrations/errors';
import { CREW_MAY_SEE_AMOUNTS } from '../integrations/revenue-guard-note';
import type { Logger } from '../log';
import type { ProgressEvent, ProgressListener } from './api';
import { backoffDelayMs } from './backoff';
import { LeaseWatch, ownerDeadOrLeaseOutlived } from './lease-watch';
import { BookingNotFoundError, PipelineError, StoreUnavailableError } from './errors';
import { CREATE_OP, dependenciesOf, kindOf, stepState, stepsOf } from './op-steps';
import { activeOperation, activeOperationId, failDeparted, finishOperation, settleStopping, startOperation, stepOperation } from './operations';
import {
  applyTransition,
  claimStep,
  completeStep,
  dependenciesDone,
  failedSteps,
  foreignLeaseExpiry,
  isClaimable,
  leaseExpired,
  readySteps,
  type OwnerDead,
  recordStepError,
  renewLease,
  stepsOutcome,
} from './state-machine';
import { isTransientStoreError, withStoreRetries, type StoreRetryPolicy } from './resilient-store';
import { retriedFailures, type RetriedFailures } from './retried-failures';
import { updateWithRetry, type BookingStore, type Mutation, type UpdateResult } from './store';
import { STEP_NAMES, type AnyStepName, type StepImplementations, type BookingRecord, type StepError, type StepName, type StepResult, type StepState } from './types';

export type Boundary = 'before' | 'after';

export interface RunnerOptions {
  /** Attempts per step before a transient failure becomes a failed step (default 5); 429s do not count, the step budget bounds them. */
  maxAttempts?: number;
  /** First backoff ceiling; doubles per attempt (default 250 ms). */
  baseDelayMs?: number;
  /** Backoff ceiling, and the most of a Retry-After that is honoured (default 15 s). */
  maxDelayMs?: number;
  /** How long a claim stays valid without renewal (default 15 s); renewed every leaseMs/3 while a step runs. */
  leaseMs?: number;
  /** Deadline of one step attempt (default 45 s): the attempt's AbortSignal fires and it counts as a timeout. */
  stepAttemptTimeoutMs?: number;
  /** How long a step keeps retrying transient failures, from its first attempt (default 60 s). */
  stepBudgetMs?: number;
  /** After an attempt that may have had its effect, a create waits this long before trying again (default 35 s). */
  createQuietMs?: number;
  /** Lease holders known dead (crashed processes on this host) are taken over at once. */
  ownerDead?: OwnerDead;
  /**
   * A clock that never steps (default performance.now): foreign leases and step budgets are also
   * judged by it, so a wall clock that jumps cannot hold a dead holder's steps or stretch a budget.
   */
  monotonicNow?: () => number;
  /** Store outages inside a run are retried this long (default 60 s). */
  storeRetry?: Partial<StoreRetryPolicy>;
  /** Jitter source in [0, 1) (default Math.random). */
  random?: () => number;
  /** Crash tests only: called right before and right after each step's side effect. */
  onBoundary?: (step: AnyStepName, boundary: Boundary, bookingId: string, opId: string) => void | Promise<void>;
}

export interface PipelineRunnerDeps extends RunnerOptions {
  store: BookingStore;
  steps: StepImplementations;
  log: Logger;
  /** Clock for leases and timestamps (default Date.now). */
  now?: () => number;
  /** Lease owner id; unique per process (default host-pid-random). */
  ownerId?: string;
  /**
   * Why operation `opId` may no longer start or resume now (its charter departed), else undefined.
   * A run of it already under way here finishes: only a start or a resume is refused, and the
   * operation then ends failed with this error (operations.ts failDeparted).
   */
  closedToRun?: (record: BookingRecord, opId: string, nowMs: number) => StepError | undefined;
}

type StepOutcome = 'done' | 'failed' | 'skipped';

/** Steps a write claims for this process besides its own change (filled in by its mutation). */
interface Claims {
  opId: string;
  steps: AnyStepName[];
}

/** A write asked for while another of the same booking is in flight here. */
interface QueuedWrite {
  mutate: Mutation;
  claims?: Claims;
  resolve(result: UpdateResult): void;
  reject(err: unknown): void;
}

/**
 * Why an attempt's signal fires once the attempt is over (work it left running stops). One shared
 * reason: abort() without one builds a DOMException, stack trace included, per step.
 */
const ATTEMPT_OVER = new Error('step attempt over');

/**
 * Ends an attempt's signal when something still listens to it. After a successful attempt nothing
 * usually does (undici and the AWS SDK remove their listeners when a call completes), and an
 * abort() builds and dispatches an event all the same: ~60 µs a step on a small VM (issue 18).
 */
function endAttempt(control: AbortController, reason: Error): void {
  if (getEventListeners(control.signal, 'abort').length > 0) control.abort(reason);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `{host}-{pid}-{random}`: the host and pid let a restarted process on the same host see its predecessor died. */
export function defaultOwnerId(): string {
  return `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
}

/** Which outside system a step talks to: what a timeout message names. */
const STEP_SYSTEMS: Readonly<Record<string, { code: string; name: string; retryNote?: string }>> = {
  calendar: { code: 'DASHBOARD', name: 'The dashboard' },
  calendar_update: { code: 'DASHBOARD', name: 'The dashboard' },
  calendar_delete: { code: 'DASHBOARD', name: 'The dashboard' },
  scc_event: { code: 'SCC', name: 'SCC' },
  scc_update: { code: 'SCC', name: 'SCC' },
  scc_cancel: { code: 'SCC', name: 'SCC' },
  // Nothing is created by it; what its failure costs is money left in SCC's item.
  revenue_guard: { code: 'SCC', name: "DynamoDB (SCC's events table)", retryNote: CREW_MAY_SEE_AMOUNTS },
  guest_page: { code: 'S3', name: 'S3 (the guest-page bucket)' },
  guest_cache: { code: 'CLOUDFRONT', name: 'CloudFront' },
  crew_notice: { code: 'SLACK', name: 'Slack' },
};

export class StepTimeoutError extends UpstreamUnavailableError {
  override name = 'StepTimeoutError';
  /** `failures`: what the service did before the attempt ran out ("answered 503 Service Unavailable twice"). */
  constructor(step: string, timeoutMs: number, failures?: string) {
    const system = STEP_SYSTEMS[step] ?? { code: 'STEP', name: `Step ${step}` };
    const seconds = Math.round(timeoutMs / 1000);
    const what = failures ? `${system.name} ${failures}, then did not settle within ${seconds} s` : `${system.name} did not answer within ${seconds} s`;
    super(`step ${step} did not finish within ${timeoutMs} ms${failures ? ` (${failures})` : ''}`, {
      code: `${system.code}_TIMEOUT`,
      retryable: true,
      maybeProcessed: true,
      system: system.code,
      operatorMessage: `${what} — check its health, then Retry${system.retryNote ? `; ${system.retryNote}` : ' (nothing is created twice)'}.`,
    });
  }
}

/**
 * This process could not renew its lease on a step for nearly a whole lease (cut off from the state
 * store: a partition, a store that stopped answering). Another process may take the step over as
 * soon as the lease runs out, so this attempt stops before it does anything more: two processes must
 * never be calling the same crew or creating the same entry at once.
 */
export class LeaseLapsedError extends UpstreamUnavailableError {
  override name = 'LeaseLapsedError';
  constructor(step: string, leaseMs: number) {
    super(`step ${step}: lease not renewed for ${leaseMs} ms; attempt stopped before it could lapse`, {
      code: 'PIPELINE_LEASE_LAPSED',
      retryable: true,
      maybeProcessed: true,
      system: 'pipeline',
      operatorMessage: `The bot lost touch with its state store for ${Math.round(leaseMs / 1000)} s and stopped the step so that no other process repeats it — it resumes by itself once the store answers; if it does not, check the store (CHARTER_STORE), then press Retry (nothing is done twice).`,
    });
  }
}

/** Refused with 429 before anything was done: wait as told and try again. */
function isThrottled(err: unknown): boolean {
  return err instanceof IntegrationError && err.status === 429;
}

/**
 * The state store did not answer a step's own write (a crew post's ref) for longer than the store's
 * retries: an outage with a fix, not a bug. SQLite's busy/locked codes and DynamoDB's throttling and
 * 5xx (StoreUnavailableError, transient) are told apart by type, not by message text.
 */
function storeOutage(err: unknown): StepError | undefined {
  if (!isTransientStoreError(err)) return undefined;
  const message =
    err instanceof StoreUnavailableError
      ? "The state store (the DynamoDB table in CHARTER_STORE) was throttling or unavailable for longer than its retries allow — check the table's capacity and health in the AWS console, then press Retry (nothing is done twice)."
      : 'The state store (the SQLite file in CHARTER_STORE) was locked by another process for longer than its retries allow — close whatever holds it (a backup, an open sqlite3 session, a second bot on the same file), then press Retry (nothing is done twice).';
  return { message, code: 'STORE_UNAVAILABLE', retryable: true };
}

/** SCC steps whose PATCH, once applied, leaves money in SCC's item for the revenue guard after them to remove. */
const SCC_PATCH_STEPS: ReadonlySet<AnyStepName> = new Set(['scc_update', 'scc_cancel']);

/**
 * A failed SCC PATCH that may have been applied (a timeout, a reset, a 5xx): SCC writes its whole
 * item on every PATCH, money included, and the revenue guard runs only after the step succeeds. The
 * operator is told crew may see amounts until then, as a failed revenue guard tells them.
 */
function withMoneyNote(step: AnyStepName, error: StepError, mayHaveLanded: boolean): StepError {
  if (!mayHaveLanded || !SCC_PATCH_STEPS.has(step)) return error;
  return { ...error, message: `${error.message} SCC may have applied it and written the money back into its item: ${CREW_MAY_SEE_AMOUNTS}.` };
}

/** What the operator sees for a failure: the integration's own message, else a plain bug report. */
export function toStepError(step: AnyStepName, err: unknown): StepError {
  if (err instanceof IntegrationError) return { message: err.operatorMessage, code: err.code, retryable: err.retryable };
  const outage = storeOutage(err);
  if (outage) return outage;
  if (err instanceof PipelineError) return { message: err.message, code: err.code, retryable: false };
  const detail = err instanceof Error ? err.message : String(err);
  return { message: `Unexpected error in step ${step}: ${detail}. This is a bug in charter-bot; Retry will not help until it is fixed.`, code: 'STEP_UNEXPECTED', retryable: false };
}

function resultsOf(record: BookingRecord, opId: string = CREATE_OP): Partial<Record<AnyStepName, StepResult>> {
  const out: Partial<Record<AnyStepName, StepResult>> = {};
  for (const [s, state] of Object.entries(stepsOf(record, opId)) as [AnyStepName, StepState][]) {
    if (state.status === 'done' && state.result) out[s] = state.result;
  }
  return out;
}

/** The create operation's results, done or not: the ids follow-up operations act on. */
function createdResults(record: BookingRecord): Partial<Record<StepName, StepResult>> {
  const out: Partial<Record<StepName, StepResult>> = {};
  for (const s of STEP_NAMES) {
    const result = record.steps[s].result;
    if (result) out[s] = result;
  }
  return out;
}

export class PipelineRunner {
  readonly ownerId: string;
  private readonly store: BookingStore;
  private readonly steps: PipelineRunnerDeps['steps'];
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly leaseMs: number;
  private readonly stepAttemptTimeoutMs: number;
  private readonly stepBudgetMs: number;
  private readonly createQuietMs: number;
  readonly ownerDead: OwnerDead;
  private readonly monotonicNow: () => number;
  private readonly onBoundary?: RunnerOptions['onBoundary'];
  private readonly closedToRun?: PipelineRunnerDeps['closedToRun'];
  private readonly listeners = new Set<ProgressListener>();
  /** Steps this process is executing, by `${bookingId}/${opId}/${step}`: one execution per step per process. */
  private readonly executing = new Map<string, Promise<StepOutcome>>();
  /** The newest record of each booking being run here, read or written: where the next write starts. */
  private readonly latest = new Map<string, BookingRecord>();
  /**
   * Writes of each booking waiting for this process's one write of it in flight; a booking is here
   * while that writer runs. The writer takes them all as its next write (writeBatch).
   */
  private readonly queuedWrites = new Map<string, QueuedWrite[]>();
  /** Runs of each booking under way here: `latest` is forgotten when the last one ends. */
  private readonly runsOf = new Map<string, number>();
  /**
   * When this process last wrote a claim of each step (`${bookingId}/${opId}/${step}`), on the
   * monotonic clock: the lease the attempt starts with was granted no later than that.
   */
  private readonly claimedAtMono = new Map<string, number>();

  constructor(deps: PipelineRunnerDeps) {
    this.store = withStoreRetries(deps.store, deps.log, deps.storeRetry);
    this.steps = deps.steps;
    this.log = deps.log;
    this.now = deps.now ?? Date.now;
    this.ownerId = deps.ownerId ?? defaultOwnerId();
    this.random = deps.random ?? Math.random;
    this.maxAttempts = deps.maxAttempts ?? 5;
    this.baseDelayMs = deps.baseDelayMs ?? 250;
    this.maxDelayMs = deps.maxDelayMs ?? 15_000;
    this.leaseMs = deps.leaseMs ?? 15_000;
    this.stepAttemptTimeoutMs = deps.stepAttemptTimeoutMs ?? 45_000;
    this.stepBudgetMs = deps.stepBudgetMs ?? 60_000;
    this.createQuietMs = deps.createQuietMs ?? 35_000;
    this.monotonicNow = deps.monotonicNow ?? (() => performance.now());
    // The longest lease this runner grants: one attempt's, or one held over the longest backoff
    // (Retry-After capped at maxDelayMs, plus jitter up to maxDelayMs). Processes sharing a store
    // share these settings, so no live holder's lease lasts longer.
    const longestLeaseMs = this.leaseMs + 2 * this.maxDelayMs;
    this.ownerDead = ownerDeadOrLeaseOutlived(this.ownerId, new LeaseWatch(longestLeaseMs, this.monotonicNow), deps.ownerDead);
    this.onBoundary = deps.onBoundary;
    this.closedToRun = deps.closedToRun;
  }

  onProgress(listener: ProgressListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Drives one booking to done or failed: approved → running, then every ready step, concurrently,
   * until nothing can progress. Steps leased by a live process elsewhere are waited for, not run.
   * Resolves with the final record (or the current one when the booking is not runnable).
   */
  run(bookingId: string): Promise<BookingRecord> {
    return this.tracking(bookingId, () => this.drive(bookingId));
  }

  /** Keeps the booking's newest record while `work` runs, and forgets it when the last run here ends. */
  private async tracking<T>(bookingId: string, work: () => Promise<T>): Promise<T> {
    this.runsOf.set(bookingId, (this.runsOf.get(bookingId) ?? 0) + 1);
    try {
      return await work();
    } finally {
      const left = (this.runsOf.get(bookingId) ?? 1) - 1;
      if (left > 0) this.runsOf.set(bookingId, left);
      else {
        this.runsOf.delete(bookingId);
        this.latest.delete(bookingId);
      }
    }
  }

  private async drive(bookingId: string): Promise<BookingRecord> {
    // Just approved in this process: the store already holds the record, and the start below is a
    // compare-and-set that refuses it if it is stale. Any other state is read.
    const known = this.store.newestKnown?.(bookingId);
    let record = known?.state === 'approved' ? known : await this.read(bookingId);
    // Operations this run started or resumed before their charter departed (closedToRun): it finishes them.
    const drivenHere = new Set<string>();
    if (record.state === 'approved') {
      // Starting and claiming the first steps are one write.
      const claims: Claims = { opId: CREATE_OP, steps: [] };
      let refused = false;
      const started = await this.update(
        bookingId,
        (r) => {
          claims.steps = [];
          refused = false;
          if (r.state !== 'approved') return undefined;
          const closed = this.closedToRun?.(r, CREATE_OP, this.now());
          if (closed) {
            refused = true;
            return failDeparted(r, CREATE_OP, closed, this.now());
          }
          const running = applyTransition(r, 'start', { nowMs: this.now() });
          claims.opId = activeOperationId(running);
          const out = this.claimReady(running, claims.opId, () => true);
          claims.steps = out.claimed;
          return out.record;
        },
        claims,
      );
      record = started.record;
      if (started.written && refused) this.announceFinish(record, CREATE_OP, 'failed');
      else if (started.written) drivenHere.add(CREATE_OP);
    }
    const log = this.log.child({ bookingId });
    const inflight = new Map<string, Promise<StepOutcome>>();
    while (record.state === 'running') {
      // One operation at a time, in order (operations.ts): create, then each change or the cancel.
      const active = activeOperation(record);
      const opId = active?.id ?? CREATE_OP;
      if (active?.status === 'queued') {
        let refused = false;
        const started = await this.update(bookingId, (r) => {
          refused = false;
          if (activeOperation(r)?.id !== opId || activeOperation(r)?.status !== 'queued') return undefined;
          const closed = this.closedToRun?.(r, opId, this.now());
          refused = closed !== undefined;
          return closed ? failDeparted(r, opId, closed, this.now()) : startOperation(r, opId, this.now());
        });
        record = started.record;
        if (started.written && refused) this.announceFinish(record, opId, 'failed');
        else if (started.written) {
          drivenHere.add(opId);
          log.info({ opId, kind: active.kind }, 'operation started');
        }
        continue;
      }
      if (active?.status === 'stopping') {
        // A cancel arrived: claim nothing more; once no step of this operation runs anywhere, it is stopped.
        const settled = await this.update(bookingId, (r) => settleStopping(r, opId, this.ownerId, this.now(), (step) => inflight.has(`${opId}/${step}`), this.ownerDead, this.createQuietMs));
        record = settled.record;
        if (settled.written) {
          log.info({ opId }, 'operation stopped for a cancel');
          continue;
        }
        if (inflight.size > 0) await Promise.race(inflight.values());
        else await sleep(this.stopPollMs(record, opId));
        record = await this.read(bookingId);
        continue;
      }
      if (!drivenHere.has(opId)) {
        // Started by an earlier run (a process that died, a run that ended on an error): a resume.
        const gate = await this.refuseDeparted(record, opId);
        record = gate.record;
        if (gate.refused) continue;
        if (gate.held) {
          // Departed while a step of it runs elsewhere: that run finishes; this one starts nothing.
          const expiry = foreignLeaseExpiry(record, this.ownerId, this.now(), this.ownerDead, opId);
          await sleep(expiry === undefined ? 50 : Math.max(10, Math.min(expiry - this.now() + 5, this.leaseMs)));
          record = await this.read(bookingId);
          continue;
        }
        drivenHere.add(opId);
      }
      const nowMs = this.now();
      for (const step of readySteps(record, this.ownerId, nowMs, this.ownerDead, opId)) {
        const key = `${opId}/${step}`;
        if (inflight.has(key)) continue;
        const execution = this.execute(record.id, opId, step).finally(() => inflight.delete(key));
        inflight.set(key, execution);
      }
      if (inflight.size > 0) {
        // A store outage longer than the store retry budget rejects here and ends this run; the
        // sweeper resumes the booking (its leases are ours, so at once).
        await Promise.race(inflight.values());
        // Every write of this booking's steps went through this process, so the newest record it
        // holds is the one to decide on; anyone else's write is met as a conflict at the next one.
        record = this.latest.get(bookingId) ?? (await this.read(bookingId));
        continue;
      }
      const outcome = stepsOutcome(record, opId);
      if (outcome) {
        const finished = await this.update(bookingId, (r) =>
          r.state === 'running' && activeOperationId(r) === opId && stepsOutcome(r, opId) === outcome ? this.finish(r, opId, outcome) : undefined,
        );
        record = finished.record;
        if (finished.written) this.announceFinish(record, opId, outcome);
        continue;
      }
      // Nothing ready and nothing of ours in flight: another process holds a lease. Look again when it ends.
      const expiry = foreignLeaseExpiry(record, this.ownerId, this.now(), this.ownerDead, opId);
      const waitMs = expiry === undefined ? 50 : Math.max(10, Math.min(expiry - this.now() + 5, this.leaseMs));
      log.debug({ waitMs }, 'steps leased elsewhere; waiting');
      await sleep(waitMs);
      record = await this.read(bookingId);
    }
    return record;
  }

  /**
   * A run about to resume operation `opId` ends it failed instead once its charter has departed
   * (closedToRun). `held`: departed, but a step of it still runs somewhere (a run under way before
   * the departure): that run finishes; whoever resumes it after that step is refused in turn.
   */
  private async refuseDeparted(record: BookingRecord, opId: string): Promise<{ record: BookingRecord; refused: boolean; held: boolean }> {
    if (!this.closedToRun?.(record, opId, this.now())) return { record, refused: false, held: false };
    const out = await this.update(record.id, (r) => {
      const nowMs = this.now();
      const active = activeOperation(r);
      if (r.state !== 'running' || (active?.id ?? CREATE_OP) !== opId || active?.status !== 'running') return undefined;
      const closed = this.closedToRun?.(r, opId, nowMs);
      return closed && !this.runningAnywhere(r, opId, nowMs) ? failDeparted(r, opId, closed, nowMs) : undefined;
    });
    if (out.written) this.announceFinish(out.record, opId, 'failed');
    // Not written: a step of it runs somewhere, or the record moved on; the next turn looks again.
    return { record: out.record, refused: out.written, held: !out.written };
  }

  /** A step of the operation is being run: here, or elsewhere under a live lease. */
  private runningAnywhere(record: BookingRecord, opId: string, nowMs: number): boolean {
    return Object.entries(stepsOf(record, opId)).some(
      ([step, state]) => state?.status === 'running' && (this.executing.has(`${record.id}/${opId}/${step}`) || (state.lease?.owner !== this.ownerId && !leaseExpired(state, nowMs, this.ownerDead))),
    );
  }

  /** The operation's end, told once: the log line and the progress event the write that ended it earns. */
  private announceFinish(record: BookingRecord, opId: string, outcome: 'done' | 'failed'): void {
    const bookingId = record.id;
    this.log.info({ bookingId, opId, outcome, state: record.state, failedSteps: failedSteps(record, opId) }, `operation ${outcome}`);
    if (record.state === 'done' || record.state === 'cancelled') this.emit({ type: 'booking_done', bookingId }, record);
    else if (record.state === 'failed') this.emit({ type: 'booking_failed', bookingId, failedSteps: failedSteps(record, opId) }, record);
    else this.emit({ type: 'operation_done', bookingId, opId, outcome }, record);
  }

  /**
   * Claims, in `record`, every step of `opId` that is ready, not held by anyone alive, not executing
   * here, and passes `which`: the steps the write that made them ready hands straight to this process.
   */
  private claimReady(record: BookingRecord, opId: string, which: (step: AnyStepName) => boolean): { record: BookingRecord; claimed: AnyStepName[] } {
    const nowMs = this.now();
    const claimed: AnyStepName[] = [];
    let out = record;
    for (const step of readySteps(record, this.ownerId, nowMs, this.ownerDead, opId)) {
      const state = stepsOf(out, opId)[step];
      const oursAlready = state?.status === 'running' && state.lease?.owner === this.ownerId && !leaseExpired(state, nowMs, this.ownerDead);
      if (oursAlready || !which(step) || this.executing.has(`${record.id}/${opId}/${step}`) || !this.mayClaim(out, opId, step, nowMs)) continue;
      out = claimStep(out, step, this.ownerId, nowMs, this.leaseMs, this.createQuietMs, opId);
      this.claimedAtMono.set(`${record.id}/${opId}/${step}`, this.monotonicNow());
      claimed.push(step);
    }
    return { record: out, claimed };
  }

  /** Create-only bookings keep the original transitions; bookings with operations settle through them. */
  private finish(record: BookingRecord, opId: string, outcome: 'done' | 'failed'): BookingRecord {
    if (!record.operations || record.operations.length === 0) return applyTransition(record, outcome === 'done' ? 'complete' : 'fail', { nowMs: this.now() });
    return finishOperation(record, opId, outcome, this.now());
  }

  /** How long to wait before looking at a stopping operation again: until the first foreign lease ends. */
  private stopPollMs(record: BookingRecord, opId: string): number {
    let earliest = Infinity;
    for (const state of Object.values(stepsOf(record, opId))) {
      if (state?.status === 'running' && state.lease && state.lease.owner !== this.ownerId) earliest = Math.min(earliest, state.lease.leaseExpiresAtMs);
    }
    return earliest === Infinity ? 50 : Math.max(10, Math.min(earliest - this.now() + 5, this.leaseMs));
  }

  /** `claimed`: the record of the write that already claimed the step for this process (no claim of its own). */
  private execute(bookingId: string, opId: string, step: AnyStepName, claimed?: BookingRecord): Promise<StepOutcome> {
    const key = `${bookingId}/${opId}/${step}`;
    const existing = this.executing.get(key);
    if (existing) return existing.then(() => 'skipped' as const);
    // The booking's store calls while it runs (its claim, its result) say which step waited should the store not answer.
    const release = holdBookingContext(bookingId, { step, ...(opId === CREATE_OP ? {} : { opId }) });
    const run = this.runStep(bookingId, opId, step, claimed).finally(() => {
      release();
      this.executing.delete(key);
    });
    this.executing.set(key, run);
    return run;
  }

  private mayClaim(record: BookingRecord, opId: string, step: AnyStepName, nowMs: number): boolean {
    const state = stepsOf(record, opId)[step];
    if (!state) return false;
    // Only the active operation's steps, and none of an operation a cancel is stopping.
    const active = activeOperation(record);
    if ((active?.id ?? CREATE_OP) !== opId || (active && active.status !== 'running')) return false;
    return record.state === 'running' && dependenciesDone(record, step, opId) && isClaimable(state, this.ownerId, nowMs, this.ownerDead);
  }

  private async runStep(bookingId: string, opId: string, step: AnyStepName, preclaimed?: BookingRecord): Promise<StepOutcome> {
    const log = this.log.child({ bookingId, step, ...(opId === CREATE_OP ? {} : { opId }) });
    let handedOver = preclaimed;
    // When this process began attempting the step, by the clock that never steps: the budget holds
    // here even if the wall clock (which the persisted firstAttemptAtMs is on) jumps back.
    let firstAttemptHere: number | undefined;
    for (;;) {
      // Claim (or re-claim for the next attempt) before any side effect, unless the write that made
      // the step ready already claimed it for this process.
      const claimed: UpdateResult = handedOver
        ? { record: handedOver, written: true }
        : await this.update(bookingId, (r) => {
            const nowMs = this.now();
            if (!this.mayClaim(r, opId, step, nowMs)) return undefined;
            this.claimedAtMono.set(`${bookingId}/${opId}/${step}`, this.monotonicNow());
            return claimStep(r, step, this.ownerId, nowMs, this.leaseMs, this.createQuietMs, opId);
          });
      handedOver = undefined;
      if (!claimed.written) return 'skipped';
      const booking = claimed.record;
      const state = stepState(booking, opId, step);
      const attempt = state.attempts;
      const previous = state.result;
      log.debug({ attempt }, 'step started');
      this.emit({ type: 'step_started', bookingId, step, attempt, opId }, booking);

      let result: StepResult;
      const attemptStartedHere = this.monotonicNow();
      const claimKey = `${bookingId}/${opId}/${step}`;
      const leaseFrom = this.claimedAtMono.get(claimKey) ?? attemptStartedHere;
      this.claimedAtMono.delete(claimKey);
      const attemptControl = new AbortController();
      const failures = retriedFailures(log, attempt);
      bindLogContext(attemptControl.signal, { bookingId, step, ...(opId === CREATE_OP ? {} : { opId }), attempt }, (err, call) => failures.note(err, call));
      const stopHeartbeat = this.heartbeat(bookingId, opId, step, log, attemptControl, leaseFrom);
      try {
        const implementation = this.implementationOf(booking, opId, step);
        const operation = stepOperation(booking, opId);
        await this.onBoundary?.(step, 'before', bookingId, opId);
        const ctx = {
          booking,
          results: resultsOf(booking, opId),
          ...(previous ? { previous } : {}),
          attempt,
          // Only what an earlier attempt may really have done (an ambiguous failure, a takeover, a
          // Retry): an attempt after one refused before sending is no reason to say "may have been
          // created". Steps still look up before creating on every attempt after the first.
          outcomeUnknown: state.outcomeUnknown === true,
          ...(state.retriedAfterRefusal === true ? { retriedAfterRefusal: true } : {}),
          ...(state.quietUntilMs !== undefined ? { quietUntilMs: state.quietUntilMs } : {}),
          ...(state.takenOverAtMs !== undefined ? { takenOverAtMs: state.takenOverAtMs } : {}),
          // {bookingId}:{step}:{revision}: a follow-up operation's revision, so each change is its own key.
          idempotencyKey: `${booking.id}:${step}:${opId === CREATE_OP ? (booking.revision ?? 1) : operation.revision}`,
          signal: attemptControl.signal,
          // Real time, as the attempt's timer (withDeadline) and the steps' waits are, whatever this.now says.
          attemptEndsAtMs: Date.now() + this.stepAttemptTimeoutMs,
          log,
          ...(opId === CREATE_OP ? {} : { operation, created: createdResults(booking) }),
        };
        result = await this.withDeadline(step, attemptControl, implementation(ctx), failures);
        await this.onBoundary?.(step, 'after', bookingId, opId);
      } catch (err) {
        stopHeartbeat();
        attemptControl.abort(ATTEMPT_OVER);
        const error = withMoneyNote(step, toStepError(step, err), err instanceof IntegrationError && mayHaveTakenEffect(err));
        const retryAfterMs = err instanceof IntegrationError ? err.retryAfterMs : undefined;
        // A 429 is back-pressure, not a failure: the request was refused before it did anything. A
        // burst of approvals meets Slack's per-channel limit on every crew post, so such attempts
        // do not use up the attempt limit; the step's time budget still ends the wait.
        const throttled = isThrottled(err);
        const countedAttempts = attempt - (state.throttled ?? 0) - (throttled ? 1 : 0);
        // Ended unsent to wait out an earlier write: back once that wait is over (not capped at the
        // backoff's ceiling, which would spend the attempts long before it), only the budget bounds it.
        const waiting = err instanceof EarlierWritePendingError;
        const proposedDelayMs = waiting ? (retryAfterMs ?? 0) + this.baseDelayMs : backoffDelayMs(Math.max(1, countedAttempts), { baseDelayMs: this.baseDelayMs, maxDelayMs: this.maxDelayMs }, this.random, retryAfterMs);
        const firstAt = state.firstAttemptAtMs ?? state.startedAtMs ?? this.now();
        firstAttemptHere ??= attemptStartedHere;
        const withinBudget = this.now() + proposedDelayMs - firstAt < this.stepBudgetMs && this.monotonicNow() + proposedDelayMs - firstAttemptHere < this.stepBudgetMs;
        // A store outage inside the step is retried like an outside system's: the next attempt looks up what this one did.
        const willRetry = (isRetryable(err) || isTransientStoreError(err)) && (throttled || waiting || countedAttempts < this.maxAttempts) && withinBudget;
        const delayMs = willRetry ? proposedDelayMs : 0;
        const uncertain = mayHaveTakenEffect(err) ? { quietUntilMs: this.now() + this.createQuietMs } : undefined;
        // Kept with the error so a Retry can tell a run refused before anything was processed (resetSteps).
        const recorded: StepError = { ...error, maybeProcessed: !refusedUnprocessed(err) };
        log.warn({ err, attempt, willRetry, delayMs, code: error.code }, 'step failed');
        const written = await this.update(bookingId, (r) => {
          const current = stepsOf(r, opId)[step];
          if (current?.lease?.owner !== this.ownerId || current.status !== 'running') return undefined;
          const nowMs = this.now();
          if (willRetry) return recordStepError(r, step, recorded, nowMs, { final: false, owner: this.ownerId, leaseExpiresAtMs: nowMs + delayMs + this.leaseMs, throttled }, uncertain, opId);
          return recordStepError(r, step, recorded, nowMs, { final: true, throttled }, uncertain, opId);
        });
        this.emit({ type: 'step_failed', bookingId, step, error, willRetry, opId }, written.record);
        if (!willRetry) return stepsOf(written.record, opId)[step]?.status === 'done' ? 'done' : 'failed';
        await sleep(delayMs);
        continue;
      }
      stopHeartbeat();
      endAttempt(attemptControl, ATTEMPT_OVER);
      // The completion also claims the steps it makes ready and, if it was the last, ends the operation.
      const next: Claims = { opId, steps: [] };
      let finished = false;
      const done = await this.update(
        bookingId,
        (r) => {
          next.steps = [];
          finished = false;
          if (stepsOf(r, opId)[step]?.status === 'done') return undefined;
          const completed = completeStep(r, step, result, this.now(), opId);
          const active = activeOperation(r);
          if (r.state === 'running' && active?.id === opId && active.status === 'running' && stepsOutcome(completed, opId) === 'done') {
            finished = true;
            return this.finish(completed, opId, 'done');
          }
          const out = this.claimReady(completed, opId, (s) => this.dependsOn(completed, opId, s, step));
          next.steps = out.claimed;
          return out.record;
        },
        next,
      );
      log.info({ attempt, result, durationMs: this.now() - (state.startedAtMs ?? this.now()) }, 'step done');
      this.emit({ type: 'step_done', bookingId, step, result, opId }, done.record);
      if (done.written && finished) this.announceFinish(done.record, opId, 'done');
      return 'done';
    }
  }

  /** The step's implementation; a follow-up step this process was not given fails its operation plainly. */
  private implementationOf(record: BookingRecord, opId: string, step: AnyStepName) {
    const implementation = this.steps[step];
    if (implementation) return implementation;
    return () => {
      throw new PipelineError(`No implementation of step ${step} (operation ${kindOf(record, opId)}) is wired in this process.`, 'PIPELINE_STEP_MISSING', { bookingId: record.id });
    };
  }

  /**
   * The step attempt's deadline: the attempt's signal fires and the attempt fails as a timeout
   * (retryable). Work the implementation does not stop is abandoned; its effect, if any, is found
   * by the next attempt's lookup.
   */
  private withDeadline<T>(step: AnyStepName, control: AbortController, work: Promise<T>, failures?: RetriedFailures): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // A fenced attempt (its lease about to lapse) ends now, not when the work notices its signal.
      const onAbort = () => {
        if (control.signal.reason instanceof LeaseLapsedError) reject(control.signal.reason);
      };
      control.signal.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(() => {
        const err = new StepTimeoutError(step, this.stepAttemptTimeoutMs, failures?.summary());
        control.abort(err);
        reject(err);
      }, this.stepAttemptTimeoutMs);
      const settle = () => {
        clearTimeout(timer);
        control.signal.removeEventListener('abort', onAbort);
      };
      work.then(
        (value) => {
          settle();
          resolve(value);
        },
        (err: unknown) => {
          settle();
          reject(err);
        },
      );
    });
  }

  /**
   * Keeps the lease alive while a slow side effect runs, so no other process takes the step. If the
   * lease turns out lost (another process took the step), the attempt is aborted.
   *
   * Self-fencing: a process cut off from the store never reads that it lost the lease — its
   * renewals just fail — while another process takes the step over once the lease runs out. So the
   * attempt is also aborted when the last lease this process managed to write is about to run out
   * (a tenth of a lease before, on the monotonic clock, counted from when that write was sent).
   * Renewals are counted from the claim's own write and come every third of a lease on a healthy
   * store, sooner on a slow one: a store that answers each call within about a quarter of a lease
   * (~4 s of 15) never fences a healthy run, even when a renewal waits behind a step's own write.
   * Steps check their signal before every side effect.
   */
  private heartbeat(bookingId: string, opId: string, step: AnyStepName, log: Logger, control: AbortController, leaseFromMono: number): () => void {
    const every = Math.max(10, Math.floor(this.leaseMs / 3));
    const soonest = Math.max(10, Math.floor(this.leaseMs / 10));
    // Before the lease's end by enough for another host's clock running ahead by ~1 s (15 s lease)
    // and for the abort to reach the step; no more, so a slow store's renewal still lands in time.
    const marginMs = Math.floor(this.leaseMs / 10);
    let fenceAtMono = leaseFromMono + this.leaseMs - marginMs;
    // The slowest write seen lately (the claim's to begin with): a slow store is renewed earlier.
    let rttMs = Math.max(0, this.monotonicNow() - leaseFromMono);
    let lastLandedSentMono = leaseFromMono;
    let failedLast = false;
    let stopped = false;
    let fence: ReturnType<typeof setTimeout> | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const armFence = () => {
      clearTimeout(fence);
      fence = setTimeout(checkFence, Math.max(0, Math.ceil(fenceAtMono - this.monotonicNow())));
      fence.unref();
    };
    const checkFence = () => {
      if (stopped || control.signal.aborted) return;
      if (this.monotonicNow() < fenceAtMono) return armFence();
      log.warn({ leaseMs: this.leaseMs, storeWriteMs: Math.round(rttMs) }, 'lease could not be renewed and is about to lapse; stopping this attempt before another process takes the step');
      control.abort(new LeaseLapsedError(step, this.leaseMs));
    };
    armFence();
    let renewing: Promise<unknown> = Promise.resolve();
    /**
     * Every third of a lease on a healthy store (no more writes than before); on a slow one, early
     * enough that a renewal as slow as the slowest seen, waiting once behind a step's own write,
     * still lands before the fence. One renewal at a time, counted from the last one that landed.
     */
    const schedule = () => {
      if (stopped || control.signal.aborted) return;
      const lead = Math.max(soonest, Math.min(every, this.leaseMs - marginMs - 2 * rttMs));
      const dueIn = Math.max(failedLast ? soonest : 0, lastLandedSentMono + lead - this.monotonicNow());
      timer = setTimeout(renew, dueIn);
      timer.unref();
    };
    const renew = () => {
      let sentAtMono = this.monotonicNow();
      renewing = this.update(bookingId, (r) => {
        const state = stepsOf(r, opId)[step];
        if (state?.status !== 'running' || state.lease?.owner !== this.ownerId) return undefined;
        sentAtMono = this.monotonicNow();
        return renewLease(r, step, this.ownerId, this.now() + this.leaseMs, this.now(), opId);
      })
        .then((out) => {
          const tookMs = this.monotonicNow() - sentAtMono;
          rttMs = Math.max(rttMs / 2, tookMs);
          failedLast = false;
          const state = stepsOf(out.record, opId)[step];
          // A renewal landing after the attempt ended (its signal is not always aborted) arms nothing.
          if (out.written && !stopped && !control.signal.aborted) {
            lastLandedSentMono = sentAtMono;
            fenceAtMono = Math.max(fenceAtMono, sentAtMono + this.leaseMs - marginMs);
            armFence();
          }
          if (!out.written && state?.status === 'running' && state.lease?.owner !== this.ownerId) {
            log.warn({ holder: state.lease?.owner }, 'lease lost to another process; abandoning this attempt');
            control.abort(new Error('lease lost'));
          }
        })
        .catch((err: unknown) => {
          failedLast = true;
          log.warn({ err }, 'lease renewal failed');
        })
        .finally(schedule);
    };
    schedule();
    return () => {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(fence);
      void renewing;
    };
  }

  private async read(bookingId: string): Promise<BookingRecord> {
    const record = await this.store.get(bookingId);
    if (!record) throw new BookingNotFoundError(bookingId);
    this.observe(record);
    return record;
  }

  /**
   * A write of a booking's record besides the steps' own (where a crew post or the progress message
   * lives): it joins this process's writes of the booking (group commit), so the crew posts that
   * land together are saved in one write, not in a race of compare-and-sets with each other and
   * with the step completions. Each caller still learns whether its own mutation was written.
   */
  write(bookingId: string, mutate: Mutation): Promise<UpdateResult> {
    return this.update(bookingId, mutate);
  }

  /**
   * A compare-and-set that starts from the newest record this process holds. Steps the written
   * mutation claimed (`claims`, filled by the mutation) start executing in the same turn the write
   * is taken in, before the record is shared: nothing here can see them claimed and not executing.
   *
   * One write of a booking at a time from this process, each starting from the one before it, so
   * steps finishing together do not lose compare-and-sets to each other. Writes asked for while one
   * is in flight go out together as the next (group commit): steps that finish while the store
   * answers cost one write between them, and none waits longer than it would in line.
   */
  private update(bookingId: string, mutate: Mutation, claims?: Claims): Promise<UpdateResult> {
    return new Promise<UpdateResult>((resolve, reject) => {
      const write: QueuedWrite = { mutate, ...(claims ? { claims } : {}), resolve, reject };
      const queued = this.queuedWrites.get(bookingId);
      if (queued) {
        queued.push(write);
        return;
      }
      this.queuedWrites.set(bookingId, [write]);
      void this.writeQueued(bookingId);
    });
  }

  /** The writer of one booking: takes everything queued as one write until nothing is. */
  private async writeQueued(bookingId: string): Promise<void> {
    // Writes asked for in the same turn as the first join it.
    await Promise.resolve();
    for (;;) {
      const batch = this.queuedWrites.get(bookingId) ?? [];
      if (batch.length === 0) {
        this.queuedWrites.delete(bookingId);
        return;
      }
      this.queuedWrites.set(bookingId, []);
      // Whatever goes wrong, every caller hears and the writer goes on: a writer that stopped would
      // leave every later write of the booking queued for ever. (Settling a promise twice is a no-op.)
      await this.writeBatch(bookingId, batch).catch((err: unknown) => batch.forEach((write) => write.reject(err)));
    }
  }

  /**
   * The batch's mutations applied in order, each to the record the one before it made, and written
   * once. A mutation that declines or throws is left out; the rest still go. Each caller learns
   * whether its own mutation was written.
   */
  private async writeBatch(bookingId: string, batch: readonly QueuedWrite[]): Promise<void> {
    const applied: boolean[] = [];
    const thrown = new Map<number, unknown>();
    const mutate: Mutation = (record) => {
      thrown.clear();
      let out: BookingRecord | undefined;
      batch.forEach((write, i) => {
        applied[i] = false;
        try {
          const next = write.mutate(out ?? record);
          if (next !== undefined) {
            out = next;
            applied[i] = true;
          }
        } catch (err) {
          thrown.set(i, err);
        }
      });
      return out;
    };
    // The store may know a newer one: written here outside the runner (a step saving a Slack ref).
    // A write that fails rejects every caller in the batch (writeQueued).
    const held = this.latest.get(bookingId);
    const current = this.store.newestKnown?.(bookingId, held?.version) ?? held;
    const out = await updateWithRetry(this.store, bookingId, mutate, current ? { current } : {});
    batch.forEach((write, i) => {
      if (!out.written || !applied[i] || !write.claims) return;
      for (const step of write.claims.steps) {
        // The run loop joins this execution (and sees its error); this only keeps it from going unhandled.
        this.execute(bookingId, write.claims.opId, step, out.record).catch((err: unknown) => this.log.warn({ err, bookingId, step }, 'step ended on an error; the sweeper resumes the booking'));
      }
    });
    this.observe(out.record);
    batch.forEach((write, i) => {
      if (thrown.has(i)) write.reject(thrown.get(i));
      else write.resolve({ record: out.record, written: out.written && applied[i] === true });
    });
  }

  /** Remembers `record` if it is newer than what this process holds, while a run of it is under way here. */
  private observe(record: BookingRecord): void {
    if (!this.runsOf.has(record.id)) return;
    const held = this.latest.get(record.id);
    if (!held || held.version < record.version) this.latest.set(record.id, record);
  }

  private dependsOn(record: BookingRecord, opId: string, step: AnyStepName, on: AnyStepName): boolean {
    return dependenciesOf(record, opId, step).includes(on);
  }

  private emit(event: ProgressEvent, record: BookingRecord): void {
    for (const listener of this.listeners) {
      try {
        listener(event, record);
      } catch (err) {
        this.log.error({ err, event: event.type }, 'progress listener threw');
      }
    }
  }
}
