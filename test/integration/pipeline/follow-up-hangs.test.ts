/**
 * Liveness of changes and cancels against a hung upstream (the create's hangs are covered in
 * test/integration/slack/hung-systems.test.ts): the dashboard or SCC accepts the PATCH / DELETE
 * and never answers. The operation must end `failed` (a Retry on the booking) within the step's
 * budget plus one attempt, naming the system; healed, Retry finishes it with each change made once.
 * Scaled-down bounds, real stand-ins over HTTP, SQLite on disk.
 */
import { computeCosts } from '../../../src/booking/costs';
import { createLogger } from '../../../src/log';
import { operationsOf } from '../../../src/pipeline/operations';
import { BookingService } from '../../../src/pipeline/service';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { sandboxSteps, type SandboxSteps } from '../../fixtures/pipeline/sandbox-steps';
import { useSandboxWorld } from '../../fixtures/pipeline/sandbox-world';
import { RATES, sampleRequest, sampleRoster } from '../../support/booking';

jest.setTimeout(60_000);

const APPROVER = 'U0APPROVER1';
const log = createLogger({ level: 'silent', pretty: false });
const world = useSandboxWorld('follow-up-hangs');
const ATTEMPT_MS = 1200;
const BUDGET_MS = 1500;
let sandbox: SandboxSteps;

beforeAll(() => {
  sandbox = sandboxSteps({ ...world.env, CHARTER_CALL_TIMEOUT_MS: '300', CHARTER_CREATE_QUIET_MS: '400' });
});

afterAll(async () => {
  await sandbox.close();
});

const service = () => new BookingService({ store: world.store, steps: sandbox.steps, log, autoRun: false, leaseMs: 1000, baseDelayMs: 5, stepAttemptTimeoutMs: ATTEMPT_MS, stepBudgetMs: BUDGET_MS, createQuietMs: 400 });

async function doneBooking(s: BookingService) {
  const booking = await s.create(sampleNewBooking());
  await s.approve(booking.id, APPROVER);
  const done = await s.run(booking.id);
  expect(done.state).toBe('done');
  return done;
}

const CASES = [
  { name: 'a reschedule, the dashboard hung on its PATCH', op: 'change', step: 'calendar_update', route: 'PATCH *', system: 'dashboard' },
  { name: 'a reschedule, SCC hung on its PATCH', op: 'change', step: 'scc_update', route: 'PATCH *', system: 'scc' },
  { name: 'a cancel, the dashboard hung on its DELETE', op: 'cancel', step: 'calendar_delete', route: 'DELETE *', system: 'dashboard' },
  { name: 'a cancel, SCC hung on its PATCH', op: 'cancel', step: 'scc_cancel', route: 'PATCH *', system: 'scc' },
] as const;

describe.each(CASES)('$name', ({ op, step, route, system }) => {
  it('ends failed in bounded time with a retryable error naming it; healed, Retry finishes with the change made once', async () => {
    const s = service();
    const done = await doneBooking(s);
    const faults = system === 'dashboard' ? world.standins.dashboard.faults : world.standins.scc.faults;
    faults.inject(route, { kind: 'hang' });
    try {
      if (op === 'change') {
        const request = sampleRequest({ date: '2030-07-05', departureTime: '10:30' });
        const costs = computeCosts({ grossCents: request.priceCents, crewCount: request.crew.length, crewHours: request.crewHours, captainHours: request.captainHours }, RATES);
        const { op: change } = await s.proposeChange(done.id, { details: { request, roster: sampleRoster, costs }, label: 'reschedule', userId: APPROVER });
        expect((await s.approveChange(done.id, change.id, APPROVER)).won).toBe(true);
      } else {
        expect((await s.cancel(done.id, APPROVER)).won).toBe(true);
      }
      const startedAt = Date.now();
      const failed = await s.run(done.id);
      // The product's bound, scaled: the step's budget plus one attempt (README "Liveness").
      expect(Date.now() - startedAt).toBeLessThan(BUDGET_MS + ATTEMPT_MS + 5000);
      expect(failed.state).toBe('failed');
      const opState = operationsOf(failed).at(-1)!;
      expect(opState).toMatchObject({ kind: op, status: 'failed' });
      expect(opState.steps?.[step]).toMatchObject({ status: 'failed', error: { retryable: true, message: expect.stringMatching(system === 'scc' ? /SCC/ : /dashboard/i) } });
    } finally {
      faults.clear();
    }
    expect((await s.retry(done.id, APPROVER)).won).toBe(true);
    const finished = await s.run(done.id);
    expect(finished.state).toBe(op === 'cancel' ? 'cancelled' : 'done');
    const calendarId = String(done.steps.calendar.result?.calendarId);
    const eventId = String(done.steps.scc_event.result?.eventId);
    const calendarChanges = world.standins.dashboard.changes().filter((c) => c.id === calendarId);
    const sccPatches = world.standins.scc.patches().filter((p) => p.eventId === eventId);
    if (op === 'change') {
      expect(calendarChanges.map((c) => c.method)).toEqual(['PATCH']);
      expect(sccPatches).toHaveLength(1);
      expect(sccPatches[0]?.body.departureTime).toBe('2030-07-05T10:30:00-07:00');
    } else {
      expect(calendarChanges.map((c) => c.method)).toEqual(['DELETE']);
      expect(sccPatches.map((p) => p.body)).toEqual([{ status: 'cancelled' }]);
    }
  });
});
