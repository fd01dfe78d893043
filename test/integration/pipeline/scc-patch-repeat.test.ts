/**
 * An SCC that ignores Idempotency-Key (the README's contract does not promise it honours the key)
 * e-mails the crew on every PATCH it applies. A change's or cancel's PATCH whose answer was lost —
 * SCC applied it, the fault proxy reset the connection as the answer started back — must not be sent
 * again: the repeat reads SCC's item first, finds every value there, and goes on. A PATCH that never
 * reached SCC (its connection reset before SCC handled it) is still sent again, and so is one whose
 * item cannot be read (DynamoDB answering 500 through a second fault proxy).
 * Real stand-ins over HTTP (SCC with ignoreIdempotencyKeys), a TCP fault proxy, dynalite, SQLite.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../../src/log';
import { BookingService } from '../../../src/pipeline/service';
import { SqliteBookingStore } from '../../../src/pipeline/sqlite-store';
import type { BookingRecord, StepContext } from '../../../src/pipeline/types';
import { startFaultProxy, type FaultProxy } from '../../../src/sandbox/fault-proxy';
import { startStandins, type Standins } from '../../../src/sandbox/standins';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { startRecordingServer, type RecordingServer } from '../../fixtures/pipeline/recording-server';
import { sandboxSteps, type SandboxSteps } from '../../fixtures/pipeline/sandbox-steps';

jest.setTimeout(60_000);
const log = createLogger({ level: 'silent', pretty: false });
const APPROVER = 'U0APPROVER1';
const QUIET_MS = 500;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-scc-patch-repeat-'));
let standins: Standins;
let notices: RecordingServer;
let proxy: FaultProxy;
let sandbox: SandboxSteps;
let store: SqliteBookingStore;
let service: BookingService;

beforeAll(async () => {
  standins = await startStandins({ sccIgnoreIdempotencyKeys: true });
  notices = await startRecordingServer();
  proxy = await startFaultProxy(standins.env.SCC_API_URL!);
  sandbox = sandboxSteps({ ...standins.env, SCC_API_URL: proxy.url, NOTICES_URL: notices.url, CHARTER_CREATE_QUIET_MS: String(QUIET_MS) });
  store = SqliteBookingStore.open(path.join(tmp, 'scc.db'));
  service = new BookingService({ store, steps: sandbox.steps, log, baseDelayMs: 5, maxDelayMs: 20, createQuietMs: QUIET_MS });
});

afterAll(async () => {
  await service.idle();
  await sandbox.close();
  await store.close();
  await proxy.close();
  await notices.close();
  await standins.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

afterEach(() => standins.scc.faults.clear());

async function doneBooking(): Promise<BookingRecord> {
  const booking = await service.create(sampleNewBooking());
  await service.approve(booking.id, APPROVER);
  await service.idle();
  const done = (await service.get(booking.id))!;
  expect(done.state).toBe('done');
  return done;
}

async function reschedule(done: BookingRecord, date: string): Promise<BookingRecord> {
  const { op } = await service.proposeChange(done.id, { details: { request: { ...done.request, date }, roster: done.roster, costs: done.costs }, label: 'reschedule', userId: APPROVER });
  expect((await service.approveChange(done.id, op.id, APPROVER)).won).toBe(true);
  await service.idle();
  return (await service.get(done.id))!;
}

const eventIdOf = (r: BookingRecord) => String(r.steps.scc_event.result?.eventId);
/** What SCC e-mailed the crew about: the PATCHes it applied. */
const applied = (eventId: string) => standins.scc.patches().filter((p) => p.eventId === eventId);
const sent = (eventId: string) => standins.scc.recorder.find('PATCH', `/events/${eventId}`);

it('a reschedule PATCH SCC applied but whose answer was lost is not sent again: the crew get one e-mail', async () => {
  const done = await doneBooking();
  const eventId = eventIdOf(done);
  proxy.loseResponses(`PATCH /events/${eventId}`, 1);
  const r = await reschedule(done, '2030-07-11');

  expect(proxy.lostResponses).toBeGreaterThanOrEqual(1);
  const ran = r.operations?.at(-1);
  expect(ran?.status).toBe('done');
  expect(ran?.steps?.scc_update?.attempts).toBe(2);
  expect(ran?.steps?.scc_update?.result).toMatchObject({ eventId, alreadyApplied: true });
  expect(sent(eventId)).toHaveLength(1);
  expect(applied(eventId)).toHaveLength(1);
  expect(applied(eventId)[0]?.body.date).toBe('2030-07-11');
  // The guard still cleaned what SCC wrote back with the PATCH.
  expect(ran?.steps?.revenue_guard?.result).toMatchObject({ verified: true });
  expect(Number(ran?.steps?.revenue_guard?.result?.removedAttributes)).toBeGreaterThan(0);
});

it('a cancel PATCH SCC applied but whose answer was lost is not sent again', async () => {
  const done = await doneBooking();
  const eventId = eventIdOf(done);
  proxy.loseResponses(`PATCH /events/${eventId}`, 1);
  expect((await service.cancel(done.id, APPROVER)).won).toBe(true);
  await service.idle();
  const r = (await service.get(done.id))!;

  expect(r.state).toBe('cancelled');
  expect(r.operations?.at(-1)?.steps?.scc_cancel?.result).toMatchObject({ eventId, cancelled: true, alreadyApplied: true });
  expect(sent(eventId)).toHaveLength(1);
  expect(applied(eventId).map((p) => p.body)).toEqual([{ status: 'cancelled' }]);
});

it('a PATCH that never reached SCC (its connection reset before SCC handled it) is sent again', async () => {
  const done = await doneBooking();
  const eventId = eventIdOf(done);
  standins.scc.faults.inject(`PATCH /events/${eventId}`, { kind: 'reset' }, { times: 1 });
  const r = await reschedule(done, '2030-07-14');

  const ran = r.operations?.at(-1);
  expect(ran?.status).toBe('done');
  expect(ran?.steps?.scc_update?.attempts).toBe(2);
  expect(ran?.steps?.scc_update?.result?.alreadyApplied).toBeUndefined();
  expect(sent(eventId)).toHaveLength(2);
  expect(applied(eventId)).toHaveLength(1);
  expect(applied(eventId)[0]?.body.date).toBe('2030-07-14');
});

it('a repeat whose SCC item cannot be read is sent as before; one whose item reads shows the change is not', async () => {
  const done = await doneBooking();
  const eventId = eventIdOf(done);
  const r = await reschedule(done, '2030-07-15');
  expect(applied(eventId)).toHaveLength(1);
  const op = r.operations!.at(-1)!;
  // The change's scc_update again, as a later attempt would run it: the PATCH above has landed.
  const repeat: StepContext = { booking: r, results: {}, attempt: 2, outcomeUnknown: true, operation: { id: op.id, kind: 'change', revision: r.revision! }, created: { scc_event: r.steps.scc_event.result! }, log };
  expect(await sandbox.steps.scc_update!(repeat)).toMatchObject({ eventId, alreadyApplied: true });
  expect(applied(eventId)).toHaveLength(1);

  const ddbProxy = await startFaultProxy(standins.env.AWS_ENDPOINT_URL_DYNAMODB!);
  const unreadable = sandboxSteps({ ...standins.env, AWS_ENDPOINT_URL_DYNAMODB: ddbProxy.url, SCC_API_URL: proxy.url, NOTICES_URL: notices.url, CHARTER_CREATE_QUIET_MS: String(QUIET_MS) });
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
