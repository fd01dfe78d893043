/**
 * Crash safety: a child process runs the pipeline against the sandbox stand-ins and is SIGKILLed
 * at each of the 12 step boundaries (before and after each of the 6 side effects). A fresh service
 * then resumes; the booking must finish and every outside system must hold exactly one artifact:
 * one calendar entry, one SCC event, one guest page object, one invalidation, one crew notice.
 * The steps are the production ones (createStepImplementations) except crew_notice (Slack's).
 *
 * SQLite: the restarted process takes over the dead worker's steps at once (same host, its pid is
 * gone) — the leases here last 10 minutes, so finishing at all proves nobody waited them out.
 * DynamoDB: no such knowledge across hosts; a live process's sweeper finishes the booking once the
 * dead worker's lease has run out, and not before.
 */
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createLogger } from '../../../src/log';
import { DynamoBookingStore } from '../../../src/pipeline/dynamodb-store';
import { sameHostOwnerDead } from '../../../src/pipeline/owner-liveness';
import { PeriodicScheduler } from '../../../src/pipeline/periodic';
import { defaultOwnerId } from '../../../src/pipeline/runner';
import { BookingService } from '../../../src/pipeline/service';
import type { SqliteBookingStore } from '../../../src/pipeline/sqlite-store';
import { STEP_NAMES } from '../../../src/pipeline/types';
import { S3RVER_CREDENTIALS } from '../../../src/sandbox/s3-standin';
import { type Standins } from '../../../src/sandbox/standins';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { type RecordingServer } from '../../fixtures/pipeline/recording-server';
import { type SandboxSteps } from '../../fixtures/pipeline/sandbox-steps';
import { useSandboxWorld } from '../../fixtures/pipeline/sandbox-world';
import { spawnWorker } from '../../fixtures/pipeline/spawn-worker';

jest.setTimeout(180_000);

/** Far longer than the test may take: a resume that waited for a lease would never finish in time. */
const LEASE_MS = 600_000;
const QUIET_MS = 200;
const log = createLogger({ level: 'silent', pretty: false });
const world = useSandboxWorld('crash');
const { dbFile } = world;
let standins: Standins;
let notices: RecordingServer;
let env: Record<string, string>;
let store: SqliteBookingStore;
let sandbox: SandboxSteps;
let s3: S3Client;

beforeAll(() => {
  ({ standins, notices, env, store, sandbox } = world);
  s3 = new S3Client({ endpoint: standins.s3.endpoint, region: 'us-west-2', forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
});

afterAll(() => {
  s3.destroy();
});

async function artifactCounts(id: string) {
  const objects = await s3.send(new ListObjectsV2Command({ Bucket: standins.s3.bucket, Prefix: `jada-guest-${id.toLowerCase()}.` }));
  return {
    calendar: standins.dashboard.entries().filter((e) => e.externalId === id).length,
    scc: standins.scc.events().filter((e) => e.externalId === id).length,
    s3Pages: (objects.Contents ?? []).filter((o) => o.Key?.endsWith('.html')).length,
    invalidations: standins.cloudfront.invalidations().filter((i) => i.callerReference.startsWith(id)).length,
    crewNotices: notices.effects.filter((e) => e.body.externalId === id).length,
  };
}

const ARTIFACT_OF: Partial<Record<(typeof STEP_NAMES)[number], 'calendar' | 'scc' | 's3Pages' | 'invalidations' | 'crewNotices'>> = {
  calendar: 'calendar',
  scc_event: 'scc',
  guest_page: 's3Pages',
  guest_cache: 'invalidations',
  crew_notice: 'crewNotices',
};

const BOUNDARIES = STEP_NAMES.flatMap((step) => (['before', 'after'] as const).map((boundary) => `${step}:${boundary}`));

it('survives a SIGKILL at each of the 12 step boundaries with no duplicate artifact', async () => {
  const report: string[] = [];
  let killed = 0;
  let duplicates = 0;
  for (const killAt of BOUNDARIES) {
    const booking = await new BookingService({ store, steps: sandbox.steps, log, autoRun: false }).create(sampleNewBooking());
    await new BookingService({ store, steps: sandbox.steps, log, autoRun: false }).approve(booking.id, 'U0APPROVER1');

    const worker = spawnWorker('crash-worker.ts', { ...env, CHARTER_STORE: `sqlite:${dbFile}`, BOOKING_ID: booking.id, KILL_AT: killAt, LEASE_MS: String(LEASE_MS), CREATE_QUIET_MS: String(QUIET_MS) });
    const how = await worker.exited;
    if (how !== 'SIGKILL') throw new Error(`worker for ${killAt} ended with ${how}, not SIGKILL:\n${worker.stderr()}`);
    killed += 1;
    const [killStep] = killAt.split(':') as [(typeof STEP_NAMES)[number]];
    const afterCrash = await store.get(booking.id);
    expect(afterCrash?.state).toBe('running');
    expect(afterCrash?.steps[killStep].status).toBe('running');
    // The kill really landed on the named side of the side effect.
    const artifact = ARTIFACT_OF[killStep];
    if (artifact) expect((await artifactCounts(booking.id))[artifact]).toBe(killAt.endsWith(':after') ? 1 : 0);

    // Restart: a new process on this host (a new owner id) sweeps at start-up, as the app does.
    const ownerId = defaultOwnerId();
    const restarted = new BookingService({ store, steps: sandbox.steps, log, ownerId, ownerDead: sameHostOwnerDead(ownerId), leaseMs: LEASE_MS, createQuietMs: QUIET_MS, baseDelayMs: 5 });
    const readyAt = Date.now();
    await restarted.resumeAll();
    await restarted.idle();
    const record = await store.get(booking.id);
    expect(record?.state).toBe('done');
    // The dead worker's 10-minute lease was taken over, not waited out.
    const resumedAfterMs = (record?.steps[killStep].startedAtMs ?? Infinity) - readyAt;
    expect(resumedAfterMs).toBeLessThan(LEASE_MS);
    expect(record?.steps.revenue_guard.result?.verified).toBe(true);

    const counts = await artifactCounts(booking.id);
    duplicates += Object.values(counts).reduce((sum, n) => sum + Math.max(0, n - 1), 0);
    report.push(`${killAt.padEnd(22)} ${JSON.stringify(counts)} reran=${record?.steps[killStep].attempts} resumed ${resumedAfterMs} ms after restart`);
    expect(counts).toEqual({ calendar: 1, scc: 1, s3Pages: 1, invalidations: 1, crewNotices: 1 });
  }
  console.log(`crash safety: boundaries killed=${killed}/12, duplicates found=${duplicates}\n${report.join('\n')}`);
  expect(killed).toBe(12);
  expect(duplicates).toBe(0);
});

it('DynamoDB store: a live process sweeps up a killed process\'s booking once its lease runs out, with no duplicate', async () => {
  const dynamodb = new DynamoDBClient({ endpoint: standins.dynamodb.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const table = 'charter-crash-dynamo';
  const ddbStore = new DynamoBookingStore({ client: dynamodb, table, ownsClient: false });
  await ddbStore.ensureTable({ create: true });
  // Long enough that the worker's heartbeat (every third of it) keeps its lease on a loaded machine.
  const lease = 5000;
  const sweepEveryMs = 200;
  // The live process: its own owner id, a sweeper on a clock, no knowledge of other hosts' processes.
  const live = new BookingService({ store: ddbStore, steps: sandbox.steps, log, ownerId: 'live-process', leaseMs: lease, createQuietMs: QUIET_MS, baseDelayMs: 5 });
  const sweeper = new PeriodicScheduler([{ name: 'sweeper', everyMs: sweepEveryMs, run: () => live.resumeAll() }], log);
  try {
    for (const killAt of ['scc_event:after', 'guest_cache:before']) {
      const booking = await live.create(sampleNewBooking());
      // Approved elsewhere (autoRun off): only the worker runs it until it dies.
      await new BookingService({ store: ddbStore, steps: sandbox.steps, log, autoRun: false }).approve(booking.id, 'U0APPROVER1');
      const worker = spawnWorker('crash-worker.ts', { ...env, CHARTER_STORE: `dynamodb:${table}`, BOOKING_ID: booking.id, KILL_AT: killAt, LEASE_MS: String(lease), CREATE_QUIET_MS: String(QUIET_MS) });
      // The live process sweeps from the moment the worker drives the booking (before that, an
      // approved booking nobody runs is stalled, and the sweeper would rightly take it at once).
      while ((await ddbStore.get(booking.id))?.state === 'approved') await new Promise((r) => setTimeout(r, 20));
      sweeper.start();
      expect(await worker.exited).toBe('SIGKILL');
      const [killStep] = killAt.split(':') as [(typeof STEP_NAMES)[number]];
      const afterCrash = await ddbStore.get(booking.id);
      const deadLeaseEndsAt = afterCrash?.steps[killStep].lease?.leaseExpiresAtMs ?? 0;
      expect(deadLeaseEndsAt).toBeGreaterThan(0);

      let record = await ddbStore.get(booking.id);
      for (let i = 0; i < 200 && record?.state !== 'done'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        record = await ddbStore.get(booking.id);
      }
      expect(record?.state).toBe('done');
      // Taken over only after the dead worker's lease ended — never while it might still be working.
      expect(record?.steps[killStep].startedAtMs ?? 0).toBeGreaterThanOrEqual(deadLeaseEndsAt);
      console.log(`dynamodb ${killAt}: resumed ${(record?.steps[killStep].startedAtMs ?? 0) - deadLeaseEndsAt} ms after the lease ended (sweep every ${sweepEveryMs} ms)`);
      expect(await artifactCounts(booking.id)).toEqual({ calendar: 1, scc: 1, s3Pages: 1, invalidations: 1, crewNotices: 1 });
      await sweeper.stop();
    }
  } finally {
    await sweeper.stop();
    await live.idle();
    await ddbStore.close();
    dynamodb.destroy();
  }
});
