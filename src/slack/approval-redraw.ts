/**
 * The approval message must come to show the decision: left with Approve / Cancel on a charter
 * already approved, its Cancel confirm says "Nothing has been booked yet" over a live charter. One
 * chat.update answered with an error used to leave it so for good. Here a decision's redraw is
 * retried with backoff (not a refusal no retry fixes: the channel archived, the bot removed), and
 * when it still fails the booking records that its approval message is behind
 * (SlackRefs.approvalUndrawn) and is listed for the approval watch (./approvals-behind.ts), which
 * redraws it until one lands; that clears both. A redraw that lands at once writes nothing. A
 * message deleted or no longer editable is final: tried once, never marked. The watch gives up a
 * day after departure, which bounds the list.
 */
import type { WebClient } from '@slack/web-api';
import { charterTimeSettings, type Config } from '../config';
import { charterInstants } from '../pipeline/approval-policy';
import type { Logger } from '../log';
import { backoffDelayMs, type BackoffPolicy } from '../pipeline/backoff';
import { IntegrationError } from '../integrations/errors';
import type { BookingRecord, SlackRefs } from '../pipeline/types';
import type { SlackRefsWriter } from './approval-dm';
import type { ApprovalsBehind } from './approvals-behind';
import { redrawApproval } from './approval-watch';
import { renderApproval } from './render';
import { approvalChannelFix, slackPlatformError, slackRefusal } from './slack-errors';

/** Tries of a decision's redraw before the watch takes over: about 7 s of backoff at most, inside the click's handler. */
export const APPROVAL_REDRAW_TRIES = 4;
export const APPROVAL_REDRAW_BACKOFF: BackoffPolicy = { baseDelayMs: 1000, maxDelayMs: 4000 };

/** How often the watch tries an approval message Slack refused until someone acts. */
export const REFUSED_APPROVAL_RETRY_EVERY_MS = 60 * 60_000;

/**
 * How long past its departure a booking stays listed for the watch: by then nobody decides on its
 * approval message (an Approve is refused, its Cancel refused as stale), and a message Slack keeps
 * refusing must not be tried hourly for ever. So the list holds only bookings departing at most a
 * day ago whose redraw failed.
 */
export const APPROVAL_REDRAW_GIVE_UP_AFTER_DEPARTURE_MS = 24 * 60 * 60_000;

/**
 * Slack's answers to chat.update about the message itself (deleted, or no longer editable by the
 * bot) that no later try changes; compare crew-redraw.ts FINAL_UPDATE_ERRORS. The channel's
 * refusals (not_in_channel, is_archived) are not here: someone can fix those.
 */
const MESSAGE_FINAL_ERRORS: ReadonlySet<string> = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);

/** The approval message cannot be redrawn however often it is tried. */
export function approvalMessageFinal(err: unknown): boolean {
  return MESSAGE_FINAL_ERRORS.has(slackPlatformError(err) ?? '');
}

export interface ApprovalRedrawDeps {
  client: WebClient;
  refs: SlackRefsWriter;
  config: Config;
  log: Logger;
  now: () => number;
  /** Where the approval watch finds the messages behind; without it only the record's mark is written. */
  behind?: ApprovalsBehind;
  /** APPROVAL_REDRAW_TRIES, or 1 on Lambda. */
  tries?: number;
}

/** `watched`: listed for the approval watch, which keeps trying. `final`: the message is gone or no longer editable, nothing tries again. */
export type ApprovalRedrawOutcome = { drawn: true } | { drawn: false; code: string; refused: boolean; final: boolean; watched: boolean; fix?: string };

/** What the failure was, for the record and for the person told: Slack's code, and the fix when only someone acting can help. */
function failureOf(err: unknown, config: Config): { code: string; refused: boolean; final: boolean; fix?: string } {
  const refused = slackRefusal(err) !== undefined;
  const code = slackPlatformError(err) ?? (err instanceof IntegrationError ? err.code : 'request_failed');
  const fix = approvalChannelFix(code, { opsChannelSet: config.slack.opsChannel !== undefined });
  return { code, refused, final: approvalMessageFinal(err), ...(fix ? { fix } : {}) };
}

/** Draws of one approval message per call at most: the first, and one more each time the record moved meanwhile. */
const DRAWS_WHILE_MOVING = 3;

/** What the approval message shows for `b` at `nowMs`, to tell whether a draw is still the booking's. */
function shownAs(b: BookingRecord, config: Config, nowMs: number): string {
  const m = renderApproval(b, config, nowMs);
  return `${m.text ?? ''}\u0000${JSON.stringify(m.blocks ?? null)}`;
}

/**
 * Redraws the approval message (and its reminder) as `booking` now stands, clearing a stored
 * "behind" record once it lands. Throws what Slack answered.
 *
 * Another process may decide the booking while this draw is on its way, and a draw answered late
 * (a slow Slack) lands over the other's, or the other's failed and marked the booking meanwhile.
 * So after each draw the booking is read again and drawn again if it would now show otherwise; only
 * the mark this draw was of (same atMs) is cleared; and the id leaves the list only while no mark
 * stands, so a marked booking is always listed for the watch.
 */
export async function drawApproval(deps: ApprovalRedrawDeps, booking: BookingRecord, read: () => Promise<BookingRecord | undefined>): Promise<void> {
  let drawn = booking;
  let latest: BookingRecord | undefined;
  for (let draw = 1; ; draw++) {
    const nowMs = deps.now();
    await redrawApproval(deps.client, deps.refs, deps.config, drawn, nowMs, deps.log);
    // Unread, the mark and the list stay as they are: the watch comes back to it.
    latest = await read().catch(() => undefined);
    if (!latest) return;
    if (shownAs(latest, deps.config, nowMs) === shownAs(drawn, deps.config, nowMs)) break;
    if (draw >= DRAWS_WHILE_MOVING) {
      // Still moving after these: the watch draws it once it settles.
      await recordApprovalUndrawn(deps, booking.id, { code: 'booking_kept_changing', refused: false });
      return;
    }
    drawn = latest;
  }
  const mark = latest.slack.approvalUndrawn;
  // A redraw that lands at once, of a booking nobody marked, writes nothing.
  if (!mark && !booking.slack.approvalUndrawn) return;
  if (mark) await clearMark(deps, booking.id, mark.atMs);
  await unlistUnlessMarked(deps, booking.id, read);
}

/** Clears the booking's "behind" mark if it is still the one made at `atMs`: a newer one stands. */
async function clearMark(deps: Pick<ApprovalRedrawDeps, 'refs'>, bookingId: string, atMs: number): Promise<void> {
  await deps.refs.updateSlackRefs(bookingId, (s) => {
    if (s.approvalUndrawn?.atMs !== atMs) return undefined;
    const { approvalUndrawn: _cleared, ...rest } = s;
    return rest;
  });
}

/**
 * Gives up on the approval message: clears the mark read (if it is still that one) and takes the id
 * off the list, for a message that is gone or a booking long departed.
 */
async function dropApprovalMark(deps: ApprovalRedrawDeps, bookingId: string, read: () => Promise<BookingRecord | undefined>): Promise<void> {
  const mark = (await read())?.slack.approvalUndrawn;
  // Never marked (the decision's own first try): nothing to write.
  if (!mark) return;
  await clearMark(deps, bookingId, mark.atMs);
  await unlistUnlessMarked(deps, bookingId, read);
}

/**
 * Takes the id off the watch's list, then puts it back if the booking is marked: a failed redraw
 * that marked it while the id was still listed skipped its own add, and must not be dropped.
 */
export async function unlistUnlessMarked(deps: Pick<ApprovalRedrawDeps, 'behind'>, bookingId: string, read: () => Promise<BookingRecord | undefined>): Promise<void> {
  if (!deps.behind) return;
  await deps.behind.remove(bookingId);
  if ((await read())?.slack.approvalUndrawn) await deps.behind.add(bookingId);
}

/**
 * Records that the approval message is behind the booking (a write only when a redraw failed).
 * True when it is listed for the approval watch, which then keeps trying; false when the store did
 * not take it (or there is no list), and nothing will try until the booking is next decided or clicked.
 */
export async function recordApprovalUndrawn(deps: Pick<ApprovalRedrawDeps, 'refs' | 'now' | 'log' | 'behind'>, bookingId: string, failure: { code: string; refused: boolean }): Promise<boolean> {
  const undrawn: NonNullable<SlackRefs['approvalUndrawn']> = { atMs: deps.now(), code: failure.code, refused: failure.refused };
  try {
    await deps.refs.updateSlackRefs(bookingId, (s) => ({ ...s, approvalUndrawn: undrawn }));
    if (!deps.behind) return false;
    await deps.behind.add(bookingId);
    return true;
  } catch (err) {
    deps.log.warn({ err, bookingId }, 'approval message behind its booking, and that not stored');
    return false;
  }
}

/**
 * A decision's redraw (approve, cancel, expiry): tried with backoff, never throws. When it fails
 * for good the booking records it for the approval watch, and the outcome says why, so the person
 * who clicked can be told.
 */
export async function redrawApprovalUntilShown(
  deps: ApprovalRedrawDeps,
  booking: BookingRecord,
  opts: { read: () => Promise<BookingRecord | undefined>; afterFirstTry?: () => void },
): Promise<ApprovalRedrawOutcome> {
  const tries = deps.tries ?? APPROVAL_REDRAW_TRIES;
  let current = booking;
  // What follows the redraw in a handler (the progress message, App Home) goes on after the first try, drawn or not.
  let firstTried = opts.afterFirstTry;
  const tried = () => {
    firstTried?.();
    firstTried = undefined;
  };
  for (let attempt = 1; ; attempt++) {
    try {
      await drawApproval(deps, current, opts.read);
      tried();
      return { drawn: true };
    } catch (err) {
      tried();
      const failure = failureOf(err, deps.config);
      if (failure.final) {
        deps.log.warn({ err, bookingId: booking.id, attempt, code: failure.code }, 'approval message not redrawn: deleted or no longer editable; not tried again');
        await dropApprovalMark(deps, booking.id, opts.read).catch((e: unknown) => deps.log.warn({ err: e, bookingId: booking.id }, 'approval mark not dropped'));
        return { drawn: false, ...failure, watched: false };
      }
      if (failure.refused || attempt >= tries) {
        deps.log.warn({ err, bookingId: booking.id, attempt, code: failure.code }, 'approval message not redrawn; the approval watch tries again');
        const watched = await recordApprovalUndrawn(deps, booking.id, failure);
        return { drawn: false, ...failure, watched };
      }
      deps.log.info({ err, bookingId: booking.id, attempt, code: failure.code }, 'approval message not redrawn; trying again');
      await new Promise((r) => setTimeout(r, backoffDelayMs(attempt, APPROVAL_REDRAW_BACKOFF, Math.random)));
      // Drawn as the booking stands when the retry goes: a cancel may have landed meanwhile.
      current = (await opts.read().catch(() => undefined)) ?? current;
    }
  }
}

/** Whether the watch redraws `b`'s approval message on this tick: behind, and not resting after a refusal. */
export function approvalRedrawDue(b: BookingRecord, nowMs: number): boolean {
  const undrawn = b.slack.approvalUndrawn;
  if (!undrawn) return false;
  return !undrawn.refused || nowMs - undrawn.atMs >= REFUSED_APPROVAL_RETRY_EVERY_MS;
}

/** A click handler's redraw deps, from what every listener is given (SlackDeps). */
export function approvalRedrawDeps(deps: { api: SlackRefsWriter; config: Config; log: Logger; now: () => number; approvalsBehind?: ApprovalsBehind; approvalRedrawTries?: number }, client: WebClient): ApprovalRedrawDeps {
  return {
    client,
    refs: deps.api,
    config: deps.config,
    log: deps.log,
    now: deps.now,
    ...(deps.approvalsBehind ? { behind: deps.approvalsBehind } : {}),
    ...(deps.approvalRedrawTries !== undefined ? { tries: deps.approvalRedrawTries } : {}),
  };
}

/**
 * What the person who clicked is told when the approval message could not be made to show the
 * booking: while it shows Approve and Cancel, its Cancel dialog misstates what a click does.
 */
export function approvalNotRedrawnText(failure: { code: string; fix?: string; final: boolean; watched: boolean }, opts: { buttonsLeft: boolean }): string {
  if (failure.code === 'message_not_found') return 'The approval message was deleted in Slack, so it was not updated; there is nothing left to ignore.';
  const shows = opts.buttonsLeft ? 'it still shows Approve and Cancel, so ignore its buttons' : 'it still shows the charter as it was';
  if (failure.final) return `Slack no longer lets charter-bot edit the approval message (it answered ${failure.code}): ${shows}. It is not tried again.`;
  const next = failure.watched ? 'charter-bot keeps trying to redraw it.' : "charter-bot could not note it for another try (its store did not answer): it stays so until the booking's next decision.";
  return `The approval message could not be updated: ${shows}. Slack answered ${failure.code}.${failure.fix ? ` ${failure.fix}` : ''} ${next}`;
}

/**
 * The approval watch's redraw of an approval message left behind its booking: read afresh and,
 * when due, drawn once. A refusal is recorded again, so the next try is an hour on; any other failure is
 * tried on the next tick, with no write.
 */
export async function redrawBehindApproval(deps: ApprovalRedrawDeps, bookingId: string, read: () => Promise<BookingRecord | undefined>): Promise<boolean> {
  const booking = await read();
  if (!booking?.slack.approvalUndrawn) {
    // Drawn since by a process that could not update the list, or gone.
    await unlistUnlessMarked(deps, bookingId, read);
    return false;
  }
  const { departureAtMs } = charterInstants(booking.request, charterTimeSettings(deps.config));
  if (deps.now() - departureAtMs > APPROVAL_REDRAW_GIVE_UP_AFTER_DEPARTURE_MS) {
    deps.log.warn({ bookingId, code: booking.slack.approvalUndrawn.code }, 'approval message behind its booking given up: the charter departed over a day ago');
    await dropApprovalMark(deps, bookingId, read);
    return false;
  }
  if (!approvalRedrawDue(booking, deps.now())) return false;
  try {
    await drawApproval(deps, booking, read);
    deps.log.info({ bookingId, was: booking.slack.approvalUndrawn.code }, 'approval message redrawn: it was behind its booking');
    return true;
  } catch (err) {
    const failure = failureOf(err, deps.config);
    if (failure.final) {
      deps.log.warn({ err, bookingId, code: failure.code }, 'approval message behind its booking given up: deleted or no longer editable');
      await dropApprovalMark(deps, bookingId, read);
      return false;
    }
    deps.log.warn({ err, bookingId, code: failure.code }, failure.refused ? 'approval message still behind its booking: Slack refuses it; tried again in an hour' : 'approval message still behind its booking; tried again next tick');
    if (failure.refused || booking.slack.approvalUndrawn.refused) await recordApprovalUndrawn(deps, bookingId, failure);
    return false;
  }
}
