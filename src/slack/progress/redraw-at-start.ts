/**
 * A progress message can be left showing an older state when its process stopped: the publisher's
 * queue lives in memory, so a crash, a kill, or a graceful stop whose drain Slack outlasted loses
 * the update that was due (the drain logs those bookings). Nothing else redraws a finished
 * booking's message on a server: the sweeper resumes only bookings with work left (on Lambda, which
 * has no start, the minute tick redraws those marked behind: ./redraw-stale.ts). So a long-lived process, as
 * it starts, redraws the messages of finished bookings that changed in the last day, and posts
 * those a stopped process never managed to post. Each is a cosmetic update of the lowest priority:
 * it takes a token of the workspace's bucket only while no other update waits for one
 * (./publisher.ts), so a live booking's updates do not queue behind a start with many to redraw;
 * Slack's 429s pace it as any send. Its content is rendered from the stored record: a message
 * that was already right looks the same after; one someone deleted is posted anew, as the
 * publisher does at any update. Bookings with work left are not asked here: the sweeper resumes
 * them, and their run redraws them.
 */
import type { Logger } from '../../log';
import type { BookingStore } from '../../pipeline/store';
import { hasProgressMessage, RESTING_STATES } from './drawn-mark';

/** How far back a stopped process's lost update can reach: a crash, or a Slack outage that outlasted a drain, and a restart the same day. */
export const REDRAW_CHANGED_WITHIN_MS = 24 * 3_600_000;

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
    // A message never posted (Slack refused the post until the process stopped) has a claim and no
    // ts: the publisher posts it, once the claim is free, looking for an earlier post first.
    const recent = listed.filter((b) => hasProgressMessage(b) && b.updatedAtMs >= since);
    for (const booking of recent) deps.notify(booking.id);
    if (recent.length > 0) deps.log.info({ bookings: recent.length }, 'redrawing the progress messages of bookings finished in the last day');
    return recent.length;
  } catch (err) {
    deps.log.warn({ err }, 'progress messages not redrawn at start; each is redrawn at its booking\'s next change');
    return 0;
  }
}
