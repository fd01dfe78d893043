/**
 * Errors of the pipeline and its stores. Callers branch on the class or `code`, never on text.
 */
import type { BookingRecord, BookingState } from './types';

export class PipelineError extends Error {
  override name = 'PipelineError';
  readonly code: string;
  readonly bookingId?: string;

  constructor(message: string, code: string, options: { bookingId?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.bookingId = options.bookingId;
  }
}

/** A transition the state machine forbids (e.g. approving a cancelled booking). */
export class IllegalTransitionError extends PipelineError {
  override name = 'IllegalTransitionError';
  readonly from: BookingState;
  readonly action: string;

  constructor(bookingId: string, from: BookingState, action: string) {
    super(`Booking ${bookingId} cannot be ${action} while ${from}`, 'PIPELINE_ILLEGAL_TRANSITION', { bookingId });
    this.from = from;
    this.action = action;
  }
}

/** A compare-and-set lost: someone wrote the record since it was read. `current` is what they wrote. */
export class VersionConflictError extends PipelineError {
  override name = 'VersionConflictError';
  readonly expectedVersion: number;
  readonly current: BookingRecord;

  constructor(current: BookingRecord, expectedVersion: number) {
    super(
      `Booking ${current.id} is at version ${current.version}, not ${expectedVersion}`,
      'PIPELINE_VERSION_CONFLICT',
      { bookingId: current.id },
    );
    this.expectedVersion = expectedVersion;
    this.current = current;
  }
}

export class BookingNotFoundError extends PipelineError {
  override name = 'BookingNotFoundError';

  constructor(bookingId: string) {
    super(`Booking ${bookingId} does not exist`, 'PIPELINE_BOOKING_NOT_FOUND', { bookingId });
  }
}

export class BookingExistsError extends PipelineError {
  override name = 'BookingExistsError';

  constructor(bookingId: string) {
    super(`Booking ${bookingId} already exists`, 'PIPELINE_BOOKING_EXISTS', { bookingId });
  }
}

/**
 * The store is unreachable or misconfigured (table missing, file unwritable). `transient`: an
 * outage worth waiting out (5xx, throttling, a locked file) rather than a setting to fix.
 */
export class StoreUnavailableError extends PipelineError {
  override name = 'StoreUnavailableError';
  readonly transient: boolean;

  constructor(message: string, cause?: unknown, options: { transient?: boolean } = {}) {
    super(message, 'PIPELINE_STORE_UNAVAILABLE', { cause });
    this.transient = options.transient ?? false;
  }
}

/** A CAS loop that kept losing: a sign of a hot record or a bug, not something to spin on forever. */
export class ContentionError extends PipelineError {
  override name = 'ContentionError';

  constructor(bookingId: string, attempts: number) {
    super(`Booking ${bookingId}: gave up after ${attempts} conflicting writes`, 'PIPELINE_CONTENTION', { bookingId });
  }
}

/** CHARTER_REQUIRE_SECOND_APPROVER: the person who created the booking (or change) tried to approve it. */
export class SelfApprovalError extends PipelineError {
  override name = 'SelfApprovalError';
  readonly creatorId: string;

  constructor(bookingId: string, creatorId: string) {
    super(`Booking ${bookingId} needs an approver other than its creator ${creatorId}`, 'PIPELINE_SELF_APPROVAL', { bookingId });
    this.creatorId = creatorId;
  }
}

/** The charter's departure has passed: approving it now would book a trip in the past. */
export class ApprovalExpiredError extends PipelineError {
  override name = 'ApprovalExpiredError';
  readonly departureAtMs: number;

  constructor(bookingId: string, departureAtMs: number) {
    // A departure that is no real instant (a wall time the clocks skip, from a record the form never
    // checked) is refused as expired; saying so must not throw a RangeError in its place.
    const why = Number.isFinite(departureAtMs) ? `its departure (${new Date(departureAtMs).toISOString()}) has passed` : 'its departure is not a real time';
    super(`Booking ${bookingId} expired: ${why}`, 'PIPELINE_APPROVAL_EXPIRED', { bookingId });
    this.departureAtMs = departureAtMs;
  }
}

/**
 * Retry of a booking whose departure has passed: it would create the calendar entry, the SCC event
 * and the guest page of a trip that is over, or apply a change to it, and call its crew. A cancel
 * may still be retried. `failed`: what Retry would have re-run.
 */
export class RetryAfterDepartureError extends PipelineError {
  override name = 'RetryAfterDepartureError';
  readonly departureAtMs: number;
  readonly failed: 'create' | 'change';

  constructor(bookingId: string, departureAtMs: number, failed: 'create' | 'change' = 'create') {
    super(`Booking ${bookingId} cannot be retried: its departure (${new Date(departureAtMs).toISOString()}) has passed`, 'PIPELINE_RETRY_AFTER_DEPARTURE', { bookingId });
    this.departureAtMs = departureAtMs;
    this.failed = failed;
  }
}

/** A change request that is not there, or already approved, rejected or replaced. */
export class OperationDecidedError extends PipelineError {
  override name = 'OperationDecidedError';
  readonly opId: string;
  /** The operation's status, or 'missing'. */
  readonly status: string;
  readonly byUserId?: string;

  constructor(bookingId: string, opId: string, status: string, byUserId?: string) {
    super(`Booking ${bookingId}: change ${opId} is ${status}`, 'PIPELINE_OPERATION_DECIDED', { bookingId });
    this.opId = opId;
    this.status = status;
    if (byUserId !== undefined) this.byUserId = byUserId;
  }
}
