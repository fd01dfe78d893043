/** Names and emails of Slack users, from users.info, cached briefly (a roster is looked up at creation). */
import type { WebClient } from '@slack/web-api';
import type { CrewRole, RosterMember } from '../booking/types';

export interface UserDirectory {
  lookup(userId: string): Promise<{ name: string; email?: string }>;
  roster(captain: string, crew: readonly string[]): Promise<RosterMember[]>;
}

export function createUserDirectory(client: WebClient, opts: { ttlMs?: number; now?: () => number } = {}): UserDirectory {
  const ttlMs = opts.ttlMs ?? 10 * 60_000;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { atMs: number; value: { name: string; email?: string } }>();

  const lookup = async (userId: string) => {
    const hit = cache.get(userId);
    if (hit && now() - hit.atMs < ttlMs) return hit.value;
    const res = await client.users.info({ user: userId });
    const profile = res.user?.profile;
    const name = res.user?.real_name || profile?.real_name || profile?.display_name || res.user?.name || userId;
    const value = profile?.email ? { name, email: profile.email } : { name };
    cache.set(userId, { atMs: now(), value });
    return value;
  };

  return {
    lookup,
    async roster(captain, crew) {
      const entries: [string, CrewRole][] = [[captain, 'captain'], ...crew.map((id): [string, CrewRole] => [id, 'crew'])];
      return Promise.all(
        entries.map(async ([slackUserId, role]) => {
          const user = await lookup(slackUserId);
          return { slackUserId, role, name: user.name, ...(user.email ? { email: user.email } : {}) };
        }),
      );
    },
  };
}
