/**
 * An SCC that ignores Idempotency-Key (the README's contract does not promise it honours the key)
 * e-mails the crew on every PATCH it applies. A change's or cancel's PATCH whose answer was lost —
 * SCC applied it, the fault proxy reset the connection as the answer started back — must not be sent
 * again: the repeat reads SCC's item first, finds every value there, and goes on. A PATCH that never
 * reached SCC (its connection reset before SCC handled it) is still sent again, and so is one whose
 * item cannot be read (DynamoDB answering 500 through a second fault proxy).
 * Real stand-ins over HTTP (SCC with ignoreIdempotencyKeys), a TCP fault proxy, dynalite, SQLite.
 */
import type { StepContext } from '../../../src/pipeline/types';
import { startFaultProxy } from '../../../src/sandbox/fault-proxy';
import { sandboxSteps } from '../../fixtures/pipeline/sandbox-steps';
import { appliedPatches, APPROVER, doneBooking, eventIdOf, expectFoundAppliedOnce, QUIET_MS, reschedule, rescheduledLosingAnswer, sccPatchLog, sentPatches, useSccPatchWorld } from '../../fixtures/pipeline/scc-patch-world';

jest.setTimeout(60_000);
const world = useSccPatchWorld('scc-patch-repeat');

afterEach(() => world.standins.scc.faults.clear());

const applied = (eventId: string) => appliedPatches(world, eventId);
const sent = (eventId: string) => sentPatches(world, eventId);

it('a reschedule PATCH SCC applied but whose answer was lost is not sent again: the crew get one e-mail', async () => {
  const { r, eventId } = await rescheduledLosingAnswer(world, '2030-07-11');

  expectFoundAppliedOnce(world, r, eventId);
  const ran = r.operations?.at(-1);
  expect(applied(eventId)[0]?.body.date).toBe('2030-07-11');
  // The guard still cleaned what SCC wrote back with the PATCH.
  expect(ran?.steps?.revenue_guard?.result).toMatchObject({ verified: true });
  expect(Number(ran?.steps?.revenue_guard?.result?.removedAttributes)).toBeGreaterThan(0);
});

it('a cancel PATCH SCC applied but whose answer was lost is not sent again', async () => {
  const done = await doneBooking(world.service);
  const eventId = eventIdOf(done);
  world.proxy.loseResponses(`PATCH /events/${eventId}`, 1);
  expect((await world.service.cancel(done.id, APPROVER)).won).toBe(true);
  await world.service.idle();
  const r = (await world.service.get(done.id))!;

  expect(r.state).toBe('cancelled');
  expect(r.operations?.at(-1)?.steps?.scc_cancel?.result).toMatchObject({ eventId, cancelled: true, alreadyApplied: true });
  expect(sent(eventId)).toHaveLength(1);
  expect(applied(eventId).map((p) => p.body)).toEqual([{ status: 'cancelled' }]);
});

it('a PATCH that never reached SCC (its connection reset before SCC handled it) is sent again', async () => {
  const done = await doneBooking(world.service);
  const eventId = eventIdOf(done);
  world.standins.scc.faults.inject(`PATCH /events/${eventId}`, { kind: 'reset' }, { times: 1 });
  const r = await reschedule(world.service, done, '2030-07-14');

  const ran = r.operations?.at(-1);
  expect(ran?.status).toBe('done');
  expect(ran?.steps?.scc_update?.attempts).toBe(2);
  expect(ran?.steps?.scc_update?.result?.alreadyApplied).toBeUndefined();
  expect(sent(eventId)).toHaveLength(2);
  expect(applied(eventId)).toHaveLength(1);
  expect(applied(eventId)[0]?.body.date).toBe('2030-07-14');
});

it('a repeat whose SCC item cannot be read is sent as before; one whose item reads shows the change is not', async () => {
  const done = await doneBooking(world.service);
  const eventId = eventIdOf(done);
  const r = await reschedule(world.service, done, '2030-07-15');
  expect(applied(eventId)).toHaveLength(1);
  const op = r.operations!.at(-1)!;
  // The change's scc_update again, as a later attempt would run it: the PATCH above has landed.
  const repeat: StepContext = { booking: r, results: {}, attempt: 2, outcomeUnknown: true, operation: { id: op.id, kind: 'change', revision: r.revision! }, created: { scc_event: r.steps.scc_event.result! }, log: sccPatchLog };
  expect(await world.sandbox.steps.scc_update!(repeat)).toMatchObject({ eventId, alreadyApplied: true });
  expect(applied(eventId)).toHaveLength(1);

  const ddbProxy = await startFaultProxy(world.standins.env.AWS_ENDPOINT_URL_DYNAMODB!);
  const unreadable = sandboxSteps({ ...world.standins.env, AWS_ENDPOINT_URL_DYNAMODB: ddbProxy.url, SCC_API_URL: world.proxy.url, NOTICES_URL: world.notices.url, CHARTER_CREATE_QUIET_MS: String(QUIET_MS) });
  try {
    ddbProxy.fail();
    const result = await unreadable.steps.scc_update!(repeat);
    expect(result).toEqual({ eventId, revision: r.revision });
    expect(applied(eventId)).toHaveLength(2);
  } finally {
    await unreadable.close();
    await ddbProxy.close();
  }
});
