/** The iCal notices' pure parts: the prefill an event gives, its time text, the button value's 2,000-character cap. */
import { decodeCreateValue, encodeCreateValue, eventWhen, feedFailedNotice, feedRecoveredNotice, movedEventNotice, newEventNotice } from '../../../src/slack/blocks/intake';
import { INTAKE_FIELDS } from '../../../src/booking/intake/parse-confirmation';
import { bookingModal } from '../../../src/slack/blocks/modal';
import { prefillFromEvent } from '../../../src/slack/intake/ical-watcher';

const LA = 'America/Los_Angeles';
const NOW = Date.UTC(2030, 10, 1);

describe('prefillFromEvent', () => {
  it('takes date, start and duration from the event, the rest from its text, the UID when no reference is written', () => {
    const fields = prefillFromEvent('GetMyBoat', { uid: 'gmb-77@getmyboat.com', startMs: Date.UTC(2030, 11, 21, 18), endMs: Date.UTC(2030, 11, 21, 22, 30), allDay: false, description: 'Renter: Ana Ruiz\nPassengers: 3\nTrip date: Jan 5, 2031' }, LA, NOW);
    expect(fields).toEqual({ platform: 'GetMyBoat', platformRef: 'gmb-77@getmyboat.com', guestName: 'Ana Ruiz', partySize: 3, date: '2030-12-21', departureTime: '10:00', durationHours: 4.5 });
  });

  it('an all-day block gives the date only', () => {
    const fields = prefillFromEvent('Boatsetter', { uid: 'x', startMs: Date.UTC(2030, 11, 21, 8), endMs: Date.UTC(2030, 11, 22, 8), allDay: true }, LA, NOW);
    expect(fields).toEqual({ platform: 'Boatsetter', platformRef: 'x', date: '2030-12-21' });
  });
});

describe('notice text and button', () => {
  it('names the day, the times and the zone; across midnight the end names its day', () => {
    expect(eventWhen(Date.UTC(2030, 11, 21, 18), Date.UTC(2030, 11, 21, 23), LA)).toBe('Sat, Dec 21, 10:00 AM – 3:00 PM PST');
    expect(eventWhen(Date.UTC(2030, 11, 22, 6), Date.UTC(2030, 11, 22, 9), LA)).toBe('Sat, Dec 21, 10:00 PM – Sun, Dec 22, 1:00 AM PST');
    expect(eventWhen(Date.UTC(2030, 11, 21, 8), Date.UTC(2030, 11, 22, 8), LA, true)).toBe('Sat, Dec 21 (all day)');
    // several days: DTEND is the day after the last (review 2026-12-07, iCal #4)
    expect(eventWhen(Date.UTC(2027, 0, 27, 8), Date.UTC(2027, 0, 30, 8), LA, true)).toBe('Wed, Jan 27 – Fri, Jan 29 (all day)');
    expect(eventWhen(Date.UTC(2027, 0, 27, 8), Date.UTC(2027, 0, 27, 8), LA, true)).toBe('Wed, Jan 27 (all day)');
    // Across a clock change the start names its zone too: 1.5 h, not 30 min.
    expect(eventWhen(Date.UTC(2026, 10, 1, 8, 30), Date.UTC(2026, 10, 1, 10), LA)).toBe('Sun, Nov 1, 1:30 AM PDT – 2:00 AM PST');
    expect(eventWhen(Date.UTC(2026, 2, 8, 9, 30), Date.UTC(2026, 2, 8, 11), LA)).toBe('Sun, Mar 8, 1:30 AM PST – 4:00 AM PDT');
  });

  it('keeps the [Create charter] value within Slack’s 2,000 characters, dropping notes first', () => {
    const fields = { date: '2030-12-21', departureTime: '10:00', durationHours: 5, platform: 'Boatsetter', guestName: 'Maria', notes: 'n'.repeat(1900) };
    const value = encodeCreateValue({ feed: 'Boatsetter', uid: 'u@x', fields });
    expect(value.length).toBeLessThanOrEqual(2000);
    const { notes: _dropped, ...rest } = fields;
    // What was read but left out is named, so the form does not claim it could not be read.
    expect(decodeCreateValue(value)).toEqual({ feed: 'Boatsetter', uid: 'u@x', fields: rest, dropped: ['notes'] });
    const huge = encodeCreateValue({ feed: 'Boatsetter', uid: 'u'.repeat(3000), fields: { ...rest, guestName: 'g'.repeat(100) } });
    expect(huge.length).toBeLessThanOrEqual(2000);
    expect(decodeCreateValue(huge)?.fields).toEqual({ date: '2030-12-21', departureTime: '10:00', durationHours: 5, platform: 'Boatsetter' });
    expect(decodeCreateValue(huge)?.dropped).toEqual(['guestName']);
    expect(decodeCreateValue('not json')).toBeUndefined();
  });

  it('the form says which fields were too long to carry over, not that it could not read them', () => {
    const value = decodeCreateValue(encodeCreateValue({ feed: 'Boatsetter', uid: 'u@x', fields: { date: '2030-12-21', departureTime: '10:00', durationHours: 5, platform: 'Boatsetter', guestName: 'Maria', notes: 'n'.repeat(1950) } }));
    if (!value) throw new Error('value did not decode');
    const dropped = value.dropped ?? [];
    // As createCharterFromEvent computes it.
    const missing = INTAKE_FIELDS.filter((f) => value.fields[f] === undefined && !dropped.includes(f));
    const modal = bookingModal({ timezone: LA, capacity: 6, origin: { channel: 'C0OPS00001' }, nowMs: NOW, prefill: { fields: value.fields, missing, notCarried: dropped, source: 'the Boatsetter calendar' } });
    const context = JSON.stringify(modal.blocks.find((b) => b.block_id === 'intake'));
    expect(context).toContain('Too long to carry over: *notes*; copy it from the Boatsetter calendar.');
    expect(context).not.toMatch(/Could not read: [^.]*notes/);
    expect(context).toContain('Filled in 5 fields');
  });

  it('escapes what the feed wrote', () => {
    const notice = newEventNotice({ feed: 'Boatsetter', when: 'Sat', summary: '<!channel> & <https://evil|x>', value: '{}' });
    expect(JSON.stringify(notice.blocks)).toContain('&lt;!channel&gt; &amp; &lt;https://evil|x&gt;');
  });

  it('escapes the fallback text too, which Slack notifies with: a feed line quoted in an error cannot mention @channel', () => {
    const hostile = '<!channel> urgent <https://evil|re-login>';
    const notices = [
      feedFailedNotice({ feed: 'Boatsetter', message: `Boatsetter feed is not iCalendar (first line: ${hostile}).` }),
      feedRecoveredNotice(`Boat${hostile}`),
      newEventNotice({ feed: `B${hostile}`, when: 'Sat', value: '{}' }),
      movedEventNotice({ feed: `B${hostile}`, bookingId: 'X', was: 'Sat', now: 'Sun' }),
    ];
    for (const n of notices) {
      expect(n.text).not.toMatch(/<!channel>|<https:/);
      expect(n.text).toContain('&lt;!channel&gt;');
    }
  });
});
