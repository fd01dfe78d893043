/**
 * App Home viewers shared through the store (src/slack/home/viewers.ts), on SQLite on disk: what is
 * written when, who drops out, and two processes recording viewers at once. How the pipeline
 * function uses them on Lambda is in test/integration/lambda/handlers.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SqliteBookingStore } from '../../../src/pipeline/sqlite-store';
import { HOME_VIEWERS_KEY, MAX_VIEWERS, readHomeViewers, rememberHomeViewer, VIEWER_REFRESH_MS, VIEWER_TTL_MS } from '../../../src/slack/home/viewers';

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
