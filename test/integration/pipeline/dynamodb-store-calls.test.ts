/**
 * The DynamoDB store makes only the calls a transition needs (issue 18): concurrent writes to one
 * booking from one process go one at a time and a write already known to be stale fails without a
 * call; concurrent reads of one booking share one GetItem unless this process wrote in between.
 * Against dynalite, counting the calls the SDK client actually sends.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoBookingStore } from '../../../src/pipeline/dynamodb-store';
import { VersionConflictError } from '../../../src/pipeline/errors';
import { updateWithRetry } from '../../../src/pipeline/store';
import type { BookingRecord } from '../../../src/pipeline/types';
import { startDynalite, type RunningDynalite } from '../../../src/sandbox/dynalite';
import { sampleRecord } from '../../fixtures/pipeline/booking';

let dynalite: RunningDynalite;
const clients: DynamoDBClient[] = [];
let sent: string[] = [];
let table = 0;

/** A store on its own client, as a second process would have; `counted` stores log their calls in `sent`. */
async function newStore(name: string, counted: boolean): Promise<DynamoBookingStore> {
  const client = new DynamoDBClient({ endpoint: dynalite.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  clients.push(client);
  if (counted) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        sent.push(context.commandName ?? '?');
        return next(args);
      },
      { step: 'initialize', name: 'countCalls' },
    );
  }
  const store = new DynamoBookingStore({ client, table: name });
  await store.ensureTable({ create: true, timeoutMs: 10_000 });
  return store;
}

beforeAll(async () => {
  dynalite = await startDynalite();
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await dynalite.close();
});

let store: DynamoBookingStore;
let record: BookingRecord;
beforeEach(async () => {
  table += 1;
  store = await newStore(`calls-${table}`, true);
  record = sampleRecord();
  await store.create(record);
  sent = [];
});

const touched = (r: BookingRecord, n: number): BookingRecord => ({ ...r, updatedAtMs: r.updatedAtMs + n });

describe('DynamoDB store: calls per transition', () => {
  it('sends one of two concurrent writes at the same version; the other fails with the winner, without a call', async () => {
    const results = await Promise.allSettled([store.put(touched(record, 1), record.version), store.put(touched(record, 2), record.version)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toBeInstanceOf(VersionConflictError);
    expect((lost[0]!.reason as VersionConflictError).current).toMatchObject({ version: record.version + 1, updatedAtMs: record.updatedAtMs + 1 });
    expect(sent).toEqual(['PutItemCommand']);
    expect(await store.get(record.id)).toMatchObject({ version: record.version + 1, updatedAtMs: record.updatedAtMs + 1 });
  });

  it('three concurrent read-modify-writes of one booking all land, with no lost compare-and-set sent', async () => {
    await Promise.all([1, 2, 3].map((n) => updateWithRetry(store, record.id, (r) => ({ ...r, audit: [...r.audit, { action: 'approved', userId: `U${n}`, atMs: n }] as BookingRecord['audit'] }))));
    const final = await store.get(record.id);
    expect(final?.version).toBe(record.version + 3);
    expect(final?.audit.slice(-3).map((a) => a.userId).sort()).toEqual(['U1', 'U2', 'U3']);
    expect(sent.filter((c) => c === 'PutItemCommand')).toHaveLength(3);
  });

  it('lets concurrent reads share one GetItem, each with its own copy of the record', async () => {
    const [a, b, c] = await Promise.all([store.get(record.id), store.get(record.id), store.get(record.id)]);
    expect(sent).toEqual(['GetItemCommand']);
    expect(a).toEqual(record);
    a!.request.guestName = 'changed by one caller';
    expect(b).toEqual(record);
    expect(c).not.toBe(b);
  });

  it('never lets a read sent before its own write answer a read asked after it', async () => {
    const before = store.get(record.id);
    await store.put(touched(record, 5), record.version);
    const after = await store.get(record.id);
    expect((await before)?.version).toBe(record.version);
    expect(after?.version).toBe(record.version + 1);
    expect(sent).toEqual(['GetItemCommand', 'PutItemCommand', 'GetItemCommand']);
  });

  it('still sees writes from another process: DynamoDB refuses a stale write and answers with its record', async () => {
    const other = await newStore(`calls-${table}`, false);
    await store.get(record.id);
    await other.put(touched(record, 7), record.version);
    sent = [];
    await expect(store.put(touched(record, 9), record.version)).rejects.toMatchObject({ current: { version: record.version + 1, updatedAtMs: record.updatedAtMs + 7 } });
    expect(sent[0]).toBe('PutItemCommand');
    const written = await updateWithRetry(store, record.id, (r) => touched(r, 1));
    expect(written.record).toMatchObject({ version: record.version + 2, updatedAtMs: record.updatedAtMs + 8 });
  });

  it('starts a read-modify-write from the record this process last saw: one PutItem and no GetItem; stale, one refused PutItem and the right write', async () => {
    await store.get(record.id);
    sent = [];
    const first = await updateWithRetry(store, record.id, (r) => touched(r, 1));
    expect(sent).toEqual(['PutItemCommand']);
    expect(first.record.version).toBe(record.version + 1);

    // Another process writes: what this one knows is stale now, and the compare-and-set says so.
    const other = await newStore(`calls-${table}`, false);
    await other.put(touched(first.record, 10), first.record.version);
    sent = [];
    const second = await updateWithRetry(store, record.id, (r) => touched(r, 100));
    // DynamoDB returns the current item with the refusal; dynalite does not, so the store reads it here.
    expect(sent.filter((c) => c !== 'GetItemCommand')).toEqual(['PutItemCommand', 'PutItemCommand']);
    expect(sent.filter((c) => c === 'GetItemCommand').length).toBeLessThanOrEqual(1);
    expect(second.record).toMatchObject({ version: record.version + 3, updatedAtMs: record.updatedAtMs + 111 });

    // A mutation that declines on a record that may be stale is asked again on the stored one.
    await other.put(touched(second.record, 1000), second.record.version);
    sent = [];
    const declined = await updateWithRetry(store, record.id, (r) => (r.updatedAtMs === record.updatedAtMs + 111 ? undefined : touched(r, 1)));
    expect(declined.written).toBe(true);
    expect(declined.record.updatedAtMs).toBe(record.updatedAtMs + 1112);
    expect(sent).toEqual(['GetItemCommand', 'PutItemCommand']);
  });
});
