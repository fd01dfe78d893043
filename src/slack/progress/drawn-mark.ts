/**
 * On Lambda a progress update can be lost with nobody left to notice: an invocation that timed out,
 * or was frozen or killed, after the booking's last state write and before Slack took the update,
 * leaves the thread showing steps running for good, and no long-lived process starts to redraw it
 * (./redraw-at-start.ts). So there, each draw of a finished booking (done, failed, cancelled) is
 * followed by a mark in its record: the version it was drawn from, written only while that is
 * still the stored version and in a write of its own (BookingService.markProgressDrawn), so the
 * mark write is the record's next version and carries no change the message has not shown. A finished booking whose version is anything but the mark's next one changed after
 * its last draw, or was never drawn since finishing: the one-minute tick redraws it
 * (./redraw-stale.ts).
 *
 * A draw that fails is not marked. Slack refusing it until someone acts (an archived channel, the
 * bot removed, a revoked token), or the tick's own redraw failing TICK_FAILURES_BEFORE_HOURLY times
 * (an error no retry has fixed), is recorded beside the mark (SlackRefs.progressUndrawn): the tick
 * then tries it once an hour, within its day, so a channel someone fixed heals without a minute's
 * call to Slack for each stuck booking meanwhile.
 *
 * A mark per draw of a finished booking, not per update: the runs' own updates go unmarked, and a
 * finished booking is drawn about once (its final milestone). Not written on a long-lived server,
 * which redraws at start instead and whose store calls the benchmark counts.
 */
import { isDeepStrictEqual } from 'node:util';
import type { BookingRecord, BookingState } from '../../pipeline/types';

/** States a booking rests in with a progress message that no run will redraw. */
export const RESTING_STATES: readonly BookingState[] = ['done', 'failed', 'cancelled'];

/** Has a progress message, or a post of one that Slack refused until its process stopped (a claim without a ts). */
export function hasProgressMessage(b: BookingRecord): boolean {
  return b.slack.progressTs !== undefined || (b.slack.approvalTs !== undefined && b.slack.progressClaim !== undefined);
}

/** The last write was the mark of a draw of the write before it: the message shows the record as it is. */
export function drawnUpToDate(b: BookingRecord): boolean {
  return b.slack.progressDrawn !== undefined && b.slack.progressDrawn === b.version - 1;
}

/** Whether a draw of `b` is worth marking: a finished booking, not already marked as drawn. */
export function worthMarking(b: BookingRecord): boolean {
  return RESTING_STATES.includes(b.state) && !drawnUpToDate(b);
}

/** The record without what a draw of its message never shows: its own refs (claim, ts) and what every write changes; as stored (JSON). */
function shownPart(b: BookingRecord): unknown {
  return JSON.parse(JSON.stringify({ ...b, version: 0, updatedAtMs: 0, writeToken: undefined, slack: { ...b.slack, progressClaim: undefined, progressTs: undefined } }));
}

/**
 * `after` is the write right after `before` and changed only the progress message's own refs (the
 * post's claim, its saved ts): a message drawn from `before` shows `after` too, and may be marked
 * at its version. A write the runner joined with another change (its group commit) is not.
 */
export function onlyProgressRefsChanged(before: BookingRecord, after: BookingRecord): boolean {
  return after.version === before.version + 1 && isDeepStrictEqual(shownPart(before), shownPart(after));
}

/** A tick's redraws of one booking that may fail in a row before it is tried only hourly. */
export const TICK_FAILURES_BEFORE_HOURLY = 3;

/** How often the tick tries a booking whose draw Slack refused, or which failed its tries. */
export const UNDRAWN_RETRY_EVERY_MS = 60 * 60_000;

/** Whether the tick asks for `b`'s redraw now: behind, and not resting after failed draws. */
export function redrawDue(b: BookingRecord, nowMs: number): boolean {
  if (drawnUpToDate(b)) return false;
  const undrawn = b.slack.progressUndrawn;
  if (!undrawn || (!undrawn.refused && undrawn.ticks < TICK_FAILURES_BEFORE_HOURLY)) return true;
  return nowMs - undrawn.atMs >= UNDRAWN_RETRY_EVERY_MS;
}
