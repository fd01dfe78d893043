/**
 * Reads a pasted or forwarded booking confirmation (Boatsetter, GetMyBoat, other platforms, or a
 * guest's own e-mail) into booking fields. Tolerant — labels in any order and case, with or
 * without colons, value on the label's line or the next — and honest: a field is returned only
 * when the text says it, each with the input line it came from (`evidence`), and every field it
 * could not read is listed in `missing`. Dates and times are the operator's wall-clock times
 * (CHARTER_TIMEZONE): the platforms write them in the boat's local time; a time written with another
 * zone is left out, and `unsure` says why. Pure; never throws.
 */
import { DateTime } from 'luxon';
import { isMoneyLine } from '../money-detector';
import { humanClock, humanDate, humanDayMonth, localDateTime } from '../time';
import { cleanLine, normaliseLabel, toLines, type Line } from './text';
import { isOffsetZone, isOperatorOffset, operatorDate, operatorZone, writtenOffsets, type OperatorZone } from './time-zones';
import { isTripLength, proseTripHours, tripHours, type HoursCandidate } from './trip-hours';
import {
  EMAIL_LOCAL,
  labelledHoursIndex,
  readCount,
  readDate,
  readDateChecked,
  readDurationHours,
  readEmail,
  readEmails,
  readHoursInLine,
  readMoney,
  readPhone,
  readReference,
  readTimeRange,
  type DateContext,
  type TimeRange,
} from './values';

export const INTAKE_FIELDS = [
  'guestName',
  'guestEmail',
  'guestPhone',
  'date',
  'departureTime',
  'durationHours',
  'partySize',
  'priceCents',
  'platform',
  'platformRef',
  'notes',
] as const;
export type IntakeField = (typeof INTAKE_FIELDS)[number];

export interface IntakeFields {
  guestName?: string;
  guestEmail?: string;
  guestPhone?: string;
  /** YYYY-MM-DD in the operator's time zone. */
  date?: string;
  /** HH:mm (24 h) in the operator's time zone. */
  departureTime?: string;
  durationHours?: number;
  partySize?: number;
  /** What the guest pays, integer cents. */
  priceCents?: number;
  /** Canonical platform name, e.g. "Boatsetter". */
  platform?: string;
  platformRef?: string;
  notes?: string;
}

export interface ParsedConfirmation {
  fields: IntakeFields;
  /** For each field returned, the input line(s) it was read from — always a substring of the input. */
  evidence: Partial<Record<IntakeField, string>>;
  /** Fields the text did not give (or gave in a form the parser could not read). */
  missing: IntakeField[];
  /**
   * For the operator next to the field's name: why a missing field was left blank when the text did
   * state it ("stated as 4 h and 3 h"), or what else the text says of a filled one ("also stated as
   * 4 h"). Absent when nothing is unsure.
   */
  unsure?: Partial<Record<IntakeField, string>>;
}

/** What the operator reads in the modal: "Could not read: party size, price". */
export const INTAKE_FIELD_LABELS: Record<IntakeField, string> = {
  guestName: 'guest name',
  guestEmail: 'e-mail',
  guestPhone: 'phone',
  date: 'date',
  departureTime: 'start time',
  durationHours: 'duration',
  partySize: 'party size',
  priceCents: 'price',
  platform: 'platform',
  platformRef: 'booking reference',
  notes: 'notes',
};

/** Platform names as they are spelled in text (and in their mail domains) → the canonical name. */
export const PLATFORMS: readonly { name: string; pattern: RegExp }[] = [
  { name: 'Boatsetter', pattern: /boat\s?setter/i },
  { name: 'GetMyBoat', pattern: /get\s?my\s?boat/i },
  { name: 'Sailo', pattern: /\bsailo\b/i },
  { name: 'Click&Boat', pattern: /click\s?(&|and)\s?boat/i },
  { name: 'Airbnb', pattern: /\bairbnb\b/i },
  { name: 'Viator', pattern: /\bviator\b/i },
  { name: 'FareHarbor', pattern: /\bfare\s?harbor\b/i },
];

type Kind = 'name' | 'email' | 'phone' | 'date' | 'start' | 'end' | 'when' | 'duration' | 'party' | 'price' | 'ref' | 'platform' | 'notes' | 'guest';

const LABELS: Record<string, Kind> = {};
function label(kind: Kind, ...names: string[]): void {
  for (const n of names) LABELS[normaliseLabel(n)] = kind;
}
label('name', 'renter', 'renter name', 'guest name', 'name', 'customer', 'customer name', 'booked by', 'lead guest', 'primary guest', 'traveler', 'traveller', 'contact', 'contact name', 'full name', 'client', 'client name', 'primary contact', 'renter details', 'guest details');
label('guest', 'guest');
label('email', 'email', 'email address', 'renter email', 'guest email', 'contact email', 'customer email', 'client email', 'mail');
label('phone', 'phone', 'phone number', 'mobile', 'mobile number', 'cell', 'cell phone', 'tel', 'telephone', 'renter phone', 'guest phone', 'contact phone', 'customer phone');
label('date', 'date', 'trip date', 'charter date', 'departure date', 'start date', 'day', 'rental date', 'trip day', 'date of trip', 'date of charter', 'event date', 'booking date for');
label('when', 'when', 'trip', 'schedule', 'date and time', 'date time', 'trip details', 'itinerary', 'date & time', 'time slot', 'slot');
label('start', 'start', 'start time', 'departure', 'departure time', 'departs', 'depart', 'pickup time', 'pick up time', 'time', 'trip time', 'trip start', 'begins', 'starts', 'boarding time', 'from');
label('end', 'end', 'end time', 'return', 'return time', 'returns', 'drop off time', 'trip end', 'ends', 'until', 'to');
label('duration', 'duration', 'trip duration', 'length', 'hours', 'trip length', 'rental duration', 'charter length', 'charter duration', 'booking duration', 'rental length',
  // a change's new length, over the old one that is read as prose and passed over
  'new duration', 'updated duration', 'revised duration', 'new hours', 'updated hours');
label('party', 'passengers', 'guests', 'party size', 'number of guests', 'group size', '# of guests', 'guest count', 'people', 'party', 'pax', 'number of passengers', '# of passengers', 'no of guests', 'total guests', 'headcount', 'number of people', 'group');
label('price', 'total', 'trip price', 'price', 'total price', 'amount', 'charter price', 'booking total', 'total paid', 'grand total', 'trip total', 'rental price', 'total cost', 'amount paid', 'charter total', 'trip cost', 'rental total', 'booking price', 'total charged', 'renter paid', 'guest paid');
label('ref', 'booking id', 'booking #', 'booking number', 'booking no', 'booking reference', 'booking ref', 'reservation', 'reservation id', 'reservation #', 'reservation number', 'reservation code', 'confirmation', 'confirmation code', 'confirmation number', 'confirmation #', 'confirmation no', 'reference', 'ref', 'reference number', 'ref #', 'trip id', 'trip #', 'booking code', 'order #', 'order number', 'order id', 'request id', 'booking');
label('platform', 'platform', 'source', 'booked via', 'booked on', 'booked through', 'channel', 'marketplace');
label('notes', 'notes', 'note', 'special requests', 'special request', 'message', 'message from renter', 'message from guest', 'comments', 'requests', 'additional info', 'additional information', 'guest notes', 'renter notes', 'occasion', 'remarks', 'requests and notes');

/** "Label: value", "Label — value", "Label<tab or 2+ spaces>value" on one (raw) line. */
function splitLabel(line: Line): { kind: Kind; label: string; value: string } | undefined {
  const colon = /^([A-Za-z#][A-Za-z0-9 #&'/.()-]{0,40}?)\s*(?::|：| - )\s*(.*)$/.exec(line.clean);
  const spaced = /^([A-Za-z#][A-Za-z0-9 #&'/.()-]{0,40}?)(?:\t| {2,})\s*(\S.*)$/.exec(line.raw.replace(/^(\s*>)+ ?/, '').trim());
  for (const m of [colon, spaced]) {
    if (!m) continue;
    const kind = LABELS[normaliseLabel(m[1] as string)];
    if (kind) return { kind, label: m[1] as string, value: (m[2] as string).replace(/\s+/g, ' ').trim() };
  }
  return undefined;
}

/**
 * Labels that say nothing the form takes, but end the field before them when a mail client
 * flattens a table onto one line ("Renter: Maria Delgado Captain: Dave Date: 06/15/2027").
 */
const OTHER_LABELS = new Set(
  ['captain', 'skipper', 'crew', 'boat', 'boat name', 'vessel', 'yacht', 'listing', 'marina', 'location', 'meeting point', 'pickup location', 'departure location', 'dock', 'address', 'status', 'package', 'host', 'owner', 'payout', 'your payout', 'earnings', 'service fee', 'fees'].map(normaliseLabel),
);

interface Field {
  kind?: Kind;
  label: string;
  value: string;
}

/**
 * Where a label starts inside a value: a capitalised known label of up to four words and its colon
 * ("… Delgado Date: 06/15/2027", "… | Hours: 4"), after a space or a cell separator. The longest
 * such label wins, so "Trip date:" is not cut to "date:". Capitalised only: a lower-case "time:"
 * inside a value is more often words than a flattened table's next cell.
 */
function labelsIn(value: string): { at: number; label: string; kind?: Kind; end: number }[] {
  const out: { at: number; label: string; kind?: Kind; end: number }[] = [];
  for (const colon of value.matchAll(/(?<=[A-Za-z#)])\s*:(?=\s|$)/g)) {
    // A label is at most four words of 41 characters: only that much before the colon is looked at,
    // so a long line of colons is read in linear time.
    const from = Math.max(1, (colon.index as number) - 48);
    let best: { at: number; label: string; kind?: Kind } | undefined;
    for (let at = from; at < (colon.index as number) && !best; at++) {
      if (!/[A-Z#]/.test(value[at] as string) || !/[\s|·•;,]/.test(value[at - 1] as string)) continue;
      const label = value.slice(at, colon.index);
      if (label.split(/\s+/).length > 4) continue;
      const n = normaliseLabel(label);
      if (LABELS[n] || OTHER_LABELS.has(n)) best = { at, label, kind: LABELS[n] };
    }
    if (best) out.push({ ...best, end: (colon.index as number) + colon[0].length });
  }
  return out;
}

/**
 * Every labelled field on one line: "Renter: X Date: Y Hours: 4 Guests: 6", as some mail clients
 * flatten a table, with spaces, tabs or pipes between the cells. A line that starts with a label
 * the form does not take ("Boat: Sea Breeze Renter: …") is read from its next label. A note is
 * the guest's own words and is never cut: "Time: flexible" in one is not a field.
 */
function splitFields(line: Line): Field[] {
  const row = labelValueCells(line);
  if (row) return row;
  const first: Field | undefined = splitLabel(line) ?? otherLabel(line);
  if (!first) return [];
  if (first.kind === 'notes') return [first];
  const tidy = (v: string) => v.replace(/^[\s|·•;,]+|[\s|·•;,]+$/g, '');
  const inner = labelsIn(first.value);
  const fields: Field[] = [{ ...first, value: tidy(first.value.slice(0, inner[0]?.at ?? first.value.length)) }];
  for (const [k, l] of inner.entries()) {
    // A note takes the rest of the line, labels and all.
    const to = l.kind === 'notes' ? first.value.length : (inner[k + 1]?.at ?? first.value.length);
    fields.push({ kind: l.kind, label: l.label, value: tidy(first.value.slice(l.end, to)) });
    if (l.kind === 'notes') break;
  }
  return fields.filter((f) => f.kind !== undefined);
}

/**
 * A table row flattened without colons, its cells split by tabs or wide spaces and every other cell
 * a label ("Renter<tab>Maria Delgado<tab>Date<tab>06/15/2027"). Only when every label cell is one:
 * "Sofia Rossi<tab>4 guests" is no such row.
 */
function labelValueCells(line: Line): Field[] | undefined {
  const cells = line.raw.replace(/^(\s*>)+ ?/, '').trim().split(/\t+| {2,}/).map((c) => cleanLine(c));
  if (cells.length < 4 || cells.length % 2 !== 0) return undefined;
  const fields: Field[] = [];
  for (let k = 0; k < cells.length; k += 2) {
    const n = normaliseLabel(cells[k] as string);
    if (!LABELS[n] && !OTHER_LABELS.has(n)) return undefined;
    fields.push({ kind: LABELS[n], label: cells[k] as string, value: cells[k + 1] as string });
  }
  return fields.filter((f) => f.kind !== undefined);
}

function otherLabel(line: Line): Field | undefined {
  const m = /^([A-Za-z#][A-Za-z0-9 #&'/.()-]{0,40}?)\s*:\s*(.*)$/.exec(line.clean);
  return m && OTHER_LABELS.has(normaliseLabel(m[1] as string)) ? { label: m[1] as string, value: m[2] as string } : undefined;
}

/** A line that is only a label ("Trip date" or "Trip date:"), the value being on the next line. */
function bareLabel(line: Line): Kind | undefined {
  const m = /^([A-Za-z#][A-Za-z0-9 #&'/.()-]{0,40}?)\s*:?$/.exec(line.clean);
  return m ? LABELS[normaliseLabel(m[1] as string)] : undefined;
}

interface Labelled {
  kind: Kind;
  /** The label as written ("Grand total"). */
  label: string;
  value: string;
  /** The raw line holding the value. */
  raw: string;
  index: number;
}

/** Mail-system and platform addresses are who sent the mail, not the guest. */
function isSystemEmail(email: string): boolean {
  return /^(no-?reply|do-?not-?reply|notifications?|bookings?|support|hello|info|team|mailer|reservations?)@/i.test(email) || PLATFORMS.some((p) => p.pattern.test(email.split('@')[1] ?? ''));
}

/** Words that say what an amount after (or before) them is: "paid $1,200", "Total: 1200". */
const NAME_MONEY_WORDS = 'paid|pay|payment|total|subtotal|price|amount|deposit|balance|fees?|tips?|cost|owes?|owed|due|refund(?:ed)?|charged?';
/** Where money starts in a name value: a currency sign ("US$", "¥"), or an amount next to a money word. */
const MONEY_IN_NAME = new RegExp(
  String.raw`\bUS\s?\p{Sc}|\p{Sc}|\busd\b(?=\s*\d)|\b(?:${NAME_MONEY_WORDS})\b[\s:=]*(?=\d)|(?<![\p{L}\d])\d[\d,.]*\s*(?:${NAME_MONEY_WORDS})\b`,
  'iu',
);
/** A money word left at the end once the amount is cut: set off by punctuation ("· Total", "(paid"), or lower case ("paid"). */
const TRAILING_MONEY_WORDS = [
  new RegExp(String.raw`\s*[(·•|,;:\-–—]\s*(?:(?:${NAME_MONEY_WORDS})\b[\s:=]*)+$`, 'i'),
  new RegExp(String.raw`\s(?:(?:${NAME_MONEY_WORDS})\b[\s:=]*)+$`),
];

/** The value up to where money starts, without the money word that announced it. */
function withoutMoney(value: string): string {
  const money = MONEY_IN_NAME.exec(value);
  if (!money) return value;
  let v = value.slice(0, money.index);
  for (let before = ''; before !== v; ) {
    before = v;
    for (const re of TRAILING_MONEY_WORDS) v = v.replace(re, '');
  }
  return v;
}

/**
 * The name in a value like "Maria Delgado <maria@example.com>" or "Olivia Brown (olivia@…) · 619…":
 * the text before the first address or number (or after it, when nothing comes before) — never
 * pieces from both sides joined up. Money is cut first ("Maria Delgado · $1,200 paid"): the name
 * reaches the guest page, which crew also open, and neither may see what was paid.
 */
function nameFrom(raw: string): string | undefined {
  const value = withoutMoney(raw);
  const cut = new RegExp(String.raw`[<([]?\s*${EMAIL_LOCAL}@[A-Za-z0-9.-]+|\+?\(?\d[\d\s().-]{5,}\d`).exec(value);
  const parts = cut ? [value.slice(0, cut.index), value.slice(cut.index + cut[0].length).replace(/^\s*[>)\]]/, '')] : [value];
  const tidy = (p: string) => p.replace(/\s+/g, ' ').replace(/^[\s,;|·•-]+|[\s,;|·•(<[-]+$/g, '').trim();
  const v = tidy(parts[0] ?? '') || tidy(parts[1] ?? '');
  if (!/\p{L}/u.test(v) || v.length > 100 || /^\d/.test(v) || /@/.test(v)) return undefined;
  if (/\b(hours?|guests?|passengers?|am|pm)\b/i.test(v) && /\d/.test(v)) return undefined;
  if (isMoneyLine(v)) return undefined;
  return v;
}

function platformIn(text: string): string | undefined {
  let best: { name: string; index: number } | undefined;
  for (const p of PLATFORMS) {
    const m = p.pattern.exec(text);
    if (m && (!best || m.index < best.index)) best = { name: p.name, index: m.index };
  }
  return best?.name;
}

export function parseConfirmation(text: string, ctx: DateContext): ParsedConfirmation {
  const input = typeof text === 'string' ? text.slice(0, 20_000) : '';
  const lines = toLines(input);
  const fields: IntakeFields = {};
  const evidence: Partial<Record<IntakeField, string>> = {};
  // End times seen ("Return: 3 PM", "10 AM – 3 PM"), turned into a duration once the start is known.
  // Every length the text states, and the line the date was read from: the one nearest it is the trip's.
  const durations: HoursCandidate[] = [];
  let dateIndex: number | undefined;
  // The lines of a note: the guest's words ("could we do 5 hours?"), a length only when nothing else states one.
  const noteIndexes = new Set<number>();
  let endTimes: { time: string; raw: string; offset?: string }[] = [];
  // The start filled from a time written with a UTC offset ("16:00 -08:00"): whether that offset is the
  // operator's depends on the date, weighed once the date is read.
  let offsetStart: { range: TimeRange; raw: string } | undefined;
  // The operator's zone by its names, worked out only when a time names a zone.
  let ownZone: OperatorZone | undefined;
  // Why the first time stated in another zone was not taken: "4:00 PM EST is not Pacific Time".
  let otherZone: string | undefined;
  // Why the first end time stated in another zone was not taken: the trip's length is unknown, not its start.
  let endZone: string | undefined;
  // A start written as an ISO instant in another zone, converted: "2026-12-20T18:00:00Z read as 10:00 AM Pacific Time".
  let converted: string | undefined;
  // That instant falls on another day on the operator's clock than the date read before it.
  let movedDay: string | undefined;
  // That time: its date may not be the operator's ("1:00 AM EST" is the evening before in Pacific).
  // Its range's length is still the trip's ("10am - 2pm EST" is 4 hours in any zone).
  let refused: { range: TimeRange; raw: string } | undefined;
  // Why the first date whose weekday disagrees was not taken: "Sat, Dec 20, 2026 is a Sunday".
  let wrongWeekday: string | undefined;
  const dateOf = (text: string): string | undefined => {
    const read = readDateChecked(text, ctx);
    wrongWeekday ??= read.refused;
    return read.date;
  };
  // Why the first price left out was: "$1,250 CDN is not US dollars".
  let otherMoney: string | undefined;
  const setPrice = (text: string, options: { total: boolean }, raw: string): void => {
    const read = readMoney(text, options);
    if (read.otherCurrency !== undefined && fields.priceCents === undefined) otherMoney ??= `${read.otherCurrency} is not US dollars`;
    set('priceCents', read.cents, raw);
  };
  const set = <K extends IntakeField>(field: K, value: IntakeFields[K] | undefined, raw: string): boolean => {
    if (value === undefined || fields[field] !== undefined) return false;
    fields[field] = value;
    evidence[field] = raw;
    return true;
  };

  // 1. Labelled values, the label on the value's line or alone on the line before it.
  const labelled: Labelled[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as Line;
    if (line.header || line.clean === '') continue;
    const fields = splitFields(line).filter((f) => f.value !== '');
    if (fields.length > 0) {
      for (const f of fields) labelled.push({ ...f, kind: f.kind as Kind, raw: line.raw, index: i });
      continue;
    }
    const bare = bareLabel(line);
    const next = lines[i + 1];
    if (bare && next && !next.header && next.clean !== '' && !splitLabel(next) && !bareLabel(next)) {
      labelled.push({ kind: bare, label: line.clean, value: next.clean, raw: next.raw, index: i + 1 });
      i++;
    }
  }

  // Lines whose "Hours: 9 AM - 5 PM" is the trip's time: the date's own line and the one right under it.
  const dateLines = new Set<number>();
  for (const l of labelled) {
    if ((l.kind === 'date' || l.kind === 'when') && readDate(l.value, ctx)) {
      dateLines.add(l.index);
      const below = lineBelow(lines, l.index);
      if (below !== undefined) dateLines.add(below);
    }
  }
  // Lines under a heading of kept hours ("Marina hours", "Hours of operation"), down to a blank line.
  const keptLines = new Set<number>();
  let keptTo = -1;
  for (const [i, line] of lines.entries()) {
    const heading = HOURS_HEADING.exec(line.clean);
    if (!heading || line.header) continue;
    const trip = TRIP_WORD.test(heading[1] as string) || (heading[1] === '' && /^hours$/i.test(heading[2] as string) && dateLines.has(i));
    // A heading inside a block already marked adds nothing: each line is marked once.
    for (let k = Math.max(i + 1, keptTo + 1); !trip && k < lines.length && (lines[k] as Line).clean !== ''; k++) keptLines.add((keptTo = k));
  }
  // A block headed by a marina or an office ("Shelter Island Marina", "Marina office"): its phone and
  // e-mail are the place's, the ones a guest would call, never the guest's own — unless the block
  // names the guest ("Renter: …"), when they are the guest's.
  const placeLines = new Set<number>();
  const guestLines = new Set(labelled.filter((l) => l.kind === 'name' || l.kind === 'guest').map((l) => l.index));
  for (let i = 0; i < lines.length; i++) {
    const head = lines[i] as Line;
    if (head.clean === '' || head.header || (i > 0 && (lines[i - 1] as Line).clean !== '')) continue;
    if (!PLACE.test(head.clean) || splitFields(head).length > 0 || bareLabel(head)) continue;
    let end = i + 1;
    while (end < lines.length && (lines[end] as Line).clean !== '') end++;
    let names = false;
    for (let k = i + 1; k < end && !names; k++) names = guestLines.has(k);
    if (names) continue;
    for (let k = i + 1; k < end; k++) placeLines.add(k);
  }
  const times = (text: string, index: number) => (keptLines.has(index) ? withoutRanges(text) : withoutOpeningHours(text, dateLines.has(index)));

  for (const l of labelled) {
    if (placeLines.has(l.index) && (l.kind === 'email' || l.kind === 'phone')) continue;
    switch (l.kind) {
      case 'name': {
        set('guestName', nameFrom(l.value), l.raw);
        const email = readEmail(l.value);
        if (email && !isSystemEmail(email)) set('guestEmail', email, l.raw);
        break;
      }
      case 'guest': {
        // "Guest: Maria Delgado" is a name, "Guest: 6" a head count.
        if (/^\d{1,3}\b/.test(l.value)) set('partySize', readCount(l.value), l.raw);
        else set('guestName', nameFrom(l.value), l.raw);
        const email = readEmail(l.value);
        if (email && !isSystemEmail(email)) set('guestEmail', email, l.raw);
        break;
      }
      case 'email':
        set('guestEmail', readEmail(l.value), l.raw);
        break;
      case 'phone':
        set('guestPhone', readPhone(l.value), l.raw);
        break;
      case 'date':
      case 'when': {
        const day = dateOf(l.value);
        if (set('date', day, l.raw)) dateIndex = l.index;
        // A "Date:" is a day: a timestamp on it is when the mail was sent, not the trip's time.
        const { instant, range } = timeOfLine(l.value, l.index, l.kind === 'when');
        if (instant) applyInstant(instant, l.raw, l.index, day);
        else if (range) applyRange(range, l.raw);
        // Operators paste "Date: 06/15/2027 Hours: 4": the hours are labelled on the date's line. The
        // rest of the line is read as prose is, so "(please arrive 1 hour early)" or "(free
        // cancellation until 48 hours before)" beside the date is no length.
        durations.push({ hours: proseTripHours(l.value)?.hours, raw: l.raw, index: l.index, labelled: true, day: () => day });
        break;
      }
      case 'start': {
        const { instant, range } = timeOfLine(l.value, l.index, true);
        const day = dateOf(l.value);
        if (instant) applyInstant(instant, l.raw, l.index, day);
        else if (range) applyRange(range, l.raw);
        if (!fields.date && set('date', day, l.raw)) dateIndex = l.index;
        break;
      }
      case 'end': {
        const instant = isoInstant(l.value, ctx.timezone);
        if (instant) {
          endTimes.push({ time: instant.time, raw: l.raw });
          break;
        }
        const range = readTimeRange(times(l.value, l.index));
        const why = range && otherZoneOf(range);
        // The end's zone tells why there is no length, never why there is no start.
        if (why) endZone ??= why;
        else if (range) endTimes.push({ time: range.end ?? range.start, raw: l.raw, ...offsetOf(range) });
        break;
      }
      case 'duration':
        // "Hours: 6" under "Marina hours", or in a marina's or office's block, are the place's.
        if (keptLines.has(l.index) || (placeLines.has(l.index) && normaliseLabel(l.label) === 'hours')) break;
        durations.push({ hours: labelledLength(l.value), raw: l.raw, index: l.index, labelled: true });
        break;
      case 'party':
        set('partySize', readCount(l.value), l.raw);
        break;
      case 'price':
        setPrice(l.value, { total: TOTAL.test(l.label) || TOTAL.test(l.value) }, l.raw);
        break;
      case 'ref':
        set('platformRef', readReference(l.value), l.raw);
        break;
      case 'platform':
        set('platform', platformIn(l.value) ?? otherPlatform(l.value), l.raw);
        break;
      case 'notes':
        set('notes', notesFrom(lines, l), notesEvidence(input, lines, l));
        for (let k = l.index; k <= noteEnd(lines, l); k++) noteIndexes.add(k);
        break;
    }
  }

  const labelledHours = new Set(durations.filter((d) => d.hours !== undefined).map((d) => d.index));
  // 2. Unlabelled text: prose confirmations ("… on Saturday, December 19 from 10am to 3pm for 6 guests").
  for (const [index, line] of lines.entries()) {
    if (line.header || line.clean === '') continue;
    const c = times(line.clean, index);
    if (!fields.guestEmail && !placeLines.has(index)) {
      const email = readEmails(c).find((e) => !isSystemEmail(e));
      if (email) set('guestEmail', email, line.raw);
    }
    if (!fields.date && set('date', dateOf(c), line.raw)) dateIndex = index;
    if (!fields.departureTime) {
      // A lone time in prose is read only next to a word that makes it the start; a range always is.
      const range = overnightIfStated(readTimeRange(c), c);
      if (range && (range.end !== undefined || /\b(from|at|depart\w*|start\w*|leav\w*|board\w*)\b/i.test(c))) applyRange(range, line.raw, index === dateIndex);
    }
    if (!fields.partySize) {
      // Never a number that ends a date ("12/19 pax 6" is six, not nineteen), nor one an hours label
      // labels ("Hours: 4 Guests: 6" is six; "4 hours 6 guests" still is six): the count may follow its word.
      const counted = /(?<![\d/.-])\b(?:for|party of|group of)?\s*(\d{1,3})\s+(?:guests|passengers|people|persons|adults|pax)\b/i.exec(c);
      const m =
        (counted && counted.index + counted[0].search(/\d/) !== labelledHoursIndex(c) ? counted : null) ??
        /\b(?:guests|passengers|pax)\s*:?\s*(\d{1,3})\b(?![/.:-]?\d)/i.exec(c) ??
        /\b(?:party|group) of\s+(\d{1,3})\b(?![/.:-]?\d)/i.exec(c);
      if (m) set('partySize', Number(m[1]), line.raw);
    }
    // The hours found, read whole: "4 1/2 hour cruise", "3 hours 30 minutes" (not 2 and 3), and
    // never the number that ends a date ("Date 6/15 Hours 4" is four hours, not fifteen). Not in a
    // block of kept hours ("Marina hours" and the lines under it), nor a place's "Hours: 6". A line
    // whose label gave hours has them already, and a label beats prose on its own line.
    const placeHours = placeLines.has(index) && /^(?:hours?|hrs?)\b/i.test(c.trim());
    const prose = keptLines.has(index) || placeHours || labelledHours.has(index) ? undefined : proseTripHours(c);
    if (prose !== undefined) durations.push({ hours: prose.hours, trip: prose.trip, raw: line.raw, index, labelled: false, note: noteIndexes.has(index), day: () => tripDay(c, ctx) });
    if (!fields.priceCents && /\b(total|price|paid|amount)\b/i.test(c) && /\$|usd/i.test(c)) {
      // The whole line: a minus before the "$" is part of the amount, and counts before it are skipped.
      setPrice(c, { total: TOTAL.test(c) }, line.raw);
    }
    if (!fields.platformRef) {
      const m = /\b(?:booking|reservation|confirmation|trip|request)\s*(?:#|no\.?|number|id|code|ref(?:erence)?)\s*:?\s*#?\s*([A-Za-z0-9][A-Za-z0-9-]{2,62}[A-Za-z0-9])/i.exec(c);
      if (m && /\d/.test(m[1] as string)) set('platformRef', m[1], line.raw);
    }
    if (!fields.guestName) {
      const m = /\b(?:booked by|reserved by|booking from|request from|renter is)\s+([A-Z][\p{L}'’-]+(?:\s+[A-Z][\p{L}'’.-]*){0,3})/u.exec(c);
      if (m) set('guestName', (m[1] as string).replace(/[.]$/, ''), line.raw);
    }
  }
  // The platform: named in a label, else anywhere — a forward's From: line counts as evidence.
  if (!fields.platform) {
    for (const line of lines) {
      const name = platformIn(line.clean);
      if (name && set('platform', name, line.raw)) break;
    }
  }
  weighOffsets();
  const end = endTimes[0];
  const zonedSpan = fields.departureTime === undefined ? spanOfRefused() : undefined;
  const startToEnd = fields.departureTime && end ? hoursBetween(fields.departureTime, end.time, fields.date, ctx.timezone) : zonedSpan?.hours;
  const endRaw = fields.departureTime && end ? end.raw : zonedSpan?.raw;
  const stated = tripHours(durations, fields.date !== undefined && dateIndex !== undefined ? { index: dateIndex, day: fields.date } : undefined, startToEnd);
  if (stated && 'trip' in stated) set('durationHours', stated.trip.hours, stated.trip.raw);
  const unsure: Partial<Record<IntakeField, string>> = {};
  if (otherZone) unsure.departureTime = otherZone;
  else if (converted && fields.departureTime !== undefined) unsure.departureTime = converted;
  if (wrongWeekday) unsure.date = wrongWeekday;
  if (movedDay && fields.date !== undefined) unsure.date = movedDay;
  const dayOff = fields.departureTime === undefined ? otherDay() : undefined;
  if (dayOff) {
    delete fields.date;
    delete evidence.date;
    unsure.date = dayOff;
  }
  if (stated && 'conflict' in stated) unsure.durationHours = `stated as ${hoursList(stated.conflict)}`;
  else if (endZone && fields.durationHours === undefined && startToEnd === undefined) unsure.durationHours = endZone;
  // Lengths that disagree as near the date, neither of them the times' length: the times would be a third answer.
  if (!fields.durationHours && !(stated && 'conflict' in stated) && startToEnd !== undefined && endRaw !== undefined) set('durationHours', startToEnd, endRaw);
  if (fields.durationHours !== undefined && !(fields.durationHours > 0 && fields.durationHours <= 24)) {
    delete fields.durationHours;
    delete evidence.durationHours;
  }
  // The nearest length filled the form, but the text states others too: the operator checks which.
  const others = [...new Set(durations.map((d) => d.hours).filter((h): h is number => isTripLength(h) && h !== fields.durationHours))];
  const check: string[] = [];
  if (fields.durationHours !== undefined) {
    if (others.length > 0) check.push(`also stated as ${hoursList(others)}`);
    // "2-hour minimum" or an old quote against "Start 2:00 pm, End 6:00 pm": the stated length
    // fills the form, but the times say otherwise, and only the operator knows which is right.
    if (startToEnd !== undefined && startToEnd !== fields.durationHours) check.push(`start to end is ${startToEnd} h`);
  }
  if (check.length > 0) unsure.durationHours = check.join('; ');
  if (fields.partySize !== undefined && !(fields.partySize >= 1 && fields.partySize <= 150)) {
    delete fields.partySize;
    delete evidence.partySize;
  }
  if (fields.priceCents !== undefined && !(fields.priceCents > 0)) {
    delete fields.priceCents;
    delete evidence.priceCents;
  }
  if (fields.priceCents === undefined && otherMoney) unsure.priceCents = otherMoney;

  return { fields, evidence, missing: INTAKE_FIELDS.filter((f) => fields[f] === undefined), ...(Object.keys(unsure).length > 0 ? { unsure } : {}) };

  /**
   * Why the range is refused, if it names a zone other than the operator's: its times are not the form's
   * wall clock, and converting them would be a guess at what the writer meant, so the operator types it.
   */
  function otherZoneOf(range: TimeRange): string | undefined {
    // An offset is weighed against the date, at the end (weighOffsets).
    if (!range.zone || isOffsetZone(range.zone.zone)) return undefined;
    ownZone ??= operatorZone(ctx.timezone, ctx.nowMs);
    return ownZone.is(range.zone.zone) ? undefined : `${range.zone.written} is not ${ownZone.label}`;
  }

  /**
   * Why the date is left out when the start was refused for its zone and, on the operator's clock, may
   * fall on another day: "1:00 AM EST on Sat, Dec 19, 2026 is Fri, Dec 18 in Pacific Time". The form
   * must not show a date a day off; the operator types both.
   */
  function otherDay(): string | undefined {
    const range = refused?.range;
    const zone = range?.zone;
    const date = fields.date;
    if (!range || !zone || date === undefined) return undefined;
    const offsets = writtenOffsets(zone.zone, date, range.start);
    const days = offsets.map((o) => operatorDate(date, range.start, o, ctx.timezone));
    const other = days.find((d) => d !== date);
    if (offsets.length > 0 && other === undefined) return undefined;
    ownZone ??= operatorZone(ctx.timezone, ctx.nowMs);
    const on = `${zone.written} on ${humanDate(DateTime.fromISO(date))}`;
    if (other === undefined) return `${on} may be another day in ${ownZone.label}`;
    const day = humanDayMonth(DateTime.fromISO(other));
    return days.every((d) => d === other) ? `${on} is ${day} in ${ownZone.label}` : `${on} may be ${day} in ${ownZone.label}`;
  }

  /**
   * The length of a range refused for its zone, both ends in that one zone: "10am - 2pm EST" is 4
   * hours whatever the zone (a daylight-saving change inside it aside). Not "10 AM PST to 2 PM EST".
   */
  function spanOfRefused(): { hours: number; raw: string } | undefined {
    const range = refused?.range;
    if (!refused || !range?.end || range.mixedZones) return undefined;
    const hours = hoursBetween(range.start, range.end, undefined, ctx.timezone);
    return hours === undefined ? undefined : { hours, raw: refused.raw };
  }

  /**
   * `trip`: the range is the trip's own time — on a labelled date, time or start line, or prose on the
   * trip date's line. Refused for its zone, only such a range gives the trip's length or moves its date:
   * "Customer support: 9am-8pm ET" under a confirmation is not an 11-hour trip.
   */
  /**
   * A start written as an ISO instant: the operator's wall clock at that instant, its date too ("Start:
   * 2026-12-20T03:00:00Z" is 7:00 PM on Dec 19 in Pacific), named for a check when it was converted.
   */
  function applyInstant(instant: IsoInstant, raw: string, index: number, writtenDate: string | undefined): void {
    if (!set('departureTime', instant.time, raw)) return;
    if (instant.converted) converted = `${instant.written} read as ${instant.clock} ${zoneName()}`;
    // A date written beside the instant is the one its writer means the trip for; a day that differs is only named.
    if (writtenDate !== undefined) {
      if (writtenDate !== instant.date) movedDay = `${instant.written} is ${humanDayMonth(DateTime.fromISO(instant.date))} in ${zoneName()}, not ${humanDayMonth(DateTime.fromISO(writtenDate))}`;
      return;
    }
    if (fields.date !== undefined && fields.date !== instant.date) {
      movedDay = `${instant.written} is ${humanDayMonth(DateTime.fromISO(instant.date))} in ${zoneName()}, not ${humanDayMonth(DateTime.fromISO(fields.date))}`;
      fields.date = instant.date;
      evidence.date = raw;
      dateIndex = index;
    } else if (set('date', instant.date, raw)) dateIndex = index;
  }

  /**
   * The time a trip's own line gives: an ISO instant on it (`instantOk`: a Start, Time or When line),
   * unless the line also writes its time ("5:30 PM – 8:30 PM [2026-12-20T01:30:00Z]", "5:30 PM
   * (2026-12-20T01:30:00Z)"): that is the operator's clock as the writer put it, a range states the
   * length too, and the instant is at most its confirmation.
   */
  function timeOfLine(value: string, index: number, instantOk: boolean): { instant?: IsoInstant; range?: TimeRange } {
    const instant = instantOk ? isoInstant(value, ctx.timezone) : undefined;
    const range = overnightIfStated(readTimeRange(times(instant ? value.replace(instant.written, ' ') : value, index)), value);
    return instant && range === undefined ? { instant } : range ? { range } : {};
  }

  function zoneName(): string {
    ownZone ??= operatorZone(ctx.timezone, ctx.nowMs);
    return ownZone.label;
  }

  function applyRange(range: TimeRange, raw: string, trip = true): void {
    const why = otherZoneOf(range);
    if (why) {
      otherZone ??= why;
      if (trip) refused ??= { range, raw };
      return;
    }
    if (set('departureTime', range.start, raw) && offsetOf(range).offset !== undefined) offsetStart = { range, raw };
    if (range.end) endTimes.push({ time: range.end, raw, ...offsetOf(range) });
  }

  /**
   * The times written with a UTC offset, now that the date is known: the start and ends whose offset
   * is not the operator's on that date are left out, as any other zone is.
   */
  function weighOffsets(): void {
    const own = (zone: string, time: string) => isOperatorOffset(zone, ctx.timezone, fields.date, time, ctx.nowMs);
    const start = offsetStart;
    const zone = start?.range.zone;
    if (start && zone) {
      const is = own(zone.zone, start.range.start);
      if (is !== true) {
        delete fields.departureTime;
        delete evidence.departureTime;
        ownZone ??= operatorZone(ctx.timezone, ctx.nowMs);
        otherZone ??=
          zone.overnightEnd !== undefined
            ? `${zone.written}: a UTC offset or an overnight trip to ${humanClock(DateTime.fromISO(zone.overnightEnd))}? fill in start time and duration`
            : is === undefined
              ? `${zone.written} is ${ownZone.label} only on some dates, and no date was read`
              : `${zone.written} is not ${ownZone.label}`;
        refused ??= start;
        endTimes = endTimes.filter((e) => e.raw !== start.raw);
      }
    }
    endTimes = endTimes.filter((e) => e.offset === undefined || own(e.offset, e.time) === true);
  }
}

const TOTAL = /\btotal\b/i;

/**
 * An ISO 8601 date-time with its offset or "Z" ("2026-12-20T18:00:00Z", "2026-12-20T10:00:00.000-08:00"):
 * one instant, unambiguous whatever zone it is written in, read whole — never its seconds as a time.
 */
const ISO_INSTANT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+\u2212-]\d{2}(?::?\d{2})?)(?![\w:+-])/i;

interface IsoInstant {
  /** As written. */
  written: string;
  /** The operator's date and time (HH:mm) at that instant, and the time as read ("10:00 AM"). */
  date: string;
  time: string;
  clock: string;
  /** Written at another offset than the operator's at that instant. */
  converted: boolean;
}

function isoInstant(text: string, timezone: string): IsoInstant | undefined {
  const m = ISO_INSTANT.exec(text);
  if (!m) return undefined;
  const at = DateTime.fromISO(m[0].replace(/\u2212/g, '-').replace(',', '.'), { setZone: true });
  if (!at.isValid) return undefined;
  const local = at.setZone(timezone);
  const date = local.toISODate();
  if (!date) return undefined;
  return { written: m[0], date, time: local.toFormat('HH:mm'), clock: humanClock(local), converted: at.offset !== local.offset };
}

/**
 * "21:00 -01:00 (4 hrs)": a spaced "-01:00" that may be an offset or an overnight end, read as the end
 * when the line states the trip's length and it is that range's. Otherwise the range as read.
 */
function overnightIfStated(range: TimeRange | undefined, line: string): TimeRange | undefined {
  const end = range?.zone?.overnightEnd;
  if (!range || end === undefined) return range;
  const [sh, sm] = range.start.split(':').map(Number) as [number, number];
  const [eh, em] = end.split(':').map(Number) as [number, number];
  const hours = (eh * 60 + em + 24 * 60 - (sh * 60 + sm)) / 60;
  return readHoursInLine(line) === hours ? { start: range.start, end } : range;
}

/** The zone of a range written as a UTC offset, if it is one. */
function offsetOf(range: TimeRange): { offset?: string } {
  return range.zone && isOffsetZone(range.zone.zone) ? { offset: range.zone.zone } : {};
}

/** [4, 3, 5] → "4 h, 3 h and 5 h". */
function hoursList(hours: readonly number[]): string {
  const all = hours.map((h) => `${h} h`);
  return all.length > 1 ? `${all.slice(0, -1).join(', ')} and ${all.at(-1) as string}` : (all[0] ?? '');
}

const CLOCK = String.raw`(?:\d{1,2}(?:[:.]\d{2})?\s*(?:[ap]\.?\s?m\b\.?)?|noon|midnight)`;
/** "Mon", "Tues.", "Thursday" — not "sunset" or "month". */
const WEEKDAY = String.raw`(?:mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)(?:day|nesday|urday)?\b\.?`;
const DAYS = String.raw`(?:${WEEKDAY}\s*(?:-|to|through)\s*${WEEKDAY}|daily|weekdays|weekends)`;
const RANGE = String.raw`${CLOCK}\s*(?:-|to|until|till)\s*${CLOCK}`;
/**
 * Hours kept by someone ("Hours: 9 AM - 5 PM", "Office hours 9am to 5pm", "Open Mon-Fri 8-6",
 * "Mon-Fri: 8 AM - 5 PM"): an hours or opening word, or a run of days, right before a range of
 * times. Not "4 hours 10am - 2pm", a count of hours. A trip is one day: a run of days is never its.
 */
const OPENING_HOURS = new RegExp(
  String.raw`(?<!\d\s*)\b((?:[a-z]+\s+)?)(?:(hours(?:\s+of\s+operation)?|hrs|open|opens)\b\s*[:=-]?\s*(${DAYS}\s*:?\s*)?|(${DAYS})\s*:?\s*)${RANGE}`,
  'gi',
);
/** A line that only heads a block of hours: "Marina hours", "Hours of operation:", "Hours". */
const HOURS_HEADING = /^((?:[a-z'&]+\s+){0,4})(hours(?:\s+of\s+operation)?|open)\s*:?$/i;
const ANY_RANGE = new RegExp(String.raw`(?:${DAYS}\s*:?\s*)?${RANGE}`, 'gi');

/** The text with no range of times left in it: a line of a block of kept hours. */
function withoutRanges(text: string): string {
  return text.replace(ANY_RANGE, (span) => ' '.repeat(span.length));
}
/** A heading that names a place rather than a person: "Shelter Island Marina", "Marina office". */
const PLACE = /\b(marina|harbou?r|yacht club|office|front desk|dock)\b/i;
/** Words that make hours an office's, a marina's or a shop's, not the trip's. */
const KEPT_BY = /\b(office|business|open\w*|operation|marina|harbou?r|desk|store|shop|closed|daily|weekdays?|weekends?)\b/i;
/** "Trip hours", "Charter hours": the trip's, wherever they stand. */
const TRIP_WORD = /^(trip|charter|rental|cruise|sail|booking|your)\s+$/i;

/**
 * The text without the opening hours it holds, so that none of them is read as the trip's start,
 * end or date. A reader takes "Hours: 9 AM - 5 PM" for the trip's time only on the date's line or
 * right under it, and only with nothing on the line that makes them kept hours ("office", "open",
 * "weekends"); "Trip hours: …" are the trip's anywhere. In doubt nothing is read: the operator
 * types the time, where a wrong prefill would go unnoticed.
 */
function withoutOpeningHours(text: string, onDateLine: boolean): string {
  return text.replace(OPENING_HOURS, (span: string, before: string, word: string | undefined, days: string | undefined) => {
    if (word === undefined) return ' '.repeat(span.length);
    if (TRIP_WORD.test(before) && !/^open/i.test(word)) return span;
    const trip = onDateLine && before === '' && /^h/i.test(word) && !days && !KEPT_BY.test(text);
    return trip ? span : ' '.repeat(span.length);
  });
}

/** The line right under line `i`: the next one, or in a double-spaced paste the one after the blank. */
function lineBelow(lines: readonly Line[], i: number): number | undefined {
  const next = lines[i + 1];
  if (!next) return undefined;
  if (next.clean !== '') return i + 1;
  const spaced = (lines[i - 1]?.clean ?? '') === '' && lines[i + 2] !== undefined && (lines[i + 2] as Line).clean !== '';
  return spaced ? i + 2 : undefined;
}

/** "Booked on Nov 30", "Reservation made on 11/30/2026": the day the booking was made, not a day on the water. */
const MADE_ON = /\b(?:booked|reserved|requested|ordered|purchased|placed|made|created|received)\s+on\b/i;

/** The day of a trip a line names: "Booked on Nov 30, 2026: 4-hour sunset cruise" names none. */
function tripDay(text: string, ctx: DateContext): string | undefined {
  const day = readDate(text, ctx);
  const made = MADE_ON.exec(text);
  if (day === undefined || !made) return day;
  return readDate(text.slice(made.index), ctx) === day ? readDate(text.slice(0, made.index), ctx) : day;
}

/**
 * A labelled length, read before the aside or the next cell after it: "Hours: 4 (extra 2 hours
 * available)", "Duration: 4 (arrive 1 hour early)" and "Hours: 4 | Add-on: 2 hours" are 4 hours.
 * Not cut at a dash: "Hours: 9 - 5" is a place's day, no length.
 */
function labelledLength(value: string): number | undefined {
  const head = value.split(/\s*[([|·•]/)[0]?.trim() || value;
  return readDurationHours(head) ?? bareHours(head);
}

function bareHours(value: string): number | undefined {
  const m = /^(\d{1,2}(?:\.\d{1,2})?)$/.exec(value.trim());
  return m ? Number(m[1]) : undefined;
}

/**
 * Hours from a start to an end time (the end on the next day when not after the start). With a date,
 * the hours that really pass in the operator's zone: across a DST change a wall-clock difference is an
 * hour off, and the booking would return at a time the platform does not say.
 */
function hoursBetween(start: string, end: string, date: string | undefined, timezone: string): number | undefined {
  const [sh, sm] = start.split(':').map(Number) as [number, number];
  const [eh, em] = end.split(':').map(Number) as [number, number];
  const nextDay = eh * 60 + em <= sh * 60 + sm;
  let minutes = eh * 60 + em - (sh * 60 + sm) + (nextDay ? 24 * 60 : 0);
  if (date !== undefined) {
    const from = localDateTime(date, start, timezone);
    const endDate = nextDay ? DateTime.fromISO(date, { zone: timezone }).plus({ days: 1 }).toISODate() : date;
    const to = endDate ? localDateTime(endDate, end, timezone) : DateTime.invalid('no end date');
    // A time skipped by the spring-forward jump is not a real departure or return: no duration rather than a guess.
    if (!from.isValid || !to.isValid) return undefined;
    minutes = to.diff(from, 'minutes').minutes;
  }
  const hours = minutes / 60;
  return hours > 0 && hours <= 24 ? Math.round(hours * 100) / 100 : undefined;
}

function otherPlatform(value: string): string | undefined {
  const v = value.trim();
  return /^[\p{L}][\p{L}\d &.'-]{1,40}$/u.test(v) ? v : undefined;
}

/** The last line of a note: its label's line and the lines that continue it, up to a blank line or the next label. */
function noteEnd(lines: Line[], l: Labelled): number {
  let end = l.index;
  for (let i = l.index + 1; i < lines.length; i++) {
    const line = lines[i] as Line;
    if (line.clean === '' || line.header || splitLabel(line) || bareLabel(line)) break;
    end = i;
  }
  return end;
}

function noteLines(lines: Line[], l: Labelled): Line[] {
  return lines.slice(l.index, noteEnd(lines, l) + 1);
}

/**
 * A note as written: its dashes kept (an em dash is no range here). Its first value is a part of its
 * line's clean text, at the same offset in the line cleaned with its dashes kept.
 */
function notesFrom(lines: Line[], l: Labelled): string | undefined {
  const [first, ...rest] = noteLines(lines, l);
  const at = first ? first.clean.lastIndexOf(l.value) : -1;
  const head = first && at >= 0 ? cleanLine(first.raw, { keepDashes: true }).slice(at, at + l.value.length) : l.value;
  const text = [head, ...rest.map((x) => cleanLine(x.raw, { keepDashes: true }))].join('\n').trim().slice(0, 2000);
  return first && text !== '' ? text : undefined;
}

/** The input from the first note line to the end of the last: a true substring, whatever the line breaks. */
function notesEvidence(input: string, lines: Line[], l: Labelled): string {
  const all = noteLines(lines, l);
  const first = all[0] as Line;
  const last = all[all.length - 1] as Line;
  return input.slice(first.start, last.start + last.raw.length);
}
