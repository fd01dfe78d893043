/**
 * A trip a platform re-lists under a new UID: platforms do this when a booking is modified or the
 * listing re-synced, so in one poll the old UID disappears and a new one appears with the same trip.
 * Read as a removal plus a new event, the charter would be told "no longer lists it" with
 * [Cancel charter] and the ops channel offered [Create charter] for the same trip. Paired here, the
 * new UID takes over the old one's state (its link to a charter, its "new" notice).
 */
import { parseConfirmation } from '../../booking/intake/parse-confirmation';
import { refNamesEvent, type KnownEvent } from './ical-state';

/**
 * The trip's booking reference as [Create charter] prefills it from the event's text (never its
 * UID, which is what changed).
 */
function eventRef(e: KnownEvent, timezone: string, nowMs: number): string | undefined {
  const text = [e.summary, e.description].filter(Boolean).join('\n');
  return text === '' ? undefined : parseConfirmation(text, { timezone, nowMs }).fields.platformRef;
}

/** An event by its key (its UID) and the booking reference its text gives. */
type Trip = { key: string; e: KnownEvent; ref: string | undefined };

/** A reference as refNamesEvent compares it: spaces and `#` inside it ignored, any letter case. */
const normRef = (ref: string) => ref.replace(/[\s#]/g, '').toUpperCase();

/**
 * Whether two events are one trip: the same booking reference, each naming the other as a whole
 * token (as a charter's reference is matched), or, when neither has a reference, the same start,
 * end and summary. One with a reference and one without are not: nothing says they are one booking.
 */
function sameTrip(gone: Trip, fresh: Trip): boolean {
  if (gone.ref !== undefined || fresh.ref !== undefined) {
    return gone.ref !== undefined && fresh.ref !== undefined && normRef(gone.ref) === normRef(fresh.ref) && refNamesEvent(gone.ref, fresh.key, fresh.e) && refNamesEvent(fresh.ref, gone.key, gone.e);
  }
  return gone.e.startMs === fresh.e.startMs && gone.e.endMs === fresh.e.endMs && (gone.e.summary ?? '') === (fresh.e.summary ?? '');
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
  const withRef = (key: string, e: KnownEvent): Trip => ({ key, e, ref: eventRef(e, timezone, nowMs) });
  // Bucketed by what sameTrip compares, so a platform re-syncing every trip at once is not
  // hundreds of thousands of text searches: only events whose references read alike (or, without
  // one, whose times and summary are equal) are compared.
  const bucketOf = (t: Trip) => (t.ref !== undefined ? `ref:${normRef(t.ref)}` : `at:${t.e.startMs}-${t.e.endMs}:${t.e.summary ?? ''}`);
  const buckets = new Map<string, Trip[]>();
  for (const key of freshKeys) {
    const f = withRef(key, current[key] as KnownEvent);
    const bucket = buckets.get(bucketOf(f));
    if (bucket) bucket.push(f);
    else buckets.set(bucketOf(f), [f]);
  }
  for (const key of goneKeys) {
    const gone = withRef(key, before[key] as KnownEvent);
    const candidates = (buckets.get(bucketOf(gone)) ?? []).filter((f) => !pairs.has(f.key) && sameTrip(gone, f));
    const pick = candidates.find((f) => f.e.startMs === gone.e.startMs && f.e.endMs === gone.e.endMs) ?? candidates[0];
    if (pick) pairs.set(pick.key, key);
  }
  return pairs;
}
