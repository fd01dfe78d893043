/**
 * Time zones written after a time in a confirmation ("4:00 PM EST", "16:00 UTC", "4 PM (Eastern
 * Time)"), and whether one is the operator's own. The form takes times on the operator's wall clock
 * (CHARTER_TIMEZONE), so a time stated in another zone must not fill it as if it were local: the
 * platforms write the boat's local time, and a guest's own e-mail may write theirs.
 */
import { DateTime, FixedOffsetZone } from 'luxon';
import { localDateTime } from '../time';

/**
 * Zone abbreviations people write. In capitals they count wherever they follow a time; in lower case
 * only right after it (whitespace between, nothing after but the end, a space or punctuation): "4pm
 * est", "4:00 pm pst". Further off, or in mixed case, they are words ("est. 4 hours", "West Basin").
 * "AT" and "NT" are left out: "4 PM AT THE DOCK" is no zone.
 */
const ABBREVIATIONS = 'UTC|GMT|EST|EDT|CST|CDT|MST|MDT|PST|PDT|AKST|AKDT|AKT|HST|HDT|HAST|HADT|AST|ADT|NST|NDT|BST|IST|CET|CEST|EET|EEST|WET|WEST|MSK|AEST|AEDT|ACST|ACDT|AWST|NZST|NZDT|JST|KST|SGT|HKT';
const TWO_LETTER = /\s*\(?\s*(ET|CT|MT|PT|HT)(?![A-Za-z])/y;
const ABBREVIATION = new RegExp(String.raw`\s*\(?\s*((?:UTC|GMT)\s?[+\u2212-]\s?\d{1,2}(?::?\d{2})?|(?:${ABBREVIATIONS}))(?![A-Za-z])`, 'y');
/** "Eastern Time", "Pacific Standard Time", "Central" before the end or a bracket: not "Central Park". */
const REGION = /\s*\(?\s*((?:Eastern|Central|Mountain|Pacific|Alaska|Alaskan|Hawaii|Hawaiian|Hawaii-Aleutian|Atlantic|Newfoundland|Greenwich Mean|Coordinated Universal)(?:\s+(?:Standard|Daylight|Summer))?(?:\s+Time\b|(?=\s*(?:$|[).,;]))))/iy;

/**
 * The same abbreviations in lower case right after a time. Not the ones that are words there: "9 AM
 * wet suits", "10 AM west dock", "3 PM ist", "4pm et al", "10am et cetera", "(thou) hast"; nor one with a dot and more
 * text after it, which abbreviates a word ("2 PM est. return", "10 AM mt. soledad"). Never "est": in
 * a San Diego boat's mail "End: 2pm est", "Return: 2:00 PM est" and "1:00 pm (est)" are estimates, and
 * reading them as Eastern dropped the trip's length; a capital "EST" is still Eastern.
 */
const LOWER_CASE = new RegExp(
  String.raw`\s+((?:utc|gmt)\s?[+\u2212-]\s?\d{1,2}(?::?\d{2})?|(?!(?:wet|west|ist|hast|est)\b)(?:${ABBREVIATIONS.toLowerCase()}|et(?!\s+(?:al|cetera)\b)|ct|mt|pt|ht)(?=$|[\s,;:!?)\]/]|\.\s*$))`,
  'y',
);
/** One in brackets of its own right after a time: "4pm (pst)", "4 pm (pt)" — not "(est)", an estimate as above. */
const LOWER_CASE_BRACKETED = new RegExp(String.raw`\s*\(\s*((?!(?:wet|west|hast|est)\b)(?:${ABBREVIATIONS.toLowerCase()}|et|ct|mt|pt|ht))\s*(?=\))`, 'y');
/**
 * A UTC offset glued to a time, ISO style ("16:00Z", "16:00-05:00", "16:00 +01:00", "4:00 PM -0500").
 * A "-" before a later time is a range ("10:00 -12:00" is two hours, never UTC-12): it is an offset
 * only when, read as an end, it would come no later than the start.
 */
const OFFSET = /(?:Z(?![\p{L}\d])|\s?([+\u2212-])(\d{2}):?(\d{2})(?![\d:]|\s*[ap]\.?\s?m\b))/iuy;

const CLOSING = /\s*\)/y;

export interface WrittenZone {
  /** As written: "EST", "Eastern Time", "UTC+1". */
  zone: string;
  /** Characters from the time's end to the zone's end (a closing bracket included). */
  length: number;
  /**
   * A spaced "-HH:MM" that could as well end an overnight trip of up to 12 hours ("22:00 -02:00"): the
   * end it would be (HH:mm). Read as an offset all the same, but the operator is told it may be a range.
   */
  overnightEnd?: string;
}

/**
 * The zone written right after a time ends at `from` in `text`, if there is one. `start` (HH:mm, the
 * time itself) and whether it was written with am/pm tell an offset from the end of a range: "16:00
 * -05:00" and "1:00 AM -05:00" are zones, "10:00 -12:00" not.
 */
export function zoneAfter(text: string, from: number, start?: string, twelveHour = false): WrittenZone | undefined {
  // Sticky, from `from`: a long line of times is not copied once for each.
  const at = (re: RegExp, index: number) => {
    re.lastIndex = index;
    return re.exec(text);
  };
  const offset = at(OFFSET, from);
  // A time written to the second ("10:00:00-05:00") is a timestamp's, its "-05:00" an offset, never a range's end.
  const seconds = /:\d{2}:\d{2}(?:[.,]\d+)?$/.test(text.slice(Math.max(0, from - 20), from));
  if (offset && (seconds || isOffsetAfter(offset, start, twelveHour))) {
    const end = seconds ? undefined : overnightEnd(offset, start);
    return { zone: offset[0].trim(), length: offset[0].length, ...(end ? { overnightEnd: end } : {}) };
  }
  const lower = at(LOWER_CASE, from) ?? at(LOWER_CASE_BRACKETED, from);
  const m = at(TWO_LETTER, from) ?? at(ABBREVIATION, from) ?? lower ?? at(REGION, from);
  if (!m) return undefined;
  const closed = at(CLOSING, from + m[0].length);
  const length = m[0].length + (closed ? closed[0].length : 0);
  // Outlook prints the zone's standard offset before its name all year: "(UTC-08:00) Pacific Time (US &
  // Canada)" in June is Pacific daylight time. The name is the zone, the bracketed offset only a label.
  if (closed && /^\s*\(/.test(m[0]) && isOffsetZone(m[1] as string)) {
    const region = at(REGION, from + length);
    if (region) {
      const tail = at(US_AND_CANADA, from + length + region[0].length);
      return { zone: region[1] as string, length: length + region[0].length + (tail ? tail[0].length : 0) };
    }
  }
  return { zone: m[1] as string, length };
}

/** What Outlook writes after a North American zone's name. */
const US_AND_CANADA = /\s*\((?:US|U\.S\.)\s*(?:&|&amp;|and)\s*Canada\)/iy;

function isOffsetAfter(m: RegExpExecArray, start: string | undefined, twelveHour: boolean): boolean {
  if (m[1] === undefined) return true;
  const hours = Number(m[2]);
  const minutes = Number(m[3]);
  if (hours > 14 || ![0, 30, 45].includes(minutes)) return false;
  if (m[1] === '+') return true;
  // "-HH:MM": an offset only where it cannot be the range's end; after "1:00 AM" a zero-padded
  // "-05:00" is written as no end of a 12-hour range is.
  if (start === undefined || hours > 12) return false;
  const [sh, sm] = start.split(':').map(Number) as [number, number];
  // Glued to the time ("21:00-01:00", "9:00 PM-01:00"), it is the end of an overnight trip when one
  // of a trip's length ends there: "16:00-05:00" (13 h) is still a zone.
  if (!/^\s/.test(m[0]) && isTripEnd(sh * 60 + sm, hours * 60 + minutes)) return false;
  if (twelveHour && (m[2] as string).startsWith('0')) return true;
  return hours * 60 + minutes <= sh * 60 + sm;
}

/**
 * The end a spaced "-HH:MM" after `start` would be, if it may end an overnight trip: "22:00 -02:00"
 * (4 h past midnight) and "20:00 -00:00" may; "16:00 -05:00" (13 h) and "1:00 AM -05:00" (no
 * midnight between) are offsets only.
 */
function overnightEnd(m: RegExpExecArray, start: string | undefined): string | undefined {
  if (m[1] !== '-' || start === undefined || !/^\s/.test(m[0])) return undefined;
  const [sh, sm] = start.split(':').map(Number) as [number, number];
  const end = Number(m[2]) * 60 + Number(m[3]);
  if (end >= sh * 60 + sm || !isTripEnd(sh * 60 + sm, end)) return undefined;
  return `${m[2] as string}:${m[3] as string}`;
}

/** The most hours the booking form takes: a longer span is no trip's. */
const LONGEST_TRIP_MINUTES = 12 * 60;

/** Whether a trip starting at `start` (minutes after midnight) may end at `end`, past midnight if need be. */
function isTripEnd(start: number, end: number): boolean {
  const minutes = end > start ? end - start : end + 24 * 60 - start;
  return minutes <= LONGEST_TRIP_MINUTES;
}

/**
 * A zone written as its offset from UTC: "-05:00", "+0100", "Z", "UTC-5", "gmt+1" — not "EST", nor a
 * bare "UTC" or "GMT", names that go by the operator's zone as "PST" does (a UK paste says "GMT" in June).
 */
export function isOffsetZone(zone: string): boolean {
  return /\d|^z$/i.test(zone.trim()) && offsetMinutes(zone) !== undefined;
}

/** The minutes east of UTC a zone written as an offset stands for: "-05:00" → -300, "UTC+5:30" → 330, "Z" → 0. */
export function offsetMinutes(zone: string): number | undefined {
  const z = zone.trim().toUpperCase().replace(/\u2212/g, '-');
  if (/^(?:Z|UTC|GMT)$/.test(z)) return 0;
  const m = /^(?:(?:UTC|GMT)\s?)?([+-])\s?(\d{1,2})(?::?(\d{2}))?$/.exec(z);
  if (!m) return undefined;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? '0');
  return m[1] === '-' ? -minutes : minutes;
}

/** "Pacific Standard Time", "(PT)", "pacific" → "PACIFIC" / "PT": a zone's name without what does not tell zones apart. */
function zoneKey(name: string): string {
  return name
    .toUpperCase()
    .replace(/\u2212/g, '-')
    .replace(/\b(?:STANDARD|DAYLIGHT|SUMMER|TIME)\b/g, ' ')
    .replace(/\s+/g, '')
    .replace(/^(UTC|GMT)([+-])0?(\d{1,2})(?::?00)?$/, '$1$2$3');
}

function intlName(timezone: string, at: DateTime, style: 'short' | 'long' | 'shortGeneric' | 'longGeneric'): string | undefined {
  return new Intl.DateTimeFormat('en-US', { timeZone: timezone, timeZoneName: style }).formatToParts(at.toJSDate()).find((p) => p.type === 'timeZoneName')?.value;
}

export interface OperatorZone {
  /** What the operator reads: "Pacific Time". */
  label: string;
  /** Whether a written zone is this one. */
  is(zone: string): boolean;
}

/**
 * The operator's zone by every name it goes by around `nowMs`, from the configured zone, not a list:
 * for America/Los_Angeles PST, PDT, PT, Pacific, Pacific Time, Pacific Standard Time… Both halves
 * of the year count: a paste says "PST" in June as often as "PDT".
 */
export function operatorZone(timezone: string, nowMs: number): OperatorZone {
  const now = DateTime.fromMillis(nowMs, { zone: timezone });
  const keys = new Set<string>();
  const halves = [now.set({ month: 1, day: 15 }), now.set({ month: 7, day: 15 })];
  for (const at of halves) {
    for (const style of ['short', 'long', 'shortGeneric', 'longGeneric'] as const) {
      const name = intlName(timezone, at, style);
      if (!name) continue;
      keys.add(zoneKey(name));
      // "Hawaii-Aleutian Time" is "Hawaii Time" too.
      keys.add(zoneKey(name.split('-')[0] as string));
      // ICU writes "GMT+1" for "BST" and "GMT-10" for "HST": the initials of the long name are its
      // abbreviation, with "Standard" (PST) and without (CET).
      if (style === 'long' || style === 'longGeneric') {
        const words = name.split(/[\s-]+/).filter((w) => /^[A-Z]/.test(w));
        keys.add(words.map((w) => w[0]).join(''));
        keys.add(words.filter((w) => w !== 'Standard').map((w) => w[0]).join(''));
      }
    }
  }
  // A zone at UTC all year (UTC, Iceland) goes by every name of it.
  if (halves.every((at) => at.offset === 0)) for (const k of ['UTC', 'GMT', 'Z']) keys.add(k);
  const generic = intlName(timezone, now, 'longGeneric');
  const label = generic && !/^GMT/.test(generic) ? generic : (intlName(timezone, now, 'long') ?? timezone);
  return { label, is: (zone) => keys.has(zoneKey(zone)) };
}

/**
 * Whether a zone written as a UTC offset ("16:00 -08:00", "UTC-7") is the operator's: only when it is
 * their offset at that time on the trip's date — -08:00 is Pacific in December, not in June. Without a
 * date it is known only for a zone whose offset never changes; undefined otherwise.
 */
export function isOperatorOffset(zone: string, timezone: string, date: string | undefined, time: string, nowMs: number): boolean | undefined {
  const minutes = offsetMinutes(zone);
  if (minutes === undefined) return false;
  if (date !== undefined) {
    const at = localDateTime(date, time, timezone);
    return at.isValid && at.offset === minutes;
  }
  const now = DateTime.fromMillis(nowMs, { zone: timezone });
  const offsets = [now.set({ month: 1, day: 15 }).offset, now.set({ month: 7, day: 15 }).offset];
  if (offsets.every((o) => o === minutes)) return true;
  return offsets.some((o) => o === minutes) ? undefined : false;
}

/**
 * Minutes east of UTC of the abbreviations; several where no one reading comes first ("IST": India,
 * Ireland, Israel). "CST" and "AST" are read as North America's, as a boat's paste means them.
 */
const ABBREVIATION_OFFSETS: Record<string, readonly number[]> = {
  UTC: [0], GMT: [0], Z: [0], WET: [0], BST: [60], CET: [60], WEST: [60], IST: [330, 60, 120], CEST: [120], EET: [120], EEST: [180], MSK: [180],
  EST: [-300], EDT: [-240], CST: [-360], CDT: [-300], MST: [-420], MDT: [-360], PST: [-480], PDT: [-420],
  AKST: [-540], AKDT: [-480], HST: [-600], HDT: [-540], HAST: [-600], HADT: [-540], AST: [-240], ADT: [-180], NST: [-210], NDT: [-150],
  AEST: [600], AEDT: [660], ACST: [570], ACDT: [630], AWST: [480], NZST: [720], NZDT: [780], JST: [540], KST: [540], SGT: [480], HKT: [480],
};
/** A region's zone, for a name that does not say standard or daylight time ("ET", "Eastern Time"): its offset is the date's. */
const REGION_ZONES: Record<string, string> = {
  ET: 'America/New_York', EASTERN: 'America/New_York', CT: 'America/Chicago', CENTRAL: 'America/Chicago', MT: 'America/Denver', MOUNTAIN: 'America/Denver',
  PT: 'America/Los_Angeles', PACIFIC: 'America/Los_Angeles', AKT: 'America/Anchorage', ALASKA: 'America/Anchorage', ALASKAN: 'America/Anchorage',
  HT: 'Pacific/Honolulu', HAWAII: 'Pacific/Honolulu', HAWAIIAN: 'Pacific/Honolulu', 'HAWAII-ALEUTIAN': 'Pacific/Honolulu',
  ATLANTIC: 'America/Halifax', NEWFOUNDLAND: 'America/St_Johns', 'GREENWICH MEAN': 'UTC', 'COORDINATED UNIVERSAL': 'UTC',
};

/**
 * The UTC offsets (minutes) a written zone may stand for at `time` on `date`: one for "EST", "-05:00" or
 * "Eastern Time" (the date's), several for "IST"; none when the zone is not known.
 */
export function writtenOffsets(zone: string, date: string, time: string): number[] {
  const offset = offsetMinutes(zone);
  if (offset !== undefined) return [offset];
  const name = zone.toUpperCase().replace(/\s+/g, ' ').trim();
  const fixed = ABBREVIATION_OFFSETS[name];
  if (fixed) return [...fixed];
  const words = /^(.*?)(?: (STANDARD|DAYLIGHT|SUMMER))?(?: TIME)?$/.exec(name) as RegExpExecArray;
  const region = REGION_ZONES[words[1] as string];
  if (!region) return [];
  const dt = DateTime.fromISO(`${date}T${time}`, { zone: region });
  if (!dt.isValid) return [];
  if (words[2] === undefined) return [dt.offset];
  // "Eastern Standard Time" in June is still the standard offset, as written.
  const jan = dt.set({ month: 1, day: 15 }).offset;
  const jul = dt.set({ month: 7, day: 15 }).offset;
  return [words[2] === 'STANDARD' ? Math.min(jan, jul) : Math.max(jan, jul)];
}

/** The operator's date of `time` on `date` written at a UTC offset. */
export function operatorDate(date: string, time: string, offset: number, timezone: string): string | undefined {
  const dt = DateTime.fromISO(`${date}T${time}`, { zone: FixedOffsetZone.instance(offset) });
  return dt.isValid ? (dt.setZone(timezone).toISODate() ?? undefined) : undefined;
}
