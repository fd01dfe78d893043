/**
 * A cancel that follows a create whose answer never came. The POST may still land upstream for a
 * while (API Gateway processes it for up to 29 s; the create quiet time, 35 s, covers that), and the
 * cancel must undo what lands then, not record "never created" from a lookup made while the POST
 * could still land — else a cancelled charter keeps a live calendar entry and a live SCC event (SCC
 * e-mails the crew their magic links). Real stand-ins over HTTP, SQLite on disk, a real SIGKILL.
 *
 * Scaled as in production: a call's deadline is well inside the quiet time, and a step attempt's
 * deadline outlasts the quiet time (45 s against 35 s) — here by 1.5 s, so a busy machine still sends
 * the retry's POST before its attempt ends (by 0.4 s, it did not always).
 * The late POST is held by the stand-in until the cancel has looked that system up and found
 * nothing, then lands while the cancel waits out the quiet time: the case under test at any machine
 * speed (a fixed 1.6 s delay against a 2 s quiet time left a busy machine a few hundred ms).
 */
import { createLogger } from '../../../src/log';
import { sameHostOwnerDead } from '../../../src/pipeline/owner-liveness';
import { defaultOwnerId } from '../../../src/pipeline/runner';
import { BookingService } from '../../../src/pipeline/service';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { sandboxSteps, type SandboxSteps } from '../../fixtures/pipeline/sandbox-steps';
import { useSandboxWorld } from '../../fixtures/pipeline/sandbox-world';
import { spawnWorker } from '../../fixtures/pipeline/spawn-worker';

jest.setTimeout(60_000);

const APPROVER = 'U0APPROVER1';
const log = createLogger({ level: 'silent', pretty: false });
const world = useSandboxWorld('cancel-late-create');

const CALL_TIMEOUT_MS = 2000;
const QUIET_MS = 3000;
const ATTEMPT_MS = 4500;
/** A second attempt starts well within it, a third would start well past it. */
const TWO_ATTEMPTS_MS = ATTEMPT_MS * 1.5;
let sandbox: SandboxSteps;

beforeAll(() => {
  sandbox = sandboxSteps({ ...world.env, CHARTER_CALL_TIMEOUT_MS: String(CALL_TIMEOUT_MS), CHARTER_CREATE_QUIET_MS: String(QUIET_MS) });
});

afterAll(async () => {
  await sandbox.close();
});

/** What a failed test left held is let go, so the next test's requests are not held behind it. */
const holdsOpen: (() => void)[] = [];
afterEach(() => {
  for (const release of holdsOpen.splice(0)) release();
  world.standins.dashboard.faults.clear();
  world.standins.scc.faults.clear();
});

const service = (ownerId: string, budgetMs = 60_000) =>
  new BookingService({ store: world.store, steps: sandbox.steps, log, autoRun: false, ownerId, ownerDead: sameHostOwnerDead(ownerId), leaseMs: 2000, baseDelayMs: 5, stepAttemptTimeoutMs: ATTEMPT_MS, stepBudgetMs: budgetMs, createQuietMs: QUIET_MS });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The create POSTs of `id`, held by both stand-ins until `releaseAsTheCancelLooks` lets each land. A
 * held POST the client gave up on is still processed when released, as API Gateway does.
 */
function holdCreates(id: string) {
  const { standins } = world;
  const systems = [
    { standin: standins.dashboard, post: 'POST /calendar', lookup: '/calendar' },
    { standin: standins.scc, post: 'POST /events', lookup: '/events' },
  ].map((s) => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    holdsOpen.push(release);
    return { ...s, release, released };
  });
  const lookedUpSince = (s: (typeof systems)[number], from: number) =>
    s.standin.recorder.requests.slice(from).some((r) => r.method === 'GET' && r.path === s.lookup && r.query.externalId === id);
  return {
    /** The next `times` create POSTs of each system are held (with the route's other faults). */
    inject(times: number) {
      for (const s of systems) s.standin.faults.inject(s.post, { kind: 'hold', until: s.released }, { times });
    },
    /**
     * While `cancel` runs: lets each system's POST land once the cancel has looked that system up
     * (found nothing: the POST is held) — so it lands after the lookup that could have settled the
     * cancel too early, inside the quiet time. Resolves with the run's record.
     */
    async releaseAsTheCancelLooks<T>(cancel: Promise<T>): Promise<T> {
      const from = systems.map((s) => s.standin.recorder.requests.length);
      let settled = false;
      void cancel.finally(() => (settled = true)).catch(() => undefined);
      const waiting = new Set(systems);
      while (waiting.size > 0 && !settled) {
        for (const [i, s] of systems.entries()) {
          if (!waiting.has(s) || !lookedUpSince(s, from[i]!)) continue;
          s.release();
          waiting.delete(s);
        }
        await sleep(10);
      }
      // A cancel that ended before looking up (or before both systems' lookups) is a failure of the test's premise.
      expect([...waiting].map((s) => s.lookup)).toEqual([]);
      return cancel;
    },
    /** Every held POST has been processed (it may since have been deleted or cancelled). */
    async landed() {
      const made = () =>
        [...standins.dashboard.entries(), ...standins.dashboard.deleted()].some((e) => e.externalId === id) && standins.scc.events().some((e) => e.externalId === id);
      while (!made()) await sleep(10);
    },
  };
}

/** Once the held POSTs have landed: they were made and undone, and nothing of the cancelled charter is live. */
async function expectNothingLive(id: string, holds: ReturnType<typeof holdCreates>) {
  const { standins } = world;
  await holds.landed();
  expect(standins.dashboard.entries().filter((e) => e.externalId === id)).toEqual([]);
  expect(standins.dashboard.deleted().filter((e) => e.externalId === id)).toHaveLength(1);
  const events = standins.scc.events().filter((e) => e.externalId === id);
  expect(events).toHaveLength(1);
  expect(events.map((e) => e.body.status)).toEqual(['cancelled']);
}

it('a cancel clicked as a slow create fails undoes the calendar entry and SCC event its last POST makes afterwards', async () => {
  const { standins } = world;
  const s = service('p1', TWO_ATTEMPTS_MS);
  const booking = await s.create(sampleNewBooking());
  // The first POST is never processed (hung); the retry's lookups find nothing through the quiet
  // time, so it POSTs again before its attempt's deadline; that POST is held, and lands only once
  // the step has failed and the cancel is looking.
  const holds = holdCreates(booking.id);
  holds.inject(2);
  for (const [faults, route] of [
    [standins.dashboard.faults, 'POST /calendar'],
    [standins.scc.faults, 'POST /events'],
  ] as const) {
    faults.inject(route, { kind: 'hang' }, { times: 1 });
  }
  await s.approve(booking.id, APPROVER);
  const failed = await s.run(booking.id);
  expect(failed.state).toBe('failed');
  expect(failed.steps.calendar.status).toBe('failed');
  expect(failed.steps.scc_event.status).toBe('failed');
  expect(standins.dashboard.recorder.find('POST', '/calendar').filter((r) => (r.body as { externalId?: string }).externalId === booking.id)).toHaveLength(2);

  // The operator cancels at once (Cancel charter is on the failed progress message).
  expect((await s.cancel(booking.id, APPROVER)).won).toBe(true);
  expect((await holds.releaseAsTheCancelLooks(s.run(booking.id))).state).toBe('cancelled');
  standins.dashboard.faults.clear();
  standins.scc.faults.clear();
  await expectNothingLive(booking.id, holds);
});

it('a cancel after the process running the create died mid-POST undoes what its POST made when it lands', async () => {
  const { standins, store, env, dbFile } = world;
  const setup = service('setup');
  const booking = await setup.create(sampleNewBooking());
  await setup.approve(booking.id, APPROVER);
  const holds = holdCreates(booking.id);
  holds.inject(1);
  const posted = (recorder: typeof standins.dashboard.recorder, path: string) => recorder.find('POST', path).some((r) => (r.body as { externalId?: string }).externalId === booking.id);
  const worker = spawnWorker('crash-worker.ts', { ...env, CHARTER_STORE: `sqlite:${dbFile}`, BOOKING_ID: booking.id, KILL_AT: 'none:none', LEASE_MS: '600000' });
  try {
    while (!(posted(standins.dashboard.recorder, '/calendar') && posted(standins.scc.recorder, '/events'))) await sleep(10);
  } finally {
    worker.child.kill('SIGKILL');
  }
  expect(await worker.exited).toBe('SIGKILL');
  standins.dashboard.faults.clear();
  standins.scc.faults.clear();
  expect((await store.get(booking.id))?.steps.calendar.status).toBe('running');

  // The operator cancels; this process sees the worker's leases as dead (same host) and stops the create at once.
  const s = service(defaultOwnerId());
  expect((await s.cancel(booking.id, APPROVER)).won).toBe(true);
  expect((await holds.releaseAsTheCancelLooks(s.run(booking.id))).state).toBe('cancelled');
  await expectNothingLive(booking.id, holds);
});
