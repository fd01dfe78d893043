/**
 * A token bucket: `capacity` sends at once, then one more every `refillEveryMs`. Slack's Tier 3
 * (chat.update) is "50+ per minute, short bursts tolerated" per workspace, which is exactly this
 * shape. Pure and clock-injected, so its arithmetic is unit-tested without timers.
 */
export interface TokenBucketOptions {
  capacity: number;
  refillEveryMs: number;
  now: () => number;
}

export class TokenBucket {
  private tokens: number;
  private updatedAtMs: number;

  constructor(private readonly opts: TokenBucketOptions) {
    this.tokens = opts.capacity;
    this.updatedAtMs = opts.now();
  }

  /** Tokens available now (fractional while refilling; negative after forced takes). */
  get available(): number {
    this.refill();
    return this.tokens;
  }

  /** Takes a token and returns 0, or returns how many ms until one is there (and takes none). */
  tryTake(): number {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.tokens) * this.opts.refillEveryMs);
  }

  /**
   * Takes a token whether or not one is there (a send that must not wait). The balance may go below
   * zero — at most one bucket's worth — so the sends that can wait make room for it afterwards.
   */
  force(): void {
    this.refill();
    this.tokens = Math.max(-this.opts.capacity, this.tokens - 1);
  }

  /** Returns a token taken for a send that sent nothing (never above capacity). */
  giveBack(): void {
    this.refill();
    this.tokens = Math.min(this.opts.capacity, this.tokens + 1);
  }

  private refill(): void {
    const now = this.opts.now();
    const elapsed = Math.max(0, now - this.updatedAtMs);
    this.updatedAtMs = now;
    this.tokens = Math.min(this.opts.capacity, this.tokens + elapsed / this.opts.refillEveryMs);
  }
}
