/**
 * Readers for the values people write in confirmations: dates, times and ranges, durations,
 * counts, money, e-mail, phone, references. Each returns undefined rather than guess; none throws.
 */
import { DateTime } from 'luxon';
import { parseDollarsToCents } from '../money';
import { TWO_YEARS_MS } from '../schema';
import { zoneAfter } from './time-zones';

const MONTHS: Record<string, number> = {
  jan: 1, january: 1, feb: 2, february: 2, mar: 3, march: 3, apr: 4, april: 4, may: 5, jun: 6, june: 6,
  jul: 7, july: 7, aug: 8, august: 8, sep: 9, sept: 9, september: 9, oct: 10, october: 10, nov: 11, november: 11, dec: 12, december: 12,
};
const MONTH_NAMES = Object.keys(MONTHS).sort((a, b) => b.length - a.length).join('|');

export interface DateContext {
  timezone: string;
  nowMs: number;
}

function isoDate(year: number, month: number, day: number, timezone: string): string | undefined {
  const dt = DateTime.fromObject({ year, month, day }, { zone: timezone });
  return dt.isValid ? (dt.toISODate() ?? undefined) : undefined;
}

/** A year-less date is the next one on or after yesterday (a confirmation is for a trip to come). */
function upcomingYear(month: number, day: number, ctx: DateContext): number {
  const today = DateTime.fromMillis(ctx.nowMs, { zone: ctx.timezone }).startOf('day');
  const thisYear = DateTime.fromObject({ year: today.year, month, day }, { zone: ctx.timezone });
  return thisYear.isValid && thisYear < today.minus({ days: 1 }) ? today.year + 1 : today.year;
}

/**
 * A year-less date with its weekday ("Friday, June 15"): the coming one that falls on that weekday,
 * no further ahead than the form takes a date (two years), else undefined.
 */
function yearOnWeekday(month: number, day: number, weekday: number, ctx: DateContext): number | undefined {
  const latest = DateTime.fromMillis(ctx.nowMs + TWO_YEARS_MS, { zone: ctx.timezone });
  for (let year = upcomingYear(month, day, ctx); year <= latest.year; year++) {
    const dt = DateTime.fromObject({ year, month, day }, { zone: ctx.timezone });
    if (dt.isValid && dt <= latest && dt.weekday === weekday) return year;
  }
  return undefined;
}

function fullYear(y: string): number {
  const n = Number(y);
  return y.length === 2 ? 2000 + n : n;
}

const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
/**
 * A weekday right before a date ("Sat, Dec 20", "Friday the 15th of June"), luxon's number for it. Not
 * the end of a run of days ("Fri–Sun, Dec 18–20"): that names no one day.
 */
const WEEKDAY_BEFORE = /(?<![-\u2013/&]\s*)(?<!\b(?:to|through|thru|and|or)\s+)\b(mon|tue|wed|thu|fri|sat|sun)(?:day|s|sday|nesday|r|rs|rsday|urday)?\.?,?\s+(?:the\s+)?$/;
const WEEKDAY_NUMBER: Record<string, number> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };

interface DateFound {
  month: number;
  day: number;
  year?: number;
  index: number;
  length: number;
}

/** Where the first date in lower-cased `s` is, and what it says; null for one that cannot be a date ("13/5"). */
function findDate(s: string): DateFound | null | undefined {
  // Never the date of a timestamp ("2026-12-07t22:29:00z", lower-cased, its "t" glued to the day): in a
  // confirmation that is when it was sent or booked far more often than the trip's day, and it comes
  // before the trip's own "Dec 19". A trip time written as an instant is read by the caller, whole.
  let m = /\b(\d{4})-(\d{2})-(\d{2})\b/.exec(s);
  if (m) return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), index: m.index, length: m[0].length };
  // Dec 19, 2026 · December 19th 2026 · Sat, Dec 19 · December 19
  m = new RegExp(`\\b(${MONTH_NAMES})\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b(?:,?\\s+(\\d{4}))?`).exec(s);
  if (m) return { month: MONTHS[m[1] as string] as number, day: Number(m[2]), ...(m[3] ? { year: Number(m[3]) } : {}), index: m.index, length: m[0].length };
  // 19 Dec 2026 · 19th December
  m = new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?(${MONTH_NAMES})\\.?\\b(?:,?\\s+(\\d{4}))?`).exec(s);
  if (m) return { month: MONTHS[m[2] as string] as number, day: Number(m[1]), ...(m[3] ? { year: Number(m[3]) } : {}), index: m.index, length: m[0].length };
  // 12/19/2026 · 12/19/26 · 12-19-2026 · 12/19 · 12.19.2026
  for (const n of s.matchAll(NUMERIC_DATE)) {
    const [, mm, sep, dd, yy] = n as unknown as [string, string, string, string, string | undefined];
    if (!isNumericDate(s, n.index ?? 0, n[0].length, sep, mm, dd, yy)) continue;
    const month = Number(mm);
    if (month < 1 || month > 12) return null;
    return { month, day: Number(dd), ...(yy ? { year: fullYear(yy) } : {}), index: n.index ?? 0, length: n[0].length };
  }
  return undefined;
}

export interface DateRead {
  /** YYYY-MM-DD. */
  date?: string;
  /** Why a date the text states was not taken: "Sat, Dec 20, 2026 is a Sunday". */
  refused?: string;
}

/**
 * The first date in `text`, checked against the weekday written before it: a weekday that disagrees
 * with a date that has its year leaves it out, since either could be the typo. Without a year the
 * weekday picks it ("Friday, June 15" is the coming June 15 that is a Friday), when one comes soon
 * enough; else it is left out as well.
 */
export function readDateChecked(text: string, ctx: DateContext): DateRead {
  const s = text.toLowerCase();
  const found = findDate(s);
  if (!found) return {};
  const { month, day } = found;
  const named = WEEKDAY_BEFORE.exec(s.slice(0, found.index));
  const weekday = named ? (WEEKDAY_NUMBER[named[1] as string] as number) : undefined;
  // A cased text may not lower-case to the same length; then the words are quoted as lower-cased.
  const written = () => (text.length === s.length ? text : s).slice(named?.index ?? found.index, found.index + found.length).trim();
  let year = found.year;
  if (year === undefined && weekday !== undefined) year = yearOnWeekday(month, day, weekday, ctx);
  const date = isoDate(year ?? upcomingYear(month, day, ctx), month, day, ctx.timezone);
  if (!date || weekday === undefined) return date ? { date } : {};
  const actual = DateTime.fromISO(date, { zone: ctx.timezone });
  if (actual.weekday === weekday) return { date };
  const inYear = found.year === undefined ? ` in ${actual.year}` : '';
  return { refused: `${written()} is a ${WEEKDAY_NAMES[actual.weekday - 1] as string}${inYear}` };
}

/** The first date in `text` as YYYY-MM-DD, or undefined. US order for numeric dates (12/19/2026). */
export function readDate(text: string, ctx: DateContext): string | undefined {
  return readDateChecked(text, ctx).date;
}

/** Month, separator, day and an optional year, the year after the same separator. */
const NUMERIC_DATE = /(?<![\d/.-])(\d{1,2})([/.-])(\d{1,2})(?:\2(\d{4}|\d{2}))?(?![\d/.-])/g;
/**
 * After a number pair, the unit it counts: "4-6 guests", "3/4 hrs", "2-3 hours" are not dates. A unit
 * word with its own number after it is a label of that number ("12/19 pax 6", "7/4 guests 6",
 * "6/15 Hours: 4", "6/15 Min. 4 hrs"), and "minimum" is not minutes, so those leave the date alone.
 */
const UNIT_AFTER = /^\s*-?\s*(?:h\b|hrs?\b|hours?\b|stars?\b|★|☆|guests?\b|people\b|persons?\b|passengers?\b|pax\b|adults?\b|kids?\b|children\b|min(?:s|utes?)?\b|ft\b|feet\b|%)(?!\s*[:.]?\s*\d)/;

/**
 * Before a year-less "9-5": a word that makes it hours kept ("Business hours: 9-5", "Open 9-5",
 * "Hours: Mon-Fri 9-5") — an office's or marina's day, which nobody writes as a date.
 */
const HOURS_BEFORE = /(?<!\d\s*)\b(?:hours?(?:\s+of\s+operation)?|hrs|open|opens)\b\s*[:.-]?\s*(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?\s*-\s*(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?\s*:?\s*|daily\s*:?\s*)?$/;

/**
 * Whether a numeric pair is a date. A decimal point reads as a separator only with a four-digit year
 * ("2.1.2027"): "4.5", "2.5" and "4.9" are durations and ratings far more often than April 5. A year
 * makes it a date whatever follows ("06/15/2027 Hours: 4"); without one, a unit after it makes it a
 * count or a length, unless it runs high to low ("7/4 kids"), which no range or fraction does.
 */
function isNumericDate(s: string, index: number, length: number, sep: string, first: string, second: string, year: string | undefined): boolean {
  if (sep === '.' && year?.length !== 4) return false;
  if (year === undefined && Number(first) <= Number(second) && UNIT_AFTER.test(s.slice(index + length))) return false;
  if (year === undefined && sep === '-' && HOURS_BEFORE.test(s.slice(0, index))) return false;
  // "9.30 am" is a time.
  return !/^\s*\d{1,2}[:.]\d{2}\s*(am|pm|a\.m|p\.m)/.test(s.slice(index));
}

export interface TimeMatch {
  /** HH:mm, 24 h. */
  time: string;
  /** Whether the text said am/pm (or noon/midnight), or was unambiguous 24 h. */
  meridiem: 'am' | 'pm' | 'none';
  hour12?: number;
  minute: number;
  index: number;
  length: number;
  /** The zone written right after it ("EST", "Pacific Time"), and how far it reaches past the time. */
  zone?: { zone: string; length: number; overnightEnd?: string };
}

/**
 * A 24-hour time, its seconds read with it ("18:00:00Z": the zone is after them), may end in the "Z"
 * of UTC ("16:00Z"). Never the minutes and seconds of a longer time: the "05:00Z" of
 * "2026-12-07T14:05:00Z" (a booking's timestamp) is no time of day.
 */
const TIME = /\b(noon|midnight)\b|\b(\d{1,2})(?:[:.](\d{2}))?\s*([ap])\.?\s?m\b\.?|(?<!:)\b([01]?\d|2[0-3]):([0-5]\d)(?::[0-5]\d(?:[.,]\d{1,9})?)?(?:\b|(?=Z\b))/gi;

function hhmm(h: number, m: number): string {
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

/** Every time of day in `text`: 10:00 AM, 3pm, 3 p.m., 15:00, noon; with the zone written after it, if any. */
export function readTimes(text: string): TimeMatch[] {
  const out: TimeMatch[] = [];
  const withZone = (t: TimeMatch): TimeMatch => {
    const zone = zoneAfter(text, t.index + t.length, t.time, t.meridiem !== 'none');
    return zone ? { ...t, zone } : t;
  };
  for (const m of text.matchAll(TIME)) {
    const index = m.index ?? 0;
    // The "05:00" of "16:00 -05:00" is the zone's, no time of its own.
    const last = out.at(-1);
    if (last && index < last.index + last.length + (last.zone?.length ?? 0)) continue;
    if (m[1]) {
      const noon = m[1].toLowerCase() === 'noon';
      out.push(withZone({ time: noon ? '12:00' : '00:00', meridiem: noon ? 'pm' : 'am', hour12: 12, minute: 0, index, length: m[0].length }));
    } else if (m[2] !== undefined) {
      const h = Number(m[2]);
      const min = Number(m[3] ?? '0');
      if (h < 1 || h > 12 || min > 59) continue;
      const pm = (m[4] as string).toLowerCase() === 'p';
      out.push(withZone({ time: hhmm((h % 12) + (pm ? 12 : 0), min), meridiem: pm ? 'pm' : 'am', hour12: h, minute: min, index, length: m[0].length }));
    } else if (m[5] !== undefined) {
      out.push(withZone({ time: hhmm(Number(m[5]), Number(m[6])), meridiem: 'none', minute: Number(m[6]), index, length: m[0].length }));
    }
  }
  return out;
}

export interface TimeRange {
  start: string;
  end?: string;
  /**
   * A zone written with the time ("4:00 PM EST", "10am - 2pm ET"), and the text from the start to
   * it: whether it is the operator's, and so whether the times are theirs, is the caller's to say.
   */
  zone?: { zone: string; written: string; overnightEnd?: string };
  /** The start and the end each name a zone, not the same one ("10 AM PST to 2 PM EST"): no length can be read from them. */
  mixedZones?: true;
}

/**
 * A start time and, when the text gives one, an end: "10:00 AM – 3:00 PM", "10am to 3pm",
 * "10 - 3 PM", "11 - 1 AM", "10 to noon", "8 - midnight". A bare start is the one in the 12 hours before the end: it borrows the
 * end's am/pm when that keeps it before the end ("10 - 3 PM" is 10 AM), else it is the evening
 * before ("11 - 1 AM" is 11 PM).
 */
export function readTimeRange(text: string): TimeRange | undefined {
  const times = readTimes(text);
  // The end is a time with am/pm, or noon or midnight ("from 10 to noon", "8 - midnight").
  const bare = /\b(\d{1,2})(?::(\d{2}))?\s*(?:-|to|until|till)\s*(?:(\d{1,2})(?::(\d{2}))?\s*([ap])\.?\s?m\b|(noon|midnight)\b)/i.exec(text);
  // A bare range whose end starts a full one is a count before it ("guests 6 - 2pm to 6pm"), not a time.
  const endsAtRange = bare !== null && /^\s*(?:-|to|until|till|through)\s*\d/i.test(text.slice(bare.index + bare[0].length));
  const bareFirst = bare && !endsAtRange && (times.length === 0 || bare.index <= (times[0] as TimeMatch).index) ? bare : undefined;
  if (bareFirst) {
    const word = bareFirst[6]?.toLowerCase();
    const h1 = Number(bareFirst[1]);
    const m1 = Number(bareFirst[2] ?? '0');
    const h2 = word ? 12 : Number(bareFirst[3]);
    const m2 = word ? 0 : Number(bareFirst[4] ?? '0');
    if (h1 >= 1 && h1 <= 12 && h2 >= 1 && h2 <= 12 && m1 < 60 && m2 < 60) {
      const pm = word ? word === 'noon' : (bareFirst[5] as string).toLowerCase() === 'p';
      const end = (h2 % 12) + (pm ? 12 : 0);
      let start = (h1 % 12) + (pm ? 12 : 0);
      if (start * 60 + m1 > end * 60 + m2) start -= 12;
      if (start < 0) start += 24;
      // "1 - 1 AM" could be 0, 12 or 24 hours.
      if (start * 60 + m1 === end * 60 + m2) return undefined;
      const to = bareFirst.index + bareFirst[0].length;
      const zone = zoneAfter(text, to, hhmm(end, m2), true);
      return { start: hhmm(start, m1), end: hhmm(end, m2), ...(zone ? { zone: { zone: zone.zone, written: text.slice(bareFirst.index, to + zone.length).trim() } } : {}) };
    }
  }
  const first = times[0];
  if (!first) return undefined;
  // The range's start was unreadable ("0 - 1 AM"): the first time is its END, never the departure.
  if (bareFirst && first.index > bareFirst.index) return undefined;
  // Nor is a time right after a number and "-" or "to" ("13 - noon", "10:00 - 12:00 PM" unread above).
  if (!endsAtRange && /\d\s*(?:-|to|until|till|through)\s*$/i.test(text.slice(0, first.index))) return undefined;
  const second = times[1];
  const zoned = (t: TimeMatch, range: { start: string; end?: string }): TimeRange => {
    const zone = t.zone ?? (t === first ? undefined : first.zone);
    const mixed = t !== first && first.zone && t.zone && zoneName(first.zone.zone) !== zoneName(t.zone.zone);
    const written = text.slice(first.index, t.index + t.length + (t.zone?.length ?? 0)).trim();
    // "22:00 -02:00" alone: an offset, or the end of an overnight trip.
    const overnight = range.end === undefined && zone?.overnightEnd !== undefined ? { overnightEnd: zone.overnightEnd } : {};
    return zone ? { ...range, zone: { zone: zone.zone, written, ...overnight }, ...(mixed ? { mixedZones: true } : {}) } : range;
  };
  if (second) {
    // The start may carry its zone as the end does ("10:00 AM PST to 2:00 PM PST").
    const between = text.slice(first.index + first.length + (first.zone?.length ?? 0), second.index);
    if (/^\s*(-|to|until|till|through|and)\s*$/i.test(between)) return zoned(second, { start: first.time, end: second.time });
  }
  return zoned(first, { start: first.time });
}

/** "(Pacific Time)" and "pacific  time" are one zone. */
function zoneName(zone: string): string {
  return zone.toUpperCase().replace(/[\s()]+/g, '');
}

/** Hours from "5 hours", "4 hrs", "4.5h", "4 1/2 hours", "3 hours 30 minutes", "half day (4 hours)". */
export function readDurationHours(text: string): number | undefined {
  const s = text.toLowerCase();
  const hm = /(\d{1,2})\s*(?:h|hrs?|hours?)\s*(?:and\s*)?(\d{1,2})\s*(?:m|min|mins|minutes?)\b/.exec(s);
  if (hm) return Number(hm[1]) + Number(hm[2]) / 60;
  const half = /(\d{1,2})\s+(?:1\/2|½)\s*-?\s*(?:h|hrs?|hours?)\b/.exec(s) ?? /(\d{1,2})½\s*-?\s*(?:h|hrs?|hours?)\b/.exec(s);
  if (half) return Number(half[1]) + 0.5;
  const h = /(\d{1,2}(?:\.\d{1,2})?)\s*-?\s*(?:h|hrs?|hours?)\b/.exec(s);
  if (h) return Number(h[1]);
  const min = /(\d{2,3})\s*(?:min|mins|minutes)\b/.exec(s);
  if (min) return Number(min[1]) / 60;
  return undefined;
}

/**
 * A duration label or unit word with its own number after it: "Hours: 4", "Hrs 4", "Duration - 4 hrs",
 * not "Length": in a confirmation that is the boat's (24', 21 m), and "Trip length: 4 hours" has its unit. Not a
 * count of something else ("hours 6 guests", "hours 40 ft"), a time ("Hours: 9 AM"),
 * a range of them ("Hours 9-5") or the minutes of "4 hours 30 minutes".
 */
const HOURS_LABEL =
  /\b(?:(?:duration|hours?|hrs?)\b|hrs?\.)\s*[:=-]?\s*(\d{1,2}(?:\.\d{1,2})?)(?![\d/:]|\.\d|\s*['"\u2019\u201d]|\s*m\b|\s*(?:-|–|to\b|until\b|till\b)\s*\d|\s*[ap]\.?m\b|\s*(?:guests?|people|persons?|passengers?|pax|adults?|kids?|children|min(?:s|utes?)?|stars?|ft|feet|foot|meters?|metres?)\b(?!\s*[:.]?\s*\d))/i;
const LABELLED_VALUE = /^\d{1,2}(?:\.\d{1,2})?(?:\s+1\/2|\s*½)?(?:\s*(?:h|hrs?|hours?)\b(?:\s*(?:and\s*)?\d{1,2}\s*(?:m|mins?|minutes?)\b)?)?/i;
/** "4 hours", "4.5 hrs", "4h", "4 1/2 hour" — the number not the end of a date ("6/15 hours", "June 15 hours"). */
const HOURS_AFTER = new RegExp(`(?<![\\d/]|\\d{4}-\\d{2}-|\\b(?:${MONTH_NAMES})\\.?\\s)\\b\\d{1,2}(?:\\.\\d{1,2}|\\s+1\\/2|\\s*½)?\\s*-?\\s*(?:h|hrs?|hours?)\\b`, 'i');

/** Where the number an hours label labels starts ("Hours 4 Guests 6": the 4), if the line has one. */
export function labelledHoursIndex(text: string): number | undefined {
  const m = HOURS_LABEL.exec(text);
  return m ? m.index + m[0].length - (m[1] as string).length : undefined;
}

/**
 * The hours a line that may hold other fields gives ("Date: 06/15/2027 Hours: 4", "Date 6/15 Hours 4",
 * "Dec 19, 4 hours"): a labelled number first — a unit word followed by its own number labels that
 * number, as "Guests 6" does — else a number with its unit after it. Never a number that ends a date:
 * "6/15 Hours 4" is four hours, not fifteen.
 */
export function readHoursInLine(text: string): number | undefined {
  const from = labelledHoursIndex(text);
  if (from !== undefined) {
    // Only the labelled value, read whole ("4 1/2", "4 hrs 30 min"): what follows is other fields.
    const value = (LABELLED_VALUE.exec(text.slice(from)) as RegExpExecArray)[0];
    return readDurationHours(/[a-z]$/i.test(value) ? value : `${value} hours`);
  }
  const counted = HOURS_AFTER.exec(text);
  return counted ? readDurationHours(text.slice(counted.index)) : undefined;
}

/** A count of people: "6", "6 guests", "4 adults, 2 children" (summed). */
export function readCount(text: string): number | undefined {
  const s = text.toLowerCase();
  const parts = [...s.matchAll(/(\d{1,3})\s*(adults?|children|kids?|child|infants?|seniors?)\b/g)];
  if (parts.length > 1) return parts.reduce((sum, p) => sum + Number(p[1]), 0);
  // Neither part of "1e3" (a thousand written as a spreadsheet does, not one person nor three)
  // nor digits glued to a word.
  const m = /(?<![\d.$,\p{L}]|\de[+-])(\d{1,3})(?![\d.,:/]|e[+-]?\d)/u.exec(s);
  return m ? Number(m[1]) : undefined;
}

export interface MoneyReadOptions {
  /** The line is a total ("Total: $1,000 + $200 fees = $1,200"): of several amounts, the one after its last "=" is it. */
  total?: boolean;
}

/**
 * A run of digits with the separators people (and typos) put in them: "1,200.00", "1,2000", "1_200",
 * "1.200,00", and the Swiss "1'250.50" — read whole, never as "1" and "250.50".
 */
const NUMBER_RUN = /\d(?:[\d,._'’]*\d)?/g;
/** A well-formed dollar amount: "1200", "1,200", "1,200.5", "1200.00". */
const DOLLARS = /^(?:\d{1,3}(?:,\d{3})+|\d{1,9})(?:\.\d{1,2})?$/;
/** Thousands grouped by apostrophes ("1'250.50"), as the Swiss write: dollars only when written in dollars ("$1'250.50"). */
const APOSTROPHE_GROUPED = /^\d{1,3}(?:['’]\d{3})+(?:\.\d{1,2})?$/;
const CURRENCY_BEFORE = /(?:US\s?\$|\$|\busd)\s*$/i;
/**
 * A currency that is not the US dollar. Letters glued to a "$", before or after it, name another
 * dollar or peso ("CA$", "C$", "A$", "AU$", "NZ$", "HK$", "S$", "R$", "MX$", "Mex$", "COP$", "MXN$",
 * "$MXN", "$NZD"): CURRENCY_BEFORE sees only their "$", so "Total: CA$1,250" filled the USD price
 * with 1250. Only "US$", "USD$" and "$USD" are dollars. The codes that are English words ("pen",
 * "cop") count only in capitals next to the amount (CURRENCY_CODES): "$1,250 (pen and paper waiver)" is dollars.
 */
const OTHER_CURRENCY = /€|£|¥|₱|₹|\b(?:eur|gbp|mxn|cad|aud|nzd|hkd|sgd|chf|jpy|cny|brl|clp|inr|zar|sek|dkk|pesos?|francs?)\b|(?<!\p{L})(?!usd?\$)\p{L}{1,3}\$|\$(?!usd\b)\p{L}{2,3}\b/iu;
/** An ISO code after a spaced "$" ("$ NZD 1,250"): capitals only, so "$ for 4 hours" is no currency. */
const CODE_AFTER_DOLLAR = /\$\s(?!USD\b)[A-Z]{3}\b/;
/**
 * The ISO 4217 codes the runtime knows ("PHP", "CAD"), and what Canadians write for theirs ("CDN"),
 * other than the US dollar: in capitals right after an amount ("$1,250 PHP", "$1,250 CDN") they name
 * its currency. Not the codes that are English words in an all-caps mail ("$1,250 ALL IN", "TOP"),
 * nor "CAN": "TOTAL $1,250 CAN BE PAID AT THE DOCK" is dollars.
 */
const CURRENCY_CODES = new Set(
  [...Intl.supportedValuesOf('currency'), 'CDN'].filter((c) => !['USD', 'ALL', 'TOP', 'CUP', 'MOP', 'SOS', 'BOB', 'TRY', 'MAD', 'BAM', 'CAN'].includes(c)),
);
/**
 * Capitals before a spaced "$": the two letters of a country that writes its dollar or peso with a
 * "$" ("CA $1,250", "MX $1,250", "AU $1,250") — not any two, "YOUR TOTAL IS $1,250" is dollars — or a
 * code ("CAD $"). Not after a comma: "San Diego, CA $1,250 total" is a US state in an address.
 */
const LETTERS_BEFORE_DOLLAR = /(?<!,\s*)\b([A-Z]{2,3})\s+\$/g;
const DOLLAR_COUNTRIES = new Set(['CA', 'AU', 'NZ', 'HK', 'MX', 'SG', 'TW', 'BZ', 'BS', 'BB', 'BM', 'BN', 'KY', 'FJ', 'JM', 'LR', 'SB', 'SR', 'TT', 'GY', 'EC', 'CL', 'CO', 'AR', 'CU', 'UY', 'PH', 'RD', 'NT']);
/**
 * Where a code after an amount names its currency: the line ends, or punctuation, a bracket, "dollars" or
 * "total" follows — not another word ("$1,250 CAN BE PAID", "$1,250 PHP BALANCE DUE").
 */
const ENDS_AMOUNT = String.raw`(?=\s*(?:$|[.,;:!?()\]/])|\s+(?:[Dd]ollars?|DOLLARS?|[Tt]otal|TOTAL)\b)`;
const CODE_AFTER_AMOUNT = new RegExp(String.raw`\d\s*([A-Z]{3})\b${ENDS_AMOUNT}`, 'g');
const COUNTRIES = String.raw`(?:canadian|cdn|australian|aussie|mexican|new\s+zealand|kiwi|hong\s+kong|singapore(?:an)?|taiwan(?:ese)?|jamaican|bahamian|barbad(?:os|ian)|belize(?:an)?|bermudian|cayman|fijian|liberian|namibian|guyanese|surinamese|trinidad(?:ian)?|east\s+caribbean|eastern\s+caribbean|chilean|colombian|argentin(?:e|ian)|cuban|dominican|filipino|philippine|uruguayan)`;
/**
 * A country's dollar or peso by the country's word, next to the amount or to "dollars": "1,250 Canadian
 * dollars", "Canadian dollars 1,250", "Canadian $1,250", "$1,250 Canadian" (ending the line or before
 * punctuation), "$1,250 Cdn". Not a word anywhere on the line: "$1,250 (Mexican-themed lunch)", "$1,250 -
 * Canadian family", "$1,250 – no Canadian dollars accepted".
 */
const COUNTRY_MONEY = [
  new RegExp(String.raw`(?<=\d\s*)${COUNTRIES}\s+dollars?\b|\b${COUNTRIES}\s+dollars?(?=\s*:?\s*\$?\s*\d)`, 'i'),
  new RegExp(String.raw`\b${COUNTRIES}(?=\s*\$\s*\d)`, 'i'),
  new RegExp(String.raw`(?<=\d\s*)${COUNTRIES}\b(?=\s*(?:$|[.,;:!?)\]/]))`, 'i'),
];

interface Span {
  index: number;
  length: number;
}

/** Where the text names a currency that is not the US dollar, by a sign, a code or a country's word: the first such mark. */
function otherCurrencyMark(text: string): Span | undefined {
  const marks: Span[] = [];
  const add = (m: RegExpExecArray | RegExpMatchArray | null, group?: number) => {
    if (!m) return;
    const at = m.index ?? 0;
    const whole = m[0];
    const part = group === undefined ? whole : (m[group] as string);
    marks.push({ index: at + (group === undefined ? 0 : whole.lastIndexOf(part)), length: part.length });
  };
  add(OTHER_CURRENCY.exec(text));
  add(CODE_AFTER_DOLLAR.exec(text));
  for (const re of COUNTRY_MONEY) add(re.exec(text));
  for (const m of text.matchAll(LETTERS_BEFORE_DOLLAR)) {
    const letters = m[1] as string;
    if (letters.length === 2 ? DOLLAR_COUNTRIES.has(letters) : CURRENCY_CODES.has(letters)) add(m);
  }
  for (const m of text.matchAll(CODE_AFTER_AMOUNT)) if (CURRENCY_CODES.has(m[1] as string)) add(m, 1);
  return marks.sort((a, b) => a.index - b.index)[0];
}

/**
 * The mark with the amount written next to it: "$1,250 CDN", "CA $1,250", "€1.250", "1 050 EUR" — what the
 * operator is told is not dollars; a mark with no amount beside it ("invoice in CAD") is named as the line's.
 */
function writtenAmount(text: string, mark: Span): string {
  const digits = String.raw`\d(?:[\d,.'’]|\s(?=\d))*`;
  const before = new RegExp(String.raw`(?:US\s?\$|\$)?\s*${digits}\s*$`).exec(text.slice(0, mark.index));
  const after = new RegExp(String.raw`^\s*\$?\s*${digits}`).exec(text.slice(mark.index + mark.length));
  const from = before ? before.index : mark.index;
  const to = mark.index + mark.length + (after ? after[0].length : 0);
  const written = text.slice(from, to).trim().replace(/[,.'’]+$/, '');
  return /\d/.test(written) ? written : `the amount on a line naming ${written}`;
}
const CURRENCY_AFTER = /^\s*(?:usd|dollars?)\b/i;
/** After a number: it counts something, or is a factor of a product. */
const COUNT_AFTER = /^\s*(?:hours?|hrs?|h\b|guests?|people|persons?|passengers?|pax|adults?|kids?|children|x\b|×|\*)/i;
/** Before a number: it is a factor of a product ("4 hours x $300"), a unit price and not what is paid. */
const FACTOR_BEFORE = /(?:\bx|×|\*)\s*(?:US\s?\$|\$|usd)?\s*$/i;

interface AmountCandidate {
  text: string;
  currency: boolean;
  negative: boolean;
  spaced: boolean;
  /** Inside parentheses: "(incl. $50 service fee)" is a part of the total, not the total. */
  aside: boolean;
  /** After the line's last "=": "$1,200 + $180 = $1,380" states its total there. */
  result: boolean;
}

/**
 * The amount of money a line states: "$1,200.00", "USD 1200", "1,200.00 USD", "$950", or a lone
 * bare number. A number with a currency marker wins over bare ones; counts ("4 hours", "6 guests")
 * and factors ("x $300") are never the price. Undefined rather than a guess: a negative amount, a
 * malformed one ("$1,2000", "1.200,00"), another currency, or several amounts where the line does
 * not say which is the total (on a total line, the one after its last "=" is).
 */
export function readMoneyCents(text: string, options: MoneyReadOptions = {}): number | undefined {
  return readMoney(text, options).cents;
}

export interface MoneyRead {
  cents?: number;
  /** The amount as written in another currency, which is why none was read: "$1,250 CDN". */
  otherCurrency?: string;
}

/** readMoneyCents, saying when the amount is left out for its currency. */
export function readMoney(text: string, options: MoneyReadOptions = {}): MoneyRead {
  const mark = otherCurrencyMark(text);
  if (mark) return { otherCurrency: writtenAmount(text, mark) };
  const cents = readDollars(text, options);
  return cents === undefined ? {} : { cents };
}

function readDollars(text: string, options: MoneyReadOptions): number | undefined {
  const candidates: AmountCandidate[] = [];
  for (const m of text.matchAll(NUMBER_RUN)) {
    const at = m.index ?? 0;
    const before = text.slice(0, at);
    const after = text.slice(at + m[0].length);
    if (COUNT_AFTER.test(after) || FACTOR_BEFORE.test(before)) continue;
    const currency = CURRENCY_BEFORE.test(before) || CURRENCY_AFTER.test(after);
    // Glued to letters or a decimal point ("1e3", "$1e3", "$1k", ".5", "A12"): part of something
    // else, even after a "$"; only a currency word may follow directly ("1200USD").
    const fragment = /[\p{L}.]$/u.test(before) || (/^\p{L}/u.test(after) && !CURRENCY_AFTER.test(after));
    candidates.push({
      text: fragment ? '' : m[0],
      currency,
      negative: /[-−–]\s*(?:US\s?\$|\$|usd)?\s*$/i.test(before),
      // Digits grouped by spaces ("1 050"): which part is the amount is anyone's guess.
      spaced: m[0].length <= 3 && /^\s\d{3}\b/.test(after),
      aside: (before.match(/\(/g)?.length ?? 0) > (before.match(/\)/g)?.length ?? 0),
      result: !after.includes('=') && before.includes('='),
    });
  }
  const marked = candidates.filter((c) => c.currency);
  let pool = marked.length > 0 ? marked : candidates;
  if (options.total && pool.some((c) => !c.aside)) pool = pool.filter((c) => !c.aside);
  // Several amounts on a total line: the total is the one after "=", else the line does not say
  // ("Total: $1,200 + $180 tax", "Total: $1,200, deposit $300"): the operator types it.
  if (options.total && pool.length > 1) pool = pool.filter((c) => c.result);
  if (pool.length !== 1 || pool.some((c) => c.spaced)) return undefined;
  const chosen = pool[0] as AmountCandidate;
  if (chosen.negative) return undefined;
  if (chosen.currency && APOSTROPHE_GROUPED.test(chosen.text)) return parseDollarsToCents(chosen.text.replace(/['’]/g, ''));
  if (!DOLLARS.test(chosen.text)) return undefined;
  return parseDollarsToCents(chosen.text);
}

/**
 * An address; its local part may hold an apostrophe ("siobhan.o'brien@…", ’ is made ' by cleanLine)
 * but not start or end with one, so a quoted 'maria@example.com' is read without the quote.
 */
export const EMAIL_LOCAL = String.raw`[A-Za-z0-9._%+-](?:[A-Za-z0-9._%+'-]*[A-Za-z0-9._%+-])?`;
const EMAIL = new RegExp(String.raw`${EMAIL_LOCAL}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}`);

export function readEmail(text: string): string | undefined {
  return EMAIL.exec(text)?.[0];
}

export function readEmails(text: string): string[] {
  return [...text.matchAll(new RegExp(EMAIL.source, 'g'))].map((m) => m[0]);
}

/** A phone number of 7–15 digits, as written (the modal keeps the operator's format). */
export function readPhone(text: string): string | undefined {
  for (const m of text.matchAll(/\+?\(?\d[\d\s().-]{5,22}\d/g)) {
    const digits = m[0].replace(/\D/g, '');
    if (digits.length >= 7 && digits.length <= 15 && !/^\d{4}-\d{2}-\d{2}$/.test(m[0].trim())) return m[0].trim().slice(0, 40);
  }
  return undefined;
}

/** A booking reference: a token of 4+ letters/digits/dashes that has a digit ("BS-48213", "#R7K2Q9"). */
export function readReference(text: string): string | undefined {
  for (const m of text.matchAll(/#?\s?([A-Za-z0-9][A-Za-z0-9-]{2,62}[A-Za-z0-9])/g)) {
    const token = m[1] as string;
    if (/\d/.test(token) && !/^\d{1,2}$/.test(token)) return token;
  }
  return undefined;
}
