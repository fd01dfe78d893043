/**
 * Crash safety of follow-up operations: a child process runs a booking's cancel (or reschedule) and
 * is SIGKILLed at each step boundary of that operation (before and after each side effect). A fresh
 * service resumes; every outside system must have received each change exactly once: one calendar
 * DELETE (or PATCH), one SCC PATCH taking effect, one new invalidation, one crew notice — and the
 * guest page and SCC item must end right. Same pattern as crash-safety.test.ts. SCC here ignores
 * Idempotency-Key (the contract does not promise it honours the key), so a PATCH the killed worker
 * sent is applied — and e-mailed to the crew — again unless the resumed step finds it in SCC's item.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { computeCosts } from '../../../src/booking/costs';
import { createLogger } from '../../../src/log';
import { operationsOf } from '../../../src/pipeline/operations';
import { sameHostOwnerDead } from '../../../src/pipeline/owner-liveness';
import { defaultOwnerId } from '../../../src/pipeline/runner';
import { BookingService } from '../../../src/pipeline/service';
import type { SqliteBookingStore } from '../../../src/pipeline/sqlite-store';
import { OPERATION_DAGS, type BookingRecord, type OperationKind } from '../../../src/pipeline/types';
import { type Standins } from '../../../src/sandbox/standins';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { type RecordingServer } from '../../fixtures/pipeline/recording-server';
import { type SandboxSteps } from '../../fixtures/pipeline/sandbox-steps';
import { useSandboxWorld } from '../../fixtures/pipeline/sandbox-world';
import { spawnWorker } from '../../fixtures/pipeline/spawn-worker';
import { RATES, sampleRequest, sampleRoster } from '../../support/booking';

jest.setTimeout(300_000);

/** Longer than the test: finishing at all proves the dead worker's leases were taken over, not waited out. */
const LEASE_MS = 600_000;
const APPROVER = 'U0APPROVER1';
const log = createLogger({ level: 'silent', pretty: false });
const world = useSandboxWorld('lifecycle-crash');
const { dbFile } = world;
let standins: Standins;
let notices: RecordingServer;
let env: Record<string, string>;
let store: SqliteBookingStore;
let sandbox: SandboxSteps;
let ddb: DynamoDBClient;

beforeAll(() => {
  ({ standins, notices, env, store, sandbox } = world);
  standins.scc.setItemBehaviour({ ignoreIdempotencyKeys: true });
  ddb = new DynamoDBClient({ endpoint: standins.env.AWS_ENDPOINT_URL_DYNAMODB, region: 'us-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});

afterAll(() => {
  ddb.destroy();
});

const service = (ownerId: string, autoRun = false) =>
  // A restarted process on this host takes over a dead predecessor's leases at once (owner-liveness.ts).
  new BookingService({ store, steps: sandbox.steps, log, autoRun, ownerId, ownerDead: sameHostOwnerDead(ownerId), leaseMs: LEASE_MS, createQuietMs: 200, baseDelayMs: 5 });

const RESCHEDULED = sampleRequest({ date: '2030-07-05', departureTime: '10:30' });

/** A done booking with its follow-up operation approved and not yet run. */
async function withOperation(kind: Exclude<OperationKind, 'create'>): Promise<BookingRecord> {
  const s = service('setup');
  const booking = await s.create(sampleNewBooking());
  await s.approve(booking.id, APPROVER);
  expect((await s.run(booking.id)).state).toBe('done');
  if (kind === 'cancel') {
    expect((await s.cancel(booking.id, APPROVER)).won).toBe(true);
  } else {
    const costs = computeCosts({ grossCents: RESCHEDULED.priceCents, crewCount: RESCHEDULED.crew.length, crewHours: RESCHEDULED.crewHours, captainHours: RESCHEDULED.captainHours }, RATES);
    const { op } = await s.proposeChange(booking.id, { details: { request: RESCHEDULED, roster: sampleRoster, costs }, label: 'reschedule', userId: APPROVER });
    expect((await s.approveChange(booking.id, op.id, APPROVER)).won).toBe(true);
  }
  return (await store.get(booking.id))!;
}

async function outside(record: BookingRecord) {
  const id = record.id;
  const calendarId = String(record.steps.calendar.result?.calendarId);
  const eventId = String(record.steps.scc_event.result?.eventId);
  const item = (await ddb.send(new GetItemCommand({ TableName: standins.env.SCC_EVENTS_TABLE, Key: { eventId: { S: eventId } }, ConsistentRead: true }))).Item;
  return {
    counts: {
      calendarDeleteRequests: standins.dashboard.recorder.find('DELETE', `/calendar/${calendarId}`).length,
      calendarDeletes: standins.dashboard.changes().filter((c) => c.id === calendarId && c.method === 'DELETE').length,
      calendarPatches: standins.dashboard.changes().filter((c) => c.id === calendarId && c.method === 'PATCH').length,
      sccPatches: standins.scc.patches().filter((p) => p.eventId === eventId).length,
      invalidations: standins.cloudfront.invalidations().filter((i) => i.callerReference.startsWith(id)).length,
      notices: notices.effects.filter((e) => String(e.body.externalId).startsWith(`${id}:`)).length,
    },
    sccRequests: standins.scc.recorder.find('PATCH', `/events/${eventId}`).length,
    itemHasMoney: item ? ['captainFee', 'crewCost', 'revenue', 'netRevenue', 'portFees'].some((a) => item[a] !== undefined) : true,
    page: await (await fetch(`${standins.guestSite.url}/g/${id}`)).text(),
    ics: await (await fetch(`${standins.guestSite.url}/g/${id}.ics`)).text(),
  };
}

const boundaries = (kind: OperationKind) => OPERATION_DAGS[kind].steps.flatMap((step) => (['before', 'after'] as const).map((b) => `${step}:${b}`));

describe.each(['cancel', 'change'] as const)('SIGKILL at every step boundary of a %s', (kind) => {
  it('resumes, and each outside change happens once', async () => {
    const report: string[] = [];
    let killed = 0;
    for (const killAt of boundaries(kind)) {
      const ready = await withOperation(kind);
      const worker = spawnWorker('crash-worker.ts', { ...env, CHARTER_STORE: `sqlite:${dbFile}`, BOOKING_ID: ready.id, KILL_AT: killAt, KILL_OP: 'follow-up', LEASE_MS: String(LEASE_MS) });
      const how = await worker.exited;
      if (how !== 'SIGKILL') throw new Error(`worker for ${kind} ${killAt} ended with ${how}, not SIGKILL:\n${worker.stderr()}`);
      killed += 1;
      const afterCrash = (await store.get(ready.id))!;
      expect(afterCrash.state).toBe('running');
      expect(operationsOf(afterCrash).at(-1)?.status).toBe('running');

      const restarted = service(defaultOwnerId(), true);
      await restarted.resumeAll();
      await restarted.idle();
      const record = (await store.get(ready.id))!;
      expect(record.state).toBe(kind === 'cancel' ? 'cancelled' : 'done');
      expect(operationsOf(record).at(-1)?.status).toBe('done');

      const seen = await outside(record);
      report.push(`${killAt.padEnd(24)} ${JSON.stringify(seen.counts)} sccPatchRequests=${seen.sccRequests}`);
      // Name the boundary: the report below is printed only when every boundary passed.
      try {
        expect(seen.itemHasMoney).toBe(false);
        if (kind === 'cancel') {
          expect(seen.counts).toEqual({ calendarDeleteRequests: 1, calendarDeletes: 1, calendarPatches: 0, sccPatches: 1, invalidations: 2, notices: 1 });
          expect(seen.page).toContain('This charter was cancelled');
          expect(seen.ics).toContain('STATUS:CANCELLED');
        } else {
          expect(seen.counts).toEqual({ calendarDeleteRequests: 0, calendarDeletes: 0, calendarPatches: 1, sccPatches: 1, invalidations: 2, notices: 1 });
          expect(seen.page).toContain('Jul 5, 2030');
          expect(seen.ics).toContain('DTSTART;TZID=America/Los_Angeles:20300705T103000');
        }
      } catch (err) {
        throw new Error(`killed at ${killAt}:\n${(err as Error).message}`, { cause: err });
      }
    }
    console.log(`${kind} crash safety: boundaries killed=${killed}/${boundaries(kind).length}\n${report.join('\n')}`);
    expect(killed).toBe(boundaries(kind).length);
  });
});
