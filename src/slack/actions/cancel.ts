/**
 * Cancel: approvers only, one conditional write (lifecycle.ts cancelAsApprover). Before approval it
 * closes the request; after it — from the progress message's Cancel charter button — the create is
 * stopped if it still runs and the cancel operation undoes what was made.
 *
 * The approval message's own Cancel is for the request only: its confirm dialog says "Nothing has
 * been booked yet". One clicked on a charter already approved (a message whose redraw failed, or a
 * click racing the approval) is refused, and the message is redrawn to show the decision: a cancel
 * whose dialog misstated what it undoes is never run.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { humanInstant } from '../../booking/time';
import { approvalNotRedrawnText, approvalRedrawDeps, redrawApprovalUntilShown } from '../approval-redraw';
import { bookingBlockId } from '../booking-ref';
import { isApprover, type SlackDeps } from '../context';
import { tellUser } from '../ephemeral';
import { cancelAsApprover } from '../lifecycle';
import { decisionOf } from '../render';

export function cancelBooking(deps: SlackDeps) {
  return async ({ ack, action, body, client }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const userId = body.user.id;
    const bookingId = action.value ?? '';
    const target = { channel: body.channel?.id, user: userId };
    if (isApprover(deps.config, userId) && (await refusedAsStale(deps, client, { bookingId, blockId: action.block_id, messageTs: body.message?.ts, target }))) return;
    const reply = await cancelAsApprover(deps, client, bookingId, userId);
    await tellUser(client, deps.log, target, reply);
  };
}

/**
 * A Cancel from the approval message of a booking no longer waiting for approval: the approver is
 * told what to use instead (an approved charter) and the message is redrawn. True when the click
 * was handled so; a booking cancelled already goes on to cancelAsApprover, which says so.
 */
async function refusedAsStale(deps: SlackDeps, client: WebClient, click: { bookingId: string; blockId: string | undefined; messageTs: string | undefined; target: { channel: string | undefined; user: string } }): Promise<boolean> {
  const booking = await deps.api.get(click.bookingId);
  if (!booking || booking.state === 'pending_approval') return false;
  const fromApproval = click.blockId === bookingBlockId(booking.id, 'decision') || (click.messageTs !== undefined && click.messageTs === booking.slack.approvalTs);
  if (!fromApproval) return false;
  const decision = decisionOf(booking);
  const refused = decision.kind === 'approved';
  if (refused) {
    deps.log.child({ bookingId: booking.id, userId: click.target.user }).info('cancel refused: clicked on the approval message of a charter already approved');
    const at = humanInstant(decision.atMs, deps.config.timezone);
    await tellUser(
      client,
      deps.log,
      click.target,
      `Nothing was cancelled: this charter was approved at ${at} by <@${decision.userId}>, and that message's Cancel only closes a request. To undo it use *Cancel charter* on its progress message (in the thread), which says what will be undone.`,
    );
  }
  const shown = await redrawApprovalUntilShown(approvalRedrawDeps(deps, client), booking, { read: () => deps.api.get(booking.id) });
  if (!shown.drawn) await tellUser(client, deps.log, click.target, approvalNotRedrawnText(shown, { buttonsLeft: true }));
  return refused;
}
