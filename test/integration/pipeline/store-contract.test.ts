/** The one contract suite, against SQLite on a temp file and DynamoDB on a dynalite this test starts. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoBookingStore } from '../../../src/pipeline/dynamodb-store';
import { StoreUnavailableError, VersionConflictError } from '../../../src/pipeline/errors';
import { openStore } from '../../../src/pipeline/open-store';
import { SQLITE_SCHEMA_VERSION, SqliteBookingStore } from '../../../src/pipeline/sqlite-store';
import { startDynalite, type RunningDynalite } from '../../../src/sandbox/dynalite';
import { sampleRecord } from '../../fixtures/pipeline/booking';
import { describeStoreContract } from './store-contract';

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-store-'));
afterAll(() => fs.rmSync(tmpDir, { recursive: true, force: true }));

function dynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
}

const sqliteFile = path.join(tmpDir, 'nested', 'dir', 'charter.db');
describeStoreContract(
  'SQLite',
  () => openStore({ kind: 'sqlite', path: sqliteFile }),
  async () => {},
);

let dynalite: RunningDynalite | undefined;
let client: DynamoDBClient | undefined;
describeStoreContract(
  'DynamoDB (dynalite)',
  async () => {
    dynalite = await startDynalite();
    client = dynamoClient(dynalite.endpoint);
    return openStore({ kind: 'dynamodb', table: 'charter-bookings-contract' }, { dynamodb: client, createTable: true });
  },
  async () => {
    client?.destroy();
    await dynalite?.close();
  },
);

describe('SQLite adapter specifics', () => {
  it('creates the file, its directory and the schema on first start, in WAL mode', async () => {
    const file = path.join(tmpDir, 'fresh', 'sub', 'charter.db');
    const store = SqliteBookingStore.open(file);
    expect(fs.existsSync(file)).toBe(true);
    expect(store.schemaVersion).toBe(SQLITE_SCHEMA_VERSION);
    await store.close();
    const raw = new Database(file, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.prepare('SELECT version FROM schema_version').all()).toEqual(Array.from({ length: SQLITE_SCHEMA_VERSION }, (_, i) => ({ version: i + 1 })));
    } finally {
      raw.close();
    }
  });

  it('keeps records across a reopen and does not migrate twice', async () => {
    const file = path.join(tmpDir, 'reopen.db');
    const record = sampleRecord();
    const first = SqliteBookingStore.open(file);
    await first.create(record);
    await first.close();
    const second = SqliteBookingStore.open(file);
    await expect(second.get(record.id)).resolves.toEqual(record);
    expect(second.schemaVersion).toBe(SQLITE_SCHEMA_VERSION);
    await second.close();
  });

  it('keeps the state column true whether a write keeps the state or changes it, across two connections', async () => {
    const file = path.join(tmpDir, 'state-column.db');
    const a = SqliteBookingStore.open(file);
    const b = SqliteBookingStore.open(file);
    const columnState = (id: string) => {
      const raw = new Database(file, { readonly: true });
      try {
        return (raw.prepare('SELECT state FROM bookings WHERE id = ?').get(id) as { state: string }).state;
      } finally {
        raw.close();
      }
    };
    try {
      const record = { ...sampleRecord(), state: 'approved' as const };
      await a.create(record);
      // a keeps the state it knows (the write that leaves the column out) ...
      const v2 = await a.put({ ...record, updatedAtMs: 2 }, 1);
      expect(columnState(record.id)).toBe('approved');
      // ... b, which never saw version 2, changes it ...
      const seenByB = (await b.get(record.id))!;
      await b.put({ ...seenByB, state: 'running', updatedAtMs: 3 }, seenByB.version);
      expect(columnState(record.id)).toBe('running');
      expect((await a.listByStates(['running'])).map((r) => r.id)).toEqual([record.id]);
      // ... and a, whose known state is now stale, loses its compare-and-set instead of writing over it.
      await expect(a.put({ ...v2, updatedAtMs: 4 }, v2.version)).rejects.toThrow(VersionConflictError);
      const current = (await a.get(record.id))!;
      await a.put({ ...current, state: 'done', updatedAtMs: 5 }, current.version);
      expect(columnState(record.id)).toBe('done');
      expect(await a.listByStates(['running'])).toEqual([]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('refuses a store written by a newer schema instead of guessing', async () => {
    const file = path.join(tmpDir, 'newer.db');
    await SqliteBookingStore.open(file).close();
    const raw = new Database(file);
    raw.prepare('INSERT INTO schema_version (version, applied_at_ms) VALUES (?, ?)').run(SQLITE_SCHEMA_VERSION + 1, 0);
    raw.close();
    expect(() => SqliteBookingStore.open(file)).toThrow(StoreUnavailableError);
  });
});

describe('DynamoDB adapter specifics', () => {
  let local: RunningDynalite;
  let localClient: DynamoDBClient;

  beforeAll(async () => {
    local = await startDynalite();
    localClient = dynamoClient(local.endpoint);
  });

  afterAll(async () => {
    localClient.destroy();
    await local.close();
  });

  it('a missing table is a StoreUnavailableError unless creation is allowed', async () => {
    await expect(openStore({ kind: 'dynamodb', table: 'charter-missing' }, { dynamodb: localClient })).rejects.toThrow(StoreUnavailableError);
    const store = await openStore({ kind: 'dynamodb', table: 'charter-missing' }, { dynamodb: localClient, createTable: true });
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
  });

  it('ensureTable is idempotent: a second instance starting later finds the table', async () => {
    const a = new DynamoBookingStore({ client: localClient, table: 'charter-twice' });
    const b = new DynamoBookingStore({ client: localClient, table: 'charter-twice' });
    await Promise.all([a.ensureTable({ create: true }), b.ensureTable({ create: true })]);
    const record = sampleRecord();
    await a.create(record);
    await expect(b.get(record.id)).resolves.toEqual(record);
  });
});
