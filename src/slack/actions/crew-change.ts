/**
 * [Change crew] under "@Lee can't make it" in the ops thread: opens the booking's change form as a
 * crew swap (a `change` operation), for an approver (the form shows the price and pay), who picks
 * the new crew; an approver approves the change — the declined member is told they are off, the
 * new one gets their call.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../context';
import { tellUser } from '../ephemeral';
import { openChangeForm } from '../lifecycle';

export function changeCrew(deps: SlackDeps) {
  return async ({ ack, action, body, client }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const bookingId = action.value ?? '';
    const channel = body.channel?.id;
    const problem = await openChangeForm(deps, client, { triggerId: body.trigger_id, bookingId, label: 'crew swap', channel: channel ?? body.user.id, userId: body.user.id });
    if (problem) await tellUser(client, deps.log, { channel, user: body.user.id }, problem);
  };
}
