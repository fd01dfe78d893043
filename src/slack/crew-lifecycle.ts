/**
 * crew_notice in a change or cancel operation (the create's post is src/slack/crew-notice.ts, which
 * this wraps). Kept apart so the crew post's own home (channel, DMs) can move without touching this.
 * - change: the crew post is updated in place (confirmations of anyone whose call changed were reset
 *   when the change started, so their Confirm button is back); a note in the post's thread says what
 *   moved, asks them (and added crew) to confirm, and tells removed crew they are off — removed crew
 *   also get a DM, since they may no longer follow the post.
 * - cancel: the post becomes "Cancelled" without buttons and a note tells the crew.
 * Re-runs update the post again (idempotent); the note is skipped once its ts is in the step's result.
 * A crash between posting the note and recording it can repeat the note — never the post.
 */
import type { WebClient } from '@slack/web-api';
import type { Config } from '../config';
import { callsChanged } from '../pipeline/operations';
import type { BookingRecord, StepContext, StepImplementation, StepResult } from '../pipeline/types';
import { changeDiff, crewCancelledMessage, crewCancelNoticeText, crewChangeNoticeText } from './blocks/lifecycle';
import { crewMessage } from './blocks/crew';
import { crewPostRef, crewSafeViewOf } from './crew-notice';
import { toSlackIntegrationError } from './slack-errors';

/** Where notes about the crew post go: its own thread when it is top-level, else the thread it sits in. */
function noteThread(booking: BookingRecord, post: { channel: string; ts: string }, config: Config): string {
  return config.slack.crewChannel ? post.ts : (booking.slack.approvalTs ?? post.ts);
}

export function withLifecycleCrewNotice(createStep: StepImplementation, deps: { client: WebClient; config: Config }): StepImplementation {
  const call = async <T>(method: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw toSlackIntegrationError(err, method);
    }
  };
  return async (ctx: StepContext): Promise<StepResult> => {
    const kind = ctx.operation?.kind ?? 'create';
    const { booking } = ctx;
    const post = crewPostRef(booking);
    // No crew post yet (the create never got that far): a change posts it as the create would.
    if (kind === 'create' || (kind === 'change' && !post)) return createStep(ctx);
    if (!post) return { skipped: true };
    const view = crewSafeViewOf(booking, deps.config);
    const message = kind === 'cancel' ? crewCancelledMessage(view) : crewMessage(view, booking.confirmations);
    await call('chat.update', () => deps.client.chat.update({ channel: post.channel, ts: post.ts, text: message.text, blocks: message.blocks }));
    const result: StepResult = { channel: post.channel, ts: post.ts };
    if (typeof ctx.previous?.noteTs === 'string') return { ...result, noteTs: ctx.previous.noteTs };

    let note: string;
    let removed: string[] = [];
    if (kind === 'cancel') {
      note = crewCancelNoticeText(view);
    } else {
      const previous = ctx.operation?.previous;
      const now = { request: booking.request, roster: booking.roster, costs: booking.costs };
      const calls = previous ? callsChanged(previous, now) : { changed: [], added: [], removed: [] };
      removed = calls.removed;
      const settings = { timezone: deps.config.timezone, checkInLeadMinutes: deps.config.rates.checkInLeadMinutes };
      note = crewChangeNoticeText(view, previous ? changeDiff(previous, now, settings, { crewSafe: true }) : [], calls);
    }
    const posted = await call('chat.postMessage', () => deps.client.chat.postMessage({ channel: post.channel, thread_ts: noteThread(booking, post, deps.config), text: note }));
    for (const userId of removed) {
      await call('chat.postMessage', () =>
        deps.client.chat.postMessage({ channel: userId, text: `You're off the charter aboard ${view.vesselName} on ${view.dateText} (${view.timeRangeText}) — no need to come in. Thanks!` }),
      );
    }
    ctx.log.info({ kind, removed: removed.length }, 'crew told about the operation');
    return { ...result, noteTs: posted.ts ?? '' };
  };
}
