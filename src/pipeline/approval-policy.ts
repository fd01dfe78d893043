/**
 * Who may approve what, and until when — pure rules over plain values, so the booking approval
 * (BookingService.approve), a change request's approval (the lifecycle operations) and the Slack
 * listeners all ask the same question and get the same answer. No clock, no store: callers pass
 * `nowMs` and the creator's id.
 */
import { charterSchedule, humanInstant } from '../booking/time';
import type { BookingRequest } from '../booking/types';
import { ApprovalExpiredError, SelfApprovalError } from './errors';
import { CREATE_OP, findOperation } from './op-steps';
import { activeOperationId, operationsOf } from './operations';
import type { BookingRecord, Operation, StepError } from './types';

export interface ApprovalPolicy {
  /** CHARTER_REQUIRE_SECOND_APPROVER. */
  requireSecondApprover: boolean;
  /** Operator time zone (CHARTER_TIMEZONE): the request's date and time are local to it. */
  timezone: string;
  /** Minutes guests check in before departure (CHARTER_CHECKIN_LEAD_MINUTES). */
  checkInLeadMinutes: number;
}

export type ApprovalRefusal = { kind: 'self_approval'; creatorId: string } | { kind: 'expired'; departureAtMs: number };

/** How long before check-in a still-pending approval is posted again in the ops channel. */
export const RESURFACE_BEFORE_CHECK_IN_MS = 24 * 60 * 60 * 1000;

/** Departure and check-in instants (ms) of a request, read in the operator's zone. NaN for an impossible local time. */
export function charterInstants(request: Pick<BookingRequest, 'date' | 'departureTime' | 'durationHours'>, policy: Pick<ApprovalPolicy, 'timezone' | 'checkInLeadMinutes'>): { departureAtMs: number; checkInAtMs: number } {
  const s = charterSchedule(request, policy.timezone, policy.checkInLeadMinutes);
  return { departureAtMs: s.departure.toMillis(), checkInAtMs: s.checkIn.toMillis() };
}

/** Self-approval only matters when the operator asked for a second pair of eyes. */
export function isSelfApprovalRefused(policy: Pick<ApprovalPolicy, 'requireSecondApprover'>, creatorId: string, approverId: string): boolean {
  return policy.requireSecondApprover && creatorId === approverId;
}

/** A departure at or before now can no longer be approved. */
export function isExpired(departureAtMs: number, nowMs: number): boolean {
  return !(departureAtMs > nowMs);
}

/**
 * A request that expired unapproved: still pending once its departure passed (the approval watch
 * marks it so, and the service refuses the approval anyway). It booked nothing and holds nothing:
 * its message tells the office to make a new request if the charter is rescheduled, so nothing
 * that looks bookings up (duplicate reference, double bookings, the iCal watcher) may treat it as
 * that charter.
 */
export function isExpiredRequest(record: Pick<BookingRecord, 'state' | 'request' | 'approvalNotices'>, policy: Pick<ApprovalPolicy, 'timezone'>, nowMs: number): boolean {
  if (record.state !== 'pending_approval') return false;
  if (record.approvalNotices?.expiredAtMs !== undefined) return true;
  // The departure does not depend on the check-in lead: read with none.
  return isExpired(charterInstants(record.request, { timezone: policy.timezone, checkInLeadMinutes: 0 }).departureAtMs, nowMs);
}

/**
 * Why `approverId` may not approve something created by `creatorId` departing at `departureAtMs`,
 * or undefined when they may. Expiry wins: an expired request is closed for everyone.
 */
export function approvalRefusal(input: { policy: ApprovalPolicy; creatorId: string; approverId: string; departureAtMs: number; nowMs: number }): ApprovalRefusal | undefined {
  if (isExpired(input.departureAtMs, input.nowMs)) return { kind: 'expired', departureAtMs: input.departureAtMs };
  if (isSelfApprovalRefused(input.policy, input.creatorId, input.approverId)) return { kind: 'self_approval', creatorId: input.creatorId };
  return undefined;
}

/** The typed error for a refusal (what the service throws and the listeners branch on). */
export function refusalError(bookingId: string, refusal: ApprovalRefusal): SelfApprovalError | ApprovalExpiredError {
  return refusal.kind === 'expired' ? new ApprovalExpiredError(bookingId, refusal.departureAtMs) : new SelfApprovalError(bookingId, refusal.creatorId);
}

/** Throws the refusal's typed error, if any: a one-liner inside a compare-and-set mutation. */
export function assertMayApprove(bookingId: string, input: Parameters<typeof approvalRefusal>[0]): void {
  const refusal = approvalRefusal(input);
  if (refusal) throw refusalError(bookingId, refusal);
}

/**
 * The departure (ms) that closes operation `opId` to starting or resuming, once it has passed:
 * a create would make the artifacts of a trip that is over and call its crew, and so would a
 * change whose charter (as the change leaves it) has left. A reschedule to a later day still goes.
 * A cancel is how a past trip's artifacts are undone and a guest page refresh only re-renders:
 * both run whenever asked (undefined).
 */
export function runClosedAt(booking: BookingRecord, opId: string, policy: Pick<ApprovalPolicy, 'timezone' | 'checkInLeadMinutes'>, nowMs: number): number | undefined {
  const op = opId === CREATE_OP ? waitingChange(booking) : findOperation(booking, opId);
  if (opId !== CREATE_OP && op?.kind !== 'change') return undefined;
  const { departureAtMs } = charterInstants(op?.details?.request ?? booking.request, policy);
  return isExpired(departureAtMs, nowMs) ? departureAtMs : undefined;
}

/** The approved change waiting behind the create: the charter the create's run sets up is the one it leaves (a reschedule to a later day). */
function waitingChange(booking: BookingRecord): Operation | undefined {
  return operationsOf(booking).filter((o) => o.kind === 'change' && o.status === 'queued' && o.details).at(-1);
}

/** Code of the step error an operation refused at departure carries (runClosedAt). */
export const DEPARTED_CODE = 'PIPELINE_DEPARTED';

/**
 * What the runner records when operation `opId` may no longer start or resume (runClosedAt), with
 * the departure in the operator's zone; undefined while it may.
 */
export function departedRunError(booking: BookingRecord, opId: string, policy: Pick<ApprovalPolicy, 'timezone' | 'checkInLeadMinutes'>, nowMs: number): StepError | undefined {
  const closedAt = runClosedAt(booking, opId, policy, nowMs);
  if (closedAt === undefined) return undefined;
  return { message: `Departed ${humanInstant(closedAt, policy.timezone)} before this ran: Retry is closed`, code: DEPARTED_CODE, retryable: false };
}

/**
 * Retry of a failed create or change closes at its departure, by the rule that closes the run
 * itself (runClosedAt): it would make or update the artifacts of a trip that is over and call its
 * crew, which approving the same change now is refused for too. A failed cancel stays retryable
 * (a cancel is how a past trip's artifacts are undone), and so does a guest page refresh. The
 * departure (ms) once closed, else undefined.
 */
export function retryClosedAt(booking: BookingRecord, policy: Pick<ApprovalPolicy, 'timezone' | 'checkInLeadMinutes'>, nowMs: number): number | undefined {
  return runClosedAt(booking, activeOperationId(booking), policy, nowMs);
}

/**
 * A pending approval is due to be re-surfaced from 24 h before check-in until departure, if it was
 * already in the channel when that window opened. One requested inside the window (tonight, for
 * tomorrow morning) was just posted: posting it again a minute later is noise, as a crew reminder
 * would be for a call made inside its window.
 */
export function isResurfaceDue(instants: { departureAtMs: number; checkInAtMs: number }, createdAtMs: number, nowMs: number): boolean {
  const opensAtMs = instants.checkInAtMs - RESURFACE_BEFORE_CHECK_IN_MS;
  return createdAtMs < opensAtMs && nowMs >= opensAtMs && !isExpired(instants.departureAtMs, nowMs);
}
