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
import { approvalNotRedrawnText, approvalRedrawDeps, redrawApprovalUntilShown } from '../approval-redraw';
import { bookingBlockId } from '../booking-ref';
import { isApprover, type SlackDeps } from '../context';
import { tellUser } from '../ephemeral';
import { approvedCancelRefusal, cancelAsApprover } from '../lifecycle';

export function cancelBooking(deps: SlackDeps) {
  return async ({ ack, action, body, client }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const userId = body.user.id;
    const bookingId = action.value ?? '';
    const target = { channel: body.channel?.id, user: userId };
    let fromApprovalMessage = false;
    if (isApprover(deps.config, userId)) {
      const click = await staleCheck(deps, client, { bookingId, blockId: action.block_id, messageTs: body.message?.ts, target });
      if (click.refused) return;
      fromApprovalMessage = click.fromApprovalMessage;
    }
    const reply = await cancelAsApprover(deps, client, bookingId, userId, fromApprovalMessage ? { onlyIfPending: 'approval_message' } : {});
    await tellUser(client, deps.log, target, reply);
  };
}

/**
 * Whether the click came from the approval message, and if so, for a booking no longer waiting for
 * approval: the approver is told what to use instead (an approved charter) and the message is
 * redrawn. `refused` when the click was handled so; a booking cancelled already goes on to
 * cancelAsApprover, which says so. This read is only a first look: an Approve may land after it,
 * which the cancel's own write catches (cancelAsApprover's fromApprovalMessage).
 */
async function staleCheck(deps: SlackDeps, client: WebClient, click: { bookingId: string; blockId: string | undefined; messageTs: string | undefined; target: { channel: string | undefined; user: string } }): Promise<{ refused: boolean; fromApprovalMessage: boolean }> {
  const booking = await deps.api.get(click.bookingId);
  const fromApprovalMessage = click.blockId === bookingBlockId(click.bookingId, 'decision') || (booking !== undefined && click.messageTs !== undefined && click.messageTs === booking.slack.approvalTs);
  if (!booking || booking.state === 'pending_approval' || !fromApprovalMessage) return { refused: false, fromApprovalMessage };
  const refusal = approvedCancelRefusal(deps.config, booking);
  if (refusal) {
    deps.log.child({ bookingId: booking.id, userId: click.target.user }).info('cancel refused: clicked on the approval message of a charter already approved');
    await tellUser(client, deps.log, click.target, refusal);
  }
  const shown = await redrawApprovalUntilShown(approvalRedrawDeps(deps, client), booking, { read: () => deps.api.get(booking.id) });
  if (!shown.drawn) await tellUser(client, deps.log, click.target, approvalNotRedrawnText(shown, { buttonsLeft: true }));
  return { refused: refusal !== undefined, fromApprovalMessage };
}
