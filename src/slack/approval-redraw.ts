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
 *
 * A change request's message (Approve change / Reject in the booking's thread) goes the same way,
 * with its own mark (SlackRefs.changeRequestsUndrawn) and the same list: each is a WatchedMessage.
 */
import type { WebClient } from '@slack/web-api';
import { charterTimeSettings, type Config } from '../config';
import { charterInstants } from '../pipeline/approval-policy';
import type { Logger } from '../log';
import { backoffDelayMs, type BackoffPolicy } from '../pipeline/backoff';
import { IntegrationError } from '../integrations/errors';
import type { BookingRecord, SlackRefs, UndrawnMark } from '../pipeline/types';
import type { SlackRefsWriter } from './approval-dm';
import type { ApprovalsBehind } from './approvals-behind';
import { redrawApproval } from './approval-watch';
import { renderApproval } from './render';
import { changeRequestShown, redrawChangeRequest } from './change-request-message';
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

/** Draws of one message per call at most: the first, and one more each time the record moved meanwhile. */
const DRAWS_WHILE_MOVING = 3;

const digest = (m: { text?: string; blocks?: unknown } | undefined) => (m ? `${m.text ?? ''}\u0000${JSON.stringify(m.blocks ?? null)}` : '');

/** A message redrawn when its booking is decided, whose failed redraw the approval watch heals. */
export interface WatchedMessage {
  /** How logs and the person who clicked name it. */
  name: string;
  /** Its buttons, as the person told to ignore them reads them. */
  buttons: string;
  /** What a message left behind still shows when it has no buttons left. */
  earlier: string;
  markOf(s: SlackRefs): UndrawnMark | undefined;
  /** `s` with this message's mark set, or taken off (undefined). */
  marked(s: SlackRefs, mark: UndrawnMark | undefined): SlackRefs;
  /** What it shows for `b` at `nowMs`, to tell whether a draw is still the booking's. */
  shown(b: BookingRecord, config: Config, nowMs: number): string;
  draw(deps: ApprovalRedrawDeps, b: BookingRecord, nowMs: number): Promise<void>;
}

/** The approval message (and its re-surfaced reminder). */
export const approvalMessage: WatchedMessage = {
  name: 'approval message',
  buttons: 'Approve and Cancel',
  earlier: 'the charter as it was',
  markOf: (s) => s.approvalUndrawn,
  marked: (s, mark) => {
    const { approvalUndrawn: _old, ...rest } = s;
    return mark ? { ...rest, approvalUndrawn: mark } : rest;
  },
  shown: (b, config, nowMs) => digest(renderApproval(b, config, nowMs)),
  draw: (deps, b, nowMs) => redrawApproval(deps.client, deps.refs, deps.config, b, nowMs, deps.log),
};

/** The message of change request `opId`. */
export function changeRequest(opId: string): WatchedMessage {
  return {
    name: 'change request message',
    buttons: 'Approve change and Reject',
    earlier: 'what was decided before',
    markOf: (s) => s.changeRequestsUndrawn?.[opId],
    marked: (s, mark) => {
      const { changeRequestsUndrawn: old, ...rest } = s;
      const { [opId]: _old, ...others } = old ?? {};
      const marks = mark ? { ...others, [opId]: mark } : others;
      return Object.keys(marks).length > 0 ? { ...rest, changeRequestsUndrawn: marks } : rest;
    },
    // Blocks only: the notification text names the run's status (queued, running, done), which
    // moves on its own and is not what a decision's redraw is for.
    shown: (b, config) => digest({ blocks: changeRequestShown(b, opId, config)?.blocks }),
    draw: (deps, b) => redrawChangeRequest(deps.client, deps.refs, deps.config, b, opId, deps.log),
  };
}

/** Every message of `s`'s booking marked behind. */
export function markedMessages(s: SlackRefs | undefined): WatchedMessage[] {
  if (!s) return [];
  return [...(s.approvalUndrawn ? [approvalMessage] : []), ...Object.keys(s.changeRequestsUndrawn ?? {}).map(changeRequest)];
}

/**
 * Redraws `message` as `booking` now stands, clearing a stored "behind" record once it lands.
 * Throws what Slack answered.
 *
 * Another process may decide the booking while this draw is on its way, and a draw answered late
 * (a slow Slack) lands over the other's, or the other's failed and marked the booking meanwhile.
 * So after each draw the booking is read again and drawn again if it would now show otherwise; only
 * the mark this draw was of (same atMs) is cleared; and the id leaves the list only while no mark
 * stands, so a marked booking is always listed for the watch.
 */
export async function drawMessage(deps: ApprovalRedrawDeps, message: WatchedMessage, booking: BookingRecord, read: () => Promise<BookingRecord | undefined>): Promise<void> {
  let drawn = booking;
  let latest: BookingRecord | undefined;
  for (let draw = 1; ; draw++) {
    const nowMs = deps.now();
    await message.draw(deps, drawn, nowMs);
    // Unread, the mark and the list stay as they are: the watch comes back to it.
    latest = await read().catch(() => undefined);
    if (!latest) return;
    if (message.shown(latest, deps.config, nowMs) === message.shown(drawn, deps.config, nowMs)) break;
    if (draw >= DRAWS_WHILE_MOVING) {
      // Still moving after these: the watch draws it once it settles.
      await recordUndrawn(deps, message, booking.id, { code: 'booking_kept_changing', refused: false });
      return;
    }
    drawn = latest;
  }
  const mark = message.markOf(latest.slack);
  // A redraw that lands at once, of a message nobody marked, writes nothing.
  if (!mark && !message.markOf(booking.slack)) return;
  if (mark) await clearMark(deps, message, booking.id, mark.atMs);
  await unlistUnlessMarked(deps, booking.id, read);
}

/** The approval message (and its reminder) redrawn as `booking` now stands: drawMessage of approvalMessage. */
export function drawApproval(deps: ApprovalRedrawDeps, booking: BookingRecord, read: () => Promise<BookingRecord | undefined>): Promise<void> {
  return drawMessage(deps, approvalMessage, booking, read);
}

/** Clears the message's "behind" mark if it is still the one made at `atMs`: a newer one stands. */
async function clearMark(deps: Pick<ApprovalRedrawDeps, 'refs'>, message: WatchedMessage, bookingId: string, atMs: number): Promise<void> {
  await deps.refs.updateSlackRefs(bookingId, (s) => (message.markOf(s)?.atMs === atMs ? message.marked(s, undefined) : undefined));
}

/**
 * Gives up on the message: clears the mark read (if it is still that one) and takes the id off the
 * list unless another message of the booking is marked, for a message that is gone or a booking
 * long departed.
 */
async function dropMark(deps: ApprovalRedrawDeps, message: WatchedMessage, bookingId: string, read: () => Promise<BookingRecord | undefined>): Promise<void> {
  const booking = await read();
  const mark = booking ? message.markOf(booking.slack) : undefined;
  // Never marked (the decision's own first try): nothing to write.
  if (!mark) return;
  await clearMark(deps, message, bookingId, mark.atMs);
  await unlistUnlessMarked(deps, bookingId, read);
}

/**
 * Takes the id off the watch's list, then puts it back if any message of the booking is marked: a
 * failed redraw that marked it while the id was still listed skipped its own add, and must not be dropped.
 */
export async function unlistUnlessMarked(deps: Pick<ApprovalRedrawDeps, 'behind'>, bookingId: string, read: () => Promise<BookingRecord | undefined>): Promise<void> {
  if (!deps.behind) return;
  await deps.behind.remove(bookingId);
  if (markedMessages((await read())?.slack).length > 0) await deps.behind.add(bookingId);
}

/**
 * Records that the message is behind the booking (a write only when a redraw failed). True when it
 * is listed for the approval watch, which then keeps trying; false when the store did not take it
 * (or there is no list), and nothing will try until the booking is next decided or clicked.
 */
export async function recordUndrawn(deps: Pick<ApprovalRedrawDeps, 'refs' | 'now' | 'log' | 'behind'>, message: WatchedMessage, bookingId: string, failure: { code: string; refused: boolean }): Promise<boolean> {
  const undrawn: UndrawnMark = { atMs: deps.now(), code: failure.code, refused: failure.refused };
  try {
    await deps.refs.updateSlackRefs(bookingId, (s) => message.marked(s, undrawn));
    if (!deps.behind) return false;
    await deps.behind.add(bookingId);
    return true;
  } catch (err) {
    deps.log.warn({ err, bookingId }, `${message.name} behind its booking, and that not stored`);
    return false;
  }
}

/** recordUndrawn of the approval message. */
export function recordApprovalUndrawn(deps: Pick<ApprovalRedrawDeps, 'refs' | 'now' | 'log' | 'behind'>, bookingId: string, failure: { code: string; refused: boolean }): Promise<boolean> {
  return recordUndrawn(deps, approvalMessage, bookingId, failure);
}

/**
 * A decision's redraw of `message` (approve, cancel, expiry; a change request's decision): tried
 * with backoff, never throws. When it fails for good the booking records it for the approval
 * watch, and the outcome says why, so the person who clicked can be told.
 */
export async function redrawUntilShown(
  deps: ApprovalRedrawDeps,
  message: WatchedMessage,
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
      await drawMessage(deps, message, current, opts.read);
      tried();
      return { drawn: true };
    } catch (err) {
      tried();
      const failure = failureOf(err, deps.config);
      if (failure.final) {
        deps.log.warn({ err, bookingId: booking.id, attempt, code: failure.code }, `${message.name} not redrawn: deleted or no longer editable; not tried again`);
        await dropMark(deps, message, booking.id, opts.read).catch((e: unknown) => deps.log.warn({ err: e, bookingId: booking.id }, `${message.name} mark not dropped`));
        return { drawn: false, ...failure, watched: false };
      }
      if (failure.refused || attempt >= tries) {
        deps.log.warn({ err, bookingId: booking.id, attempt, code: failure.code }, `${message.name} not redrawn; the approval watch tries again`);
        const watched = await recordUndrawn(deps, message, booking.id, failure);
        return { drawn: false, ...failure, watched };
      }
      deps.log.info({ err, bookingId: booking.id, attempt, code: failure.code }, `${message.name} not redrawn; trying again`);
      await new Promise((r) => setTimeout(r, backoffDelayMs(attempt, APPROVAL_REDRAW_BACKOFF, Math.random)));
      // Drawn as the booking stands when the retry goes: a cancel may have landed meanwhile.
      current = (await opts.read().catch(() => undefined)) ?? current;
    }
  }
}

/** redrawUntilShown of the approval message. */
export function redrawApprovalUntilShown(deps: ApprovalRedrawDeps, booking: BookingRecord, opts: { read: () => Promise<BookingRecord | undefined>; afterFirstTry?: () => void }): Promise<ApprovalRedrawOutcome> {
  return redrawUntilShown(deps, approvalMessage, booking, opts);
}

/** Whether the watch redraws a message marked so on this tick: not resting after a refusal. */
export function redrawDue(mark: UndrawnMark, nowMs: number): boolean {
  return !mark.refused || nowMs - mark.atMs >= REFUSED_APPROVAL_RETRY_EVERY_MS;
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
 * What the person who clicked is told when a message could not be made to show the booking: while
 * it shows its buttons, they ask for a decision already made (the approval message's Cancel dialog
 * misstates what a click does).
 */
export function notRedrawnText(message: Pick<WatchedMessage, 'name' | 'buttons' | 'earlier'>, failure: { code: string; fix?: string; final: boolean; watched: boolean }, opts: { buttonsLeft: boolean; many?: boolean }): string {
  // `many`: one sentence for several messages that failed alike (`name` then names them all).
  const [it, its, was, shows_, stays] = opts.many ? ['they', 'their', 'were', 'show', 'stay'] : ['it', 'its', 'was', 'shows', 'stays'];
  const It = `${it[0]!.toUpperCase()}${it.slice(1)}`;
  const The = `The ${message.name}`;
  if (failure.code === 'message_not_found') return `${The} ${was} deleted in Slack, so ${it} ${was} not updated; there is nothing left to ignore.`;
  const shows = opts.buttonsLeft ? `${it} still ${shows_} ${message.buttons}, so ignore ${its} buttons` : `${it} still ${shows_} ${message.earlier}`;
  // Slack's answer leads: `name` may end in brackets of its own ("(edit)"), and a second pair after it read as a stutter.
  if (failure.final) return `Slack answered ${failure.code} and no longer lets charter-bot edit the ${message.name}: ${shows}. ${It} ${opts.many ? 'are' : 'is'} not tried again.`;
  const next = failure.watched ? `charter-bot keeps trying to redraw ${opts.many ? 'them' : 'it'}.` : `charter-bot could not note ${opts.many ? 'them' : 'it'} for another try (its store did not answer): ${it} ${stays} so until the booking's next decision.`;
  return `${The} could not be updated: ${shows}. Slack answered ${failure.code}.${failure.fix ? ` ${failure.fix}` : ''} ${next}`;
}

/** notRedrawnText of the approval message. */
export function approvalNotRedrawnText(failure: { code: string; fix?: string; final: boolean; watched: boolean }, opts: { buttonsLeft: boolean }): string {
  return notRedrawnText(approvalMessage, failure, opts);
}

/**
 * The approval watch's redraw of a booking's messages left behind it: read afresh and, each when
 * due, drawn once. A refusal is recorded again, so the next try is an hour on; any other failure is
 * tried on the next tick, with no write. True when one was drawn.
 */
export async function redrawBehindMessages(deps: ApprovalRedrawDeps, bookingId: string, read: () => Promise<BookingRecord | undefined>): Promise<boolean> {
  const booking = await read();
  const marked = markedMessages(booking?.slack);
  if (!booking || marked.length === 0) {
    // Drawn since by a process that could not update the list, or gone.
    await unlistUnlessMarked(deps, bookingId, read);
    return false;
  }
  const { departureAtMs } = charterInstants(booking.request, charterTimeSettings(deps.config));
  const givenUp = deps.now() - departureAtMs > APPROVAL_REDRAW_GIVE_UP_AFTER_DEPARTURE_MS;
  let drawnAny = false;
  for (const message of marked) {
    const mark = message.markOf(booking.slack)!;
    if (givenUp) {
      deps.log.warn({ bookingId, code: mark.code }, `${message.name} behind its booking given up: the charter departed over a day ago`);
      await dropMark(deps, message, bookingId, read);
      continue;
    }
    if (!redrawDue(mark, deps.now())) continue;
    if (await redrawBehind(deps, message, booking, mark, read)) drawnAny = true;
  }
  return drawnAny;
}

/** One message's try by the watch. */
async function redrawBehind(deps: ApprovalRedrawDeps, message: WatchedMessage, booking: BookingRecord, mark: UndrawnMark, read: () => Promise<BookingRecord | undefined>): Promise<boolean> {
  const bookingId = booking.id;
  try {
    await drawMessage(deps, message, booking, read);
    deps.log.info({ bookingId, was: mark.code }, `${message.name} redrawn: it was behind its booking`);
    return true;
  } catch (err) {
    const failure = failureOf(err, deps.config);
    if (failure.final) {
      deps.log.warn({ err, bookingId, code: failure.code }, `${message.name} behind its booking given up: deleted or no longer editable`);
      await dropMark(deps, message, bookingId, read);
      return false;
    }
    deps.log.warn({ err, bookingId, code: failure.code }, failure.refused ? `${message.name} still behind its booking: Slack refuses it; tried again in an hour` : `${message.name} still behind its booking; tried again next tick`);
    if (failure.refused || mark.refused) await recordUndrawn(deps, message, bookingId, failure);
    return false;
  }
}
