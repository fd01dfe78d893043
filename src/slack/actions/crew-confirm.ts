/** A crew member confirms themselves: only the person a button names, on the roster, before departure. */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { parseConfirmValue } from '../blocks/crew';
import type { SlackDeps } from '../context';
import { announceAnswer, answerableBooking } from '../crew-answers';

export function confirmCrew(deps: SlackDeps) {
  return async ({ ack, action, body, client }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const userId = body.user.id;
    const booking = await answerableBooking(deps, client, { userId, channel: body.channel?.id, value: action.value });
    if (!booking) return;
    const callRevision = parseConfirmValue(action.value)?.callRevision;
    const updated = await deps.api.confirmCrew(booking.id, userId, callRevision !== undefined ? { callRevision } : {});
    await announceAnswer(deps, client, booking, updated, userId);
  };
}
