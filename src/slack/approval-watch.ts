/**
 * The approval watch (a PeriodicTask): approvals must not rot in the channel.
 * - A request still pending 24 h before check-in is posted again in the ops channel, once (not one
 *   requested inside those 24 h: it was just posted).
 * - A request still pending when the departure passed is closed: its message says
 *   "Expired — departure was …" and loses its buttons (the service refuses the approval anyway).
 * - A booking that failed and whose departure passed has its progress message redrawn without
 *   Retry (the service refuses it now), once, by `onRetryClosed`: the progress publisher's job.
 * Each notice is claimed in the booking record with a compare-and-set *before* it is sent, so two
 * processes ticking at once send it once. A crash between the claim and the send loses that one
 * notice — a missing reminder is better than a duplicate in a busy channel.
 */
import type { WebClient } from '@slack/web-api';
import type { KnownBlock } from '@slack/types';
import { DateTime } from 'luxon';
import { charterSchedule, checkInOnPreviousDay, humanCheckInTime, humanDate, humanDateTime } from '../booking/time';
import { charterTimeSettings, type Config } from '../config';
import type { Logger } from '../log';
import { charterInstants, isExpired, isResurfaceDue, retryClosedAt } from '../pipeline/approval-policy';
import type { BookingApi, ProgressEvent } from '../pipeline/api';
import { operationsOf } from '../pipeline/operations';
import type { PeriodicTask } from '../pipeline/periodic';
import { updateWithRetry, type BookingStore } from '../pipeline/store';
import type { ApprovalNotices, BookingRecord, Operation } from '../pipeline/types';
import { mayCarryApprovals } from './approval-channel';
import { storeSlackRefs, withApprovalDm, type SlackRefsWriter } from './approval-dm';
import { APPROVE_ACTION_ID, type ApprovalDecision } from './blocks/approval';
import { escapeAndFit, escapeMrkdwn, mention } from './blocks/format';
import { bookingBlockId, bookingMetadata } from './booking-ref';
import { decisionOf, renderApproval } from './render';
import { approvalMessageFinal, drawApproval, recordApprovalUndrawn, redrawBehindMessages } from './approval-redraw';
import { approvalsBehind } from './approvals-behind';
import { slackPlatformError, slackRefusal } from './slack-errors';

export interface ApprovalWatchDeps {
  store: BookingStore;
  client: WebClient;
  config: Config;
  log: Logger;
  everyMs?: number;
  /** Told after a notice went out (App Home refresh). */
  onChange?: () => void;
  /** A failed booking's Retry closed at departure: redraw its progress message (once per booking). */
  onRetryClosed?: (bookingId: string) => void;
}

export const APPROVAL_WATCH_TASK = 'approval-watch';

export function approvalWatchTask(deps: ApprovalWatchDeps): PeriodicTask {
  return { name: APPROVAL_WATCH_TASK, everyMs: deps.everyMs ?? 60_000, run: (nowMs) => watchApprovals(deps, nowMs) };
}

export async function watchApprovals(deps: ApprovalWatchDeps, nowMs: number): Promise<void> {
  await redrawBehind(deps, nowMs);
  const listed = await deps.store.listCurrent(['pending_approval', 'failed'], nowMs);
  for (const booking of listed.filter((b) => b.state === 'failed')) await closeRetry(deps, booking, nowMs);
  for (const booking of listed.filter((b) => b.state === 'pending_approval')) {
    // Already handled (as listed): no store round trip. The claim below re-checks on the latest record.
    if (booking.approvalNotices?.expiredAtMs !== undefined) continue;
    const instants = charterInstants(booking.request, charterTimeSettings(deps.config));
    const log = deps.log.child({ bookingId: booking.id });
    try {
      if (isExpired(instants.departureAtMs, nowMs)) {
        if (await claim(deps.store, booking.id, 'expiredAtMs', nowMs)) await markExpired(deps, booking.id, nowMs, log);
      } else if (isResurfaceDue(instants, booking.createdAtMs, nowMs) && booking.approvalNotices?.resurfacedAtMs === undefined) {
        if (await claim(deps.store, booking.id, 'resurfacedAtMs', nowMs)) await resurface(deps, booking, instants.checkInAtMs, log);
      }
    } catch (err) {
      // One booking's Slack error must not starve the others; the claim means it is not retried.
      log.warn({ err }, 'approval notice not sent');
    }
  }
}

/** Approval and change request messages whose redraw after a decision failed (SlackRefs.approvalUndrawn, changeRequestsUndrawn), drawn when due. */
async function redrawBehind(deps: ApprovalWatchDeps, nowMs: number): Promise<void> {
  const behind = approvalsBehind(deps.store);
  let ids: string[];
  try {
    ids = await behind.list();
  } catch (err) {
    deps.log.warn({ err }, 'approval messages behind their bookings not listed; the next tick tries again');
    return;
  }
  for (const bookingId of ids) {
    const log = deps.log.child({ bookingId });
    try {
      const drawn = await redrawBehindMessages({ client: deps.client, refs: storeSlackRefs(deps.store), config: deps.config, log, now: () => nowMs, behind }, bookingId, () => deps.store.get(bookingId));
      if (drawn) deps.onChange?.();
    } catch (err) {
      // A store error: it stays listed for the next tick.
      log.warn({ err }, 'approval message behind its booking not redrawn');
    }
  }
}

async function closeRetry(deps: ApprovalWatchDeps, booking: BookingRecord, nowMs: number): Promise<void> {
  if (!deps.onRetryClosed || booking.approvalNotices?.retryClosedAtMs !== undefined || !booking.slack.progressTs) return;
  const closed = retryClosedAt(booking, charterTimeSettings(deps.config), nowMs);
  if (closed === undefined) return;
  try {
    if (!(await claim(deps.store, booking.id, 'retryClosedAtMs', nowMs, 'failed'))) return;
    deps.log.child({ bookingId: booking.id }).info('retry closed: departure passed while failed; progress message redrawn');
    deps.onRetryClosed(booking.id);
  } catch (err) {
    deps.log.child({ bookingId: booking.id }).warn({ err }, 'retry-closed mark not written');
  }
}

/** True for the one caller that set the mark; everyone else (another process, a later tick) gets false. */
async function claim(store: BookingStore, id: string, mark: keyof ApprovalNotices, nowMs: number, state: BookingRecord['state'] = 'pending_approval'): Promise<boolean> {
  const out = await updateWithRetry(store, id, (r) => {
    if (r.state !== state || r.approvalNotices?.[mark] !== undefined) return undefined;
    return { ...r, approvalNotices: { ...r.approvalNotices, [mark]: nowMs }, updatedAtMs: nowMs };
  });
  return out.written;
}

async function markExpired(deps: ApprovalWatchDeps, id: string, nowMs: number, log: Logger): Promise<void> {
  const booking = await deps.store.get(id);
  if (!booking) return;
  const redraw = { client: deps.client, refs: storeSlackRefs(deps.store), config: deps.config, log, now: () => nowMs, behind: approvalsBehind(deps.store) };
  try {
    await drawApproval(redraw, booking, () => deps.store.get(id));
  } catch (err) {
    // Claimed already: the mark is what brings the watch back to it (not to a message gone for good).
    if (!approvalMessageFinal(err)) await recordApprovalUndrawn(redraw, id, { code: slackPlatformError(err) ?? 'request_failed', refused: slackRefusal(err) !== undefined });
    throw err;
  }
  log.info('approval expired: departure passed while pending');
  deps.onChange?.();
}

/**
 * "Fri, Jan 1, 2027, 12:00 AM PST (Thu night)": check-in's own date, and for a check-in in the
 * small hours the night it falls in, as every other surface names it (humanCheckInTime): a guest
 * who reads "Jan 1, 12:00 AM" may come on the night of Jan 1, after the boat left.
 */
function checkInText(booking: BookingRecord, checkIn: DateTime, timezone: string): string {
  // The departure does not depend on the check-in lead: read with none.
  const s = { checkIn, departure: charterSchedule(booking.request, timezone, 0).departure };
  return checkInOnPreviousDay(s) ? humanDateTime(checkIn) : `${humanDate(checkIn)}, ${humanCheckInTime(s)}`;
}

export function resurfaceMessage(booking: BookingRecord, opts: { checkInAtMs: number; timezone: string; permalink?: string; requireSecondApprover?: boolean }): { text: string; blocks: KnownBlock[] } {
  const checkIn = DateTime.fromMillis(opts.checkInAtMs, { zone: opts.timezone });
  const when = checkInText(booking, checkIn, opts.timezone);
  const link = opts.permalink ? `<${opts.permalink}|the approval request>` : 'the approval request';
  // Notification text is mrkdwn too: a typed name must not ping or link there either.
  const text = `Still waiting for approval: ${escapeAndFit(booking.request.guestName, 200)}, guests check in ${when}`;
  return {
    text,
    blocks: [
      {
        type: 'section',
        block_id: bookingBlockId(booking.id, 'resurface'),
        text: {
          type: 'mrkdwn',
          text: `:hourglass_flowing_sand: *Still waiting for approval* — ${escapeMrkdwn(booking.request.guestName)}, party of ${booking.request.partySize}; guests check in *${when}*. Requested by ${mention(booking.createdBy)}${opts.requireSecondApprover ? ` (needs an approver other than ${mention(booking.createdBy)})` : ''}; see ${link} for the costs.`,
        },
      },
      { type: 'actions', block_id: bookingBlockId(booking.id, 'resurface-actions'), elements: [{ type: 'button', action_id: APPROVE_ACTION_ID, style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value: booking.id }] },
    ],
  };
}

async function resurface(deps: ApprovalWatchDeps, stored: BookingRecord, checkInAtMs: number, log: Logger): Promise<void> {
  const booking = await withApprovalDm({ client: deps.client, refs: storeSlackRefs(deps.store), log }, stored);
  const channel = deps.config.slack.opsChannel ?? booking.slack.channel;
  // A booking posted for approval before the crew channel was ruled out may still point there.
  if (!mayCarryApprovals(deps.config, channel)) {
    log.warn({ channel }, 'pending approval not re-surfaced: its channel is the crew channel (set CHARTER_OPS_CHANNEL)');
    return;
  }
  let permalink: string | undefined;
  if (booking.slack.approvalTs) {
    permalink = await deps.client.chat
      .getPermalink({ channel: booking.slack.channel, message_ts: booking.slack.approvalTs })
      .then((r) => r.permalink)
      .catch(() => undefined);
  }
  const message = resurfaceMessage(booking, { checkInAtMs, timezone: deps.config.timezone, requireSecondApprover: deps.config.slack.requireSecondApprover, ...(permalink ? { permalink } : {}) });
  const posted = await deps.client.chat.postMessage({ channel, text: message.text, blocks: message.blocks, metadata: bookingMetadata(booking.id) });
  log.info({ channel }, 'pending approval re-surfaced before check-in');
  if (!posted.ts) return;
  // Remembered so it is redrawn once the request is decided (redrawApproval); decided meanwhile, at once.
  const ts = posted.ts;
  // Where Slack says it posted: the reminder is redrawn there (a DM's id, not the user id it may have been sent to).
  const postedIn = posted.channel ?? channel;
  const out = await updateWithRetry(deps.store, booking.id, (r) => ({ ...r, slack: { ...r.slack, resurfaced: { channel: postedIn, ts } } }));
  if (out.record.state !== 'pending_approval') await redrawResurfaced(deps.client, deps.config, out.record, Date.now()).catch((err: unknown) => log.warn({ err }, 'reminder not redrawn'));
}

/** The reminder once its request is decided: what became of it, no button. Undefined while pending. */
export function resurfaceClosedMessage(booking: BookingRecord, decision: ApprovalDecision, timezone: string): { text: string; blocks: KnownBlock[] } | undefined {
  if (decision.kind === 'pending') return undefined;
  const guest = escapeMrkdwn(booking.request.guestName);
  const at = (ms: number) => humanDateTime(DateTime.fromMillis(ms, { zone: timezone }));
  const line =
    decision.kind === 'expired'
      ? `:hourglass: *Expired* — ${guest}: the departure (${at(decision.departureAtMs)}) passed before anyone approved it. Nothing was booked.`
      : decision.kind === 'approved'
        ? `:white_check_mark: *Approved* — ${guest}, by ${mention(decision.userId)} at ${at(decision.atMs)}.`
        : `:x: *Cancelled* — ${guest}, by ${mention(decision.userId)} at ${at(decision.atMs)}.`;
  const text = `${decision.kind === 'expired' ? 'Expired' : decision.kind === 'approved' ? 'Approved' : 'Cancelled'}: ${escapeAndFit(booking.request.guestName, 200)}`;
  return { text, blocks: [{ type: 'section', block_id: bookingBlockId(booking.id, 'resurface'), text: { type: 'mrkdwn', text: line } }] };
}

/** The re-surfaced reminder, if one went out, redrawn as the request now stands. */
export async function redrawResurfaced(client: WebClient, config: Config, booking: BookingRecord, nowMs: number): Promise<void> {
  const reminder = booking.slack.resurfaced;
  const closed = reminder ? resurfaceClosedMessage(booking, decisionOf(booking, { nowMs, config }), config.timezone) : undefined;
  if (!reminder || !closed) return;
  await client.chat.update({ channel: reminder.channel, ts: reminder.ts, text: closed.text, blocks: closed.blocks });
}

/**
 * The approval message, and its re-surfaced reminder if one went out, redrawn as the booking now
 * stands: one place for every path that decides a request (approve, cancel, expiry).
 */
export async function redrawApproval(client: WebClient, refs: SlackRefsWriter, config: Config, stored: BookingRecord, nowMs: number, log: Logger): Promise<void> {
  const booking = await withApprovalDm({ client, refs, log }, stored);
  if (booking.slack.approvalTs) {
    const message = renderApproval(booking, config, nowMs);
    await client.chat.update({ channel: booking.slack.channel, ts: booking.slack.approvalTs, text: message.text, blocks: message.blocks });
  }
  await redrawResurfaced(client, config, booking, nowMs).catch((err: unknown) => log.warn({ err, bookingId: booking.id }, 'approval reminder not redrawn'));
}

/**
 * The event ends a change's run. The runner tells an operation's end as booking_done or
 * booking_failed when it settles the booking, which is the usual case, without naming the
 * operation: that is the one that finished last.
 */
function endsChange(event: ProgressEvent, record: BookingRecord): boolean {
  const ops = operationsOf(record);
  if (event.type === 'operation_done') return ops.some((o) => o.id === event.opId && o.kind === 'change');
  if (event.type !== 'booking_done' && event.type !== 'booking_failed') return false;
  const finished = ops.filter((o) => o.finishedAtMs !== undefined);
  const last = finished.reduce<Operation | undefined>((a, o) => (a === undefined || o.finishedAtMs! >= a.finishedAtMs! ? o : a), undefined);
  return last?.kind === 'change';
}

/** Draws of one approval message after a change, at most: the first, a retry after each failure, and one more per record that moved meanwhile. */
const CHANGED_APPROVAL_DRAWS = 3;
const CHANGED_APPROVAL_RETRY_MS = 2000;

const drawnAs = (m: { text?: string; blocks?: unknown }) => `${m.text ?? ''}\u0000${JSON.stringify(m.blocks ?? null)}`;

/**
 * Approval messages redrawn once a change has run: the message at the top of the thread is what an
 * approver reads first, and showed the date, roster and net as first approved until the booking
 * was cancelled. Each draw is of the booking as read just before it; after it lands, the booking is
 * read again and drawn again if it would now show otherwise. A cancel's own redraw (another
 * process, say) may have landed before this one's late update, which would otherwise leave a
 * cancelled charter reading "Approved". One chain per booking; `idle()` for the Lambda functions,
 * which must not freeze a draw half-sent.
 */
export class ChangedApprovals {
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly deps: { client: WebClient; config: Config; log: Logger; now: () => number; api: Pick<BookingApi, 'get' | 'updateSlackRefs'> }) {}

  /** A pipeline event: only the end of a change's run (done or failed: its details are the booking's either way) redraws. */
  notify(event: ProgressEvent, record: BookingRecord): void {
    if (!endsChange(event, record)) return;
    const id = record.id;
    const next = (this.chains.get(id) ?? Promise.resolve()).then(() => this.drawUntilSettled(id));
    this.chains.set(id, next);
    void next.then(() => {
      if (this.chains.get(id) === next) this.chains.delete(id);
    });
  }

  async idle(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }

  private async drawUntilSettled(id: string): Promise<void> {
    const { client, config, log, api } = this.deps;
    for (let draw = 1; draw <= CHANGED_APPROVAL_DRAWS; draw++) {
      try {
        const stored = await api.get(id);
        const approvalTs = stored?.slack.approvalTs;
        if (!stored || !approvalTs) return;
        const booking = await withApprovalDm({ client, refs: api, log }, stored);
        const message = renderApproval(booking, config, this.deps.now());
        await client.chat.update({ channel: booking.slack.channel, ts: approvalTs, text: message.text, blocks: message.blocks });
        const now = await api.get(id);
        if (!now || drawnAs(renderApproval(now, config, this.deps.now())) === drawnAs(message)) return;
      } catch (err) {
        log.warn({ err, bookingId: id, draw }, 'approval message not redrawn after a change');
        // Not after the last: a Lambda invocation waits for idle().
        if (draw < CHANGED_APPROVAL_DRAWS) await new Promise((r) => setTimeout(r, CHANGED_APPROVAL_RETRY_MS));
      }
    }
  }
}
