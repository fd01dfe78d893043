/**
 * Intake notices from the iCal watcher, as pure Block Kit builders: a new platform booking in the
 * ops channel with [Create charter]; a moved or cancelled one in its booking's thread with
 * [Reschedule] / [Cancel charter]. Times name the operator's zone.
 */
import type { KnownBlock } from '@slack/types';
import { DateTime } from 'luxon';
import { INTAKE_FIELDS, type IntakeField, type IntakeFields } from '../../booking/intake/parse-confirmation';
import { humanClock, humanTime } from '../../booking/time';
import type { SlackMessage } from './approval';
import { escapeMrkdwn, sliceWhole } from './format';

export const ICAL_CREATE_ACTION_ID = 'ical_create_charter';
export const ICAL_RESCHEDULE_ACTION_ID = 'ical_reschedule';
export const ICAL_CANCEL_ACTION_ID = 'ical_cancel_charter';

/** "Sat, Dec 19, 10:00 AM – 3:00 PM PST" (the end's date too when it is another day, the start's zone too when it differs); "Wed, Jan 27 – Fri, Jan 29 (all day)". */
export function eventWhen(startMs: number, endMs: number, timezone: string, allDay = false): string {
  const start = DateTime.fromMillis(startMs, { zone: timezone }).setLocale('en-US');
  const end = DateTime.fromMillis(endMs, { zone: timezone }).setLocale('en-US');
  if (allDay) {
    // DTEND of an all-day event is the day after its last (RFC 5545): Jan 27 to Jan 30 is three days.
    const last = endMs > startMs ? DateTime.fromMillis(endMs - 1, { zone: timezone }).setLocale('en-US') : start;
    return `${start.toFormat('ccc, LLL d')}${last.hasSame(start, 'day') ? '' : ` – ${last.toFormat('ccc, LLL d')}`} (all day)`;
  }
  const day = start.toFormat('ccc, LLL d');
  const endDay = end.hasSame(start, 'day') ? '' : `${end.toFormat('ccc, LLL d')}, `;
  // Across a clock change the start names its own zone: "1:30 AM – 2:00 AM PST" would hide that
  // the start is 1:30 AM PDT, an hour and a half before.
  return `${day}, ${start.offset === end.offset ? humanClock(start) : humanTime(start)} – ${endDay}${humanTime(end)}`;
}

/** What the [Create charter] button carries: the modal's prefill, so the click opens it with no store read first. */
export interface CreateFromEventValue {
  feed: string;
  uid: string;
  fields: IntakeFields;
  /** Fields read from the event but left out to fit the button: the form says so instead of "could not read". */
  dropped?: IntakeField[];
}

/** Button values are at most 2,000 characters: the notes go first, then the description-derived extras. */
export function encodeCreateValue(v: CreateFromEventValue): string {
  const full = JSON.stringify(v);
  if (full.length <= 2000) return full;
  const { notes: _notes, ...rest } = v.fields;
  const lean = JSON.stringify({ ...v, fields: rest, dropped: ['notes'] });
  if (lean.length <= 2000) return lean;
  const { feed, uid } = v;
  const { date, departureTime, durationHours, platform } = v.fields;
  const kept = { date, departureTime, durationHours, platform };
  const dropped = INTAKE_FIELDS.filter((f) => v.fields[f] !== undefined && !(f in kept));
  return JSON.stringify({ feed, uid: sliceWhole(uid, 500), fields: kept, dropped });
}

export function decodeCreateValue(value: string | undefined): CreateFromEventValue | undefined {
  try {
    const v = JSON.parse(value ?? '') as CreateFromEventValue;
    if (v && typeof v.feed === 'string' && typeof v.uid === 'string' && v.fields && typeof v.fields === 'object') return v;
  } catch {
    // not ours
  }
  return undefined;
}

/**
 * `expiredRequest`: the trip's earlier request, which expired unapproved (the platform moved the trip
 * after it did). Named so the office knows this is that guest's trip again, and that the request
 * its expired message asked for is this one.
 */
export function newEventNotice(p: { feed: string; when: string; summary?: string; value: string; expiredRequest?: { bookingId: string; when: string } }): SlackMessage {
  const headline = `New ${p.feed} booking · ${p.when}`;
  const expired = p.expiredRequest
    ? ` Its earlier request \`${escapeMrkdwn(p.expiredRequest.bookingId)}\` (${escapeMrkdwn(p.expiredRequest.when)}) expired unapproved and booked nothing: *Create charter* makes the new request.`
    : '';
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `:inbox_tray: *${escapeMrkdwn(headline)}*${p.summary ? `\n${escapeMrkdwn(p.summary)}` : ''}` } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `From the ${escapeMrkdwn(p.feed)} calendar feed; no charter covers it yet.${expired}` }] },
    { type: 'actions', elements: [{ type: 'button', action_id: ICAL_CREATE_ACTION_ID, style: 'primary', text: { type: 'plain_text', text: 'Create charter' }, value: p.value }] },
  ];
  // The fallback text is mrkdwn too (notifications, screen readers): escaped like the blocks.
  return { text: escapeMrkdwn(headline), blocks };
}

/**
 * A new-booking notice once a charter was made from it: the same headline and event summary (which
 * trip it was), who made which charter, and no [Create charter] (a second click made a second
 * booking of the same trip). Headline and summary come back as they were posted, already escaped.
 */
export function createdEventNotice(p: { headline: string; summary?: string; bookingId: string; userId: string }): SlackMessage {
  const line = `Charter \`${escapeMrkdwn(p.bookingId)}\` created by <@${p.userId}>.`;
  return {
    text: `${p.headline} · charter ${escapeMrkdwn(p.bookingId)} created`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `:white_check_mark: *${p.headline}*${p.summary ? `\n${p.summary}` : ''}` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: line }] },
    ],
  };
}

/**
 * A new-booking notice whose charter request was cancelled before approval. When nothing else holds
 * the trip and the feed still lists it where that request said (`then` 'free'), [Create charter] is
 * back, prefilled from that request (`value`); otherwise no button, and the notice says why: another
 * request or charter holds the trip, or the platform moved or cancelled it meanwhile (a click would
 * book it twice, at the old time, or not at all). Headline and summary come back as posted, already escaped.
 */
export function requestCancelledEventNotice(p: {
  headline: string;
  summary?: string;
  bookingId: string;
  userId?: string;
  then: { kind: 'free'; value: string } | { kind: 'held'; bookingId: string } | { kind: 'moved'; feed: string; when: string } | { kind: 'cancelled' | 'removed'; feed: string };
}): SlackMessage {
  const by = p.userId ? ` by <@${p.userId}>` : '';
  const cancelled = `Charter request \`${escapeMrkdwn(p.bookingId)}\` made from this notice was cancelled${by} before approval`;
  const t = p.then;
  const line =
    t.kind === 'free'
      ? `${cancelled} and booked nothing: *Create charter* makes a new request, prefilled from that one.`
      : t.kind === 'held'
        ? `${cancelled}; \`${escapeMrkdwn(t.bookingId)}\` holds this trip, so there is nothing to create.`
        : t.kind === 'moved'
          ? `${cancelled}; ${escapeMrkdwn(t.feed)} now lists this trip at *${escapeMrkdwn(t.when)}*: make its charter with \`/charter\`.`
          : t.kind === 'cancelled'
            ? `${cancelled}; ${escapeMrkdwn(t.feed)} has marked this trip cancelled: there is nothing to create.`
            : `${cancelled}; ${escapeMrkdwn(t.feed)} no longer lists this trip: there is nothing to create.`;
  return {
    // The headline alone: a click on this notice's [Create charter] takes its text as the headline again (actions/ical-notice.ts).
    text: p.headline,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${t.kind === 'free' ? ':inbox_tray:' : ':x:'} *${p.headline}*${p.summary ? `\n${p.summary}` : ''}` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: line }] },
      ...(t.kind === 'free' ? [{ type: 'actions' as const, elements: [{ type: 'button' as const, action_id: ICAL_CREATE_ACTION_ID, style: 'primary' as const, text: { type: 'plain_text' as const, text: 'Create charter' }, value: t.value }] }] : []),
    ],
  };
}

/**
 * A new-booking notice whose trip the platform moved, cancelled or stopped listing before a charter
 * was made: no button (a click would book the old time, or a trip there is no longer), and what
 * became of the trip.
 */
export function supersededEventNotice(p: { feed: string; was: string; summary?: string; then: { movedTo: string } | { gone: 'cancelled' | 'removed' } }): SlackMessage {
  const headline = `New ${p.feed} booking · ${p.was}`;
  const feed = escapeMrkdwn(p.feed);
  const [icon, tail, why] =
    'movedTo' in p.then
      ? [':arrow_right:', `moved to ${p.then.movedTo}`, `${feed} moved this trip to *${escapeMrkdwn(p.then.movedTo)}* before a charter was made: create it from the newer notice.`]
      : p.then.gone === 'cancelled'
        ? [':x:', `cancelled by ${p.feed}`, `${feed} marked this trip cancelled before a charter was made: there is nothing to create.`]
        : [':x:', `no longer listed by ${p.feed}`, `${feed} no longer lists this trip, and no charter was made from it: there is nothing to create.`];
  return {
    text: escapeMrkdwn(`${headline} · ${tail}`),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${icon} *${escapeMrkdwn(headline)}*${p.summary ? `\n${escapeMrkdwn(p.summary)}` : ''}` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: why }] },
    ],
  };
}

/** For the ops channel: a feed lists one UID several times without RECURRENCE-ID. */
export function repeatedUidNotice(p: { feed: string; uid: string; whens: string[] }): SlackMessage {
  const text = escapeMrkdwn(
    `:warning: The ${p.feed} calendar feed lists the event UID ${sliceWhole(p.uid, 200)} ${p.whens.length} times (${p.whens.join('; ')}). Each is treated as its own trip, told apart by its start: a move of one reads as a removal and a new booking, and a charter made from one matches it by its time.`,
  );
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

export function movedEventNotice(p: { feed: string; bookingId: string; was: string; now: string }): SlackMessage {
  const text = escapeMrkdwn(`${p.feed} moved this booking: was ${p.was}, now ${p.now}.`);
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `:calendar: *${escapeMrkdwn(p.feed)} moved this booking*\nwas ${escapeMrkdwn(p.was)}\nnow *${escapeMrkdwn(p.now)}*` } },
      { type: 'actions', elements: [{ type: 'button', action_id: ICAL_RESCHEDULE_ACTION_ID, text: { type: 'plain_text', text: 'Reschedule' }, value: p.bookingId }] },
    ],
  };
}

export function cancelledEventNotice(p: { feed: string; bookingId: string; when: string; how: 'removed' | 'cancelled' }): SlackMessage {
  const why = p.how === 'cancelled' ? 'marked it cancelled' : 'no longer lists it';
  const text = escapeMrkdwn(`${p.feed} ${why} (${p.when}).`);
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `:x: *${escapeMrkdwn(p.feed)} ${why}* — ${escapeMrkdwn(p.when)}\nThe charter still stands here until someone cancels it.` } },
      { type: 'actions', elements: [{ type: 'button', action_id: ICAL_CANCEL_ACTION_ID, style: 'danger', text: { type: 'plain_text', text: 'Cancel charter' }, value: p.bookingId }] },
    ],
  };
}

/** The message quotes the feed's own text (a line it could not parse): escaped in the fallback text too, which notifies. */
export function feedFailedNotice(p: { feed: string; message: string }): SlackMessage {
  const text = escapeMrkdwn(`:warning: ${p.message} I keep trying every poll and say nothing more until it reads again.`);
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

export function feedRecoveredNotice(feed: string): SlackMessage {
  const text = escapeMrkdwn(`:white_check_mark: The ${feed} calendar feed reads again.`);
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
