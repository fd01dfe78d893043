/**
 * Wall clocks that disagree or jump. Leases and step budgets are on the wall clock (they are
 * shared through the store), so each is also judged by the clock that never steps: a dead holder
 * whose lease reads an hour away is taken over after the longest lease, and a step's time budget
 * still ends when the wall clock jumps back an hour in the middle of its retries.
 */
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createLogger } from '../../../src/log';
import { PeriodicScheduler } from '../../../src/pipeline/periodic';
import { BookingService } from '../../../src/pipeline/service';
import { S3RVER_CREDENTIALS } from '../../../src/sandbox/s3-standin';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { ScriptedSteps } from '../../fixtures/pipeline/scripted-steps';
import { useSandboxWorld } from '../../fixtures/pipeline/sandbox-world';
import { spawnWorker } from '../../fixtures/pipeline/spawn-worker';

jest.setTimeout(60_000);

const HOUR = 3_600_000;
const LEASE_MS = 300;
const MAX_DELAY_MS = 100;
/** What the runner allows a live holder: leaseMs plus the longest backoff it holds a lease over. */
const LONGEST_LEASE_MS = LEASE_MS + 2 * MAX_DELAY_MS;
const log = createLogger({ level: 'silent', pretty: false });
const world = useSandboxWorld('clock');

it('takes over a dead holder whose clock ran an hour fast after the longest lease, not the hour, with no duplicate', async () => {
  const { store, sandbox, env, dbFile, standins, notices } = world;
  // Another host as far as leases go: no ownerDead, only the lease watch.
  const live = new BookingService({ store, steps: sandbox.steps, log, ownerId: 'live-process', leaseMs: LEASE_MS, maxDelayMs: MAX_DELAY_MS, createQuietMs: 200, baseDelayMs: 5 });
  const sweeper = new PeriodicScheduler([{ name: 'sweeper', everyMs: 100, run: () => live.resumeAll() }], log);
  const s3 = new S3Client({ endpoint: standins.s3.endpoint, region: 'us-west-2', forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
  try {
    const booking = await live.create(sampleNewBooking());
    await new BookingService({ store, steps: sandbox.steps, log, autoRun: false }).approve(booking.id, 'U0APPROVER1');
    const worker = spawnWorker('crash-worker.ts', { ...env, CHARTER_STORE: `sqlite:${dbFile}`, BOOKING_ID: booking.id, KILL_AT: 'scc_event:after', LEASE_MS: String(LEASE_MS), CREATE_QUIET_MS: '200', CLOCK_OFFSET_MS: String(HOUR) });
    while ((await store.get(booking.id))?.state === 'approved') await new Promise((r) => setTimeout(r, 20));
    sweeper.start();
    expect(await worker.exited).toBe('SIGKILL');

    const afterCrash = await store.get(booking.id);
    const deadLease = afterCrash?.steps.scc_event.lease;
    expect(afterCrash?.steps.scc_event.status).toBe('running');
    // By this host's clock the dead worker's lease ends about an hour from now.
    expect((deadLease?.leaseExpiresAtMs ?? 0) - Date.now()).toBeGreaterThan(HOUR - 60_000);
    const claimedAt = (deadLease?.leaseExpiresAtMs ?? 0) - HOUR - LEASE_MS;

    let record = await store.get(booking.id);
    const waitUntil = Date.now() + 30_000;
    while (record?.state !== 'done' && Date.now() < waitUntil) {
      await new Promise((r) => setTimeout(r, 50));
      record = await store.get(booking.id);
    }
    expect(record?.state).toBe('done');
    const takenOverAt = record?.steps.scc_event.startedAtMs ?? 0;
    // Not before a live holder's lease could have lasted; long before the hour.
    expect(takenOverAt - claimedAt).toBeGreaterThan(LONGEST_LEASE_MS);
    expect(takenOverAt).toBeLessThan(deadLease?.leaseExpiresAtMs ?? 0);
    console.log(`clock ran an hour fast: taken over ${takenOverAt - claimedAt} ms after the dead worker's claim (longest lease ${LONGEST_LEASE_MS} ms, sweep every 100 ms)`);

    const objects = await s3.send(new ListObjectsV2Command({ Bucket: standins.s3.bucket, Prefix: `jada-guest-${booking.id.toLowerCase()}.` }));
    expect({
      calendar: standins.dashboard.entries().filter((e) => e.externalId === booking.id).length,
      scc: standins.scc.events().filter((e) => e.externalId === booking.id).length,
      s3Pages: (objects.Contents ?? []).filter((o) => o.Key?.endsWith('.html')).length,
      crewNotices: notices.effects.filter((e) => e.body.externalId === booking.id).length,
    }).toEqual({ calendar: 1, scc: 1, s3Pages: 1, crewNotices: 1 });
  } finally {
    await sweeper.stop();
    await live.idle();
    s3.destroy();
  }
});

it("ends a step's retries within its budget when the wall clock jumps back an hour mid-way", async () => {
  const steps = new ScriptedSteps({ guest_page: { rateLimited: 100_000, retryAfterMs: 20 } });
  let offsetMs = 0;
  const implementations = {
    ...steps.implementations,
    guest_page: (ctx: Parameters<typeof steps.implementations.guest_page>[0]) => {
      // After the first attempt is on record, the host's clock is set back an hour.
      offsetMs = -HOUR;
      return steps.implementations.guest_page(ctx);
    },
  };
  const service = new BookingService({ store: world.store, steps: implementations, log, now: () => Date.now() + offsetMs, baseDelayMs: 1, maxDelayMs: 50, leaseMs: 5_000, maxAttempts: 3, stepBudgetMs: 400 });
  const booking = await service.create(sampleNewBooking());
  const startedAt = performance.now();
  await service.approve(booking.id, 'U0APPROVER1');
  await service.idle();
  const tookMs = performance.now() - startedAt;
  const record = await service.get(booking.id);
  expect(record?.state).toBe('failed');
  expect(record?.steps.guest_page).toMatchObject({ status: 'failed', error: { code: 'TEST_RATE_LIMITED', retryable: true } });
  // By the wall clock the step began an hour in the future; only the clock that never steps ended it.
  expect((record?.steps.guest_page.firstAttemptAtMs ?? 0) - (record?.steps.guest_page.finishedAtMs ?? 0)).toBeGreaterThan(HOUR - 60_000);
  expect(steps.calls.guest_page).toBeGreaterThan(3);
  console.log(`wall clock back an hour: the 400 ms budget ended after ${Math.round(tookMs)} ms, ${steps.calls.guest_page} refused attempts`);
});

it("takes over a reminder claim stamped by a clock an hour fast; a live claim on an agreeing clock still holds", async () => {
  const steps = new ScriptedSteps();
  const fast = new BookingService({ store: world.store, steps: steps.implementations, log, autoRun: false, now: () => Date.now() + HOUR });
  const honest = new BookingService({ store: world.store, steps: steps.implementations, log, autoRun: false });
  const booking = await honest.create(sampleNewBooking());
  expect((await fast.claimReminder(booking.id, 'dm48:U0CREW0001', 'fast-process', 120_000)).claimed).toBe(true);
  // Its claim reads an hour and two minutes away here: more than any claim lasts.
  expect((await honest.claimReminder(booking.id, 'dm48:U0CREW0001', 'this-process', 120_000)).claimed).toBe(true);
  // A claim made on this clock holds for its two minutes against a second process.
  expect((await honest.claimReminder(booking.id, 'dm24:U0CREW0001', 'this-process', 120_000)).claimed).toBe(true);
  expect((await honest.claimReminder(booking.id, 'dm24:U0CREW0001', 'other-process', 120_000)).claimed).toBe(false);
});
