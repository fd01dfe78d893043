/** "Can't make it": checks who clicked, then opens the small modal asking for an optional reason. */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { crewDeclineModal } from '../blocks/crew';
import type { SlackDeps } from '../context';
import { answerableBooking, isHomeClick } from '../crew-answers';
import { crewSafeViewOf } from '../crew-notice';
import { tellUser } from '../ephemeral';

export function declineCrew(deps: SlackDeps) {
  return async ({ ack, action, body, client }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const userId = body.user.id;
    const channel = body.channel?.id;
    const answerable = await answerableBooking(deps, client, { userId, channel, ...(body.message?.ts ? { ts: body.message.ts } : {}), value: action.value, fromHome: isHomeClick(body) });
    if (!answerable) return;
    // The modal answers the call the button was on: a change approved while it is open makes it stale too.
    const { booking, callRevision } = answerable;
    try {
      await client.views.open({ trigger_id: body.trigger_id, view: crewDeclineModal({ bookingId: booking.id, userId, dateText: crewSafeViewOf(booking, deps.config).dateText, callRevision }) });
    } catch (err) {
      deps.log.warn({ err, bookingId: booking.id }, 'could not open the decline modal');
      await tellUser(client, deps.log, { channel, user: userId }, "Slack would not open the form — please try Can't make it again.");
    }
  };
}
