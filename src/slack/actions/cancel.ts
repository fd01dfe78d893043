/** Cancel before approval: approvers only, one conditional transition, message updated in place. */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { isApprover, type SlackDeps } from '../context';
import { tellUser } from '../ephemeral';
import { renderApproval } from '../render';

export function cancelBooking(deps: SlackDeps) {
  return async ({ ack, action, body, client }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const userId = body.user.id;
    const channel = body.channel?.id;
    const bookingId = action.value ?? '';
    if (!isApprover(deps.config, userId)) return tellUser(client, deps.log, { channel, user: userId }, 'Only approvers can cancel charters.');
    const outcome = await deps.api.cancel(bookingId, userId);
    if (!outcome.won) {
      return tellUser(client, deps.log, { channel, user: userId }, `This booking is already ${outcome.booking.state.replace('_', ' ')}${outcome.byUserId ? ` (by <@${outcome.byUserId}>)` : ''}.`);
    }
    deps.home?.changed();
    const message = renderApproval(outcome.booking, deps.config);
    if (outcome.booking.slack.approvalTs) await client.chat.update({ channel: outcome.booking.slack.channel, ts: outcome.booking.slack.approvalTs, text: message.text, blocks: message.blocks });
  };
}
