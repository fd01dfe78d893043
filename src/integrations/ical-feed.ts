/**
 * Booking platforms' iCal exports (Boatsetter: Calendar → Export → iCal; GetMyBoat the same): one
 * conditional GET per poll (If-None-Match / If-Modified-Since, so an unchanged feed costs a 304),
 * with a connect and a total deadline, redirects followed, and the body parsed with ical.js into
 * plain events. Knows nothing of Slack or bookings. The feed URL carries a private token: it never
 * appears in an error or a log line — errors name the feed.
 */
import ICAL from 'ical.js';
import { DateTime, IANAZone } from 'luxon';
import { Pool, type Dispatcher } from 'undici';
import type { IcalFeed } from '../config';
import { IcalFeedError } from './errors';
import { UNDICI_TIMEOUT_CODES } from './http';

export interface IcalEvent {
  uid: string;
  summary?: string;
  description?: string;
  /** Start and end, epoch ms (all-day events: midnight in the feed's zone, or UTC when floating). */
  startMs: number;
  endMs: number;
  allDay: boolean;
  /** CONFIRMED, TENTATIVE or CANCELLED (absent = confirmed). */
  status?: string;
}

export interface FeedValidators {
  etag?: string;
  lastModified?: string;
}

export type FeedFetch = { kind: 'not_modified' } | { kind: 'fetched'; events: IcalEvent[]; validators: FeedValidators };

export interface FeedClientOptions {
  connectTimeoutMs?: number;
  /** Whole request, body included. */
  totalTimeoutMs?: number;
  /** Largest body read (a season's feed is tens of kB). */
  maxBytes?: number;
}

const DEFAULTS = { connectTimeoutMs: 5000, totalTimeoutMs: 15_000, maxBytes: 5 * 1024 * 1024 };

export class IcalFeedClient {
  /** One small Pool per origin: the Lambda bundle's slim undici has Pool (not Agent or interceptors). */
  private readonly pools = new Map<string, Pool>();
  private readonly opts: Required<FeedClientOptions>;

  constructor(options: FeedClientOptions = {}) {
    this.opts = { ...DEFAULTS, ...options };
  }

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, { connections: 2, connect: { timeout: this.opts.connectTimeoutMs }, headersTimeout: this.opts.totalTimeoutMs, bodyTimeout: this.opts.totalTimeoutMs });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  /** GET with up to 3 redirects followed (platforms move their export URLs behind redirects). */
  private async get(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
    let target = new URL(url);
    for (let hop = 0; ; hop++) {
      const res = await this.pool(target.origin).request({ path: `${target.pathname}${target.search}`, method: 'GET', headers, signal });
      const location = res.headers.location;
      if ([301, 302, 303, 307, 308].includes(res.statusCode) && typeof location === 'string' && hop < 3) {
        await res.body.dump();
        target = new URL(location, target);
        continue;
      }
      return res;
    }
  }

  /** `timezone`: the operator's, for the feed's floating times. */
  async fetch(feed: IcalFeed, validators: FeedValidators = {}, timezone = 'UTC'): Promise<FeedFetch> {
    const headers: Record<string, string> = { accept: 'text/calendar, */*;q=0.5', 'user-agent': 'charter-bot ical-watcher' };
    if (validators.etag) headers['if-none-match'] = validators.etag;
    if (validators.lastModified) headers['if-modified-since'] = validators.lastModified;
    let text: string;
    let res: Dispatcher.ResponseData;
    try {
      res = await this.get(feed.url, headers, AbortSignal.timeout(this.opts.totalTimeoutMs));
      if (res.statusCode === 304) {
        await res.body.dump();
        return { kind: 'not_modified' };
      }
      if (res.statusCode < 200 || res.statusCode >= 300) {
        await res.body.dump();
        throw new IcalFeedError(`${feed.name} feed answered ${res.statusCode}`, {
          code: 'ICAL_HTTP_STATUS',
          retryable: true,
          status: res.statusCode,
          system: 'ICAL',
          operatorMessage: res.statusCode === 401 || res.statusCode === 403 || res.statusCode === 404
            ? `The ${feed.name} calendar feed answered ${res.statusCode}: check its export URL in CHARTER_ICAL_FEEDS (the platform may have rotated it).`
            : `The ${feed.name} calendar feed answered ${res.statusCode}; trying again next poll.`,
        });
      }
      text = await readCapped(res.body, this.opts.maxBytes);
    } catch (err) {
      if (err instanceof IcalFeedError) throw err;
      throw unreachable(feed.name, err, this.opts);
    }
    const events = parseIcal(text, feed.name, timezone);
    const etag = header(res.headers.etag);
    const lastModified = header(res.headers['last-modified']);
    return { kind: 'fetched', events, validators: { ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) } };
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close()));
    this.pools.clear();
  }
}

/** What a transport failure means, in words an operator can act on (a bare errno or DOMException code says nothing). */
const PLAIN_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'refused the connection',
  ECONNRESET: 'dropped the connection',
  ENOTFOUND: 'has a host name that does not resolve',
  EAI_AGAIN: 'has a host name that could not be looked up right now',
  EHOSTUNREACH: 'is on a host that cannot be reached',
  ENETUNREACH: 'is on a network that cannot be reached',
  ICAL_TOO_LARGE: 'sent more than the largest feed read',
};

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

/** A feed that could not be read: a timeout says how long was waited; anything else names what went wrong. */
function unreachable(feedName: string, err: unknown, opts: Required<FeedClientOptions>): IcalFeedError {
  const e = err as { code?: unknown; name?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  // AbortSignal.timeout rejects with a DOMException named TimeoutError (whose numeric `code` is 23).
  const timedOut = e?.name === 'TimeoutError' || (code !== undefined && UNDICI_TIMEOUT_CODES.has(code));
  if (timedOut) {
    const waited = code === 'UND_ERR_CONNECT_TIMEOUT' ? opts.connectTimeoutMs : opts.totalTimeoutMs;
    return new IcalFeedError(`${feedName} feed timed out after ${waited} ms (${code ?? 'TimeoutError'})`, {
      code: 'ICAL_TIMEOUT',
      retryable: true,
      system: 'ICAL',
      operatorMessage: `The ${feedName} calendar feed did not answer within ${seconds(waited)}; trying again next poll. If it keeps timing out, open its export URL (in CHARTER_ICAL_FEEDS) in a browser to check the platform is up.`,
      cause: err,
    });
  }
  const what = code !== undefined ? PLAIN_CAUSES[code] : undefined;
  return new IcalFeedError(`${feedName} feed unreachable (${code ?? String(e?.name ?? 'error')})`, {
    code: 'ICAL_UNREACHABLE',
    retryable: true,
    system: 'ICAL',
    operatorMessage: what
      ? `The ${feedName} calendar feed ${what}; trying again next poll. If it keeps failing, check its export URL in CHARTER_ICAL_FEEDS.`
      : `The ${feedName} calendar feed could not be reached; trying again next poll. If it keeps failing, check its export URL in CHARTER_ICAL_FEEDS.`,
    cause: err,
  });
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

async function readCapped(body: Dispatcher.ResponseData['body'], maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      body.destroy();
      throw Object.assign(new Error('feed too large'), { code: 'ICAL_TOO_LARGE' });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Floating times and all-day dates are the boat's wall clock: read them in the operator's zone. A
 * TZID the feed gives no VTIMEZONE for (ical.js reads it as floating) is read in that zone, when
 * it is one the zone database knows: `DTSTART;TZID=America/New_York:…T100000` is 7:00 AM Pacific.
 */
function toMs(t: ICAL.Time, timezone: string, tzid?: string): number {
  if (t.isDate || !t.zone || t.zone.tzid === 'floating') {
    const zone = !t.isDate && tzid && IANAZone.isValidZone(tzid) ? tzid : timezone;
    const dt = DateTime.fromObject({ year: t.year, month: t.month, day: t.day, hour: t.isDate ? 0 : t.hour, minute: t.isDate ? 0 : t.minute, second: t.isDate ? 0 : t.second }, { zone });
    // A wall time the fall-back hour repeats: its first occurrence, as localDateTime (and RFC 5545)
    // reads it, not the one luxon picks from the zone's offset today.
    return Math.min(...dt.getPossibleOffsets().map((o) => o.toMillis()), dt.toMillis());
  }
  return t.toJSDate().getTime();
}

function tzidOf(vevent: ICAL.Component, property: string): string | undefined {
  const tzid = vevent.getFirstProperty(property)?.getParameter('tzid');
  return typeof tzid === 'string' ? tzid : undefined;
}

/** VEVENTs of an iCalendar text; IcalFeedError (ICAL_MALFORMED) when it is not iCalendar. */
export function parseIcal(text: string, feedName = 'iCal', timezone = 'UTC'): IcalEvent[] {
  let vcalendar: ICAL.Component;
  try {
    // A byte-order mark (some exports start with one) is not iCalendar.
    vcalendar = new ICAL.Component(ICAL.parse(text.replace(/^\uFEFF/, '')));
    if (vcalendar.name !== 'vcalendar') throw new Error(`top-level ${vcalendar.name}`);
  } catch (err) {
    throw new IcalFeedError(`${feedName} feed is not iCalendar`, {
      code: 'ICAL_MALFORMED',
      retryable: true,
      system: 'ICAL',
      operatorMessage: `The ${feedName} calendar feed did not parse as iCalendar (${(err as Error).message.slice(0, 120)}); trying again next poll.`,
      cause: err,
    });
  }
  // Register the feed's own VTIMEZONEs so TZID-local times convert correctly.
  for (const tz of vcalendar.getAllSubcomponents('vtimezone')) {
    const zone = new ICAL.Timezone(tz);
    if (!ICAL.TimezoneService.has(zone.tzid)) ICAL.TimezoneService.register(zone);
  }
  const out: IcalEvent[] = [];
  for (const vevent of vcalendar.getAllSubcomponents('vevent')) {
    try {
      const event = new ICAL.Event(vevent);
      if (!event.uid || !event.startDate) continue;
      // A recurring event is a platform block ("Unavailable" every Tuesday), not a booking; a
      // RECURRENCE-ID override of one has the master's UID.
      if (vevent.hasProperty('recurrence-id') || vevent.hasProperty('rrule')) continue;
      const start = event.startDate;
      const end = event.endDate ?? start;
      const status = vevent.getFirstPropertyValue('status');
      out.push({
        uid: String(event.uid),
        ...(event.summary ? { summary: String(event.summary) } : {}),
        ...(event.description ? { description: String(event.description) } : {}),
        startMs: toMs(start, timezone, tzidOf(vevent, 'dtstart')),
        endMs: toMs(end, timezone, tzidOf(vevent, 'dtend') ?? tzidOf(vevent, 'dtstart')),
        allDay: start.isDate,
        ...(typeof status === 'string' && status ? { status: status.toUpperCase() } : {}),
      });
    } catch {
      // one malformed event does not hide the others
    }
  }
  return out;
}
