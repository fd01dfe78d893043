import ICAL from 'ical.js';
import fc from 'fast-check';
import { Settings } from 'luxon';
import { buildGuestPageView } from '../../../src/integrations/guest-page/view';
import { escapeText, fold, renderGuestCalendar } from '../../../src/integrations/guest-page/ics';
import { sampleSettings, sampleSource } from '../../support/guest-page-fixture';

const NOW = new Date('2026-11-24T15:00:00Z');

/** Parses with ical.js and resolves TZID through the file's own VTIMEZONE, as a calendar app would. */
function parseEvent(ics: string) {
  const calendar = new ICAL.Component(ICAL.parse(ics));
  const vtimezone = calendar.getFirstSubcomponent('vtimezone');
  if (!vtimezone) throw new Error('no VTIMEZONE');
  const zone = new ICAL.Timezone(vtimezone);
  const vevent = calendar.getFirstSubcomponent('vevent');
  if (!vevent) throw new Error('no VEVENT');
  const event = new ICAL.Event(vevent);
  event.startDate.zone = zone;
  event.endDate.zone = zone;
  return { calendar, event, vevent, zone };
}

function viewFor(date: string, departureTime: string, durationHours: number, timezone = 'America/Los_Angeles') {
  const base = sampleSource();
  return buildGuestPageView(
    { ...base, request: { ...base.request, date, departureTime, durationHours } },
    { ...sampleSettings(), timezone },
  );
}

describe('renderGuestCalendar', () => {
  const view = buildGuestPageView(sampleSource(), sampleSettings());
  const ics = renderGuestCalendar(view, { now: NOW });

  test('is a VCALENDAR with the required properties and a VTIMEZONE for the operator zone', () => {
    expect(ics.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:')).toBe(true);
    expect(ics.endsWith('END:VCALENDAR\r\n')).toBe(true);
    const { calendar, vevent, zone } = parseEvent(ics);
    expect(calendar.getFirstPropertyValue('version')).toBe('2.0');
    expect(zone.tzid).toBe('America/Los_Angeles');
    expect(vevent.getFirstProperty('dtstart')?.getParameter('tzid')).toBe('America/Los_Angeles');
    expect(vevent.getFirstPropertyValue('uid')).toBe('7k3m9qx2tb4d@queenofsandiego.com');
    expect(String(vevent.getFirstPropertyValue('dtstamp'))).toBe('2026-11-24T15:00:00Z');
    expect(vevent.getFirstPropertyValue('summary')).toBe('Charter aboard JADA');
    expect(vevent.getFirstPropertyValue('location')).toBe(
      'Harbor Island West Marina, 2040 Harbor Island Dr, San Diego, CA 92101',
    );
    const description = String(vevent.getFirstPropertyValue('description'));
    expect(description).toContain('Check in by 3:30 PM PST');
    expect(description).toContain('\nEmergency contact: +1 619 555 0142');
    expect(description).toContain('Details: https://queenofsandiego.com/g/7K3M9QX2TB4D');
    expect(description).not.toMatch(/\$|Whitaker|crew\.example/);
  });

  test('start and end are the charter instants', () => {
    const { event } = parseEvent(ics);
    expect(event.startDate.toJSDate().toISOString()).toBe('2026-12-06T00:00:00.000Z');
    expect(event.endDate.toJSDate().toISOString()).toBe('2026-12-06T05:00:00.000Z');
  });

  test('a cancelled charter: the same UID at the next SEQUENCE, STATUS:CANCELLED, no check-in reminder, and a description that says it will not sail', () => {
    const cancelled = renderGuestCalendar(view, { now: NOW, revision: 3, cancelled: true });
    const { calendar, vevent } = parseEvent(cancelled);
    // PUBLISH: CANCEL is an organizer's message to invitees (RFC 5546 §3.2.5: ORGANIZER required, VALARM forbidden).
    expect(calendar.getFirstPropertyValue('method')).toBe('PUBLISH');
    expect(vevent.getFirstPropertyValue('uid')).toBe('7k3m9qx2tb4d@queenofsandiego.com');
    expect(vevent.getFirstPropertyValue('sequence')).toBe(2);
    expect(vevent.getFirstPropertyValue('status')).toBe('CANCELLED');
    expect(vevent.getFirstPropertyValue('summary')).toBe('Cancelled: Charter aboard JADA');
    expect(vevent.getAllSubcomponents('valarm')).toHaveLength(0);
    const description = String(vevent.getFirstPropertyValue('description'));
    expect(description).toMatch(/^This charter was cancelled: it will not sail on .+ at 4:00 PM PST\.\nQuestions: \+1 619 555 0142/);
    expect(description).not.toContain('Check in by');
  });

  test('a charter cancelled after its departure: the description says it was cancelled, not that it "will not sail"', () => {
    const afterDeparture = buildGuestPageView(sampleSource({ asOfMs: Date.parse('2026-12-07T18:00:00Z') }), sampleSettings());
    expect(afterDeparture.departurePassed).toBe(true);
    const { vevent } = parseEvent(renderGuestCalendar(afterDeparture, { now: NOW, revision: 2, cancelled: true }));
    const description = String(vevent.getFirstPropertyValue('description'));
    expect(description).toMatch(/^This charter on Sat, Dec 5, 2026 at 4:00 PM PST was cancelled\.\nQuestions: \+1 619 555 0142/);
    expect(description).not.toMatch(/will not/);
    expect(vevent.getFirstPropertyValue('status')).toBe('CANCELLED');
  });

  test('the UID is stable across renders', () => {
    const again = renderGuestCalendar(view, { now: new Date('2026-11-30T00:00:00Z') });
    expect(parseEvent(again).vevent.getFirstPropertyValue('uid')).toBe('7k3m9qx2tb4d@queenofsandiego.com');
  });

  test.each([
    ['summer, PDT', '2026-07-04', '10:00', 4, 'America/Los_Angeles', '2026-07-04T17:00:00.000Z', '2026-07-04T21:00:00.000Z'],
    ['the morning after the spring change', '2027-03-14', '09:00', 3, 'America/Los_Angeles', '2027-03-14T16:00:00.000Z', '2027-03-14T19:00:00.000Z'],
    ['across midnight and the fall change', '2026-10-31', '22:00', 6, 'America/Los_Angeles', '2026-11-01T05:00:00.000Z', '2026-11-01T11:00:00.000Z'],
    ['a southern-hemisphere zone in its summer', '2027-01-10', '18:00', 2, 'Australia/Sydney', '2027-01-10T07:00:00.000Z', '2027-01-10T09:00:00.000Z'],
    ['a zone without daylight time', '2026-08-01', '08:30', 2.5, 'Asia/Tokyo', '2026-07-31T23:30:00.000Z', '2026-08-01T02:00:00.000Z'],
  ])('%s: right start and end through its VTIMEZONE', (_label, date, time, hours, zone, start, end) => {
    const { event } = parseEvent(renderGuestCalendar(viewFor(date, time, hours, zone), { now: NOW }));
    expect(event.startDate.toJSDate().toISOString()).toBe(start);
    expect(event.endDate.toJSDate().toISOString()).toBe(end);
  });

  describe('a time in the hour that repeats when clocks go back', () => {
    const realNow = Settings.now;
    afterEach(() => {
      Settings.now = realNow;
      ICAL.TimezoneService.reset();
    });

    /** As a calendar app reads it: TZID through the registered VTIMEZONE, UTC as UTC. */
    function instants(ics: string): [string, string] {
      const calendar = new ICAL.Component(ICAL.parse(ics));
      for (const vtz of calendar.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(new ICAL.Timezone(vtz));
      const event = new ICAL.Event(calendar.getFirstSubcomponent('vevent') ?? undefined);
      return [event.startDate.toJSDate().toISOString(), event.endDate.toJSDate().toISOString()];
    }

    test.each([
      // The page says "8:30 PM PDT – 1:30 AM PDT (next day)": 1:30 AM wall time happens twice.
      ['a return in it', '2026-10-31', '20:30', 5, '2026-11-01T03:30:00.000Z', '2026-11-01T08:30:00.000Z'],
      ['a departure in it (a record from before the form refused one)', '2026-11-01', '01:30', 1, '2026-11-01T08:30:00.000Z', '2026-11-01T09:30:00.000Z'],
    ])('%s: written in UTC, so the event is the page’s instants in any client and any season', (_label, date, time, hours, start, end) => {
      for (const now of ['2026-01-15T12:00:00Z', '2026-07-15T12:00:00Z']) {
        Settings.now = () => Date.parse(now);
        const view = viewFor(date, time, hours);
        const ics = renderGuestCalendar(view, { now: NOW });
        expect(ics).toMatch(/\r\nDTSTART:\d{8}T\d{6}Z\r\nDTEND:\d{8}T\d{6}Z\r\n/);
        expect([new Date(view.departure.iso).toISOString(), new Date(view.return.iso).toISOString()]).toEqual([start, end]);
        expect(instants(ics)).toEqual([start, end]);
        ICAL.TimezoneService.reset();
      }
    });

    test('a time just outside it keeps the operator’s zone', () => {
      const ics = renderGuestCalendar(viewFor('2026-10-31', '22:00', 5), { now: NOW });
      expect(ics).toContain('\r\nDTSTART;TZID=America/Los_Angeles:20261031T220000\r\nDTEND;TZID=America/Los_Angeles:20261101T020000\r\n');
    });
  });

  test('every line ends in CRLF and no line is longer than 75 octets', () => {
    expect(ics.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of ics.split('\r\n')) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
    expect(ics).toMatch(/\r\n [^\r\n]/); // the description is long enough to fold
  });

  test('hostile text is escaped and survives a round trip', () => {
    const hostile = 'Pier 5; Gate "B", slip \\3\nAsk for <Sam>';
    const v = buildGuestPageView(sampleSource(), sampleSettings({ dockAddress: hostile, vesselName: 'Sea, Breeze; II' }));
    const { vevent } = parseEvent(renderGuestCalendar(v, { now: NOW }));
    expect(vevent.getFirstPropertyValue('location')).toBe(hostile);
    expect(vevent.getFirstPropertyValue('summary')).toBe('Charter aboard Sea, Breeze; II');
  });

  test('escapeText escapes backslash, semicolon, comma and newlines', () => {
    expect(escapeText('a\\b;c,d\ne\r\nf')).toBe('a\\\\b\\;c\\,d\\ne\\nf');
  });

  test('folding never splits a UTF-8 character and unfolds to the original', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (text) => {
        const line = `DESCRIPTION:${text}`;
        const folded = fold(line);
        for (const part of folded.split('\r\n')) {
          expect(Buffer.byteLength(part, 'utf8')).toBeLessThanOrEqual(75);
          expect(Buffer.from(part, 'utf8').toString('utf8')).toBe(part);
        }
        expect(folded.replace(/\r\n /g, '')).toBe(line);
      }),
    );
  });
});
