/** Retry: approvers only; the service re-runs only the failed steps and what depends on them. */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { isApprover, type SlackDeps } from '../context';
import { tellUser } from '../ephemeral';

export function retryBooking(deps: SlackDeps) {
  return async ({ ack, action, body, client }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const userId = body.user.id;
    const channel = body.channel?.id;
    const bookingId = action.value ?? '';
    if (!isApprover(deps.config, userId)) return tellUser(client, deps.log, { channel, user: userId }, 'Only approvers can retry a booking.');
    const outcome = await deps.api.retry(bookingId, userId);
    if (!outcome.won) return tellUser(client, deps.log, { channel, user: userId }, `Nothing to retry: the booking is ${outcome.booking.state.replace('_', ' ')}.`);
    deps.progress.notify(bookingId);
  };
}
