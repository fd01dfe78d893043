/** Which bookings Lambda's minute tick redraws: finished in the last day, with a message, and a drawn mark behind; the newest first, a few a tick. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../src/log';
import { SqliteBookingStore } from '../../../src/pipeline/sqlite-store';
import type { BookingRecord, BookingState, SlackRefs } from '../../../src/pipeline/types';
import { REDRAW_CHANGED_WITHIN_MS } from '../../../src/slack/progress/redraw-at-start';
import { redrawStaleProgress } from '../../../src/slack/progress/redraw-stale';
import { sampleRecord } from '../../fixtures/pipeline/booking';

const NOW = Date.parse('2026-12-07T12:00:00Z');
const HOUR = 3_600_000;
const log = createLogger({ level: 'silent' });

/** Stored as `version`: a mark of `version - 1` is the write that marked the draw of the one before. */
function record(id: string, state: BookingState, updatedAtMs: number, slack: Partial<SlackRefs>, version = 5): BookingRecord {
  const base = sampleRecord(id, updatedAtMs);
  // A charter three days out: every one of these is still listed as current.
  const request = { ...base.request, date: '2026-12-10' };
  return { ...base, request, state, updatedAtMs, version, slack: { channel: 'C0OPS00001', approvalTs: '1800000000.000100', ...slack } };
}

async function withStore(records: BookingRecord[], body: (store: SqliteBookingStore) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'charter-redraw-stale-'));
  const store = SqliteBookingStore.open(join(dir, 'charter.db'));
  try {
    for (const r of records) await store.create(r);
    await body(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

it('asks for finished bookings of the last day whose mark is behind or missing, and leaves those drawn, older, unposted or still running', async () => {
  const records = [
    record('DONE0UNMARK1', 'done', NOW - 2 * HOUR, { progressTs: '1.1' }),
    // Marked, then changed again (a crew answer, a reminder): the mark is two writes behind.
    record('DONE0BEHIND1', 'done', NOW - HOUR, { progressTs: '1.2', progressDrawn: 3 }),
    record('DONE0DRAWN01', 'done', NOW - HOUR, { progressTs: '1.3', progressDrawn: 4 }),
    record('FAILEDDRAWN1', 'failed', NOW - HOUR, { progressTs: '1.4', progressDrawn: 4 }),
    record('CANCELLEDUN1', 'cancelled', NOW - 3 * HOUR, { progressTs: '1.5' }),
    record('DONE0OLDER01', 'done', NOW - REDRAW_CHANGED_WITHIN_MS - HOUR, { progressTs: '1.6' }),
    record('DONE0NOPROG1', 'done', NOW - HOUR, {}),
    // Claimed, never posted: Slack refused the post until its invocation stopped.
    record('FAILEDCLAIM1', 'failed', NOW - 4 * HOUR, { progressClaim: { owner: 'lambda-gone', atMs: NOW - 4 * HOUR } }),
    record('RUNNING00001', 'running', NOW - HOUR, { progressTs: '1.7' }),
  ];
  await withStore(records, async (store) => {
    const asked: string[] = [];
    await expect(redrawStaleProgress({ store, notify: (id) => asked.push(id), log }, NOW)).resolves.toBe(4);
    expect(asked).toEqual(['DONE0BEHIND1', 'DONE0UNMARK1', 'CANCELLEDUN1', 'FAILEDCLAIM1']);
  });
});

it('asks for at most maxPerTick, the most recently changed first: the rest wait for the next tick', async () => {
  const records = [1, 2, 3, 4, 5].map((h) => record(`DONE0HOURS0${h}`, 'done', NOW - h * HOUR, { progressTs: `1.${h}` }));
  await withStore(records, async (store) => {
    const asked: string[] = [];
    await expect(redrawStaleProgress({ store, notify: (id) => asked.push(id), log, maxPerTick: 2 }, NOW)).resolves.toBe(2);
    expect(asked).toEqual(['DONE0HOURS01', 'DONE0HOURS02']);
  });
});
