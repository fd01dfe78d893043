/** parseIcal: what the watcher reads from a platform's export, including the awkward parts. */
import { Settings } from 'luxon';
import { IcalFeedError } from '../../../src/integrations/errors';
import { parseIcal } from '../../../src/integrations/ical-feed';
import { icsOf } from '../../../src/sandbox/ical-feed-standin';

const LA = 'America/Los_Angeles';

describe('parseIcal', () => {
  const calendar = (...events: string[][]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:test', ...events.flat(), 'END:VCALENDAR'].join('\r\n');
  const event = (uid: string, ...lines: string[]) => ['BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20301201T000000Z', ...lines, 'END:VEVENT'];

  it('reads a feed that starts with a byte-order mark', () => {
    const ics = `\uFEFF${calendar(event('bom', 'DTSTART:20301221T180000Z', 'DTEND:20301221T230000Z'))}`;
    expect(parseIcal(ics, 'Boatsetter', LA).map((e) => e.uid)).toEqual(['bom']);
  });

  it('skips a recurring event: a weekly "Unavailable" block is not a booking', () => {
    const ics = calendar(event('block', 'DTSTART:20301221T180000Z', 'DTEND:20301221T230000Z', 'RRULE:FREQ=WEEKLY', 'SUMMARY:Unavailable'), event('trip', 'DTSTART:20301222T180000Z', 'DTEND:20301222T230000Z'));
    expect(parseIcal(ics, 'Boatsetter', LA).map((e) => e.uid)).toEqual(['trip']);
  });

  it('reads a TZID the feed gives no VTIMEZONE for in that zone, and an unknown one in the operator’s', () => {
    const ics = calendar(
      event('ny', 'DTSTART;TZID=America/New_York:20301221T100000', 'DTEND;TZID=America/New_York:20301221T140000'),
      event('odd', 'DTSTART;TZID=Boat Time:20301221T100000', 'DTEND;TZID=Boat Time:20301221T140000'),
    );
    const byUid = Object.fromEntries(parseIcal(ics, 'GetMyBoat', LA).map((e) => [e.uid, e]));
    expect(new Date(byUid.ny?.startMs ?? 0).toISOString()).toBe('2030-12-21T15:00:00.000Z'); // 7:00 AM PST
    expect(new Date(byUid.ny?.endMs ?? 0).toISOString()).toBe('2030-12-21T19:00:00.000Z');
    expect(new Date(byUid.odd?.startMs ?? 0).toISOString()).toBe('2030-12-21T18:00:00.000Z'); // 10:00 AM PST
  });

  it('reads UTC events, their status and text (escapes undone)', () => {
    const ics = icsOf([{ uid: 'a@x', start: new Date('2030-12-21T18:00:00Z'), end: new Date('2030-12-21T23:00:00Z'), summary: 'Trip; 6 guests, deck', description: 'Booking ID: BS-1\nRenter: Maria', status: 'CANCELLED' }]);
    expect(parseIcal(ics, 'Boatsetter', LA)).toEqual([
      { uid: 'a@x', summary: 'Trip; 6 guests, deck', description: 'Booking ID: BS-1\nRenter: Maria', startMs: Date.parse('2030-12-21T18:00:00Z'), endMs: Date.parse('2030-12-21T23:00:00Z'), allDay: false, status: 'CANCELLED' },
    ]);
  });

  it('reads floating times and all-day dates as the operator’s wall clock, TZID times through the feed’s VTIMEZONE', () => {
    const ics = [
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:test',
      'BEGIN:VTIMEZONE', 'TZID:America/New_York',
      'BEGIN:STANDARD', 'DTSTART:19701101T020000', 'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU', 'TZOFFSETFROM:-0400', 'TZOFFSETTO:-0500', 'END:STANDARD',
      'BEGIN:DAYLIGHT', 'DTSTART:19700308T020000', 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU', 'TZOFFSETFROM:-0500', 'TZOFFSETTO:-0400', 'END:DAYLIGHT',
      'END:VTIMEZONE',
      'BEGIN:VEVENT', 'UID:floating', 'DTSTART:20301221T100000', 'DTEND:20301221T150000', 'END:VEVENT',
      'BEGIN:VEVENT', 'UID:allday', 'DTSTART;VALUE=DATE:20301222', 'DTEND;VALUE=DATE:20301223', 'END:VEVENT',
      'BEGIN:VEVENT', 'UID:ny', 'DTSTART;TZID=America/New_York:20301221T130000', 'DTEND;TZID=America/New_York:20301221T180000', 'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    const byUid = Object.fromEntries(parseIcal(ics, 'GetMyBoat', LA).map((e) => [e.uid, e]));
    expect(new Date(byUid.floating?.startMs ?? 0).toISOString()).toBe('2030-12-21T18:00:00.000Z'); // 10:00 PST
    expect(byUid.allday?.allDay).toBe(true);
    expect(new Date(byUid.allday?.startMs ?? 0).toISOString()).toBe('2030-12-22T08:00:00.000Z'); // midnight PST
    expect(new Date(byUid.ny?.startMs ?? 0).toISOString()).toBe('2030-12-21T18:00:00.000Z'); // 1 PM EST = 10 AM PST
  });

  it('reads a floating time in the repeated fall-back hour as its first occurrence, whatever the date today', () => {
    const ics = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:test', 'BEGIN:VEVENT', 'UID:fallback', 'DTSTART:20261101T013000', 'DTEND:20261101T043000', 'END:VEVENT', 'END:VCALENDAR'].join('\r\n');
    const saved = Settings.now;
    try {
      for (const today of [Date.UTC(2027, 0, 15), Date.UTC(2026, 6, 15)]) {
        Settings.now = () => today;
        const [event] = parseIcal(ics, 'Boatsetter', LA);
        expect(new Date(event?.startMs ?? 0).toISOString()).toBe('2026-11-01T08:30:00.000Z'); // 1:30 AM PDT
      }
    } finally {
      Settings.now = saved;
    }
  });

  it.each([
    ['an HTML login page', '<html><body>Sign in</body></html>'],
    ['an empty body', ''],
    ['a vCard', 'BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Someone\r\nEND:VCARD\r\n'],
  ])('refuses %s with a typed, retryable error that names the feed', (_what, body) => {
    let caught: unknown;
    try {
      parseIcal(body, 'Boatsetter', LA);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(IcalFeedError);
    expect((caught as IcalFeedError).code).toBe('ICAL_MALFORMED');
    expect((caught as IcalFeedError).retryable).toBe(true);
    expect((caught as IcalFeedError).operatorMessage).toContain('The Boatsetter calendar feed did not parse as iCalendar');
  });
});
