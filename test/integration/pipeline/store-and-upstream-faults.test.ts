/**
 * Faults as they really come (issue 12), with the production adapters and production timings:
 * - the dashboard and SCC process a create for 12 s and answer after our 10 s deadline — the entry
 *   lands late, and exactly one of each must exist (no second POST while the first may land);
 * - the SQLite store is locked by another process for 20 s mid-run;
 * - the DynamoDB state table answers 500 for 10 s mid-run.
 * Each booking must finish `done` without a restart.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../../src/log';
import { DynamoBookingStore } from '../../../src/pipeline/dynamodb-store';
import type { Boundary } from '../../../src/pipeline/runner';
import { BookingService } from '../../../src/pipeline/service';
import { SqliteBookingStore } from '../../../src/pipeline/sqlite-store';
import type { AnyStepName, StepName } from '../../../src/pipeline/types';
import { startFaultProxy, type FaultProxy } from '../../../src/sandbox/fault-proxy';
import { startStandins, type Standins } from '../../../src/sandbox/standins';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { startRecordingServer, type RecordingServer } from '../../fixtures/pipeline/recording-server';
import { sandboxSteps } from '../../fixtures/pipeline/sandbox-steps';
import { spawnWorker } from '../../fixtures/pipeline/spawn-worker';

jest.setTimeout(120_000);

const log = createLogger({ level: 'silent', pretty: false });
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-store-faults-'));
let standins: Standins;
let notices: RecordingServer;

beforeAll(async () => {
  standins = await startStandins();
  notices = await startRecordingServer();
});

afterAll(async () => {
  await notices.close();
  await standins.close();
  fs.rmSync(tmpDir, { recursive: true, force: true });
});

const onceAt = (step: StepName, boundary: Boundary, action: () => void | Promise<void>) => {
  let fired = false;
  return async (s: AnyStepName, b: Boundary) => {
    if (fired || s !== step || b !== boundary) return;
    fired = true;
    await action();
  };
};

it('dashboard and SCC that answer after 12 s (side effect at the end): exactly one calendar entry and one SCC event', async () => {
  // Production timings: a 10 s answer deadline, 35 s before any second POST.
  const sandbox = sandboxSteps({ ...standins.env, NOTICES_URL: notices.url, CHARTER_CREATE_QUIET_MS: '35000' });
  const store = SqliteBookingStore.open(path.join(tmpDir, 'slow.db'));
  const service = new BookingService({ store, steps: sandbox.steps, log });
  try {
    standins.dashboard.faults.inject('POST /calendar', { kind: 'latency', ms: 12_000 }, { times: 1 });
    standins.scc.faults.inject('POST /events', { kind: 'latency', ms: 12_000 }, { times: 1 });
    const booking = await service.create(sampleNewBooking());
    await service.approve(booking.id, 'U0APPROVER1');
    await service.idle();
    const record = await service.get(booking.id);
    expect(record?.state).toBe('done');
    expect(standins.dashboard.entries().filter((e) => e.externalId === booking.id)).toHaveLength(1);
    expect(standins.scc.events().filter((e) => e.externalId === booking.id)).toHaveLength(1);
    expect(standins.dashboard.recorder.find('POST', '/calendar').filter((r) => (r.body as { externalId?: string }).externalId === booking.id)).toHaveLength(1);
    expect(standins.scc.recorder.find('POST', '/events').filter((r) => (r.body as { externalId?: string }).externalId === booking.id)).toHaveLength(1);
    // Found by lookup once it landed, not created a second time; the one SCC item is clean.
    expect(record?.steps.calendar.result?.created).toBe(false);
    expect(record?.steps.scc_event.result?.created).toBe(false);
    expect(record?.steps.revenue_guard.result?.verified).toBe(true);
  } finally {
    standins.dashboard.faults.clear();
    standins.scc.faults.clear();
    await service.idle();
    await sandbox.close();
    await store.close();
  }
});

it('SQLite locked by another process for 20 s mid-run: the booking finishes done without a restart', async () => {
  const dbFile = path.join(tmpDir, 'locked.db');
  const store = SqliteBookingStore.open(dbFile);
  const sandbox = sandboxSteps({ ...standins.env, NOTICES_URL: notices.url });
  const locker = spawnWorker('sqlite-locker.ts', { DB_FILE: dbFile, HOLD_MS: '20000' });
  expect(await locker.nextLine()).toBe('ready');
  let lockedAt = 0;
  const service = new BookingService({
    store,
    steps: sandbox.steps,
    log,
    onBoundary: onceAt('calendar', 'after', async () => {
      locker.child.stdin?.write('lock\n');
      expect(await locker.nextLine()).toBe('locked');
      lockedAt = Date.now();
    }),
  });
  try {
    const booking = await service.create(sampleNewBooking());
    await service.approve(booking.id, 'U0APPROVER1');
    while (lockedAt === 0) await new Promise((r) => setTimeout(r, 20));
    // Readers still get through (WAL); writers do not. Five seconds into the lock the run is held:
    // the calendar step's completion cannot be written, and nothing gave up on the booking.
    await new Promise((r) => setTimeout(r, 5000));
    const during = await store.get(booking.id);
    expect(during?.state).toBe('running');
    expect(during?.steps.calendar.status).toBe('running');
    await service.idle();
    expect(await locker.exited).toBe(0);
    const record = await service.get(booking.id);
    expect(record?.state).toBe('done');
    console.log(`sqlite locked 20 s: booking done ${Date.now() - lockedAt} ms after the lock was taken`);
  } finally {
    locker.child.kill();
    await service.idle();
    await sandbox.close();
    await store.close();
  }
});

it('DynamoDB state table answering 500 for 10 s mid-run: the booking finishes done without a restart', async () => {
  const proxy: FaultProxy = await startFaultProxy(standins.dynamodb.endpoint);
  const client = new DynamoDBClient({ endpoint: proxy.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const store = new DynamoBookingStore({ client, table: 'charter-state-faults', ownsClient: false });
  await store.ensureTable({ create: true });
  const sandbox = sandboxSteps({ ...standins.env, NOTICES_URL: notices.url });
  let failedAt = 0;
  const lines: string[] = [];
  const service = new BookingService({
    store,
    steps: sandbox.steps,
    log: createLogger({ level: 'warn', pretty: false, destination: { write: (l: string) => void lines.push(l) } as never }),
    onBoundary: onceAt('calendar', 'after', () => {
      proxy.fail();
      failedAt = Date.now();
      setTimeout(() => proxy.heal(), 10_000);
    }),
  });
  try {
    const booking = await service.create(sampleNewBooking());
    await service.approve(booking.id, 'U0APPROVER1');
    await service.idle();
    const record = await service.get(booking.id);
    expect(failedAt).toBeGreaterThan(0);
    expect(record?.state).toBe('done');
    // The outage held the run: the booking could only finish once the table answered again.
    expect(record?.steps.calendar.finishedAtMs ?? 0).toBeGreaterThanOrEqual(failedAt);
    expect(record?.updatedAtMs ?? 0).toBeGreaterThanOrEqual(failedAt + 9_000);
    expect(standins.dashboard.entries().filter((e) => e.externalId === booking.id)).toHaveLength(1);
    // Whoever reads the store's retry warnings can tell which booking, and which step, waited.
    const retries = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'state store unavailable; retrying');
    expect(retries.length).toBeGreaterThan(0);
    // The calendar step's completion waited, with whichever steps were running beside it.
    const steps = (l: Record<string, unknown>) => (l.step !== undefined ? [l.step] : ((l.waiting ?? []) as { step?: unknown }[]).map((w) => w.step));
    expect(retries.filter((l) => l.bookingId === booking.id && steps(l).includes('calendar'))).not.toHaveLength(0);
    expect(retries[0]).toMatchObject({ what: 'put', err: { type: 'StoreUnavailableError' } });
    expect(retries.filter((l) => l.what === 'get' || l.what === 'put').every((l) => l.bookingId === booking.id)).toBe(true);
  } finally {
    await service.idle();
    await sandbox.close();
    await store.close();
    client.destroy();
    await proxy.close();
  }
});
