/**
 * What crew may see. Everything crew-facing (SCC payload, crew Slack posts, the guest page) is built
 * from a CrewSafeView, which is assembled field by field — never by spreading a booking — and whose
 * type is checked at compile time to hold no money-like key at any depth (see no-money.ts).
 */
import type { OperatorDetails } from '../config';
import { isMoneyLine, withoutMoneyLines } from './money-detector';
import type { AssertNoMoney, HasNoMoneyKeys } from './no-money';
import { firstName } from './schema';
import { charterSchedule, checkInOnPreviousDay, humanCheckInTime, humanDate, humanTime, humanTimeRange, isoWithOffset } from './time';
import type { BookingRequest, CrewRole, RosterMember } from './types';

export interface CrewSafeRosterMember {
  readonly slackUserId: string;
  readonly name: string;
  readonly email?: string;
  readonly role: CrewRole;
}

export interface CrewSafeTime {
  readonly iso: string;
  /** "4:00 PM PST" */
  readonly text: string;
}

export interface CrewSafeCheckIn extends CrewSafeTime {
  /** "3:30 PM PST", or "11:45 PM PDT (Fri, Jul 3)" when check-in is on the day before departure. */
  readonly text: string;
  /** Check-in is on the local date before `date`; `text` then already names its date. */
  readonly onPreviousDay: boolean;
}

export interface CrewSafeView {
  readonly sessionId: string;
  readonly guestFirstName: string;
  readonly partySize: number;
  readonly vesselName: string;
  readonly dockAddress: string;
  readonly timezone: string;
  /** YYYY-MM-DD in the operator's time zone. */
  readonly date: string;
  /** "Sat, Dec 5, 2026" */
  readonly dateText: string;
  readonly checkIn: CrewSafeCheckIn;
  readonly departure: CrewSafeTime;
  readonly return: CrewSafeTime;
  readonly timeRangeText: string;
  readonly endsNextDay: boolean;
  readonly durationHours: number;
  readonly roster: readonly CrewSafeRosterMember[];
  readonly checklist: readonly string[];
  /**
   * The booking's notes for crew (crewNoteLines: the "Notes for crew" field, or the notes of a booking
   * saved before that field) as crew may read them: every line that carries money dropped by the
   * shared detector (money-detector.ts), blank lines trimmed. Empty when nothing is left.
   */
  readonly crewNotes: readonly string[];
  readonly guestUrl: string;
}

/** Fails to compile if any key of CrewSafeView, at any depth, looks like money. */
export type CrewSafeViewHasNoMoneyKeys = AssertNoMoney<HasNoMoneyKeys<CrewSafeView>>;

export interface CrewSafeSource {
  sessionId: string;
  request: BookingRequest;
  roster: readonly RosterMember[];
  guestUrl: string;
}

export function toCrewSafeView(
  source: CrewSafeSource,
  settings: { timezone: string; checkInLeadMinutes: number; operator: OperatorDetails },
): CrewSafeView {
  const { request } = source;
  const schedule = charterSchedule(request, settings.timezone, settings.checkInLeadMinutes);
  const time = (dt: typeof schedule.departure): CrewSafeTime => ({ iso: isoWithOffset(dt), text: humanTime(dt) });
  return {
    sessionId: source.sessionId,
    guestFirstName: crewSafeFirstName(request.guestName),
    partySize: request.partySize,
    vesselName: settings.operator.vesselName,
    dockAddress: settings.operator.dockAddress,
    timezone: settings.timezone,
    date: request.date,
    dateText: humanDate(schedule.departure),
    checkIn: { iso: isoWithOffset(schedule.checkIn), text: humanCheckInTime(schedule), onPreviousDay: checkInOnPreviousDay(schedule) },
    departure: time(schedule.departure),
    return: time(schedule.return),
    timeRangeText: humanTimeRange(schedule),
    endsNextDay: schedule.endsNextDay,
    durationHours: request.durationHours,
    roster: source.roster.map((m) => ({
      slackUserId: m.slackUserId,
      name: m.name,
      role: m.role,
      ...(m.email ? { email: m.email } : {}),
    })),
    checklist: [...settings.operator.checklist],
    crewNotes: crewNoteLines(request),
    guestUrl: source.guestUrl,
  };
}

/** What crew read where the guest's name would be when there is none to show: "Guest · Thu, Jul 4, 2030 · JADA". */
export const UNNAMED_GUEST = 'Guest';

/**
 * The guest's first name as crew see it. A name saved before the form refused amounts in it may
 * start with one ("$1,200 Maria Delgado", "USD 1200 Maria"): then it is the first plain word that is
 * no currency or pay word, else "Guest". A name whose only name is a surname ("Mr. Smith", "Smith,
 * Dr. & Mrs.") is "Guest" too: crew never get a surname.
 */
export function crewSafeFirstName(fullName: string): string {
  if (!isMoneyLine(fullName)) return firstName(fullName) || UNNAMED_GUEST;
  const word = fullName
    .trim()
    .split(/\s+/)
    .find((w) => /^\p{L}[\p{L}'’-]*$/u.test(w) && !isMoneyLine(`${w} 100`));
  return word ?? UNNAMED_GUEST;
}

/**
 * The legacy rule. A booking saved before the form had "Notes for crew" has no `crewNotes` key, and
 * its crew have been reading its notes with the money lines dropped: a re-render, a refresh or a
 * change must not silently take those instructions away, so for such a booking the notes still
 * reach crew (filtered), as before. Every request submitted since carries the key ('' when the
 * field was left blank), so presence tells the two apart, and its notes stay internal.
 */
export function predatesCrewNotes(request: BookingRequest): boolean {
  return request.crewNotes === undefined;
}

/** The text crew notes are drawn from: the crew field, or (predatesCrewNotes) the notes. Unfiltered. */
export function crewNotesText(request: BookingRequest): string {
  return (predatesCrewNotes(request) ? request.notes : request.crewNotes) ?? '';
}

/**
 * The lines of a booking's notes for crew that crew may read. The crew field goes through the
 * money detector too: the form refuses a money line in it, but a record can come from elsewhere.
 */
export function crewNoteLines(request: BookingRequest): string[] {
  return crewSafeNotes(crewNotesText(request));
}

/** Free text → the lines crew may read (no line that carries money, no blank lines). */
export function crewSafeNotes(notes: string | undefined): string[] {
  if (!notes) return [];
  return withoutMoneyLines(notes)
    .text.split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}
