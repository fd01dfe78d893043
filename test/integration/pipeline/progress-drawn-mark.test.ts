/**
 * The mark a progress draw of a finished booking leaves on Lambda (src/slack/progress/drawn-mark.ts)
 * says "nothing changed since the draw" only when that is so: it is written over the version drawn
 * and no other, and never in the same write as a change the message has not shown. Against
 * dynalite, the store Lambda runs on.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createLogger } from '../../../src/log';
import { DynamoBookingStore } from '../../../src/pipeline/dynamodb-store';
import { BookingService } from '../../../src/pipeline/service';
import type { BookingRecord, StepImplementations } from '../../../src/pipeline/types';
import { startDynalite, type RunningDynalite } from '../../../src/sandbox/dynalite';
import { drawnUpToDate } from '../../../src/slack/progress/drawn-mark';
import { sampleRecord } from '../../fixtures/pipeline/booking';

let dynalite: RunningDynalite;
let client: DynamoDBClient;
let service: BookingService;
// No run starts here: the bookings are stored finished.
const steps = {} as StepImplementations;

beforeAll(async () => {
  dynalite = await startDynalite();
  client = new DynamoDBClient({ endpoint: dynalite.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const store = new DynamoBookingStore({ client, table: 'drawn-marks' });
  await store.ensureTable({ create: true, timeoutMs: 10_000 });
  service = new BookingService({ store, steps, log: createLogger({ level: 'silent' }), ownerId: 'marks-test' });
  await store.create({ ...sampleRecord('DONE0MARK001'), state: 'done', slack: { channel: 'C0OPS00001', progressTs: '1800000000.000200' } });
  await store.create({ ...sampleRecord('DONE0MARK002'), state: 'done', slack: { channel: 'C0OPS00001', progressTs: '1800000000.000300' } });
  await store.create({ ...sampleRecord('DONE0MARK003'), state: 'done', slack: { channel: 'C0OPS00001', progressTs: '1800000000.000600' } });
});

afterAll(async () => {
  client?.destroy();
  await dynalite?.close();
});

const get = async (id: string) => (await service.get(id)) as BookingRecord;

it('marks the version drawn, leaving the time of the last change alone; a draw of an older version is not marked', async () => {
  const drawn = await get('DONE0MARK001');
  expect(drawnUpToDate(drawn)).toBe(false);
  await expect(service.markProgressDrawn(drawn)).resolves.toBe('marked');
  const marked = await get('DONE0MARK001');
  expect(marked).toMatchObject({ version: drawn.version + 1, updatedAtMs: drawn.updatedAtMs, slack: { progressDrawn: drawn.version } });
  expect(drawnUpToDate(marked)).toBe(true);

  // A crew answer since: the message drawn before it is behind, and its late mark says nothing.
  await service.updateSlackRefs('DONE0MARK001', (s) => ({ ...s, crewCalledTs: '1800000000.000400' }));
  await expect(service.markProgressDrawn(marked)).resolves.toBe('none');
  expect(drawnUpToDate(await get('DONE0MARK001'))).toBe(false);
});

it('a change asked for while the mark is written is never stored in the same write: the message that did not show it stays behind', async () => {
  const drawn = await get('DONE0MARK002');
  // The same turn: the runner would take both into one write (its group commit).
  const [marked] = await Promise.all([service.markProgressDrawn(drawn), service.updateSlackRefs('DONE0MARK002', (s) => ({ ...s, crewCalledTs: '1800000000.000500' }))]);
  expect(marked).toBe('marked');
  const after = await get('DONE0MARK002');
  expect(after.slack.crewCalledTs).toBe('1800000000.000500');
  expect(after.version).toBe(drawn.version + 2);
  expect(drawnUpToDate(after)).toBe(false);
});

it('a draw that lands after a newer draw was marked takes that mark back, once: the tick redraws the message it may have drawn over', async () => {
  const older = await get('DONE0MARK003');
  // A crew answer in another instance: drawn at once there, and marked.
  const newer = await service.updateSlackRefs('DONE0MARK003', (s) => ({ ...s, crewCalledTs: '1800000000.000700' }));
  await expect(service.markProgressDrawn(newer.booking)).resolves.toBe('marked');
  expect(drawnUpToDate(await get('DONE0MARK003'))).toBe(true);

  // The older draw's update answers only now: Slack may show it over the newer one.
  await expect(service.markProgressDrawn(older)).resolves.toBe('unmarked');
  const taken = await get('DONE0MARK003');
  expect(drawnUpToDate(taken)).toBe(false);
  expect(taken.slack.progressDrawn).toBeUndefined();
  expect(taken.updatedAtMs).toBe(newer.booking.updatedAtMs);
  expect(taken.slack.crewCalledTs).toBe('1800000000.000700');
  // Already behind: another late draw writes nothing more.
  await expect(service.markProgressDrawn(older)).resolves.toBe('none');
  expect((await get('DONE0MARK003')).version).toBe(taken.version);
});
