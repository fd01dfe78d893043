/**
 * What the guest sees: the crew-safe projection narrowed further to what a guest needs, plus the
 * operator's guest-facing details. Built field by field so no money, no crew contact detail and no
 * guest contact detail (the page is reachable by anyone holding the link) can ride along.
 */
import type { AssertNoMoney, HasNoMoneyKeys } from '../../booking/no-money';
import type { OperatorDetails } from '../../config';
import { crewSafeFirstName, toCrewSafeView, type CrewSafeSource } from '../../booking/crew-safe';
import { isMoneyLine } from '../../booking/money-detector';
import { greetingName } from '../../booking/person-name';
import { firstName } from '../../booking/schema';
import type { DateTime } from 'luxon';
import { charterSchedule, humanDate, humanDateTime, humanDayMonth, humanTime, zoneLabel } from '../../booking/time';
import { refuseMoney } from '../money-guard';

export interface GuestPageTime {
  /** 2026-12-05T16:00:00-08:00 */
  readonly iso: string;
  /** "4:00 PM PST" */
  readonly text: string;
}

export interface GuestPageView {
  readonly sessionId: string;
  readonly guestName: string;
  /** Who the page greets (person-name.ts greetingName): '' when no word of the name is a name, and the page greets without one. */
  readonly guestFirstName: string;
  readonly partySize: number;
  /** "6 guests" */
  readonly partyText: string;
  readonly operatorName: string;
  readonly vesselName: string;
  /** First name only: the captain's surname and contact details stay with the crew. */
  readonly captainFirstName: string | null;
  readonly timezone: string;
  /** "Pacific Time (America/Los_Angeles)" */
  readonly zoneText: string;
  /** YYYY-MM-DD in the operator's time zone. */
  readonly date: string;
  /** "Sat, Dec 5, 2026" */
  readonly dateText: string;
  /** text: "3:30 PM PST", or "11:45 PM PDT (Fri, Jul 3)" when check-in is the evening before `date`. */
  readonly checkIn: GuestPageTime;
  readonly departure: GuestPageTime;
  readonly return: GuestPageTime;
  readonly checkInLeadMinutes: number;
  /**
   * The latest move of the departure, for a guest who saved the old date: both departures in the
   * operator's zone with its abbreviation ("Sat, Dec 12, 9:00 AM PST"; the year too when they fall in
   * different years). Null when the charter never moved.
   */
  readonly moved: { readonly nowText: string; readonly wasText: string } | null;
  /**
   * The cancelled notice's trip as the guest last saw it, so they recognise their booking: the
   * departure of the last page put up ("Thu, Jul 4, 2030, 4:00 PM PDT", in the operator's zone with
   * its abbreviation) and the one that page said it had moved from. Null when that is not known (no
   * page, or one put up before pages recorded it): the notice names the booking's date alone.
   */
  readonly lastSeen: { readonly dateText: string; readonly whenText: string; readonly movedFromText: string | null } | null;
  /**
   * The departure was past at `asOfMs`: a cancel of a trip already gone by speaks of it in the past.
   * On a cancelled notice with lastSeen, the departure (like every time of the view) is that trip's.
   */
  readonly departurePassed: boolean;
  /** "4:00 PM PST – 9:00 PM PST" (+ " (next day)") */
  readonly timeRangeText: string;
  readonly endsNextDay: boolean;
  /** "5 hours" */
  readonly durationText: string;
  readonly dock: { readonly address: string; readonly mapUrl: string };
  readonly whatToBring: readonly string[];
  readonly safetyBriefing: string;
  /** telHref is null when the configured number has no digits to dial. */
  readonly emergency: { readonly phoneText: string; readonly telHref: string | null };
  readonly weatherNote: string;
  readonly links: {
    /** Absolute public URL of this page. */
    readonly page: string;
    /** Root-relative path of the .ics beside the page: /g/{ID}.ics */
    readonly calendar: string;
    /** Absolute URL of the .ics. */
    readonly calendarUrl: string;
  };
  readonly meta: { readonly title: string; readonly description: string };
}

/** Same compile-time guard as CrewSafeView: no key of the guest view, at any depth, looks like money. */
export type GuestPageViewHasNoMoneyKeys = AssertNoMoney<HasNoMoneyKeys<GuestPageView>>;

export type GuestPageSource = CrewSafeSource & {
  guestFullName: string;
  /**
   * The instant the page speaks as of: the time its revision was made (the change or cancel that
   * made it), not the clock, so every re-render of one revision is the same bytes.
   */
  asOfMs: number;
  /** The schedule the latest move of the departure replaced (the pipeline's latestMoveFrom); absent when it never moved. */
  movedFrom?: ScheduleSource;
  /** The cancelled notice only: what the last page put up showed (the pipeline's lastPageShown). */
  lastSeen?: { shown: ScheduleSource; movedFrom?: ScheduleSource };
};

type ScheduleSource = { date: string; departureTime: string; durationHours: number };

export interface GuestPageSettings {
  timezone: string;
  checkInLeadMinutes: number;
  operator: OperatorDetails;
}

/** Throws (non-retryable) rather than return a view that shows money: see money-guard.ts. */
export function buildGuestPageView(source: GuestPageSource, settings: GuestPageSettings): GuestPageView {
  // A cancelled notice is about the trip the guest last saw, which a change whose page never went up
  // may differ from: its times, its tense and its .ics's DTSTART/DTEND all come from that trip, so the
  // guest is never told of a departure they were never shown, nor that a trip still ahead "was".
  const lastSeen = source.lastSeen ? lastSeenTrip(source.lastSeen, settings) : null;
  const request = source.lastSeen && lastSeen ? { ...source.request, ...pick(source.lastSeen.shown) } : source.request;
  const safe = toCrewSafeView({ ...source, request }, settings);
  const { operator } = settings;
  const captain = safe.roster.find((m) => m.role === 'captain');
  // The schedule toCrewSafeView just used (cached): parsing the ISO back costs an Intl offset look-up.
  const departureAt = charterSchedule(request, settings.timezone, settings.checkInLeadMinutes).departure;
  const fullName = source.guestFullName.trim();
  // A name saved before the form refused amounts in it ("Maria Delgado · $1,200 paid") shows as the
  // plain first name crew see: failing instead would also block the cancelled notice of such a
  // booking, and the name cannot be edited while a cancel runs.
  const guestName = isMoneyLine(fullName) ? crewSafeFirstName(fullName) : fullName;
  const pagePath = pathOf(safe.guestUrl);
  const view: GuestPageView = {
    sessionId: safe.sessionId,
    guestName,
    guestFirstName: greetingName(guestName),
    partySize: safe.partySize,
    partyText: `${safe.partySize} ${safe.partySize === 1 ? 'guest' : 'guests'}`,
    operatorName: operator.operatorName,
    vesselName: safe.vesselName,
    captainFirstName: captain ? firstName(captain.name) || null : null,
    timezone: safe.timezone,
    zoneText: zoneLabel(settings.timezone, departureAt),
    date: safe.date,
    dateText: safe.dateText,
    checkIn: { iso: safe.checkIn.iso, text: safe.checkIn.text },
    departure: { iso: safe.departure.iso, text: safe.departure.text },
    return: { iso: safe.return.iso, text: safe.return.text },
    checkInLeadMinutes: settings.checkInLeadMinutes,
    moved: source.movedFrom ? moveNotice(charterSchedule(source.movedFrom, settings.timezone, settings.checkInLeadMinutes).departure, departureAt) : null,
    lastSeen,
    departurePassed: departureAt.toMillis() <= source.asOfMs,
    timeRangeText: safe.timeRangeText,
    endsNextDay: safe.endsNextDay,
    durationText: `${safe.durationHours} ${safe.durationHours === 1 ? 'hour' : 'hours'}`,
    dock: { address: safe.dockAddress, mapUrl: safeMapUrl(operator.dockMapUrl, safe.dockAddress) },
    whatToBring: [...operator.whatToBring],
    safetyBriefing: operator.safetyBriefing,
    emergency: { phoneText: operator.emergencyPhone, telHref: telHref(operator.emergencyPhone) },
    weatherNote: operator.weatherNote,
    links: {
      page: safe.guestUrl,
      calendar: `${pagePath}.ics`,
      calendarUrl: `${safe.guestUrl.replace(/\/+$/, '')}.ics`,
    },
    meta: {
      title: `Your charter aboard ${safe.vesselName} · ${safe.dateText}`,
      description: `Check in ${safe.checkIn.text}, departing ${safe.departure.text} from ${safe.dockAddress}. Times, directions and what to bring.`,
    },
  };
  return refuseMoney(view, 'guest page', safe.sessionId);
}

/** Null when the old departure is no time (a record edited by hand) or the same instant. */
function moveNotice(was: DateTime, now: DateTime): GuestPageView['moved'] {
  if (!was.isValid || was.toMillis() === now.toMillis()) return null;
  const day = was.year === now.year ? humanDayMonth : humanDate;
  return { nowText: `${day(now)}, ${humanTime(now)}`, wasText: `${day(was)}, ${humanTime(was)}` };
}

/** The schedule fields alone: a record's result may carry more, and none of it may reach the view. */
function pick(schedule: ScheduleSource): ScheduleSource {
  return { date: schedule.date, departureTime: schedule.departureTime, durationHours: schedule.durationHours };
}

function lastSeenTrip(seen: NonNullable<GuestPageSource['lastSeen']>, settings: GuestPageSettings): GuestPageView['lastSeen'] {
  const at = charterSchedule(seen.shown, settings.timezone, settings.checkInLeadMinutes).departure;
  if (!at.isValid) return null;
  const was = seen.movedFrom ? moveNotice(charterSchedule(seen.movedFrom, settings.timezone, settings.checkInLeadMinutes).departure, at) : null;
  return { dateText: humanDate(at), whenText: humanDateTime(at), movedFromText: was?.wasText ?? null };
}

/** "/g/ABC" from "https://host/g/ABC"; keeps a site prefix path, so the .ics link works under one too. */
function pathOf(url: string): string {
  const path = URL.canParse(url) ? new URL(url).pathname : url;
  return path.replace(/\/+$/, '');
}

/** Only web links go into an href: a configured `javascript:` URL must never become clickable. */
function safeMapUrl(configured: string, address: string): string {
  if (URL.canParse(configured) && /^https?:$/.test(new URL(configured).protocol)) return configured;
  return `https://maps.google.com/?q=${encodeURIComponent(address)}`;
}

/** A local number without area code has 7 digits; E.164 allows at most 15. */
const MIN_PHONE_DIGITS = 7;
const MAX_PHONE_DIGITS = 15;

/**
 * RFC 3966 global number: "+1 619 555 0142" → "tel:+16195550142". The setting is free text, so only
 * its first whole number is dialled: every digit of "+1 619 555 0142 (24/7) or +1 619 555 0199" run
 * together is someone else's line. No link (the text still shows) when no run of digits is a number,
 * as in a vanity "1-800-JADA-BOAT".
 */
function telHref(phone: string): string | null {
  for (const [run] of phone.matchAll(/\+?[\d(][\d\s().-]*/g)) {
    let digits = '';
    for (const ch of run) {
      // A parenthesis once the number has its digits opens a remark ("(24/7)"), not an area code.
      if (ch === '(' && digits.length >= MIN_PHONE_DIGITS) break;
      if (ch >= '0' && ch <= '9') digits += ch;
    }
    if (digits.length >= MIN_PHONE_DIGITS && digits.length <= MAX_PHONE_DIGITS) return `tel:${run.startsWith('+') ? '+' : ''}${digits}`;
  }
  return null;
}
