/**
 * Who has App Home open, shared through the store: on Lambda (or any several processes) a booking
 * changes in one process while its viewers opened Home in another, which alone would know to
 * refresh them. One meta entry, `home:viewers`, maps each user to when they last opened Home;
 * users not seen for VIEWER_TTL_MS drop out, and at most MAX_VIEWERS are kept (most recent first).
 */
import { createHash } from 'node:crypto';
import { updateMeta, type BookingStore } from '../../pipeline/store';

export const HOME_VIEWERS_KEY = 'home:viewers';
/** A user who has not opened Home for this long is no longer refreshed (their next open brings them back). */
export const VIEWER_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** An open within this long of the stored one is not written again: one write per user per day at most. */
export const VIEWER_REFRESH_MS = 24 * 60 * 60 * 1000;
export const MAX_VIEWERS = 500;
const CAS_ATTEMPTS = 5;

type Viewers = Record<string, number>;

function parse(value: string | undefined): Viewers {
  if (!value) return {};
  try {
    const parsed = JSON.parse(value) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, number] => typeof e[1] === 'number'));
  } catch {
    return {};
  }
}

/** The viewers still current at `nowMs`, most recent first, at most MAX_VIEWERS (pure). */
export function currentViewers(viewers: Viewers, nowMs: number): [string, number][] {
  return Object.entries(viewers)
    .filter(([, atMs]) => nowMs - atMs < VIEWER_TTL_MS)
    .sort((a, b) => b[1] - a[1])
    .slice(0, MAX_VIEWERS);
}

/** Users to refresh after a change, as stored. */
export async function readHomeViewers(store: BookingStore, nowMs: number): Promise<string[]> {
  return currentViewers(parse((await store.getMeta(HOME_VIEWERS_KEY))?.value), nowMs).map(([userId]) => userId);
}

/** Records that `userId` opened Home (a compare-and-set; nothing is written when a recent open is already stored). */
export async function rememberHomeViewer(store: BookingStore, userId: string, nowMs: number): Promise<void> {
  await updateMeta(
    store,
    HOME_VIEWERS_KEY,
    (value) => {
      const viewers = parse(value);
      const seen = viewers[userId];
      if (seen !== undefined && nowMs - seen < VIEWER_REFRESH_MS) return undefined;
      return JSON.stringify(Object.fromEntries(currentViewers({ ...viewers, [userId]: nowMs }, nowMs)));
    },
    CAS_ATTEMPTS,
  );
}

/**
 * What a user's tab shows, as the last process to publish it recorded (a digest of the view): a
 * process that never published that tab itself (a cold Lambda instance, another instance) would
 * otherwise send every recorded tab again on its first refresh, unchanged, against Slack's limit.
 *
 * The digests live in TAB_SHARDS meta entries (`home:tabs:0` … `home:tabs:f`), each a map of user →
 * digest and when it was recorded; a user's shard is fixed by a hash of their id. One entry per user
 * (as `home:shown:USER` was) grew by a key for every user who ever opened Home and was never deleted
 * (the store has no delete, and the functions may not delete from the bookings table). Now every
 * write of a shard drops digests recorded longer than VIEWER_TTL_MS ago — their users are no longer
 * refreshed — and keeps at most MAX_TABS_PER_SHARD, so the total is bounded whoever comes and goes.
 * A digest dropped while its user still looks costs one unchanged publish, nothing more.
 */
export const TAB_SHARDS = 16;
/** 16 × 64 = 1,024 digests: room for MAX_VIEWERS with an uneven spread. */
export const MAX_TABS_PER_SHARD = 64;

type Tabs = Record<string, { digest: string; atMs: number }>;

export function tabShardKey(userId: string): string {
  const shard = createHash('sha256').update(userId).digest()[0] ?? 0;
  return `home:tabs:${(shard % TAB_SHARDS).toString(16)}`;
}

function parseTabs(value: string | undefined): Tabs {
  if (!value) return {};
  try {
    const parsed = JSON.parse(value) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    return Object.fromEntries(
      Object.entries(parsed as Record<string, unknown>).filter((e): e is [string, { digest: string; atMs: number }] => {
        const v = e[1] as { digest?: unknown; atMs?: unknown } | null;
        return typeof v?.digest === 'string' && typeof v.atMs === 'number';
      }),
    );
  } catch {
    return {};
  }
}

/** The digests a shard keeps at `nowMs`: recorded within VIEWER_TTL_MS, the newest MAX_TABS_PER_SHARD (pure). */
export function currentTabs(tabs: Tabs, nowMs: number): Tabs {
  return Object.fromEntries(
    Object.entries(tabs)
      .filter(([, t]) => nowMs - t.atMs < VIEWER_TTL_MS)
      .sort((a, b) => b[1].atMs - a[1].atMs)
      .slice(0, MAX_TABS_PER_SHARD),
  );
}

export function viewDigest(view: string): string {
  return createHash('sha256').update(view).digest('base64url');
}

/** Whether the user's tab already shows the view with this digest (false when unknown). */
export async function tabShows(store: BookingStore, userId: string, digest: string): Promise<boolean> {
  return (await readTabsShown(store, [userId])).get(userId) === digest;
}

/**
 * The digests recorded for these users' tabs (users with none are absent). Each shard they fall in
 * is read once: a refresh of every tab costs at most TAB_SHARDS reads, not one per user.
 */
export async function readTabsShown(store: BookingStore, userIds: Iterable<string>): Promise<Map<string, string>> {
  const byShard = new Map<string, string[]>();
  for (const userId of userIds) {
    const key = tabShardKey(userId);
    byShard.set(key, [...(byShard.get(key) ?? []), userId]);
  }
  const shown = new Map<string, string>();
  await Promise.all(
    [...byShard].map(async ([key, users]) => {
      const tabs = parseTabs((await store.getMeta(key))?.value);
      for (const userId of users) {
        const digest = tabs[userId]?.digest;
        if (digest !== undefined) shown.set(userId, digest);
      }
    }),
  );
  return shown;
}

/**
 * Records what was just published to users' tabs: one compare-and-set per shard touched, retried
 * when another process's write got there first. Publishers batch a refresh's digests into one call.
 */
export async function recordTabsShown(store: BookingStore, shown: ReadonlyArray<readonly [userId: string, digest: string]>, nowMs: number): Promise<void> {
  const byShard = new Map<string, Map<string, string>>();
  for (const [userId, digest] of shown) {
    const key = tabShardKey(userId);
    const users = byShard.get(key) ?? new Map<string, string>();
    users.set(userId, digest);
    byShard.set(key, users);
  }
  await Promise.all(
    [...byShard].map(async ([key, users]) => {
      await updateMeta(
        store,
        key,
        (value) => {
          const tabs = parseTabs(value);
          const changed = [...users].filter(([userId, digest]) => tabs[userId]?.digest !== digest);
          if (changed.length === 0) return undefined;
          return JSON.stringify(currentTabs({ ...tabs, ...Object.fromEntries(changed.map(([userId, digest]) => [userId, { digest, atMs: nowMs }])) }, nowMs));
        },
        CAS_ATTEMPTS,
      );
    }),
  );
}

export function recordTabShown(store: BookingStore, userId: string, digest: string, nowMs: number): Promise<void> {
  return recordTabsShown(store, [[userId, digest]], nowMs);
}
