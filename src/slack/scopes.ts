/**
 * Which OAuth scope each Slack Web API method the bot calls needs — the one place manifest.yml's
 * bot scopes are derived from. test/unit/slack/scopes.test.ts checks every `client.<ns>.<method>`
 * call in src/ against this table, the table against Slack's published Web API spec (vendored in
 * test/fixtures/slack/), and the manifest against BOT_SCOPES. The Slack stand-in enforces it.
 *
 * A method missing here is a method a real install may answer `missing_scope` to: add it (with
 * the scope Slack documents) before calling it.
 */

export interface MethodScope {
  /** Slack answers `missing_scope` without this one (null: the method needs no scope). */
  needed: string | null;
  /**
   * Further scopes the bot requests for this method: a variant of the call (a private channel
   * needs groups:read where a public one needs channels:read) or a field of the answer (users.info
   * leaves out `profile.email` without users:read.email).
   */
  also?: readonly string[];
  /** What the bot uses the method for (the README's scope list says the same). */
  why: string;
}

export const METHOD_SCOPES = {
  'auth.test': { needed: null, why: '/charter doctor checks the bot token' },
  'chat.postMessage': { needed: 'chat:write', why: 'approval message, progress thread, crew posts' },
  'chat.update': { needed: 'chat:write', why: 'approval and progress messages change as the booking moves; crew confirmations' },
  'chat.postEphemeral': { needed: 'chat:write', why: 'replies only the person who asked can see (status, errors)' },
  'chat.getPermalink': { needed: null, why: 'links to a booking thread' },
  'views.open': { needed: null, why: 'the /charter booking modal' },
  'views.update': { needed: null, why: 'modals that change after opening' },
  'views.push': { needed: null, why: 'a second modal step' },
  'views.publish': { needed: null, why: 'the App Home tab (bookings awaiting approval)' },
  'users.info': { needed: 'users:read', also: ['users:read.email'], why: 'roster names; emails go to SCC so it can send the crew their magic links' },
  'conversations.info': { needed: 'channels:read', also: ['groups:read'], why: '/charter doctor, and /charter before the form opens, check the bot can post in the ops (or origin) and crew channels (groups:read for a private one)' },
  'conversations.open': { needed: 'im:write', why: 'crew posts by DM when no crew channel is set' },
  'conversations.history': {
    needed: 'channels:history',
    also: ['groups:history', 'im:history'],
    why: 'a crew post whose answer was lost (timeout, reset, 5xx) is looked up by its metadata before it is posted again: crew DMs (im:history), a public or private crew channel',
  },
  'conversations.replies': {
    needed: 'channels:history',
    also: ['groups:history', 'im:history'],
    why: 'the same lookup in a thread: the crew-called line and reminders in the ops thread, change and cancel notes under crew posts',
  },
} as const satisfies Record<string, MethodScope>;

export type SlackMethod = keyof typeof METHOD_SCOPES;

/** Scopes a manifest feature needs, not a Web API method. */
export const FEATURE_SCOPES: Readonly<Record<string, string>> = {
  commands: '/charter and the message shortcut',
};

/**
 * The Events API events the app subscribes to (manifest.yml's bot_events, exactly these: a test
 * compares) and the scope Slack requires for each (its events reference; null: none).
 */
export const EVENT_SCOPES = {
  app_home_opened: { needed: null, why: 'the App Home tab is rendered when someone opens it' },
  user_change: { needed: 'users:read', why: "a member's new name, email or deactivation is seen at once, not after the 10-minute caches; a deactivated member's charters ahead are flagged to the office" },
} as const satisfies Record<string, { needed: string | null; why: string }>;

/** Every scope a method of the table can need, for the given call (a channel id picks channels:read or groups:read). */
export function scopesOf(method: string): string[] {
  const entry = (METHOD_SCOPES as Record<string, MethodScope>)[method];
  if (!entry) return [];
  return [...(entry.needed ? [entry.needed] : []), ...(entry.also ?? [])];
}

/** The bot scopes manifest.yml must request: exactly these, sorted. */
export const BOT_SCOPES: readonly string[] = [...new Set([...Object.keys(FEATURE_SCOPES), ...Object.keys(METHOD_SCOPES).flatMap(scopesOf)])].sort();

/** Why the bot asks for each scope (for the README and the doctor's messages). */
export function scopeReasons(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [scope, why] of Object.entries(FEATURE_SCOPES)) out[scope] = [why];
  for (const [method, entry] of Object.entries(METHOD_SCOPES as Record<string, MethodScope>)) {
    for (const scope of scopesOf(method)) (out[scope] ??= []).push(`${method}: ${entry.why}`);
  }
  for (const [event, entry] of Object.entries(EVENT_SCOPES)) if (entry.needed) (out[entry.needed] ??= []).push(`${event} event: ${entry.why}`);
  return out;
}

/** The methods whose scope depends on the kind of conversation: public channel, private channel, DM. */
const BY_CONVERSATION: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'conversations.info': { G: 'groups:read', D: 'im:read' },
  'conversations.history': { C: 'channels:history', G: 'groups:history', D: 'im:history' },
  'conversations.replies': { C: 'channels:history', G: 'groups:history', D: 'im:history' },
};

/**
 * The scope a call needs, as Slack decides it: conversations.info on a private channel (id `G…`)
 * needs groups:read, on a DM (`D…`) im:read; conversations.history / replies need channels:history in a public channel,
 * groups:history in a private one and im:history in a DM (`D…`); every other method its `needed`
 * scope. undefined: not in the table.
 */
export function neededScope(method: string, args: { channel?: unknown } = {}): string | null | undefined {
  const entry = (METHOD_SCOPES as Record<string, MethodScope>)[method];
  if (!entry) return undefined;
  const byKind = BY_CONVERSATION[method];
  if (byKind && typeof args.channel === 'string') return byKind[args.channel.charAt(0)] ?? entry.needed;
  return entry.needed;
}
