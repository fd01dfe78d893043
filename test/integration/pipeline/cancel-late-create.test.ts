/**
 * A cancel that follows a create whose answer never came. The POST may still land upstream for a
 * while (API Gateway processes it for up to 29 s; the create quiet time, 35 s, covers that), and the
 * cancel must undo what lands then, not record "never created" from a lookup made while the POST
 * could still land — else a cancelled charter keeps a live calendar entry and a live SCC event (SCC
 * e-mails the crew their magic links). Real stand-ins over HTTP, SQLite on disk, a real SIGKILL.
 *
 * Scaled as in production: the upstream processes a POST within LATE_MS, less than the quiet time,
 * and a step attempt's deadline outlasts the quiet time (45 s against 35 s).
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

const CALL_TIMEOUT_MS = 600;
const QUIET_MS = 2000;
const LATE_MS = 1600;
const ATTEMPT_MS = 2400;
let sandbox: SandboxSteps;

beforeAll(() => {
  sandbox = sandboxSteps({ ...world.env, CHARTER_CALL_TIMEOUT_MS: String(CALL_TIMEOUT_MS), CHARTER_CREATE_QUIET_MS: String(QUIET_MS) });
});

afterAll(async () => {
  await sandbox.close();
});

const service = (ownerId: string, budgetMs = 60_000) =>
  new BookingService({ store: world.store, steps: sandbox.steps, log, autoRun: false, ownerId, ownerDead: sameHostOwnerDead(ownerId), leaseMs: 2000, baseDelayMs: 5, stepAttemptTimeoutMs: ATTEMPT_MS, stepBudgetMs: budgetMs, createQuietMs: QUIET_MS });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** After every POST could have landed: nothing of the cancelled charter is live, and the create was sent (it is not vacuous). */
async function expectNothingLive(id: string) {
  const { standins } = world;
  await sleep(LATE_MS + 200);
  expect(standins.dashboard.entries().filter((e) => e.externalId === id)).toEqual([]);
  const events = standins.scc.events().filter((e) => e.externalId === id);
  expect(events).toHaveLength(1);
  expect(events.map((e) => e.body.status)).toEqual(['cancelled']);
}

it('a cancel clicked as a slow create fails undoes the calendar entry and SCC event its last POST makes afterwards', async () => {
  const { standins } = world;
  // The first POST is never processed (hung); the retry's lookups find nothing through the quiet
  // time, so it POSTs again near its attempt's deadline; that POST lands after the step has failed.
  for (const [faults, route] of [
    [standins.dashboard.faults, 'POST /calendar'],
    [standins.scc.faults, 'POST /events'],
  ] as const) {
    faults.inject(route, { kind: 'latency', ms: LATE_MS }, { times: 2 });
    faults.inject(route, { kind: 'hang' }, { times: 1 });
  }
  const s = service('p1', ATTEMPT_MS + 500);
  const booking = await s.create(sampleNewBooking());
  await s.approve(booking.id, APPROVER);
  const failed = await s.run(booking.id);
  expect(failed.state).toBe('failed');
  expect(failed.steps.calendar.status).toBe('failed');
  expect(failed.steps.scc_event.status).toBe('failed');
  expect(standins.dashboard.recorder.find('POST', '/calendar').filter((r) => (r.body as { externalId?: string }).externalId === booking.id)).toHaveLength(2);

  // The operator cancels at once (Cancel charter is on the failed progress message).
  expect((await s.cancel(booking.id, APPROVER)).won).toBe(true);
  expect((await s.run(booking.id)).state).toBe('cancelled');
  standins.dashboard.faults.clear();
  standins.scc.faults.clear();
  await expectNothingLive(booking.id);
});

it('a cancel after the process running the create died mid-POST undoes what its POST made when it lands', async () => {
  const { standins, store, env, dbFile } = world;
  const setup = service('setup');
  const booking = await setup.create(sampleNewBooking());
  await setup.approve(booking.id, APPROVER);
  standins.dashboard.faults.inject('POST /calendar', { kind: 'latency', ms: LATE_MS }, { times: 1 });
  standins.scc.faults.inject('POST /events', { kind: 'latency', ms: LATE_MS }, { times: 1 });
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
  expect((await s.run(booking.id)).state).toBe('cancelled');
  await expectNothingLive(booking.id);
});
