import { TokenBucket } from '../../../src/slack/progress/token-bucket';

function bucket(capacity = 3, refillEveryMs = 1000) {
  let now = 0;
  const b = new TokenBucket({ capacity, refillEveryMs, now: () => now });
  return { b, advance: (ms: number) => (now += ms) };
}

describe('TokenBucket', () => {
  it('allows a burst of `capacity`, then says how long until the next token', () => {
    const { b } = bucket(3, 1000);
    expect([b.tryTake(), b.tryTake(), b.tryTake()]).toEqual([0, 0, 0]);
    expect(b.tryTake()).toBe(1000);
  });

  it('refills one token per interval, never above capacity', () => {
    const { b, advance } = bucket(3, 1000);
    for (let i = 0; i < 3; i++) b.tryTake();
    advance(400);
    expect(b.tryTake()).toBe(600);
    advance(600);
    expect(b.tryTake()).toBe(0);
    advance(60_000);
    expect(b.available).toBe(3);
  });

  it('takes back a token given back by a send that sent nothing, up to capacity', () => {
    const { b } = bucket(2, 1000);
    b.tryTake();
    b.force();
    b.force();
    expect(b.available).toBe(-1);
    b.giveBack();
    expect(b.available).toBe(0);
    b.giveBack();
    b.giveBack();
    b.giveBack();
    expect(b.available).toBe(2);
  });

  it('lets a forced take go into debt (at most one bucket), which later takes wait out', () => {
    const { b, advance } = bucket(2, 1000);
    for (let i = 0; i < 6; i++) b.force();
    expect(b.available).toBe(-2);
    expect(b.tryTake()).toBe(3000);
    advance(3000);
    expect(b.tryTake()).toBe(0);
  });
});

describe('progress milestones', () => {
  // imported here: pure classification of the runner's events, next to the bucket it bypasses
  const { isMilestoneEvent } = jest.requireActual<typeof import('../../../src/slack/progress/publisher')>('../../../src/slack/progress/publisher');
  it('sends the guest page going live, a step failing for good, done and failed at once; the rest is cosmetic', () => {
    const id = 'B1';
    expect(isMilestoneEvent({ type: 'step_done', bookingId: id, step: 'guest_cache', result: {} })).toBe(true);
    expect(isMilestoneEvent({ type: 'step_done', bookingId: id, step: 'guest_page', result: {} })).toBe(false);
    expect(isMilestoneEvent({ type: 'step_started', bookingId: id, step: 'guest_cache', attempt: 1 })).toBe(false);
    const error = { message: 'x', code: 'X', retryable: true };
    expect(isMilestoneEvent({ type: 'step_failed', bookingId: id, step: 'scc_event', error, willRetry: true })).toBe(false);
    expect(isMilestoneEvent({ type: 'step_failed', bookingId: id, step: 'scc_event', error, willRetry: false })).toBe(true);
    expect(isMilestoneEvent({ type: 'booking_done', bookingId: id })).toBe(true);
    expect(isMilestoneEvent({ type: 'booking_failed', bookingId: id, failedSteps: ['scc_event'] })).toBe(true);
  });
});
