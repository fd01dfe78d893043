/**
 * Charter times live in the operator's time zone (CHARTER_TIMEZONE). Payloads carry ISO 8601 with
 * the offset; people see text that names the zone, because a guest flying in from elsewhere and a
 * crew member reading Slack abroad must both read 4:00 PM as San Diego time.
 */
import { DateTime } from 'luxon';
import { BoundedCache } from '../bounded-cache';

/** Most entries kept by each cache in this module: a long-running process stays flat. */
const ZONE_LABELS_MAX = 256;

export interface CharterSchedule {
  timezone: string;
  checkIn: DateTime;
  departure: DateTime;
  return: DateTime;
  /** The charter comes back after midnight, on the calendar day after departure. */
  endsNextDay: boolean;
}

/**
 * Local date (YYYY-MM-DD) and time (HH:mm) in `timezone`; invalid DateTime for a nonexistent time.
 * A time that occurs twice (the repeated hour when clocks go back) is its first occurrence.
 */
export function localDateTime(date: string, time: string, timezone: string): DateTime {
  const dt = DateTime.fromISO(`${date}T${time}`, { zone: timezone });
  // A wall time skipped by a DST jump is shifted by luxon; treat it as not a real time.
  if (dt.isValid && dt.toFormat('yyyy-MM-dd HH:mm') !== `${date} ${time}`) {
    return DateTime.invalid('nonexistent local time (daylight saving change)');
  }
  // luxon resolves a repeated wall time from the zone's offset *now*, so a stored booking at 1:30 AM
  // on a fall-back day would move by an hour with the season it is read in (and a warm cache would
  // disagree with a fresh process). The first occurrence is fixed, and is what RFC 5545 reads.
  const occurrences = dt.getPossibleOffsets();
  return occurrences.length > 1 ? occurrences.reduce((a, b) => (b.toMillis() < a.toMillis() ? b : a)) : dt;
}

/**
 * When `dt`'s wall time occurs twice (clocks go back), the stretch of wall times that repeats:
 * `from` is its first instant before the change ("1:00 AM PDT"), `until` the first wall time after
 * it that happens once ("2:00 AM PST"). Null for a wall time that happens once.
 */
export function repeatedWallTimes(dt: DateTime): { from: DateTime; until: DateTime } | null {
  const occurrences = dt.getPossibleOffsets();
  if (occurrences.length < 2) return null;
  const [first, second] = [...occurrences].sort((a, b) => a.toMillis() - b.toMillis()) as [DateTime, DateTime];
  const shiftMs = second.toMillis() - first.toMillis();
  // The change is the first minute after `first` that has the later offset; zone rules move on whole minutes.
  let lo = first.toMillis();
  let hi = second.toMillis();
  while (hi - lo > 60_000) {
    const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
    if (dt.zone.offset(mid) === second.offset) hi = mid;
    else lo = mid;
  }
  return {
    from: DateTime.fromMillis(hi - shiftMs, { zone: dt.zone }),
    until: DateTime.fromMillis(hi + shiftMs, { zone: dt.zone }),
  };
}

/**
 * Schedules by their inputs. Every luxon step in a zone (parse, plus, startOf) asks Intl for the
 * offset, ~0.2 ms a schedule, and one booking's schedule is computed a dozen times (approval
 * message, calendar, SCC, guest page, crew post, progress renders). DateTime is immutable, so one
 * schedule can be shared. Capped like the zone caches.
 */
const schedules = new BoundedCache<string, CharterSchedule>(ZONE_LABELS_MAX);

export function charterSchedule(
  input: { date: string; departureTime: string; durationHours: number },
  timezone: string,
  checkInLeadMinutes: number,
): CharterSchedule {
  const key = `${timezone}|${input.date}|${input.departureTime}|${input.durationHours}|${checkInLeadMinutes}`;
  return schedules.get(key, () => computeSchedule(input, timezone, checkInLeadMinutes));
}

function computeSchedule(
  input: { date: string; departureTime: string; durationHours: number },
  timezone: string,
  checkInLeadMinutes: number,
): CharterSchedule {
  const departure = localDateTime(input.date, input.departureTime, timezone);
  const ret = departure.plus({ minutes: Math.round(input.durationHours * 60) });
  return {
    timezone,
    checkIn: departure.minus({ minutes: checkInLeadMinutes }),
    departure,
    return: ret,
    endsNextDay: ret.startOf('day') > departure.startOf('day'),
  };
}

/** 2026-12-05T16:00:00-08:00 */
export function isoWithOffset(dt: DateTime): string {
  return dt.toISO({ suppressMilliseconds: true, includeOffset: true }) ?? '';
}

// US English names, as luxon's en-US `ccc` and `LLL` print them. Written out rather than asked of
// luxon: a booking formats 15–20 dates and times, and every luxon format call went through Intl.
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** "Sat, Dec 5, 2026" */
export function humanDate(dt: DateTime): string {
  if (!dt.isValid) return dt.setLocale('en-US').toFormat('ccc, LLL d, yyyy');
  return `${WEEKDAYS[dt.weekday - 1]}, ${MONTHS[dt.month - 1]} ${dt.day}, ${dt.year}`;
}

/**
 * Zone abbreviations ("PST") by zone, year and offset. luxon's `ZZZZ` builds a new
 * Intl.DateTimeFormat on every call (~0.2 ms; 9% of a booking's CPU in the P3 profile), and within
 * a year a zone at a given offset always has the same abbreviation. Capped like zoneLabels.
 */
const zoneAbbreviations = new BoundedCache<string, string>(ZONE_LABELS_MAX);

function zoneAbbreviation(dt: DateTime): string {
  return zoneAbbreviations.get(`${dt.zoneName ?? ''}|${dt.year}|${dt.offset}`, () => dt.setLocale('en-US').toFormat('ZZZZ'));
}

/** "4:00 PM", for the one place a time must not name a zone: a wall time that occurs in two. */
export function humanClock(dt: DateTime): string {
  return `${((dt.hour + 11) % 12) + 1}:${String(dt.minute).padStart(2, '0')} ${dt.hour < 12 ? 'AM' : 'PM'}`;
}

/** "4:00 PM PST" — the zone abbreviation is always there. */
export function humanTime(dt: DateTime): string {
  if (!dt.isValid) return dt.setLocale('en-US').toFormat('h:mm a ZZZZ');
  const hour12 = ((dt.hour + 11) % 12) + 1;
  return `${hour12}:${String(dt.minute).padStart(2, '0')} ${dt.hour < 12 ? 'AM' : 'PM'} ${zoneAbbreviation(dt)}`;
}

/** "Sat, Dec 5" — for a date shown beside another date of the same charter, where the year is known. */
export function humanDayMonth(dt: DateTime): string {
  if (!dt.isValid) return dt.setLocale('en-US').toFormat('ccc, LLL d');
  return `${WEEKDAYS[dt.weekday - 1]}, ${MONTHS[dt.month - 1]} ${dt.day}`;
}

/** "Sat, Dec 5, 2026, 4:00 PM PST" */
export function humanDateTime(dt: DateTime): string {
  return `${humanDate(dt)}, ${humanTime(dt)}`;
}

/** An instant (epoch ms) as humanDateTime shows it in `zone`. */
export function humanInstant(ms: number, zone: string): string {
  return humanDateTime(DateTime.fromMillis(ms, { zone }));
}

/**
 * Zone labels by zone and year. Intl builds a fresh formatter for each ask (~0.5 ms; the P1
 * benchmark found it on every /charter), and within a year a zone keeps its generic name. Capped so
 * a long-running process stays flat.
 */
const zoneLabels = new BoundedCache<string, string>(ZONE_LABELS_MAX);

function timeZoneName(timezone: string, at: DateTime, style: 'long' | 'longGeneric'): string | undefined {
  return new Intl.DateTimeFormat('en-US', { timeZone: timezone, timeZoneName: style }).formatToParts(at.toJSDate()).find((p) => p.type === 'timeZoneName')?.value;
}

/**
 * "Pacific Time (America/Los_Angeles)" for headers that name the zone in full. The generic name,
 * because a header covers times on both sides of a clock change (the Home tab's two weeks, a
 * status's trail): "British Summer Time" over a December charter would be wrong. Where ICU has
 * no generic name it answers "GMT+00:00"; the long name says more.
 */
export function zoneLabel(timezone: string, at: DateTime = DateTime.now()): string {
  const local = at.setZone(timezone);
  return zoneLabels.get(`${timezone}|${local.year}`, () => {
    const generic = timeZoneName(timezone, local, 'longGeneric');
    const name = generic && !/^GMT/.test(generic) ? generic : (timeZoneName(timezone, local, 'long') ?? timezone);
    return `${name} (${timezone})`;
  });
}

/**
 * Check-in falls on the local date before departure when the lead reaches back past midnight (a
 * 00:15 departure with a 30-minute lead). Every surface prints check-in next to the departure date.
 */
export function checkInOnPreviousDay(schedule: Pick<CharterSchedule, 'checkIn' | 'departure'>): boolean {
  const { checkIn: c, departure: d } = schedule;
  return c.year !== d.year || c.month !== d.month || c.day !== d.day;
}

/** Before this hour a time reads as the end of its day to many ("12:00 AM Saturday"), not the night before. */
const SMALL_HOURS_END = 4;

/**
 * "3:30 PM PST"; "11:45 PM PDT (Fri, Jul 3)" when check-in is the evening before departure, because
 * someone who reads "Sat, Jul 4 … check in 11:45 PM" turns up on Saturday night, after the boat left.
 * A check-in in the small hours of the departure day names the night it falls in ("12:00 AM PDT
 * (Fri night)"), for the same guest: the 00:15 and the 00:30 departure need the same Friday arrival.
 */
export function humanCheckInTime(schedule: Pick<CharterSchedule, 'checkIn' | 'departure'>): string {
  const time = humanTime(schedule.checkIn);
  if (checkInOnPreviousDay(schedule)) return `${time} (${humanDayMonth(schedule.checkIn)})`;
  if (schedule.checkIn.hour < SMALL_HOURS_END) return `${time} (${WEEKDAYS[schedule.checkIn.minus({ days: 1 }).weekday - 1]} night)`;
  return time;
}

/** "4:00 PM PST – 9:00 PM PST", with "(next day)" when the charter returns after midnight. */
export function humanTimeRange(schedule: CharterSchedule): string {
  return `${humanTime(schedule.departure)} – ${humanTime(schedule.return)}${schedule.endsNextDay ? ' (next day)' : ''}`;
}
