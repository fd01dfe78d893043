/**
 * What the iCal watcher keeps in the store's meta table, and how a feed event is matched to a
 * booking. One entry per feed (`ical:feed:{name}`: validators, the events last seen, whether the
 * feed is failing) and one per notice (`ical:notice:…`) claimed with a compare-and-set, so each
 * notice is posted by exactly one process, once, across restarts.
 */
import { platformRefOf } from '../../booking/platform';
import { localDateTime } from '../../booking/time';
import { sliceWhole } from '../blocks/format';
import type { IcalEvent, FeedValidators } from '../../integrations/ical-feed';
import type { BookingStore } from '../../pipeline/store';
import type { BookingRequest } from '../../booking/types';
import type { ApprovalNotices, BookingState, OfferedTrip } from '../../pipeline/types';
import { isExpiredRequest } from '../../pipeline/approval-policy';

export interface KnownEvent {
  startMs: number;
  endMs: number;
  cancelled: boolean;
  allDay?: boolean;
  summary?: string;
  description?: string;
  /**
   * The charter this event was last matched to. A charter matched by its departure time alone stops
   * matching once the platform moves the trip (it still departs at the old time until rescheduled);
   * the link keeps the trip's later moves and cancels going to that charter's thread.
   */
  bookingId?: string;
  /**
   * When that charter departed as the link was last confirmed. The link holds only while the charter
   * departs then or at the event's time now: a charter rescheduled elsewhere is no longer this trip's,
   * and an event later listed at neither time must not reach it.
   */
  linkedAtMs?: number;
  /**
   * The round whose "New … booking" notice offers [Create charter] at these times (no charter yet):
   * with the UID and times it names that notice's claim, which holds its ts, so a move redraws it
   * without the button instead of leaving two notices that both create the trip.
   */
  noticeRound?: number;
  /**
   * The key that notice was claimed under, when not this event's: the trip was re-listed under a
   * new UID (ical-relist) after its notice was posted.
   */
  noticeKey?: string;
  /** The event's UID when its key is not (a UID the feed repeats: see keyEvents). */
  uid?: string;
}

export interface FeedState {
  validators: FeedValidators;
  events: Record<string, KnownEvent>;
  /** Set while the feed fails; the failure is reported once per streak. */
  failing?: { code: string; sinceMs: number };
  /**
   * The last poll found the feed empty where it had listed charters to come. Platforms briefly
   * serve empty exports; the removals are believed when the next poll finds it empty too.
   */
  emptySinceMs?: number;
  /**
   * How many times the events were saved: notices are named by it, so the same change seen by
   * several processes is one notice, and a later one (an event back, moved back, cancelled again)
   * is news. Writes of `failing` or `emptySinceMs` keep it, so a notice never posts twice.
   */
  round?: number;
}

export const feedKey = (feed: string) => `ical:feed:${feed}`;

/** The claim of an event's new-booking notice; its value is `posted:{ts}` once posted. */
export const newNoticeKey = (feed: string, uid: string, e: Pick<KnownEvent, 'startMs' | 'endMs'>, round: number) => `ical:notice:${feed}:${uid}:new:${e.startMs}-${e.endMs}:r${round}`;

export function readFeedState(value: string | undefined): FeedState | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed = JSON.parse(value) as FeedState;
    if (parsed && typeof parsed === 'object' && parsed.events && typeof parsed.events === 'object') {
      return {
        validators: parsed.validators ?? {},
        events: parsed.events,
        ...(parsed.failing ? { failing: parsed.failing } : {}),
        ...(parsed.emptySinceMs !== undefined ? { emptySinceMs: parsed.emptySinceMs } : {}),
        ...(parsed.round !== undefined ? { round: parsed.round } : {}),
      };
    }
  } catch {
    // an unreadable entry is treated as a first poll
  }
  return undefined;
}

/**
 * Under DynamoDB's 400 KB item, with room to spare: a feed's state is one meta entry, and a state
 * that does not fit is never saved again (no move or cancel would be noticed from then on). In
 * UTF-8 bytes, as DynamoDB counts: a feed written in Cyrillic is two bytes a character.
 */
const FEED_STATE_MAX_BYTES = 300_000;

/**
 * The state as stored. Past the bound, the farthest events lose their text first (their times and
 * status stay, so none of them reads as new on the next poll; matching them falls back from the
 * reference to the platform and time).
 */
export function serializeFeedState(state: FeedState): string {
  let json = JSON.stringify(state);
  if (Buffer.byteLength(json) <= FEED_STATE_MAX_BYTES) return json;
  const events = { ...state.events };
  const farthestFirst = Object.keys(events).sort((a, b) => (events[b] as KnownEvent).startMs - (events[a] as KnownEvent).startMs);
  for (let i = 0; i < farthestFirst.length && Buffer.byteLength(json) > FEED_STATE_MAX_BYTES; i += 25) {
    for (const uid of farthestFirst.slice(i, i + 25)) {
      const { summary: _s, description: _d, ...bare } = events[uid] as KnownEvent;
      events[uid] = bare;
    }
    json = JSON.stringify({ ...state, events });
  }
  return json;
}

const repeatKey = (uid: string, startMs: number) => `${uid}|${startMs}`;

/**
 * The feed's events by their key in FeedState.events: the UID, unless the feed lists a UID more than
 * once without RECURRENCE-ID (a platform's export bug, or two trips it gave one UID). Those copies
 * are each a trip, told apart by their start: a copy keeps the key it had (the plain UID or
 * `UID|start`), and a new one takes the plain UID while that is free, so a second copy appearing
 * later reads as a new trip, not as the first one moving.
 * `carried` (new key → old key): once the UID is listed once again and the plain UID is free, the
 * lone copy's `UID|start` entry moves to the plain UID, the one it had or the only one left when the
 * copy has moved, so its moves from then on are moves, not "no longer lists it" plus a new trip.
 */
export function keyEvents(events: readonly IcalEvent[], before: Record<string, KnownEvent>): { keyed: Map<string, IcalEvent>; repeated: Set<string>; carried: Map<string, string> } {
  // Copies with the same start are one trip listed twice: the last one stands, as before.
  const byUid = new Map<string, Map<number, IcalEvent>>();
  for (const e of events) byUid.set(e.uid, (byUid.get(e.uid) ?? new Map<number, IcalEvent>()).set(e.startMs, e));
  const keyed = new Map<string, IcalEvent>();
  const repeated = new Set<string>();
  const carried = new Map<string, string>();
  for (const [uid, starts] of byUid) {
    const copies = [...starts.values()];
    if (copies.length > 1) repeated.add(uid);
    const taken = new Set<string>();
    const left: IcalEvent[] = [];
    for (const e of [...copies].sort((a, b) => a.startMs - b.startMs)) {
      const own = before[uid]?.startMs === e.startMs && !taken.has(uid) ? uid : before[repeatKey(uid, e.startMs)] ? repeatKey(uid, e.startMs) : undefined;
      if (own === undefined) {
        left.push(e);
        continue;
      }
      taken.add(own);
      keyed.set(own, e);
    }
    const lone = copies[0];
    if (copies.length === 1 && lone && before[uid] === undefined) {
      const stored = Object.keys(before).filter((k) => k !== uid && before[k]?.uid === uid);
      const from = keyed.has(repeatKey(uid, lone.startMs)) ? repeatKey(uid, lone.startMs) : stored.length === 1 ? stored[0] : undefined;
      if (from !== undefined) {
        keyed.delete(from);
        keyed.set(uid, lone);
        carried.set(uid, from);
        continue;
      }
    }
    for (const e of left) {
      const key = !taken.has(uid) && (copies.length === 1 || before[uid] === undefined) ? uid : repeatKey(uid, e.startMs);
      taken.add(key);
      keyed.set(key, e);
    }
  }
  return { keyed, repeated, carried };
}

export function knownEvent(e: IcalEvent): KnownEvent {
  return {
    startMs: e.startMs,
    endMs: e.endMs,
    cancelled: e.status === 'CANCELLED',
    ...(e.allDay ? { allDay: true } : {}),
    ...(e.summary ? { summary: sliceWhole(e.summary, 300) } : {}),
    // Enough to find a booking reference in; a feed's state is one store item (400 KB on DynamoDB).
    ...(e.description ? { description: sliceWhole(e.description, 1000) } : {}),
  };
}

/**
 * The states a booking that holds (or will hold) the boat may be in: everything but cancelled. What
 * the store is asked for; a request among them that expired unapproved holds nothing (holdsBoat).
 */
export const HOLDING_STATES: readonly BookingState[] = ['pending_approval', 'approved', 'running', 'done', 'failed'];

type Candidate = { request: BookingRequest; state?: BookingState; approvalNotices?: ApprovalNotices; slack?: { intakeNotice?: { offered?: OfferedTrip } } };

/**
 * Whether a booking holds the boat at `nowMs`: not cancelled, and not a request that expired
 * unapproved (it booked nothing; the office was told to make a new request). A candidate with no
 * state (the request being checked before it is stored) does.
 */
export function holdsBoat(b: Candidate, timezone: string, nowMs: number): boolean {
  if (b.state === undefined) return true;
  if (!HOLDING_STATES.includes(b.state)) return false;
  return !isExpiredRequest({ state: b.state, request: b.request, ...(b.approvalNotices ? { approvalNotices: b.approvalNotices } : {}) }, { timezone }, nowMs);
}

/**
 * Which of several bookings of one trip an event is about: one that was approved (its calendar
 * entry, SCC event and crew are what a move or cancel must reach) before one still awaiting approval.
 */
const rank = (b: Candidate) => (b.state === 'pending_approval' ? 1 : 0);

export function departureMs(b: { request: BookingRequest }, timezone: string): number {
  return localDateTime(b.request.date, b.request.departureTime, timezone).toMillis();
}

/** A booking reference as events and charters are compared by it: spaces and `#` ignored, any letter case. */
export const normRef = (s: string) => s.replace(/[\s#]/g, '').toUpperCase();

type EventText = Pick<KnownEvent, 'startMs' | 'summary' | 'description' | 'noticeKey'>;

const refPatterns = new Map<string, RegExp>();

/**
 * Whether a booking reference names the event: it is the event's UID, or it appears in the event's
 * text as a whole token (spaces and `#` inside it ignored), never inside a longer one: BS-1000 is
 * not in "BS-10000", which is another trip.
 */
export function refNamesEvent(ref: string, uid: string, event: EventText): boolean {
  const r = normRef(ref);
  if (r === normRef(uid)) return true;
  if (r.length < 4) return false;
  let pattern = refPatterns.get(r);
  if (!pattern) {
    const body = [...r].map((c) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('[\\s#]*');
    pattern = new RegExp(`(?<![\\p{L}\\p{N}])${body}(?![\\p{L}\\p{N}])`, 'u');
    // One per reference of the bookings in the store; a long-running process must not grow forever.
    if (refPatterns.size >= 5000) refPatterns.clear();
    refPatterns.set(r, pattern);
  }
  return pattern.test(`${event.summary ?? ''} ${event.description ?? ''}`.toUpperCase());
}

/**
 * Whether the booking was made from this event's "New … booking" notice (the trip its form offered,
 * kept with the request): the office booked this trip, whatever time or reference it then typed in
 * the form. The notice may have been claimed under the UID the trip had before it was re-listed
 * (`noticeKey`). A repeated UID names several trips: which one, the time the notice offered tells.
 */
function offeredEvent(b: Candidate, uid: string, event: EventText, timezone: string, feed: string, repeatedUid: boolean): boolean {
  const offered = b.slack?.intakeNotice?.offered;
  if (!offered || offered.feed.trim().toLowerCase() !== feed.toLowerCase()) return false;
  const underKey = event.noticeKey !== undefined && (event.noticeKey === offered.uid || event.noticeKey.startsWith(`${offered.uid}|`));
  if (offered.uid !== uid && !underKey) return false;
  if (!repeatedUid) return true;
  if (!offered.date || !offered.departureTime) return false;
  return localDateTime(offered.date, offered.departureTime, timezone).toMillis() === event.startMs;
}

/**
 * The first of `bookings` whose reference names the event or that was made from the event's notice,
 * else the first of its platform (or none) departing when it starts, leaving out for the latter
 * those `notByTime` says belong to another event.
 */
function matchEvent<B extends Candidate>(bookings: readonly B[], uid: string, event: EventText, timezone: string, feed: string, repeatedUid = false, notByTime: (b: B) => boolean = () => false): B | undefined {
  const byRef = bookings.find((b) => {
    if (offeredEvent(b, uid, event, timezone, feed, repeatedUid)) return true;
    const ref = platformRefOf(b.request)?.ref;
    if (!ref) return false;
    // Copies of a repeated UID share its reference: which trip a charter is, its time tells.
    if (repeatedUid && departureMs(b, timezone) !== event.startMs) return false;
    return refNamesEvent(ref, uid, event);
  });
  const platform = (b: B) => (platformRefOf(b.request)?.platform ?? b.request.platform?.trim() ?? '').toLowerCase();
  return byRef ?? bookings.find((b) => departureMs(b, timezone) === event.startMs && [feed.toLowerCase(), '', 'platform'].includes(platform(b)) && !notByTime(b));
}

/**
 * The booking an event of feed `feed` belongs to: one whose platform reference is the event's UID
 * or appears in its summary/description, or one made from the event's notice; failing that, one of that platform (or of none) departing
 * exactly when the event starts(ed). Never a booking of another platform by its time alone: boats
 * sell fixed slots, so two platforms' bookings at 10:00 are the usual double booking, not one charter.
 * Only bookings that hold the boat count, an approved one before a pending one: after a request
 * expired the office makes a new one with the same reference, and a move or cancel of the trip is
 * about that one.
 */
export function bookingForEvent<B extends Candidate>(bookings: readonly B[], uid: string, event: EventText, timezone: string, feed: string, nowMs: number, repeatedUid = false): B | undefined {
  const holding = bookings.filter((b) => holdsBoat(b, timezone, nowMs)).sort((a, b) => rank(a) - rank(b));
  return matchEvent(holding, uid, event, timezone, feed, repeatedUid);
}

type Linked = Pick<KnownEvent, 'startMs' | 'bookingId' | 'linkedAtMs'>;

/**
 * bookingForEvent for every event of a poll, the bookings that hold the boat sorted once.
 * `linkOf`: the charter an event was linked to (`was`), while it holds the boat and departs when the
 * link was last confirmed (the event's time then, for a state saved before linkedAtMs) or at
 * `nowStartMs`, the event's time now. `match`: the match for any of the event's times (where the
 * feed had it, where it is now; the last is now), never by time a charter
 * `linkedElsewhere` (one charter is one trip: a new booking in the slot a linked trip left is news),
 * or the linked charter when that match is none or ranks no higher (approved before pending).
 */
export function eventMatcher<B extends Candidate & { id: string }>(bookings: readonly B[], timezone: string, feed: string, nowMs: number) {
  const holding = bookings.filter((b) => holdsBoat(b, timezone, nowMs)).sort((a, b) => rank(a) - rank(b));
  const byId = new Map(holding.map((b) => [b.id, b]));
  const linkOf = (was: Linked | undefined, nowStartMs: number | undefined): B | undefined => {
    const b = was?.bookingId === undefined ? undefined : byId.get(was.bookingId);
    if (!b || !was) return undefined;
    const departs = departureMs(b, timezone);
    return departs === (was.linkedAtMs ?? was.startMs) || departs === nowStartMs ? b : undefined;
  };
  const match = (was: Linked | undefined, uid: string, seen: readonly EventText[], repeatedUid: boolean, linkedElsewhere: (id: string) => boolean): B | undefined => {
    const linked = linkOf(was, seen[seen.length - 1]?.startMs);
    const matched = seen.map((e) => matchEvent(holding, uid, e, timezone, feed, repeatedUid, (b) => linkedElsewhere(b.id))).find((b) => b !== undefined);
    // An approved charter of the trip before a pending request linked earlier (its move or cancel
    // must reach the calendar entry and crew); the link only decides between equals.
    if (!linked || !matched) return linked ?? matched;
    return rank(matched) < rank(linked) ? matched : linked;
  };
  return { linkOf, match };
}

/** The request for this event that expired unapproved, when no booking holds it: what its new-booking notice names. */
export function expiredRequestForEvent<B extends Candidate>(bookings: readonly B[], uid: string, event: EventText, timezone: string, feed: string, nowMs: number): B | undefined {
  return matchEvent(bookings.filter((b) => b.state === 'pending_approval' && !holdsBoat(b, timezone, nowMs)), uid, event, timezone, feed);
}

/** Claims a notice: true for exactly one caller. A claim older than `staleMs` whose post never finished is taken over. */
export async function claimNotice(store: BookingStore, key: string, nowMs: number, staleMs = 5 * 60_000): Promise<{ version: number } | undefined> {
  const current = await store.getMeta(key);
  if (!current) {
    const won = await store.casMeta(key, `posting:${nowMs}`, 0);
    return won ? { version: won.version } : undefined;
  }
  const [status, at] = current.value.split(':');
  const retry = status === 'failed' || (status === 'posting' && nowMs - Number(at) > staleMs);
  if (!retry) return undefined;
  const won = await store.casMeta(key, `posting:${nowMs}`, current.version);
  return won ? { version: won.version } : undefined;
}

export async function finishNotice(store: BookingStore, key: string, claim: { version: number }, ok: boolean, detail = ''): Promise<void> {
  await store.casMeta(key, ok ? `posted:${detail}` : 'failed:', claim.version);
}
