/**
 * SCC may store a field in another shape than the PATCH sent it — text with other line endings,
 * times in UTC with milliseconds or as epoch milliseconds, the date as that day's midnight, a number
 * as text. A change's PATCH whose answer was lost after SCC applied it must still count as landed
 * when its repeat reads such an item (an SCC that ignores Idempotency-Key would e-mail the crew the
 * change twice); an item whose time really differs (SCC wrote the wall time as UTC) must not, and the
 * PATCH goes again. Real stand-ins over HTTP (SCC reshaping its item, ignoring Idempotency-Key), a
 * TCP fault proxy losing the PATCH's answer, dynalite, SQLite.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { createLogger } from '../../../src/log';
import { BookingService } from '../../../src/pipeline/service';
import { SqliteBookingStore } from '../../../src/pipeline/sqlite-store';
import type { BookingRecord } from '../../../src/pipeline/types';
import { startFaultProxy, type FaultProxy } from '../../../src/sandbox/fault-proxy';
import type { SccStoredShape } from '../../../src/sandbox/scc-standin';
import { startStandins, type Standins } from '../../../src/sandbox/standins';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { startRecordingServer, type RecordingServer } from '../../fixtures/pipeline/recording-server';
import { sandboxSteps, type SandboxSteps } from '../../fixtures/pipeline/sandbox-steps';

jest.setTimeout(60_000);
const log = createLogger({ level: 'silent', pretty: false });
const APPROVER = 'U0APPROVER1';
const QUIET_MS = 500;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-scc-patch-reshaped-'));
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

afterEach(() => standins.scc.setItemBehaviour({ storeAs: false }));

const isoInstant = (v: unknown): v is string => typeof v === 'string' && /T\d{2}:\d{2}(:\d{2})?[+-]\d{2}:\d{2}$/.test(v);

/** An SCC that normalises what it stores: CRLF text, UTC times with ms, the check-in as epoch ms, the date as midnight UTC, numbers as text. */
const reshaped: SccStoredShape = (fields) =>
  Object.fromEntries(
    Object.entries(fields).map(([k, v]) => {
      if (k === 'checkInTime' && isoInstant(v)) return [k, Date.parse(v)];
      if (isoInstant(v)) return [k, new Date(v).toISOString()];
      if (k === 'date' && typeof v === 'string') return [k, `${v}T00:00:00.000Z`];
      if (typeof v === 'number') return [k, String(v)];
      if (typeof v === 'string') return [k, `${v.replace(/\n/g, '\r\n')}  `];
      return [k, v];
    }),
  );

/** The same SCC with a zone bug: the departure's wall time written as if it were UTC — another instant. */
const departureAsUtcWallTime: SccStoredShape = (fields) => {
  const stored = reshaped(fields);
  const departure = fields.departureTime;
  return isoInstant(departure) ? { ...stored, departureTime: `${departure.slice(0, 19)}.000Z` } : stored;
};

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
const applied = (eventId: string) => standins.scc.patches().filter((p) => p.eventId === eventId);
const sent = (eventId: string) => standins.scc.recorder.find('PATCH', `/events/${eventId}`);

async function storedItem(eventId: string) {
  const ddb = new DynamoDBClient({ endpoint: standins.dynamodb.endpoint, region: 'us-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    const { Item } = await ddb.send(new GetItemCommand({ TableName: standins.env.SCC_EVENTS_TABLE!, Key: { eventId: { S: eventId } }, ConsistentRead: true }));
    return Item!;
  } finally {
    ddb.destroy();
  }
}

it('a reschedule PATCH SCC applied and stored reshaped, whose answer was lost, is not sent again', async () => {
  const done = await doneBooking();
  const eventId = eventIdOf(done);
  standins.scc.setItemBehaviour({ storeAs: reshaped });
  proxy.loseResponses(`PATCH /events/${eventId}`, 1);
  const r = await reschedule(done, '2030-07-11');

  expect(proxy.lostResponses).toBeGreaterThanOrEqual(1);
  const ran = r.operations?.at(-1);
  expect(ran?.status).toBe('done');
  expect(ran?.steps?.scc_update?.attempts).toBe(2);
  expect(ran?.steps?.scc_update?.result).toMatchObject({ eventId, alreadyApplied: true });
  expect(sent(eventId)).toHaveLength(1);
  expect(applied(eventId)).toHaveLength(1);
  // The item really held the fields in other shapes than the PATCH sent them.
  const body = applied(eventId)[0]!.body;
  const item = await storedItem(eventId);
  expect(body.date).toBe('2030-07-11');
  expect(item.date?.S).toBe('2030-07-11T00:00:00.000Z');
  expect(item.checkInTime?.N).toBe(String(Date.parse(String(body.checkInTime))));
  expect(item.departureTime?.S).toBe(new Date(String(body.departureTime)).toISOString());
  expect(item.departureTime?.S).not.toBe(body.departureTime);
  expect(item.partySize?.S).toBe(String(body.partySize));
  expect(item.title?.S).not.toBe(body.title);
});

it('a repeat whose item SCC stored with a really different time sends the PATCH again', async () => {
  const done = await doneBooking();
  const eventId = eventIdOf(done);
  standins.scc.setItemBehaviour({ storeAs: departureAsUtcWallTime });
  proxy.loseResponses(`PATCH /events/${eventId}`, 1);
  const r = await reschedule(done, '2030-07-12');

  expect(proxy.lostResponses).toBeGreaterThanOrEqual(1);
  const ran = r.operations?.at(-1);
  expect(ran?.status).toBe('done');
  expect(ran?.steps?.scc_update?.attempts).toBe(2);
  expect(ran?.steps?.scc_update?.result?.alreadyApplied).toBeUndefined();
  expect(sent(eventId)).toHaveLength(2);
  expect(applied(eventId).map((p) => p.body.date)).toEqual(['2030-07-12', '2030-07-12']);
});
