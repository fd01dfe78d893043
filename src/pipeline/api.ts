/**
 * What the pipeline offers the layers above it (Slack listeners, the Lambda handlers, the sandbox).
 * Implemented by BookingService (service.ts) over a BookingStore and the PipelineRunner.
 */
import type { CostBreakdown } from '../booking/costs';
import type { BookingRequest, RosterMember } from '../booking/types';
import type { AnyStepName, BookingDetails, BookingRecord, CrewPostSaved, Operation, SlackRefs, StepError, StepResult } from './types';

export interface NewBooking {
  /** Session id (sessionIdFor() of the modal's view id, or newSessionId()); becomes the booking id. */
  id: string;
  request: BookingRequest;
  roster: RosterMember[];
  costs: CostBreakdown;
  createdBy: string;
  slack: SlackRefs;
  /** Intake warnings shown on the approval message (duplicate reference, double bookings). */
  warnings?: string[];
}

/** Outcome of a conditional transition that several people/processes may race for. */
export type TransitionOutcome =
  | { won: true; booking: BookingRecord }
  /** Someone else got there first (or the state forbids it); `booking` is the current record. */
  | { won: false; booking: BookingRecord; reason: 'already_done' | 'not_allowed'; byUserId?: string };

/** Outcome of approving or rejecting a change request. */
export type ChangeOutcome =
  | { won: true; booking: BookingRecord }
  /** `status`: the change's status (approved → queued/running/done, rejected, superseded, missing) or the booking state forbidding it. */
  | { won: false; booking: BookingRecord; status: string; byUserId?: string };

/** What came of asking for a guest page refresh. */
export interface RefreshOutcome {
  /** queued: a new refresh; joined: one under way already (op says who asked); retried: the one that failed runs again. */
  outcome: 'queued' | 'joined' | 'retried';
  booking: BookingRecord;
  /** The refresh operation. */
  op: Operation;
  /** Where this process runs pipelines (not on Lambda): the record once the refresh has ended. */
  finished?: Promise<BookingRecord>;
  /**
   * Asked while a change runs: that change, which the refresh waits behind (no `finished`: the asker
   * is answered at once). The refresh's `coveredBy` names it when it clears the page's cache after the ask.
   */
  after?: Operation;
}

export type ProgressEvent =
  | { type: 'step_started'; bookingId: string; step: AnyStepName; attempt: number; opId?: string }
  | { type: 'step_done'; bookingId: string; step: AnyStepName; result: StepResult; opId?: string }
  | { type: 'step_failed'; bookingId: string; step: AnyStepName; error: StepError; willRetry: boolean; opId?: string }
  /** An operation finished and another one follows (a change queued behind the create). */
  | { type: 'operation_done'; bookingId: string; opId: string; outcome: 'done' | 'failed' }
  /** The booking's work is over: done, or cancelled after its cancel ran. */
  | { type: 'booking_done'; bookingId: string }
  | { type: 'booking_failed'; bookingId: string; failedSteps: AnyStepName[] };

/**
 * The call a crew answer was given on: written only while the member is on the roster and their
 * call is still at `callRevision` (a change may have started since the click was checked).
 */
export interface AnsweredCall {
  callRevision?: number;
}

export type ProgressListener = (event: ProgressEvent, booking: BookingRecord) => void;

export interface BookingApi {
  create(booking: NewBooking): Promise<BookingRecord>;
  get(id: string): Promise<BookingRecord | undefined>;
  /**
   * pending_approval → approved, exactly one winner; the winner's call starts the pipeline (not awaited).
   * Rejects with SelfApprovalError (CHARTER_REQUIRE_SECOND_APPROVER, creator approving) or
   * ApprovalExpiredError (departure passed) and changes nothing. `progressClaimOwner`: the winning
   * write also claims the progress message for that owner, who posts it next (no write of its own).
   */
  approve(id: string, userId: string, opts?: { progressClaimOwner?: string }): Promise<TransitionOutcome>;
  /**
   * pending_approval → cancelled; later (approved, running, failed, done) stops what runs and starts
   * the cancel operation. `onlyIfPending`: the write itself requires pending_approval (a click on
   * the approval message, whose dialog says nothing has been booked), else it loses as not_allowed.
   */
  cancel(id: string, userId: string, opts?: { onlyIfPending?: boolean }): Promise<TransitionOutcome>;
  /** Proposes a change of an approved booking (anyone); it waits for approveChange. */
  proposeChange(id: string, proposal: { details: BookingDetails; label: string; userId: string; warnings?: readonly string[] }): Promise<{ booking: BookingRecord; op: Operation }>;
  approveChange(id: string, opId: string, userId: string): Promise<ChangeOutcome>;
  rejectChange(id: string, opId: string, userId: string): Promise<ChangeOutcome>;
  setChangeRequestTs(id: string, opId: string, ts: string): Promise<BookingRecord>;
  /**
   * failed → running: re-runs failed steps and their dependents only. Rejects with
   * RetryAfterDepartureError, changing nothing, when what failed is the create or a change and the
   * charter (as it leaves it) has departed (a failed cancel may still be retried).
   */
  retry(id: string, userId: string): Promise<TransitionOutcome>;
  /**
   * Asks for a guest page refresh of a done booking (re-render + upload, then invalidate) as an
   * operation the pipeline runs, or of one running a change, after that change. Rejects with
   * IllegalTransitionError when the booking is neither done nor running a change (nor a refresh).
   */
  requestRefresh(id: string, userId: string): Promise<RefreshOutcome>;
  /** Records a crew member's confirmation, withdrawing a decline (the caller checks they are on the roster). */
  confirmCrew(id: string, userId: string, on?: AnsweredCall): Promise<BookingRecord>;
  /** Records a crew member's decline with an optional reason, withdrawing a confirmation. */
  declineCrew(id: string, userId: string, reason?: string, on?: AnsweredCall): Promise<BookingRecord>;
  /** Saves where one crew-facing post lives (by recipient user id, or CREW_CHANNEL_POST_KEY). */
  saveCrewPost(id: string, key: string, ref: CrewPostSaved): Promise<BookingRecord>;
  /** Saves Slack message references (approval ts, progress ts, crew post ts). */
  setSlackRefs(id: string, patch: Partial<SlackRefs>): Promise<BookingRecord>;
  /** A compare-and-set of the Slack references: `mutate` returns the new ones, or undefined to write nothing. */
  updateSlackRefs(id: string, mutate: (slack: SlackRefs) => SlackRefs | undefined): Promise<{ written: boolean; booking: BookingRecord }>;
  /** Runs (or resumes) the pipeline of one booking to the end; resolves when it is done or failed. */
  run(id: string): Promise<BookingRecord>;
  /** Resumes every approved/running booking whose unfinished steps have expired leases. */
  resumeAll(): Promise<void>;
  onProgress(listener: ProgressListener): () => void;
  /** Resolves when all pipeline runs this process started have settled (tests, shutdown). */
  idle(): Promise<void>;
}
