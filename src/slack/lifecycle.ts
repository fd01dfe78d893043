/**
 * What the Slack surfaces share for a booking's life after approval — used by the buttons
 * (actions/cancel.ts, actions/edit.ts, actions/change-decision.ts), `/charter cancel|edit|reschedule`
 * and the change form (views/change-submitted.ts). Who may do what: only approvers
 * (CHARTER_APPROVERS) open the change form, propose a change, cancel an approved booking and
 * approve or reject a change.
 */
import type { ModalView } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Config } from '../config';
import { humanInstant } from '../booking/time';
import { DROPPED_BY_CANCEL_NOTE, LIFECYCLE_STATES, MAX_OPEN_CHANGE_REQUESTS, cancelOperation, openChangeRequests, operationsOf } from '../pipeline/operations';
import { BookingNotFoundError } from '../pipeline/errors';
import type { BookingRecord } from '../pipeline/types';
import type { ChangeLabel } from './blocks/lifecycle';
import { changeRequestShown } from './change-request-message';
import { escapeAndFit } from './blocks/format';
import { bookingModal } from './blocks/modal';
import { RETRY_BUTTON_TEXT } from './blocks/progress';
import { isApprover, type SlackDeps } from './context';
import { formNotOpenedText } from './form-not-opened';
import { slackPlatformError } from './slack-errors';
import { withApprovalDm } from './approval-dm';
import { decisionOf } from './render';
import { approvalNotRedrawnText, approvalRedrawDeps, redrawApprovalUntilShown } from './approval-redraw';
import { redrawChangeRequests } from './change-requests-redrawn';
import { offerNoticeAgain, offerNoticesNaming } from './intake/notice-after-cancel';
import { cancelUndoesText } from './cancel-undoes';

/** Why a booking cannot be changed now, in the user's words; undefined when it can. */
export function whyNotChangeable(booking: BookingRecord): string | undefined {
  if (booking.state === 'pending_approval') return `Booking \`${booking.id}\` is not approved yet — change it by cancelling and running /charter again, or approve it first.`;
  if (booking.state === 'cancelled' || cancelOperation(booking)) return `Booking \`${booking.id}\` is cancelled; it cannot be changed.`;
  if (!LIFECYCLE_STATES.includes(booking.state)) return `Booking \`${booking.id}\` is ${booking.state}; it cannot be changed.`;
  if (openChangeRequests(booking) >= MAX_OPEN_CHANGE_REQUESTS) {
    return `Booking \`${booking.id}\` already has ${MAX_OPEN_CHANGE_REQUESTS} change requests waiting: approve or reject one of them first (they are in the booking's thread).`;
  }
  return undefined;
}

/**
 * The change form is prefilled with the price, paid hours, raw notes and the guest's contact
 * details, and crew know booking ids (the guest-page URL in their crew post): so only approvers
 * open it, however they get there. Undefined when `userId` may.
 */
export function whyNotAllowedToChange(deps: SlackDeps, userId: string): string | undefined {
  if (isApprover(deps.config, userId)) return undefined;
  const who = deps.config.slack.approvers.map((a) => `<@${a}>`).join(', ');
  return `Only approvers can edit, reschedule or swap the crew of a charter (the form shows the price, pay and the guest's contact details). Ask ${who} (CHARTER_APPROVERS).`;
}

/**
 * Opens the booking form prefilled with the booking's current details, as its change form
 * (approvers only). views.open goes first, with a placeholder: the trigger expires 3 s after the
 * click, and the store read the form needs must not spend it (a slow DynamoDB, a cold Lambda). The
 * form, or why the booking cannot be changed, then replaces the placeholder (views.update). Returns
 * what to tell the user when there is nowhere else to say it (refused before opening, Slack would
 * not open or fill in the form), else undefined. `notNeeded`: why the button that opened it has
 * nothing left to do for the booking as read (the form then says only that).
 */
export async function openChangeForm(deps: SlackDeps, client: WebClient, input: { triggerId: string; bookingId: string; label: ChangeLabel; channel: string; userId: string; notNeeded?: (booking: BookingRecord) => string | undefined }): Promise<string | undefined> {
  const refused = whyNotAllowedToChange(deps, input.userId);
  if (refused) return refused;
  const unchanged = `Booking \`${input.bookingId}\` is unchanged: open the form again.`;
  let viewId: string | undefined;
  try {
    viewId = (await client.views.open({ trigger_id: input.triggerId, view: changeFormPlaceholder(input.label, `Loading booking \`${input.bookingId}\`…`) })).view?.id;
  } catch (err) {
    deps.log.warn({ err, bookingId: input.bookingId }, 'change form did not open');
    return formNotOpenedText('change form', err, unchanged);
  }
  let view: ModalView;
  try {
    const booking = await deps.api.get(input.bookingId);
    const why = booking ? whyNotChangeable(booking) : `No booking \`${input.bookingId}\`.`;
    const notNeeded = booking && !why ? input.notNeeded?.(booking) : undefined;
    view = notNeeded ? changeFormPlaceholder(input.label, notNeeded)
      : why || !booking
      ? changeFormPlaceholder(input.label, `:warning: ${why}`)
      : bookingModal({
          timezone: deps.config.timezone,
          capacity: deps.config.operator.capacity,
          origin: { channel: input.channel },
          nowMs: deps.now(),
          initial: booking.request,
          change: { bookingId: booking.id, label: input.label },
        });
  } catch (err) {
    deps.log.warn({ err, bookingId: input.bookingId }, 'booking not read for the change form');
    view = changeFormPlaceholder(input.label, `:warning: The booking could not be read just now (the bot's store did not answer). ${unchanged}`);
  }
  if (!viewId) return 'Slack opened the change form without saying which it was, so it could not be filled in: close it and open it again.';
  try {
    await client.views.update({ view_id: viewId, view });
    return undefined;
  } catch (err) {
    // Closed before it was filled in: the user has moved on.
    if (slackPlatformError(err) === 'not_found') return undefined;
    deps.log.warn({ err, bookingId: input.bookingId }, 'change form not filled in');
    return formNotOpenedText('change form', err, unchanged);
  }
}

/** The change form before it is filled in, or in place of it: a title and one line. */
function changeFormPlaceholder(label: ChangeLabel, text: string): ModalView {
  return { type: 'modal', title: { type: 'plain_text', text: label === 'reschedule' ? 'Reschedule charter' : 'Change charter' }, close: { type: 'plain_text', text: 'Close' }, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

/**
 * What an approver is told when the approval message's Cancel met a charter already approved:
 * that Cancel's dialog says "Nothing has been booked yet", so it never undoes one.
 */
export function approvedCancelRefusal(config: Config, booking: BookingRecord): string | undefined {
  const decision = decisionOf(booking);
  if (decision.kind !== 'approved') return undefined;
  const at = humanInstant(decision.atMs, config.timezone);
  return `Nothing was cancelled: this charter was approved at ${at} by <@${decision.userId}>, and that message's Cancel only closes a request. To undo it use *Cancel charter* on its progress message (in the thread), which says what will be undone.`;
}

/**
 * What `/charter cancel ID` says when the request it read as waiting was approved before its
 * cancel: after approval the command asks first, with what will be undone.
 */
function approvedCommandRefusal(config: Config, booking: BookingRecord): string | undefined {
  const decision = decisionOf(booking);
  if (decision.kind !== 'approved') return undefined;
  const at = humanInstant(decision.atMs, config.timezone);
  return `Nothing was cancelled: \`${booking.id}\` was approved at ${at} by <@${decision.userId}> just now. Run \`/charter cancel ${booking.id}\` again to cancel the charter: it asks first and says what will be undone.`;
}

/**
 * Cancels for an approver: before approval it closes the request; after it, the cancel operation
 * runs (the create is stopped first if it still runs). Returns what to tell the user.
 * `onlyIfPending`: the caller meant to close a request (the approval message's Cancel, whose
 * dialog says nothing has been booked; `/charter cancel` of one it read as waiting), so the write
 * requires the booking still pending, and an Approve landing a moment earlier is never undone.
 */
export async function cancelAsApprover(deps: SlackDeps, client: WebClient, bookingId: string, userId: string, opts: { onlyIfPending?: 'approval_message' | 'command' } = {}): Promise<string> {
  if (!isApprover(deps.config, userId)) return 'Only approvers can cancel charters.';
  let outcome;
  try {
    outcome = await deps.api.cancel(bookingId, userId, opts.onlyIfPending ? { onlyIfPending: true } : {});
  } catch (err) {
    if (err instanceof BookingNotFoundError) return `No booking \`${bookingId}\`; nothing was cancelled.`;
    throw err;
  }
  if (!outcome.won) {
    const refusal = opts.onlyIfPending === 'approval_message' ? approvedCancelRefusal : approvedCommandRefusal;
    const approved = opts.onlyIfPending && outcome.reason === 'not_allowed' ? refusal(deps.config, outcome.booking) : undefined;
    if (approved) {
      deps.log.child({ bookingId, userId, from: opts.onlyIfPending }).info('cancel refused: meant for a request, it met a charter approved a moment before');
      return approved;
    }
    const by = outcome.byUserId ? ` (by <@${outcome.byUserId}>)` : '';
    if (outcome.reason === 'already_done') return alreadyCancelling(outcome.booking, by);
    return `This booking is ${outcome.booking.state.replace('_', ' ')}${by}; it cannot be cancelled.`;
  }
  const booking = outcome.booking;
  // The rest goes on after the first try, drawn or not; the reply waits for the retries, to say if they failed.
  let firstTried: () => void = () => undefined;
  const first = new Promise<void>((resolve) => (firstTried = resolve));
  const approvalShown = redrawApprovalUntilShown(approvalRedrawDeps(deps, client), booking, { read: () => deps.api.get(bookingId), afterFirstTry: () => firstTried() });
  await first;
  // Change requests the cancel dropped lose their buttons and say why (an approved one's read "Approved").
  const dropped = operationsOf(booking).filter((o) => o.kind === 'change' && o.note === DROPPED_BY_CANCEL_NOTE && o.requestTs);
  const requestsShown = redrawChangeRequests(deps, client, booking, dropped.map((o) => ({ opId: o.id, buttonsLeft: o.approvedBy === undefined })));
  await requestsShown.firstTried;
  deps.progress.notify(bookingId);
  deps.home?.changed();
  await offerNoticeAgain(deps, client, booking);
  await offerNoticesNaming(deps, client, booking);
  const shown = await approvalShown;
  const requestsNotShown = await requestsShown.notShown;
  // Only a request's message still has buttons; an approved one's still reads "Approved".
  const notShown = `${shown.drawn ? '' : ` ${approvalNotRedrawnText(shown, { buttonsLeft: booking.state === 'cancelled' })}`}${requestsNotShown ? ` ${requestsNotShown}` : ''}`;
  if (booking.state === 'cancelled') return `Cancelled the request for ${escapeAndFit(booking.request.guestName, 200)}. Nothing had been booked.${notShown}`;
  return `Cancelling ${escapeAndFit(booking.request.guestName, 200)}'s charter: ${cancelUndoesText(booking)} — progress is in the booking's thread.${notShown}`;
}

/**
 * Posts a just-proposed change request in the booking's thread and remembers where it is (later
 * draws are redrawChangeRequests'). Returns what to tell whoever asked for it when the message
 * could not be made to show a decision taken while it was being posted.
 */
export async function publishChangeRequest(deps: SlackDeps, client: WebClient, stored: BookingRecord, opId: string): Promise<string | undefined> {
  const booking = await withApprovalDm({ client, refs: deps.api, log: deps.log }, stored);
  const message = changeRequestShown(booking, opId, deps.config);
  if (!message) return undefined;
  const posted = await client.chat.postMessage({ channel: booking.slack.channel, text: message.text, blocks: message.blocks, ...(booking.slack.approvalTs ? { thread_ts: booking.slack.approvalTs } : {}) });
  if (!posted.ts) return undefined;
  const saved = await deps.api.setChangeRequestTs(booking.id, opId, posted.ts);
  // Decided (Approve change from App Home, a cancel) while the message was on its way: that
  // decision's redraw found no message to draw, and this one went up with live buttons. The
  // record is written with compare-and-set, so a decision after this save finds the message and
  // draws it; one before shows here. Drawn now, and marked for the approval watch if Slack fails it.
  const op = operationsOf(saved).find((o) => o.id === opId);
  if (!op || op.status === 'proposed') return undefined;
  return redrawChangeRequests(deps, client, saved, [{ opId, buttonsLeft: true }]).notShown;
}

/**
 * A second Cancel: the first may still be under way (it can wait out a change's quiet time, up to
 * 35 s) or have failed, and "already cancelled" would then say more than is true.
 */
function alreadyCancelling(booking: BookingRecord, by: string): string {
  if (booking.state === 'cancelled') return `This charter is already cancelled${by}.`;
  if (booking.state === 'failed') return `This charter's cancel${by} failed part-way: *${RETRY_BUTTON_TEXT}* on its progress message finishes it.`;
  return `This charter is already being cancelled${by}: the progress is in the booking's thread.`;
}
