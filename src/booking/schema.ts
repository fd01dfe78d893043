/**
 * The booking request schema. Input arrives as loosely typed values (modal state, JSON, a test's
 * random object); the result is either a normalised BookingRequest or one message per field, worded
 * for the operator to read next to that field. It never throws.
 */
import { givenName, hasNameWord } from './person-name';
import type { DateTime } from 'luxon';
import { isMoneyLine, moneyLineIndexes } from './money-detector';
import { parseDollarsToCents } from './money';
import { humanClock, humanDayMonth, humanTime, localDateTime, repeatedWallTimes } from './time';
import type { BookingField, BookingRequest } from './types';
import * as z from 'zod/mini';
import { TEXT_FIELD_MAX, textLength } from './text-length';
import { failTransform } from '../zod';

export interface SchemaContext {
  now: Date;
  timezone: string;
  capacity: number;
}

export type FieldErrors = Partial<Record<BookingField, string>>;

export type BookingParseResult = { ok: true; value: BookingRequest } | { ok: false; errors: FieldErrors };

export const MAX_PRICE_CENTS = 100_000_00;
export const MAX_CREW = 10;
/** "Notes for crew": short instructions, not a second copy of the internal notes. */
export const MAX_CREW_NOTES = TEXT_FIELD_MAX.crewNotes;
/**
 * The form's price is a Slack number_input, which takes no thousands separator: the example names
 * only what can be typed there ("1,200.00" would be refused by Slack before this message is seen).
 */
export const PRICE_FORMAT = 'Enter the charter price in dollars, e.g. 1200 or 1200.50.';
/** How far ahead a charter may be booked; the intake's look-ahead for a year-less date too. */
export const TWO_YEARS_MS = 2 * 366 * 24 * 3600 * 1000;

/** zod's preprocess (what `z.preprocess` builds in the full build): a transform piped into the schema. */
const preprocess = <T extends z.ZodMiniType>(fn: (v: unknown) => unknown, schema: T) => z.pipe(z.transform(fn), schema);

const text = preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string({ error: 'is required' }).check(z.trim()));
/** At most `max` textLength units: zod's maxLength counts code points, the form and Slack more. */
const atMost = (max: number, message: string) => z.refine<string>((v) => textLength(v) <= max, message);

const optionalText = (max: number) =>
  z.pipe(
    preprocess(
      (v) => (v === null || v === undefined ? undefined : typeof v === 'number' ? String(v) : v),
      z.optional(z.string({ error: 'must be text' }).check(z.trim(), atMost(max, `Keep this under ${max} characters.`))),
    ),
    z.transform((v: string | undefined) => (v === '' ? undefined : v)),
  );

const number = (label: string) =>
  preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' ? Number(v.trim()) : v),
    z.number({ error: `Enter the ${label} as a number.` }).check(z.refine(Number.isFinite, `Enter the ${label} as a number.`)),
  );

const halfHourSteps = (label: string, min: number, max: number) =>
  number(label).check(
    z.refine((n) => n >= min && n <= max, `${capitalise(label)} must be between ${min} and ${max} hours.`),
    z.refine((n) => Number.isInteger(n * 2), `${capitalise(label)} goes in half-hour steps (e.g. 4 or 4.5).`),
  );

const slackUser = z.string().check(z.regex(/^[UW][A-Z0-9]{2,}$/, 'Pick a person from the list.'));

/** At most `max` characters of `s` (whole code points), cut after a word where one ends late enough, ending in "…": for quoting a line in a message. */
function shortQuote(s: string, max: number): string {
  const points = [...s];
  if (points.length <= max) return s;
  const head = points.slice(0, max - 1).join('');
  const space = head.lastIndexOf(' ');
  return `${(space >= max / 2 ? head.slice(0, space) : head).trimEnd()}…`;
}

/** Where a money line is listed by number, this many at most ("Lines 2, 4, 5, 7 and 3 more"). */
const LISTED_LINES = 4;

/**
 * The message under "Notes for crew" when lines of it carry money (the shared detector), or
 * undefined. Lines are numbered as typed, blank ones included; the first is quoted, shortened.
 */
export function crewNotesMoneyError(text: string): string | undefined {
  const lines = text.split(/\r?\n/);
  const money = moneyLineIndexes(lines);
  const flagged = lines.flatMap((_, i) => (money.has(i) ? [i + 1] : []));
  const first = flagged[0];
  if (first === undefined) return undefined;
  const quote = `“${shortQuote((lines[first - 1] ?? '').trim(), 50)}”`;
  const advice = 'Crew see this field: move';
  if (flagged.length === 1) return `Line ${first} looks like money (${quote}). ${advice} it to Internal notes.`;
  const listed = flagged.slice(0, LISTED_LINES).map(String);
  const rest = flagged.length - listed.length;
  const numbers = rest > 0 ? `${listed.join(', ')} and ${rest} more` : `${listed.slice(0, -1).join(', ')} and ${listed.at(-1)}`;
  return `Lines ${numbers} look like money (line ${first}: ${quote}). ${advice} them to Internal notes.`;
}

/**
 * "Notes for crew": always a string ('' when blank: the key's presence marks a booking made with the
 * field, see predatesCrewNotes), refused when a line carries money, since crew read it.
 */
const crewNotes = z.pipe(
  preprocess((v) => (v === null || v === undefined ? '' : typeof v === 'number' ? String(v) : v), z.string({ error: 'must be text' })),
  z.transform((v: string, c) => {
    const trimmed = v.trim();
    if (textLength(trimmed) > MAX_CREW_NOTES) return failTransform(c, `Keep this under ${MAX_CREW_NOTES} characters.`);
    const money = crewNotesMoneyError(v);
    return money ? failTransform(c, money) : trimmed;
  }),
);

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function fieldSchemas(ctx: SchemaContext) {
  return {
    // The name reaches the guest page and (first name) crew posts and SCC, which never show money.
    guestName: z.pipe(
      text,
      z.string().check(
        z.minLength(1, 'Enter the guest’s name.'),
        atMost(TEXT_FIELD_MAX.guestName, `Keep the name under ${TEXT_FIELD_MAX.guestName} characters.`),
        z.refine((v) => !isMoneyLine(v), 'Enter only the name: it shows on the guest page and crew posts, so no amount of money (put payment details in Internal notes).'),
      ),
    ),
    guestEmail: z.pipe(text, z.email({ error: 'Enter an email address like guest@example.com.' }).check(atMost(TEXT_FIELD_MAX.guestEmail, `Keep this under ${TEXT_FIELD_MAX.guestEmail} characters.`))),
    guestPhone: optionalText(TEXT_FIELD_MAX.guestPhone).check(z.refine((v) => v === undefined || /^\+?[\d\s().-]{7,20}$/.test(v), 'Enter a phone number like +1 619 555 0100.')),
    date: z.pipe(text, z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'Pick the charter date.'))),
    departureTime: z.pipe(text, z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Pick the departure time.'))),
    durationHours: halfHourSteps('duration', 0.5, 12),
    partySize: number('party size').check(
      z.refine((n) => Number.isInteger(n) && n >= 1 && n <= ctx.capacity, `Party size must be a whole number from 1 to ${ctx.capacity} (the vessel's capacity).`),
    ),
    priceCents: z
      .pipe(
        preprocess((v) => (typeof v === 'number' ? v.toFixed(2) : v), z.string({ error: PRICE_FORMAT })),
        z.transform((v: string, c) => parseDollarsToCents(v) ?? failTransform(c, PRICE_FORMAT)),
      )
      .check(
        z.refine((c) => c > 0, 'The charter price must be more than $0.'),
        z.refine((c) => c <= MAX_PRICE_CENTS, 'That price is over $100,000 — check for a typo.'),
      ),
    captain: preprocess((v) => (v === '' || v === null ? undefined : v), z.pipe(z.string({ error: 'Pick the captain.' }), slackUser)),
    crew: preprocess((v) => (v === undefined || v === null || v === '' ? [] : v), z.array(slackUser, { error: 'Pick crew from the list.' })).check(
      z.refine((ids) => ids.length <= MAX_CREW, `At most ${MAX_CREW} crew.`),
      z.refine((ids) => new Set(ids).size === ids.length, 'Each crew member only once.'),
    ),
    crewHours: z.optional(halfHourSteps('crew hours', 0, 24)),
    captainHours: z.optional(halfHourSteps('captain hours', 0, 24)),
    platform: optionalText(TEXT_FIELD_MAX.platform),
    platformRef: optionalText(TEXT_FIELD_MAX.platformRef),
    boatsetterRef: optionalText(TEXT_FIELD_MAX.boatsetterRef),
    notes: optionalText(TEXT_FIELD_MAX.notes),
    crewNotes,
  } satisfies Record<BookingField, z.ZodMiniType>;
}

type Parsed = { [K in BookingField]?: unknown };

export function parseBookingRequest(input: unknown, ctx: SchemaContext): BookingParseResult {
  const raw: Record<string, unknown> = input !== null && typeof input === 'object' ? (input as Record<string, unknown>) : {};
  const schemas = fieldSchemas(ctx);
  const errors: FieldErrors = {};
  const values: Parsed = {};
  for (const field of Object.keys(schemas) as BookingField[]) {
    const result = schemas[field].safeParse(Object.hasOwn(raw, field) ? raw[field] : undefined);
    if (result.success) values[field] = result.data;
    else errors[field] = result.error.issues[0]?.message ?? 'is not valid';
  }

  // Cross-field rules, only once the fields they read are themselves valid.
  if (!errors.date && !errors.departureTime) {
    const departure = localDateTime(String(values.date), String(values.departureTime), ctx.timezone);
    const repeated = departure.isValid ? repeatedWallTimes(departure) : null;
    if (!departure.isValid) {
      const dayExists = localDateTime(String(values.date), '12:00', ctx.timezone).isValid;
      if (dayExists) errors.departureTime = 'That time does not exist on this date (clocks spring forward). Pick another.';
      else errors.date = 'That date does not exist. Pick it from the calendar.';
    } else if (repeated) {
      // Either instant would be a guess made for the operator, and the guest page, .ics, crew and
      // reminders would all follow it; asking costs one field error on a night or two a year.
      errors.departureTime = `${humanClock(departure)} happens twice on ${humanDayMonth(departure)} (clocks go back): pick a time before ${humanTime(repeated.from)} or from ${humanTime(repeated.until)}.`;
    } else if (isBefore(departure, ctx.now)) {
      errors.date = 'That departure is in the past. Pick a future date and time.';
    } else if (departure.toMillis() - ctx.now.getTime() > TWO_YEARS_MS) {
      errors.date = 'That date is more than two years away — check the year.';
    }
  }
  if (typeof values.captain === 'string' && Array.isArray(values.crew) && values.crew.includes(values.captain)) {
    errors.crew = 'The captain is already aboard as captain — remove them from the crew.';
  }

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const duration = values.durationHours as number;
  const request: BookingRequest = {
    guestName: values.guestName as string,
    guestEmail: values.guestEmail as string,
    date: values.date as string,
    departureTime: values.departureTime as string,
    durationHours: duration,
    partySize: values.partySize as number,
    priceCents: values.priceCents as number,
    captain: values.captain as string,
    crew: values.crew as string[],
    crewHours: (values.crewHours as number | undefined) ?? duration,
    captainHours: (values.captainHours as number | undefined) ?? duration,
  };
  if (values.guestPhone) request.guestPhone = values.guestPhone as string;
  // The legacy boatsetterRef input (older clients, scripts) is a Boatsetter platform reference.
  const platformRef = (values.platformRef ?? values.boatsetterRef) as string | undefined;
  const platform = (values.platform ?? (values.platformRef === undefined && values.boatsetterRef !== undefined ? 'Boatsetter' : undefined)) as string | undefined;
  if (platform) request.platform = platform;
  if (platformRef) request.platformRef = platformRef;
  if (values.notes) request.notes = values.notes as string;
  request.crewNotes = values.crewNotes as string;
  return { ok: true, value: request };
}

function isBefore(dt: DateTime, now: Date): boolean {
  return dt.toMillis() < now.getTime();
}

/**
 * A person's first name, for crew-facing text (person-name.ts reads "Delgado, Maria" and the like);
 * '' when the only name in it is a surname. Guest names go through crewSafeFirstName, which shows
 * "Guest" then.
 */
export function firstName(fullName: string): string {
  const given = givenName(fullName);
  if (given) return given;
  // "Mr. Smith", "Smith, Dr. & Mrs.": the only name in it is a surname, which crew never get.
  if (hasNameWord(fullName)) return '';
  // No word of it has a letter ("👨‍👩‍👧‍👦"): its first word still tells crew whose party it is.
  const first = (fullName.trim().split(/\s+/)[0] ?? '').replace(/[,;:]+$/, '');
  return first || fullName;
}
