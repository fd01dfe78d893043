/**
 * Redrawing a booking's crew posts after a crew answer, so every post ends up showing every answer.
 *
 * Crew answer at the same moment, and a redraw draws the booking as it was read: one reaching Slack
 * after a later answer's would leave the post without that answer for good. So once a round's
 * updates have landed the refresh reads the booking again and redraws the posts that should now
 * show more; whichever redraw lands last on a post (in any process) then read a booking no newer
 * than what it drew, or draws again. In one process an answer arriving while its booking is being
 * redrawn joins that refresh rather than redrawing every post once more: chat.update is Tier 3,
 * about 50 a minute for the whole workspace, and a crew call goes to everyone at once.
 *
 * A joined answer has no redraw of its own, so the refresh owes it every post: a post whose update
 * failed is drawn again in the next round (after Slack's Retry-After on a 429), and an answer the
 * refresh could not draw (the booking could not be read again, its time or rounds ran out) is
 * handed back to the answer, which redraws once more itself. A member a change took off while
 * their post was being redrawn is drawn "you're off" again: the change's may have landed first.
 * A re-read that finds the booking cancelled draws the cancel's message over every post called.
 * What every draw made a post show is saved, so what a refresh out of time leaves behind is found
 * later (on Lambda, by the minute tick: ./crew-redraw-behind.ts).
 */
import type { WebClient } from '@slack/web-api';
import type { Config } from '../config';
import type { Logger } from '../log';
import type { BookingApi } from '../pipeline/api';
import { cancelOperation } from '../pipeline/operations';
import { CREW_CHANNEL_POST_KEY, CREW_OFF_DRAWN_OVER_PREFIX, CREW_OFF_RESULT_PREFIX, type BookingDetails, type BookingRecord, type CrewPostSaved } from '../pipeline/types';
import { crewRemovedMessage } from './blocks/lifecycle';
import { cancelledCrewMessage } from './crew-cancelled';
import { crewMessageFor, crewPostsOf, crewSafeViewOf, drawnRef, shownDigest, type CrewPostRef } from './crew-notice';
import { slackPlatformError, slackRetryAfterMs } from './slack-errors';

type RedrawApi = Pick<BookingApi, 'get' | 'updateSlackRefs'>;

/**
 * Rounds after the last answer that joined: more are only needed while answers keep arriving (or
 * Slack keeps refusing a post), and every further round is owed to a person's click.
 */
const MAX_ROUNDS_AFTER_A_JOIN = 5;

/**
 * No round after the first starts later than this after the refresh began. A server keeps a minute,
 * Slack's rate-limit window; the Slack function answers Slack only once the listener is done, so it
 * passes far less (src/lambda-app.ts).
 */
export const DEFAULT_CREW_REDRAW_WITHIN_MS = 60_000;

/** Slack's answers to chat.update that another try cannot change. */
const FINAL_UPDATE_ERRORS: ReadonlySet<string> = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed', 'channel_not_found', 'is_archived', 'not_in_channel', 'invalid_auth', 'token_revoked', 'account_inactive', 'missing_scope', 'invalid_blocks', 'msg_too_long']);

/** The least pause before a post whose update failed is tried again, when Slack named none (a 5xx, no answer). */
const RETRY_PAUSE_MS = 500;

/** Tries of one answer: its own refresh (or the one it joined), then once more if that could not draw it. */
const ANSWER_TRIES = 2;

interface Refresh {
  done: Promise<void>;
  /** Answers that joined since the last read began, each told at the end whether the refresh drew it. */
  joiners: Array<(drawn: boolean) => void>;
  /** Answers a read saw, drawn by the round after it: told so once the refresh is done. */
  seen: Array<(drawn: boolean) => void>;
  /** Answers read but drawn nowhere (the refresh stopped): told so once it is gone, so each starts its own. */
  undrawn: Array<(drawn: boolean) => void>;
  /** The booking as the refresh last read it after a round. */
  latest?: BookingRecord;
}

/** The refresh under way per client and booking. */
const refreshing = new WeakMap<WebClient, Map<string, Refresh>>();

export interface RefreshOptions {
  /** See DEFAULT_CREW_REDRAW_WITHIN_MS. */
  withinMs?: number;
  /**
   * The first round draws only the posts whose saved digest is behind the booking (postsBehind), not
   * every post, and "you're off" over the posts of members off the roster still holding a call
   * (offPostsHoldingCall).
   */
  onlyBehind?: boolean;
}

/**
 * Crew posts (of members on the roster, and the crew channel's) saved as showing something other
 * than what the booking draws now: a redraw that reached Slack after a newer one and was recorded
 * after it, a post Slack refused until the redraw's time ran out. A post saved without a digest
 * (before digests were kept) is not counted: nothing says it is behind.
 */
export function postsBehind(booking: BookingRecord, config: Config): CrewPostRef[] {
  // A post Slack refused for good (deleted, its channel archived) would be tried every minute for a
  // day, and would keep the tick's few slots from the bookings it can still mend.
  return crewPostsOf(booking).filter((p) => p.shown !== undefined && p.refused === undefined && p.shown !== shownDigest(crewMessageFor(booking, config, p.key)));
}

/**
 * Posts of members off the roster that may still show a live call: a crew answer's redraw drew the
 * call and saved it, maybe after the change's "you're off" landed, and its own "you're off" never
 * landed (on Lambda, Slack refused it with no round left to try again). Every "you're off" a redraw
 * draws is saved without a call, and the change's crew step names the draw it drew "you're off" over
 * (CREW_OFF_DRAWN_OVER_PREFIX): a post still saved as that draw has shown nothing since. A post saved
 * before calls were kept, or one Slack refused for good, is not counted.
 */
export function offPostsHoldingCall(booking: BookingRecord): CrewPostRef[] {
  const onRoster = new Set<string>([CREW_CHANNEL_POST_KEY, ...booking.roster.map((m) => m.slackUserId)]);
  return crewPostsOf(booking, undefined, { offRoster: true }).filter((p) => !onRoster.has(p.key) && p.call !== undefined && p.refused === undefined && p.shown !== drawnOffOver(booking, p.key));
}

/** The saved draw the last change that told `key` they are off drew "you're off" over (undefined: none known). */
function drawnOffOver(booking: BookingRecord, key: string): string | number | boolean | undefined {
  const told = [...(booking.operations ?? [])].reverse().find((o) => o.kind === 'change' && o.steps?.crew_notice?.result?.[`${CREW_OFF_RESULT_PREFIX}${key}`] !== undefined);
  return told?.steps?.crew_notice?.result?.[`${CREW_OFF_DRAWN_OVER_PREFIX}${key}`];
}

/**
 * The booking as the member `key`, now off, was last called for it: the details the change that took
 * them off replaced (what that change told them they are off), or the booking as it stands once that
 * change has been compacted. A change that also moved the trip would otherwise tell them they are off
 * a charter on a day they were never called for.
 */
function calledAs(booking: BookingRecord, key: string): BookingRecord {
  const had = (d: BookingDetails | undefined) => d?.roster.some((m) => m.slackUserId === key) === true;
  const change = [...(booking.operations ?? [])].reverse().find((o) => o.kind === 'change' && o.details !== undefined && !had(o.details) && (had(o.crewMayHaveSeen) || had(o.previous)));
  const before = had(change?.crewMayHaveSeen) ? change?.crewMayHaveSeen : change?.previous;
  return before ? { ...booking, request: before.request, roster: before.roster, costs: before.costs } : booking;
}

/**
 * Re-renders every crew post after an answer changed (a failure on one post does not stop the rest),
 * and records what each now shows. A stale digest could make a later re-run skip a post that needs
 * redrawing: a price-only change resets confirmations and renders the post as first posted, while
 * Slack still shows "confirmed".
 *
 * Resolves to the booking as the refresh that drew this answer last read it (after the answer was
 * written: a later answer of the same member shows there), or undefined when none drew it with a
 * read: what the answer's announcement checks itself against without reading the store again.
 */
export async function refreshCrewPosts(client: WebClient, booking: BookingRecord, config: Config, log: Logger, api: RedrawApi, opts: RefreshOptions = {}): Promise<BookingRecord | undefined> {
  let latest: BookingRecord | undefined;
  for (let tries = 1; ; tries++) {
    const { drawn, read } = await drawOrJoin(client, booking, config, log, api, opts);
    latest = read ?? latest;
    if (drawn) return latest;
    if (tries === ANSWER_TRIES) {
      log.warn({ bookingId: booking.id }, 'a crew answer could not be drawn on every crew post; the next answer or change redraws them');
      return latest;
    }
  }
}

/**
 * Whether this answer is on every post Slack took (false: the refresh it joined could not draw it),
 * and the booking that refresh last read, when that read began after this answer joined or started
 * it (a joiner told false may have joined after the last read began: that read may predate it).
 */
function drawOrJoin(client: WebClient, booking: BookingRecord, config: Config, log: Logger, api: RedrawApi, opts: RefreshOptions): Promise<{ drawn: boolean; read?: BookingRecord }> {
  let byBooking = refreshing.get(client);
  if (!byBooking) refreshing.set(client, (byBooking = new Map()));
  const running = byBooking.get(booking.id);
  const outcome = (entry: Refresh, drawn: boolean) => (drawn && entry.latest ? { drawn, read: entry.latest } : { drawn });
  if (running) return new Promise((resolve) => running.joiners.push((drawn) => resolve(outcome(running, drawn))));
  const entry: Refresh = { done: Promise.resolve(), joiners: [], seen: [], undrawn: [] };
  const table = byBooking;
  entry.done = (async () => {
    try {
      await redrawUntilCurrent(client, booking, config, log, api, entry, opts);
    } finally {
      // In the same turn as the last read: an answer joining after it starts a refresh of its own.
      table.delete(booking.id);
      for (const told of entry.seen) told(true);
      for (const told of [...entry.undrawn, ...entry.joiners]) told(false);
    }
  })();
  byBooking.set(booking.id, entry);
  return entry.done.then(() => outcome(entry, true));
}

async function redrawUntilCurrent(client: WebClient, booking: BookingRecord, config: Config, log: Logger, api: RedrawApi, entry: Refresh, opts: RefreshOptions): Promise<void> {
  const now = Date.now;
  const until = now() + (opts.withinMs ?? DEFAULT_CREW_REDRAW_WITHIN_MS);
  /**
   * Per post this refresh sent a call to: the booking it drew that call from, and what the post
   * was made to show when Slack took it (undefined: not known to have landed, though it may yet).
   */
  const drawn = new Map<string, { post: CrewPostRef; shown?: string; from: BookingRecord }>();
  /** Posts whose last update failed in a way another try may fix. */
  const retry = new Set<string>();
  /** Drawn as "you're off" after their member left the roster: theirs no more. */
  const toldOff = new Set<string>();
  let posts = opts.onlyBehind === true ? postsBehind(booking, config) : crewPostsOf(booking);
  let drawing = booking;
  let offPosts: CrewPostRef[] = opts.onlyBehind === true ? offPostsHoldingCall(booking) : [];
  // Told off as the call they hold was drawn; one that fails is tried again next round, as a call drawn here would be.
  for (const post of offPosts) drawn.set(post.key, { post, from: calledAs(booking, post.key) });
  let lastJoin = 0;
  for (let round = 1; ; round++) {
    const result = await redrawRound(client, drawing, posts, config, log, api);
    for (const key of posts.map((p) => p.key)) retry.delete(key);
    for (const post of posts) {
      const shown = result.drawn.get(post.key);
      drawn.set(post.key, { post, from: drawing, ...(shown !== undefined ? { shown } : {}) });
    }
    for (const key of result.retry) retry.add(key);
    // A post drawn with a call again holds a live call: should its member be taken off once more, they are told again.
    for (const key of result.drawn.keys()) toldOff.delete(key);
    // Recorded as what the post shows: should the member be put back on meanwhile, the next read finds it behind.
    const off = await tellOff(client, config, offPosts, drawn, log, api, booking.id);
    for (const [key, shown] of off.drawn) drawn.set(key, { ...drawn.get(key)!, shown });
    // Told only once Slack took it (or refused it for good): a blip leaves the post for the next round.
    for (const p of offPosts) if (!off.retry.has(p.key)) toldOff.add(p.key);

    // Taken before the read begins, so the read sees their answers; the next round draws them.
    const seen = entry.joiners.splice(0);
    if (seen.length > 0) lastJoin = round;
    const current = await readAgain(api, booking.id, log);
    if (current) entry.latest = current;
    if (!current) {
      entry.undrawn.push(...seen);
      return;
    }
    if (current.state === 'cancelled' || cancelOperation(current)) {
      // The cancel's crew step may have drawn a post "Cancelled" before this refresh's call landed
      // on it, leaving a live call on a cancelled charter: each post this refresh called is drawn
      // as the cancel draws it. (Who was told "you're off" holds no call.) Each with the call it
      // last showed, as saved now: this refresh's own, where Slack took it.
      const saved = new Map(crewPostsOf(current, undefined, { offRoster: true }).map((p) => [p.key, p]));
      const lastCall = (p: CrewPostRef): CrewPostRef => {
        const now = saved.get(p.key);
        return now?.channel === p.channel && now.ts === p.ts ? now : p;
      };
      const called = [...drawn.values()].map((d) => lastCall(d.post)).filter((p) => !toldOff.has(p.key));
      await drawCancelled(client, current, config, called, log);
      entry.seen.push(...seen);
      return;
    }
    const onRoster = new Set<string>([CREW_CHANNEL_POST_KEY, ...current.roster.map((m) => m.slackUserId)]);
    for (const key of toldOff) if (onRoster.has(key)) toldOff.delete(key);
    posts = crewPostsOf(current).filter((p) => {
      if (retry.has(p.key)) return true;
      const last = drawn.get(p.key);
      return last?.shown !== undefined && last.shown !== shownDigest(crewMessageFor(current, config, p.key));
    });
    // A member a change took off while this refresh drew their post: the change's "you're off" may
    // have landed before this refresh's call did. (The change may have dropped the post's ref.)
    offPosts = [...drawn.values()].map((d) => d.post).filter((p) => !onRoster.has(p.key) && !toldOff.has(p.key));
    const waitMs = Math.max(result.retryAfterMs, off.retryAfterMs);
    if (posts.length === 0 && offPosts.length === 0 && entry.joiners.length === 0) {
      entry.seen.push(...seen);
      return;
    }
    const outOfRounds = round - lastJoin >= MAX_ROUNDS_AFTER_A_JOIN;
    const outOfTime = now() + waitMs > until;
    if (outOfRounds || outOfTime) {
      // The answers just read were drawn nowhere yet: each redraws once more itself.
      entry.undrawn.push(...seen);
      log.warn({ bookingId: booking.id, rounds: round, behind: posts.map((p) => p.key), outOfTime }, 'crew posts still behind the booking after redrawing them; the next answer redraws them');
      // Saved as what the post shows, so the Slack function's minute tick redraws the call should the
      // member be put back on before this lands (./crew-redraw-behind.ts).
      await tellOff(client, config, offPosts, drawn, log, api, booking.id);
      return;
    }
    entry.seen.push(...seen);
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    drawing = current;
  }
}

/** The booking as it stands, read once more (two tries: a blip must not leave joined answers undrawn). */
async function readAgain(api: RedrawApi, bookingId: string, log: Logger): Promise<BookingRecord | undefined> {
  for (let tries = 1; ; tries++) {
    try {
      return await api.get(bookingId);
    } catch (err) {
      if (tries === 2) {
        log.warn({ err, bookingId }, 'could not read the booking again after redrawing its crew posts');
        return undefined;
      }
    }
  }
}

/**
 * Posts of members who left the roster, drawn as "you're off" from the call this refresh drew on
 * them (a RoundResult of those updates).
 */
async function tellOff(client: WebClient, config: Config, offPosts: readonly CrewPostRef[], drawn: ReadonlyMap<string, { from: BookingRecord }>, log: Logger, api: Pick<BookingApi, 'updateSlackRefs'>, bookingId: string): Promise<RoundResult> {
  const result: RoundResult = { drawn: new Map(), retry: new Set(), retryAfterMs: 0, refused: new Map() };
  const told: Array<Required<Pick<CrewPostRef, 'key' | 'channel' | 'ts' | 'shown'>>> = [];
  await Promise.all(
    offPosts.map(async (post) => {
      const from = drawn.get(post.key)?.from;
      if (!from) return;
      const message = crewRemovedMessage(crewSafeViewOf(from, config));
      try {
        await client.chat.update({ channel: post.channel, ts: post.ts, text: message.text, blocks: message.blocks });
        result.drawn.set(post.key, shownDigest(message));
        told.push({ key: post.key, channel: post.channel, ts: post.ts, shown: shownDigest(message) });
      } catch (err) {
        log.warn({ err, channel: post.channel }, "could not draw a crew post as you're off");
        noteFailure(result, post.key, err);
      }
    }),
  );
  if (told.length === 0 && result.refused.size === 0) return result;
  // What the post shows, saved where its ref is still kept: no call on it any more. A post Slack
  // refused for good is saved so, or the minute tick would try it every minute for a day.
  await api
    .updateSlackRefs(bookingId, (slack) => {
      const saved = { ...slack.crewPosts };
      let changed = false;
      for (const { key, channel, ts, shown } of told) {
        const current = saved[key];
        if (current?.channel !== channel || current.ts !== ts || (current.shown === shown && current.call === undefined && current.refused === undefined)) continue;
        saved[key] = { channel, ts, shown };
        changed = true;
      }
      if (saveRefusals(saved, offPosts, result.refused)) changed = true;
      return changed ? { ...slack, crewPosts: saved } : undefined;
    })
    .catch((err: unknown) => log.warn({ err, bookingId }, "could not record the crew posts drawn as you're off"));
  return result;
}

/**
 * Errors about this one post, not the app (a revoked token or a missing scope refuses every post and
 * is mended once for all): the post stays refused until a draw of it lands again.
 */
const POST_REFUSED_ERRORS: ReadonlySet<string> = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed', 'channel_not_found', 'is_archived', 'not_in_channel']);

/** A failed update another try may fix is kept for the next round, after Slack's Retry-After. */
function noteFailure(result: RoundResult, key: string, err: unknown): void {
  const code = slackPlatformError(err) ?? '';
  if (POST_REFUSED_ERRORS.has(code)) result.refused.set(key, code);
  if (FINAL_UPDATE_ERRORS.has(code)) return;
  result.retry.add(key);
  result.retryAfterMs = Math.max(result.retryAfterMs, slackRetryAfterMs(err) ?? RETRY_PAUSE_MS);
}

/** The cancel's message over `posts` (one try each: a click on a post still behind redraws it, ./crew-answers.ts). */
async function drawCancelled(client: WebClient, booking: BookingRecord, config: Config, posts: readonly CrewPostRef[], log: Logger): Promise<void> {
  await Promise.all(
    posts.map(async (post) => {
      const message = cancelledCrewMessage(booking, config, post);
      try {
        await client.chat.update({ channel: post.channel, ts: post.ts, text: message.text, blocks: message.blocks });
      } catch (err) {
        log.warn({ err, bookingId: booking.id, channel: post.channel }, 'could not draw a crew post as cancelled');
      }
    }),
  );
}

interface RoundResult {
  /** The digest each post was made to show, by key (those Slack took). */
  drawn: Map<string, string>;
  /** Posts whose update failed in a way another try may fix (a 429, a 5xx, no answer). */
  retry: Set<string>;
  /** How long to wait before the next round: the longest Retry-After Slack asked for (0: nothing failed). */
  retryAfterMs: number;
  /** Posts Slack refused for good, with its error. */
  refused: Map<string, string>;
}

/** One round of refreshCrewPosts: `posts` drawn from `booking`, and what each now shows saved. */
async function redrawRound(client: WebClient, booking: BookingRecord, posts: readonly CrewPostRef[], config: Config, log: Logger, api: Pick<BookingApi, 'updateSlackRefs'>): Promise<RoundResult> {
  const redrawn = new Map<string, CrewPostRef>();
  const result: RoundResult = { drawn: new Map(), retry: new Set(), retryAfterMs: 0, refused: new Map() };
  await Promise.all(
    posts.map(async (post) => {
      const message = crewMessageFor(booking, config, post.key);
      try {
        await client.chat.update({ channel: post.channel, ts: post.ts, text: message.text, blocks: message.blocks });
        redrawn.set(post.key, { ...post, ...drawnRef(booking, config, post.key, message) });
      } catch (err) {
        log.warn({ err, bookingId: booking.id, channel: post.channel }, 'could not update a crew post');
        noteFailure(result, post.key, err);
      }
    }),
  );
  for (const [key, ref] of redrawn) result.drawn.set(key, ref.shown ?? '');
  if (redrawn.size === 0 && result.refused.size === 0) return result;
  await api
    .updateSlackRefs(booking.id, (slack) => {
      const saved = { ...slack.crewPosts };
      let changed = false;
      for (const { key, channel, ts, shown, call } of redrawn.values()) {
        const current = saved[key];
        // only the post that was redrawn: a re-run may have replaced the ref meanwhile
        if (current?.channel !== channel || current.ts !== ts || (current.shown === shown && current.call === call && current.refused === undefined)) continue;
        // What it showed before the running change's crew step redrew it stays known to that step's notes.
        saved[key] = { channel, ts, ...(shown ? { shown } : {}), ...(call ? { call } : {}), ...(current.callBefore ? { callBefore: current.callBefore } : {}) };
        changed = true;
      }
      if (saveRefusals(saved, posts, result.refused)) changed = true;
      return changed ? { ...slack, crewPosts: saved } : undefined;
    })
    .catch((err: unknown) => log.warn({ err, bookingId: booking.id }, 'could not record what the crew posts show'));
  return result;
}

/**
 * Saves Slack's refusal for good on each post it refused, where the saved ref is still that post: the
 * minute tick then leaves it alone instead of trying it every minute for a day. Whether any changed.
 */
function saveRefusals(saved: Record<string, CrewPostSaved>, posts: readonly CrewPostRef[], refused: ReadonlyMap<string, string>): boolean {
  let changed = false;
  for (const post of posts) {
    const code = refused.get(post.key);
    const current = saved[post.key];
    if (code === undefined || current?.channel !== post.channel || current.ts !== post.ts || current.refused === code) continue;
    saved[post.key] = { ...current, refused: code };
    changed = true;
  }
  return changed;
}
