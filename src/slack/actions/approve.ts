/**
 * Approve. The store's conditional approve picks exactly one winner across double clicks, Slack
 * retries and processes; only the winner's call starts the pipeline. Losers hear who won.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { isApprover, type SlackDeps } from '../context';
import { tellUser } from '../ephemeral';
import { renderApproval } from '../render';

export function approveBooking(deps: SlackDeps) {
  return async ({ ack, action, body, client, context }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const userId = body.user.id;
    const channel = body.channel?.id;
    const bookingId = action.value ?? '';
    const log = deps.log.child({ bookingId, userId, retryNum: context.retryNum });
    if (!isApprover(deps.config, userId)) {
      log.info('approve refused: not an approver');
      return tellUser(client, deps.log, { channel, user: userId }, 'Only approvers can approve charters. Ask someone in CHARTER_APPROVERS.');
    }
    const outcome = await deps.api.approve(bookingId, userId);
    if (!outcome.won) {
      const by = outcome.byUserId ? ` by <@${outcome.byUserId}>` : '';
      const what = outcome.reason === 'already_done' ? `Already approved${by}.` : `This booking is ${outcome.booking.state.replace('_', ' ')}${by}; it cannot be approved.`;
      return tellUser(client, deps.log, { channel, user: userId }, what);
    }
    const booking = outcome.booking;
    const message = renderApproval(booking, deps.config);
    if (booking.slack.approvalTs) await client.chat.update({ channel: booking.slack.channel, ts: booking.slack.approvalTs, text: message.text, blocks: message.blocks });
    deps.progress.notify(bookingId);
  };
}
