/**
 * Shared by the message shortcut and `/charter refresh ID`: approvers only, returns the reply text.
 * The refresh is written as an operation and run by whatever runs operations: on Lambda the
 * pipeline function (the Slack function answers at once, and the progress message in the booking's
 * thread shows the outcome), on a server this process, whose reply then waits for the outcome.
 * One asked while a change runs waits behind that change, and its reply does not wait for either.
 */
import type { RefreshOutcome } from '../pipeline/api';
import { IllegalTransitionError } from '../pipeline/errors';
import { activeRefresh, cancelOperation, changeUnderWay } from '../pipeline/operations';
import type { BookingRecord, BookingState } from '../pipeline/types';
import { escapeAndFit, mention } from './blocks/format';
import { guestUrl, isApprover, type SlackDeps } from './context';

const WHERE_TO_LOOK = "the progress message in the booking's thread will say when it is live";
const HOW_TO_RETRY = "*Retry failed steps* on the booking's progress message (or asking again) runs it again";

function notDone(booking: BookingRecord, state: BookingState): string {
  const cancel = cancelOperation(booking);
  // A cancel puts up the guest page's own "cancelled" notice: "once the booking is done" would never come.
  if (state === 'cancelled' || (cancel && cancel.status === 'done')) {
    return `Booking \`${booking.id}\` is *cancelled*; its guest page shows that the charter was cancelled, and is not refreshed any more.`;
  }
  if (cancel?.status === 'failed') {
    return `Booking \`${booking.id}\` is *failed* while being cancelled: *Retry failed steps* on its progress message finishes the cancel, which replaces the guest page with a notice that the charter is cancelled.`;
  }
  if (cancel) return `Booking \`${booking.id}\` is being cancelled: the cancel replaces its guest page with a notice that the charter is cancelled, so no refresh runs; ${WHERE_TO_LOOK}.`;
  return `Booking \`${booking.id}\` is *${state.replace('_', ' ')}*; a guest page can be refreshed once the booking is done.`;
}

export async function refreshGuestPage(deps: SlackDeps, bookingId: string, userId: string): Promise<string> {
  if (!isApprover(deps.config, userId)) return 'Only approvers can refresh a guest page.';
  const booking = await deps.api.get(bookingId);
  if (!booking) return `No booking \`${bookingId}\`.`;
  if (booking.state !== 'done' && !activeRefresh(booking) && !changeUnderWay(booking)) return notDone(booking, booking.state);
  let asked: RefreshOutcome;
  try {
    asked = await deps.api.requestRefresh(bookingId, userId);
  } catch (err) {
    if (err instanceof IllegalTransitionError) return notDone((await deps.api.get(bookingId)) ?? booking, err.from);
    throw err;
  }
  deps.progress.notify(bookingId);
  const guest = escapeAndFit(booking.request.guestName, 200);
  if (asked.after) return afterChangeText(asked, guest, bookingId);
  if (!asked.finished) {
    if (asked.outcome === 'joined') return `A refresh of ${guest}'s guest page (\`${bookingId}\`) is already under way, asked by ${mention(asked.op.requestedBy)}; ${WHERE_TO_LOOK}.`;
    return `Refreshing the guest page of ${guest} (\`${bookingId}\`); ${WHERE_TO_LOOK}.`;
  }
  try {
    return outcomeText(deps, await asked.finished, asked.op.id);
  } catch (err) {
    deps.log.child({ bookingId }).warn({ err }, 'guest page refresh did not finish here');
    return `The refresh of \`${bookingId}\` was asked for but could not finish here (see the logs); the sweeper picks it up again, and the progress message in the booking's thread shows where it stands.`;
  }
}

/**
 * Asked while a change runs: the refresh waits behind it, and needs no run of its own when the change
 * clears the page's cache after the ask. Either way the asker is answered now, not after the change.
 */
function afterChangeText(asked: RefreshOutcome, guest: string, bookingId: string): string {
  const byOther = asked.outcome === 'joined' && asked.op.requestedBy ? ` (already asked for by ${mention(asked.op.requestedBy)})` : '';
  if (asked.op.coveredBy !== undefined) {
    return (
      `A change is being applied to ${guest}'s booking (\`${bookingId}\`), and it uploads the guest page again and clears its cache after your ask, so no second refresh runs${byOther}; ${WHERE_TO_LOOK}. ` +
      'If the change fails before then, the refresh waits behind it and runs once it has gone through.'
    );
  }
  return `A change is being applied to ${guest}'s booking (\`${bookingId}\`); the guest page refresh is queued${byOther} and runs right after it. ${capitalised(WHERE_TO_LOOK)}.`;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The reply once the refresh has ended: its invalidation and the URL, or the failed step's fix. */
function outcomeText(deps: SlackDeps, record: BookingRecord, opId: string): string {
  const op = record.operations?.find((o) => o.id === opId);
  const steps = op?.steps ?? {};
  if (op?.status === 'done') {
    const invalidationId = steps.guest_cache?.result?.invalidationId;
    return `Guest page re-rendered and its cache cleared${typeof invalidationId === 'string' ? ` (invalidation \`${invalidationId}\`)` : ''}: ${guestUrl(deps.config, record.id)}`;
  }
  if (op?.status === 'failed') {
    // The operator's message of the step that failed (the fix, not the stack).
    const message = (steps.guest_page?.status === 'failed' ? steps.guest_page.error : steps.guest_cache?.error)?.message;
    return `Refresh failed${message ? `: ${message.replace(/\.$/, '')}` : '; see the logs'}. ${HOW_TO_RETRY}.`;
  }
  if (op?.status === 'superseded' && op.note?.startsWith('replaced by ')) {
    // It failed with a change approved behind it: the change puts the page up in its place.
    return `The refresh did not finish, and gave way to the change approved meanwhile, which uploads the guest page again; the progress message in the booking's thread shows how that goes.`;
  }
  return `The refresh of \`${record.id}\` ended ${op?.status ?? 'unrecorded'}${op?.note ? ` (${op.note})` : ''}.`;
}
