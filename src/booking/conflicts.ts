/**
 * Double-booking checks, pure. The operator runs one vessel, so any other charter whose time on the
 * water (departure → return) overlaps is a vessel conflict; a person is double-booked when their
 * working windows (check-in → return) overlap. Windows are half-open: one charter returning at 3:00
 * and the next leaving at 3:00 touch and do not conflict; one minute of overlap does. Used before
 * approval and, by change requests, before a reschedule or crew swap.
 */

export interface CharterWindow {
  /** Booking id, or the iCal event's UID for a busy block not in the store. */
  id: string;
  source: 'booking' | 'ical';
  /** Departure and return, epoch ms. */
  startMs: number;
  endMs: number;
  /** Check-in: when the crew's working window starts (default startMs). */
  checkInMs?: number;
  /** Slack user ids aboard: the captain and crew (empty for an iCal busy block). */
  captain?: string;
  crew?: readonly string[];
  /** "Boatsetter" for a feed's block. */
  label?: string;
}

export type ConflictKind = 'vessel' | 'captain' | 'crew';

export interface Conflict {
  kind: ConflictKind;
  other: CharterWindow;
  /** For captain/crew conflicts: who is on both. */
  userId?: string;
}

/** Half-open [start, end) windows overlap by at least a millisecond. */
export function overlaps(a: { startMs: number; endMs: number }, b: { startMs: number; endMs: number }): boolean {
  return a.startMs < b.endMs && b.startMs < a.endMs;
}

function people(w: CharterWindow): string[] {
  return [...(w.captain ? [w.captain] : []), ...(w.crew ?? [])];
}

/**
 * Every conflict between `candidate` and `others` (the candidate's own id is skipped): one vessel
 * conflict per overlapping charter, and one conflict per person aboard both. A person conflict is
 * `captain` when they captain the candidate, else `crew`.
 */
export function findConflicts(candidate: CharterWindow, others: readonly CharterWindow[]): Conflict[] {
  const out: Conflict[] = [];
  const mine = people(candidate);
  const work = (w: CharterWindow) => ({ startMs: w.checkInMs ?? w.startMs, endMs: w.endMs });
  for (const other of others) {
    if (other.id === candidate.id && other.source === candidate.source) continue;
    if (overlaps(candidate, other)) out.push({ kind: 'vessel', other });
    if (!overlaps(work(candidate), work(other))) continue;
    const theirs = new Set(people(other));
    for (const userId of mine) {
      if (theirs.has(userId)) out.push({ kind: userId === candidate.captain ? 'captain' : 'crew', other, userId });
    }
  }
  return out.sort((a, b) => a.other.startMs - b.other.startMs);
}
