/**
 * The state store applied a write and its answer was lost (a connection reset as DynamoDB answered):
 * the client's retry of the same conditional write is refused — the version moved, by that very
 * write. A booking's create must still count as created, and a run's last write as written: the
 * progress message is drawn from the records the runner's events carry, and a failed booking whose
 * end went untold keeps showing "running", without its Retry button. Two processes that write the
 * same next record are still told apart: only one of them won. The same for a meta entry (an iCal
 * notice's claim): a claim whose answer was lost is still the claimer's, or nobody posts the notice.
 * DynamoDB store on dynalite behind a TCP proxy, stand-ins over HTTP.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createLogger } from '../../../src/log';
import type { ProgressEvent } from '../../../src/pipeline/api';
import { DynamoBookingStore } from '../../../src/pipeline/dynamodb-store';
import { BookingExistsError } from '../../../src/pipeline/errors';
import { BookingService } from '../../../src/pipeline/service';
import { newBookingRecord } from '../../../src/pipeline/state-machine';
import { updateWithRetry } from '../../../src/pipeline/store';
import type { BookingRecord } from '../../../src/pipeline/types';
import { startFaultProxy, type FaultProxy } from '../../../src/sandbox/fault-proxy';
import { startStandins, type Standins } from '../../../src/sandbox/standins';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { startRecordingServer, type RecordingServer } from '../../fixtures/pipeline/recording-server';
import { sandboxSteps, type SandboxSteps } from '../../fixtures/pipeline/sandbox-steps';

jest.setTimeout(60_000);

const log = createLogger({ level: 'silent', pretty: false });

let standins: Standins;
let notices: RecordingServer;
let proxy: FaultProxy;
let client: DynamoDBClient;
let store: DynamoBookingStore;
let sandbox: SandboxSteps;

beforeAll(async () => {
  standins = await startStandins();
  notices = await startRecordingServer();
  proxy = await startFaultProxy(standins.dynamodb.endpoint);
  client = new DynamoDBClient({ endpoint: proxy.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  store = new DynamoBookingStore({ client, table: 'charter-state-lost-answers' });
  await store.ensureTable({ create: true });
  sandbox = sandboxSteps({ ...standins.env, NOTICES_URL: notices.url });
});

afterAll(async () => {
  await sandbox.close();
  await store.close();
  client.destroy();
  await proxy.close();
  await notices.close();
  await standins.close();
});

it('the write that creates a booking lands but its answer is lost: create succeeds, it is not "already booked"', async () => {
  // The Slack form handler takes BookingExistsError for a redelivered form and posts no approval
  // message: a lost answer on the first delivery would leave the booking with none, unseen.
  const record = newBookingRecord(sampleNewBooking(), Date.now());
  proxy.loseResponses('attribute_not_exists(id)');
  const lostBefore = proxy.lostResponses;
  await expect(store.create(record)).resolves.toBeUndefined();
  expect(proxy.lostResponses).toBe(lostBefore + 1);
  expect((await store.get(record.id))?.state).toBe('pending_approval');
  // A second create of the same id (another delivery of the form, written a moment later) is still refused.
  await expect(store.create({ ...record, createdAtMs: record.createdAtMs + 1 })).rejects.toThrow(BookingExistsError);
});

it('the write that fails the booking lands but its answer is lost: the failure is still announced, with the failed record', async () => {
  const service = new BookingService({ store, steps: sandbox.steps, log, autoRun: false, baseDelayMs: 5 });
  const events: { event: ProgressEvent; record: BookingRecord }[] = [];
  service.onProgress((event, record) => events.push({ event, record }));
  // CloudFront refuses for good: guest_cache fails, and the run ends the booking failed.
  standins.cloudfront.faults.inject('*', { kind: 'status', status: 403, body: '<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>' });
  try {
    const booking = await service.create(sampleNewBooking());
    await service.approve(booking.id, 'U0APPROVER1');
    // The one PutItem that stores state "failed" is the run's last write.
    const lostBefore = proxy.lostResponses;
    proxy.loseResponses('"state":{"S":"failed"}');
    const ended = await service.run(booking.id);
    expect(proxy.lostResponses).toBe(lostBefore + 1);
    expect(ended.state).toBe('failed');
    expect((await store.get(booking.id))?.state).toBe('failed');

    const failedEvents = events.filter((e) => e.event.type === 'booking_failed');
    expect(failedEvents.map((e) => e.event)).toEqual([{ type: 'booking_failed', bookingId: booking.id, failedSteps: ['guest_cache'] }]);
    expect(events.at(-1)?.record.state).toBe('failed');
  } finally {
    standins.cloudfront.faults.clear();
  }
});

it('two writers decide the same next record from the same version: exactly one is told it wrote', async () => {
  const record = newBookingRecord(sampleNewBooking(), Date.now());
  await store.create(record);
  // Both start from version 1 and make the same, deterministic change (as two processes re-surfacing
  // a pending approval at one tick do); neither may read the other's equal record as its own.
  const mutate = (current: BookingRecord): BookingRecord | undefined =>
    current.warnings?.includes('checked') ? undefined : { ...current, warnings: [...(current.warnings ?? []), 'checked'] };
  const results = await Promise.all([updateWithRetry(store, record.id, mutate, { current: record }), updateWithRetry(store, record.id, mutate, { current: record })]);
  expect(results.map((r) => r.written).sort()).toEqual([false, true]);
  const stored = await store.get(record.id);
  expect(stored?.version).toBe(2);
  expect(stored?.warnings).toEqual(['checked']);
});

it('a meta claim lands but its answer is lost: the claimer is told it won; a rival claim is still refused', async () => {
  const key = `ical:notice:lost:${Date.now()}`;
  proxy.loseResponses('posting:lost-answer');
  const lostBefore = proxy.lostResponses;
  await expect(store.casMeta(key, 'posting:lost-answer', 0)).resolves.toEqual({ key, value: 'posting:lost-answer', version: 1 });
  expect(proxy.lostResponses).toBe(lostBefore + 1);
  await expect(store.casMeta(key, 'posting:rival', 0)).resolves.toBeUndefined();
  // The next write of the same entry, lost the same way, from the version it moved to.
  proxy.loseResponses('posted:lost-answer');
  await expect(store.casMeta(key, 'posted:lost-answer', 1)).resolves.toEqual({ key, value: 'posted:lost-answer', version: 2 });
  await expect(store.casMeta(key, 'posted:rival', 1)).resolves.toBeUndefined();
  await expect(store.getMeta(key)).resolves.toEqual({ key, value: 'posted:lost-answer', version: 2 });
});
