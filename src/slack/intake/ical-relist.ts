/**
 * A trip a platform re-lists under a new UID: platforms do this when a booking is modified or the
 * listing re-synced, so in one poll the old UID disappears and a new one appears with the same trip.
 * Read as a removal plus a new event, the charter would be told "no longer lists it" with
 * [Cancel charter] and the ops channel offered [Create charter] for the same trip. Paired here, the
 * new UID takes over the old one's state (its link to a charter, its "new" notice).
 *
 * Pairing errs towards not pairing: a re-list missed costs the old notices (a "no longer lists it"
 * the office checks, a second [Create charter]); a wrong pairing hides a real cancel and hands one
 * guest's charter another guest's trip.
 */
import { parseConfirmation } from '../../booking/intake/parse-confirmation';
import { normRef, refNamesEvent, type KnownEvent } from './ical-state';

/**
 * What the event's text gives as its booking reference, as [Create charter] prefills it (never its
 * UID, which is what changed). parseConfirmation reads it from a reference label, but under a bare
 * "Booking:" or "Reservation:" that is the first token with a digit: "4-hour", "2026", a phone.
 */
function eventRef(e: KnownEvent, timezone: string, nowMs: number): string | undefined {
  const text = [e.summary, e.description].filter(Boolean).join('\n');
  return text === '' ? undefined : parseConfirmation(text, { timezone, nowMs }).fields.platformRef;
}


/** A month or weekday, in full or short, straight before a number: a date, not a code. */
const DATE_WORD = /^(JAN(UARY)?|FEB(RUARY)?|MAR(CH)?|APR(IL)?|MAY|JUNE?|JULY?|AUG(UST)?|SEPT?(EMBER)?|OCT(OBER)?|NOV(EMBER)?|DEC(EMBER)?|MON(DAY)?|TUE(S(DAY)?)?|WED(NESDAY)?|THU(R(S(DAY)?)?)?|FRI(DAY)?|SAT(URDAY)?|SUN(DAY)?)-?\d/;

/**
 * Whether a reference reads as a platform's booking code (BS-48213, HMABC12345): it starts with a
 * letter and holds at least three digits, so an hour count ("4-hour"), a year, a phone number or a
 * time ("10am-2pm") is none, nor a date written with its month or weekday ("Dec19"). Only such a
 * code pairs two events at different times.
 */
export function isBookingCode(ref: string): boolean {
  const r = normRef(ref);
  return /^[A-Z][A-Z0-9-]{3,}$/.test(r) && (r.match(/\d/g) ?? []).length >= 3 && !DATE_WORD.test(r);
}

/** An event by its key (its UID), its summary as compared, and the reference its text gives. */
type Trip = { key: string; e: KnownEvent; summary: string; ref: string | undefined; code: string | undefined };

/** The summary as compared: the renter's name on the platforms we see, so another guest's trip differs. */
const summaryOf = (e: KnownEvent) => (e.summary ?? '').replace(/\s+/g, ' ').trim();

const sameTimes = (a: KnownEvent, b: KnownEvent) => a.startMs === b.startMs && a.endMs === b.endMs;

/**
 * Whether two events are one trip. Always the same summary. Then, when both give a reference and
 * the references differ, not (two bookings, whatever else they share); when both give a booking
 * code (isBookingCode) and it is the same, each naming the other as a whole token, yes, at any
 * times; otherwise only at the same start and end. A reference that is not a booking code never
 * pairs across a time change: "Booking: 4-hour cruise" is in many guests' trips.
 */
function sameTrip(gone: Trip, fresh: Trip): boolean {
  if (gone.summary !== fresh.summary) return false;
  if (gone.ref !== undefined && fresh.ref !== undefined && normRef(gone.ref) !== normRef(fresh.ref)) return false;
  if (gone.code !== undefined && fresh.code !== undefined && refNamesEvent(gone.code, fresh.key, fresh.e) && refNamesEvent(fresh.code, gone.key, gone.e)) return true;
  return sameTimes(gone.e, fresh.e);
}

/**
 * The re-listed trips of one poll, as new key → old key. `before`: the events as last saved;
 * `current`: this poll's. Only plain UIDs take part: an event that disappeared (not cancelled, not
 * ended) whose UID the feed no longer lists at all, and a new, live one whose UID was never in the
 * state. The copies of a UID the feed repeats (or repeated) are left out: they share a reference
 * and are told apart by their start, so which new UID is which copy cannot be told. Each old event
 * pairs with at most one new one, the one at its own times first; keys are taken in sorted order so
 * every process polling the same state and feed pairs them alike.
 */
export function relistedTrips(before: Record<string, KnownEvent>, current: Record<string, KnownEvent>, repeated: ReadonlySet<string>, timezone: string, nowMs: number): Map<string, string> {
  const pairs = new Map<string, string>();
  const listedUids = new Set(Object.entries(current).map(([key, e]) => e.uid ?? key));
  const repeatedBefore = new Set(Object.values(before).flatMap((e) => (e.uid ? [e.uid] : [])));
  const goneKeys = Object.keys(before)
    .filter((key) => {
      const e = before[key] as KnownEvent;
      return current[key] === undefined && !e.cancelled && e.endMs > nowMs && e.uid === undefined && !repeatedBefore.has(key) && !listedUids.has(key);
    })
    .sort();
  if (goneKeys.length === 0) return pairs;
  const freshKeys = Object.keys(current)
    .filter((key) => {
      const e = current[key] as KnownEvent;
      return before[key] === undefined && !e.cancelled && e.uid === undefined && !repeated.has(key) && !repeatedBefore.has(key);
    })
    .sort();
  if (freshKeys.length === 0) return pairs;
  const trip = (key: string, e: KnownEvent): Trip => {
    const ref = eventRef(e, timezone, nowMs);
    return { key, e, summary: summaryOf(e), ref, code: ref !== undefined && isBookingCode(ref) ? normRef(ref) : undefined };
  };
  // Indexed by what sameTrip can pair on, the summary first (in JSON, so no summary's text runs
  // into the times or code after it): a platform re-syncing every trip at once is a lookup per
  // event, not every gone event against every new one.
  const atKey = (t: Trip) => JSON.stringify([t.summary, t.e.startMs, t.e.endMs]);
  const codeKey = (t: Trip) => (t.code === undefined ? undefined : JSON.stringify([t.summary, t.code]));
  const byTimes = new Map<string, Trip[]>();
  const byCode = new Map<string, Trip[]>();
  const index = (map: Map<string, Trip[]>, k: string | undefined, t: Trip) => {
    if (k === undefined) return;
    const bucket = map.get(k);
    if (bucket) bucket.push(t);
    else map.set(k, [t]);
  };
  for (const key of freshKeys) {
    const f = trip(key, current[key] as KnownEvent);
    index(byTimes, atKey(f), f);
    index(byCode, codeKey(f), f);
  }
  const free = (f: Trip) => !pairs.has(f.key);
  for (const key of goneKeys) {
    const gone = trip(key, before[key] as KnownEvent);
    const mate = (f: Trip) => free(f) && sameTrip(gone, f);
    const k = codeKey(gone);
    const pick = (byTimes.get(atKey(gone)) ?? []).find(mate) ?? (k === undefined ? undefined : (byCode.get(k) ?? []).find(mate));
    if (pick) pairs.set(pick.key, key);
  }
  return pairs;
}
