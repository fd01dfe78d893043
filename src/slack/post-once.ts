/**
 * Posting a crew-facing message exactly once, although Slack's answer can be slow or lost.
 *
 * A chat.postMessage whose answer times out, whose connection resets or that gets a 5xx may still
 * have posted. Sending it again blind (the WebClient's own retries, the step's Retry) is how crew
 * got their call twice. So every such post carries message metadata naming it (booking, kind of
 * post, revision or ordinal), goes through a WebClient that never retries by itself, and when its
 * outcome is unknown it is looked up before anything else is sent:
 *
 *   post ──ok──▶ done
 *     │ refused (ok:false, 429, 4xx): nothing was posted → the usual Slack error
 *     │ unknown (timeout, reset, 5xx)
 *     ▼
 *   look up (conversations.history, or conversations.replies in a thread; oldest = just before the
 *   first attempt; include_all_metadata) for a message by this bot whose metadata matches
 *     ├─ found → adopt its ts, post nothing
 *     ├─ absent, from a lookup that started `settleMs` after the failure → post again (at most maxPosts)
 *     └─ the lookup fails again and again → a bounded failure: SLACK_OUTCOME_UNKNOWN (retryable, the
 *        step fails with Retry), never a guess
 *
 * An earlier attempt (a crashed process, a failed step attempt, a reminder claim that expired) is
 * covered by `lookUpFirst`: the lookup then comes before the first post, from `earliestMs`. An
 * earlier attempt in this process that its step's deadline abandoned may still have its post in
 * flight (the WebClient cannot cancel a call): the same post waits for that call to end before it
 * looks anything up, so a message landing late is found rather than posted again. Another
 * process's call is out of sight: a caller that took the post over from it (a step taken over
 * from a fenced holder) says when that call must have ended (`othersCallsEndByMs`), and absence
 * counts only from a lookup started `settleMs` after that, as for a lost answer of our own.
 */
import { ErrorCode, type WebClient } from '@slack/web-api';
import { sleep, throwIfAborted } from '../integrations/create-once';
import { IntegrationError, UpstreamUnavailableError } from '../integrations/errors';
import type { Logger } from '../log';
import { toSlackIntegrationError, type SlackChannelRef } from './slack-errors';

/** What a post carries to be recognised: the event type and flat, money-free fields. */
export interface PostMetadata {
  event_type: string;
  event_payload: Record<string, string | number>;
}

export interface PostOnceRequest {
  channel: string;
  /** A reply in this thread: looked up with conversations.replies. */
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
  metadata: PostMetadata;
  /** The payload fields that identify the post (default: all of them). */
  matchOn?: readonly string[];
  /** An earlier attempt may already have posted it: look up before the first post. */
  lookUpFirst?: boolean;
  /** The earliest moment an earlier attempt could have posted it (ms since epoch; with lookUpFirst). */
  earliestMs?: number;
  /**
   * Another process may have this post in flight until then (ms since epoch, on `now`'s clock): the
   * post is looked up first, and absence counts only from a lookup started `settleMs` after it. The
   * wait is bounded by the deadline: past it, the outcome is unknown (SLACK_OUTCOME_UNKNOWN, retryable).
   */
  othersCallsEndByMs?: number;
  /** The step attempt's deadline: nothing new starts after it fires. */
  signal?: AbortSignal;
  log?: Logger;
  /** Names the post in errors and logs ("crew call"). */
  what?: string;
}

export interface PostOnceResult {
  ts: string;
  /**
   * posted: this call posted it. lost-answer: this call's post had landed although its answer was
   * lost (it shows what this call sent). earlier-attempt: an earlier attempt had posted it (it may
   * show an older state: the caller redraws it).
   */
  via: 'posted' | 'lost-answer' | 'earlier-attempt';
}

export interface PostOnceOptions {
  /** A WebClient with `retryConfig: { retries: 0 }`: nothing is sent again without a lookup. */
  client: WebClient;
  /** Slack's clock: timestamps compared with message ts (default Date.now, never a test's shifted clock). */
  now?: () => number;
  /** A post whose answer was lost may still land this long after the failure: absence counts only from a lookup started after it (default 2 s). */
  settleMs?: number;
  /** Time for one post-once call, lookups included (default 20 s). */
  deadlineMs?: number;
  /** Lookups per call (default 4). */
  maxLookups?: number;
  /** Posts per call (default 2: the first, and one more once a lookup proved it absent). */
  maxPosts?: number;
  /** Pause after a failed lookup (default 500 ms, doubling). */
  lookupPauseMs?: number;
  /** Our clock against Slack's: `oldest` is this much before the first attempt (default 60 s). */
  clockSkewMs?: number;
  /** Pages read per lookup before giving up on proving absence (default 5 of 200 messages). */
  maxPages?: number;
  /** The setting a channel comes from (CHARTER_CREW_CHANNEL…), named when Slack refuses it. */
  channelSetting?: (channel: string) => string | undefined;
}

interface Identity {
  userId?: string;
  botId?: string;
}

interface FoundMessage {
  ts?: string;
  user?: string;
  bot_id?: string;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

/** Slack's message timestamp for a moment: seconds with microseconds. */
export function slackTs(ms: number): string {
  const whole = Math.max(0, Math.floor(ms));
  return `${Math.floor(whole / 1000)}.${String((whole % 1000) * 1000).padStart(6, '0')}`;
}

/** The answer was lost, not refused: the post may have landed (a timeout, a reset, a 5xx). */
export function postOutcomeUnknown(err: unknown): boolean {
  const e = err as { code?: string; statusCode?: number };
  if (e.code === ErrorCode.RequestError) return true;
  return e.code === ErrorCode.HTTPError && (e.statusCode ?? 0) >= 500;
}

/** The payload fields that identify the post: `matchOn`, or all of them. */
const matchKeys = (req: PostOnceRequest): readonly string[] => req.matchOn ?? Object.keys(req.metadata.event_payload);

export class PostOnce {
  private readonly client: WebClient;
  private readonly now: () => number;
  /** How long after a call's deadline Slack may still store what it sent: a redraw waits this out too (afterTakenOverCallsLand). */
  readonly settleMs: number;
  private readonly deadlineMs: number;
  private readonly maxLookups: number;
  private readonly maxPosts: number;
  private readonly lookupPauseMs: number;
  private readonly clockSkewMs: number;
  private readonly maxPages: number;
  private readonly channelSetting: (channel: string) => string | undefined;
  private identity: Promise<Identity> | undefined;
  /** Posts this process has sent and not yet seen answered, by what identifies them. */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  private where(channel: string): SlackChannelRef {
    const setting = this.channelSetting(channel);
    return setting ? { channel, setting } : { channel };
  }

  constructor(opts: PostOnceOptions) {
    this.client = opts.client;
    this.now = opts.now ?? Date.now;
    this.settleMs = opts.settleMs ?? 2000;
    this.deadlineMs = opts.deadlineMs ?? 20_000;
    this.maxLookups = opts.maxLookups ?? 4;
    this.maxPosts = opts.maxPosts ?? 2;
    this.lookupPauseMs = opts.lookupPauseMs ?? 500;
    this.clockSkewMs = opts.clockSkewMs ?? 60_000;
    this.maxPages = opts.maxPages ?? 5;
    this.channelSetting = opts.channelSetting ?? (() => undefined);
  }

  async post(req: PostOnceRequest): Promise<PostOnceResult> {
    const startedAt = this.now();
    const deadline = startedAt + this.deadlineMs;
    const what = req.what ?? 'message';
    const othersUntil = this.othersSettleUntil(req, startedAt);
    const lookUpFirst = req.lookUpFirst === true || othersUntil > 0;
    const state = { lookups: 0, lastError: undefined as unknown, settleUntil: othersUntil, oldestMs: lookUpFirst ? Math.min(req.earliestMs ?? startedAt, startedAt) : startedAt };
    const key = this.keyOf(req);
    // An abandoned attempt's post of the same message may still land: let it end first (its call has a deadline).
    const earlier = this.inFlight.get(key);
    if (earlier) {
      req.log?.info({ channel: req.channel, post: req.metadata.event_payload.post }, `${what}: an earlier attempt's post is still under way; waiting for it to end`);
      await earlier.catch(() => undefined);
    }
    let mustLookUp = lookUpFirst || earlier !== undefined;
    let via: PostOnceResult['via'] = 'earlier-attempt';
    for (let posts = 0; ; ) {
      if (mustLookUp) {
        const found = await this.lookUntilKnown(req, state, deadline, what);
        if (found !== undefined) {
          req.log?.info({ channel: req.channel, ts: found, via, post: req.metadata.event_payload.post }, `${what}: found in Slack, not posted again`);
          return { ts: found, via };
        }
      }
      if (posts >= this.maxPosts || this.now() >= deadline) throw this.unknownError(state.lastError, what);
      throwIfAborted(req.signal);
      posts += 1;
      const sending = this.client.chat.postMessage({
        channel: req.channel,
        text: req.text,
        ...(req.blocks ? { blocks: req.blocks as never } : {}),
        ...(req.thread_ts ? { thread_ts: req.thread_ts } : {}),
        metadata: req.metadata,
      });
      this.inFlight.set(key, sending);
      void sending.then(
        () => this.forget(key, sending),
        () => this.forget(key, sending),
      );
      try {
        const res = await sending;
        if (!res.ts) throw new Error('chat.postMessage answered without a ts');
        return { ts: res.ts, via: 'posted' };
      } catch (err) {
        if (!postOutcomeUnknown(err)) throw toSlackIntegrationError(err, 'chat.postMessage', this.where(req.channel));
        req.log?.warn({ err, channel: req.channel, post: req.metadata.event_payload.post }, `${what}: Slack's answer was lost; looking it up before anything is sent again`);
        state.lastError = err;
        state.settleUntil = Math.max(state.settleUntil, this.now() + this.settleMs);
        mustLookUp = true;
        via = 'lost-answer';
      }
    }
  }

  /**
   * Only the lookup: the ts of a message an earlier attempt (maybe another process's) posted with
   * this metadata since `earliestMs`, undefined when Slack shows none. Nothing is posted. A lookup
   * that keeps failing is a bounded SLACK_OUTCOME_UNKNOWN failure (retryable), never a guess.
   */
  async findPosted(req: Omit<PostOnceRequest, 'text' | 'blocks' | 'lookUpFirst'>): Promise<string | undefined> {
    const startedAt = this.now();
    const what = req.what ?? 'message';
    const full: PostOnceRequest = { ...req, text: '' };
    const state = { lookups: 0, lastError: undefined as unknown, settleUntil: this.othersSettleUntil(full, startedAt), oldestMs: Math.min(req.earliestMs ?? startedAt, startedAt) };
    // A post of this process still under way may land: let it end first (its call has a deadline).
    const earlier = this.inFlight.get(this.keyOf(full));
    if (earlier) await earlier.catch(() => undefined);
    return this.lookUntilKnown(full, state, startedAt + this.deadlineMs, what);
  }

  /** From when absence may count given another process's call (0: none still under way at `nowMs`). */
  private othersSettleUntil(req: PostOnceRequest, nowMs: number): number {
    const until = req.othersCallsEndByMs === undefined ? 0 : req.othersCallsEndByMs + this.settleMs;
    return until > nowMs ? until : 0;
  }

  private keyOf(req: PostOnceRequest): string {
    const keys = matchKeys(req);
    return JSON.stringify([req.channel, req.thread_ts ?? '', req.metadata.event_type, ...keys.map((k) => [k, req.metadata.event_payload[k]])]);
  }

  private forget(key: string, sending: Promise<unknown>): void {
    if (this.inFlight.get(key) === sending) this.inFlight.delete(key);
  }

  /** The ts of the matching message, undefined once a late-enough lookup proved it absent; throws when that cannot be known. */
  private async lookUntilKnown(req: PostOnceRequest, state: { lookups: number; lastError: unknown; settleUntil: number; oldestMs: number }, deadline: number, what: string): Promise<string | undefined> {
    let pauseMs = this.lookupPauseMs;
    for (;;) {
      if (state.lookups >= this.maxLookups || this.now() >= deadline) throw this.unknownError(state.lastError, what);
      throwIfAborted(req.signal);
      state.lookups += 1;
      const startedAt = this.now();
      try {
        const ts = await this.find(req, state.oldestMs);
        if (ts !== undefined) return ts;
        if (startedAt >= state.settleUntil) return undefined;
        // Absent, but the lost post may still land: look again once it could no longer (a millisecond
        // more: a timer may wake just short of the end, and that lookup would prove nothing).
        await sleep(Math.min(state.settleUntil - this.now() + 1, deadline - this.now()), req.signal);
      } catch (err) {
        if (err instanceof IntegrationError && !err.retryable) {
          // e.g. missing_scope: asking again will not help, and posting would be a guess.
          throw new UpstreamUnavailableError(`${what}: could not look it up: ${err.message}`, { code: err.code, retryable: false, maybeProcessed: true, system: 'slack', operatorMessage: err.operatorMessage, cause: err });
        }
        state.lastError = err;
        req.log?.warn({ err, channel: req.channel }, `${what}: lookup failed`);
        const waitMs = err instanceof IntegrationError && err.retryAfterMs !== undefined ? err.retryAfterMs : pauseMs;
        pauseMs *= 2;
        await sleep(Math.min(waitMs, Math.max(0, deadline - this.now())), req.signal);
      }
    }
  }

  /** One lookup: every message since `oldestMs` in the channel (or thread), newest pages first. */
  private async find(req: PostOnceRequest, oldestMs: number): Promise<string | undefined> {
    const me = await this.whoAmI();
    const oldest = slackTs(oldestMs - this.clockSkewMs);
    const keys = matchKeys(req);
    const matches = (m: FoundMessage) =>
      (m.bot_id !== undefined ? m.bot_id === me.botId : m.user !== undefined && m.user === me.userId) &&
      m.metadata?.event_type === req.metadata.event_type &&
      keys.every((k) => String(m.metadata?.event_payload?.[k]) === String(req.metadata.event_payload[k]));
    let cursor: string | undefined;
    for (let page = 0; page < this.maxPages; page += 1) {
      const method = req.thread_ts ? 'conversations.replies' : 'conversations.history';
      let res: { messages?: FoundMessage[]; has_more?: boolean; response_metadata?: { next_cursor?: string } };
      try {
        const args = { channel: req.channel, oldest, include_all_metadata: true, limit: 200, ...(cursor ? { cursor } : {}) };
        res = req.thread_ts ? await this.client.conversations.replies({ ...args, ts: req.thread_ts }) : await this.client.conversations.history(args);
      } catch (err) {
        // No thread at all: no reply in it either.
        if ((err as { code?: string; data?: { error?: string } }).code === ErrorCode.PlatformError && (err as { data?: { error?: string } }).data?.error === 'thread_not_found') return undefined;
        throw toSlackIntegrationError(err, method, this.where(req.channel));
      }
      const hit = (res.messages ?? []).find(matches);
      if (hit?.ts) return hit.ts;
      cursor = res.response_metadata?.next_cursor;
      if (!res.has_more || !cursor) return undefined;
    }
    throw new IntegrationError(`more than ${this.maxPages} pages of messages since ${oldest}`, { code: 'SLACK_LOOKUP_TOO_LONG', retryable: true, operatorMessage: 'Too many messages to search for the crew post.', system: 'slack' });
  }

  /** The bot's user and bot ids (auth.test, needs no scope), asked once per client and only when a lookup is needed. */
  private whoAmI(): Promise<Identity> {
    if (!this.identity) {
      const asking = this.client.auth.test().then(
        (res) => ({ ...(res.user_id ? { userId: res.user_id } : {}), ...(res.bot_id ? { botId: res.bot_id } : {}) }),
        (err: unknown) => {
          throw toSlackIntegrationError(err, 'auth.test');
        },
      );
      this.identity = asking;
      asking.catch(() => {
        if (this.identity === asking) this.identity = undefined;
      });
    }
    return this.identity;
  }

  private unknownError(cause: unknown, what: string): UpstreamUnavailableError {
    return new UpstreamUnavailableError(`${what}: Slack's answer was lost and a lookup could not tell whether it was posted`, {
      code: 'SLACK_OUTCOME_UNKNOWN',
      retryable: true,
      maybeProcessed: true,
      system: 'slack',
      cause,
      operatorMessage: `Slack did not say whether the ${what} went out, and could not be asked — Retry once Slack answers (nothing is posted twice).`,
    });
  }
}
