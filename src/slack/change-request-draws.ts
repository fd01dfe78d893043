/**
 * This process's latest decision redraw of each change request message (change-requests-redrawn.ts),
 * so a losing click on a request (a double click, Slack's retry of the click) does not redraw a
 * message the winner's redraw already drew: two chat.update calls for one verdict, against a
 * workspace's limit of about one a second. The loser waits for that redraw and redraws only when
 * it did not land (the redraw the click exists to heal), or when this process drew none: a redraw
 * in another process, or the approval watch's, is not known here, and the loser redraws as before.
 * A later redraw of the request (replaced, dropped by a cancel) takes the earlier one's place.
 */
import type { ApprovalRedrawOutcome } from './approval-redraw';

/** Requests remembered; a loser comes within seconds of its winner, so the oldest can go. */
const MAX_REQUESTS = 256;

export class ChangeRequestDraws {
  private readonly latest = new Map<string, Promise<ApprovalRedrawOutcome>>();

  /** A redraw of request `opId` began; `outcome` settles once it has landed or given up. */
  started(bookingId: string, opId: string, outcome: Promise<ApprovalRedrawOutcome>): void {
    const key = `${bookingId}:${opId}`;
    this.latest.delete(key);
    if (this.latest.size >= MAX_REQUESTS) this.latest.delete(this.latest.keys().next().value as string);
    this.latest.set(key, outcome);
  }

  /** Whether this process's latest redraw of the request landed, once it has settled; false when there was none. */
  async drawn(bookingId: string, opId: string): Promise<boolean> {
    const outcome = this.latest.get(`${bookingId}:${opId}`);
    if (!outcome) return false;
    return (await outcome.catch(() => ({ drawn: false }))).drawn;
  }
}
