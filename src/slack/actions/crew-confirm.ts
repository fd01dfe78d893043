/** A crew member confirms themselves: only the person a button names, on the roster, before departure. */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { parseConfirmValue } from '../blocks/crew';
import type { SlackDeps } from '../context';
import { announceAnswer, answerRefusal } from '../crew-answers';
import { tellUser } from '../ephemeral';

export function confirmCrew(deps: SlackDeps) {
  return async ({ ack, action, body, client }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const userId = body.user.id;
    const channel = body.channel?.id;
    const target = parseConfirmValue(action.value);
    if (!target) return;
    const booking = await deps.api.get(target.bookingId);
    if (!booking) return;
    const refusal = answerRefusal(deps, booking, userId, target.userId);
    if (refusal) return tellUser(client, deps.log, { channel, user: userId }, refusal);
    const updated = await deps.api.confirmCrew(target.bookingId, userId);
    await announceAnswer(deps, client, booking, updated, userId);
  };
}
