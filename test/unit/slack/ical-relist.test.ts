/** relistedTrips: which event that disappeared is the same trip as one that appeared under a new UID in the same poll. */
import type { KnownEvent } from '../../../src/slack/intake/ical-state';
import { relistedTrips } from '../../../src/slack/intake/ical-relist';

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

it('a reference on one side only is not the same trip', () => {
  expect(pairs({ old: ev(24, 'Boatsetter booking', 'Booking ID: BS-2002') }, { neu: ev(24, 'Boatsetter booking') })).toEqual({});
  expect(pairs({ old: ev(24, 'Boatsetter booking') }, { neu: ev(24, 'Boatsetter booking', 'Booking ID: BS-2002') })).toEqual({});
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
