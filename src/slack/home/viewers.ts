/**
 * Who has App Home open, shared through the store: on Lambda (or any several processes) a booking
 * changes in one process while its viewers opened Home in another, which alone would know to
 * refresh them. One meta entry, `home:viewers`, maps each user to when they last opened Home;
 * users not seen for VIEWER_TTL_MS drop out, and at most MAX_VIEWERS are kept (most recent first).
 */
import { createHash } from 'node:crypto';
import type { BookingStore } from '../../pipeline/store';

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
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const entry = await store.getMeta(HOME_VIEWERS_KEY);
    const viewers = parse(entry?.value);
    const seen = viewers[userId];
    if (seen !== undefined && nowMs - seen < VIEWER_REFRESH_MS) return;
    const next = Object.fromEntries(currentViewers({ ...viewers, [userId]: nowMs }, nowMs));
    if (await store.casMeta(HOME_VIEWERS_KEY, JSON.stringify(next), entry?.version ?? 0)) return;
  }
  throw new Error(`${HOME_VIEWERS_KEY}: ${CAS_ATTEMPTS} compare-and-sets lost in a row`);
}

/**
 * What a user's tab shows, as the last process to publish it recorded (a digest of the view): a
 * process that never published that tab itself (a cold Lambda instance, another instance) would
 * otherwise send every recorded tab again on its first refresh, unchanged, against Slack's limit.
 */
const shownKey = (userId: string) => `home:shown:${userId}`;

export function viewDigest(view: string): string {
  return createHash('sha256').update(view).digest('base64url');
}

/** Whether the user's tab already shows the view with this digest (false when unknown). */
export async function tabShows(store: BookingStore, userId: string, digest: string): Promise<boolean> {
  return (await store.getMeta(shownKey(userId)))?.value === digest;
}

/** Records what was just published to the user's tab (a compare-and-set; losing to another publisher is fine: theirs is as new). */
export async function recordTabShown(store: BookingStore, userId: string, digest: string): Promise<void> {
  const entry = await store.getMeta(shownKey(userId));
  if (entry?.value === digest) return;
  await store.casMeta(shownKey(userId), digest, entry?.version ?? 0);
}
