/**
 * Which booking a feed event is about when several name its reference (review s47): after a request
 * expires unapproved the office makes a new one with the same reference, and a move or cancel of
 * the trip must reach the charter that holds the boat.
 */
import { DateTime } from 'luxon';
import type { BookingRequest } from '../../../src/booking/types';
import type { BookingState } from '../../../src/pipeline/types';
import { bookingForEvent, expiredRequestForEvent, refNamesEvent } from '../../../src/slack/intake/ical-state';

const LA = 'America/Los_Angeles';
const ms = (iso: string) => DateTime.fromISO(iso, { zone: LA }).toMillis();
const NOW = ms('2030-06-01T09:00');
const UID = 'bs-5150@boatsetter.com';
const EVENT = { startMs: ms('2030-06-10T10:00'), description: 'Booking ID: BS-5150' };

function booking(id: string, state: BookingState, date: string, extra: { expiredAtMs?: number } = {}) {
  const request: BookingRequest = { guestName: 'Kim Lee', date, departureTime: '10:00', durationHours: 4, platform: 'Boatsetter', platformRef: 'BS-5150' } as BookingRequest;
  return { id, state, request, ...(extra.expiredAtMs !== undefined ? { approvalNotices: { expiredAtMs: extra.expiredAtMs } } : {}) };
}

describe('bookingForEvent', () => {
  it('prefers a charter that was approved over a request with the same reference still awaiting approval, whatever the order', () => {
    const pending = booking('PENDING', 'pending_approval', '2030-06-10');
    for (const live of ['approved', 'running', 'done', 'failed'] as const) {
      const charter = booking('LIVE', live, '2030-06-10');
      expect(bookingForEvent([pending, charter], UID, EVENT, LA, 'Boatsetter', NOW)?.id).toBe('LIVE');
      expect(bookingForEvent([charter, pending], UID, EVENT, LA, 'Boatsetter', NOW)?.id).toBe('LIVE');
    }
  });

  it('never takes a cancelled booking or a request that expired unapproved, by reference or by time', () => {
    const cancelled = booking('CANCELLED', 'cancelled', '2030-06-10');
    const departed = booking('DEPARTED', 'pending_approval', '2030-05-31');
    const marked = booking('MARKED', 'pending_approval', '2030-06-10', { expiredAtMs: NOW - 1 });
    expect(bookingForEvent([cancelled, departed, marked], UID, EVENT, LA, 'Boatsetter', NOW)).toBeUndefined();
    // by time alone (no reference in the event)
    expect(bookingForEvent([cancelled, marked], 'other-uid', { startMs: EVENT.startMs }, LA, 'Boatsetter', NOW)).toBeUndefined();
    // a request awaiting approval whose departure is still ahead does hold the trip
    expect(bookingForEvent([departed, booking('WAITING', 'pending_approval', '2030-06-10')], UID, EVENT, LA, 'Boatsetter', NOW)?.id).toBe('WAITING');
  });
});

describe('expiredRequestForEvent', () => {
  it('names the expired request of the trip, and nothing for a booking that holds the boat', () => {
    const departed = booking('DEPARTED', 'pending_approval', '2030-05-31');
    expect(expiredRequestForEvent([departed], UID, EVENT, LA, 'Boatsetter', NOW)?.id).toBe('DEPARTED');
    expect(expiredRequestForEvent([booking('WAITING', 'pending_approval', '2030-06-10'), booking('LIVE', 'done', '2030-06-10')], UID, EVENT, LA, 'Boatsetter', NOW)).toBeUndefined();
  });
});

describe('refNamesEvent', () => {
  const named = (ref: string, description: string) => refNamesEvent(ref, 'uid-1@example.com', { startMs: 0, description });
  it('finds a reference only as a whole token, spaces and # inside it ignored', () => {
    expect(named('BS-1000', 'Booking ID: BS-1000')).toBe(true);
    expect(named('BS-1000', 'Booking ID: BS-10000')).toBe(false);
    expect(named('BS-1000', 'Booking ID: XBS-1000')).toBe(false);
    expect(named('bs 1000', 'Booking ID: BS-1000.')).toBe(false);
    expect(named('BS1000', 'ref BS 1000, 6 guests')).toBe(true);
    expect(named('#4242', 'Ref #4242')).toBe(true);
    expect(named('4242', 'Ref #42420')).toBe(false);
    expect(refNamesEvent('UID-1@example.com', 'uid-1@example.com', { startMs: 0 })).toBe(true);
  });
});
