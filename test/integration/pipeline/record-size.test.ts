/**
 * A booking edited many times with the longest notes the form takes, in Japanese (three UTF-8
 * bytes a character): its DynamoDB item stays under the 400 KB limit, so it can still be changed,
 * run and cancelled. The store refuses an oversize item as DynamoDB would (dynalite counts
 * characters, not bytes). DynamoDB store on dynalite, the BookingService with steps that succeed.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createLogger } from '../../../src/log';
import { DynamoBookingStore, MAX_ITEM_BYTES } from '../../../src/pipeline/dynamodb-store';
import { IntegrationError } from '../../../src/integrations/errors';
import { StoreUnavailableError } from '../../../src/pipeline/errors';
import { detailsOf } from '../../../src/pipeline/operations';
import { BookingService } from '../../../src/pipeline/service';
import { newBookingRecord } from '../../../src/pipeline/state-machine';
import { LIFECYCLE_STEP_NAMES, STEP_NAMES, type StepImplementations } from '../../../src/pipeline/types';
import { startDynalite, type RunningDynalite } from '../../../src/sandbox/dynalite';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';

jest.setTimeout(180_000);
const log = createLogger({ level: 'silent', pretty: false });
const succeed = async () => ({ ok: true });
const steps = Object.fromEntries([...STEP_NAMES, ...LIFECYCLE_STEP_NAMES].map((s) => [s, succeed])) as unknown as StepImplementations;

let dynalite: RunningDynalite;
let client: DynamoDBClient;
let store: DynamoBookingStore;
beforeAll(async () => {
  dynalite = await startDynalite();
  client = new DynamoDBClient({ endpoint: dynalite.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  store = new DynamoBookingStore({ client, table: 'record-size' });
  await store.ensureTable({ create: true });
});
afterAll(async () => {
  client.destroy();
  await dynalite.close();
});

it('refuses an item over 400 KB in UTF-8 bytes, as DynamoDB does, though it is under 400 K characters', async () => {
  const record = newBookingRecord(sampleNewBooking(), Date.now());
  const big = { ...record, request: { ...record.request, notes: '予約'.repeat(70_000) } };
  expect(JSON.stringify(big).length).toBeLessThan(MAX_ITEM_BYTES);
  const refused = await store.create(big).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(StoreUnavailableError);
  expect((refused as StoreUnavailableError).transient).toBe(false);
  expect((refused as Error).message).toMatch(/over DynamoDB's 400 KB item limit/);
  await expect(store.get(record.id)).resolves.toBeUndefined();
});

it('60 edits with the longest Japanese notes: every change runs, the item stays well under the limit, and the booking can be cancelled', async () => {
  const service = new BookingService({ store, steps, log, autoRun: false, baseDelayMs: 5, storeRetry: { budgetMs: 500 } });
  const booking = await service.create(sampleNewBooking());
  await service.approve(booking.id, 'U0APPROVER1');
  await service.run(booking.id);
  let largest = 0;
  for (let i = 0; i < 60; i++) {
    const d = detailsOf((await store.get(booking.id))!);
    // The form's limits: 2,000 characters of internal notes, 1,000 of notes for crew.
    const details = { ...d, request: { ...d.request, notes: `${i} `.padEnd(2000, '予約の詳細。'), crewNotes: `${i} `.padEnd(1000, '乗組員へ。') } };
    const { op } = await service.proposeChange(booking.id, { details, label: 'edit', userId: 'U0CREW0002' });
    await service.approveChange(booking.id, op.id, 'U0APPROVER1');
    const after = await service.run(booking.id);
    expect(after.state).toBe('done');
    largest = Math.max(largest, Buffer.byteLength(JSON.stringify(after)));
  }
  console.log(`record after 60 edits: largest ${Math.round(largest / 1024)} KB`);
  expect(largest).toBeLessThan(MAX_ITEM_BYTES / 2);
  const stored = (await store.get(booking.id))!;
  expect(stored.operations).toHaveLength(61);
  // What people read of an old change stays; its two copies of the details go.
  const oldest = stored.operations!.find((o) => o.id === 'op2')!;
  expect(oldest).toMatchObject({ kind: 'change', status: 'done', label: 'edit', requestedBy: 'U0CREW0002', approvedBy: 'U0APPROVER1', compacted: true });
  expect(oldest.details).toBeUndefined();
  expect(stored.operations!.at(-1)?.details?.request.notes).toMatch(/^59 /);

  await service.cancel(booking.id, 'U0APPROVER1');
  const cancelled = await service.run(booking.id);
  expect(cancelled.state).toBe('cancelled');
});

it('40 edits with the longest notes while the crew step keeps failing: each failed change is replaced, the item stays well under the limit, and the booking can be cancelled', async () => {
  let crewFails = true;
  const failingCrew = async () => {
    if (crewFails) throw new IntegrationError('Slack refused one crew note', { code: 'SLACK_REFUSED', retryable: false, operatorMessage: 'Slack refused one crew note.', system: 'slack' });
    return { ok: true };
  };
  const service = new BookingService({ store, steps: { ...steps, crew_notice: failingCrew } as StepImplementations, log, autoRun: false, baseDelayMs: 5, storeRetry: { budgetMs: 500 } });
  crewFails = false;
  const booking = await service.create(sampleNewBooking());
  await service.approve(booking.id, 'U0APPROVER1');
  await service.run(booking.id);
  crewFails = true;
  let largest = 0;
  for (let i = 0; i < 40; i++) {
    const d = detailsOf((await store.get(booking.id))!);
    const details = { ...d, request: { ...d.request, notes: `${i} `.padEnd(2000, '予約の詳細。'), crewNotes: `${i} `.padEnd(1000, '乗組員へ。') } };
    const { op } = await service.proposeChange(booking.id, { details, label: 'edit', userId: 'U0CREW0002' });
    await service.approveChange(booking.id, op.id, 'U0APPROVER1');
    const after = await service.run(booking.id);
    expect(after.state).toBe('failed');
    largest = Math.max(largest, Buffer.byteLength(JSON.stringify(after)));
  }
  console.log(`record after 40 failed edits: largest ${Math.round(largest / 1024)} KB`);
  expect(largest).toBeLessThan(MAX_ITEM_BYTES / 2);
  crewFails = false;
  await service.cancel(booking.id, 'U0APPROVER1');
  expect((await service.run(booking.id)).state).toBe('cancelled');
});
