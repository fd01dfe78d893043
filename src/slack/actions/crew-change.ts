/**
 * [Change crew] under "@Lee can't make it" in the ops thread. The change flow (crew swap as a `change`
 * operation) is being built separately; until it is registered here, the button says how to change
 * crew today.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../context';
import { tellUser } from '../ephemeral';

export function changeCrew(deps: SlackDeps) {
  return async ({ ack, action, body, client }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const bookingId = action.value ?? '';
    await tellUser(client, deps.log, { channel: body.channel?.id, user: body.user.id }, `To change the crew of this charter, run \`/charter edit ${bookingId}\` and pick the new crew; they get their own crew call.`);
  };
}
