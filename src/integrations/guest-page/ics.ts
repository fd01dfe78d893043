/**
 * The guest's "Add to calendar" file: RFC 5545 iCalendar, uploaded beside the page. Times are written
 * in the operator's zone (DTSTART;TZID=…) with a VTIMEZONE built from the zone's real offsets around
 * the charter, so a guest's phone in another zone still shows the right instant. A time in the hour
 * that repeats when clocks go back is written in UTC instead (see eventTimes).
 */
import { DateTime } from 'luxon';
import { BoundedCache } from '../../bounded-cache';
import { repeatedWallTimes } from '../../booking/time';
import type { GuestPageView } from './view';

const CRLF = '\r\n';
const FOLD_OCTETS = 75;
const PRODID = '-//charter-bot//Guest charter calendar//EN';

export interface GuestCalendarOptions {
  /**
   * DTSTAMP: when this revision of the event was made (the pipeline passes revisionMadeAtMs), so a
   * re-render of the same revision is the same bytes and each new revision's stamp is later.
   * Defaults to now.
   */
  now?: Date;
  /**
   * The booking revision: written as SEQUENCE (revision − 1) so a calendar app that imported an
   * earlier version replaces it (RFC 5545 §3.8.7.4). Default 1.
   */
  revision?: number;
  /**
   * The charter was cancelled: STATUS:CANCELLED at the next SEQUENCE, so a calendar that imported the
   * event marks the same entry cancelled; no check-in reminder, and a description that says so.
   * METHOD stays PUBLISH: CANCEL is for an organizer's invitations (RFC 5546 §3.2.5 requires an
   * ORGANIZER and forbids VALARM), and the operator sends none.
   */
  cancelled?: boolean;
}

export function renderGuestCalendar(view: GuestPageView, options: GuestCalendarOptions = {}): string {
  const zone = view.timezone;
  // Parsed straight into the zone: each luxon zone conversion asks Intl for the offset again.
  const departure = DateTime.fromISO(view.departure.iso, { zone });
  const ret = DateTime.fromISO(view.return.iso, { zone });
  const reminderMinutes = view.checkInLeadMinutes + 60;

  const description = (
    options.cancelled
      ? [
          // A cancel made after departure undoes a trip that has gone by: "will not sail" would be wrong.
          view.departurePassed
            ? `This charter on ${view.dateText} at ${view.departure.text} was cancelled.`
            : `This charter was cancelled: it will not sail on ${view.dateText} at ${view.departure.text}.`,
          `Questions: ${view.emergency.phoneText}`,
          `Details: ${view.links.page}`,
        ]
      : [
          // checkIn.text may carry its own date in parentheses; a second pair after it would read as noise.
          `Check in by ${view.checkIn.text}, ${view.checkInLeadMinutes} minutes before departure, at ${view.dock.address}.`,
          `Departs ${view.departure.text}, back ${view.return.text}${view.endsNextDay ? ' (next day)' : ''}.`,
          ...(view.captainFirstName ? [`Captain: ${view.captainFirstName}`] : []),
          `Party: ${view.partyText}`,
          ...(view.whatToBring.length > 0 ? [`Bring: ${view.whatToBring.join('; ')}`] : []),
          `Emergency contact: ${view.emergency.phoneText}`,
          `Map: ${view.dock.mapUrl}`,
          `Details: ${view.links.page}`,
        ]
  ).join('\n');
  // A cancelled charter has no check-in to be reminded of.
  const alarm = options.cancelled
    ? []
    : ['BEGIN:VALARM', 'ACTION:DISPLAY', `DESCRIPTION:${escapeText(`Check in by ${view.checkIn.text} at ${view.dock.address}`)}`, `TRIGGER:-PT${reminderMinutes}M`, 'END:VALARM'];

  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    `PRODID:${PRODID}`,
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    ...vtimezone(zone, departure),
    'BEGIN:VEVENT',
    `UID:${uid(view)}`,
    ...((options.revision ?? 1) > 1 || options.cancelled ? [`SEQUENCE:${Math.max(0, (options.revision ?? 1) - 1)}`] : []),
    `DTSTAMP:${utcStamp(options.now ?? new Date())}`,
    ...eventTimes(zone, departure, ret),
    `SUMMARY:${escapeText(`${options.cancelled ? 'Cancelled: ' : ''}Charter aboard ${view.vesselName}`)}`,
    `LOCATION:${escapeText(view.dock.address)}`,
    `DESCRIPTION:${escapeText(description)}`,
    `URL:${view.links.page}`,
    options.cancelled ? 'STATUS:CANCELLED' : 'STATUS:CONFIRMED',
    options.cancelled ? 'TRANSP:TRANSPARENT' : 'TRANSP:OPAQUE',
    ...alarm,
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(fold).join(CRLF) + CRLF;
}

/**
 * DTSTART/DTEND in the operator's zone, so the event reads as local time in any client. A wall time
 * from the repeated hour when clocks go back (a 1:30 AM return) names two instants, and clients
 * pick differently (RFC 5545 says the first, ical.js takes the second), which could shift or zero
 * the event; then both are written in UTC, which has one reading.
 */
function eventTimes(zone: string, start: DateTime, end: DateTime): [string, string] {
  if (repeatedWallTimes(start) || repeatedWallTimes(end)) {
    return [`DTSTART:${utcStamp(start.toJSDate())}`, `DTEND:${utcStamp(end.toJSDate())}`];
  }
  return [`DTSTART;TZID=${zone}:${localStamp(start)}`, `DTEND;TZID=${zone}:${localStamp(end)}`];
}

/** Stable per booking, so re-downloading after a change updates the same calendar entry. */
function uid(view: GuestPageView): string {
  const host = URL.canParse(view.links.page) ? new URL(view.links.page).hostname : 'charter-bot';
  return `${view.sessionId.toLowerCase()}@${host}`;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** 20261205T160000, the wall-clock time in the DateTime's zone (its fields, not a format string: toFormat tokenizes every call). */
function localStamp(dt: DateTime): string {
  return `${pad(dt.year, 4)}${pad(dt.month)}${pad(dt.day)}T${pad(dt.hour)}${pad(dt.minute)}${pad(dt.second)}`;
}

/** 20261202T175000Z */
function utcStamp(at: Date): string {
  return `${at.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
}

/** TEXT value escaping (RFC 5545 §3.3.11). */
export function escapeText(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n')
    // Other control characters are not allowed in TEXT.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
}

/** Lines longer than 75 octets continue on the next line after one space, never splitting a UTF-8 character. */
export function fold(line: string): string {
  if (Buffer.byteLength(line, 'utf8') <= FOLD_OCTETS) return line;
  const parts: string[] = [];
  let current = '';
  let currentOctets = 0;
  let limit = FOLD_OCTETS;
  for (const ch of line) {
    const octets = Buffer.byteLength(ch, 'utf8');
    if (currentOctets + octets > limit) {
      parts.push(current);
      current = '';
      currentOctets = 0;
      limit = FOLD_OCTETS - 1; // the leading space counts
    }
    current += ch;
    currentOctets += octets;
  }
  parts.push(current);
  return parts.join(`${CRLF} `);
}

/**
 * Built VTIMEZONEs by zone and year. Finding the offset changes costs thousands of luxon offset
 * look-ups (~100 ms of blocked event loop per page, measured by the P3 benchmark), and the answer
 * only depends on the zone and the year; the cap keeps a long-running process's memory flat.
 */
const vtimezoneCache = new BoundedCache<string, readonly string[]>(64);

function vtimezone(zone: string, around: DateTime): string[] {
  return [...vtimezoneCache.get(`${zone}|${around.year}`, () => buildVtimezone(zone, around))];
}

/**
 * A VTIMEZONE holding each offset change from the year before the charter to the year after, found
 * from the zone database through luxon rather than hard-coded rules (which change by law).
 */
function buildVtimezone(zone: string, around: DateTime): string[] {
  const start = DateTime.fromObject({ year: around.year - 1, month: 1, day: 1 }, { zone });
  const end = DateTime.fromObject({ year: around.year + 2, month: 1, day: 1 }, { zone });
  const startOffset = start.offset;
  const observances = [
    observance(start.isInDST, localStamp(start), startOffset, startOffset, start.offsetNameShort ?? ''),
  ];
  for (const t of offsetChanges(zone, start.toMillis(), end.toMillis())) {
    const before = DateTime.fromMillis(t - 1, { zone });
    const after = DateTime.fromMillis(t, { zone });
    // DTSTART of an observance is the wall-clock time of the change in the offset it replaces.
    const onset = DateTime.fromMillis(t, { zone: 'UTC' }).plus({ minutes: before.offset });
    observances.push(
      observance(after.isInDST, localStamp(onset), before.offset, after.offset, after.offsetNameShort ?? ''),
    );
  }
  return ['BEGIN:VTIMEZONE', `TZID:${zone}`, ...observances.flat(), 'END:VTIMEZONE'];
}

function observance(dst: boolean, dtstart: string, fromMinutes: number, toMinutes: number, name: string): string[] {
  const kind = dst ? 'DAYLIGHT' : 'STANDARD';
  return [
    `BEGIN:${kind}`,
    `DTSTART:${dtstart}`,
    `TZOFFSETFROM:${utcOffset(fromMinutes)}`,
    `TZOFFSETTO:${utcOffset(toMinutes)}`,
    ...(name ? [`TZNAME:${escapeText(name)}`] : []),
    `END:${kind}`,
  ];
}

/** -480 → "-0800" */
function utcOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

/** Instants (ms) at which the zone's UTC offset changes, to the minute. */
function offsetChanges(zone: string, fromMs: number, toMs: number): number[] {
  const offsetAt = (ms: number) => DateTime.fromMillis(ms, { zone }).offset;
  const HOUR = 3_600_000;
  const changes: number[] = [];
  // Offsets never change twice within six hours; step by that and bisect each change to the minute.
  const STEP = 6 * HOUR;
  for (let t = fromMs; t < toMs; t += STEP) {
    const next = Math.min(t + STEP, toMs);
    if (offsetAt(t) === offsetAt(next)) continue;
    let lo = t;
    let hi = next;
    while (hi - lo > 60_000) {
      const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
      if (offsetAt(mid) === offsetAt(lo)) lo = mid;
      else hi = mid;
    }
    changes.push(hi);
  }
  return changes;
}
