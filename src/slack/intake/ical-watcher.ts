/**
 * The iCal watcher, a PeriodicTask: polls each CHARTER_ICAL_FEEDS feed, compares it with what the
 * store remembers of it, and posts
 *   - a new event (by UID) no booking covers → "New Boatsetter booking · … [Create charter]" (ops channel);
 *   - an event that moved → a notice in its booking's thread with [Reschedule];
 *   - an event that disappeared or became STATUS:CANCELLED → a notice with [Cancel charter], or,
 *     when no charter was made from its "new" notice, that notice redrawn without [Create charter];
 *   - a trip re-listed under a new UID in one poll (ical-relist) → nothing, or a move if its time changed.
 * Each notice is claimed in the store with a compare-and-set before it is posted, so several
 * processes (or a restart) post it once. A feed that fails is reported once per failure streak and
 * polled again next tick; nothing here throws into the scheduler for one bad feed.
 */
import type { WebClient } from '@slack/web-api';
import { DateTime } from 'luxon';
import { parseConfirmation, type IntakeFields } from '../../booking/intake/parse-confirmation';
import type { Config, IcalFeed } from '../../config';
import { IntegrationError } from '../../integrations/errors';
import type { IcalEvent, IcalFeedClient } from '../../integrations/ical-feed';
import type { Logger } from '../../log';
import { sliceWhole } from '../blocks/format';
import type { PeriodicTask } from '../../pipeline/periodic';
import { cancelledBeforeApproval } from '../../pipeline/operations';
import type { BookingStore } from '../../pipeline/store';
import type { BookingRecord } from '../../pipeline/types';
import type { SlackMessage } from '../blocks/approval';
import { bookingMetadata } from '../booking-ref';
import {
  cancelledEventNotice,
  encodeCreateValue,
  eventWhen,
  feedFailedNotice,
  feedRecoveredNotice,
  movedEventNotice,
  newEventNotice,
  repeatedUidNotice,
  supersededEventNotice,
} from '../blocks/intake';
import { relistedTrips } from './ical-relist';
import { claimNotice, departureMs, eventMatcher, expiredRequestForEvent, feedKey, finishNotice, HOLDING_STATES, holdsBoat, keyEvents, knownEvent, newNoticeKey, readFeedState, serializeFeedState, type FeedState, type KnownEvent } from './ical-state';

export interface IcalWatcherDeps {
  store: BookingStore;
  client: WebClient;
  config: Config;
  log: Logger;
  feeds: Pick<IcalFeedClient, 'fetch'>;
  /**
   * Skip a feed polled less than this long ago (by any process). 0 in a long-lived process, whose
   * own interval spaces the polls; on Lambda, where a one-minute schedule runs every periodic task,
   * about CHARTER_ICAL_POLL_MINUTES so the platforms are polled as configured.
   */
  minPollGapMs?: number;
}

export function icalWatcherTask(deps: IcalWatcherDeps): PeriodicTask {
  return { name: 'ical-watcher', everyMs: deps.config.ical.pollMinutes * 60_000, run: (nowMs) => pollFeeds(deps, nowMs) };
}

/** One poll of every feed; each feed's failure stays with that feed. */
export async function pollFeeds(deps: IcalWatcherDeps, nowMs: number): Promise<void> {
  await Promise.all(
    deps.config.ical.feeds.map((feed) =>
      pollFeed(deps, feed, nowMs).catch((err: unknown) =>
        // The name, code and operator message only: an error here may quote the feed URL, which carries a token.
        deps.log.warn({ err: { name: (err as Error).name, code: (err as { code?: string }).code, operatorMessage: (err as { operatorMessage?: string }).operatorMessage }, feed: feed.name }, 'iCal poll failed; next tick tries again'),
      ),
    ),
  );
}

/** Claims this poll of a feed when polls are gated: false when it was polled recently or another process just claimed it. */
async function claimPoll(deps: IcalWatcherDeps, feed: IcalFeed, nowMs: number): Promise<boolean> {
  const gap = deps.minPollGapMs ?? 0;
  if (gap <= 0) return true;
  const key = `ical:polled:${feed.name}`;
  const last = await deps.store.getMeta(key);
  if (last && nowMs - Number(last.value) < gap) return false;
  return (await deps.store.casMeta(key, String(nowMs), last?.version ?? 0)) !== undefined;
}

async function pollFeed(deps: IcalWatcherDeps, feed: IcalFeed, nowMs: number): Promise<void> {
  const { store, log } = deps;
  if (!(await claimPoll(deps, feed, nowMs))) return;
  const entry = await store.getMeta(feedKey(feed.name));
  const previous = readFeedState(entry?.value);
  let fetched;
  try {
    fetched = await deps.feeds.fetch(feed, previous?.validators ?? {}, deps.config.timezone);
  } catch (err) {
    const code = err instanceof IntegrationError ? err.code : 'ICAL_ERROR';
    const message = err instanceof IntegrationError ? err.operatorMessage : `The ${feed.name} calendar feed could not be read.`;
    log.warn({ feed: feed.name, code }, 'iCal feed failed');
    if (previous?.failing) return; // already reported in this streak
    const next: FeedState = { validators: previous?.validators ?? {}, events: previous?.events ?? {}, failing: { code, sinceMs: nowMs }, ...(previous?.round !== undefined ? { round: previous.round } : {}) };
    // Whoever records the streak reports it: one message however many processes poll.
    if (await store.casMeta(feedKey(feed.name), serializeFeedState(next), entry?.version ?? 0)) await post(deps, feedFailedNotice({ feed: feed.name, message }));
    return;
  }
  if (fetched.kind === 'not_modified') {
    if (previous?.failing) await recover(deps, feed, previous, entry?.version ?? 0);
    // The feed is what it was before the empty answer (its validators are that state's): the blip is over.
    else if (previous?.emptySinceMs !== undefined) await store.casMeta(feedKey(feed.name), serializeFeedState({ validators: previous.validators, events: previous.events, ...(previous.round !== undefined ? { round: previous.round } : {}) }), entry?.version ?? 0);
    return;
  }

  const stored = previous?.events ?? {};
  // Only what has not ended is news, and only that is kept: the state is one store item.
  const upcoming = fetched.events.filter((e) => e.endMs > nowMs);
  const listedBefore = Object.values(stored).filter((e) => !e.cancelled && e.endMs > nowMs).length;
  if (previous && upcoming.length === 0 && listedBefore > 0 && previous.emptySinceMs === undefined) {
    // Believed on the next poll: a platform serving an empty export for a moment must not put a
    // "no longer lists it" notice with [Cancel charter] under every charter.
    log.warn({ feed: feed.name, listedBefore }, 'iCal feed came back empty; its removals wait for the next poll');
    await store.casMeta(feedKey(feed.name), serializeFeedState({ ...previous, emptySinceMs: nowMs }), entry?.version ?? 0);
    return;
  }
  const bookings = await store.listByStates(HOLDING_STATES);
  // Keyed by UID, or UID and start for the copies of a UID the feed repeats (keyEvents).
  const { keyed: events, repeated, carried } = keyEvents(upcoming, stored);
  // A copy carried to the plain UID, or a trip re-listed under a new UID, is compared with what it
  // was under its old key; its "new" notice stays claimed under that key (noticeKey), which is how
  // a later move or cancel finds it to take its [Create charter] away.
  const before: Record<string, KnownEvent> = { ...stored };
  const takeOver = (to: string, from: string) => {
    const was = before[from] as KnownEvent;
    before[to] = was.noticeRound !== undefined ? { ...was, noticeKey: was.noticeKey ?? from } : was;
    delete before[from];
  };
  for (const [to, from] of carried) takeOver(to, from);
  const current: Record<string, KnownEvent> = {};
  for (const [key, e] of events) current[key] = { ...knownEvent(e), ...(key !== e.uid ? { uid: e.uid } : {}) };
  let allPosted = true;
  const tz = deps.config.timezone;
  // A trip re-listed under a new UID is compared with what it was under the old one: its charter
  // link and its "new" notice carry over, so neither "no longer lists it" nor a second
  // [Create charter] is posted, and a new time is a move.
  const relisted = relistedTrips(before, current, repeated, tz, nowMs);
  for (const [to, from] of relisted) takeOver(to, from);
  if (relisted.size > 0) log.info({ feed: feed.name, relisted: [...relisted].map(([to, from]) => ({ from, to })) }, 'iCal events re-listed under new UIDs: read as the same trips');
  // Notices are named by the saved events they change (FeedState.round): the same change seen by
  // several processes is one notice, and an event that comes back, moves back or is cancelled
  // again later is news again.
  const round = previous?.round ?? 0;
  // The charter an event was matched to stays its charter (FeedState's bookingId) while it holds
  // the boat: matched by time alone, it no longer matches once the platform moves the trip.
  const { linkOf, match } = eventMatcher(bookings, tz, feed.name, nowMs);
  // A charter linked to one event is not another event's by time (FeedState's linkedAtMs).
  const linkedTo = new Map<string, string>();
  for (const [key, was] of Object.entries(before)) {
    const linked = linkOf(was, (current[key] ?? was).startMs);
    if (linked) linkedTo.set(linked.id, key);
  }
  const uidOf = (key: string) => current[key]?.uid ?? before[key]?.uid ?? key;
  const bookingOf = (key: string, ...seen: KnownEvent[]) =>
    match(before[key], uidOf(key), seen, repeated.has(uidOf(key)) || before[key]?.uid !== undefined, (id) => (linkedTo.get(id) ?? key) !== key);
  // A trip whose only request expired unapproved is a new booking to make: its notice names that request.
  const expiredFor = (key: string, ...seen: KnownEvent[]) => {
    const linked = before[key]?.bookingId;
    const link = linked === undefined ? undefined : bookings.find((b) => b.id === linked && b.state === 'pending_approval' && !holdsBoat(b, tz, nowMs));
    return link ?? seen.map((e) => expiredRequestForEvent(bookings, uidOf(key), e, tz, feed.name, nowMs)).find((b) => b !== undefined);
  };

  for (const uid of repeated) {
    // Told once per feed and UID (again only after the feed stopped repeating it).
    if (Object.values(before).some((e) => e.uid === uid)) continue;
    const copies = [...events.values()].filter((e) => e.uid === uid);
    allPosted = (await notify(deps, `ical:notice:${feed.name}:${uid}:repeated:r${round}`, nowMs, repeatedUidNotice({ feed: feed.name, uid, whens: copies.map((e) => eventWhen(e.startMs, e.endMs, tz, e.allDay)) }))) && allPosted;
  }
  for (const [key, now] of Object.entries(current)) {
    const seen = before[key];
    const booking = seen ? bookingOf(key, seen, now) : bookingOf(key, now);
    const was = seen && (await noticeAfterLink(deps, seen, booking));
    if (booking) {
      now.bookingId = booking.id;
      now.linkedAtMs = departureMs(booking, tz);
    }
    if (now.cancelled) {
      if (was && !was.cancelled) allPosted = (await cancelled(deps, feed, key, was, 'cancelled', booking, round, nowMs)) && allPosted;
      continue;
    }
    if (!was || was.cancelled) {
      if (!booking) {
        now.noticeRound = round;
        allPosted = (await created(deps, feed, key, events.get(key) as IcalEvent, now, round, nowMs, expiredFor(key, now))) && allPosted;
      }
      continue;
    }
    if (was.startMs === now.startMs && was.endMs === now.endMs) {
      // Kept while a charter holds the trip too: should its request be cancelled before approval,
      // the notice offers the trip again, and a later move or cancel must find it.
      if (was.noticeRound !== undefined) {
        now.noticeRound = was.noticeRound;
        if (was.noticeKey !== undefined) now.noticeKey = was.noticeKey;
      }
    } else if (booking) {
      allPosted = (await moved(deps, feed, key, was, now, booking, round, nowMs)) && allPosted;
    } else {
      now.noticeRound = round;
      const posted = await created(deps, feed, key, events.get(key) as IcalEvent, now, round, nowMs, expiredFor(key, was, now));
      if (posted) await supersede(deps, feed, key, was, now);
      allPosted = posted && allPosted;
    }
  }
  for (const [key, seen] of Object.entries(before)) {
    if (current[key] || seen.cancelled || seen.endMs <= nowMs) continue;
    const booking = bookingOf(key, seen);
    allPosted = (await cancelled(deps, feed, key, await noticeAfterLink(deps, seen, booking), 'removed', booking, round, nowMs)) && allPosted;
  }

  // A notice that could not be posted keeps the old state, so the next tick finds the change again.
  if (!allPosted) return;
  const next: FeedState = { validators: fetched.validators, events: current, round: round + 1 };
  const written = await store.casMeta(feedKey(feed.name), serializeFeedState(next), entry?.version ?? 0);
  if (written && previous?.failing) await post(deps, feedRecoveredNotice(feed.name));
}

async function recover(deps: IcalWatcherDeps, feed: IcalFeed, previous: FeedState, version: number): Promise<void> {
  const next: FeedState = { validators: previous.validators, events: previous.events, ...(previous.round !== undefined ? { round: previous.round } : {}) };
  if (await deps.store.casMeta(feedKey(feed.name), serializeFeedState(next), version)) await post(deps, feedRecoveredNotice(feed.name));
}

/** Fields the feed gives for the modal: the times, the platform, and whatever its text says. */
export function prefillFromEvent(feed: string, event: IcalEvent, timezone: string, nowMs: number): IntakeFields {
  const text = [event.summary, event.description].filter(Boolean).join('\n');
  const parsed = parseConfirmation(text, { timezone, nowMs }).fields;
  const start = DateTime.fromMillis(event.startMs, { zone: timezone });
  // The feed's own times win over anything its text says; the UID is the reference when the text has none.
  const fields: IntakeFields = { ...parsed, platform: feed, platformRef: parsed.platformRef ?? sliceWhole(event.uid, 64) };
  fields.date = start.toFormat('yyyy-MM-dd');
  if (!event.allDay) {
    fields.departureTime = start.toFormat('HH:mm');
    fields.durationHours = Math.round(((event.endMs - event.startMs) / 3600_000) * 100) / 100;
  } else {
    delete fields.departureTime;
    delete fields.durationHours;
  }
  return fields;
}

/** `eventKey`: the event's key in the feed state (its UID, or UID and start for a repeated UID), which names its notices. */
async function created(deps: IcalWatcherDeps, feed: IcalFeed, eventKey: string, event: IcalEvent, known: KnownEvent, round: number, nowMs: number, expired?: BookingRecord): Promise<boolean> {
  const key = newNoticeKey(feed.name, eventKey, known, round);
  const tz = deps.config.timezone;
  const value = encodeCreateValue({ feed: feed.name, uid: event.uid, fields: prefillFromEvent(feed.name, event, tz, nowMs) });
  const expiredRequest = expired ? { bookingId: expired.id, when: requestWhen(expired, tz) } : undefined;
  const message = newEventNotice({ feed: feed.name, when: eventWhen(known.startMs, known.endMs, tz, event.allDay), ...(known.summary ? { summary: known.summary } : {}), value, ...(expiredRequest ? { expiredRequest } : {}) });
  return notify(deps, key, nowMs, message);
}

/**
 * The trip moved (`now`), or was cancelled or dropped by the platform, before anyone made its
 * charter: its "new" notice (`was.noticeRound`, if one was posted) loses [Create charter] — a click
 * there would book the old time, or a trip there is no longer — and says what became of the trip.
 * Any process that sees the change may redraw it (the same message each time). Best effort: a
 * notice left as it was still names its old time.
 */
async function supersede(deps: IcalWatcherDeps, feed: IcalFeed, uid: string, was: KnownEvent, now: KnownEvent | 'cancelled' | 'removed'): Promise<void> {
  const channel = deps.config.slack.opsChannel;
  if (!channel || was.noticeRound === undefined) return;
  const claim = await deps.store.getMeta(newNoticeKey(feed.name, was.noticeKey ?? uid, was, was.noticeRound));
  if (!claim?.value.startsWith('posted:')) return;
  const ts = claim.value.slice('posted:'.length);
  if (ts === '') return;
  const tz = deps.config.timezone;
  const then = typeof now === 'string' ? { gone: now } : { movedTo: eventWhen(now.startMs, now.endMs, tz, now.allDay) };
  const message = supersededEventNotice({ feed: feed.name, was: eventWhen(was.startMs, was.endMs, tz, was.allDay), then, ...(was.summary ? { summary: was.summary } : {}) });
  try {
    await deps.client.chat.update({ channel, ts, text: message.text, blocks: message.blocks });
  } catch (err) {
    deps.log.warn({ err: { name: (err as Error).name, code: (err as { code?: string }).code }, feed: feed.name }, 'the trip\'s earlier notice could not be redrawn');
  }
}

/**
 * The event as last saved, its "new" notice forgotten once the charter it was linked to no longer
 * holds the trip, unless that charter was a request cancelled before approval: only then does the
 * notice offer [Create charter] again (notice-after-cancel.ts), for a later move or cancel of the
 * trip to take away. A charter cancelled after approval, rescheduled away or expired leaves its
 * notice saying "created", which "… before a charter was made" would misstate.
 */
async function noticeAfterLink(deps: IcalWatcherDeps, was: KnownEvent, booking: BookingRecord | undefined): Promise<KnownEvent> {
  if (booking || was.bookingId === undefined || was.noticeRound === undefined) return was;
  const linked = await deps.store.get(was.bookingId);
  if (linked && cancelledBeforeApproval(linked)) return was;
  const { noticeRound: _round, noticeKey: _key, ...rest } = was;
  return rest;
}

/** The charter a request asked for, as the notices name times. */
function requestWhen(b: BookingRecord, timezone: string): string {
  const start = departureMs(b, timezone);
  return eventWhen(start, start + (Number(b.request.durationHours) || 0) * 3_600_000, timezone);
}

async function moved(deps: IcalWatcherDeps, feed: IcalFeed, uid: string, was: KnownEvent, now: KnownEvent, booking: BookingRecord, round: number, nowMs: number): Promise<boolean> {
  const key = `ical:notice:${feed.name}:${uid}:moved:${now.startMs}-${now.endMs}:r${round}`;
  const tz = deps.config.timezone;
  const message = movedEventNotice({ feed: feed.name, bookingId: booking.id, was: eventWhen(was.startMs, was.endMs, tz, was.allDay), now: eventWhen(now.startMs, now.endMs, tz, now.allDay) });
  return notify(deps, key, nowMs, message, booking);
}

async function cancelled(deps: IcalWatcherDeps, feed: IcalFeed, uid: string, was: KnownEvent, how: 'removed' | 'cancelled', booking: BookingRecord | undefined, round: number, nowMs: number): Promise<boolean> {
  if (!booking) {
    // Nothing of ours to cancel, but the "new" notice must not go on offering the trip.
    await supersede(deps, feed, uid, was, how);
    return true;
  }
  const key = `ical:notice:${feed.name}:${uid}:cancelled:r${round}`;
  const message = cancelledEventNotice({ feed: feed.name, bookingId: booking.id, when: eventWhen(was.startMs, was.endMs, deps.config.timezone, was.allDay), how });
  return notify(deps, key, nowMs, message, booking);
}

/** Claim, post, record. False when the post failed (the claim is released for the next tick). */
async function notify(deps: IcalWatcherDeps, key: string, nowMs: number, message: SlackMessage, booking?: BookingRecord): Promise<boolean> {
  const claim = await claimNotice(deps.store, key, nowMs);
  if (!claim) return true; // posted (or being posted) by someone else
  const ts = await post(deps, message, booking);
  await finishNotice(deps.store, key, claim, ts !== undefined, ts ?? '');
  return ts !== undefined;
}

/** Booking notices go to the booking's thread; the rest to the ops channel. Returns the message ts. */
async function post(deps: IcalWatcherDeps, message: SlackMessage, booking?: BookingRecord): Promise<string | undefined> {
  const channel = booking?.slack.channel ?? deps.config.slack.opsChannel;
  if (!channel) {
    deps.log.warn('iCal notice not posted: CHARTER_OPS_CHANNEL is not set');
    return undefined;
  }
  try {
    const res = await deps.client.chat.postMessage({
      channel,
      text: message.text,
      blocks: message.blocks,
      ...(booking?.slack.approvalTs ? { thread_ts: booking.slack.approvalTs } : {}),
      ...(booking ? { metadata: bookingMetadata(booking.id) } : {}),
    });
    return res.ts ?? '';
  } catch (err) {
    deps.log.warn({ err: { name: (err as Error).name, code: (err as { code?: string }).code } }, 'iCal notice could not be posted; next tick tries again');
    return undefined;
  }
}
