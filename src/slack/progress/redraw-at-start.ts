/**
 * A progress message can be left showing an older state when its process stopped: the publisher's
 * queue lives in memory, so a crash, a kill, or a graceful stop whose drain Slack outlasted loses
 * the update that was due (the drain logs those bookings). Nothing else redraws a finished
 * booking's message: the sweeper resumes only bookings with work left. So a long-lived process, as
 * it starts, redraws the messages of finished bookings that changed in the last day. Each is a
 * cosmetic update (the workspace's token bucket paces them behind live bookings' updates) of
 * content rendered from the stored record: a message that was already right looks the same after.
 * Bookings with work left are not asked here: the sweeper resumes them, and their run redraws them.
 */
import type { Logger } from '../../log';
import type { BookingStore } from '../../pipeline/store';
import type { BookingState } from '../../pipeline/types';

/** How far back a stopped process's lost update can reach: a crash, or a Slack outage that outlasted a drain, and a restart the same day. */
export const REDRAW_CHANGED_WITHIN_MS = 24 * 3_600_000;

/** States a booking rests in with a progress message that no run will redraw. */
const RESTING_STATES: readonly BookingState[] = ['done', 'failed', 'cancelled'];

export interface RedrawAtStartDeps {
  store: Pick<BookingStore, 'listCurrent'>;
  /** The progress publisher's notify (a cosmetic update, read from the store when its turn comes). */
  notify: (bookingId: string) => void;
  log: Logger;
  nowMs: number;
  withinMs?: number;
}

/** Asks for the redraws; returns how many were asked. A store error is logged: the start goes on. */
export async function redrawRecentProgress(deps: RedrawAtStartDeps): Promise<number> {
  const since = deps.nowMs - (deps.withinMs ?? REDRAW_CHANGED_WITHIN_MS);
  try {
    const listed = await deps.store.listCurrent(RESTING_STATES, deps.nowMs);
    const recent = listed.filter((b) => b.slack.progressTs !== undefined && b.updatedAtMs >= since);
    for (const booking of recent) deps.notify(booking.id);
    if (recent.length > 0) deps.log.info({ bookings: recent.length }, 'redrawing the progress messages of bookings finished in the last day');
    return recent.length;
  } catch (err) {
    deps.log.warn({ err }, 'progress messages not redrawn at start; each is redrawn at its booking\'s next change');
    return 0;
  }
}
