/** A crew member confirms themselves: only the person a button names, and only if on the roster. */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { crewMessage, parseConfirmValue } from '../blocks/crew';
import type { SlackDeps } from '../context';
import { crewPostRef, crewSafeViewOf } from '../crew-notice';
import { tellUser } from '../ephemeral';
import { cancelOperation } from '../../pipeline/operations';

export function confirmCrew(deps: SlackDeps) {
  return async ({ ack, action, body, client }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const userId = body.user.id;
    const channel = body.channel?.id;
    const target = parseConfirmValue(action.value);
    if (!target) return;
    const booking = await deps.api.get(target.bookingId);
    if (!booking) return;
    // An old Confirm button on a cancelled charter must not bring the crew call back.
    if (booking.state === 'cancelled' || cancelOperation(booking)) return tellUser(client, deps.log, { channel, user: userId }, 'This charter was cancelled — nobody needs to come in.');
    const onRoster = booking.roster.some((m) => m.slackUserId === userId);
    if (!onRoster) return tellUser(client, deps.log, { channel, user: userId }, 'Only the captain and crew assigned to this charter can confirm.');
    if (target.userId !== userId) return tellUser(client, deps.log, { channel, user: userId }, `That button is for <@${target.userId}>; use the one with your name.`);
    const updated = await deps.api.confirmCrew(target.bookingId, userId);
    const post = crewPostRef(updated);
    if (post) {
      const message = crewMessage(crewSafeViewOf(updated, deps.config), updated.confirmations);
      await client.chat.update({ channel: post.channel, ts: post.ts, text: message.text, blocks: message.blocks });
    }
    deps.progress.notify(target.bookingId);
  };
}
