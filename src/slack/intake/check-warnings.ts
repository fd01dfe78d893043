/**
 * The approval checks (approval-checks.ts) as warnings for a form already closed: a check that
 * fails (the store's listing throttled) becomes a warning saying it did not run, never a lost
 * booking or change request — what was typed is gone from the form by then.
 */
import type { SlackDeps } from '../context';
import type { ApprovalCheckInput } from './approval-checks';

export const CHECKS_NOT_RUN = 'Could not check for double bookings or a duplicate reference: look at the calendar before approving.';

export async function approvalCheckWarnings(deps: Pick<SlackDeps, 'approvalChecks' | 'log' | 'now'>, input: ApprovalCheckInput): Promise<string[]> {
  if (!deps.approvalChecks) return [];
  try {
    return await deps.approvalChecks(input, deps.now());
  } catch (err) {
    deps.log.warn({ err, bookingId: input.bookingId }, 'double-booking checks failed');
    return [CHECKS_NOT_RUN];
  }
}
