/**
 * The state store applied a write and its answer was lost (a connection reset as DynamoDB answered).
 * The client's retry of the same conditional write is refused — the version moved, by that very
 * write — so the write looks lost although it landed. The booking's end must still be told: the
 * progress message is drawn from the records the runner's events carry, and a failed booking whose
 * end went untold keeps showing "running", without its Retry button.
 * DynamoDB store on dynalite behind a TCP proxy, stand-ins over HTTP.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createLogger } from '../../../src/log';
import type { ProgressEvent } from '../../../src/pipeline/api';
import { DynamoBookingStore } from '../../../src/pipeline/dynamodb-store';
import { BookingExistsError } from '../../../src/pipeline/errors';
import { BookingService } from '../../../src/pipeline/service';
import { newBookingRecord } from '../../../src/pipeline/state-machine';
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
    proxy.loseResponses('"state":{"S":"failed"}');
    const ended = await service.run(booking.id);
    expect(proxy.lostResponses).toBe(1);
    expect(ended.state).toBe('failed');
    expect((await store.get(booking.id))?.state).toBe('failed');

    // What the thread is drawn from: the booking's end, with a record that shows it (and so Retry).
    const failedEvents = events.filter((e) => e.event.type === 'booking_failed');
    expect(failedEvents.map((e) => e.event)).toEqual([{ type: 'booking_failed', bookingId: booking.id, failedSteps: ['guest_cache'] }]);
    expect(events.at(-1)?.record.state).toBe('failed');
  } finally {
    standins.cloudfront.faults.clear();
  }
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
