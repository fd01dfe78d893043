/**
 * The iCal notice a charter request was made from, once that request is cancelled before approval.
 * Its submission redrew the notice as "created" without [Create charter]; with the request
 * cancelled the trip is in no charter, and the watcher sees nothing new to post (the event has not
 * changed), so this redraws it — offering [Create charter] again only when the watcher's view of
 * the trip allows (notice-judge.ts): no other request or charter holds it, and the feed still lists
 * it where the request said. Best effort, as the "created" redraw is: the cancel stands either way,
 * and `/charter` still books the trip.
 */
import type { WebClient } from '@slack/web-api';
import { INTAKE_FIELDS, type IntakeFields } from '../../booking/intake/parse-confirmation';
import { platformRefOf } from '../../booking/platform';
import { lastActor } from '../../pipeline/state-machine';
import { cancelledBeforeApproval } from '../../pipeline/operations';
import type { BookingRecord } from '../../pipeline/types';
import { encodeCreateValue, requestCancelledEventNotice } from '../blocks/intake';
import type { SlackDeps } from '../context';

export async function offerNoticeAgain(deps: Pick<SlackDeps, 'log' | 'now' | 'noticeJudge'>, client: WebClient, booking: BookingRecord): Promise<void> {
  const notice = booking.slack.intakeNotice;
  if (!notice || !cancelledBeforeApproval(booking)) return;
  const by = lastActor(booking, 'cancelled');
  try {
    // Without the store (a listener built without the judge) nothing says the trip is free: as if it were.
    const judged = deps.noticeJudge ? await deps.noticeJudge(booking, deps.now()) : { kind: 'free' as const };
    const then = judged.kind === 'free' ? { kind: 'free' as const, value: createValueOf(booking) } : judged;
    const message = requestCancelledEventNotice({ headline: notice.headline, ...(notice.summary ? { summary: notice.summary } : {}), bookingId: booking.id, ...(by ? { userId: by } : {}), then });
    await client.chat.update({ channel: notice.channel, ts: notice.ts, text: message.text, blocks: message.blocks });
  } catch (err) {
    deps.log.warn({ err, bookingId: booking.id, notice: { channel: notice.channel, ts: notice.ts } }, 'could not offer the iCal notice again after its request was cancelled');
  }
}

/**
 * The form opens with what the cancelled request said — the trip's details as the office last had
 * them — at the time and under the reference the notice offered (the judge found the trip free
 * there, and the headline names that time), and carries the notice's event on, so a request made
 * from it is judged by that trip in turn.
 */
function createValueOf(booking: BookingRecord): string {
  const r = booking.request;
  const ref = platformRefOf(r);
  const offered = booking.slack.intakeNotice?.offered;
  const trip: IntakeFields = offered
    ? { platform: offered.feed, ...(offered.platformRef ? { platformRef: offered.platformRef } : {}), ...(offered.date ? { date: offered.date } : {}), ...(offered.departureTime ? { departureTime: offered.departureTime } : {}), ...(offered.durationHours !== undefined ? { durationHours: offered.durationHours } : {}) }
    : {};
  const all: IntakeFields = { ...r, ...(ref ? { platform: ref.platform, platformRef: ref.ref } : {}), ...trip };
  const fields: IntakeFields = {};
  for (const f of INTAKE_FIELDS) if (all[f] !== undefined && all[f] !== '') (fields as Record<string, unknown>)[f] = all[f];
  return offered ? encodeCreateValue({ feed: offered.feed, uid: offered.uid, fields }) : encodeCreateValue({ feed: ref?.platform ?? r.platform ?? 'calendar', uid: ref?.ref ?? booking.id, fields });
}
