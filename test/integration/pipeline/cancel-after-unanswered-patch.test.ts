/**
 * A change's SCC PATCH got no answer (its step failed at its deadline, or the cancel stopped it in
 * flight) and SCC applies it late, within the quiet time. The cancel's own PATCH and the revenue
 * guard after it must come after that late write: SCC writes its whole item on every PATCH, money
 * and the new date included, and nothing runs the guard again. Here the late PATCH lands while the
 * cancel's scc_cancel step runs; the item must end cancelled and without money.
 */
import { computeCosts } from '../../../src/booking/costs';
import { createLogger } from '../../../src/log';
import { operationsOf } from '../../../src/pipeline/operations';
import { BookingService } from '../../../src/pipeline/service';
import type { BookingRecord } from '../../../src/pipeline/types';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { useSandboxWorld } from '../../fixtures/pipeline/sandbox-world';
import { RATES, sampleRequest, sampleRoster } from '../../support/booking';

jest.setTimeout(60_000);
const APPROVER = 'U0APPROVER1';
const log = createLogger({ level: 'silent', pretty: false });
const QUIET_MS = 3000;
const world = useSandboxWorld('cancel-after-unanswered-patch', { CHARTER_CALL_TIMEOUT_MS: '300', CHARTER_CREATE_QUIET_MS: String(QUIET_MS) });
const MONEY = ['captainFee', 'crewCost', 'revenue', 'netRevenue', 'portFees'];

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A done booking with a reschedule approved, whose SCC (or dashboard calendar) PATCH is held until
 * `release`. A step budget shorter than the call deadline (300 ms) fails the change on that PATCH's timeout.
 */
async function rescheduleHeld(stepBudgetMs: number, system: 'scc' | 'dashboard' = 'scc') {
  const { standins, store } = world;
  // An attempt outlasts the quiet time, as in production (45 s and 35 s).
  const service = new BookingService({ store, steps: world.sandbox.steps, log, autoRun: false, leaseMs: 2000, baseDelayMs: 5, stepAttemptTimeoutMs: QUIET_MS + 2000, stepBudgetMs, createQuietMs: QUIET_MS });
  const booking = await service.create(sampleNewBooking());
  await service.approve(booking.id, APPROVER);
  const done = await service.run(booking.id);
  expect(done.state).toBe('done');
  const eventId = String(done.steps.scc_event.result?.eventId);
  const calendarId = String(done.steps.calendar.result?.calendarId);
  const request = sampleRequest({ date: '2030-07-05', departureTime: '10:30' });
  const costs = computeCosts({ grossCents: request.priceCents, crewCount: request.crew.length, crewHours: request.crewHours, captainHours: request.captainHours }, RATES);
  const { op } = await service.proposeChange(booking.id, { details: { request, roster: sampleRoster, costs }, label: 'reschedule', userId: APPROVER });
  expect((await service.approveChange(booking.id, op.id, APPROVER)).won).toBe(true);
  // Every PATCH applies, as an SCC that ignores Idempotency-Key does.
  standins.scc.setItemBehaviour({ ignoreIdempotencyKeys: true });
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  standins[system].faults.inject('PATCH *', { kind: 'hold', until: held }, { times: 1 });
  const patchesSent = () => standins[system].recorder.find('PATCH').filter((r) => r.path.includes(system === 'scc' ? eventId : calendarId)).length;
  /** The change's PATCH has been applied: SCC's item shows its date, or the dashboard recorded it. */
  const landed = async () =>
    system === 'scc' ? (await world.sccItem(eventId))?.date?.S === '2030-07-05' : standins.dashboard.changes().some((c) => c.method === 'PATCH' && c.id === calendarId);
  return { service, id: booking.id, eventId, calendarId, release, patchesSent, landed, waitingStep: system === 'scc' ? ('scc_cancel' as const) : ('calendar_delete' as const) };
}

/**
 * Lets the change's held PATCH land while the cancel waits out its quiet time (its scc_cancel or
 * calendar_delete step runs with a quiet end still ahead), or else once the cancel has finished:
 * either is before that quiet time ends. Returns the record and SCC's item after the cancel.
 */
async function cancelWhileLatePatchLands(h: Awaited<ReturnType<typeof rescheduleHeld>>, cancelling: Promise<BookingRecord>): Promise<{ end: BookingRecord; item: Awaited<ReturnType<typeof world.sccItem>> }> {
  let finished = false;
  void cancelling.finally(() => (finished = true)).catch(() => undefined);
  const waitingOutQuiet = async () => {
    const step = operationsOf((await world.store.get(h.id))!).find((o) => o.kind === 'cancel')?.steps?.[h.waitingStep];
    return step?.status === 'running' && (step.quietUntilMs ?? 0) > Date.now();
  };
  // Seen waiting twice, 200 ms apart: a step that sends at once is over long before (a few ms).
  const stillWaitingAfter = async (ms: number) => {
    if (!(await waitingOutQuiet())) return false;
    await pause(ms);
    return waitingOutQuiet();
  };
  while (!finished && !(await stillWaitingAfter(200))) await pause(10);
  h.release();
  // A calendar PATCH sent after the entry was deleted is refused (404) and never lands: then the
  // wait ends with the cancel, a little later.
  for (let polls = 0; !(await h.landed()) && !(finished && polls > 100); polls++) await pause(10);
  const end = await cancelling;
  expect(end.state).toBe('cancelled');
  return { end, item: await world.sccItem(h.eventId) };
}

it("a cancel right after a change whose SCC PATCH got no answer sends its own PATCH only once that one can no longer land", async () => {
  const h = await rescheduleHeld(100);
  const failed = await h.service.run(h.id);
  expect(failed.state).toBe('failed');
  expect(operationsOf(failed).at(-1)?.steps?.scc_update?.outcomeUnknown).toBe(true);
  expect((await h.service.cancel(h.id, APPROVER)).won).toBe(true);

  const { end, item } = await cancelWhileLatePatchLands(h, h.service.run(h.id));
  expect(end.state).toBe('cancelled');
  expect(item?.status?.S).toBe('cancelled');
  for (const attr of MONEY) expect(item?.[attr]).toBeUndefined();
  expect(item?.notes?.S ?? '').not.toMatch(/\$/);
});

it("a cancel clicked while the change's SCC PATCH is in flight waits for it too", async () => {
  const h = await rescheduleHeld(QUIET_MS * 3);
  const changing = h.service.run(h.id);
  while (h.patchesSent() === 0) await pause(10);
  expect((await h.service.cancel(h.id, APPROVER)).won).toBe(true);
  // The run that was on the change stops it and goes on to the cancel.
  const { end, item } = await cancelWhileLatePatchLands(h, changing);
  expect(operationsOf(end).slice(-2).map((o) => [o.kind, o.status])).toEqual([
    ['change', 'stopped'],
    ['cancel', 'done'],
  ]);
  expect(item?.status?.S).toBe('cancelled');
  for (const attr of MONEY) expect(item?.[attr]).toBeUndefined();
});

it("a cancel after a change whose calendar PATCH got no answer deletes the entry only once that PATCH can no longer land", async () => {
  const h = await rescheduleHeld(100, 'dashboard');
  const failed = await h.service.run(h.id);
  expect(failed.state).toBe('failed');
  expect(operationsOf(failed).at(-1)?.steps?.calendar_update?.outcomeUnknown).toBe(true);
  expect((await h.service.cancel(h.id, APPROVER)).won).toBe(true);

  await cancelWhileLatePatchLands(h, h.service.run(h.id));
  const { dashboard } = world.standins;
  expect(dashboard.entries().some((e) => e.id === h.calendarId)).toBe(false);
  // The change's PATCH was applied, and the entry deleted after it.
  expect(dashboard.changes().filter((c) => c.id === h.calendarId).map((c) => c.method)).toEqual(['PATCH', 'DELETE']);
});

it('a cancel whose step attempt is shorter than the quiet time it must wait out ends up sent, not timed out asleep on every attempt and Retry (review s54 cq54)', async () => {
  const h = await rescheduleHeld(100);
  const failed = await h.service.run(h.id);
  expect(failed.state).toBe('failed');
  h.release();
  // As StepTimeoutMs 20000 beside CreateQuietMs 35000, scaled down: an attempt cannot hold the wait.
  const short = new BookingService({ store: world.store, steps: world.sandbox.steps, log, autoRun: false, leaseMs: 2000, baseDelayMs: 5, stepAttemptTimeoutMs: QUIET_MS / 2, stepBudgetMs: QUIET_MS * 2, createQuietMs: QUIET_MS });
  expect((await short.cancel(h.id, APPROVER)).won).toBe(true);
  const end = await short.run(h.id);
  const scc = operationsOf(end).find((o) => o.kind === 'cancel')?.steps?.scc_cancel;
  expect([end.state, scc?.status]).toEqual(['cancelled', 'done']);
  expect((await world.sccItem(h.eventId))?.status?.S).toBe('cancelled');
});

it('a cancel that runs out of its step budget waiting out the quiet time says when it can be retried, and a Retry then finishes it', async () => {
  const h = await rescheduleHeld(100);
  const failed = await h.service.run(h.id);
  expect(failed.state).toBe('failed');
  h.release();
  const short = new BookingService({ store: world.store, steps: world.sandbox.steps, log, autoRun: false, leaseMs: 2000, baseDelayMs: 5, stepAttemptTimeoutMs: QUIET_MS / 2, stepBudgetMs: 100, createQuietMs: QUIET_MS });
  expect((await short.cancel(h.id, APPROVER)).won).toBe(true);
  const stopped = await short.run(h.id);
  const step = operationsOf(stopped).find((o) => o.kind === 'cancel')?.steps?.scc_cancel;
  expect(stopped.state).toBe('failed');
  expect(step?.error?.code).toBe('SCC_EARLIER_WRITE_PENDING');
  expect(step?.error?.message).toMatch(/^An earlier write to SCC that got no answer may still land until .+, so nothing is sent before then: if this step has failed, Retry after /);
  expect(h.patchesSent()).toBe(1);
  // The quiet time was not started afresh: once it is over, a Retry sends the cancel.
  await pause(Math.max(0, (step?.quietUntilMs ?? 0) - Date.now()) + 50);
  await short.retry(h.id, APPROVER);
  const end = await short.run(h.id);
  expect(end.state).toBe('cancelled');
  expect((await world.sccItem(h.eventId))?.status?.S).toBe('cancelled');
});

it('a wait longer than the backoff ceiling does not spend the attempts: the step is tried again once the quiet time is over, within its budget (review s54 last54)', async () => {
  const h = await rescheduleHeld(100);
  const failed = await h.service.run(h.id);
  expect(failed.state).toBe('failed');
  h.release();
  // As CreateQuietMs 120 s beside StepTimeoutMs 45 s, a 300 s budget and the 15 s backoff ceiling, scaled to a 3 s quiet time.
  const short = new BookingService({ store: world.store, steps: world.sandbox.steps, log, autoRun: false, leaseMs: 2000, baseDelayMs: 5, maxDelayMs: 375, stepAttemptTimeoutMs: QUIET_MS / 2, stepBudgetMs: QUIET_MS * 10, createQuietMs: QUIET_MS });
  expect((await short.cancel(h.id, APPROVER)).won).toBe(true);
  const end = await short.run(h.id);
  expect([end.state, operationsOf(end).find((o) => o.kind === 'cancel')?.steps?.scc_cancel?.status]).toEqual(['cancelled', 'done']);
  expect((await world.sccItem(h.eventId))?.status?.S).toBe('cancelled');
});
