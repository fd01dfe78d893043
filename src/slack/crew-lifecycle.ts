/**
 * crew_notice in a change or cancel operation (the create's posts are src/slack/crew-notice.ts,
 * which this wraps): each crew member's DM, or the crew channel's post.
 * - change: every post is updated in place (confirmations of anyone whose call changed were reset
 *   when the change started, so their Confirm button is back), added crew get their call, a reply
 *   under each post says what moved and asks for confirmation, and removed crew are told by DM.
 * - cancel: every post becomes "Cancelled" without buttons and a reply under it tells the crew.
 * Re-runs update the posts again (idempotent); the replies are skipped once the step's result says
 * they went. Each reply and "you're off" DM goes through PostOnce with metadata naming booking, kind,
 * revision and recipient: a lost answer is looked up before anything is sent again, and after an
 * attempt that may have posted (a crash between posting and recording it, a timeout) every note is
 * looked up first — so none is repeated.
 */
import type { WebClient } from '@slack/web-api';
import { charterTimeSettings, type Config } from '../config';
import { throwIfAborted } from '../integrations/create-once';
import { callsChangedBy, changeCallingCrew } from '../pipeline/operations';
import { CREW_CHANNEL_POST_KEY, type StepContext, type StepImplementation, type StepResult } from '../pipeline/types';
import { revisionMadeAtMs } from '../pipeline/guest-page-history';
import { toldDeactivated } from '../pipeline/reminders';
import { changeDiff, crewCancelledMessage, crewCancelNoticeText, crewChangeNoticeText, crewRemovedMessage } from './blocks/lifecycle';
import { crewPostMetadata } from './booking-ref';
import { crewPostLookUp, crewPostsOf, crewSafeViewOf, openDm } from './crew-notice';
import type { PostOnce } from './post-once';
import type { BookingApi } from '../pipeline/api';
import { findUnsavedCrewCalls } from './unsaved-crew-calls';
import { toSlackIntegrationError, unreachableUserReason } from './slack-errors';

export function withLifecycleCrewNotice(
  createStep: StepImplementation,
  deps: { client: WebClient; poster: PostOnce; config: Config; api?: Pick<BookingApi, 'updateSlackRefs'> },
): StepImplementation {
  /** Who this change told they are off: a change replacing it, should it fail, greets as new only them. */
  const recordToldOff = async (bookingId: string, userId: string, rev: number): Promise<void> => {
    await deps.api?.updateSlackRefs(bookingId, (slack) => (slack.crewToldOff?.[userId] === rev ? undefined : { ...slack, crewToldOff: { ...slack.crewToldOff, [userId]: rev } }));
  };
  /** One Slack call, unless the runner has aborted the attempt (deadline, lost lease): then nothing more is sent. */
  const call = async <T>(signal: AbortSignal | undefined, method: string, fn: () => Promise<T>): Promise<T> => {
    throwIfAborted(signal);
    try {
      return await fn();
    } catch (err) {
      throw toSlackIntegrationError(err, method);
    }
  };
  return async (ctx: StepContext): Promise<StepResult> => {
    const kind = ctx.operation?.kind ?? 'create';
    const { booking } = ctx;
    const posts = crewPostsOf(booking);
    // A change approved while the create had failed waits behind it and calls the crew itself: one
    // call with the new details, not the old call and then a "moved" note. Only on a first attempt
    // with nothing posted: posts an earlier attempt may have made are the create's to finish.
    if (kind === 'create' && posts.length === 0 && ctx.attempt === 1 && !ctx.outcomeUnknown) {
      const change = changeCallingCrew(booking);
      if (change) {
        ctx.log.info({ changeId: change.id }, 'crew call left to the change waiting behind the create');
        return { callDeferredTo: change.id };
      }
    }
    // No crew post yet (the create never got that far): a change calls the crew as the create would.
    if (kind === 'create' || (kind === 'change' && posts.length === 0)) return createStep(ctx);
    // Calls the create or a change posted and never saved (its crew step stopped between posting and
    // saving) are the crew's live calls too: found by their metadata, they are cancelled like the
    // saved ones. No lookup when every crew step that ran finished.
    if (kind === 'cancel') posts.push(...(await findUnsavedCrewCalls(deps, ctx, posts)));
    if (posts.length === 0) return { skipped: true };
    const view = crewSafeViewOf(booking, deps.config);

    let result: StepResult;
    if (kind === 'cancel') {
      // A cancel after the trip's departure is the office closing its books: the post says so in the
      // past, and nobody is pinged about a charter already gone by. Judged as of the cancel's start,
      // so every attempt draws the same post.
      const departed = Date.parse(view.departure.iso) <= revisionMadeAtMs(booking, ctx.operation?.revision ?? booking.revision ?? 1);
      const message = crewCancelledMessage(view, { departed });
      for (const post of posts) await call(ctx.signal, 'chat.update', () => deps.client.chat.update({ channel: post.channel, ts: post.ts, text: message.text, blocks: message.blocks }));
      if (departed) return { posts: posts.length, notesPosted: true };
      result = { posts: posts.length };
    } else {
      // The create's step updates every post in place (reset confirmations bring Confirm back) and calls added crew.
      result = await createStep(ctx);
    }
    if (ctx.previous?.notesPosted === true) return { ...result, notesPosted: true };

    let noteFor: (postKey: string) => string;
    let removed: string[] = [];
    // Who is taken off is told about the call they had: a change that also moved the trip would
    // otherwise tell them they are off Monday's charter when they were called for Saturday's.
    let removedFromView = view;
    if (kind === 'cancel') {
      const note = crewCancelNoticeText(view);
      noteFor = () => note;
    } else {
      // After a change that failed once its crew step had run, some crew hold that change's call
      // rather than `previous`: they are told what changed from what they may have seen.
      const seen = ctx.operation?.crewMayHaveSeen;
      const previous = seen ?? ctx.operation?.previous;
      const now = { request: booking.request, roster: booking.roster, costs: booking.costs };
      const calls = ctx.operation ? callsChangedBy(ctx.operation, now) : { changed: [], added: [], removed: [] };
      removed = calls.removed;
      if (previous && removed.length > 0) removedFromView = crewSafeViewOf({ ...booking, request: previous.request, roster: previous.roster, costs: previous.costs }, deps.config);
      const settings = charterTimeSettings(deps.config);
      const diff = previous ? changeDiff(previous, now, settings, { crewSafe: true }) : [];
      // Who answered the failed change's call holds what it showed them: their note goes from there alone.
      const holds = new Set(ctx.operation?.crewHoldsSeen ?? []);
      const seenDiff = [...diff];
      // What changed from `previous` and not from what they may have seen: crew the failed change never reached did not see it.
      if (seen && ctx.operation?.previous) for (const line of changeDiff(ctx.operation.previous, now, settings, { crewSafe: true })) if (!diff.some((d) => d.field === line.field)) diff.push(line);
      // A change crew cannot see (the price, a money line of the notes) updates posts in place, no note.
      if (previous && diff.length === 0 && calls.changed.length + calls.added.length + calls.removed.length === 0) return { ...result, notesPosted: true };
      noteFor = (postKey) => crewChangeNoticeText(view, holds.has(postKey) ? seenDiff : diff, calls, postKey === CREW_CHANNEL_POST_KEY ? undefined : postKey);
    }
    const rev = ctx.operation?.revision ?? booking.revision ?? 1;
    const lookUp = crewPostLookUp(ctx, deps.config);
    const noteKind = kind === 'cancel' ? 'crew_cancel_note' : 'crew_change_note';
    const toOf = (key: string) => (key === CREW_CHANNEL_POST_KEY ? 'channel' : key);
    // A reply under each crew post (each DM, or the crew channel's post) notifies where an edit would not.
    const targets = (kind === 'cancel' ? posts : crewPostsOf(booking, kind === 'change' ? result : undefined)).filter((p) => !removed.includes(p.key));
    for (const post of targets) {
      throwIfAborted(ctx.signal);
      await deps.poster.post({ channel: post.channel, thread_ts: post.ts, text: noteFor(post.key), metadata: crewPostMetadata(booking.id, noteKind, { rev, to: toOf(post.key) }), what: kind === 'cancel' ? 'cancel note to crew' : 'change note to crew', ...lookUp });
    }
    const offRosterPosts = new Map(crewPostsOf(booking, undefined, { offRoster: true }).map((p) => [p.key, p]));
    for (const userId of removed) {
      // Their old call still shows Confirm and the old details: it is redrawn as "you're off".
      const old = offRosterPosts.get(userId);
      if (old) {
        const off = crewRemovedMessage(removedFromView);
        await call(ctx.signal, 'chat.update', () => deps.client.chat.update({ channel: old.channel, ts: old.ts, text: off.text, blocks: off.blocks }));
      }
      throwIfAborted(ctx.signal);
      // Flagged as deactivated: nobody to tell, and a DM this process still knows would take the note.
      if (toldDeactivated(booking, userId)) {
        await recordToldOff(booking.id, userId, rev);
        continue;
      }
      const text = `You're off the charter aboard ${removedFromView.vesselName} on ${removedFromView.dateText} (${removedFromView.timeRangeText}) — no need to come in. Thanks!`;
      try {
        const channel = await openDm(deps.client, userId);
        throwIfAborted(ctx.signal);
        await deps.poster.post({ channel, text, metadata: crewPostMetadata(booking.id, 'crew_off', { rev, to: userId }), what: "you're-off note", ...lookUp });
      } catch (err) {
        // Taken off because Slack cannot DM them (deactivated, a bot): nobody to tell.
        const unreachable = unreachableUserReason(err);
        if (!unreachable) throw err;
        ctx.log.info({ userId, slackCode: unreachable.slackCode }, "removed crew member cannot get a DM; no you're-off note");
      }
      await recordToldOff(booking.id, userId, rev);
    }
    ctx.log.info({ kind, notes: targets.length, removed: removed.length }, 'crew told about the operation');
    return { ...result, notesPosted: true };
  };
}
