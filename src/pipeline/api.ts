/**
 * What the pipeline offers the layers above it (Slack listeners, the Lambda handlers, the sandbox).
 * Implemented by BookingService (service.ts) over a BookingStore and the PipelineRunner.
 */
import type { CostBreakdown } from '../booking/costs';
import type { BookingRequest, RosterMember } from '../booking/types';
import type { BookingRecord, SlackRefs, StepError, StepName, StepResult } from './types';

export interface NewBooking {
  /** Session id from newSessionId(); becomes the booking id. */
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

export type ProgressEvent =
  | { type: 'step_started'; bookingId: string; step: StepName; attempt: number }
  | { type: 'step_done'; bookingId: string; step: StepName; result: StepResult }
  | { type: 'step_failed'; bookingId: string; step: StepName; error: StepError; willRetry: boolean }
  | { type: 'booking_done'; bookingId: string }
  | { type: 'booking_failed'; bookingId: string; failedSteps: StepName[] };

export type ProgressListener = (event: ProgressEvent, booking: BookingRecord) => void;

export interface BookingApi {
  create(booking: NewBooking): Promise<BookingRecord>;
  get(id: string): Promise<BookingRecord | undefined>;
  /**
   * pending_approval → approved, exactly one winner; the winner's call starts the pipeline (not awaited).
   * Rejects with SelfApprovalError (CHARTER_REQUIRE_SECOND_APPROVER, creator approving) or
   * ApprovalExpiredError (departure passed) and changes nothing.
   */
  approve(id: string, userId: string): Promise<TransitionOutcome>;
  /** pending_approval → cancelled. */
  cancel(id: string, userId: string): Promise<TransitionOutcome>;
  /** failed → running: re-runs failed steps and their dependents only. */
  retry(id: string, userId: string): Promise<TransitionOutcome>;
  /** Re-runs guest_page and guest_cache of a done booking (re-render + invalidate). */
  refreshGuestPage(id: string, userId: string): Promise<{ booking: BookingRecord; invalidationId?: string }>;
  /** Records a crew member's confirmation, withdrawing a decline (the caller checks they are on the roster). */
  confirmCrew(id: string, userId: string): Promise<BookingRecord>;
  /** Records a crew member's decline with an optional reason, withdrawing a confirmation. */
  declineCrew(id: string, userId: string, reason?: string): Promise<BookingRecord>;
  /** Saves where one crew-facing post lives (by recipient user id, or CREW_CHANNEL_POST_KEY). */
  saveCrewPost(id: string, key: string, ref: { channel: string; ts: string }): Promise<BookingRecord>;
  /** Saves Slack message references (approval ts, progress ts, crew post ts). */
  setSlackRefs(id: string, patch: Partial<SlackRefs>): Promise<BookingRecord>;
  /** Runs (or resumes) the pipeline of one booking to the end; resolves when it is done or failed. */
  run(id: string): Promise<BookingRecord>;
  /** Resumes every approved/running booking whose unfinished steps have expired leases. */
  resumeAll(): Promise<void>;
  onProgress(listener: ProgressListener): () => void;
  /** Resolves when all pipeline runs this process started have settled (tests, shutdown). */
  idle(): Promise<void>;
}
