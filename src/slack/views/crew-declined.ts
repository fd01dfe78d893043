/** The decline modal was submitted: record the decline (reason optional), then tell crew posts and the ops thread. */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { CREW_DECLINE_REASON_ACTION, CREW_DECLINE_REASON_BLOCK, parseDeclineMetadata } from '../blocks/crew';
import type { SlackDeps } from '../context';
import { announceAnswer, answerRefusal, clickedCallRevision } from '../crew-answers';

export function crewDeclined(deps: SlackDeps) {
  return async ({ ack, body, view, client }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const userId = body.user.id;
    const meta = parseDeclineMetadata(view.private_metadata);
    const booking = meta ? await deps.api.get(meta.bookingId) : undefined;
    const callRevision = clickedCallRevision(meta?.callRevision);
    // The click that opened the modal was checked by where it came from (a Home tab's strictly): the
    // modal is the call's own, so a call still being saved counts as a message's does.
    const refusal = !meta || !booking ? 'This crew call no longer exists.' : answerRefusal(deps, booking, userId, meta.userId, callRevision, { fromMessage: true });
    if (refusal || !booking) {
      await ack({ response_action: 'errors', errors: { [CREW_DECLINE_REASON_BLOCK]: refusal ?? 'This crew call no longer exists.' } });
      return;
    }
    await ack();
    const reason = view.state.values[CREW_DECLINE_REASON_BLOCK]?.[CREW_DECLINE_REASON_ACTION]?.value?.trim() || undefined;
    const updated = await deps.api.declineCrew(booking.id, userId, reason, { callRevision });
    await announceAnswer(deps, client, booking, updated, userId);
  };
}
