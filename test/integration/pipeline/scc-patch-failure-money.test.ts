/**
 * A change whose SCC PATCH may have been applied (SCC answered 502) fails before its revenue guard
 * runs: SCC wrote the change's money into its item and it stays there until Retry. The operator's
 * failure text says crew may see amounts, as a failed revenue guard's does; a PATCH SCC refused
 * (400) wrote nothing, and its text does not.
 */
import { computeCosts } from '../../../src/booking/costs';
import { CREW_MAY_SEE_AMOUNTS } from '../../../src/integrations/revenue-guard-note';
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
const world = useSandboxWorld('scc-patch-failure-money');
let sandbox: SandboxSteps;

beforeAll(() => {
  sandbox = sandboxSteps({ ...world.env, CHARTER_CALL_TIMEOUT_MS: '300', CHARTER_CREATE_QUIET_MS: '100' });
});
afterAll(async () => {
  world.standins.scc.faults.clear();
  await sandbox.close();
});

/** A reschedule run while SCC answers every PATCH with `status`: the failed scc_update's text. */
async function rescheduleFailingWith(status: number): Promise<string | undefined> {
  const { standins, store } = world;
  const s = new BookingService({ store, steps: sandbox.steps, log, autoRun: false, leaseMs: 2000, baseDelayMs: 5, stepAttemptTimeoutMs: 1000, stepBudgetMs: 300, createQuietMs: 100 });
  const booking = await s.create(sampleNewBooking());
  await s.approve(booking.id, APPROVER);
  expect((await s.run(booking.id)).state).toBe('done');
  const request = sampleRequest({ date: '2030-07-05', departureTime: '10:30' });
  const costs = computeCosts({ grossCents: request.priceCents, crewCount: request.crew.length, crewHours: request.crewHours, captainHours: request.captainHours }, RATES);
  const { op } = await s.proposeChange(booking.id, { details: { request, roster: sampleRoster, costs }, label: 'reschedule', userId: APPROVER });
  expect((await s.approveChange(booking.id, op.id, APPROVER)).won).toBe(true);
  standins.scc.faults.clear();
  standins.scc.faults.inject('PATCH *', { kind: 'status', status, body: { message: 'no' } }, { times: 10 });
  const failed = await s.run(booking.id);
  expect(failed.state).toBe('failed');
  return operationsOf(failed).at(-1)?.steps?.scc_update?.error?.message;
}

it('a PATCH that may have been applied tells the operator crew may see amounts', async () => {
  const message = await rescheduleFailingWith(502);
  expect(message).toContain(CREW_MAY_SEE_AMOUNTS);
});

it('a PATCH SCC refused does not', async () => {
  const message = await rescheduleFailingWith(400);
  expect(message).toBeDefined();
  expect(message).not.toContain(CREW_MAY_SEE_AMOUNTS);
});
