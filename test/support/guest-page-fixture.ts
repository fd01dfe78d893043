/** A realistic booking and operator for guest page tests. Values are fake. */
import { loadConfig, type OperatorDetails } from '../../src/config';
import type { GuestPageSource, GuestPageSettings } from '../../src/integrations/guest-page/view';
import { validEnv } from './env';

export function defaultOperator(): OperatorDetails {
  const result = loadConfig(validEnv());
  if (!result.ok) throw new Error(`test env invalid: ${result.problems.join('; ')}`);
  return result.config.operator;
}

/** 2026-11-24T15:00:00Z, before the sample charter (Sat, Dec 5, 2026, 4:00 PM PST). */
export const SAMPLE_AS_OF_MS = Date.parse('2026-11-24T15:00:00Z');

export function sampleSource(overrides: Partial<GuestPageSource> = {}): GuestPageSource {
  return {
    sessionId: '7K3M9QX2TB4D',
    guestFullName: 'Maria Lopez',
    guestUrl: 'https://queenofsandiego.com/g/7K3M9QX2TB4D',
    // Eleven days before the charter: the page of a trip still ahead.
    asOfMs: SAMPLE_AS_OF_MS,
    request: {
      guestName: 'Maria Lopez',
      guestEmail: 'maria.lopez@example.com',
      guestPhone: '+1 619 555 0100',
      date: '2026-12-05',
      departureTime: '16:00',
      durationHours: 5,
      partySize: 6,
      priceCents: 185_000,
      captain: 'U0CAPTAIN1',
      crew: ['U0DECKHND1'],
      crewHours: 6,
      captainHours: 6,
      boatsetterRef: 'BS-44821',
      notes: 'Birthday — guest paid $1,850',
    },
    roster: [
      { slackUserId: 'U0CAPTAIN1', name: 'Sam Whitaker', email: 'sam.whitaker@crew.example', role: 'captain' },
      { slackUserId: 'U0DECKHND1', name: 'Lee Park', email: 'lee.park@crew.example', role: 'crew' },
    ],
    ...overrides,
  };
}

export function sampleSettings(operator: Partial<OperatorDetails> = {}): GuestPageSettings {
  return { timezone: 'America/Los_Angeles', checkInLeadMinutes: 30, operator: { ...defaultOperator(), ...operator } };
}
