/**
 * Errors of the integration layer. The runner decides retry-or-fail from `retryable`, never from
 * message text; `operatorMessage` is what the Slack thread shows next to the failed step, with the fix.
 */
export interface IntegrationErrorOptions {
  code: string;
  retryable: boolean;
  operatorMessage: string;
  system: string;
  status?: number;
  /** Server-suggested wait (Retry-After), in ms. */
  retryAfterMs?: number;
  cause?: unknown;
}

export class IntegrationError extends Error {
  override name = 'IntegrationError';
  readonly code: string;
  readonly retryable: boolean;
  readonly operatorMessage: string;
  readonly system: string;
  readonly status?: number;
  readonly retryAfterMs?: number;

  constructor(message: string, options: IntegrationErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.retryable = options.retryable;
    this.operatorMessage = options.operatorMessage;
    this.system = options.system;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * A step ended its attempt before sending anything: an earlier write that got no answer may still
 * land for longer than the attempt had left (retryAfterMs). Nothing was sent, so no new quiet time;
 * the runner tries again once that wait is over, however long, within the step's budget.
 */
export class EarlierWritePendingError extends IntegrationError {
  override name = 'EarlierWritePendingError';
}

/** Anything thrown by a step that is not an IntegrationError is treated as a bug: not retryable. */
export function isRetryable(err: unknown): boolean {
  return err instanceof IntegrationError ? err.retryable : false;
}

/** 401/403 from an outside system: a credential is wrong; retrying cannot help until it is fixed. */
export class UpstreamAuthError extends IntegrationError {
  override name = 'UpstreamAuthError';
}

/**
 * The system could not answer usefully right now (5xx, 429, timeout, reset, refused). Retryable.
 * `maybeProcessed`: the request may have taken effect before the failure (a 5xx or a reset after
 * sending), so a create must look up by externalId before trying again.
 */
export class UpstreamUnavailableError extends IntegrationError {
  override name = 'UpstreamUnavailableError';
  readonly maybeProcessed: boolean;
  constructor(message: string, options: IntegrationErrorOptions & { maybeProcessed: boolean }) {
    super(message, options);
    this.maybeProcessed = options.maybeProcessed;
  }
}

/**
 * The call may have had its side effect: anything but a clear refusal before the request was
 * processed. The runner keeps the step quiet after such a failure; the crew step counts a
 * you're-off DM in flight as sent.
 */
export function mayHaveTakenEffect(err: unknown): boolean {
  if (err instanceof UpstreamUnavailableError) return err.maybeProcessed;
  return !(err instanceof IntegrationError);
}

/** Any other 4xx: the request itself is wrong (a bug or a contract change). Not retryable. */
export class UpstreamRejectedError extends IntegrationError {
  override name = 'UpstreamRejectedError';
}

/** A 2xx whose body does not match the assumed contract. Not retryable. */
export class UpstreamContractError extends IntegrationError {
  override name = 'UpstreamContractError';
}

/**
 * Refused before it could do anything: never sent (connection refused, unknown host), throttled
 * (429), or answered with a refusal (401/403, a 4xx other than 409, which an upstream may answer for
 * a request it already has). Narrower than !mayHaveTakenEffect: a 2xx whose body broke the contract
 * was processed all the same. Only such a failure lets a Retry tell the operator nothing was created.
 */
export function refusedUnprocessed(err: unknown): boolean {
  if (err instanceof UpstreamUnavailableError) return !err.maybeProcessed;
  if (err instanceof UpstreamAuthError) return true;
  return err instanceof UpstreamRejectedError && err.status !== undefined && err.status >= 400 && err.status < 500 && err.status !== 409;
}

/** An iCal feed could not be read this tick (unreachable, non-2xx, not iCalendar). The watcher retries next tick. */
export class IcalFeedError extends IntegrationError {
  override name = 'IcalFeedError';
}
