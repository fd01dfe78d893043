/** The lease watch: pure logic on an injected monotonic clock. */
import { LeaseWatch, ownerDeadOrLeaseOutlived } from '../../../src/pipeline/lease-watch';

function clock() {
  let t = 1_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const HOUR = 3_600_000;

describe('LeaseWatch', () => {
  it('calls a lease outlived only once it has been seen unchanged for longer than the longest lease', () => {
    const c = clock();
    const watch = new LeaseWatch(500, c.now);
    // A lease that reads an hour away: its holder's clock and ours disagree.
    const lease = { owner: 'other-host-1-0badf00d', leaseExpiresAtMs: Date.now() + HOUR };
    expect(watch.outlived(lease)).toBe(false);
    c.advance(500);
    expect(watch.outlived(lease)).toBe(false);
    c.advance(1);
    expect(watch.outlived(lease)).toBe(true);
  });

  it('starts again for a renewed lease: a live holder is never judged dead', () => {
    const c = clock();
    const watch = new LeaseWatch(500, c.now);
    let expiry = Date.now() + HOUR;
    for (let i = 0; i < 20; i++) {
      expect(watch.outlived({ owner: 'B', leaseExpiresAtMs: expiry })).toBe(false);
      c.advance(400);
      expiry += 400; // renewed, as the holder's heartbeat does
    }
  });

  it('keeps at most maxWatched first sightings; a forgotten one is watched from scratch (later, never earlier)', () => {
    const c = clock();
    const watch = new LeaseWatch(100, c.now, 3);
    const first = { owner: 'B', leaseExpiresAtMs: 1 };
    watch.outlived(first);
    for (let i = 2; i <= 4; i++) watch.outlived({ owner: 'B', leaseExpiresAtMs: i });
    expect(watch.size).toBe(3);
    c.advance(1_000);
    // `first` was dropped to make room: seen again now for the first time.
    expect(watch.outlived(first)).toBe(false);
    expect(watch.outlived({ owner: 'B', leaseExpiresAtMs: 4 })).toBe(true);
  });
});

describe('ownerDeadOrLeaseOutlived', () => {
  it('never judges our own lease, asks the host check first, then the watch', () => {
    const c = clock();
    const watch = new LeaseWatch(100, c.now);
    const dead = ownerDeadOrLeaseOutlived('A', watch, (owner) => owner === 'crashed');
    const far = Date.now() + HOUR;
    expect(dead('crashed', { owner: 'crashed', leaseExpiresAtMs: far })).toBe(true);
    expect(dead('A', { owner: 'A', leaseExpiresAtMs: far })).toBe(false);
    expect(dead('B', { owner: 'B', leaseExpiresAtMs: far })).toBe(false);
    c.advance(101);
    expect(dead('B', { owner: 'B', leaseExpiresAtMs: far })).toBe(true);
    c.advance(10_000);
    expect(dead('A', { owner: 'A', leaseExpiresAtMs: far })).toBe(false);
    expect(watch.size).toBe(1);
  });
});
