/**
 * A change whose SCC PATCH got no answer in time and landed late. SCC writes its whole item again on
 * every PATCH, money included, and the README does not assume that SCC honours Idempotency-Key, so
 * a PATCH that lands after the revenue guard has cleaned the item puts the money back where crew
 * read it. The change must not be done — nor the guard run — while the unanswered PATCH may still
 * land (the quiet time, as for a create). Real stand-ins over HTTP, dynalite, SQLite on disk.
 */
import { computeCosts } from '../../../src/booking/costs';
import { createLogger } from '../../../src/log';
import { BookingService } from '../../../src/pipeline/service';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { useSandboxWorld } from '../../fixtures/pipeline/sandbox-world';
import { RATES, sampleRequest, sampleRoster } from '../../support/booking';

jest.setTimeout(60_000);

const APPROVER = 'U0APPROVER1';
const log = createLogger({ level: 'silent', pretty: false });
/** Scaled as in production: an upstream lands a request within LATE_MS, less than the quiet time; an attempt outlasts the quiet time. */
const QUIET_MS = 1500;
const LATE_MS = 1000;
const world = useSandboxWorld('late-update', { CHARTER_CALL_TIMEOUT_MS: '300', CHARTER_CREATE_QUIET_MS: String(QUIET_MS) });

it('a reschedule whose SCC PATCH answers too late: the money SCC writes back with it is cleaned after it lands', async () => {
  const { standins, store } = world;
  const s = new BookingService({ store, steps: world.sandbox.steps, log, autoRun: false, leaseMs: 2000, baseDelayMs: 5, stepAttemptTimeoutMs: 2500, createQuietMs: QUIET_MS });
  const booking = await s.create(sampleNewBooking());
  await s.approve(booking.id, APPROVER);
  const done = await s.run(booking.id);
  expect(done.state).toBe('done');

  const request = sampleRequest({ date: '2030-07-05', departureTime: '10:30' });
  const costs = computeCosts({ grossCents: request.priceCents, crewCount: request.crew.length, crewHours: request.crewHours, captainHours: request.captainHours }, RATES);
  const { op } = await s.proposeChange(booking.id, { details: { request, roster: sampleRoster, costs }, label: 'reschedule', userId: APPROVER });
  expect((await s.approveChange(booking.id, op.id, APPROVER)).won).toBe(true);
  standins.scc.setItemBehaviour({ ignoreIdempotencyKeys: true });
  standins.scc.faults.inject('PATCH *', { kind: 'latency', ms: LATE_MS }, { times: 1 });
  const changed = await s.run(booking.id);
  expect(changed.state).toBe('done');

  // Past the moment the slow PATCH landed. It did, before the quiet time was over: the next attempt
  // found the change in SCC's item and sent no repeat, so SCC applied (and e-mailed) it once.
  await new Promise((r) => setTimeout(r, LATE_MS + 200));
  const eventId = String(done.steps.scc_event.result?.eventId);
  expect(standins.scc.patches().filter((p) => p.eventId === eventId)).toHaveLength(1);
  expect(changed.operations?.at(-1)?.steps?.scc_update?.result).toMatchObject({ alreadyApplied: true });
  const item = await world.sccItem(eventId);
  expect(item?.departureTime?.S).toBe('2030-07-05T10:30:00-07:00');
  for (const attr of ['captainFee', 'crewCost', 'revenue', 'netRevenue', 'portFees']) expect(item?.[attr]).toBeUndefined();
  expect(item?.notes?.S ?? '').not.toMatch(/\$/);
});
