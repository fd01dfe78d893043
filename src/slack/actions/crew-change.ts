/**
 * [Change crew] under "@Lee can't make it" in the ops thread: opens the booking's change form as a
 * crew swap (a `change` operation), for an approver (the form shows the price and pay), who picks
 * the new crew; an approver approves the change — the declined member is told they are off, the
 * new one gets their call.
 *
 * The decline line's ts is not kept, so a member who confirms after all leaves that line and its
 * button standing (the thread hears "confirmed after all" below it). A click on it then says so in
 * the form instead of offering the swap, and redraws the line it came from without the button.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { BookingRecord } from '../../pipeline/types';
import { crewDeclineWithdrawnMessage, declinedMemberOfBlock } from '../blocks/crew';
import { mention } from '../blocks/format';
import type { SlackDeps } from '../context';
import { tellUser } from '../ephemeral';
import { openChangeForm } from '../lifecycle';

export function changeCrew(deps: SlackDeps) {
  return async ({ ack, action, body, client }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const bookingId = action.value ?? '';
    const channel = body.channel?.id;
    // A button drawn before its block id named the member opens the swap as it always did.
    const memberId = declinedMemberOfBlock(action.block_id);
    let withdrawn = false;
    const notNeeded = (booking: BookingRecord) => {
      withdrawn = memberId !== undefined && declineWithdrawn(booking, memberId);
      return withdrawn ? `:white_check_mark: ${mention(memberId!)} confirmed after all, so their "can't make it" no longer stands and there is no one to swap out. To change the crew anyway, use *Edit* on the booking's progress message.` : undefined;
    };
    const problem = await openChangeForm(deps, client, { triggerId: body.trigger_id, bookingId, label: 'crew swap', channel: channel ?? body.user.id, userId: body.user.id, notNeeded });
    if (problem) await tellUser(client, deps.log, { channel, user: body.user.id }, problem);
    if (withdrawn && memberId && channel && body.message?.ts) await redrawWithdrawn(deps, client, { bookingId, memberId, channel, ts: body.message.ts });
  };
}

/** Declined, then confirmed: the decline is gone and a confirmation stands. */
function declineWithdrawn(booking: BookingRecord, memberId: string): boolean {
  return booking.declines?.[memberId] === undefined && booking.confirmations[memberId] !== undefined;
}

async function redrawWithdrawn(deps: SlackDeps, client: WebClient, line: { bookingId: string; memberId: string; channel: string; ts: string }): Promise<void> {
  const message = crewDeclineWithdrawnMessage(line.bookingId, line.memberId);
  try {
    await client.chat.update({ channel: line.channel, ts: line.ts, text: message.text, blocks: message.blocks });
  } catch (err) {
    deps.log.warn({ err, bookingId: line.bookingId }, "could not redraw a withdrawn decline's line in the ops thread");
  }
}
