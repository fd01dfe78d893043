/**
 * Details (progress message, App Home): the booking's trail, privately. Anyone may look — the
 * money lines are left out unless the clicker is an approver. From App Home there is no channel,
 * so the reply goes to the clicker's DM with the bot.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { parseSessionId } from '../../booking/session-id';
import { bookingStatusFor } from '../booking-status';
import type { SlackDeps } from '../context';
import { tellUser } from '../ephemeral';

export function showDetails(deps: SlackDeps) {
  return async ({ ack, action, body, client }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const userId = body.user.id;
    const id = parseSessionId(action.value ?? '');
    if (!id) return;
    await tellUser(client, deps.log, { channel: body.channel?.id, user: userId }, await bookingStatusFor(deps, id, userId));
  };
}
