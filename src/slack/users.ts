/**
 * Names and emails of Slack users, from users.info, cached briefly (a roster is looked up at creation),
 * and whether each can be called at all: a deactivated account or a bot gets no DM.
 */
import type { WebClient } from '@slack/web-api';
import type { CrewRole, RosterMember } from '../booking/types';

/** Slackbot: users.info answers `is_bot: false` for it, yet it is no one to call. */
export const SLACKBOT_USER_ID = 'USLACKBOT';

export interface SlackUser {
  name: string;
  email?: string;
  /** A deactivated account (users.info `deleted: true`). */
  deleted?: boolean;
  /** A bot user (users.info `is_bot: true`, or Slackbot). */
  isBot?: boolean;
}

/** Someone picked for a roster whom the bot can never call. */
export interface UncallableMember {
  slackUserId: string;
  role: CrewRole;
  name: string;
  why: 'deactivated' | 'bot';
}

/**
 * Someone picked for a roster whom users.info did not answer for (rate limited, an error): the roster
 * holds them under their user id with no e-mail, and nothing is cached, so the next lookup asks again.
 */
export interface UnresolvedMember {
  slackUserId: string;
  role: CrewRole;
  /** Slack's error (`ratelimited`, `internal_error`) or the client's code. */
  error: string;
}

export interface CheckedRoster {
  roster: RosterMember[];
  uncallable: UncallableMember[];
  unresolved: UnresolvedMember[];
}

export interface UserDirectory {
  lookup(userId: string): Promise<SlackUser>;
  /**
   * The roster, who on it cannot be called, and whom Slack did not answer for, from the same
   * users.info lookups. One failed lookup does not fail the roster: a form must not be lost to it.
   */
  checkedRoster(captain: string, crew: readonly string[]): Promise<CheckedRoster>;
  /** Drops what is known of a user (Slack said they changed: user_change); the next lookup asks users.info. */
  forget(userId: string): void;
}

export function createUserDirectory(client: WebClient, opts: { ttlMs?: number; now?: () => number } = {}): UserDirectory {
  const ttlMs = opts.ttlMs ?? 10 * 60_000;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { atMs: number; value: SlackUser }>();

  const lookup = async (userId: string): Promise<SlackUser> => {
    const hit = cache.get(userId);
    if (hit && now() - hit.atMs < ttlMs) return hit.value;
    const res = await client.users.info({ user: userId });
    const profile = res.user?.profile;
    const name = res.user?.real_name || profile?.real_name || profile?.display_name || res.user?.name || userId;
    const value: SlackUser = {
      name,
      ...(profile?.email ? { email: profile.email } : {}),
      ...(res.user?.deleted === true ? { deleted: true } : {}),
      ...(res.user?.is_bot === true || userId === SLACKBOT_USER_ID ? { isBot: true } : {}),
    };
    cache.set(userId, { atMs: now(), value });
    return value;
  };

  const checkedRoster = async (captain: string, crew: readonly string[]): Promise<CheckedRoster> => {
    const entries: [string, CrewRole][] = [[captain, 'captain'], ...crew.map((id): [string, CrewRole] => [id, 'crew'])];
    const looked = await Promise.all(
      entries.map(async ([slackUserId, role]): Promise<{ slackUserId: string; role: CrewRole; user?: SlackUser; error?: string }> => {
        try {
          return { slackUserId, role, user: await lookup(slackUserId) };
        } catch (err) {
          return { slackUserId, role, error: slackErrorOf(err) };
        }
      }),
    );
    const roster = looked.map(({ slackUserId, role, user }): RosterMember => ({ slackUserId, role, name: user?.name ?? slackUserId, ...(user?.email ? { email: user.email } : {}) }));
    const uncallable = looked.flatMap(({ slackUserId, role, user }): UncallableMember[] => {
      const why = user?.deleted ? 'deactivated' : user?.isBot ? 'bot' : undefined;
      return user && why ? [{ slackUserId, role, name: user.name, why }] : [];
    });
    const unresolved = looked.flatMap(({ slackUserId, role, error }): UnresolvedMember[] => (error === undefined ? [] : [{ slackUserId, role, error }]));
    return { roster, uncallable, unresolved };
  };

  return {
    lookup,
    checkedRoster,
    forget: (userId) => void cache.delete(userId),
  };
}

/** Slack's own error (`ratelimited`, `internal_error`) where there is one; else the client's code. */
function slackErrorOf(err: unknown): string {
  const e = err as { code?: unknown; data?: { error?: unknown } } | undefined;
  if (typeof e?.data?.error === 'string') return e.data.error;
  return typeof e?.code === 'string' ? e.code : 'error';
}
