/**
 * Sends that Slack turned away (429) come back one at a time per line, in the order they were
 * turned away, instead of all at once. Slack takes about one post a second per channel: a hundred
 * progress messages retrying on their own would win nearly every slot in the ops channel, and the
 * crew step's "Crew called" line there, whose step has a one-minute budget, would rarely get one.
 * A line costs nothing until a 429: the first try never waits in it.
 */
export class RetryLine {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Waits until the sends turned away before this one in `line` are done, then until
   * `notBeforeMs` (Slack's Retry-After). Returns the release to call when this send is done, or
   * undefined when its turn did not come by `giveUpAtMs` (it has left the line then).
   */
  async turn(line: string, notBeforeMs: number, giveUpAtMs: number): Promise<(() => void) | undefined> {
    const ahead = this.tails.get(line) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    // Whoever comes next waits for everyone ahead and for this send, even if this one leaves early.
    const tail = ahead.then(() => mine);
    this.tails.set(line, tail);
    void tail.then(() => {
      if (this.tails.get(line) === tail) this.tails.delete(line);
    });
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = await Promise.race([
      ahead.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), Math.max(0, giveUpAtMs - this.now())).unref())),
    ]);
    clearTimeout(timer);
    if (gaveUp) {
      release();
      return undefined;
    }
    // Timers run on a monotonic clock and may fire a millisecond before now() says: wait again until it agrees.
    for (let waitMs = Math.min(notBeforeMs, giveUpAtMs) - this.now(); waitMs > 0; waitMs = Math.min(notBeforeMs, giveUpAtMs) - this.now()) {
      await new Promise((resolve) => setTimeout(resolve, waitMs).unref());
    }
    return release;
  }

  /** Lines with sends waiting or under way (tests). */
  get size(): number {
    return this.tails.size;
  }
}
