/**
 * Work every process does on a clock, not only at start-up: resume bookings whose run stalled
 * (the sweeper), send due crew reminders, poll iCal feeds, re-surface stale approvals. A long-lived
 * process runs each task on its own interval; on Lambda an EventBridge schedule calls runOnce().
 * Tasks must be safe to run in several processes at once (they claim their work in the store).
 */
import type { Logger } from '../log';

export interface PeriodicTask {
  /** Stable name for logs, e.g. "sweeper". */
  name: string;
  /** How often a long-lived process runs it. */
  everyMs: number;
  run(nowMs: number): Promise<void>;
}

export class PeriodicScheduler {
  private readonly timers: NodeJS.Timeout[] = [];
  /** One run per task at a time: a slow tick is skipped over, never stacked. */
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly tasks: readonly PeriodicTask[],
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    for (const task of this.tasks) {
      const timer = setInterval(() => void this.runTask(task), task.everyMs);
      timer.unref();
      this.timers.push(timer);
    }
  }

  /** Every task once, concurrently; errors are logged, never thrown (Lambda schedule, tests). */
  async runOnce(): Promise<void> {
    await Promise.all(this.tasks.map((t) => this.runTask(t)));
  }

  async stop(): Promise<void> {
    for (const t of this.timers.splice(0)) clearInterval(t);
    await Promise.allSettled([...this.running.values()]);
  }

  private runTask(task: PeriodicTask): Promise<void> {
    const inflight = this.running.get(task.name);
    if (inflight) return inflight;
    const run = task
      .run(this.now())
      .catch((err: unknown) => this.log.warn({ err, task: task.name }, 'periodic task failed; it runs again next tick'))
      .finally(() => this.running.delete(task.name));
    this.running.set(task.name, run);
    return run;
  }
}
