/**
 * 20 concurrent approvals split across 2 real processes sharing one store — a SQLite file, then a
 * dynalite — must produce exactly one winner, 19 losers told who won, and exactly one pipeline run
 * (each step's side effect seen once by the recording server).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createLogger } from '../../../src/log';
import { openStore } from '../../../src/pipeline/open-store';
import { BookingService } from '../../../src/pipeline/service';
import type { BookingStore } from '../../../src/pipeline/store';
import { STEP_NAMES } from '../../../src/pipeline/types';
import { startDynalite, type RunningDynalite } from '../../../src/sandbox/dynalite';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { startRecordingServer, type RecordingServer } from '../../fixtures/pipeline/recording-server';
import { ScriptedSteps } from '../../fixtures/pipeline/scripted-steps';
import { spawnWorker } from '../../fixtures/pipeline/spawn-worker';

jest.setTimeout(60_000);

const log = createLogger({ level: 'silent', pretty: false });
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-race-'));
let recorder: RecordingServer;
let dynalite: RunningDynalite;
let client: DynamoDBClient;

beforeAll(async () => {
  recorder = await startRecordingServer();
  dynalite = await startDynalite();
  client = new DynamoDBClient({ endpoint: dynalite.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});

afterAll(async () => {
  client.destroy();
  await dynalite.close();
  await recorder.close();
  fs.rmSync(tmpDir, { recursive: true, force: true });
});

interface WorkerOutcome {
  userId: string;
  won: boolean;
  reason?: string;
  byUserId?: string;
}

async function race(store: BookingStore, charterStore: string): Promise<void> {
  const booking = await new BookingService({ store, steps: new ScriptedSteps().implementations, log }).create(sampleNewBooking());
  const users = Array.from({ length: 20 }, (_, i) => `U0APPR${String(i).padStart(4, '0')}`);
  const env = { CHARTER_STORE: charterStore, AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint, BOOKING_ID: booking.id, EFFECTS_URL: recorder.url };
  const workers = [spawnWorker('approve-worker.ts', { ...env, USERS: users.slice(0, 10).join(',') }), spawnWorker('approve-worker.ts', { ...env, USERS: users.slice(10).join(',') })];
  expect(await Promise.all(workers.map((w) => w.nextLine()))).toEqual(['ready', 'ready']);
  for (const w of workers) w.child.stdin?.write('go\n');
  const reports = (await Promise.all(workers.map((w) => w.nextLine()))).map((line) => JSON.parse(line) as { pid: number; outcomes: WorkerOutcome[] });
  expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);

  const outcomes = reports.flatMap((r) => r.outcomes);
  const winners = outcomes.filter((o) => o.won);
  const losers = outcomes.filter((o) => !o.won);
  const effects = recorder.effects.filter((e) => e.body.bookingId === booking.id);
  const stored = await store.get(booking.id);
  console.log(
    `${charterStore.split(':')[0]} approval race: ${outcomes.length} approvals from pids ${reports.map((r) => r.pid).join('+')}, ` +
      `winners=${winners.length} losersToldWinner=${losers.filter((l) => l.byUserId === winners[0]?.userId).length} sideEffects=${effects.length} state=${stored?.state}`,
  );
  expect(outcomes).toHaveLength(20);
  expect(winners).toHaveLength(1);
  expect(losers).toHaveLength(19);
  for (const l of losers) expect(l).toEqual({ userId: l.userId, won: false, reason: 'already_done', byUserId: winners[0]?.userId });
  expect(stored?.state).toBe('done');
  expect(stored?.audit.filter((a) => a.action === 'approved')).toEqual([expect.objectContaining({ userId: winners[0]?.userId })]);
  // Exactly one pipeline run: each step's side effect happened once, in one process.
  expect(effects.map((e) => e.body.step).sort()).toEqual([...STEP_NAMES].sort());
  expect(new Set(effects.map((e) => e.body.pid)).size).toBe(1);
}

it('across 2 processes sharing one SQLite file', async () => {
  const file = path.join(tmpDir, 'shared.db');
  const store = await openStore({ kind: 'sqlite', path: file });
  try {
    await race(store, `sqlite:${file}`);
  } finally {
    await store.close();
  }
});

it('across 2 processes sharing one dynalite', async () => {
  const store = await openStore({ kind: 'dynamodb', table: 'charter-race' }, { dynamodb: client, createTable: true });
  await race(store, 'dynamodb:charter-race');
});
