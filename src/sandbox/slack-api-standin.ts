/**
 * A local Slack Web API for tests and the sandbox. Bolt's WebClient posts form-encoded bodies to
 * `{slackApiUrl}{method}`; every call is recorded with its parsed body (`view`, `blocks`,
 * `metadata` decoded from their JSON strings) so tests can assert on exactly what Slack would see.
 * Faults: the next N calls of a method can answer 429 with Retry-After, or an `ok: false` error.
 * With rate limits set (SLACK_PUBLISHED_LIMITS), it answers 429 as Slack does when a method (or,
 * for chat.postMessage, a channel) is called faster than its tier allows.
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

export interface SlackTestUser {
  id: string;
  realName: string;
  email?: string;
  /** A deactivated account: users.info still answers, with `deleted: true`, as Slack does. */
  deleted?: boolean;
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
  'users.info': { scope: 'workspace', perMinute: 100, burst: 20 },
  'views.open': { scope: 'workspace', perMinute: 100, burst: 20 },
  'views.update': { scope: 'workspace', perMinute: 100, burst: 20 },
  'views.push': { scope: 'workspace', perMinute: 100, burst: 20 },
  'views.publish': { scope: 'workspace', perMinute: 100, burst: 20 },
};

export interface SlackApiStandinOptions {
  users?: SlackTestUser[];
  botUserId?: string;
  botId?: string;
  teamId?: string;
  /** Scopes the bot token was granted (default: manifest.yml's bot scopes). */
  scopes?: readonly string[];
  /** Rate limits by method (default: none). */
  rateLimits?: Readonly<Record<string, SlackRateLimit>>;
}

export interface SlackApiStandin {
  /** Base URL for WebClient's `slackApiUrl` (ends with `/api/`). */
  url: string;
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
  /** The next `count` calls of `method` answer `{ ok: false, error }`. */
  failNext(method: string, count: number, error: string): void;
  /** The next `count` calls of `method` take effect at once (recorded, a message posted) but are answered `delayMs` later. */
  slowNext(method: string, count: number, delayMs: number): void;
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
  const channels = new Map<string, SlackTestChannel>();
  const botUserId = opts.botUserId ?? 'U0BOT00001';
  const teamId = opts.teamId ?? 'T0TEAM0001';
  let scopes: readonly string[] = [...(opts.scopes ?? manifestBotScopes())];
  const calls: RecordedSlackCall[] = [];
  type Fault = { kind: 'ratelimit' | 'error' | 'slow'; left: number; retryAfterSeconds: number; error: string; delayMs?: number };
  const faults = new Map<string, Fault[]>();
  const listeners = new Set<(call: RecordedSlackCall) => void>();
  const waiters = new Set<() => void>();
  let tsCounter = 0;
  const nextTs = () => {
    tsCounter += 1;
    return `${1_800_000_000 + tsCounter}.${String(tsCounter).padStart(6, '0')}`;
  };

  /** What real Slack refuses before doing anything: a scope the token lacks, a payload over a limit. */
  const refusal = (method: string, body: Record<string, unknown>): Record<string, unknown> | undefined => {
    const needed = neededScope(method, body);
    if (needed && !scopes.includes(needed)) return { ok: false, error: 'missing_scope', needed, provided: scopes.join(',') };
    if (method === 'chat.postMessage' || method === 'chat.update' || method === 'chat.postEphemeral') {
      if (typeof body.text === 'string' && body.text.length > LIMITS.messageText) return { ok: false, error: 'msg_too_long' };
      const problems = validateMessage({ text: body.text, blocks: body.blocks });
      if (problems.length > 0) {
        const messages = slackErrorMessages(problems);
        return { ok: false, error: problems.every((p) => p.pointer.startsWith('/blocks')) ? 'invalid_blocks' : 'invalid_arguments', errors: messages, response_metadata: { messages } };
      }
    }
    if (VIEW_METHODS.includes(method)) {
      const problems = validateView(body.view);
      if (problems.length > 0) return { ok: false, error: 'invalid_arguments', response_metadata: { messages: slackErrorMessages(problems) } };
    }
    return undefined;
  };

  const answer = (method: string, body: Record<string, unknown>): Record<string, unknown> => {
    const channel = typeof body.channel === 'string' ? body.channel : 'C0DEFAULT1';
    const refused = refusal(method, body);
    if (refused) return refused;
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://standin.slack.local/', team: 'Stand-in', user: 'charter-bot', team_id: teamId, user_id: botUserId, bot_id: opts.botId ?? 'B0BOT00001' };
      case 'views.open':
      case 'views.update':
      case 'views.push':
      case 'views.publish': {
        const view = (body.view ?? {}) as Record<string, unknown>;
        return { ok: true, view: { id: `V${String(calls.length).padStart(8, '0')}`, ...view } };
      }
      case 'chat.postMessage':
        return { ok: true, channel, ts: nextTs(), message: { text: body.text, blocks: body.blocks, thread_ts: body.thread_ts } };
      case 'chat.update':
        return { ok: true, channel, ts: body.ts, text: body.text };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: nextTs() };
      case 'chat.getPermalink':
        return { ok: true, channel, permalink: `https://standin.slack.local/archives/${channel}/p${String(body.message_ts ?? '').replace('.', '')}` };
      case 'conversations.open': {
        // One DM channel per user, stable across calls, as Slack gives.
        const user = String(body.users ?? '').split(',')[0] ?? '';
        return { ok: true, channel: { id: `D${user.replace(/^[UW]/, '').padEnd(9, '0').slice(0, 10)}` } };
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
          user: { id: user.id, team_id: teamId, deleted: user.deleted ?? false, name: user.realName.toLowerCase().replace(/\s+/g, '.'), real_name: user.realName, profile: { real_name: user.realName, display_name: user.realName.split(' ')[0], ...(user.email && scopes.includes('users:read.email') ? { email: user.email } : {}) } },
        };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
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
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
    if (hung.has(method) || hung.has('*')) return; // held open; close() drops it
    const body = parseBody(raw, req.headers['content-type']);
    const pending = faults.get(method)?.find((f) => f.left > 0);
    let status = 200;
    let payload: Record<string, unknown>;
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-oauth-scopes': scopes.join(',') };
    let answerAfterMs = 0;
    if (pending?.kind === 'slow') {
      pending.left -= 1;
      answerAfterMs = pending.delayMs ?? 0;
      payload = answer(method, body);
    } else if (pending) {
      pending.left -= 1;
      if (pending.kind === 'ratelimit') {
        status = 429;
        headers['retry-after'] = String(pending.retryAfterSeconds);
        payload = { ok: false, error: 'ratelimited' };
      } else payload = { ok: false, error: pending.error };
    } else {
      const retryAfterSeconds = overLimit(method, body);
      if (retryAfterSeconds === undefined) payload = answer(method, body);
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

  const addFault = (method: string, fault: Fault) => {
    const list = faults.get(method) ?? [];
    list.push(fault);
    faults.set(method, list);
  };

  return {
    url: `${listener.url}/api/`,
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method),
    setUser: (user) => void users.set(user.id, user),
    setChannel: (id, channel) => void (channel ? channels.set(id, channel) : channels.delete(id)),
    rateLimitNext: (method, count, retryAfterSeconds) => addFault(method, { kind: 'ratelimit', left: count, retryAfterSeconds, error: 'ratelimited' }),
    setRateLimits: (limits) => {
      rateLimits = limits;
      buckets.clear();
    },
    failNext: (method, count, error) => addFault(method, { kind: 'error', left: count, retryAfterSeconds: 0, error }),
    slowNext: (method, count, delayMs) => addFault(method, { kind: 'slow', left: count, retryAfterSeconds: 0, error: '', delayMs }),
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
    close: listener.close,
  };
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
