/**
 * The DynamoDB store's clock-driven listings read the sparse index of current bookings, not the
 * table: no Scan, a finished booking past its charter taken off the index with one write (and
 * readable by id after), items written before the index backfilled once, and a table without the
 * index still listed (by Scan, with a warning). Against dynalite, counting the calls the client sends.
 */
import { Writable } from 'node:stream';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { createLogger } from '../../../src/log';
import { CURRENT_INDEX, CURRENT_INDEX_DEFINITION, CURRENT_KEY, DynamoBookingStore, INDEX_BACKFILL_KEY } from '../../../src/pipeline/dynamodb-store';
import { ROSTER_STATES } from '../../../src/pipeline/reminders';
import { BookingService } from '../../../src/pipeline/service';
import type { BookingRecord, BookingState } from '../../../src/pipeline/types';
import { startDynalite, type RunningDynalite } from '../../../src/sandbox/dynalite';
import { sampleRecord } from '../../fixtures/pipeline/booking';
import { ScriptedSteps } from '../../fixtures/pipeline/scripted-steps';

let dynalite: RunningDynalite;
const clients: DynamoDBClient[] = [];
let sent: string[] = [];

/** After the fixture's charter (2030-07-04) by more than two days; before it. */
const WEEK_AFTER = Date.UTC(2030, 6, 11);
const BEFORE = Date.UTC(2030, 6, 1);

function newClient(counted = true): DynamoDBClient {
  const client = new DynamoDBClient({ endpoint: dynalite.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  clients.push(client);
  if (counted) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        sent.push(context.commandName?.replace(/Command$/, '') ?? '?');
        return next(args);
      },
      { step: 'initialize', name: 'countCalls' },
    );
  }
  return client;
}

function logSink() {
  const lines: string[] = [];
  const log = createLogger({ level: 'info', destination: new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(chunk.toString()), cb()) }) });
  return { log, lines };
}

const count = (name: string) => sent.filter((c) => c === name).length;

/** The ids the index holds, read as a Query of it. */
async function indexed(client: DynamoDBClient, table: string): Promise<string[]> {
  const out = await client.send(new QueryCommand({ TableName: table, IndexName: CURRENT_INDEX, KeyConditionExpression: '#k = :v', ExpressionAttributeNames: { '#k': CURRENT_KEY }, ExpressionAttributeValues: { ':v': { S: 'current' } } }));
  return (out.Items ?? []).map((i) => i.id!.S!).sort();
}

/** An item as the store wrote it before the index: no index key. */
async function putLegacy(client: DynamoDBClient, table: string, record: BookingRecord): Promise<void> {
  await client.send(
    new PutItemCommand({
      TableName: table,
      Item: { id: { S: record.id }, version: { N: String(record.version) }, state: { S: record.state }, updatedAtMs: { N: String(record.updatedAtMs) }, record: { S: JSON.stringify(record) } },
    }),
  );
}

const withState = (state: BookingState, date = '2030-07-04'): BookingRecord => {
  const r = sampleRecord();
  return { ...r, state, request: { ...r.request, date } };
};

beforeAll(async () => {
  dynalite = await startDynalite();
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await dynalite.close();
});

it('creates the table with the index the listings Query', async () => {
  const client = newClient(false);
  await new DynamoBookingStore({ client, table: 'index-created' }).ensureTable({ create: true });
  const gsi = (await client.send(new DescribeTableCommand({ TableName: 'index-created' }))).Table?.GlobalSecondaryIndexes ?? [];
  expect(gsi.map((i) => ({ IndexName: i.IndexName, KeySchema: i.KeySchema, Projection: i.Projection, IndexStatus: i.IndexStatus }))).toEqual([{ ...CURRENT_INDEX_DEFINITION, IndexStatus: 'ACTIVE' }]);
});

it('lists from the index, never Scanning; a booking past its charter (finished, an expired request, a failed create) is taken off with one write and stays readable by id', async () => {
  const client = newClient();
  const store = new DynamoBookingStore({ client, table: 'index-listing' });
  await store.ensureTable({ create: true });
  const past = [withState('done'), withState('done'), withState('cancelled'), withState('pending_approval'), withState('failed')];
  const ahead = withState('done', '2030-07-20');
  const live = [withState('running'), withState('pending_approval', '2030-07-20'), withState('failed', '2030-07-20')];
  for (const r of [...past, ahead, ...live]) await store.create(r);
  // A full iCal feed state beside them: the listings must not read it.
  await store.casMeta('ical:feed:boatsetter', 'x'.repeat(300_000), 0);

  sent = [];
  const first = await store.listCurrent(ROSTER_STATES, WEEK_AFTER);
  expect(first.map((r) => r.id).sort()).toEqual([ahead, ...live].map((r) => r.id).sort());
  expect(count('Scan')).toBe(0);
  // The past five (the cancelled one too, though no listing asks for that state) come off: one write each.
  expect(count('PutItem')).toBe(5);
  expect(await indexed(client, 'index-listing')).toEqual([ahead, ...live].map((r) => r.id).sort());

  sent = [];
  expect((await store.listCurrent(ROSTER_STATES, WEEK_AFTER)).map((r) => r.id).sort()).toEqual([ahead, ...live].map((r) => r.id).sort());
  expect(sent.sort()).toEqual(['BatchGetItem', 'Query']);
  // The sweeper's listing reads only the running one.
  expect((await store.listActive()).map((r) => r.id)).toEqual([live[0]!.id]);

  for (const r of past) expect(await store.get(r.id)).toEqual(r);
  // Before its charter (a clock far behind) nothing is taken off.
  sent = [];
  expect((await store.listCurrent(['done'], BEFORE)).map((r) => r.id)).toEqual([ahead.id]);
  expect(count('PutItem')).toBe(0);
  await store.close();
});

it('a booking written again after it came off the index is decided anew: past, it comes off again; moved ahead, it is listed', async () => {
  const client = newClient();
  const store = new DynamoBookingStore({ client, table: 'index-rewrite' });
  await store.ensureTable({ create: true });
  const done = withState('done');
  await store.create(done);
  expect(await store.listCurrent(['done'], WEEK_AFTER)).toEqual([]);
  const again = await store.put({ ...done, confirmations: { U0CREW0001: 1 } }, done.version);
  expect(await indexed(client, 'index-rewrite')).toEqual([done.id]);
  expect(await store.listCurrent(['done'], WEEK_AFTER)).toEqual([]);
  expect(await indexed(client, 'index-rewrite')).toEqual([]);
  const moved = await store.put({ ...again, request: { ...again.request, date: '2030-07-30' } }, again.version);
  expect(await store.listCurrent(['done'], WEEK_AFTER)).toEqual([moved]);
  await store.close();
});

it('items written before the index: the first listing gives the current ones its key, once per table; a past one stays out and readable', async () => {
  const client = newClient();
  const table = 'index-backfill';
  // The table as an upgrade leaves it: the index added (CloudFormation, update-table), the items older.
  await client.send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [
        { AttributeName: 'id', AttributeType: 'S' },
        { AttributeName: CURRENT_KEY, AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [CURRENT_INDEX_DEFINITION],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const running = withState('running');
  const ahead = withState('done', '2030-07-20');
  const pending = withState('pending_approval', '2030-07-20');
  const past = withState('done');
  for (const r of [running, ahead, pending, past]) await putLegacy(client, table, r);
  expect(await indexed(client, table)).toEqual([]);

  const { log, lines } = logSink();
  const store = new DynamoBookingStore({ client, table, log, now: () => WEEK_AFTER });
  sent = [];
  expect((await store.listCurrent(ROSTER_STATES, WEEK_AFTER)).map((r) => r.id).sort()).toEqual([running, ahead, pending].map((r) => r.id).sort());
  expect(count('Scan')).toBe(1);
  expect(await indexed(client, table)).toEqual([running, ahead, pending].map((r) => r.id).sort());
  expect(JSON.parse((await store.getMeta(INDEX_BACKFILL_KEY))!.value)).toMatchObject({ indexed: 3 });
  expect(lines.join('')).toContain('3 still current were added to it');
  expect(await store.get(past.id)).toEqual(past);

  // Another process starting later finds the mark: no Scan. Its sweeper resumes the old running booking.
  const other = new DynamoBookingStore({ client, table, now: () => WEEK_AFTER });
  sent = [];
  expect((await other.listActive()).map((r) => r.id)).toEqual([running.id]);
  expect(count('Scan')).toBe(0);
  const steps = new ScriptedSteps();
  const service = new BookingService({ store: other, steps: steps.implementations, log: createLogger({ level: 'silent' }), baseDelayMs: 5 });
  await service.resumeAll();
  await service.idle();
  expect((await other.get(running.id))?.state).toBe('done');
  expect(steps.calls.crew_notice).toBe(1);
  await Promise.all([store.close(), other.close()]);
});

it('a table without the index (created by hand before it existed) is listed by Scan, the same bookings, with a warning naming the index', async () => {
  const client = newClient();
  const table = 'index-missing';
  await client.send(new CreateTableCommand({ TableName: table, AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }));
  const { log, lines } = logSink();
  const store = new DynamoBookingStore({ client, table, log, now: () => WEEK_AFTER });
  await store.ensureTable({ create: false });
  const ahead = withState('done', '2030-07-20');
  const running = withState('running');
  const past = withState('done');
  for (const r of [ahead, running, past]) await store.create(r);

  sent = [];
  expect((await store.listCurrent(ROSTER_STATES, WEEK_AFTER)).map((r) => r.id).sort()).toEqual([ahead, running].map((r) => r.id).sort());
  expect((await store.listActive()).map((r) => r.id)).toEqual([running.id]);
  expect(count('Query')).toBe(0);
  expect(count('Scan')).toBeGreaterThan(0);
  const warnings = lines.filter((l) => l.includes(`no ACTIVE index ${CURRENT_INDEX}`));
  // Looked up once, not at every listing.
  expect(warnings).toHaveLength(1);
  expect(count('DescribeTable')).toBe(1);
  await store.close();
});
