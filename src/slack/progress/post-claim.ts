/**
 * Who may post a booking's progress message. Slack has no idempotency key for chat.postMessage, so
 * two processes that both find no `progressTs` would both post, and the thread would show two
 * progress messages: on Lambda the Slack function (after Approve) and a pipeline function (its
 * first step event) do exactly that. So the first post is claimed in the booking's record with a
 * compare-and-set (`slack.progressClaim`), and only the claim's holder posts; everyone else waits
 * for the `progressTs` it stores, and updates that message.
 *
 * A claim is a lease: a holder that died leaves it to expire (or to `ownerDead`, on one host). A
 * holder posts only while at least `postBoundMs` (the longest one post can take: PostOnce's
 * deadline, within which it may look up and post again, plus the last call's own) of its lease is
 * left, renewing it first otherwise, so a post that lands late has still landed before anyone else
 * may claim. Whoever takes a claim over looks the message up before posting (publisher.ts).
 */
import { LeaseWatch } from '../../pipeline/lease-watch';
import type { OwnerDead } from '../../pipeline/state-machine';
import type { SlackRefs } from '../../pipeline/types';

export interface PostClaimRule {
  /** How long a claim keeps others from posting. */
  ttlMs: number;
  /** The longest one post can take (PostOnce's deadline plus one call's); a holder starts one only with this much lease left. */
  postBoundMs: number;
  /** Same-host stores: a claim whose process is gone is free at once. */
  ownerDead?: OwnerDead;
  /**
   * Another's claim seen unchanged for longer than `ttlMs` on this process's monotonic clock is free,
   * whatever its stamp reads: one stamped by a clock an hour fast would otherwise hold the thread's
   * progress message for that hour (lease-watch.ts).
   */
  watch?: LeaseWatch;
}

export type PostClaimView =
  /** The message exists: update it. */
  | { kind: 'posted'; ts: string }
  /** This owner holds the claim with enough lease left: post. */
  | { kind: 'mine' }
  /** Another live owner holds it: wait for its progressTs, or for the claim to lapse at `untilMs`. */
  | { kind: 'held'; untilMs: number }
  /** Nobody holds it (never claimed, lapsed, holder dead, or ours with too little lease left): claim it. */
  | { kind: 'free' };

export interface PostClaimTimes {
  /** One Slack call's own deadline. */
  callTimeoutMs: number;
  /** PostOnce's deadline: it may look up and post again until then, and starts no call after it. */
  postDeadlineMs: number;
  ownerDead?: OwnerDead;
  /** The clock `watch` measures how long a claim has been seen unchanged by (tests set it). */
  monotonicNow?: () => number;
}

/**
 * Two owners' posts never overlap: a claim is taken only once the previous holder's last post must
 * have ended. One post ends at the latest one call after PostOnce's deadline (its last call may
 * start just before it), so its bound is `postDeadlineMs + callTimeoutMs`.
 */
export function postClaimRule(times: PostClaimTimes): PostClaimRule {
  const { callTimeoutMs, postDeadlineMs, ownerDead, monotonicNow } = times;
  const postBoundMs = postDeadlineMs + callTimeoutMs;
  const ttlMs = 2 * postBoundMs;
  return { ttlMs, postBoundMs, ...(ownerDead ? { ownerDead } : {}), watch: new LeaseWatch(ttlMs, monotonicNow) };
}

export function progressPostClaim(slack: SlackRefs, owner: string, nowMs: number, rule: PostClaimRule): PostClaimView {
  if (slack.progressTs) return { kind: 'posted', ts: slack.progressTs };
  const claim = slack.progressClaim;
  if (!claim) return { kind: 'free' };
  const untilMs = claim.atMs + rule.ttlMs;
  if (claim.owner === owner) return untilMs - nowMs >= rule.postBoundMs ? { kind: 'mine' } : { kind: 'free' };
  if (nowMs < untilMs && !rule.ownerDead?.(claim.owner) && !rule.watch?.outlived({ owner: claim.owner, leaseExpiresAtMs: untilMs })) return { kind: 'held', untilMs };
  return { kind: 'free' };
}

/** The compare-and-set's mutation: the claim taken (or renewed) by `owner`, or undefined when it is not free. */
export function claimProgressPost(slack: SlackRefs, owner: string, nowMs: number, rule: PostClaimRule): SlackRefs | undefined {
  if (progressPostClaim(slack, owner, nowMs, rule).kind !== 'free') return undefined;
  return { ...slack, progressClaim: { owner, atMs: nowMs } };
}
