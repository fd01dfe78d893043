/**
 * crew_notice in a change or cancel operation (the create's posts are src/slack/crew-notice.ts,
 * which this wraps): each crew member's DM, or the crew channel's post.
 * - change: every post is updated in place (confirmations of anyone whose call changed were reset
 *   when the change started, so their Confirm button is back), added crew get their call, a reply
 *   under each post says what moved and asks for confirmation, and removed crew are told by DM
 *   (once: a failed change this one replaces may have told them already).
 * - cancel: every post becomes "Cancelled" without buttons and a reply under it tells the crew,
 *   off-roster members a failed change never told they are off included (they still hold a call),
 *   and those it only may have told (their post may still show the call). A member who answered
 *   with no post of theirs (an old record: answers once were taken before the call) is told by DM.
 * Re-runs update the posts again (idempotent); the replies are skipped once the step's result says
 * they went. Each reply and "you're off" DM goes through PostOnce with metadata naming booking, kind,
 * revision and recipient: a lost answer is looked up before anything is sent again, and after an
 * attempt that may have posted (a crash between posting and recording it, a timeout) every note is
 * looked up first — so none is repeated. Who was told they are off rides on the step's completion
 * (its result) or, when it fails, on one write; a re-run that may follow a lost DM looks those DMs
 * up before anything else, so a crash between a DM and its record loses nobody's "you're off".
 */
import type { WebClient } from '@slack/web-api';
import { charterTimeSettings, type Config } from '../config';
import { throwIfAborted } from '../integrations/create-once';
import { answeredMembers, callsChangedBy, changeCallingCrew, dmReminderUser, runReplacedBy } from '../pipeline/operations';
import { CREW_CHANNEL_POST_KEY, CREW_OFF_DRAWN_OVER_PREFIX, CREW_OFF_RESULT_PREFIX, type BookingRecord, type StepContext, type StepImplementation, type StepResult } from '../pipeline/types';
import { toldDeactivated } from '../pipeline/reminders';
import { changeDiff, crewBackOnText, type DiffLine, crewCancelNoticeText, crewChangeNoticeText, crewRemovedMessage, staleReminderMessage, type StaleReminderReason } from './blocks/lifecycle';
import { crewPostMetadata } from './booking-ref';
import { cancelledAfterDeparture, cancelledCrewMessage } from './crew-cancelled';
import { callFoundOn } from './crew-call-shown';
import { afterTakenOverCallsLand, crewPostLookUp, crewPostsOf, crewSafeViewOf, openDm, type CrewPostRef } from './crew-notice';
import type { CrewSafeView } from '../booking/crew-safe';
import { mayHaveTakenEffect } from '../integrations/errors';
import type { PostOnce } from './post-once';
import type { BookingApi } from '../pipeline/api';
import { findUnsavedCrewCalls } from './unsaved-crew-calls';
import { reminderRedrawn } from './crew-reminders';
import { toSlackIntegrationError, unreachableUserReason } from './slack-errors';

/**
 * Members who answered with no post of theirs to tell them under (no DM of theirs, no crew channel
 * post): an answer recorded before its call went out, which records from before answers waited for
 * the call hold. They believe they are on the charter, so the cancel tells them by DM.
 */
function answeredWithoutPost(booking: BookingRecord, posts: readonly CrewPostRef[]): string[] {
  if (posts.some((p) => p.key === CREW_CHANNEL_POST_KEY)) return [];
  return answeredMembers(booking).filter((userId) => !posts.some((p) => p.key === userId));
}

/**
 * The posts of members off the roster a cancel must still reach (Operation.crewMayHoldCall): a failed
 * change took them off without telling them, so their post still shows its call and Confirm.
 */
function untoldOffRosterPosts(booking: BookingRecord, mayHold: readonly string[] | undefined, known: readonly CrewPostRef[]): CrewPostRef[] {
  if (!mayHold || mayHold.length === 0) return [];
  return crewPostsOf(booking, undefined, { offRoster: true }).filter((p) => mayHold.includes(p.key) && !known.some((k) => k.key === p.key));
}

/** Whether an earlier change told (or may have told) `userId` they are off this charter. */
function toldOffEarlier(booking: BookingRecord, userId: string, thisOperation?: string): boolean {
  if (booking.slack.crewToldOff?.[userId] !== undefined || booking.slack.crewMaybeToldOff?.[userId] !== undefined) return true;
  return (booking.operations ?? []).some((o) => o.id !== thisOperation && o.kind === 'change' && o.steps?.crew_notice?.result?.[`${CREW_OFF_RESULT_PREFIX}${userId}`] !== undefined);
}

/** The `off:` and `offDrawnOver:` entries of a step result. */
function offKeys(result: StepResult | undefined): StepResult {
  return Object.fromEntries(Object.entries(result ?? {}).filter(([k]) => k.startsWith(CREW_OFF_RESULT_PREFIX) || k.startsWith(CREW_OFF_DRAWN_OVER_PREFIX)));
}

/** One attempt's knowledge of who was taken off and told. */
interface OffState {
  /** Told "you're off" (this attempt, or found from an earlier one), or nobody to tell. */
  told: Set<string>;
  /** Their DM may have landed and nobody knows: saved apart from told (SlackRefs.crewMaybeToldOff). */
  unsure: Set<string>;
  /** Looked up (found or proved absent) before this attempt could fail. */
  resolved: Set<string>;
  /** The member whose DM this attempt was sending when it stopped. */
  inFlight?: string;
}

export function withLifecycleCrewNotice(
  createStep: StepImplementation,
  deps: { client: WebClient; poster: PostOnce; config: Config; api?: Pick<BookingApi, 'updateSlackRefs'> },
): StepImplementation {
  /**
   * Who this attempt told they are off (or found told by an earlier attempt, or had nobody to tell),
   * and apart from them whose you're-off DM may have landed unseen, saved in one write when the step
   * fails. A change replacing this one, should it fail, greets as newly on those told or maybe told:
   * a member it took off and never told still holds their call. A cancel, or a change keeping them
   * off, counts only those told: a maybe-told member's post may still show a live call. A step that
   * finishes says so in its result instead (`off:` keys, saved with its completion), so a plain crew
   * swap writes nothing more.
   */
  const recordToldOff = async (ctx: StepContext, told: ReadonlySet<string>, unsure: ReadonlySet<string>, rev: number): Promise<void> => {
    const maybe = [...unsure].filter((u) => !told.has(u));
    if (told.size === 0 && maybe.length === 0) return;
    await deps.api
      ?.updateSlackRefs(ctx.booking.id, (slack) => {
        const fresh = [...told].filter((u) => slack.crewToldOff?.[u] !== rev);
        // Told by an attempt before this one stays told: a later attempt's doubt does not undo it.
        const freshMaybe = maybe.filter((u) => slack.crewToldOff?.[u] !== rev && slack.crewMaybeToldOff?.[u] !== rev);
        if (fresh.length === 0 && freshMaybe.length === 0) return undefined;
        const crewToldOff = { ...slack.crewToldOff, ...Object.fromEntries(fresh.map((u) => [u, rev])) };
        const maybeLeft = Object.entries({ ...slack.crewMaybeToldOff, ...Object.fromEntries(freshMaybe.map((u) => [u, rev])) }).filter(([u, r]) => crewToldOff[u] !== r);
        const { crewMaybeToldOff: _old, ...rest } = slack;
        return {
          ...rest,
          ...(Object.keys(crewToldOff).length > 0 ? { crewToldOff } : {}),
          ...(maybeLeft.length > 0 ? { crewMaybeToldOff: Object.fromEntries(maybeLeft) } : {}),
        };
      })
      // The step's own failure is what the office must see; the next attempt looks the DMs up again.
      .catch((err: unknown) => ctx.log.warn({ err }, "could not save who was told they are off"));
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
    if (kind === 'cancel') posts.push(...untoldOffRosterPosts(booking, ctx.operation?.crewMayHoldCall, posts));
    // Calls the create or a change posted and never saved (its crew step stopped between posting and
    // saving) are the crew's live calls too: found by their metadata, they are cancelled like the
    // saved ones. No lookup when every crew step that ran finished.
    if (kind === 'cancel') posts.push(...(await findUnsavedCrewCalls(deps, ctx, posts)));
    const answeredOnly = kind === 'cancel' ? answeredWithoutPost(booking, posts) : [];
    if (posts.length === 0 && answeredOnly.length === 0) return { skipped: true };
    const view = crewSafeViewOf(booking, deps.config);
    const rev = ctx.operation?.revision ?? booking.revision ?? 1;
    const lookUp = crewPostLookUp(ctx, deps.config);
    // Who is taken off, known from the operation alone: an earlier attempt may have told them.
    const now = { request: booking.request, roster: booking.roster, costs: booking.costs };
    const calls = kind === 'change' && ctx.operation ? callsChangedBy(ctx.operation, now) : { changed: [], added: [], removed: [] };
    const removed = calls.removed;
    const off: OffState = { told: new Set(), unsure: new Set(), resolved: new Set() };
    // Told by a failed change this one replaces, with no call shown since: told once is enough.
    const toldBefore = new Set((ctx.operation?.crewToldOffBefore ?? []).filter((u) => removed.includes(u)));
    for (const u of toldBefore) {
      off.told.add(u);
      off.resolved.add(u);
    }
    try {
      // An earlier attempt may have sent someone their you're-off DM and stopped before it was
      // recorded (a crash, a lost lease): found by its metadata before anything here can fail, so
      // the record this attempt leaves (its result, or its failure's one write) names them.
      if (lookUp.lookUpFirst) await findToldOff(ctx, removed, rev, off, lookUp);
      const result = await tell(ctx, { posts, answeredOnly, view, rev, lookUp, calls, off });
      return { ...offKeys(ctx.previous), ...result, ...Object.fromEntries(removed.map((u) => [`${CREW_OFF_RESULT_PREFIX}${u}`, rev])) };
    } catch (err) {
      // A DM in flight when the attempt failed may have landed; so may any an earlier attempt sent
      // that this one could not look up. A change putting them back greets them as newly on (and
      // asks them to confirm): better than leaving someone who read "you're off" at home. A cancel
      // still reaches them: their post may show the call.
      if (off.inFlight && mayHaveTakenEffect(err)) off.unsure.add(off.inFlight);
      if (lookUp.lookUpFirst) for (const u of removed) if (!off.resolved.has(u)) off.unsure.add(u);
      await recordToldOff(ctx, off.told, off.unsure, rev);
      throw err;
    }
  };

  /** Looks up the you're-off DM of each member taken off; found ones count as told. */
  async function findToldOff(ctx: StepContext, removed: readonly string[], rev: number, off: OffState, lookUp: ReturnType<typeof crewPostLookUp>): Promise<void> {
    for (const userId of removed) {
      if (off.resolved.has(userId)) continue;
      throwIfAborted(ctx.signal);
      if (toldDeactivated(ctx.booking, userId)) {
        off.resolved.add(userId);
        continue;
      }
      let channel: string;
      try {
        channel = await openDm(deps.client, userId);
      } catch (err) {
        // Slack will not DM them: no DM can have reached them, and none will.
        if (!unreachableUserReason(err)) throw err;
        off.resolved.add(userId);
        continue;
      }
      const ts = await deps.poster.findPosted({
        channel,
        metadata: crewPostMetadata(ctx.booking.id, 'crew_off', { rev, to: userId }),
        earliestMs: lookUp.earliestMs,
        ...(lookUp.othersCallsEndByMs !== undefined ? { othersCallsEndByMs: lookUp.othersCallsEndByMs } : {}),
        what: "you're-off note",
        log: ctx.log,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
      if (ts !== undefined) off.told.add(userId);
      off.resolved.add(userId);
    }
  }

  /**
   * A member put back on a charter after being taken off: their crew call, redrawn in place, sits
   * above the "you're off" DM, and the change's note is a reply under it. So they get a top-level DM
   * of their own, once (PostOnce, looked up like the notes), inside the step's notes: a step that
   * finished them is not run for them again. In DM mode a call posted before this change was asked
   * for is one they held before; in a crew channel, their "you're off" DM is known from the record.
   */
  async function tellBackOn(ctx: StepContext, a: { posts: CrewPostRef[]; view: CrewSafeView; rev: number; lookUp: ReturnType<typeof crewPostLookUp>; added: readonly string[] }): Promise<void> {
    const { booking } = ctx;
    const channelPost = a.posts.find((p) => p.key === CREW_CHANNEL_POST_KEY);
    const askedAtMs = (booking.operations ?? []).find((o) => o.id === ctx.operation?.id)?.requestedAtMs;
    for (const userId of a.added) {
      const own = a.posts.find((p) => p.key === userId);
      const heldBefore = own !== undefined && askedAtMs !== undefined && Number(own.ts) * 1000 < askedAtMs;
      if (!heldBefore && !toldOffEarlier(booking, userId, ctx.operation?.id)) continue;
      if (toldDeactivated(booking, userId)) continue;
      throwIfAborted(ctx.signal);
      const text = crewBackOnText(a.view, own ? undefined : channelPost?.channel);
      try {
        const channel = own?.channel ?? (await openDm(deps.client, userId));
        throwIfAborted(ctx.signal);
        await deps.poster.post({ channel, text, metadata: crewPostMetadata(booking.id, 'crew_on', { rev: a.rev, to: userId }), what: 'back-on note', ...a.lookUp });
      } catch (err) {
        const unreachable = unreachableUserReason(err);
        if (!unreachable) throw err;
        ctx.log.info({ userId, slackCode: unreachable.slackCode }, 'crew member put back on cannot get a DM; no back-on note');
      }
    }
  }

  /**
   * The cancel note, by DM, to members who answered with no post to reply under (answeredWithoutPost):
   * once each (PostOnce, metadata as a note under their post would carry, looked up like the notes).
   */
  async function tellAnsweredByDm(ctx: StepContext, a: { userIds: readonly string[]; view: CrewSafeView; rev: number; lookUp: ReturnType<typeof crewPostLookUp> }): Promise<void> {
    const { booking } = ctx;
    for (const userId of a.userIds) {
      if (toldDeactivated(booking, userId)) continue;
      throwIfAborted(ctx.signal);
      try {
        const channel = await openDm(deps.client, userId);
        throwIfAborted(ctx.signal);
        await deps.poster.post({ channel, text: crewCancelNoticeText(a.view, userId), metadata: crewPostMetadata(booking.id, 'crew_cancel_note', { rev: a.rev, to: userId }), what: 'cancel note to crew', ...a.lookUp });
      } catch (err) {
        const unreachable = unreachableUserReason(err);
        if (!unreachable) throw err;
        ctx.log.info({ userId, slackCode: unreachable.slackCode }, 'crew member who answered cannot get a DM; no cancel note');
      }
    }
  }

  /**
   * Reminder DMs sent for a call this operation replaced (a change calling the member afresh, or
   * taking them off) or cancelled are redrawn without their buttons: a reminder is the newest
   * message in the DM, and would otherwise show the old time and live buttons. Only reminders saved
   * with their message (ReminderState.post) are known; at most two per member. Best effort, among
   * the step's notes: a failure is logged, never the step's, and a re-run draws them again.
   */
  async function redrawStaleReminders(ctx: StepContext, oldCall: (userId: string) => CrewSafeView, calls: ReturnType<typeof callsChangedBy>): Promise<void> {
    const { booking } = ctx;
    const stale: Array<{ key: string; post: { channel: string; ts: string }; why: StaleReminderReason }> = [];
    /** Reminders that stand again with buttons of a revision below their member's: redrawn as the call stands. */
    const behind: Array<{ key: string; post: { channel: string; ts: string }; userId: string; sentAtMs: number | undefined }> = [];
    if (ctx.operation?.kind === 'cancel') {
      // Also those a change reset without redrawing them: one that failed before its crew step
      // ran left them only in its answersBefore, and they still show the call with live buttons.
      const reset = (booking.operations ?? []).flatMap((o) => [o.answersBefore?.reminders ?? {}, o.remindersReplaced ?? {}]);
      const seen = new Set<string>();
      for (const reminders of [booking.reminders ?? {}, ...reset]) {
        for (const [key, state] of Object.entries(reminders)) {
          if (!dmReminderUser(key) || !state.post || seen.has(`${state.post.channel} ${state.post.ts}`)) continue;
          seen.add(`${state.post.channel} ${state.post.ts}`);
          stale.push({ key, post: state.post, why: 'cancelled' });
        }
      }
    } else {
      // The reminders as they were before this change reset them (Operation.answersBefore).
      const op = (booking.operations ?? []).find((o) => o.id === ctx.operation?.id);
      for (const [key, state] of Object.entries(op?.answersBefore?.reminders ?? {})) {
        const userId = dmReminderUser(key);
        if (!userId || !state.post) continue;
        // Brought back with a call put back as it was: it stands again. It went out before the run,
        // with the revision the member held then (callRevisionsBefore); if a failed change of the
        // run drew them a higher one, which this change keeps, its buttons would be refused.
        if (booking.reminders?.[key]?.post?.ts === state.post.ts) {
          if ((booking.callRevisions?.[userId] ?? 1) > (op?.callRevisionsBefore?.[userId] ?? 1)) behind.push({ key, post: state.post, userId, sentAtMs: state.sentAtMs });
          continue;
        }
        const why: StaleReminderReason | undefined = calls.removed.includes(userId) ? 'off' : calls.changed.includes(userId) ? 'changed' : undefined;
        if (why) stale.push({ key, post: state.post, why });
      }
      // Those the failed run sent for a call of its own, dropped by a change of it or by this one
      // (Operation.remindersReplaced): each shows a call no longer standing. A change of the run
      // that dropped one may have failed before redrawing it (every chat.update refused), and its
      // 5 PM buttons would stay live under the 4 PM this change settles.
      const seen = new Set(stale.map((s) => s.post.ts));
      for (const o of [op, ...(op ? runReplacedBy(booking, op.id) : [])]) {
        for (const [key, state] of Object.entries(o?.remindersReplaced ?? {})) {
          const userId = dmReminderUser(key);
          if (!userId || !state.post || seen.has(state.post.ts)) continue;
          seen.add(state.post.ts);
          stale.push({ key, post: state.post, why: booking.roster.some((m) => m.slackUserId === userId) ? 'changed' : 'off' });
        }
      }
    }
    const crewChannel = crewPostsOf(booking).find((p) => p.key === CREW_CHANNEL_POST_KEY)?.channel;
    for (const { key, post, why } of stale) {
      if (ctx.signal?.aborted) return;
      const message = staleReminderMessage(oldCall(dmReminderUser(key) ?? ''), why, crewChannel);
      try {
        await deps.client.chat.update({ channel: post.channel, ts: post.ts, text: message.text, blocks: message.blocks });
      } catch (err) {
        ctx.log.warn({ err, reminder: key }, 'could not redraw a reminder its call no longer stands for; it keeps its old details (its buttons are refused)');
      }
    }
    for (const { key, post, userId, sentAtMs } of behind) {
      if (ctx.signal?.aborted) return;
      const message = reminderRedrawn(booking, deps.config, userId, sentAtMs ?? Date.now());
      try {
        await deps.client.chat.update({ channel: post.channel, ts: post.ts, text: message.text, blocks: message.blocks });
      } catch (err) {
        ctx.log.warn({ err, reminder: key }, "could not redraw a reminder at its member's call revision; its buttons are refused (a click redraws it)");
      }
    }
  }

  /** Posts updated, a note under each, and whoever was taken off told: the step's work once it knows who is off. */
  async function tell(
    ctx: StepContext,
    a: { posts: CrewPostRef[]; answeredOnly: readonly string[]; view: CrewSafeView; rev: number; lookUp: ReturnType<typeof crewPostLookUp>; calls: ReturnType<typeof callsChangedBy>; off: OffState },
  ): Promise<StepResult> {
    const kind = ctx.operation?.kind ?? 'create';
    const { booking } = ctx;
    const { view, rev, lookUp, calls, off, posts, answeredOnly } = a;

    let result: StepResult;
    // A cancel: the call each post last showed (./crew-call-shown.ts), found once per post.
    const foundOn = new Map(kind === 'cancel' ? posts.map((p) => [p.key, callFoundOn(booking, deps.config, p)] as const) : []);
    const shownOn = new Map([...foundOn].map(([key, found]) => [key, found.shown] as const));
    /**
     * Nobody is pinged about a call already gone by (./crew-cancelled.ts), judged post by post; a
     * post whose call is not known is told: an extra note beats a silent cancel.
     */
    const departedOn = (key: string) => foundOn.get(key)?.known !== false && cancelledAfterDeparture(booking, deps.config, ctx.operation?.revision, shownOn.get(key) ?? booking);
    if (kind === 'cancel') {
      await afterTakenOverCallsLand(ctx, deps.config.liveness.callTimeoutMs, deps.poster.settleMs);
      for (const post of posts) {
        const message = cancelledCrewMessage(booking, deps.config, post, ctx.operation?.revision, shownOn.get(post.key));
        await call(ctx.signal, 'chat.update', () => deps.client.chat.update({ channel: post.channel, ts: post.ts, text: message.text, blocks: message.blocks }));
      }
      const departed = posts.length > 0 && answeredOnly.length === 0 ? posts.every((p) => departedOn(p.key)) : cancelledAfterDeparture(booking, deps.config, ctx.operation?.revision);
      if (departed) return { posts: posts.length, notesPosted: true };
      result = { posts: posts.length, ...(answeredOnly.length > 0 ? { answeredWithoutPost: answeredOnly.length } : {}) };
    } else {
      // The create's step updates every post in place (reset confirmations bring Confirm back) and calls added crew.
      result = await createStep(ctx);
    }
    if (ctx.previous?.notesPosted === true) return { ...result, notesPosted: true };

    /** Undefined: nothing to tell that post's reader (crewChangeNoticeText). */
    let noteFor: (postKey: string) => string | undefined;
    const removed = calls.removed;
    // Who is taken off is told about the call they had: a change that also moved the trip would
    // otherwise tell them they are off Monday's charter when they were called for Saturday's.
    let removedFromView = view;
    /** The call this change replaced, as crew saw it: what a member's reminders were sent for. */
    let oldCallView = (_userId: string) => view;
    if (kind === 'cancel') {
      // Told of the call their post showed, as the post is drawn; their reminders were sent for it too.
      const views = new Map([...shownOn].map(([key, shown]) => [key, crewSafeViewOf(shown, deps.config)]));
      noteFor = (postKey) => crewCancelNoticeText(views.get(postKey) ?? view, postKey === CREW_CHANNEL_POST_KEY ? undefined : postKey);
      oldCallView = (userId) => views.get(userId) ?? views.get(CREW_CHANNEL_POST_KEY) ?? view;
    } else {
      // After a change that failed once its crew step had run, some crew hold that change's call
      // rather than `previous`: they are told what changed from what they may have seen.
      const seen = ctx.operation?.crewMayHaveSeen;
      const previous = seen ?? ctx.operation?.previous;
      const now = { request: booking.request, roster: booking.roster, costs: booking.costs };
      if (previous) {
        const replaced = crewSafeViewOf({ ...booking, request: previous.request, roster: previous.roster, costs: previous.costs }, deps.config);
        oldCallView = () => replaced;
        if (removed.length > 0) removedFromView = replaced;
      }
      const settings = charterTimeSettings(deps.config);
      const diff = previous ? changeDiff(previous, now, settings, { crewSafe: true }) : [];
      const seenDiff = [...diff];
      // What changed from `previous` and not from what they may have seen: crew the failed change never reached did not see it.
      if (seen && ctx.operation?.previous) for (const line of changeDiff(ctx.operation.previous, now, settings, { crewSafe: true })) if (!diff.some((d) => d.field === line.field)) diff.push(line);
      // Each member is told what changed from the call their own post showed before this step
      // redrew it (its saved digest), not from the newest call the failed run drew: a change of it
      // whose redraw of their post Slack refused left them an older call, and nobody told them of
      // the one after. Found showing the booking as it stands, or no call known: as before, from
      // what the run may have shown.
      const fromPost = (post: CrewPostRef): DiffLine[] | undefined => {
        // An earlier attempt of this step redrew it: what it showed before that.
        const before = post.callBefore?.rev === rev ? { ...post, call: post.callBefore.call } : post;
        const found = ctx.operation ? callFoundOn(booking, deps.config, before, ctx.operation.id) : undefined;
        return found?.known === true && !found.current ? changeDiff(found.shown, now, settings, { crewSafe: true }) : undefined;
      };
      // Who answered a call of the failed run knows the call they answered: their note goes from there
      // alone. Everyone else hears of it all: a post redrawn without a note may have gone unread.
      const holds = new Set(ctx.operation?.crewHoldsSeen ?? []);
      const diffs = new Map<string, DiffLine[]>();
      /** Members whose post showed another call and who hold no answer: asked to confirm, as their post now asks. */
      const askAgain = new Set<string>();
      const run = ctx.operation ? runReplacedBy(booking, ctx.operation.id) : [];
      /**
       * The call a member of crewHoldsSeen answered: the run's change whose revision their answer
       * carries. A later change of the run may have redrawn their post since and failed before its
       * note reached them (or after it: they read those lines again), so their post's call is not
       * what they know.
       */
      const answeredCall = (userId: string) => {
        const at = booking.callRevisions?.[userId];
        return at === undefined ? undefined : run.find((o) => o.kind === 'change' && o.revision === at)?.details;
      };
      for (const post of posts) {
        if (post.key === CREW_CHANNEL_POST_KEY) continue;
        if (holds.has(post.key)) {
          const answered = answeredCall(post.key);
          diffs.set(post.key, answered ? changeDiff(answered, now, settings, { crewSafe: true }) : (fromPost(post) ?? seenDiff));
          continue;
        }
        const own = fromPost(post);
        const more = (own ?? []).filter((line) => !diff.some((d) => d.field === line.field));
        if (more.length === 0) continue;
        diffs.set(post.key, [...diff, ...more]);
        const answered = booking.confirmations[post.key] !== undefined || booking.declines?.[post.key] !== undefined;
        if (!answered && !calls.changed.includes(post.key) && !calls.added.includes(post.key)) askAgain.add(post.key);
      }
      // A change crew cannot see (the price, a money line of the notes) updates posts in place, no note.
      // Its reminders still are redrawn: one a failed change of the run sent may show that change's call.
      const nothingToTell = diff.length === 0 && [...diffs.values()].every((d) => d.length === 0);
      if (previous && nothingToTell && calls.changed.length + calls.added.length + calls.removed.length === 0) {
        await redrawStaleReminders(ctx, oldCallView, calls);
        return { ...result, notesPosted: true };
      }
      const callsFor = (postKey: string) => (askAgain.has(postKey) ? { ...calls, changed: [...calls.changed, postKey] } : calls);
      noteFor = (postKey) => crewChangeNoticeText(view, diffs.get(postKey) ?? diff, callsFor(postKey), postKey === CREW_CHANNEL_POST_KEY ? undefined : postKey);
    }
    const noteKind = kind === 'cancel' ? 'crew_cancel_note' : 'crew_change_note';
    const toOf = (key: string) => (key === CREW_CHANNEL_POST_KEY ? 'channel' : key);
    // A reply under each crew post (each DM, or the crew channel's post) notifies where an edit would not.
    const targets = (kind === 'cancel' ? posts.filter((p) => !departedOn(p.key)) : crewPostsOf(booking, kind === 'change' ? result : undefined)).filter((p) => !removed.includes(p.key));
    let notes = 0;
    for (const post of targets) {
      throwIfAborted(ctx.signal);
      const text = noteFor(post.key);
      if (text === undefined) continue;
      notes += 1;
      await deps.poster.post({ channel: post.channel, thread_ts: post.ts, text, metadata: crewPostMetadata(booking.id, noteKind, { rev, to: toOf(post.key) }), what: kind === 'cancel' ? 'cancel note to crew' : 'change note to crew', ...lookUp });
    }
    if (kind === 'cancel') await tellAnsweredByDm(ctx, { userIds: answeredOnly, view, rev, lookUp });
    if (kind === 'change') await tellBackOn(ctx, { posts: crewPostsOf(booking, result), view, rev, lookUp, added: calls.added });
    await redrawStaleReminders(ctx, oldCallView, calls);
    const offRosterPosts = new Map(crewPostsOf(booking, undefined, { offRoster: true }).map((p) => [p.key, p]));
    const toldBefore = new Set(ctx.operation?.crewToldOffBefore ?? []);
    /** What each post drawn "you're off" was saved as showing: Lambda's minute tick leaves it alone while it still is. */
    const drawnOver: StepResult = {};
    for (const userId of removed) {
      // A failed change this one replaces told them and redrew their post: nothing new to say.
      if (toldBefore.has(userId)) continue;
      // Their old call still shows Confirm and the old details: it is redrawn as "you're off".
      const old = offRosterPosts.get(userId);
      if (old) {
        const offMessage = crewRemovedMessage(removedFromView);
        await call(ctx.signal, 'chat.update', () => deps.client.chat.update({ channel: old.channel, ts: old.ts, text: offMessage.text, blocks: offMessage.blocks }));
        if (old.shown !== undefined) drawnOver[`${CREW_OFF_DRAWN_OVER_PREFIX}${userId}`] = old.shown;
      }
      throwIfAborted(ctx.signal);
      // Flagged as deactivated: nobody to tell, and a DM this process still knows would take the note.
      // Found told by an earlier attempt: told once is enough.
      if (toldDeactivated(booking, userId) || off.told.has(userId)) {
        off.told.add(userId);
        continue;
      }
      const text = `You're off the charter aboard ${removedFromView.vesselName} on ${removedFromView.dateText} (${removedFromView.timeRangeText}) — no need to come in. Thanks!`;
      try {
        const channel = await openDm(deps.client, userId);
        throwIfAborted(ctx.signal);
        off.inFlight = userId;
        await deps.poster.post({ channel, text, metadata: crewPostMetadata(booking.id, 'crew_off', { rev, to: userId }), what: "you're-off note", ...lookUp });
      } catch (err) {
        // Taken off because Slack cannot DM them (deactivated, a bot): nobody to tell.
        const unreachable = unreachableUserReason(err);
        if (!unreachable) throw err;
        ctx.log.info({ userId, slackCode: unreachable.slackCode }, "removed crew member cannot get a DM; no you're-off note");
      }
      off.inFlight = undefined;
      off.told.add(userId);
    }
    ctx.log.info({ kind, notes, removed: removed.length }, 'crew told about the operation');
    return { ...result, ...drawnOver, notesPosted: true };
  }
}
