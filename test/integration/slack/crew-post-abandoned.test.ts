/**
 * A crew call still in flight when its step attempt's deadline fires: the WebClient cannot cancel
 * the call, so Slack may store the message after the attempt was given up. The next attempt must
 * not prove it absent too early and post again: it waits for that call to end, then finds the
 * message by its metadata and adopts it.
 */
import { clickInOps, CREW, settle, startHarness, submitBooking, waitForBooking, type Harness } from './harness';

const LEE = CREW[0];
let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    // The attempt is cut at 900 ms; the call itself may take up to 3 s.
    env: { CHARTER_STEP_TIMEOUT_MS: '900', CHARTER_CALL_TIMEOUT_MS: '3000' },
    deps: { crewPostOnce: { settleMs: 200, lookupPauseMs: 50, deadlineMs: 8000 }, runner: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 } },
  });
});
afterAll(async () => h.close());

type Payload = Record<string, unknown>;
const payloadOf = (m: { metadata?: unknown }): Payload => ((m.metadata as { event_payload?: Payload } | undefined)?.event_payload ?? {});

it("a post its attempt's deadline abandoned lands once: the next attempt waits for it and adopts what it stored", async () => {
  const id = await submitBooking(h);
  // Lee's crew call reaches Slack, is stored 1.1 s later and answered at 1.5 s: after the 0.9 s deadline.
  h.slack.loseNext('chat.postMessage', 1, { effect: 1100, answer: { afterMs: 1500 }, when: (b) => payloadOf(b).booking_id === id && payloadOf(b).post === 'crew_call' && payloadOf(b).to === LEE });
  await clickInOps(h, 'booking_approve', id);
  const done = await waitForBooking(h, id, (b) => b.state === 'done' || b.state === 'failed', 20_000);
  await settle(h);
  await h.slack.lateEffectsLanded(); // a second post would show now

  expect(done.state).toBe('done');
  expect(done.steps.crew_notice.attempts).toBeGreaterThan(1); // the first attempt was cut off
  const lee = h.slack.messages().filter((m) => payloadOf(m).booking_id === id && payloadOf(m).post === 'crew_call' && payloadOf(m).to === LEE);
  expect(lee).toHaveLength(1);
  expect(done.slack.crewPosts?.[LEE]?.ts).toBe(lee[0]?.ts);
});
