/**
 * The state store applied a write and its answer was lost (a connection reset as DynamoDB answered):
 * the client's retry of the same conditional write is refused. A booking's create must still count
 * as created. DynamoDB store on dynalite behind a TCP proxy, stand-ins over HTTP.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoBookingStore } from '../../../src/pipeline/dynamodb-store';
import { BookingExistsError } from '../../../src/pipeline/errors';
import { newBookingRecord } from '../../../src/pipeline/state-machine';
import { startFaultProxy, type FaultProxy } from '../../../src/sandbox/fault-proxy';
import { startStandins, type Standins } from '../../../src/sandbox/standins';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { startRecordingServer, type RecordingServer } from '../../fixtures/pipeline/recording-server';
import { sandboxSteps, type SandboxSteps } from '../../fixtures/pipeline/sandbox-steps';

jest.setTimeout(60_000);

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
