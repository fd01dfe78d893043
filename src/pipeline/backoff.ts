/** Retry delays: exponential backoff with full jitter, never sooner than a server's Retry-After. */

export interface BackoffPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Delay before attempt `attempt + 1` after `attempt` failed (1-based). Full jitter spreads
 * processes that failed together; Retry-After is honoured up to `maxDelayMs` so one slow
 * server cannot park a step for an hour, and the jitter goes on top of it: callers a rate limit
 * turned away together are told the same Retry-After, and would otherwise all return at once.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number, retryAfterMs?: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.floor(random() * ceiling);
  return retryAfterMs === undefined ? jittered : Math.min(retryAfterMs, policy.maxDelayMs) + jittered;
}
