/**
 * The crew_notice pipeline step and the crew posts after it. Crew never see money, so crew posts go
 * where no money is: to CHARTER_CREW_CHANNEL when it is set, otherwise to each crew member by DM
 * (conversations.open + chat.postMessage: their own crew call with their own buttons) — never into
 * the ops channel or a thread under the approval message, whose parent shows the cost breakdown.
 * The ops thread gets a money-free "Crew called: …" line instead.
 *
 * Idempotent per recipient: each post's channel + ts is saved on the booking the moment it exists
 * (slack.crewPosts) and returned in the step result, so a re-run — after a crash halfway through
 * the roster, a Retry, a change — updates those posts (only those that would show something new)
 * and only posts to recipients who have none.
 *
 * Exactly once although Slack's answer can be lost: the crew call and the crew-called line go
 * through PostOnce (src/slack/post-once.ts) with metadata naming booking, kind and recipient. A post
 * whose answer was lost is looked up before anything is sent again, and so is every post not yet
 * saved when an earlier attempt of the step may have posted it (the step's outcomeUnknown: a
 * crash, a timeout, a lost answer that could not be settled).
 */
import { createHash } from 'node:crypto';
import type { WebClient } from '@slack/web-api';
import { toCrewSafeView, crewSafeNotes, type CrewSafeView } from '../booking/crew-safe';
import { charterTimeSettings, type Config } from '../config';
import { sleep, throwIfAborted } from '../integrations/create-once';
import type { BookingApi } from '../pipeline/api';
import { IntegrationError, UpstreamUnavailableError } from '../integrations/errors';
import { CREATE_OP, findOperation, stepsOf } from '../pipeline/op-steps';
import { toldDeactivated } from '../pipeline/reminders';
import { CREW_CHANNEL_POST_KEY, type BookingRecord, type CrewPostSaved, type SlackRefs, type StepContext, type StepImplementation, type StepResult, type StepState } from '../pipeline/types';
import { postsBehind, refreshCrewPosts } from './crew-redraw';
import { crewCalledText, crewMessage, type CrewAnswers } from './blocks/crew';
import { withApprovalDm } from './approval-dm';
import { crewPostMetadata } from './booking-ref';
import type { PostOnce } from './post-once';
import { guestUrl } from './context';
import { channelSettingOf, toSlackIntegrationError, slackErrorCode, unreachableUserReason } from './slack-errors';

export function crewSafeViewOf(booking: BookingRecord, config: Config): CrewSafeView {
  return toCrewSafeView(
    { sessionId: booking.id, request: booking.request, roster: booking.roster, guestUrl: guestUrl(config, booking.id) },
    { ...charterTimeSettings(config), operator: config.operator },
  );
}

/** Answers as crew may see them: a decline reason loses any line that carries money. */
export function crewAnswersOf(booking: BookingRecord): CrewAnswers {
  const declines: Record<string, { atMs: number; reason?: string }> = {};
  for (const [userId, d] of Object.entries(booking.declines ?? {})) {
    const reason = crewSafeNotes(d.reason).join(' ');
    declines[userId] = reason ? { atMs: d.atMs, reason } : { atMs: d.atMs };
  }
  return { confirmations: booking.confirmations, declines, ...(booking.callRevisions ? { callRevisions: booking.callRevisions } : {}) };
}

export interface CrewPostRef {
  /** A crew member's user id (their DM) or CREW_CHANNEL_POST_KEY. */
  key: string;
  channel: string;
  ts: string;
  /** Digest of what the post was last made to show (shownDigest); unknown for older records. */
  shown?: string;
  /** Digest of the call it was last made to show, answers left out (callDigest); unknown for older records. */
  call?: string;
  /** The call it showed before a change's crew step redrew it (CrewPostSaved.callBefore). */
  callBefore?: { rev: number; call: string };
  /** The Slack error that refused this post's last redraw for good (CrewPostSaved.refused). */
  refused?: string;
}

/**
 * A short digest of what a message shows. A re-run of the step (a retry after Slack's 429, a crash
 * halfway) leaves a post that would show the same alone: chat.update is Tier 3, about 50 a minute
 * for the whole workspace, and re-drawing unchanged posts on every retry starves everything else.
 */
export function shownDigest(message: { text?: string; blocks?: unknown }): string {
  return createHash('sha256').update(message.text ?? '').update('\u0000').update(JSON.stringify(message.blocks ?? null)).digest('base64url').slice(0, 16);
}

/** A crew step's result names each post it made or drew as `post:<key>`. */
export const CREW_POST_RESULT_PREFIX = 'post:';

/**
 * Every crew-facing post of a booking: saved refs, then refs only the step's last result knows.
 * The DM of someone a change took off the roster is left out unless `offRoster` (the change that
 * removed them redraws it once): later posts, notes and answers are not theirs.
 */
export function crewPostsOf(booking: BookingRecord, previous?: StepResult, opts: { offRoster?: boolean } = {}): CrewPostRef[] {
  const refs = new Map<string, CrewPostRef>();
  for (const [k, v] of Object.entries(previous ?? booking.steps.crew_notice.result ?? {})) {
    if (!k.startsWith(CREW_POST_RESULT_PREFIX) || typeof v !== 'string') continue;
    const [channel, ts] = v.split('/');
    if (channel && ts) refs.set(k.slice(CREW_POST_RESULT_PREFIX.length), { key: k.slice(CREW_POST_RESULT_PREFIX.length), channel, ts });
  }
  for (const [key, ref] of Object.entries(booking.slack.crewPosts ?? {})) refs.set(key, { key, ...ref });
  const onRoster = (key: string) => key === CREW_CHANNEL_POST_KEY || booking.roster.some((m) => m.slackUserId === key);
  return [...refs.values()].filter((p) => opts.offRoster === true || onRoster(p.key));
}

/** The message one crew post shows. */
export function crewMessageFor(booking: BookingRecord, config: Config, key: string) {
  const view = crewSafeViewOf(booking, config);
  return crewMessage(view, crewAnswersOf(booking), key === CREW_CHANNEL_POST_KEY ? {} : { recipient: key });
}

const NO_ANSWERS = { confirmations: {}, declines: {} } as const;

/**
 * A digest of the call one crew post carries: the message drawn with nobody's answer, so the
 * details, roster, role and the call revisions the buttons carry, but not who answered. Another
 * member's Confirm changes what every post shows (the roster lines) without changing anyone's call.
 */
export function callDigest(booking: BookingRecord, config: Config, key: string): string {
  const answers = booking.callRevisions ? { ...NO_ANSWERS, callRevisions: booking.callRevisions } : NO_ANSWERS;
  return shownDigest(crewMessage(crewSafeViewOf(booking, config), answers, key === CREW_CHANNEL_POST_KEY ? {} : { recipient: key }));
}

/** What to save for a post just made to show `message`, drawn from `booking`. */
export function drawnRef(booking: BookingRecord, config: Config, key: string, message: { text?: string; blocks?: unknown }): { shown: string; call: string } {
  return { shown: shownDigest(message), call: callDigest(booking, config, key) };
}

/** The post saved for `key` was last made to show what it should show now (the booking as it stands). */
export function crewPostShowsCurrent(booking: BookingRecord, config: Config, key: string): boolean {
  const saved = crewPostsOf(booking).find((p) => p.key === key);
  return saved?.shown !== undefined && saved.shown === shownDigest(crewMessageFor(booking, config, key));
}

/**
 * The post that carries this member's call shows their call as it stands: their DM, or, with a
 * crew channel, the channel's one post (which holds every member's buttons). Only the call counts,
 * not the answers drawn beside it: between another member's answer and that answer's redraw every
 * post shows an answer too few, and reading that as "not called yet" refused the answers of crew
 * clicking at the same moment. A post saved before its call was kept falls back to all it shows.
 */
export function callPostShowsCurrent(booking: BookingRecord, config: Config, userId: string): boolean {
  const posts = crewPostsOf(booking);
  const keys = new Set(posts.map((p) => p.key));
  const inChannel = !keys.has(userId) && (keys.has(CREW_CHANNEL_POST_KEY) || Boolean(config.slack.crewChannel));
  const key = inChannel ? CREW_CHANNEL_POST_KEY : userId;
  const saved = posts.find((p) => p.key === key);
  if (saved?.call !== undefined) return saved.call === callDigest(booking, config, key);
  return crewPostShowsCurrent(booking, config, key);
}

/**
 * DM channel ids by user, per client. A bot's DM with a user keeps its id, and conversations.open is
 * Tier 3 (about 50 a minute): a burst of approvals with the same crew, or a crew step retried after
 * a 429, would otherwise open the same DMs again and again. An open under way is shared; a failed
 * one is forgotten.
 *
 * A known channel is opened again once it is DM_RECHECK_MS old: Slack accepts a post into the DM
 * of someone deactivated since (it goes nowhere, and the ops thread would say they were called);
 * only conversations.open says `user_disabled`. So a deactivated member is found out within ten
 * minutes of their last call, for one open per member per ten minutes, and at once where Slack's
 * user_change event reaches this process (forgetDm).
 */
const dmChannels = new WeakMap<WebClient, Map<string, { opening: Promise<string>; openedAtMs: number; settled: boolean }>>();
const MAX_DM_CHANNELS = 1000;
export const DM_RECHECK_MS = 10 * 60_000;

/**
 * Opens (or finds) the DM channel between the bot and a user. `nowMs` is a monotonic clock's reading;
 * a known channel older than `maxAgeMs` is opened again (0: every time, an open under way still shared).
 */
export function openDm(client: WebClient, userId: string, opts: { nowMs?: number; maxAgeMs?: number } = {}): Promise<string> {
  const nowMs = opts.nowMs ?? performance.now();
  let known = dmChannels.get(client);
  if (!known) dmChannels.set(client, (known = new Map()));
  const cached = known.get(userId);
  if (cached && (!cached.settled || nowMs - cached.openedAtMs < (opts.maxAgeMs ?? DM_RECHECK_MS))) return cached.opening;
  const opening = openDmChannel(client, userId);
  const entry = { opening, openedAtMs: nowMs, settled: false };
  known.delete(userId);
  if (known.size >= MAX_DM_CHANNELS) known.delete(known.keys().next().value as string);
  known.set(userId, entry);
  opening.then(
    () => (entry.settled = true),
    () => {
      entry.settled = true;
      if (known.get(userId) === entry) known.delete(userId);
    },
  );
  return opening;
}

/**
 * Drops a user's known DM channel (Slack said they changed: user_change), so the next call opens it
 * again and a deactivation is found out at once instead of within DM_RECHECK_MS. An open under way
 * is left to finish; its result is then dropped too.
 */
export function forgetDm(client: WebClient, userId: string): void {
  const known = dmChannels.get(client);
  const entry = known?.get(userId);
  if (!known || !entry) return;
  if (entry.settled) known.delete(userId);
  else entry.openedAtMs = Number.NEGATIVE_INFINITY;
}

async function openDmChannel(client: WebClient, userId: string): Promise<string> {
  try {
    const res = await client.conversations.open({ users: userId });
    const channel = res.channel?.id;
    if (!channel) throw new Error(`conversations.open gave no channel for ${userId}`);
    return channel;
  } catch (err) {
    throw toSlackIntegrationError(err, 'conversations.open');
  }
}

/**
 * An earlier attempt of this operation's crew step may have posted something it never saved: it
 * crashed, timed out, lost an answer it could not settle, or its run stopped before it could record
 * how it ended. Posts not saved are then looked up first. Every attempt after the first counts, as
 * for the other steps' create-once lookups: the stored flag (ctx.outcomeUnknown) alone misses an
 * attempt whose end was never written.
 */
export function crewStepMayHavePosted(ctx: Pick<StepContext, 'booking' | 'operation' | 'outcomeUnknown' | 'attempt'>): boolean {
  if (ctx.outcomeUnknown === true || ctx.attempt > 1) return true;
  const opId = ctx.operation?.id ?? CREATE_OP;
  if (stepsOf(ctx.booking, opId).crew_notice?.outcomeUnknown === true) return true;
  // A change that calls the crew itself after a create that never finished its crew step: the
  // create's calls may be in Slack unsaved, and one crew call per recipient is all anyone gets.
  return opId !== CREATE_OP && createCallsMayBeUnsaved(ctx.booking);
}

/**
 * The create's crew step was attempted and never finished: calls it made may be in Slack although
 * the record does not know them. (A done step saved every post it made, or left the call to a change.)
 */
export function createCallsMayBeUnsaved(booking: BookingRecord): boolean {
  return crewStepMayHaveLeftCalls(booking.steps.crew_notice);
}

/**
 * A crew step (the create's or a change's) was attempted and never finished: it may have posted calls
 * it never saved. One that never ran (pending, or failed by a departure before its turn) posted nothing.
 */
export function crewStepMayHaveLeftCalls(state: Pick<StepState, 'status' | 'attempts' | 'outcomeUnknown'>): boolean {
  return state.status !== 'done' && (state.attempts > 0 || state.outcomeUnknown === true);
}

/** The create's start: its approval. */
export function createStartMs(booking: BookingRecord): number {
  return booking.audit.find((e) => e.action === 'approved')?.atMs ?? booking.createdAtMs;
}

/**
 * The earliest moment a crew post this operation may find can have been made: its start, or the
 * create's (its approval) when the create's crew step may have left calls unsaved.
 */
export function operationStartMs(ctx: Pick<StepContext, 'booking' | 'operation'>): number {
  const { booking } = ctx;
  const opId = ctx.operation?.id ?? CREATE_OP;
  if (opId !== CREATE_OP && !createCallsMayBeUnsaved(booking)) {
    const op = findOperation(booking, opId);
    return op?.startedAtMs ?? op?.approvedAtMs ?? op?.requestedAtMs ?? booking.createdAtMs;
  }
  return createStartMs(booking);
}

/**
 * Until when a crew post of the holder this step was taken over from may still land: that holder
 * fenced itself before its lease ran out, so its last call started by the takeover and ends within
 * one call's deadline. Undefined when the step was not taken over, or that is past. Never more than
 * one call's deadline from `nowMs`, so a wall clock stepped back since cannot hold the posts.
 */
export function takenOverCallsEndByMs(ctx: Pick<StepContext, 'takenOverAtMs'>, callTimeoutMs: number, nowMs: number): number | undefined {
  if (ctx.takenOverAtMs === undefined) return undefined;
  const endBy = Math.min(ctx.takenOverAtMs + callTimeoutMs, nowMs + callTimeoutMs);
  return endBy > nowMs ? endBy : undefined;
}

/**
 * Waits until a call of the holder the posts were taken over from can no longer be stored
 * (takenOverCallsEndByMs, then `settleMs`, as PostOnce counts a post absent): a redraw sent before
 * then can be overwritten by it. A cancel's crew step takes the posts over from the change it
 * stopped (cancelStepState): that change's update of a crew call, its answer lost, would otherwise
 * land after the cancelled post and put the call with its Confirm buttons back.
 */
export async function afterTakenOverCallsLand(ctx: Pick<StepContext, 'takenOverAtMs' | 'signal'>, callTimeoutMs: number, settleMs: number, nowMs: number = Date.now()): Promise<void> {
  const endBy = takenOverCallsEndByMs(ctx, callTimeoutMs, nowMs);
  if (endBy !== undefined) await sleep(endBy + settleMs - nowMs, ctx.signal);
  throwIfAborted(ctx.signal);
}

/**
 * How this attempt's crew posts are made once: looked up first when an earlier attempt may have made
 * them, and after a takeover not proved absent before the earlier holder's post could have landed.
 */
export function crewPostLookUp(ctx: StepContext, config: Config, nowMs: number = Date.now()) {
  const othersEndBy = takenOverCallsEndByMs(ctx, config.liveness.callTimeoutMs, nowMs);
  return {
    lookUpFirst: crewStepMayHavePosted(ctx),
    earliestMs: operationStartMs(ctx),
    ...(othersEndBy !== undefined ? { othersCallsEndByMs: othersEndBy } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    log: ctx.log,
  };
}

/**
 * What the operator does about a crew member Slack will not let the bot DM. A change waits for the
 * failed create, so the create's crew step leaves such a member to the approved change that takes
 * them off the roster (leftToNextChange) — that is what makes "Edit, then Retry" work.
 */
export const UNREACHABLE_CREW_FIX = 'Change the crew (Edit) and approve the change, then press Retry.';

export interface UnreachableMember {
  userId: string;
  /** Their roster name: the progress message escapes its text, so a <@U…> mention would not render. */
  name: string;
  /** Slack's answer: user_disabled, user_not_found, user_not_visible, cannot_dm_bot. */
  slackCode: string;
  reason: string;
}

/**
 * Crew members Slack will not let the bot DM (deactivated, a bot, not visible). Retrying cannot
 * help — who was picked must change — so it is not retryable, and it names them.
 */
export class CrewUnreachableError extends IntegrationError {
  override name = 'CrewUnreachableError';
  readonly members: readonly UnreachableMember[];
  constructor(members: readonly UnreachableMember[], cause?: unknown) {
    const who =
      members.length === 1 ? `${members[0]!.name}: ${members[0]!.reason}` : members.map((m) => `${m.name} (${m.reason})`).join(', ');
    super(`cannot DM ${members.map((m) => `${m.userId} (${m.slackCode})`).join(', ')}`, {
      code: slackErrorCode(members[0]!.slackCode),
      retryable: false,
      operatorMessage: `Slack cannot DM ${who}. ${UNREACHABLE_CREW_FIX}`,
      system: 'slack',
      cause,
    });
    this.members = members;
  }
}

/** `err` as a CrewUnreachableError naming the member, when it is Slack refusing to DM them; else `err`. */
function asUnreachable(booking: BookingRecord, userId: string, err: unknown): unknown {
  const why = unreachableUserReason(err);
  if (!why) return err;
  const name = booking.roster.find((m) => m.slackUserId === userId)?.name ?? userId;
  return new CrewUnreachableError([{ userId, name, slackCode: why.slackCode, reason: why.reason }], err);
}

/**
 * Roster members the approved change queued behind this create takes off the roster. Slack refusing
 * to DM one of them does not fail the create's crew step: the change, which runs next, calls the new
 * crew and updates the others' posts and the ops line.
 */
function leftToNextChange(ctx: Pick<StepContext, 'booking' | 'operation'>): Set<string> {
  if ((ctx.operation?.id ?? CREATE_OP) !== CREATE_OP) return new Set();
  const next = ctx.booking.operations?.find((o) => o.kind === 'change' && o.status === 'queued' && o.details);
  if (!next?.details) return new Set();
  const staying = new Set(next.details.roster.map((m) => m.slackUserId));
  return new Set(ctx.booking.roster.map((m) => m.slackUserId).filter((id) => !staying.has(id)));
}

/**
 * The failure a crew step reports when several posts failed: one that may have posted comes first,
 * so the runner marks the step's outcome unknown and the next attempt looks up before posting; then
 * every member Slack will not DM, in one error (the step fails at once, naming them all).
 */
export function firstFailure(settled: readonly PromiseSettledResult<unknown>[]): PromiseRejectedResult | undefined {
  const failed = settled.filter((p): p is PromiseRejectedResult => p.status === 'rejected');
  const maybePosted = failed.find((p) => p.reason instanceof UpstreamUnavailableError && p.reason.maybeProcessed);
  if (maybePosted) return maybePosted;
  const unreachable = failed.map((p) => p.reason).filter((r): r is CrewUnreachableError => r instanceof CrewUnreachableError);
  if (unreachable.length > 1) return { status: 'rejected', reason: new CrewUnreachableError(unreachable.flatMap((e) => e.members), unreachable[0]) };
  return unreachable.length === 1 ? failed.find((p) => p.reason === unreachable[0]) : failed[0];
}

/** How long the crew step waits on the redraw of answers taken while it saved its posts. */
const ANSWERS_TAKEN_REDRAW_MS = 15_000;

export interface CrewNoticeDeps {
  client: WebClient;
  /** Posts through a WebClient that never retries blind; looks a lost post up before sending it again. */
  poster: PostOnce;
  config: Config;
  /** Where post refs are saved as each post is made (and read again by the redraw of answers taken meanwhile). */
  api: Pick<BookingApi, 'get' | 'saveCrewPost' | 'setSlackRefs' | 'updateSlackRefs'>;
}

export function createCrewNoticeStep(deps: CrewNoticeDeps): StepImplementation {
  const { client, config } = deps;
  /** A refused channel named with the setting it comes from. */
  const where = (channel: string) => {
    const setting = channelSettingOf(config.slack, channel);
    return setting ? { channel, setting } : { channel };
  };
  return async (ctx) => {
    const { booking } = ctx;
    // Before every Slack call: once the runner aborts the attempt (deadline, lost lease), post nothing more.
    const stopIfAborted = () => throwIfAborted(ctx.signal);
    const existing = new Map(crewPostsOf(booking, ctx.previous).map((p) => [p.key, p]));
    const crewChannel = config.slack.crewChannel;
    const recipients = crewChannel ? [CREW_CHANNEL_POST_KEY] : [...new Set(booking.roster.map((m) => m.slackUserId))];
    const result: StepResult = { mode: crewChannel ? 'channel' : 'dm', posts: recipients.length };
    const rev = ctx.operation?.revision ?? booking.revision ?? 1;
    const lookUp = crewPostLookUp(ctx, config);
    /** The ops thread's crew line, naming who was not reached yet (none: the full "Crew called" line). */
    const lineText = (notReached: readonly string[]) => crewCalledText(crewSafeViewOf(booking, config).roster, crewChannel ? { crewChannel } : {}, notReached);

    /** One recipient's post; a member Slack will not DM fails it naming them (not retryable). */
    const postTo = (key: string): Promise<string> =>
      postOrUpdate(key).catch((err: unknown) => {
        throw key === CREW_CHANNEL_POST_KEY ? err : asUnreachable(booking, key, err);
      });

    /**
     * Where each post lives now, saved in one write once every post has settled (and before a
     * failure fails the step). A crash before that write leaves posts the record does not know, as a
     * lost answer does: the next attempt takes the step over with its outcome unknown and finds them
     * by their metadata before posting (PostOnce), so saving each the moment it landed bought nothing
     * but a write per recipient.
     */
    const saves = new Map<string, CrewPostSaved>();
    /**
     * What a change's redraw of `known` keeps of the call it showed before this change's step first
     * redrew it (CrewPostSaved.callBefore): its notes, on a later attempt, go from there.
     */
    const callBefore = (known: CrewPostRef, call: string): Pick<CrewPostSaved, 'callBefore'> => {
      if (ctx.operation?.kind !== 'change') return {};
      if (known.callBefore?.rev === rev) return { callBefore: known.callBefore };
      return known.call !== undefined && known.call !== call ? { callBefore: { rev, call: known.call } } : {};
    };
    /** The ops thread's crew line as posted or redrawn this attempt, saved in the same write. */
    const calledRefs: Partial<SlackRefs> = {};

    /** One recipient's post, updated if it exists and would change. */
    const postOrUpdate = async (key: string): Promise<string> => {
      const message = crewMessageFor(booking, config, key);
      const { shown, call } = drawnRef(booking, config, key, message);
      const known = existing.get(key);
      if (known) {
        const before = callBefore(known, call);
        if (known.shown === shown) {
          // It shows this very message, so this call: a post saved before calls were kept learns its call.
          if (known.call !== call) saves.set(key, { channel: known.channel, ts: known.ts, shown, call, ...before });
          return `${known.channel}/${known.ts}`;
        }
        stopIfAborted();
        try {
          await client.chat.update({ channel: known.channel, ts: known.ts, text: message.text, blocks: message.blocks });
        } catch (err) {
          throw toSlackIntegrationError(err, 'chat.update', where(known.channel));
        }
        saves.set(key, { channel: known.channel, ts: known.ts, shown, call, ...before });
        return `${known.channel}/${known.ts}`;
      }
      stopIfAborted();
      // Flagged as deactivated (another process heard Slack's user_change): this process's known DM
      // would take the post and reach nobody, so the DM is opened afresh and Slack answers for them.
      const channel = crewChannel ?? (await openDm(client, key, toldDeactivated(booking, key) ? { maxAgeMs: 0 } : {}));
      stopIfAborted();
      // One crew call per booking and recipient, whatever revision it was made for: found, it is kept.
      const metadata = crewPostMetadata(booking.id, 'crew_call', { rev, to: key === CREW_CHANNEL_POST_KEY ? 'channel' : key });
      const posted = await deps.poster.post({ channel, text: message.text, blocks: message.blocks, metadata, matchOn: ['booking_id', 'post', 'to'], what: 'crew call', ...lookUp });
      const { ts } = posted;
      if (posted.via === 'earlier-attempt') {
        // Made by an earlier attempt, maybe from an older record: saved first, then redrawn as it is now.
        await deps.api.saveCrewPost(booking.id, key, { channel, ts });
        try {
          await client.chat.update({ channel, ts, text: message.text, blocks: message.blocks });
        } catch (err) {
          throw toSlackIntegrationError(err, 'chat.update', where(channel));
        }
      }
      saves.set(key, { channel, ts, shown, call });
      ctx.log.info({ channel, ts, via: posted.via, recipient: key === CREW_CHANNEL_POST_KEY ? 'crew channel' : key }, 'crew call posted');
      return `${channel}/${ts}`;
    };

    /**
     * The ops thread learns who was called — names only, no details crew might need and no money.
     * Posted alongside the crew posts as it reads when every call went out; an existing line is left
     * for tellLine, which knows how the posts went.
     */
    let opsThreadChannel: Promise<string> | undefined;
    /** The ops thread's channel as Slack edits and reads it: an approver's DM by its id, not their user id (./approval-dm.ts). */
    const opsChannel = () => (opsThreadChannel ??= withApprovalDm({ client, refs: deps.api, log: ctx.log }, booking).then((b) => b.slack.channel));

    const calledLine = async (): Promise<{ ts: string; shown?: string } | undefined> => {
      const called = lineText([]);
      const shown = shownDigest({ text: called });
      const threadTs = booking.slack.approvalTs;
      const calledTs = booking.slack.crewCalledTs;
      if (calledTs) return { ts: calledTs, ...(booking.slack.crewCalledShown ? { shown: booking.slack.crewCalledShown } : {}) };
      if (!threadTs) return undefined;
      stopIfAborted();
      const metadata = crewPostMetadata(booking.id, 'crew_called', { rev });
      const channel = await opsChannel();
      const posted = await deps.poster.post({ channel, thread_ts: threadTs, text: called, metadata, matchOn: ['booking_id', 'post'], what: 'crew-called line', ...lookUp });
      if (posted.via === 'earlier-attempt') {
        await deps.api.setSlackRefs(booking.id, { crewCalledTs: posted.ts });
        try {
          await client.chat.update({ channel, ts: posted.ts, text: called });
        } catch (err) {
          throw toSlackIntegrationError(err, 'chat.update', where(channel));
        }
      }
      Object.assign(calledRefs, { crewCalledTs: posted.ts, crewCalledShown: shown });
      return { ts: posted.ts, shown };
    };

    /**
     * The line made to tell the truth once the posts settled: who was called, and who not yet (see
     * the progress message). Its digest is recorded, so the attempt that reaches everyone (a Retry
     * after the crew was fixed) brings the full line back, and a re-run showing the same sends nothing.
     * A failure here is only logged: the posts are what the step is for.
     */
    const tellLine = async (line: { ts: string; shown?: string }, notReached: readonly string[]): Promise<void> => {
      const text = lineText(notReached);
      const shown = shownDigest({ text });
      if (line.shown === shown || ctx.signal?.aborted) return;
      await opsChannel()
        .then((channel) => client.chat.update({ channel, ts: line.ts, text }))
        .then(() => void (calledRefs.crewCalledShown = shown))
        .catch((err: unknown) => ctx.log.warn({ err }, 'could not update the crew-called line'));
    };

    /** Everything this attempt posted or redrew, in one write (unchanged refs left out); the booking as written. */
    const saveRefs = async (): Promise<BookingRecord | undefined> => {
      if (saves.size === 0 && Object.keys(calledRefs).length === 0) return undefined;
      const { booking: written } = await deps.api.updateSlackRefs(booking.id, (slack) => {
        const posts = [...saves].filter(([key, ref]) => {
          const known = slack.crewPosts?.[key];
          return !(known?.channel === ref.channel && known.ts === ref.ts && known.shown === ref.shown && known.call === ref.call && known.callBefore?.rev === ref.callBefore?.rev);
        });
        const line = Object.entries(calledRefs).filter(([k, v]) => slack[k as keyof SlackRefs] !== v);
        if (posts.length === 0 && line.length === 0) return undefined;
        return { ...slack, ...Object.fromEntries(line), ...(posts.length > 0 ? { crewPosts: { ...slack.crewPosts, ...Object.fromEntries(posts) } } : {}) };
      });
      return written;
    };

    /**
     * Each post was drawn before it was saved, and a member may answer the DM that landed first
     * meanwhile: that answer's redraw (crew-answers.ts, announceAnswer) found no saved post to draw,
     * so the post would keep its buttons until some other answer redrew it. Left to the redraw the
     * answers use (crew-redraw.ts): it draws only the posts behind, joins a redraw of this booking
     * already under way, and reads the booking again after each round, so an answer changed while
     * it draws (a Confirm, then Can't make it) is what the posts end on — never this step's read.
     * Only while the call is the one this step drew (a change approved meanwhile is its own crew
     * step's to draw), and no Slack call when nothing is behind.
     */
    const drawAnswersTakenMeanwhile = async (written: BookingRecord): Promise<void> => {
      const callOf = (b: BookingRecord) => JSON.stringify([b.request, b.roster, b.costs, b.callRevisions]);
      if (callOf(written) !== callOf(booking) || ctx.signal?.aborted) return;
      if (!postsBehind(written, config).some((p) => saves.has(p.key))) return;
      // Bounded, so a Slack that refuses or a redraw of the booking already under way (which may
      // take its minute) cannot hold a step whose posts are all out: what is left stays saved as
      // behind, for the next answer or the Lambda minute tick to mend.
      const redraw = refreshCrewPosts(client, written, config, ctx.log, deps.api, { onlyBehind: true, withinMs: ANSWERS_TAKEN_REDRAW_MS }).catch((err: unknown) => ctx.log.warn({ err }, 'could not draw on a crew post an answer taken while the crew step saved it'));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([redraw, new Promise<void>((resolve) => (timer = setTimeout(resolve, ANSWERS_TAKEN_REDRAW_MS)))]);
      clearTimeout(timer);
    };

    // The posts go to different channels, so they go at once; every one that lands is saved before
    // a failure of another fails the step (the next attempt updates the saved ones).
    const [line, ...posts] = await Promise.allSettled([calledLine(), ...recipients.map(postTo)]);
    const notReached = recipients.filter((_, i) => posts[i]?.status === 'rejected');
    if (line?.status === 'fulfilled' && line.value) await tellLine(line.value, notReached);
    const written = await saveRefs();
    if (written) await drawAnswersTakenMeanwhile(written);
    const leaving = leftToNextChange(ctx);
    const settled: PromiseSettledResult<unknown>[] = [line, ...posts].filter((p) => p !== undefined);
    const failures = settled.filter((p) => {
      if (p.status === 'rejected' && p.reason instanceof CrewUnreachableError && p.reason.members.every((m) => leaving.has(m.userId))) {
        ctx.log.info({ members: p.reason.members.map((m) => m.userId) }, 'crew member Slack cannot DM is left to the approved change that takes them off the roster');
        return false;
      }
      return true;
    });
    const failed = firstFailure(failures);
    if (failed) throw failed.reason;
    recipients.forEach((key, i) => {
      const post = posts[i];
      if (post?.status === 'fulfilled') result[`${CREW_POST_RESULT_PREFIX}${key}`] = post.value;
    });
    if (line?.status === 'fulfilled' && line.value) result.crewCalledTs = line.value.ts;
    return result;
  };
}
