/**
 * At most `limit` pipeline runs at once in one process; the rest wait in FIFO order. A burst of
 * approvals then costs the event loop a bounded amount of work at a time, so the Bolt receiver
 * keeps answering Slack within its 3 s (an approval is acked before its run is queued).
 */
export class RunQueue {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`RunQueue limit must be a positive integer, got ${limit}`);
  }

  get size(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.length };
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      // Hand the slot straight to the next run (active stays the same), on a later turn of the
      // event loop so pending I/O — Slack requests among it — goes first.
      if (next) setImmediate(next);
      else this.active -= 1;
    }
  }
}
