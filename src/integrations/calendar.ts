/**
 * JADA dashboard calendar (DESIGN "Assumed contracts"): POST {DASHBOARD_URL}/calendar → {id};
 * GET /calendar?externalId=X → {items:[{id}]}; PATCH /calendar/{id} → {id}; DELETE /calendar/{id} → 204
 * (404 = already gone); authenticated with X-Dashboard-Token. Changes carry
 * `Idempotency-Key: {bookingId}:{step}:{revision}`.
 * The dashboard is internal (operators only), so the entry carries the internal notes and the notes
 * for crew, each under its label.
 */
import { predatesCrewNotes } from '../booking/crew-safe';
import { platformRefOf } from '../booking/platform';
import type { OperatorDetails } from '../config';
import { charterSchedule, isoWithOffset } from '../booking/time';
import type { BookingRequest, RosterMember } from '../booking/types';
import { ExternalIdCollection, type EnsureOptions } from './external-id-collection';
import { HttpClient, type HttpClientOptions } from './http';

export interface CalendarCrewAssignment {
  slackUserId: string;
  name: string;
  email?: string;
  role: 'captain' | 'crew';
}

export interface CalendarEntry {
  /** The booking's session id. */
  externalId: string;
  title: string;
  /** ISO 8601 with offset, in the operator's time zone. */
  start: string;
  end: string;
  timezone: string;
  crew: CalendarCrewAssignment[];
  notes: string;
}

export const DASHBOARD_AUTH_FIX =
  'The dashboard rejected the token — check DASHBOARD_TOKEN against the token the JADA dashboard Lambda expects.';

export function calendarEntryFor(
  booking: { id: string; request: BookingRequest; roster: readonly RosterMember[] },
  settings: { timezone: string; operator: OperatorDetails; guestUrl?: string },
): CalendarEntry {
  const { request } = booking;
  // Departure to return: the boat's time on the calendar (check-in lead is the guest's concern).
  const schedule = charterSchedule(request, settings.timezone, 0);
  const platform = platformRefOf(request);
  const internal = request.notes?.trim() ?? '';
  const crew = request.crewNotes?.trim() ?? '';
  const notes = [
    platform ? `${platform.platform}: ${platform.ref}` : undefined,
    settings.guestUrl ? `Guest page: ${settings.guestUrl}` : undefined,
    // A booking made before "Notes for crew" keeps its one unlabelled notes text, as it always had.
    ...(predatesCrewNotes(request)
      ? [internal || undefined]
      : [internal ? `Internal notes:\n${internal}` : undefined, crew ? `Notes for crew:\n${crew}` : undefined]),
  ].filter((l): l is string => l !== undefined);
  return {
    externalId: booking.id,
    title: `Charter: ${request.guestName} (${request.partySize}) · ${settings.operator.vesselName}`,
    start: isoWithOffset(schedule.departure),
    end: isoWithOffset(schedule.return),
    timezone: settings.timezone,
    crew: booking.roster.map((m) => ({ slackUserId: m.slackUserId, name: m.name, role: m.role, ...(m.email ? { email: m.email } : {}) })),
    notes: notes.join('\n'),
  };
}

export interface DashboardCalendarOptions {
  url: string;
  token: string;
  /** Timeouts, retry policy, onRetry — see HttpClientOptions. */
  http?: Partial<Omit<HttpClientOptions, 'baseUrl' | 'system' | 'displayName' | 'authFix' | 'urlSetting'>>;
}

export class DashboardCalendar {
  private readonly http: HttpClient;
  private readonly entries: ExternalIdCollection<CalendarEntry>;

  constructor(options: DashboardCalendarOptions) {
    this.http = new HttpClient({
      ...(options.http ?? {}),
      system: 'DASHBOARD',
      displayName: 'The dashboard',
      baseUrl: options.url,
      authFix: DASHBOARD_AUTH_FIX,
      urlSetting: 'DASHBOARD_URL',
      secrets: [options.token, ...(options.http?.secrets ?? [])],
    });
    this.entries = new ExternalIdCollection<CalendarEntry>(this.http, { 'x-dashboard-token': options.token }, '/calendar', 'id', 'entry');
  }

  findByExternalId(externalId: string, opts: { signal?: AbortSignal } = {}): Promise<string | undefined> {
    return this.entries.findByExternalId(externalId, opts);
  }

  create(body: CalendarEntry): Promise<string> {
    return this.entries.create(body);
  }

  /** Creates unless it exists; never POSTs again while an earlier POST may still land (createOnce). */
  async ensure(body: CalendarEntry, opts: EnsureOptions): Promise<{ calendarId: string; created: boolean }> {
    const { value, created } = await this.entries.ensure(body, opts);
    return { calendarId: value, created };
  }

  /** PATCH the entry with what changed (or the whole entry: absolute values make a repeat harmless). */
  async update(calendarId: string, patch: Partial<CalendarEntry>, idempotencyKey: string, opts: { signal?: AbortSignal } = {}): Promise<{ calendarId: string }> {
    return { calendarId: await this.entries.update(calendarId, { ...patch }, idempotencyKey, opts) };
  }

  /** DELETE the entry; already gone (404) counts as done. */
  delete(calendarId: string, idempotencyKey: string, opts: { signal?: AbortSignal } = {}): Promise<{ deleted: boolean }> {
    return this.entries.remove(calendarId, idempotencyKey, opts);
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
