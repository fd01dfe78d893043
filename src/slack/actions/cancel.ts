/**
 * Cancel: approvers only, one conditional write (lifecycle.ts cancelAsApprover). Before approval it
 * closes the request; after it — from the progress message's Cancel charter button — the create is
 * stopped if it still runs and the cancel operation undoes what was made.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../context';
import { tellUser } from '../ephemeral';
import { cancelAsApprover } from '../lifecycle';

export function cancelBooking(deps: SlackDeps) {
  return async ({ ack, action, body, client }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const userId = body.user.id;
    const reply = await cancelAsApprover(deps, client, action.value ?? '', userId);
    await tellUser(client, deps.log, { channel: body.channel?.id, user: userId }, reply);
  };
}
