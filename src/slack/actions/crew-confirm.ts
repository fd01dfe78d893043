/** A crew member confirms themselves: only the person a button names, on the roster, before departure. */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../context';
import { announceAnswer, answerableBooking, isHomeClick } from '../crew-answers';
import { callsMayBeUnsaved } from '../crew-call-reached';
import { crewPostsOf } from '../crew-notice';
import { tellUser } from '../ephemeral';

export function confirmCrew(deps: SlackDeps) {
  return async ({ ack, action, body, client }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const userId = body.user.id;
    const fromHome = isHomeClick(body);
    const answerable = await answerableBooking(deps, client, { userId, channel: body.channel?.id, ...(body.message?.ts ? { ts: body.message.ts } : {}), value: action.value, fromHome });
    if (!answerable) return;
    const { booking, callRevision } = answerable;
    const updated = await deps.api.confirmCrew(booking.id, userId, { callRevision });
    await announceAnswer(deps, client, booking, updated, userId);
    // On Home the tab is the answer: announceAnswer's refresh redraws it with the ✅ (after the
    // debounce; on Lambda before the invocation answers, so publishing it here too would cost the
    // click a listing and a publish more).
    if (fromHome) return;
    // A reminder's buttons sit on a message nobody redraws: the click would change nothing in sight.
    // While a crew step has yet to save its posts, the unknown message clicked may be the call itself
    // (the step draws the answer on it once saved), so it is not called a reminder.
    const clickedTs = body.message?.ts;
    const onCrewPost = crewPostsOf(updated).some((p) => p.ts === clickedTs) || callsMayBeUnsaved(booking);
    if (!onCrewPost && updated.confirmations[userId] !== undefined && booking.confirmations[userId] === undefined) {
      await tellUser(client, deps.log, { channel: body.channel?.id, user: userId }, "Confirmed — thanks. Your crew post above shows it; this reminder won't change.");
    }
  };
}
