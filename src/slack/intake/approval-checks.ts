/**
 * Warnings for the approval message, worked out before it is posted: the same platform reference
 * already booked, and double bookings — another charter of the vessel in the window (bookings in
 * the store and iCal busy blocks not yet in the store), the captain or a crew member on an
 * overlapping charter (check-in to return). Approvers can still approve; the warnings say what to look at.
 */
import { findConflicts, type CharterWindow, type Conflict } from '../../booking/conflicts';
import { platformRefOf, sameReference } from '../../booking/platform';
import { charterSchedule, localDateTime } from '../../booking/time';
import type { BookingRequest, RosterMember } from '../../booking/types';
import type { Config } from '../../config';
import type { BookingStore } from '../../pipeline/store';
import type { BookingRecord, OfferedTrip } from '../../pipeline/types';
import { eventWhen } from '../blocks/intake';
import { bookingForEvent, feedKey, HOLDING_STATES, holdsBoat, readFeedState } from './ical-state';

export interface ApprovalCheckInput {
  bookingId: string;
  request: BookingRequest;
  roster: readonly RosterMember[];
  /**
   * The trip the iCal notice the booking came from offered: that event is the booking's own trip
   * whatever time or reference its form was given, not another booking in the way.
   */
  offered?: OfferedTrip;
  /** A change's booking as it stands: a trip the feed lists at its current time is being moved by the change. */
  current?: BookingRequest;
}

export type ApprovalChecks = (input: ApprovalCheckInput, nowMs: number) => Promise<string[]>;

export function bookingWindow(b: { id: string; request: BookingRequest }, config: Pick<Config, 'timezone' | 'rates'>): CharterWindow {
  const s = charterSchedule(b.request, config.timezone, config.rates.checkInLeadMinutes);
  return { id: b.id, source: 'booking', startMs: s.departure.toMillis(), endMs: s.return.toMillis(), checkInMs: s.checkIn.toMillis(), captain: b.request.captain, crew: b.request.crew };
}

/**
 * iCal events that hold the boat and no booking in the store (nor the candidate) accounts for; and
 * a warning when the candidate is an event's charter by its reference but departs when the feed no
 * longer says (a form opened from a notice before the platform moved the trip).
 */
async function feedChecks(store: BookingStore, config: Config, bookings: readonly BookingRecord[], candidate: ApprovalCheckInput, nowMs: number): Promise<{ busy: CharterWindow[]; warnings: string[] }> {
  const busy: CharterWindow[] = [];
  const warnings: string[] = [];
  const departs = bookingWindow({ id: candidate.bookingId, request: candidate.request }, config).startMs;
  for (const feed of config.ical.feeds) {
    const state = readFeedState((await store.getMeta(feedKey(feed.name)))?.value);
    const repeated = new Set(Object.values(state?.events ?? {}).flatMap((e) => (e.uid ? [e.uid] : [])));
    for (const [key, e] of Object.entries(state?.events ?? {})) {
      if (e.cancelled || e.endMs <= nowMs) continue;
      const uid = e.uid ?? key;
      // covered by a booking in the store, or the candidate itself (made from this very event)
      if (bookingForEvent(bookings, uid, e, config.timezone, feed.name, nowMs, repeated.has(uid))) continue;
      const self = { request: candidate.request, ...(candidate.offered ? { slack: { intakeNotice: { offered: candidate.offered } } } : {}) };
      if (bookingForEvent([self], uid, e, config.timezone, feed.name, nowMs, repeated.has(uid))) {
        if (!e.allDay && e.startMs !== departs) warnings.push(movedWarning(feed.name, e, candidate, config.timezone));
        continue;
      }
      busy.push({ id: key, source: 'ical', startMs: e.startMs, endMs: e.endMs, label: feed.name });
    }
  }
  return { busy, warnings };
}

/**
 * The booking's own trip is listed at another time. When the feed still lists it where the notice
 * offered it, or where the charter a change moves departs now, the time was changed here, not by
 * the platform.
 */
function movedWarning(feed: string, e: { startMs: number; endMs: number }, candidate: ApprovalCheckInput, timezone: string): string {
  const when = eventWhen(e.startMs, e.endMs, timezone);
  const { offered, current } = candidate;
  const offeredMs = offered?.date && offered.departureTime ? localDateTime(offered.date, offered.departureTime, timezone).toMillis() : undefined;
  const currentMs = current ? localDateTime(current.date, current.departureTime, timezone).toMillis() : undefined;
  if (offeredMs === e.startMs || currentMs === e.startMs) return `${feed} lists this trip at ${when}, not at this time: change it on ${feed} too, or check the time.`;
  return `${feed} lists this trip at ${when}, not at this time: it moved the trip after this form was filled in?`;
}

function describe(c: Conflict, names: Map<string, string>, config: Config): string {
  const when = eventWhen(c.other.startMs, c.other.endMs, config.timezone);
  if (c.other.source === 'ical') return `Overlaps a ${c.other.label ?? 'calendar'} booking not yet in charter-bot (${when}).`;
  const who = c.userId ? names.get(c.userId) ?? c.userId : '';
  if (c.kind === 'vessel') return `Overlaps charter ${c.other.id} (${when}): the boat is already booked.`;
  return `${who} (${c.kind}) is also on charter ${c.other.id} (${when}, check-in ${config.rates.checkInLeadMinutes} min before).`;
}

export function createApprovalChecks(store: BookingStore, config: Config): ApprovalChecks {
  return async (input, nowMs) => {
    const warnings: string[] = [];
    // A request that expired unapproved booked nothing: its message told the office to make a new
    // request if the charter is rescheduled (no duplicate of it), its slot is free, and a feed event
    // it named is not covered by it.
    const bookings = (await store.listByStates(HOLDING_STATES)).filter((b) => b.id !== input.bookingId && holdsBoat(b, config.timezone, nowMs));
    const ref = platformRefOf(input.request);
    if (ref) {
      for (const b of bookings) {
        const theirs = platformRefOf(b.request);
        if (theirs && sameReference(ref, theirs)) {
          const w = bookingWindow(b, config);
          const when = eventWhen(w.startMs, w.endMs, config.timezone);
          warnings.push(`${ref.platform} reference ${ref.ref} is already on booking ${b.id} (${when}, ${b.state.replace('_', ' ')}): is this a duplicate?`);
        }
      }
    }
    const names = new Map<string, string>();
    for (const m of input.roster) names.set(m.slackUserId, m.name);
    const feeds = await feedChecks(store, config, bookings, input, nowMs);
    warnings.push(...feeds.warnings);
    const others = [...bookings.map((b) => bookingWindow(b, config)), ...feeds.busy];
    const conflicts = findConflicts(bookingWindow({ id: input.bookingId, request: input.request }, config), others);
    for (const c of conflicts) warnings.push(describe(c, names, config));
    return warnings;
  };
}
