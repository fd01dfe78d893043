/**
 * Leases carry wall-clock expiries, which two processes only agree on while their clocks do. An
 * observer whose clock stepped back an hour (or a holder whose clock ran an hour fast before it
 * died) sees a lease that "ends" an hour away, and the holder's steps would wait that hour to be
 * taken over. The watch judges a foreign lease by this process's monotonic clock instead: a live
 * holder renews its lease (every leaseMs/3) or replaces it at each attempt, so a lease seen
 * unchanged for longer than any lease is ever granted has been left by its holder, whatever the
 * wall clocks say. It can only take over later than an honest expiry, never earlier: the lease
 * was granted before it was first seen here.
 */
import type { OwnerDead } from './state-machine';
import type { StepLease } from './types';

/** First sightings kept; a lease forgotten early is only watched again from scratch (later takeover). */
const MAX_WATCHED = 10_000;

export class LeaseWatch {
  private readonly firstSeen = new Map<string, number>();

  /**
   * @param longestLeaseMs the longest lease any process sharing the store grants (runner: leaseMs plus the
   *   longest backoff it holds a lease over)
   * @param monotonicNow a clock that never steps (default performance.now)
   */
  constructor(
    private readonly longestLeaseMs: number,
    private readonly monotonicNow: () => number = () => performance.now(),
    private readonly maxWatched = MAX_WATCHED,
  ) {}

  /** Whether `lease` has been seen unchanged here for longer than any lease lasts. */
  outlived(lease: StepLease): boolean {
    const key = `${lease.owner}\u0000${lease.leaseExpiresAtMs}`;
    const now = this.monotonicNow();
    const seen = this.firstSeen.get(key);
    if (seen !== undefined) return now - seen > this.longestLeaseMs;
    if (this.firstSeen.size >= this.maxWatched) this.firstSeen.delete(this.firstSeen.keys().next().value ?? '');
    this.firstSeen.set(key, now);
    return false;
  }

  get size(): number {
    return this.firstSeen.size;
  }
}

/**
 * `ownerDead` widened with the watch: a holder known dead on this host, or one whose lease outlived
 * every lease's length here. Our own leases are never judged (this process knows it is alive).
 */
export function ownerDeadOrLeaseOutlived(selfOwnerId: string, watch: LeaseWatch, ownerDead?: OwnerDead): OwnerDead {
  return (owner, lease) => {
    if (owner === selfOwnerId) return false;
    if (ownerDead?.(owner, lease)) return true;
    return lease !== undefined && watch.outlived(lease);
  };
}
