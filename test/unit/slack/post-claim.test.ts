/**
 * The progress message's post claim, as pure rules: who may post, who waits, and when a claim is
 * free again. The processes racing over it are in test/integration/slack/progress-post-claim.test.ts.
 */
import { claimProgressPost, postClaimRule, progressPostClaim } from '../../../src/slack/progress/post-claim';

const rule = postClaimRule({ callTimeoutMs: 10_000, postDeadlineMs: 24_000 });
const refs = (progressClaim?: { owner: string; atMs: number }, progressTs?: string) => ({ channel: 'C0OPS00001', ...(progressClaim ? { progressClaim } : {}), ...(progressTs ? { progressTs } : {}) });

describe('postClaimRule', () => {
  it('bounds one post by PostOnce\'s deadline plus the one call that may start just before it, and keeps a claim for two posts', () => {
    expect(rule).toMatchObject({ postBoundMs: 24_000 + 10_000, ttlMs: 68_000 });
    expect(postClaimRule({ callTimeoutMs: 5_000, postDeadlineMs: 20_000 })).toMatchObject({ postBoundMs: 25_000, ttlMs: 50_000 });
  });
});

describe('progressPostClaim', () => {
  it('a stored progressTs wins over any claim', () => {
    expect(progressPostClaim(refs({ owner: 'B', atMs: 0 }, '1.2'), 'A', 1, rule)).toEqual({ kind: 'posted', ts: '1.2' });
  });

  it('nobody has claimed it: free', () => {
    expect(progressPostClaim(refs(), 'A', 1_000, rule)).toEqual({ kind: 'free' });
  });

  it('another live owner holds it until its claim lapses, then it is free', () => {
    const claim = { owner: 'B', atMs: 1_000 };
    expect(progressPostClaim(refs(claim), 'A', 1_000 + 68_000 - 1, rule)).toEqual({ kind: 'held', untilMs: 69_000 });
    expect(progressPostClaim(refs(claim), 'A', 1_000 + 68_000, rule)).toEqual({ kind: 'free' });
  });

  it('a holder known dead (same host, pid gone) holds nothing', () => {
    const withDead = { ...rule, ownerDead: (owner: string) => owner === 'B' };
    expect(progressPostClaim(refs({ owner: 'B', atMs: 1_000 }), 'A', 2_000, withDead)).toEqual({ kind: 'free' });
    expect(progressPostClaim(refs({ owner: 'C', atMs: 1_000 }), 'A', 2_000, withDead)).toEqual({ kind: 'held', untilMs: 69_000 });
  });

  it('a claim stamped by a clock an hour fast holds only until it has been seen unchanged for the claim time', () => {
    let mono = 0;
    const watched = postClaimRule({ callTimeoutMs: 10_000, postDeadlineMs: 24_000, monotonicNow: () => mono });
    const now = 1_000_000;
    const fast = refs({ owner: 'B', atMs: now + 3_600_000 });
    expect(progressPostClaim(fast, 'A', now, watched)).toMatchObject({ kind: 'held' });
    mono += 68_000;
    expect(progressPostClaim(fast, 'A', now + 68_000, watched)).toMatchObject({ kind: 'held' });
    mono += 1;
    expect(progressPostClaim(fast, 'A', now + 68_001, watched)).toEqual({ kind: 'free' });
    // A renewed claim (a live holder) is watched afresh.
    expect(progressPostClaim(refs({ owner: 'B', atMs: now + 3_640_000 }), 'A', now + 68_001, watched)).toMatchObject({ kind: 'held' });
  });

  it('its holder may post only while one whole post fits in what is left of the claim', () => {
    const claim = { owner: 'A', atMs: 0 };
    expect(progressPostClaim(refs(claim), 'A', 68_000 - 34_000, rule)).toEqual({ kind: 'mine' });
    expect(progressPostClaim(refs(claim), 'A', 68_000 - 34_000 + 1, rule)).toEqual({ kind: 'free' });
  });
});

describe('claimProgressPost', () => {
  it('takes a free claim, renews its own short one, and leaves a held or posted one alone', () => {
    expect(claimProgressPost(refs(), 'A', 5, rule)).toEqual(refs({ owner: 'A', atMs: 5 }));
    expect(claimProgressPost(refs({ owner: 'A', atMs: 0 }), 'A', 40_000, rule)).toEqual(refs({ owner: 'A', atMs: 40_000 }));
    expect(claimProgressPost(refs({ owner: 'A', atMs: 0 }), 'A', 1_000, rule)).toBeUndefined();
    expect(claimProgressPost(refs({ owner: 'B', atMs: 0 }), 'A', 1_000, rule)).toBeUndefined();
    expect(claimProgressPost(refs(undefined, '1.2'), 'A', 1_000, rule)).toBeUndefined();
  });
});
