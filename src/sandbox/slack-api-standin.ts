/**
 * A local Slack Web API for tests and the sandbox. Bolt's WebClient posts form-encoded bodies to
 * `{slackApiUrl}{method}`; every call is recorded with its parsed body (`view`, `blocks`,
 * `metadata` decoded from their JSON strings) so tests can assert on exactly what Slack would see.
 * Faults: the next N calls of a method can answer 429 with Retry-After, or an `ok: false` error,
 * take effect and answer late (slowNext), or lose their answer (loseNext: reset or 5xx, after the
 * call took effect, later, or never).
 *
 * Posted messages are kept per channel, as Slack keeps them: conversations.history (top-level
 * messages, newest first) and conversations.replies (a thread, oldest first) return them with
 * `oldest` / `latest` / `inclusive` / `limit` / cursor paging, and each message's `metadata` only
 * with `include_all_metadata=true`. chat.update changes a kept message; a message someone deleted
 * (deleteMessage) is gone from both, and chat.update of it answers `message_not_found`.
 * With rate limits set (SLACK_PUBLISHED_LIMITS), it answers 429 as Slack does when a method (or,
 * for chat.postMessage, a channel) is called faster than its tier allows.
 *
 * A DM is refused as Slack refuses it: conversations.open with a deactivated user answers
 * `user_disabled`, and with a bot user (as chat.postMessage to one) `cannot_dm_bot`.
 *
 * Socket Mode's apps.connections.open answers as Slack does for the token in its Authorization
 * header: a WebSocket URL for a known app-level token with connections:write, `not_allowed_token_type`
 * for a bot or user token, `invalid_auth` for any other, `missing_scope` for an app token without
 * connections:write. The URL is `ws://` to this same port, where ./socket-mode-standin.ts speaks
 * Slack's side of the socket (`socketMode`: deliver envelopes, read acks, ask for a reconnect).
 *
 * Like real Slack it enforces the token's scopes (default: what manifest.yml requests) with
 * `missing_scope`, and Block Kit limits (src/slack/blocks/limits.ts) with `invalid_blocks` for
 * messages, `invalid_arguments` for views and `msg_too_long` for text past 40,000 characters.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { slackErrorMessages, validateMessage, validateView, LIMITS } from '../slack/blocks/limits';
import { neededScope } from '../slack/scopes';
import { listenOnLoopback } from './loopback';
import { manifestBotScopes } from './manifest-scopes';
import { attachSocketMode, type SocketModeStandin } from './socket-mode-standin';

export interface SlackTestUser {
  id: string;
  realName: string;
  email?: string;
  /**
   * A deactivated account: users.info still answers, with `deleted: true`, as Slack does, and
   * conversations.open with them answers `user_disabled`.
   */
  deleted?: boolean;
  /** A bot user: users.info answers `is_bot: true`; conversations.open and chat.postMessage to them answer `cannot_dm_bot`. */
  isBot?: boolean;
}

/** How conversations.info sees a channel (default: exists, not archived, the bot is a member). */
export interface SlackTestChannel {
  isMember?: boolean;
  isArchived?: boolean;
  /** false: `channel_not_found` (no such channel, or private without the bot). */
  exists?: boolean;
}

export interface RecordedSlackCall {
  method: string;
  /** Form fields; `view`, `blocks`, `metadata` and `attachments` parsed from JSON. */
  body: Record<string, unknown>;
  /** What the stand-in answered with. */
  status: number;
  /** The JSON body it answered (e.g. the `ts` of a posted message). */
  response: Record<string, unknown>;
  atMs: number;
}

/** A token bucket: `burst` calls at once, then `perMinute` spread evenly. */
export interface SlackRateLimit {
  /** Slack counts calls per method per workspace; chat.postMessage also per channel. */
  scope: 'workspace' | 'channel';
  perMinute: number;
  burst: number;
}

/**
 * Slack's published limits for the methods the bot calls (docs.slack.dev/apis/web-api/rate-limits):
 * Tier 3 is "50+ per minute, sporadic bursts welcome", Tier 4 "100+ per minute, generous burst
 * behaviour", and chat.postMessage "generally one message per second per channel, short bursts >1
 * allowed". Slack publishes no burst sizes: these are small on purpose, so a test meets 429s
 * sooner than a real workspace would.
 */
export const SLACK_PUBLISHED_LIMITS: Readonly<Record<string, SlackRateLimit>> = {
  'chat.postMessage': { scope: 'channel', perMinute: 60, burst: 3 },
  'chat.update': { scope: 'workspace', perMinute: 50, burst: 10 },
  'conversations.open': { scope: 'workspace', perMinute: 50, burst: 10 },
  'chat.postEphemeral': { scope: 'workspace', perMinute: 100, burst: 20 },
  'conversations.history': { scope: 'workspace', perMinute: 50, burst: 10 },
  'conversations.replies': { scope: 'workspace', perMinute: 50, burst: 10 },
  'users.info': { scope: 'workspace', perMinute: 100, burst: 20 },
  'views.open': { scope: 'workspace', perMinute: 100, burst: 20 },
  'views.update': { scope: 'workspace', perMinute: 100, burst: 20 },
  'views.push': { scope: 'workspace', perMinute: 100, burst: 20 },
  'views.publish': { scope: 'workspace', perMinute: 100, burst: 20 },
};

/** A message as Slack keeps it (and returns it from conversations.history / replies). */
export interface StoredSlackMessage {
  type: 'message';
  channel: string;
  ts: string;
  thread_ts?: string;
  text?: unknown;
  blocks?: unknown;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
  /** The bot user that posted it, and its bot id (what auth.test answers). */
  user: string;
  bot_id: string;
}

/**
 * A call whose answer is lost: the request reaches the stand-in, and then
 * - `effect`: 'now' (it takes effect at once, like a message stored before the answer went wrong),
 *   'never' (nothing happens), or a number of ms (it lands that much later: a slow Slack finishing a
 *   post after the client gave up);
 * - `answer`: 'reset' (the connection is reset, no answer), an HTTP status (a 5xx from a load
 *   balancer), or `{ afterMs }`: Slack's normal answer that late (a client with a shorter deadline
 *   never sees it).
 */
export interface LostAnswer {
  effect: 'now' | 'never' | number;
  answer: 'reset' | number | { afterMs: number };
  /** Only calls whose parsed body this accepts (default: every call of the method). */
  when?: (body: Record<string, unknown>) => boolean;
}

export interface SlackApiStandinOptions {
  users?: SlackTestUser[];
  botUserId?: string;
  botId?: string;
  teamId?: string;
  /** Scopes the bot token was granted (default: manifest.yml's bot scopes). */
  scopes?: readonly string[];
  /** Rate limits by method (default: none). */
  rateLimits?: Readonly<Record<string, SlackRateLimit>>;
  /** App-level tokens (xapp-…) apps.connections.open accepts, with their scopes (default: STANDIN_APP_TOKEN with connections:write). */
  appTokens?: Readonly<Record<string, readonly string[]>>;
}

/** The app-level token the stand-in accepts by default for Socket Mode's apps.connections.open. */
export const STANDIN_APP_TOKEN = 'xapp-1-A0STANDIN01-0000000000001-standin';

export interface SlackApiStandin {
  /** Base URL for WebClient's `slackApiUrl` (ends with `/api/`). */
  url: string;
  /** Slack's end of the Socket Mode sockets apps.connections.open hands out. */
  socketMode: SocketModeStandin;
  calls: RecordedSlackCall[];
  callsTo(method: string): RecordedSlackCall[];
  /** Adds or replaces a users.info answer. */
  setUser(user: SlackTestUser): void;
  /** How conversations.info answers for `id` from now on; undefined restores the default (a channel the bot is in). */
  setChannel(id: string, channel: SlackTestChannel | undefined): void;
  /** The next `count` calls of `method` answer 429 with `Retry-After: retryAfterSeconds`. */
  rateLimitNext(method: string, count: number, retryAfterSeconds: number): void;
  /** Enforces these limits from now on (buckets start full); undefined lifts them. */
  setRateLimits(limits: Readonly<Record<string, SlackRateLimit>> | undefined): void;
  /** The next `count` calls of `method` (of those `when` accepts, if given) answer `{ ok: false, error }`. */
  failNext(method: string, count: number, error: string, when?: (body: Record<string, unknown>) => boolean): void;
  /** The next `count` calls of `method` take effect at once (recorded, a message posted) but are answered `delayMs` later. */
  slowNext(method: string, count: number, delayMs: number): void;
  /** The next `count` calls of `method` lose their answer (see LostAnswer); a call that takes effect is recorded when it does. */
  loseNext(method: string, count: number, lost: LostAnswer): void;
  /** Resolves once every delayed effect of a lost call (loseNext) has landed. */
  lateEffectsLanded(): Promise<void>;
  /** A person deletes the message `ts` in `channel`: it is no longer kept, and updating it answers `message_not_found`. */
  deleteMessage(channel: string, ts: string): void;
  /** Messages kept in `channel` (every channel when absent), oldest first; thread replies included. */
  messages(channel?: string): StoredSlackMessage[];
  /** Replaces the granted scopes (a workspace that installed an older manifest). */
  setScopes(scopes: readonly string[]): void;
  readonly scopes: readonly string[];
  /** Calls of `method` ('*' for all) are read and never answered until heal(): a hung Slack. Not recorded. */
  hang(method: string): void;
  /** Ends hang(); requests already held stay unanswered (their clients time out). */
  heal(): void;
  /** Called for every recorded call (the sandbox prints messages as they happen). */
  onCall(listener: (call: RecordedSlackCall) => void): () => void;
  /** Waits until `predicate` holds over the recorded calls (polls each time a call arrives). */
  waitFor(predicate: (calls: RecordedSlackCall[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Forgets recorded calls and pending faults; kept messages stay (they are what Slack holds). */
  clear(): void;
  close(): Promise<void>;
}

const JSON_FIELDS = ['view', 'blocks', 'metadata', 'attachments'];
const VIEW_METHODS = ['views.open', 'views.update', 'views.push', 'views.publish'];

export const DEFAULT_TEST_USERS: SlackTestUser[] = [
  { id: 'U0APPROVE1', realName: 'Olivia Approver', email: 'olivia@example.com' },
  { id: 'U0CAPTAIN1', realName: 'Sam Ortiz', email: 'sam@example.com' },
  { id: 'U0CREW0001', realName: 'Lee Park', email: 'lee@example.com' },
  { id: 'U0CREW0002', realName: 'Ana Cruz', email: 'ana@example.com' },
  { id: 'U0OUTSIDER', realName: 'Otto Outsider', email: 'otto@example.com' },
];

export async function startSlackApiStandin(opts: SlackApiStandinOptions = {}): Promise<SlackApiStandin> {
  const users = new Map((opts.users ?? DEFAULT_TEST_USERS).map((u) => [u.id, u]));
  const appTokens = new Map(Object.entries(opts.appTokens ?? { [STANDIN_APP_TOKEN]: ['connections:write'] }));
  const channels = new Map<string, SlackTestChannel>();
  const botUserId = opts.botUserId ?? 'U0BOT00001';
  const teamId = opts.teamId ?? 'T0TEAM0001';
  let scopes: readonly string[] = [...(opts.scopes ?? manifestBotScopes())];
  const calls: RecordedSlackCall[] = [];
  const botId = opts.botId ?? 'B0BOT00001';
  type Fault = { kind: 'ratelimit' | 'error' | 'slow' | 'lose'; left: number; retryAfterSeconds: number; error: string; delayMs?: number; lost?: LostAnswer; when?: (body: Record<string, unknown>) => boolean };
  const faults = new Map<string, Fault[]>();
  const listeners = new Set<(call: RecordedSlackCall) => void>();
  const waiters = new Set<() => void>();
  /** Message timestamps as Slack makes them: the post's time in seconds with microseconds, unique and increasing. */
  let lastTsMicros = 0;
  const nextTs = () => {
    lastTsMicros = Math.max(lastTsMicros + 1, Date.now() * 1000);
    return `${Math.floor(lastTsMicros / 1e6)}.${String(lastTsMicros % 1e6).padStart(6, '0')}`;
  };
  const stored: StoredSlackMessage[] = [];
  /** `${channel} ${ts}` of messages deleted (deleteMessage). */
  const deleted = new Set<string>();

  /** What real Slack refuses before doing anything: a scope the token lacks, a payload over a limit. */
  const refusal = (method: string, body: Record<string, unknown>): Record<string, unknown> | undefined => {
    const needed = neededScope(method, body);
    if (needed && !scopes.includes(needed)) return { ok: false, error: 'missing_scope', needed, provided: scopes.join(',') };
    if (method === 'chat.postMessage' || method === 'chat.update' || method === 'chat.postEphemeral') {
      // Without chat:write.public (the manifest does not ask for it) the bot posts only where it is a member.
      const conversation = typeof body.channel === 'string' && /^[CG]/.test(body.channel) ? channels.get(body.channel) : undefined;
      if (conversation?.exists === false) return { ok: false, error: 'channel_not_found' };
      if (conversation?.isMember === false) return { ok: false, error: 'not_in_channel' };
      if (conversation?.isArchived === true) return { ok: false, error: 'is_archived' };
      if (typeof body.text === 'string' && body.text.length > LIMITS.messageText) return { ok: false, error: 'msg_too_long' };
      const problems = validateMessage({ text: body.text, blocks: body.blocks });
      // Slack answers this one with its own error and no details.
      const tooLong = problems.find((p) => p.error);
      if (tooLong?.error) return { ok: false, error: tooLong.error };
      if (problems.length > 0) {
        const messages = slackErrorMessages(problems);
        return { ok: false, error: problems.every((p) => p.pointer.startsWith('/blocks')) ? 'invalid_blocks' : 'invalid_arguments', errors: messages, response_metadata: { messages } };
      }
    }
    if (method === 'chat.postMessage' && typeof body.channel === 'string') {
      const to = [...users.values()].find((u) => u.id === body.channel || dmChannelOf(u.id) === body.channel);
      if (to?.isBot) return { ok: false, error: 'cannot_dm_bot' };
    }
    // Slack posts to a user id (into the bot's DM with them) but edits and reads only by the DM's
    // own id: chat.update's docs say "For direct messages, ensure that this value is a DM ID
    // (starts with D) instead of a User ID".
    if (USER_ID_REFUSED.includes(method) && typeof body.channel === 'string' && /^[UW]/.test(body.channel)) return { ok: false, error: 'channel_not_found' };
    if (VIEW_METHODS.includes(method)) {
      const problems = validateView(body.view);
      if (problems.length > 0) return { ok: false, error: 'invalid_arguments', response_metadata: { messages: slackErrorMessages(problems) } };
    }
    return undefined;
  };

  const answer = (method: string, body: Record<string, unknown>, token?: string): Record<string, unknown> => {
    const named = typeof body.channel === 'string' ? body.channel : 'C0DEFAULT1';
    // A post to a user id lands in the bot's DM with them, and Slack answers with that DM's id.
    const channel = method === 'chat.postMessage' && /^[UW]/.test(named) ? dmChannelOf(named) : named;
    const refused = refusal(method, body);
    if (refused) return refused;
    switch (method) {
      case 'apps.connections.open':
        return openSocketModeConnection(token ?? (typeof body.token === 'string' ? body.token : undefined));
      case 'auth.test':
        return { ok: true, url: 'https://standin.slack.local/', team: 'Stand-in', user: 'charter-bot', team_id: teamId, user_id: botUserId, bot_id: botId };
      case 'views.open':
      case 'views.update':
      case 'views.push':
      case 'views.publish': {
        const view = (body.view ?? {}) as Record<string, unknown>;
        return { ok: true, view: { id: `V${String(calls.length).padStart(8, '0')}`, ...view } };
      }
      case 'chat.postMessage': {
        const ts = nextTs();
        const threadTs = typeof body.thread_ts === 'string' && body.thread_ts !== '' ? body.thread_ts : undefined;
        const metadata = isMetadata(body.metadata) ? body.metadata : undefined;
        stored.push({ type: 'message', channel, ts, ...(threadTs ? { thread_ts: threadTs } : {}), text: body.text, ...(body.blocks !== undefined ? { blocks: body.blocks } : {}), ...(metadata ? { metadata } : {}), user: botUserId, bot_id: botId });
        return { ok: true, channel, ts, message: { type: 'message', text: body.text, blocks: body.blocks, thread_ts: body.thread_ts, user: botUserId, bot_id: botId, ts } };
      }
      case 'chat.update': {
        if (deleted.has(`${channel} ${String(body.ts)}`)) return { ok: false, error: 'message_not_found' };
        const kept = stored.find((m) => m.channel === channel && m.ts === body.ts);
        if (kept) {
          if (body.text !== undefined) kept.text = body.text;
          if (body.blocks !== undefined) kept.blocks = body.blocks;
          if (isMetadata(body.metadata)) kept.metadata = body.metadata;
        }
        return { ok: true, channel, ts: body.ts, text: body.text };
      }
      case 'conversations.history':
      case 'conversations.replies':
        return readMessages(method, channel, body);
      case 'chat.postEphemeral':
        return { ok: true, message_ts: nextTs() };
      case 'chat.getPermalink':
        return { ok: true, channel, permalink: `https://standin.slack.local/archives/${channel}/p${String(body.message_ts ?? '').replace('.', '')}` };
      case 'conversations.open': {
        // One DM channel per user, stable across calls, as Slack gives; none with a deactivated user or a bot.
        const user = String(body.users ?? '').split(',')[0] ?? '';
        const known = users.get(user);
        if (known?.deleted) return { ok: false, error: 'user_disabled' };
        if (known?.isBot) return { ok: false, error: 'cannot_dm_bot' };
        return { ok: true, channel: { id: dmChannelOf(user) } };
      }
      case 'conversations.info': {
        const state = channels.get(channel) ?? {};
        if (state.exists === false) return { ok: false, error: 'channel_not_found' };
        return { ok: true, channel: { id: channel, name: `channel-${channel.toLowerCase()}`, is_member: state.isMember ?? true, is_archived: state.isArchived ?? false } };
      }
      case 'users.info': {
        const user = users.get(String(body.user));
        if (!user) return { ok: false, error: 'user_not_found' };
        return {
          ok: true,
          user: { id: user.id, team_id: teamId, deleted: user.deleted ?? false, is_bot: user.isBot ?? false, name: user.realName.toLowerCase().replace(/\s+/g, '.'), real_name: user.realName, profile: { real_name: user.realName, display_name: user.realName.split(' ')[0], ...(user.email && scopes.includes('users:read.email') ? { email: user.email } : {}) } },
        };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };

  /**
   * conversations.history: the channel's top-level messages (thread parents included, replies not),
   * newest first. conversations.replies: the message `ts` and its replies, oldest first
   * (thread_not_found when neither exists). Both: `oldest` < ts < `latest` (inclusive with
   * `inclusive=true`), `limit` per page (default 100 / 1000, at most 999 / 1000) with a cursor, and
   * `metadata` only with `include_all_metadata=true`.
   */
  const readMessages = (method: string, channel: string, body: Record<string, unknown>): Record<string, unknown> => {
    if (typeof body.channel !== 'string' || body.channel === '' || channels.get(body.channel)?.exists === false) return { ok: false, error: 'channel_not_found' };
    const flag = (v: unknown) => v === true || v === 'true' || v === '1' || v === 1;
    const inclusive = flag(body.inclusive);
    const oldest = typeof body.oldest === 'string' && body.oldest !== '' ? Number(body.oldest) : undefined;
    const latest = typeof body.latest === 'string' && body.latest !== '' ? Number(body.latest) : undefined;
    if ((oldest !== undefined && Number.isNaN(oldest)) || (latest !== undefined && Number.isNaN(latest))) return { ok: false, error: 'invalid_ts_oldest' };
    const inRange = (ts: string) => {
      const t = Number(ts);
      if (oldest !== undefined && (inclusive ? t < oldest : t <= oldest)) return false;
      if (latest !== undefined && (inclusive ? t > latest : t >= latest)) return false;
      return true;
    };
    let list: StoredSlackMessage[];
    if (method === 'conversations.replies') {
      const parentTs = String(body.ts ?? '');
      if (parentTs === '') return { ok: false, error: 'invalid_arguments' };
      const thread = stored.filter((m) => m.channel === channel && (m.ts === parentTs || m.thread_ts === parentTs));
      if (thread.length === 0) return { ok: false, error: 'thread_not_found' };
      list = thread.filter((m) => inRange(m.ts)).sort((a, b) => Number(a.ts) - Number(b.ts));
    } else {
      list = stored.filter((m) => m.channel === channel && (m.thread_ts === undefined || m.thread_ts === m.ts) && inRange(m.ts)).sort((a, b) => Number(b.ts) - Number(a.ts));
    }
    const maxLimit = method === 'conversations.replies' ? 1000 : 999;
    const requested = Number(body.limit);
    const limit = Number.isInteger(requested) && requested > 0 ? Math.min(requested, maxLimit) : method === 'conversations.replies' ? 1000 : 100;
    const start = typeof body.cursor === 'string' && body.cursor !== '' ? Number(Buffer.from(body.cursor, 'base64').toString('utf8').replace(/^offset:/, '')) : 0;
    if (!Number.isInteger(start) || start < 0) return { ok: false, error: 'invalid_cursor' };
    const page = list.slice(start, start + limit);
    const hasMore = start + limit < list.length;
    const withMetadata = flag(body.include_all_metadata);
    const replyCounts = new Map<string, number>();
    for (const m of stored) if (m.channel === channel && m.thread_ts !== undefined && m.thread_ts !== m.ts) replyCounts.set(m.thread_ts, (replyCounts.get(m.thread_ts) ?? 0) + 1);
    const messages = page.map(({ channel: _channel, metadata, ...m }) => ({
      ...m,
      ...(replyCounts.has(m.ts) ? { thread_ts: m.ts, reply_count: replyCounts.get(m.ts) } : {}),
      ...(withMetadata && metadata ? { metadata } : {}),
    }));
    return {
      ok: true,
      messages,
      has_more: hasMore,
      ...(method === 'conversations.history' ? { pin_count: 0 } : {}),
      response_metadata: { next_cursor: hasMore ? Buffer.from(`offset:${start + limit}`).toString('base64') : '' },
    };
  };

  /** Slack's answers to apps.connections.open by token type; the URL leads to this stand-in's own socket end. */
  const openSocketModeConnection = (token: string | undefined): Record<string, unknown> => {
    if (!token) return { ok: false, error: 'not_authed' };
    if (!token.startsWith('xapp-')) return { ok: false, error: /^xox[bpe]-/.test(token) ? 'not_allowed_token_type' : 'invalid_auth' };
    const granted = appTokens.get(token);
    if (!granted) return { ok: false, error: 'invalid_auth' };
    if (!granted.includes('connections:write')) return { ok: false, error: 'missing_scope', needed: 'connections:write', provided: granted.join(',') };
    return { ok: true, url: socketMode.issueUrl(appIdOf(token)) };
  };

  let rateLimits = opts.rateLimits;
  const buckets = new Map<string, { tokens: number; atMs: number }>();
  /** Seconds to wait (Retry-After) when `method` is over its limit now; undefined when the call may go. */
  const overLimit = (method: string, body: Record<string, unknown>): number | undefined => {
    const limit = rateLimits?.[method];
    if (!limit) return undefined;
    const key = limit.scope === 'channel' ? `${method} ${String(body.channel ?? '')}` : method;
    const nowMs = Date.now();
    const perMs = limit.perMinute / 60_000;
    const bucket = buckets.get(key) ?? { tokens: limit.burst, atMs: nowMs };
    bucket.tokens = Math.min(limit.burst, bucket.tokens + (nowMs - bucket.atMs) * perMs);
    bucket.atMs = nowMs;
    buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
  };

  const hung = new Set<string>();
  /** Effects of lost calls still to land (loseNext with a delayed effect). */
  const lateEffects = new Set<Promise<void>>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
    if (hung.has(method) || hung.has('*')) return; // held open; close() drops it
    const body = parseBody(raw, req.headers['content-type']);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const pending = faults.get(method)?.find((f) => {
      const when = f.lost?.when ?? f.when;
      return f.left > 0 && (when === undefined || when(body));
    });
    let status = 200;
    let payload: Record<string, unknown>;
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-oauth-scopes': scopes.join(',') };
    let answerAfterMs = 0;
    if (pending?.kind === 'lose' && pending.lost) {
      pending.left -= 1;
      const { effect, answer: lostAnswer } = pending.lost;
      const takeEffect = () => {
        const call: RecordedSlackCall = { method, body, status: 200, response: answer(method, body, bearer), atMs: Date.now() };
        calls.push(call);
        for (const l of listeners) l(call);
        for (const w of [...waiters]) w();
      };
      if (effect === 'now') takeEffect();
      else if (typeof effect === 'number') {
        const landing = new Promise<void>((resolve) => setTimeout(() => (takeEffect(), resolve()), effect).unref());
        lateEffects.add(landing);
        void landing.then(() => lateEffects.delete(landing));
      }
      if (lostAnswer === 'reset') req.socket.resetAndDestroy();
      else if (typeof lostAnswer === 'number') res.writeHead(lostAnswer, { 'content-type': 'text/html' }).end('<html><body>upstream error (injected)</body></html>');
      else {
        await new Promise((r) => setTimeout(r, lostAnswer.afterMs));
        const late = calls.findLast((c) => c.method === method && c.body === body);
        if (!res.destroyed) res.writeHead(200, headers).end(JSON.stringify(late?.response ?? { ok: false, error: 'internal_error' }));
      }
      return;
    }
    if (pending?.kind === 'slow') {
      pending.left -= 1;
      answerAfterMs = pending.delayMs ?? 0;
      payload = answer(method, body, bearer);
    } else if (pending) {
      pending.left -= 1;
      if (pending.kind === 'ratelimit') {
        status = 429;
        headers['retry-after'] = String(pending.retryAfterSeconds);
        payload = { ok: false, error: 'ratelimited' };
      } else payload = { ok: false, error: pending.error };
    } else {
      const retryAfterSeconds = overLimit(method, body);
      if (retryAfterSeconds === undefined) payload = answer(method, body, bearer);
      else {
        status = 429;
        headers['retry-after'] = String(retryAfterSeconds);
        payload = { ok: false, error: 'ratelimited' };
      }
    }
    const call: RecordedSlackCall = { method, body, status, response: payload, atMs: Date.now() };
    calls.push(call);
    for (const l of listeners) l(call);
    for (const w of [...waiters]) w();
    if (answerAfterMs > 0) await new Promise((r) => setTimeout(r, answerAfterMs));
    res.writeHead(status, headers).end(JSON.stringify(payload));
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.writeHead(500).end());
  });
  server.keepAliveTimeout = 1000;
  const listener = await listenOnLoopback(server);
  const socketMode = attachSocketMode(server, listener.port);

  const addFault = (method: string, fault: Fault) => {
    const list = faults.get(method) ?? [];
    list.push(fault);
    faults.set(method, list);
  };

  return {
    url: `${listener.url}/api/`,
    socketMode,
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method),
    setUser: (user) => void users.set(user.id, user),
    setChannel: (id, channel) => void (channel ? channels.set(id, channel) : channels.delete(id)),
    rateLimitNext: (method, count, retryAfterSeconds) => addFault(method, { kind: 'ratelimit', left: count, retryAfterSeconds, error: 'ratelimited' }),
    setRateLimits: (limits) => {
      rateLimits = limits;
      buckets.clear();
    },
    failNext: (method, count, error, when) => addFault(method, { kind: 'error', left: count, retryAfterSeconds: 0, error, ...(when ? { when } : {}) }),
    slowNext: (method, count, delayMs) => addFault(method, { kind: 'slow', left: count, retryAfterSeconds: 0, error: '', delayMs }),
    loseNext: (method, count, lost) => addFault(method, { kind: 'lose', left: count, retryAfterSeconds: 0, error: '', lost }),
    lateEffectsLanded: async () => {
      while (lateEffects.size > 0) await Promise.all([...lateEffects]);
    },
    deleteMessage: (channel, ts) => {
      const at = stored.findIndex((m) => m.channel === channel && m.ts === ts);
      if (at >= 0) stored.splice(at, 1);
      deleted.add(`${channel} ${ts}`);
    },
    messages: (channel) => stored.filter((m) => channel === undefined || m.channel === channel).map((m) => ({ ...m })),
    setScopes: (next) => {
      scopes = [...next];
    },
    get scopes() {
      return scopes;
    },
    hang: (method) => void hung.add(method),
    heal: () => hung.clear(),
    onCall: (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    waitFor: (predicate, timeoutMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        if (predicate(calls)) return resolve();
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`Slack stand-in: condition not met within ${timeoutMs} ms (${calls.length} calls: ${calls.map((c) => c.method).join(', ')})`));
        }, timeoutMs);
        const check = () => {
          if (!predicate(calls)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      }),
    clear: () => {
      calls.length = 0;
      faults.clear();
    },
    close: async () => {
      await socketMode.close();
      await listener.close();
    },
  };
}

/** An app-level token names its app: `xapp-1-{APP_ID}-…`, as Slack's do. */
function appIdOf(appToken: string): string {
  return /^xapp-\d+-(A[A-Z0-9]+)-/.exec(appToken)?.[1] ?? 'A0STANDIN01';
}

/** Methods Slack answers `channel_not_found` when the channel is a user id instead of their DM's id. */
const USER_ID_REFUSED = ['chat.update', 'chat.delete', 'conversations.history', 'conversations.replies'];

/** The stand-in's DM channel with a user: stable, derived from the user id. */
function dmChannelOf(userId: string): string {
  return `D${userId.replace(/^[UW]/, '').padEnd(9, '0').slice(0, 10)}`;
}

function isMetadata(value: unknown): value is { event_type: string; event_payload?: Record<string, unknown> } {
  return value !== null && typeof value === 'object' && typeof (value as { event_type?: unknown }).event_type === 'string';
}

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (raw === '') return {};
  if (contentType?.includes('application/json')) {
    try {
      return JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return { raw };
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    if (JSON_FIELDS.includes(key)) {
      try {
        out[key] = JSON.parse(value);
        continue;
      } catch {
        // keep the raw string: the bot sent something that is not JSON, which a test may want to see
      }
    }
    out[key] = value;
  }
  return out;
}
