/**
 * App Home viewers shared through the store (src/slack/home/viewers.ts), on SQLite on disk: what is
 * written when, who drops out, and two processes recording viewers at once. How the pipeline
 * function uses them on Lambda is in test/integration/lambda/handlers.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteBookingStore } from '../../../src/pipeline/sqlite-store';
import {
  HOME_VIEWERS_KEY,
  MAX_TABS_PER_SHARD,
  MAX_VIEWERS,
  readHomeViewers,
  recordTabShown,
  recordTabsShown,
  rememberHomeViewer,
  TAB_SHARDS,
  tabShardKey,
  tabShows,
  VIEWER_REFRESH_MS,
  VIEWER_TTL_MS,
} from '../../../src/slack/home/viewers';

const DAY = 24 * 60 * 60 * 1000;
let dir: string;
let first: SqliteBookingStore;
let second: SqliteBookingStore;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'charter-home-viewers-'));
  first = SqliteBookingStore.open(path.join(dir, 'charter.db'));
  second = SqliteBookingStore.open(path.join(dir, 'charter.db'));
});

afterEach(async () => {
  await first.close();
  await second.close();
  rmSync(dir, { recursive: true, force: true });
});

it('records a viewer once a day, and lists the most recent first', async () => {
  const t0 = Date.parse('2026-12-03T17:00:00Z');
  await rememberHomeViewer(first, 'U0APPROVE1', t0);
  await rememberHomeViewer(first, 'U0CREW0001', t0 + 1000);
  const written = (await first.getMeta(HOME_VIEWERS_KEY))?.version;
  await rememberHomeViewer(second, 'U0APPROVE1', t0 + VIEWER_REFRESH_MS - 1);
  expect((await first.getMeta(HOME_VIEWERS_KEY))?.version).toBe(written);
  expect(await readHomeViewers(second, t0 + 2000)).toEqual(['U0CREW0001', 'U0APPROVE1']);

  await rememberHomeViewer(second, 'U0APPROVE1', t0 + VIEWER_REFRESH_MS);
  expect((await first.getMeta(HOME_VIEWERS_KEY))?.version).toBe((written ?? 0) + 1);
  expect(await readHomeViewers(first, t0 + VIEWER_REFRESH_MS)).toEqual(['U0APPROVE1', 'U0CREW0001']);
});

it('drops viewers not seen for 30 days, from the listing and from the next write', async () => {
  const t0 = Date.parse('2026-11-01T17:00:00Z');
  await rememberHomeViewer(first, 'U0OLD00001', t0);
  await rememberHomeViewer(first, 'U0NEW00001', t0 + 20 * DAY);
  expect(await readHomeViewers(first, t0 + VIEWER_TTL_MS)).toEqual(['U0NEW00001']);
  await rememberHomeViewer(first, 'U0NEW00002', t0 + VIEWER_TTL_MS);
  expect(Object.keys(JSON.parse((await first.getMeta(HOME_VIEWERS_KEY))?.value ?? '{}') as object).sort()).toEqual(['U0NEW00001', 'U0NEW00002']);
});

it('keeps the most recent MAX_VIEWERS', async () => {
  const t0 = Date.parse('2026-12-03T17:00:00Z');
  for (let i = 0; i <= MAX_VIEWERS; i++) await rememberHomeViewer(first, `U${String(i).padStart(9, '0')}`, t0 + i);
  const viewers = await readHomeViewers(first, t0 + MAX_VIEWERS);
  expect(viewers).toHaveLength(MAX_VIEWERS);
  expect(viewers).not.toContain('U000000000');
  expect(viewers[0]).toBe(`U${String(MAX_VIEWERS).padStart(9, '0')}`);
});

it('two processes recording different viewers at the same moment both land (compare-and-set, retried)', async () => {
  const t0 = Date.parse('2026-12-03T17:00:00Z');
  await Promise.all([rememberHomeViewer(first, 'U0APPROVE1', t0), rememberHomeViewer(second, 'U0CREW0001', t0), rememberHomeViewer(first, 'U0CREW0002', t0)]);
  expect((await readHomeViewers(second, t0)).sort()).toEqual(['U0APPROVE1', 'U0CREW0001', 'U0CREW0002']);
});

it('a malformed entry reads as no viewers and is replaced by the next open', async () => {
  const t0 = Date.parse('2026-12-03T17:00:00Z');
  await first.casMeta(HOME_VIEWERS_KEY, 'not json', 0);
  expect(await readHomeViewers(first, t0)).toEqual([]);
  await rememberHomeViewer(first, 'U0APPROVE1', t0);
  expect(await readHomeViewers(first, t0)).toEqual(['U0APPROVE1']);
});

describe('what each tab shows (digests)', () => {
  /** The meta rows App Home has written, read straight from the SQLite file. */
  const homeRows = () => {
    const db = new Database(path.join(dir, 'charter.db'), { readonly: true });
    try {
      return db.prepare("SELECT key, value FROM meta WHERE key LIKE 'home:%' AND key <> ?").all(HOME_VIEWERS_KEY) as { key: string; value: string }[];
    } finally {
      db.close();
    }
  };
  const digestsStored = () => homeRows().reduce((n, r) => n + Object.keys(JSON.parse(r.value) as object).length, 0);
  const user = (i: number) => `U${String(i).padStart(9, '0')}`;

  it('stay in a bounded number of entries however many users come and go', async () => {
    const t0 = Date.parse('2026-06-01T17:00:00Z');
    // A season of users, a few new ones a day, each published to a few times.
    for (let i = 0; i < 1200; i++) await recordTabsShown(i % 2 ? first : second, [[user(i), `digest-${i}-a`], [user(i), `digest-${i}-b`]], t0 + i * (DAY / 8));
    const rows = homeRows();
    expect(rows.length).toBeLessThanOrEqual(TAB_SHARDS);
    expect(digestsStored()).toBeLessThanOrEqual(TAB_SHARDS * MAX_TABS_PER_SHARD);
    // The latest digest of a recent user is known; no entry keeps one 30 days older than its last write.
    expect(await tabShows(first, user(1199), 'digest-1199-b')).toBe(true);
    expect(await tabShows(first, user(1199), 'digest-1199-a')).toBe(false);
    for (const r of rows) {
      const times = Object.values(JSON.parse(r.value) as Record<string, { atMs: number }>).map((t) => t.atMs);
      expect(Math.max(...times) - Math.min(...times)).toBeLessThan(VIEWER_TTL_MS);
    }
  });

  it('a digest older than 30 days is dropped by the next write to its entry', async () => {
    const t0 = Date.parse('2026-06-01T17:00:00Z');
    const old = user(1);
    const sameShard = Array.from({ length: 200 }, (_, i) => user(100 + i)).find((u) => tabShardKey(u) === tabShardKey(old)) ?? '';
    await recordTabShown(first, old, 'old-view', t0);
    expect(await tabShows(second, old, 'old-view')).toBe(true);
    await recordTabShown(second, sameShard, 'new-view', t0 + VIEWER_TTL_MS);
    expect(await tabShows(first, old, 'old-view')).toBe(false);
    expect(await tabShows(first, sameShard, 'new-view')).toBe(true);
  });

  it('two processes recording tabs in the same entry at once both land', async () => {
    const t0 = Date.parse('2026-06-01T17:00:00Z');
    const users = Array.from({ length: 200 }, (_, i) => user(i)).filter((u) => tabShardKey(u) === tabShardKey(user(0))).slice(0, 2);
    expect(users).toHaveLength(2);
    await Promise.all([recordTabShown(first, users[0] ?? '', 'one', t0), recordTabShown(second, users[1] ?? '', 'two', t0)]);
    expect(await tabShows(first, users[0] ?? '', 'one')).toBe(true);
    expect(await tabShows(first, users[1] ?? '', 'two')).toBe(true);
  });
});
