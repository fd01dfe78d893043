/**
 * The iCal notice a charter request was made from, once that request is cancelled before approval.
 * Its submission redrew the notice as "created" without [Create charter]; with the request
 * cancelled the trip is in no charter, and the watcher sees nothing new to post (the event has not
 * changed), so this redraws it — offering [Create charter] again only when the watcher's view of
 * the trip allows (notice-judge.ts): no other request or charter holds it, and the feed still lists
 * it where the notice offered it. A notice that names another request or charter as holding the trip is
 * remembered on that holder, whose own cancel judges it again (offerNoticesNaming). Best effort, as
 * the "created" redraw is: the cancel stands either way, and `/charter` still books the trip.
 */
import type { WebClient } from '@slack/web-api';
import { INTAKE_FIELDS, type IntakeFields } from '../../booking/intake/parse-confirmation';
import { platformRefOf } from '../../booking/platform';
import { lastActor } from '../../pipeline/state-machine';
import { cancelledBeforeApproval } from '../../pipeline/operations';
import type { BookingRecord } from '../../pipeline/types';
import { encodeCreateValue, requestCancelledEventNotice } from '../blocks/intake';
import type { SlackDeps } from '../context';
import { holdsTrip } from './notice-judge';

type NoticeDeps = Pick<SlackDeps, 'log' | 'now' | 'noticeJudge' | 'config'> & { api: Pick<SlackDeps['api'], 'get' | 'updateSlackRefs'> };

/** Judgements of one notice per call, at most: a holder found cancelled after its notice was drawn has it judged again. */
const NOTICE_JUDGEMENTS = 3;
/** Notices a holder keeps for its own cancel to judge again, the oldest dropped when full. */
export const NAMED_ON_NOTICES_MAX = 10;

export async function offerNoticeAgain(deps: NoticeDeps, client: WebClient, booking: BookingRecord): Promise<void> {
  const notice = booking.slack.intakeNotice;
  if (!notice || !cancelledBeforeApproval(booking)) return;
  const by = lastActor(booking, 'cancelled');
  try {
    for (let round = 1; ; round++) {
      // Without the store (a listener built without the judge) nothing says the trip is free: as if it were.
      const judged = deps.noticeJudge ? await deps.noticeJudge(booking, deps.now()) : { kind: 'free' as const };
      const then = judged.kind === 'free' ? { kind: 'free' as const, value: createValueOf(booking) } : judged;
      const message = requestCancelledEventNotice({ headline: notice.headline, ...(notice.summary ? { summary: notice.summary } : {}), bookingId: booking.id, ...(by ? { userId: by } : {}), then });
      await client.chat.update({ channel: notice.channel, ts: notice.ts, text: message.text, blocks: message.blocks });
      if (judged.kind !== 'held' || round >= NOTICE_JUDGEMENTS) return;
      // Named on the holder after the draw, and the holder read back in that write: a cancel of the
      // holder written before it is seen here (judged again), one written after it finds this
      // notice on the holder and judges it itself, its draw landing after this one.
      const holder = await nameOnHolder(deps, judged.bookingId, booking.id);
      if (!holder || holdsTrip(holder, deps.config.timezone, deps.now())) return;
    }
  } catch (err) {
    deps.log.warn({ err, bookingId: booking.id, notice: { channel: notice.channel, ts: notice.ts } }, 'could not offer the iCal notice again after its request was cancelled');
  }
}

async function nameOnHolder(deps: NoticeDeps, holderId: string, requestId: string): Promise<BookingRecord | undefined> {
  const out = await deps.api.updateSlackRefs(holderId, (slack) => {
    const named = slack.namedOnNotices ?? [];
    if (named.includes(requestId)) return undefined;
    return { ...slack, namedOnNotices: [...named, requestId].slice(-NAMED_ON_NOTICES_MAX) };
  });
  return out.booking;
}

/**
 * A booking just cancelled (a request before approval, or a charter whose cancel started): the
 * notices of cancelled requests that named it as holding their trip are judged again, as at their
 * own cancel, so a trip it no longer holds is offered with [Create charter] (or the notice names the
 * next holder, or where the platform moved it). Best effort, each on its own: a refused redraw is
 * logged and the cancel stands; `/charter` still books the trip.
 */
export async function offerNoticesNaming(deps: NoticeDeps, client: WebClient, holder: BookingRecord): Promise<void> {
  const own = cancelledBeforeApproval(holder) ? holder.slack.intakeNotice : undefined;
  for (const id of (holder.slack.namedOnNotices ?? []).slice(-NAMED_ON_NOTICES_MAX)) {
    try {
      const request = await deps.api.get(id);
      const notice = request?.slack.intakeNotice;
      if (!request || !notice) continue;
      // Two forms opened from one notice: the holder's own cancel has just redrawn it, and that draw stands.
      if (own && own.channel === notice.channel && own.ts === notice.ts) continue;
      await offerNoticeAgain(deps, client, request);
    } catch (err) {
      deps.log.warn({ err, bookingId: id, holderId: holder.id }, 'could not judge again an iCal notice that named a cancelled booking');
    }
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
