/**
 * Time zones written after a time in a confirmation ("4:00 PM EST", "16:00 UTC", "4 PM (Eastern
 * Time)"), and whether one is the operator's own. The form takes times on the operator's wall clock
 * (CHARTER_TIMEZONE), so a time stated in another zone must not fill it as if it were local: the
 * platforms write the boat's local time, and a guest's own e-mail may write theirs.
 */
import { DateTime } from 'luxon';

/**
 * Zone abbreviations people write, in capitals only: in lower or mixed case they are words ("est. 4
 * hours", "West Basin", "wet suits", "ist"), and a lower-case "4pm pst" read as no zone is still read
 * on the operator's clock. "AT" and "NT" are left out: "4 PM AT THE DOCK" is no zone.
 */
const ABBREVIATIONS = 'UTC|GMT|EST|EDT|CST|CDT|MST|MDT|PST|PDT|AKST|AKDT|AKT|HST|HDT|HAST|HADT|AST|ADT|NST|NDT|BST|IST|CET|CEST|EET|EEST|WET|WEST|MSK|AEST|AEDT|ACST|ACDT|AWST|NZST|NZDT|JST|KST|SGT|HKT';
const TWO_LETTER = /\s*\(?\s*(ET|CT|MT|PT|HT)(?![A-Za-z])/y;
const ABBREVIATION = new RegExp(String.raw`\s*\(?\s*((?:UTC|GMT)\s?[+\u2212-]\s?\d{1,2}(?::?\d{2})?|(?:${ABBREVIATIONS}))(?![A-Za-z])`, 'y');
/** "Eastern Time", "Pacific Standard Time", "Central" before the end or a bracket: not "Central Park". */
const REGION = /\s*\(?\s*((?:Eastern|Central|Mountain|Pacific|Alaska|Alaskan|Hawaii|Hawaiian|Hawaii-Aleutian|Atlantic|Newfoundland|Greenwich Mean|Coordinated Universal)(?:\s+(?:Standard|Daylight|Summer))?(?:\s+Time\b|(?=\s*(?:$|[).,;]))))/iy;

const CLOSING = /\s*\)/y;

export interface WrittenZone {
  /** As written: "EST", "Eastern Time", "UTC+1". */
  zone: string;
  /** Characters from the time's end to the zone's end (a closing bracket included). */
  length: number;
}

/** The zone written right after a time ends at `from` in `text`, if there is one. */
export function zoneAfter(text: string, from: number): WrittenZone | undefined {
  // Sticky, from `from`: a long line of times is not copied once for each.
  const at = (re: RegExp, index: number) => {
    re.lastIndex = index;
    return re.exec(text);
  };
  const m = at(TWO_LETTER, from) ?? at(ABBREVIATION, from) ?? at(REGION, from);
  if (!m) return undefined;
  const closed = at(CLOSING, from + m[0].length);
  return { zone: m[1] as string, length: m[0].length + (closed ? closed[0].length : 0) };
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
