/** How long a crew post taken over from a fenced holder is looked for before it counts as absent (crew-notice.ts). */
import { takenOverCallsEndByMs } from '../../../src/slack/crew-notice';

const NOW = 1_796_000_000_000;
const CALL_MS = 10_000;

describe('takenOverCallsEndByMs', () => {
  it('a step not taken over waits for nobody', () => {
    expect(takenOverCallsEndByMs({}, CALL_MS, NOW)).toBeUndefined();
  });

  it("the earlier holder's last call ends one call's deadline after the takeover", () => {
    expect(takenOverCallsEndByMs({ takenOverAtMs: NOW - 3000 }, CALL_MS, NOW)).toBe(NOW + 7000);
  });

  it('a takeover that long ago is waited for no more (a later attempt, a Retry)', () => {
    expect(takenOverCallsEndByMs({ takenOverAtMs: NOW - CALL_MS }, CALL_MS, NOW)).toBeUndefined();
    expect(takenOverCallsEndByMs({ takenOverAtMs: NOW - 3_600_000 }, CALL_MS, NOW)).toBeUndefined();
  });

  it('a takeover dated ahead (a wall clock stepped back since) holds the posts no longer than one call', () => {
    expect(takenOverCallsEndByMs({ takenOverAtMs: NOW + 3_600_000 }, CALL_MS, NOW)).toBe(NOW + CALL_MS);
  });
});
