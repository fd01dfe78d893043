/**
 * Which table states the DynamoDB store starts on, against dynalite holding a table in each state:
 * UPDATING (a GSI being added, a billing or capacity change) serves reads and writes, so the store
 * starts on it at once; CREATING is waited out; DELETING is refused at once with what to do.
 */
import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { tableReadiness } from '../../../src/pipeline/dynamodb-store';
import { StoreUnavailableError } from '../../../src/pipeline/errors';
import { openStore } from '../../../src/pipeline/open-store';
import type { BookingStore } from '../../../src/pipeline/store';
import { startDynalite, type RunningDynalite } from '../../../src/sandbox/dynalite';
import { sampleRecord } from '../../fixtures/pipeline/booking';

/** Long enough that a table asked to change is still changing when the store opens on it. */
const TRANSITION_MS = 4000;

let dynalite: RunningDynalite;
const clientOf = (d: RunningDynalite) => new DynamoDBClient({ endpoint: d.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
let client: DynamoDBClient;
const stores: BookingStore[] = [];

const statusOf = async (table: string, via = client): Promise<string | undefined> => {
  try {
    return (await via.send(new DescribeTableCommand({ TableName: table }))).Table?.TableStatus;
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return 'GONE';
    throw err;
  }
};

/** Lets dynalite's transition timers fire before it closes, so nothing is left running. */
async function settled(table: string, status: string): Promise<void> {
  while ((await statusOf(table)) !== status) await new Promise((r) => setTimeout(r, 100));
}

async function activeTable(name: string): Promise<void> {
  await client.send(
    new CreateTableCommand({ TableName: name, AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }),
  );
  await settled(name, 'ACTIVE');
}

beforeAll(async () => {
  dynalite = await startDynalite({ updateTableMs: TRANSITION_MS, deleteTableMs: TRANSITION_MS });
  client = clientOf(dynalite);
});
afterAll(async () => {
  for (const s of stores) await s.close();
  await Promise.all([settled('updating', 'ACTIVE'), settled('deleting', 'GONE')]);
  client.destroy();
  await dynalite.close();
});

describe('DynamoDB store start-up and the table status', () => {
  it('starts on an UPDATING table at once, and reads and writes it while it is still UPDATING', async () => {
    await activeTable('updating');
    await client.send(new UpdateTableCommand({ TableName: 'updating', BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } }));
    expect(await statusOf('updating')).toBe('UPDATING');

    const store = await openStore({ kind: 'dynamodb', table: 'updating' }, { dynamodb: client });
    stores.push(store);
    const record = sampleRecord();
    await store.create(record);
    expect((await store.get(record.id))?.id).toBe(record.id);
    // All of that happened while the table was UPDATING: the store did not wait for ACTIVE.
    expect(await statusOf('updating')).toBe('UPDATING');
  });

  it('refuses a DELETING table at once, saying so and what to do', async () => {
    await activeTable('deleting');
    await client.send(new DeleteTableCommand({ TableName: 'deleting' }));
    expect(await statusOf('deleting')).toBe('DELETING');

    const opened = openStore({ kind: 'dynamodb', table: 'deleting' }, { dynamodb: client });
    await expect(opened).rejects.toThrow(StoreUnavailableError);
    await expect(opened).rejects.toThrow('DynamoDB table deleting is DELETING: it cannot serve the bookings store; point CHARTER_STORE at another table');
    expect(await statusOf('deleting')).toBe('DELETING');
  });

  it('waits for a CREATING table to become ACTIVE before starting on it', async () => {
    const slow = await startDynalite({ createTableMs: TRANSITION_MS });
    const via = clientOf(slow);
    try {
      const store = await openStore({ kind: 'dynamodb', table: 'creating' }, { dynamodb: via, createTable: true });
      stores.push(store);
      expect(await statusOf('creating', via)).toBe('ACTIVE');
    } finally {
      via.destroy();
      await slow.close();
    }
  });
});

describe('tableReadiness', () => {
  it.each([
    ['ACTIVE', 'ready'],
    ['UPDATING', 'ready'],
    ['CREATING', 'wait'],
    [undefined, 'wait'],
    ['DELETING', 'refuse'],
    ['INACCESSIBLE_ENCRYPTION_CREDENTIALS', 'refuse'],
    ['ARCHIVING', 'refuse'],
    ['ARCHIVED', 'refuse'],
  ])('%s → %s', (status, readiness) => {
    expect(tableReadiness(status)).toBe(readiness);
  });
});
