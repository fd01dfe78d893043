/** relistedTrips: which event that disappeared is the same trip as one that appeared under a new UID in the same poll. */
import type { KnownEvent } from '../../../src/slack/intake/ical-state';
import { isBookingCode, relistedTrips } from '../../../src/slack/intake/ical-relist';

const NOW = Date.UTC(2026, 11, 7);
const H = 3_600_000;
const ev = (startH: number, summary: string | undefined, description?: string, more: Partial<KnownEvent> = {}): KnownEvent => ({
  startMs: NOW + startH * H,
  endMs: NOW + (startH + 4) * H,
  cancelled: false,
  ...(summary !== undefined ? { summary } : {}),
  ...(description !== undefined ? { description } : {}),
  ...more,
});
const pairs = (before: Record<string, KnownEvent>, current: Record<string, KnownEvent>, repeated: string[] = []) => Object.fromEntries(relistedTrips(before, current, new Set(repeated), 'America/Los_Angeles', NOW));

it('the same reference pairs, also at another time; a reference inside a longer one does not', () => {
  expect(pairs({ old: ev(24, 'Boatsetter booking', 'Booking ID: BS-1000') }, { neu: ev(30, 'Boatsetter booking', 'Booking ID: #BS-1000') })).toEqual({ neu: 'old' });
  expect(pairs({ old: ev(24, 'Boatsetter booking', 'Booking ID: BS-1000') }, { neu: ev(24, 'Boatsetter booking', 'Booking ID: BS-10000') })).toEqual({});
});

it('without references, the same start, end and summary pair; another summary, time or end does not', () => {
  expect(pairs({ old: ev(24, 'Boatsetter booking') }, { neu: ev(24, 'Boatsetter booking') })).toEqual({ neu: 'old' });
  expect(pairs({ old: ev(24, undefined) }, { neu: ev(24, undefined) })).toEqual({ neu: 'old' });
  expect(pairs({ old: ev(24, 'Boatsetter booking') }, { neu: ev(24, 'Boatsetter booking: Noor') })).toEqual({});
  expect(pairs({ old: ev(24, 'Boatsetter booking') }, { neu: ev(25, 'Boatsetter booking') })).toEqual({});
  expect(pairs({ old: ev(24, 'Boatsetter booking') }, { neu: { ...ev(24, 'Boatsetter booking'), endMs: NOW + 29 * H } })).toEqual({});
});

it('a reference on one side only pairs at the same start, end and summary, never at another time', () => {
  // the platform added the booking ID the old listing lacked (review R3)
  expect(pairs({ old: ev(24, 'Boatsetter booking') }, { neu: ev(24, 'Boatsetter booking', 'Booking ID: BS-2002') })).toEqual({ neu: 'old' });
  expect(pairs({ old: ev(24, 'Boatsetter booking', 'Booking ID: BS-2002') }, { neu: ev(24, 'Boatsetter booking') })).toEqual({ neu: 'old' });
  expect(pairs({ old: ev(24, 'Boatsetter booking') }, { neu: ev(30, 'Boatsetter booking', 'Booking ID: BS-2002') })).toEqual({});
});

it('the summary (the renter\'s name) must be the same, even with the same booking code or times', () => {
  expect(pairs({ kim: ev(24, 'Boatsetter booking: Kim Lee', 'Booking ID: BS-2002') }, { noor: ev(24, 'Boatsetter booking: Noor Haddad', 'Booking ID: BS-2002') })).toEqual({});
  expect(pairs({ kim: ev(24, 'Boatsetter booking: Kim Lee', 'Booking ID: BS-2002') }, { noor: ev(48, 'Boatsetter booking: Noor Haddad', 'Booking ID: BS-2002') })).toEqual({});
  // only spacing differs: the same summary
  expect(pairs({ old: ev(24, ' Boatsetter booking:  Kim Lee', 'Booking ID: BS-2002') }, { neu: ev(48, 'Boatsetter booking: Kim Lee', 'Booking ID: BS-2002') })).toEqual({ neu: 'old' });
});

// Review R1: "Booking: 4-hour cruise" reads as reference 4-hour, a year in a "Reservation:" line as
// 2026, a phone number under "Confirmation:" as that number: not booking codes.
it.each([
  ['an hour count', 'Booking: 4-hour cruise, 6 guests', 'Booking: 4-hour cruise, 2 guests'],
  ['a year', 'Reservation: Tue Dec 8 2026, 4pm-8pm, 6 guests', 'Reservation: Wed Dec 9 2026, 4pm-8pm, 2 guests'],
  ['a phone number', 'Confirmation: call 305-555-0142', 'Confirmation: call 305-555-0142'],
  ['a time range', 'Reservation: 10am-2pm', 'Reservation: 10am-2pm'],
])('a "reference" that is %s pairs nobody across a time change, nor two guests in one slot', (_name, kimText, noorText) => {
  expect(pairs({ kim: ev(24, 'Boatsetter booking: Kim Lee', kimText) }, { noor: ev(48, 'Boatsetter booking: Noor Haddad', noorText) })).toEqual({});
  expect(pairs({ kim: ev(24, 'Boatsetter booking: Kim Lee', kimText) }, { noor: ev(24, 'Boatsetter booking: Noor Haddad', noorText) })).toEqual({});
  // one guest's trip with such text moved and re-listed: missed (the old notices), never guessed
  expect(pairs({ old: ev(24, 'Boatsetter booking: Kim Lee', kimText) }, { neu: ev(48, 'Boatsetter booking: Kim Lee', kimText) })).toEqual({});
  // at its own times it is still the same trip
  expect(pairs({ old: ev(24, 'Boatsetter booking: Kim Lee', kimText) }, { neu: ev(24, 'Boatsetter booking: Kim Lee', kimText) })).toEqual({ neu: 'old' });
});

it('two references that differ are two bookings, even at the same times and summary; a numeric one pairs only at the same times', () => {
  expect(pairs({ old: ev(24, 'Boatsetter booking', 'Booking #123456') }, { neu: ev(24, 'Boatsetter booking', 'Booking #654321') })).toEqual({});
  expect(pairs({ old: ev(24, 'Boatsetter booking', 'Booking #123456') }, { neu: ev(24, 'Boatsetter booking', 'Booking #123456') })).toEqual({ neu: 'old' });
  expect(pairs({ old: ev(24, 'Boatsetter booking', 'Booking #123456') }, { neu: ev(30, 'Boatsetter booking', 'Booking #123456') })).toEqual({});
});

it('a booking code is letters then digits, not an hour count, year, phone, time or date', () => {
  for (const code of ['BS-48213', 'HMABC12345', 'bs 1000', '#GMB-2231', 'a9f0c1', 'SUNSEEKER-4411']) expect([code, isBookingCode(code)]).toEqual([code, true]);
  for (const not of ['4-hour', '2026', '305-555-0142', '10am-2pm', '123456', 'Dec19-2026', 'December-19-2026', 'SAT-1219', 'BS-12']) expect([not, isBookingCode(not)]).toEqual([not, false]);
});

it('only a live event that disappeared and a live one never seen: not a cancelled, ended or still listed one', () => {
  const trip = ev(24, 'Boatsetter booking');
  expect(pairs({ old: { ...trip, cancelled: true } }, { neu: trip })).toEqual({});
  expect(pairs({ old: { ...trip, startMs: NOW - 5 * H, endMs: NOW - H } }, { neu: { ...trip, startMs: NOW - 5 * H, endMs: NOW - H } })).toEqual({});
  expect(pairs({ old: trip }, { neu: { ...trip, cancelled: true } })).toEqual({});
  expect(pairs({ old: trip, neu: trip }, { neu: trip })).toEqual({});
});

it('copies of a repeated UID take no part, before or now', () => {
  const trip = ev(24, 'Boatsetter booking');
  expect(pairs({ dup: trip, 'dup|200': { ...ev(30, 'Boatsetter booking'), uid: 'dup' } }, { neu: trip })).toEqual({});
  expect(pairs({ old: trip }, { neu: trip, 'neu|9': { ...ev(30, 'Boatsetter booking'), uid: 'neu' } }, ['neu'])).toEqual({});
  // the old UID still listed (now as copies under other keys) has not disappeared
  expect(pairs({ old: trip }, { 'old|1': { ...ev(26, 'x'), uid: 'old' }, neu: trip })).toEqual({});
});

it('one to one, the new event at the old one\'s times first, in key order whatever the listing order', () => {
  const a = ev(24, 'Boatsetter booking', 'Booking ID: BS-3003');
  expect(pairs({ old: a }, { z: a, y: ev(30, 'Boatsetter booking', 'Booking ID: BS-3003') })).toEqual({ z: 'old' });
  const b = ev(24, 'Boatsetter booking');
  expect(pairs({ o2: b, o1: b }, { n2: b, n1: b, n3: b })).toEqual({ n1: 'o1', n2: 'o2' });
});
