/** Edit on the progress message: an approver opens the booking's change form, prefilled; anyone else is told who can. */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { parseEditValue } from '../blocks/lifecycle';
import type { SlackDeps } from '../context';
import { tellUser } from '../ephemeral';
import { openChangeForm } from '../lifecycle';

export function editBooking(deps: SlackDeps) {
  return async ({ ack, action, body, client }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const userId = body.user.id;
    const channel = body.channel?.id;
    const target = parseEditValue(action.value);
    if (!target) return;
    const problem = await openChangeForm(deps, client, { triggerId: body.trigger_id, bookingId: target.bookingId, label: target.label, channel: channel ?? userId, userId });
    if (problem) await tellUser(client, deps.log, { channel, user: userId }, problem);
  };
}
