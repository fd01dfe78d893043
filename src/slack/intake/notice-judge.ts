/**
 * Whether an iCal notice whose request was cancelled before approval may offer [Create charter]
 * again, judged as the watcher judges a trip: from the event as the feed last listed it (the feed
 * state) and the charters that hold the boat. The cancelled request's own details are not the
 * trip's: another request or charter may hold it (the office booked it twice and cancelled one as
 * the duplicate), or the platform may have moved or cancelled it while the request waited. The trip
 * is the one the notice offered (kept with the request when its form was opened), at the time it
 * offered: the request's own time and reference may have been edited in the form.
 */
import type { Config } from '../../config';
import { platformRefOf, sameReference } from '../../booking/platform';
import { cancelOperation } from '../../pipeline/operations';
import type { BookingStore } from '../../pipeline/store';
import { localDateTime } from '../../booking/time';
import type { BookingRecord, OfferedTrip } from '../../pipeline/types';
import { eventWhen } from '../blocks/intake';
import { bookingForEvent, departureMs, eventMatcher, feedKey, HOLDING_STATES, holdsBoat, readFeedState } from './ical-state';

export type NoticeJudgement =
  | { kind: 'free' }
  | { kind: 'held'; bookingId: string }
  | { kind: 'moved'; feed: string; when: string }
  | { kind: 'cancelled'; feed: string }
  | { kind: 'removed'; feed: string };

/**
 * Whether a booking keeps a notice from offering its trip: it holds the boat as the watcher sees it,
 * and is not a charter being cancelled (its cancel, once started, ends in 'cancelled'; the watcher
 * counts it until then, but a notice naming it would send the office to a charter that is going away).
 */
export function holdsTrip(b: BookingRecord, tz: string, nowMs: number): boolean {
  return holdsBoat(b, tz, nowMs) && cancelOperation(b) === undefined;
}

export type NoticeJudge = (booking: BookingRecord, nowMs: number) => Promise<NoticeJudgement>;

export function createNoticeJudge(store: Pick<BookingStore, 'getMeta' | 'listByStates'>, config: Pick<Config, 'timezone' | 'ical'>): NoticeJudge {
  return async (booking, nowMs) => {
    const tz = config.timezone;
    const holding = (await store.listByStates(HOLDING_STATES)).filter((b) => b.id !== booking.id && holdsTrip(b, tz, nowMs));
    const ref = platformRefOf(booking.request);
    const offered = booking.slack.intakeNotice?.offered;
    // Where the trip was when the notice offered it: the form's prefill, not the request, whose time may have been edited.
    const at = offeredTimes(offered, tz) ?? requestTimes(booking, tz);
    const sameFeed = (name: string) => name.toLowerCase() === (offered?.feed ?? ref?.platform ?? booking.request.platform ?? '').trim().toLowerCase();
    for (const feed of config.ical.feeds) {
      const state = readFeedState((await store.getMeta(feedKey(feed.name)))?.value);
      const events = Object.entries(state?.events ?? {});
      const repeated = new Set(events.flatMap(([, e]) => (e.uid ? [e.uid] : [])));
      // The trip is the event linked to the request, else the one the notice offered (under its UID,
      // or the UID it was re-listed under), else the one the request's reference (or time) names.
      const offeredHere = offered && sameFeed(feed.name) ? offered.uid : undefined;
      const found =
        events.find(([, e]) => e.bookingId === booking.id) ??
        (offeredHere !== undefined ? events.find(([key, e]) => ((e.uid ?? key) === offeredHere || e.noticeKey === offeredHere) && (!repeated.has(e.uid ?? key) || e.startMs === at?.startMs)) : undefined) ??
        events.find(([key, e]) => bookingForEvent([{ request: booking.request }], e.uid ?? key, e, tz, feed.name, nowMs, repeated.has(e.uid ?? key)) !== undefined);
      if (!found) {
        // The notice was posted from this feed's state, which keeps every event to come: a trip of
        // this feed it no longer has was dropped by the platform (or has ended) while the request waited.
        if (state && !state.failing && sameFeed(feed.name)) return { kind: 'removed', feed: feed.name };
        continue;
      }
      const [key, e] = found;
      // Held as the watcher sees it: the charter the feed state links to the trip, one made from its
      // notice (whatever its form changed), or one its reference or departure time matches.
      const holder = eventMatcher(holding, tz, feed.name, nowMs).match(e, e.uid ?? key, [e], repeated.has(e.uid ?? key), () => false);
      if (holder) return { kind: 'held', bookingId: holder.id };
      if (e.cancelled) return { kind: 'cancelled', feed: feed.name };
      // The end to the minute: a prefilled duration is rounded to hundredths of an hour.
      if (!e.allDay && at && (e.startMs !== at.startMs || Math.abs(e.endMs - at.endMs) >= 60_000)) return { kind: 'moved', feed: feed.name, when: eventWhen(e.startMs, e.endMs, tz, e.allDay) };
      return { kind: 'free' };
    }
    // The feed never listed it (or no longer watches it): a charter with its reference still holds it.
    const same = ref && holding.find((b) => {
      const other = platformRefOf(b.request);
      return other !== undefined && sameReference(ref, other);
    });
    return same ? { kind: 'held', bookingId: same.id } : { kind: 'free' };
  };
}

type Times = { startMs: number; endMs: number };

function requestTimes(booking: BookingRecord, tz: string): Times {
  const startMs = departureMs(booking, tz);
  return { startMs, endMs: startMs + (Number(booking.request.durationHours) || 0) * 3_600_000 };
}

/** Undefined for a notice of an all-day event (no time offered) or one offered before the trip was kept. */
function offeredTimes(offered: OfferedTrip | undefined, tz: string): Times | undefined {
  if (!offered?.date || !offered.departureTime || offered.durationHours === undefined) return undefined;
  const start = localDateTime(offered.date, offered.departureTime, tz);
  if (!start.isValid) return undefined;
  return { startMs: start.toMillis(), endMs: start.toMillis() + offered.durationHours * 3_600_000 };
}
