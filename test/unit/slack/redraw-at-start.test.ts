/** Which bookings a starting process redraws: finished ones with a progress message (or a claim to post one), changed in the last day. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/log';
import { SqliteBookingStore } from '../../../src/pipeline/sqlite-store';
import type { BookingRecord, BookingState } from '../../../src/pipeline/types';
import { redrawRecentProgress, REDRAW_CHANGED_WITHIN_MS } from '../../../src/slack/progress/redraw-at-start';
import { sampleRecord } from '../../fixtures/pipeline/booking';

const NOW = Date.parse('2026-12-07T12:00:00Z');
const HOUR = 3_600_000;

function record(id: string, state: BookingState, updatedAtMs: number, progressTs: string | undefined): BookingRecord {
  const base = sampleRecord(id, updatedAtMs);
  // A charter three days out: every one of these is still listed as current.
  const request = { ...base.request, date: '2026-12-10' };
  return { ...base, request, state, updatedAtMs, slack: { channel: 'C0OPS00001', approvalTs: '1800000000.000100', ...(progressTs ? { progressTs } : {}) } };
}

it('asks for the finished bookings changed in the last day that have a progress message, and no others', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'charter-redraw-unit-'));
  const store = SqliteBookingStore.open(join(dir, 'charter.db'));
  try {
    const records = [
      record('DONE0RECENT1', 'done', NOW - 2 * HOUR, '1.1'),
      record('FAILEDRECNT1', 'failed', NOW - 10 * HOUR, '1.2'),
      record('CANCELLEDRC1', 'cancelled', NOW - REDRAW_CHANGED_WITHIN_MS + HOUR, '1.3'),
      record('DONE0OLDER01', 'done', NOW - REDRAW_CHANGED_WITHIN_MS - HOUR, '1.4'),
      record('DONE0NOPROG1', 'done', NOW - HOUR, undefined),
      // Claimed, never posted: Slack refused the post until its process stopped.
      { ...record('FAILEDCLAIM1', 'failed', NOW - HOUR, undefined), slack: { channel: 'C0OPS00001', approvalTs: '1800000000.000100', progressClaim: { owner: 'host-1-dead', atMs: NOW - HOUR } } },
      record('RUNNING00001', 'running', NOW - HOUR, '1.5'),
      record('PENDING00001', 'pending_approval', NOW - HOUR, undefined),
    ];
    for (const r of records) await store.create(r);
    const asked: string[] = [];
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) }) });
    const count = await redrawRecentProgress({ store, notify: (id) => asked.push(id), log, nowMs: NOW });
    expect(asked.sort()).toEqual(['CANCELLEDRC1', 'DONE0RECENT1', 'FAILEDCLAIM1', 'FAILEDRECNT1']);
    expect(count).toBe(4);
    expect(lines.join('')).toContain('"bookings":4');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

it('a store that cannot list at start is logged, and the start goes on', async () => {
  const lines: string[] = [];
  const log = createLogger({ level: 'info', destination: new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) }) });
  const store = { listCurrent: async () => Promise.reject(new Error('database is locked')) };
  await expect(redrawRecentProgress({ store, notify: () => undefined, log, nowMs: NOW })).resolves.toBe(0);
  expect(lines.join('')).toContain('progress messages not redrawn at start');
});
