/** Booking fixtures and fast-check arbitraries shared by tests. */
import fc from 'fast-check';
import { localDateTime } from '../../src/booking/time';
import type { BookingRequest, RosterMember } from '../../src/booking/types';
import type { Rates } from '../../src/config';

export const RATES: Rates = { crewRateCentsPerHour: 2500, captainRateCentsPerHour: 5000, portFeeBasisPoints: 1800, checkInLeadMinutes: 30 };

/** The operator's own worked example: 2 crew × $25 × 5 h, captain $50 × 3 h, $1,200 charter. */
export function sampleRequest(overrides: Partial<BookingRequest> = {}): BookingRequest {
  return {
    guestName: 'Maria Delgado',
    guestEmail: 'maria@example.com',
    guestPhone: '+1 619 555 0100',
    date: '2030-07-04',
    departureTime: '16:00',
    durationHours: 5,
    partySize: 6,
    priceCents: 120000,
    captain: 'U0CAPTAIN1',
    crew: ['U0CREW0001', 'U0CREW0002'],
    crewHours: 5,
    captainHours: 3,
    boatsetterRef: 'BS-48213',
    notes: 'Birthday; guest pays $1,200 — net after fees $584',
    ...overrides,
  };
}

export const sampleRoster: RosterMember[] = [
  { slackUserId: 'U0CAPTAIN1', name: 'Sam Ortiz', email: 'sam@example.com', role: 'captain' },
  { slackUserId: 'U0CREW0001', name: 'Lee Park', email: 'lee@example.com', role: 'crew' },
  { slackUserId: 'U0CREW0002', name: 'Ana Cruz', email: 'ana@example.com', role: 'crew' },
];

const halfHours = (min: number, max: number) => fc.integer({ min: min * 2, max: max * 2 }).map((n) => n / 2);
const slackId = fc.stringMatching(/^U[A-Z0-9]{8}$/);

/**
 * Requests the booking form would accept: a wall time the clocks skip in the operator's zone (2:30 AM
 * on a spring-forward Sunday) is refused there (schema.ts), so a generated one tested nothing real
 * and failed the approval's departure check instead.
 */
export const bookingRequestArb: fc.Arbitrary<BookingRequest> = fc
  .record({
    guestName: fc.stringMatching(/^[A-Z][a-z]{1,12}( [A-Z][a-z'-]{1,15}){0,2}$/),
    guestEmail: fc.constant('guest@example.com'),
    date: fc.date({ min: new Date('2030-01-01'), max: new Date('2031-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
    departureTime: fc.tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45)).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`),
    durationHours: halfHours(0.5, 12),
    partySize: fc.integer({ min: 1, max: 6 }),
    priceCents: fc.integer({ min: 1, max: 100_000_00 }),
    captain: slackId,
    crew: fc.uniqueArray(slackId, { maxLength: 10 }),
    crewHours: halfHours(0, 24),
    captainHours: halfHours(0, 24),
  })
  .filter((r) => localDateTime(r.date, r.departureTime, 'America/Los_Angeles').isValid);
