/** Shared by the message shortcut and `/charter refresh ID`: approvers only, returns the reply text. */
import { StepFailedError } from '../pipeline/errors';
import { guestUrl, isApprover, type SlackDeps } from './context';

export async function refreshGuestPage(deps: SlackDeps, bookingId: string, userId: string): Promise<string> {
  if (!isApprover(deps.config, userId)) return 'Only approvers can refresh a guest page.';
  const booking = await deps.api.get(bookingId);
  if (!booking) return `No booking \`${bookingId}\`.`;
  if (booking.state !== 'done') return `Booking \`${bookingId}\` is *${booking.state.replace('_', ' ')}*; a guest page can be refreshed once the booking is done.`;
  try {
    const out = await deps.api.refreshGuestPage(bookingId, userId);
    deps.progress.notify(bookingId);
    return `Guest page re-rendered and its cache cleared${out.invalidationId ? ` (invalidation \`${out.invalidationId}\`)` : ''}: ${guestUrl(deps.config, bookingId)}`;
  } catch (err) {
    deps.log.child({ bookingId }).warn({ err }, 'guest page refresh failed');
    // A step's failure carries the operator's message in its StepError (the fix, not the stack).
    const message = err instanceof StepFailedError ? err.stepError.message : (err as { operatorMessage?: string }).operatorMessage;
    return `Refresh failed${message ? `: ${message.replace(/\.$/, '')}` : '; see the logs'}.`;
  }
}
