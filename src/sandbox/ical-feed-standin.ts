/**
 * A booking platform's iCal export, served locally: the events are set by the test or the sandbox,
 * answers carry an ETag and Last-Modified and honour If-None-Match / If-Modified-Since with a 304,
 * and the next answers can be made a status (500) or a malformed body. Every request is recorded.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { listenOnLoopback } from './loopback';

export interface StandinEvent {
  uid: string;
  /** UTC instants. */
  start: Date;
  end: Date;
  summary?: string;
  description?: string;
  status?: 'CONFIRMED' | 'TENTATIVE' | 'CANCELLED';
}

export interface FeedRequest {
  path: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  status: number;
}

export interface IcalFeedStandin {
  /** http://127.0.0.1:PORT/{name}.ics */
  feedUrl(name: string): string;
  setEvents(name: string, events: StandinEvent[]): void;
  /** The next `times` answers for the feed: this status, or 200 with a body that is not iCalendar. */
  fail(name: string, fault: { status: number } | { malformed: true }, times?: number): void;
  requests: FeedRequest[];
  close(): Promise<void>;
}

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
/** RFC 5545 TEXT escaping and 75-octet folding are more than these short values need, but escape anyway. */
const text = (s: string) => s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');

export function icsOf(events: readonly StandinEvent[], calName = 'Bookings'): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//charter-bot//ical stand-in//EN', `X-WR-CALNAME:${text(calName)}`];
  for (const e of events) {
    lines.push(
      'BEGIN:VEVENT',
      `UID:${e.uid}`,
      `DTSTAMP:${stamp(new Date(Date.UTC(2026, 0, 1)))}`,
      `DTSTART:${stamp(e.start)}`,
      `DTEND:${stamp(e.end)}`,
      ...(e.summary ? [`SUMMARY:${text(e.summary)}`] : []),
      ...(e.description ? [`DESCRIPTION:${text(e.description)}`] : []),
      ...(e.status ? [`STATUS:${e.status}`] : []),
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return `${lines.join('\r\n')}\r\n`;
}

export async function startIcalFeedStandin(): Promise<IcalFeedStandin> {
  const feeds = new Map<string, { body: string; etag: string; lastModified: string }>();
  const faults = new Map<string, { fault: { status: number } | { malformed: true }; left: number }>();
  const requests: FeedRequest[] = [];
  let clock = Date.UTC(2026, 0, 1);

  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const name = decodeURIComponent(path.replace(/^\//, '').replace(/\.ics$/, ''));
    const record = (status: number) =>
      requests.push({
        path,
        status,
        ...(req.headers['if-none-match'] ? { ifNoneMatch: String(req.headers['if-none-match']) } : {}),
        ...(req.headers['if-modified-since'] ? { ifModifiedSince: String(req.headers['if-modified-since']) } : {}),
      });
    const fault = faults.get(name);
    if (fault && fault.left > 0) {
      fault.left -= 1;
      if ('status' in fault.fault) {
        record(fault.fault.status);
        res.writeHead(fault.fault.status, { 'content-type': 'text/plain' }).end('upstream error');
      } else {
        record(200);
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Sign in to see your calendar</body></html>');
      }
      return;
    }
    const feed = feeds.get(name);
    if (!feed) {
      record(404);
      res.writeHead(404).end();
      return;
    }
    if (req.headers['if-none-match'] === feed.etag) {
      record(304);
      res.writeHead(304, { etag: feed.etag, 'last-modified': feed.lastModified }).end();
      return;
    }
    record(200);
    res.writeHead(200, { 'content-type': 'text/calendar; charset=utf-8', etag: feed.etag, 'last-modified': feed.lastModified }).end(feed.body);
  });
  const listener = await listenOnLoopback(server);

  return {
    feedUrl: (name) => `${listener.url}/${encodeURIComponent(name)}.ics`,
    setEvents(name, events) {
      const body = icsOf(events, name);
      clock += 60_000;
      feeds.set(name, { body, etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`, lastModified: new Date(clock).toUTCString() });
    },
    fail(name, fault, times = 1) {
      faults.set(name, { fault, left: times });
    },
    requests,
    close: () => listener.close(),
  };
}
