/**
 * Lambda's answer to ./redraw-at-start.ts: the one-minute tick redraws the progress messages of
 * bookings that finished in the last day and whose drawn mark is behind (./drawn-mark.ts) — a lost
 * final update, a post Slack refused until its invocation stopped, a booking that finished before
 * marks were written. A message already drawn is left alone, so a quiet tick makes no Slack call.
 *
 * At most `maxPerTick` a tick, the most recently changed first: each is a redraw of the lowest
 * priority, as at a server's start (it takes a workspace token only while no live update waits for
 * one: ./publisher.ts), and the tick's invocation waits for them (its settle), so a day of unmarked
 * bookings after the first deploy is spread over a few minutes instead of one long tick.
 * The listing is the one every minute task makes (the store's current index); the check is a
 * comparison of two numbers in each record.
 */
import type { Logger } from '../../log';
import type { PeriodicTask } from '../../pipeline/periodic';
import type { BookingStore } from '../../pipeline/store';
import { hasProgressMessage, redrawDue, RESTING_STATES } from './drawn-mark';
import { REDRAW_CHANGED_WITHIN_MS } from './redraw-at-start';

/** About 20 s of the workspace's cosmetic updates (5 at once, then one each 1.2 s). */
export const REDRAW_STALE_PER_TICK = 20;

export interface RedrawStaleDeps {
  store: Pick<BookingStore, 'listCurrent'>;
  /**
   * The progress publisher's notify, as a redraw tried once (read from the store when its turn
   * comes): this tick's invocation does not wait out a backoff, the next tick asks again.
   */
  notify: (bookingId: string) => void;
  log: Logger;
  withinMs?: number;
  maxPerTick?: number;
}

/** Asks for the redraws of finished bookings whose message is behind; returns how many. */
export async function redrawStaleProgress(deps: RedrawStaleDeps, nowMs: number): Promise<number> {
  const since = nowMs - (deps.withinMs ?? REDRAW_CHANGED_WITHIN_MS);
  const listed = await deps.store.listCurrent(RESTING_STATES, nowMs);
  const behind = listed
    .filter((b) => b.updatedAtMs >= since && hasProgressMessage(b) && redrawDue(b, nowMs))
    .sort((a, b) => b.updatedAtMs - a.updatedAtMs);
  const asked = behind.slice(0, deps.maxPerTick ?? REDRAW_STALE_PER_TICK);
  for (const booking of asked) deps.notify(booking.id);
  if (asked.length > 0) deps.log.info({ bookingIds: asked.map((b) => b.id), behind: behind.length }, 'redrawing progress messages a stopped invocation left behind');
  return asked.length;
}

/** The periodic task (Lambda's schedule runs it every minute; a store error is logged by the scheduler). */
export function redrawStaleTask(deps: RedrawStaleDeps): PeriodicTask {
  return {
    name: 'progress-redraw',
    everyMs: 60_000,
    run: async (nowMs) => {
      await redrawStaleProgress(deps, nowMs);
    },
  };
}
