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

export interface UserDirectory {
  lookup(userId: string): Promise<SlackUser>;
  /** The roster and who on it cannot be called, from the same users.info lookups. */
  checkedRoster(captain: string, crew: readonly string[]): Promise<{ roster: RosterMember[]; uncallable: UncallableMember[] }>;
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

  const checkedRoster = async (captain: string, crew: readonly string[]) => {
    const entries: [string, CrewRole][] = [[captain, 'captain'], ...crew.map((id): [string, CrewRole] => [id, 'crew'])];
    const looked = await Promise.all(entries.map(async ([slackUserId, role]) => ({ slackUserId, role, user: await lookup(slackUserId) })));
    const roster = looked.map(({ slackUserId, role, user }): RosterMember => ({ slackUserId, role, name: user.name, ...(user.email ? { email: user.email } : {}) }));
    const uncallable = looked.flatMap(({ slackUserId, role, user }): UncallableMember[] => {
      const why = user.deleted ? 'deactivated' : user.isBot ? 'bot' : undefined;
      return why ? [{ slackUserId, role, name: user.name, why }] : [];
    });
    return { roster, uncallable };
  };

  return {
    lookup,
    checkedRoster,
    forget: (userId) => void cache.delete(userId),
  };
}
