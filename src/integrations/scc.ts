/**
 * ShipCaptainCrew events (DESIGN "Assumed contracts"): POST {SCC_API_URL}/events → {eventId};
 * GET /events?externalId=X → {items:[{eventId}]}; PATCH /events/{eventId} (partial) → {eventId}, and
 * cancel = PATCH {"status":"cancelled"}; `Authorization: Bearer {SCC_SERVICE_KEY}`. SCC rewrites its
 * item (money included) on every PATCH, so the revenue guard runs after each.
 * The body is built only from the CrewSafeView, field by field: crew see SCC, so no money goes in.
 * SCC must be called on its API Gateway URL: the CloudFront distribution in front of it runs an
 * origin request function that strips Authorization, so every call there would be a 401.
 */
import { UNNAMED_GUEST, type CrewSafeView } from '../booking/crew-safe';
import { IntegrationError } from './errors';
import { ExternalIdCollection, type EnsureOptions } from './external-id-collection';
import { HttpClient, type HttpClientOptions } from './http';
import { refuseMoney } from './money-guard';

export const SCC_AUTH_FIX =
  "SCC rejected the service key — check SCC_SERVICE_KEY against SERVICE_KEY_HASH in the SCC Lambda's environment";

export interface SccRosterEntry {
  name: string;
  email?: string;
  role: 'captain' | 'crew';
}

export interface SccEventPayload {
  externalId: string;
  title: string;
  guestFirstName: string;
  partySize: number;
  /** YYYY-MM-DD, operator's time zone. */
  date: string;
  timezone: string;
  /** ISO 8601 with offset. */
  checkInTime: string;
  departureTime: string;
  returnTime: string;
  vessel: string;
  dock: string;
  roster: SccRosterEntry[];
  description: string;
  checklist: { text: string }[];
}

/** The SCC request body, from the crew-safe projection only; throws (non-retryable) rather than carry money. */
export function sccEventPayload(view: CrewSafeView): SccEventPayload {
  const guests = `${view.partySize} ${view.partySize === 1 ? 'guest' : 'guests'}`;
  const payload: SccEventPayload = {
    externalId: view.sessionId,
    title: `${view.guestFirstName} · ${view.dateText} · ${view.vesselName}`,
    guestFirstName: view.guestFirstName,
    partySize: view.partySize,
    date: view.date,
    timezone: view.timezone,
    checkInTime: view.checkIn.iso,
    departureTime: view.departure.iso,
    returnTime: view.return.iso,
    vessel: view.vesselName,
    dock: view.dockAddress,
    roster: view.roster.map((m) => ({ name: m.name, role: m.role, ...(m.email ? { email: m.email } : {}) })),
    description: [
      `${view.guestFirstName === UNNAMED_GUEST ? 'Charter' : `${view.guestFirstName}'s charter`} aboard ${view.vesselName}: ${guests}, ${view.dateText}, ${view.timeRangeText}. Crew check-in ${view.checkIn.text} at ${view.dockAddress}.`,
      // The notes for crew only as the crew-safe projection has them (money lines dropped).
      ...(view.crewNotes.length > 0 ? ['', 'Notes from the office:', ...view.crewNotes] : []),
    ].join('\n'),
    checklist: view.checklist.map((text) => ({ text })),
  };
  return refuseMoney(payload, 'SCC event', view.sessionId);
}

const CLOUDFRONT_HOST = /\.cloudfront\.net$/i;

export class SccUrlError extends IntegrationError {
  override name = 'SccUrlError';
}

/** Refuses an SCC URL on CloudFront (or on the guest site's host, which is CloudFront too). */
export function assertSccApiUrl(apiUrl: string, guestSiteUrl?: string): void {
  const host = new URL(apiUrl).hostname;
  const guestHost = guestSiteUrl && URL.canParse(guestSiteUrl) ? new URL(guestSiteUrl).hostname : undefined;
  if (CLOUDFRONT_HOST.test(host) || host === guestHost) {
    throw new SccUrlError(`SCC_API_URL host ${host} is behind CloudFront`, {
      code: 'SCC_URL_CLOUDFRONT',
      retryable: false,
      system: 'SCC',
      operatorMessage:
        "SCC_API_URL points at CloudFront — its origin request function strips the Authorization header; use the API Gateway URL (https://{id}.execute-api.{region}.amazonaws.com/{stage}).",
    });
  }
}

/** What a cancel PATCHes (and what SCC's item shows once it landed). */
export const SCC_CANCEL_PATCH: Readonly<Record<string, unknown>> = Object.freeze({ status: 'cancelled' });

export interface SccClientOptions {
  apiUrl: string;
  serviceKey: string;
  /** The guest site's URL, refused as an SCC host too. */
  guestSiteUrl?: string;
  http?: Partial<Omit<HttpClientOptions, 'baseUrl' | 'system' | 'displayName' | 'authFix' | 'urlSetting'>>;
}

export class SccClient {
  private readonly http: HttpClient;
  private readonly events: ExternalIdCollection<SccEventPayload>;

  constructor(options: SccClientOptions) {
    assertSccApiUrl(options.apiUrl, options.guestSiteUrl);
    this.http = new HttpClient({
      ...(options.http ?? {}),
      system: 'SCC',
      displayName: 'SCC',
      baseUrl: options.apiUrl,
      authFix: SCC_AUTH_FIX,
      urlSetting: 'SCC_API_URL',
      secrets: [options.serviceKey, ...(options.http?.secrets ?? [])],
    });
    this.events = new ExternalIdCollection<SccEventPayload>(this.http, { authorization: `Bearer ${options.serviceKey}` }, '/events', 'eventId', 'event');
  }

  findByExternalId(externalId: string, opts: { signal?: AbortSignal } = {}): Promise<string | undefined> {
    return this.events.findByExternalId(externalId, opts);
  }

  create(body: SccEventPayload): Promise<string> {
    return this.events.create(body);
  }

  /** Creates unless it exists; never POSTs again while an earlier POST may still land (createOnce). */
  async ensure(body: SccEventPayload, opts: EnsureOptions): Promise<{ eventId: string; created: boolean }> {
    const { value, created } = await this.events.ensure(body, opts);
    return { eventId: value, created };
  }

  /** PATCH the event (date, times, roster, checklist, description); SCC e-mails the crew what changed. */
  async update(eventId: string, patch: Partial<SccEventPayload>, idempotencyKey: string, opts: { signal?: AbortSignal } = {}): Promise<{ eventId: string }> {
    return { eventId: await this.events.update(eventId, { ...patch }, idempotencyKey, opts) };
  }

  /** Cancel = PATCH {"status":"cancelled"}; SCC tells the crew. */
  async cancel(eventId: string, idempotencyKey: string, opts: { signal?: AbortSignal } = {}): Promise<{ eventId: string }> {
    return { eventId: await this.events.update(eventId, { ...SCC_CANCEL_PATCH }, idempotencyKey, opts) };
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
