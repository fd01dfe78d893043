/**
 * Store transition throughput: sequential read + compare-and-set transitions per second through
 * each adapter (SQLite file, DynamoDB on dynalite), against an unconditional write of the same
 * record with the same driver, measured in this run. Report only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoBookingStore } from '../src/pipeline/dynamodb-store';
import { SqliteBookingStore } from '../src/pipeline/sqlite-store';
import { type BookingStore, updateWithRetry } from '../src/pipeline/store';
import type { BookingRecord } from '../src/pipeline/types';
import { type BenchResult, pendingBooking, round } from './harness';

const RECORDS = 20;

async function transitionsPerSecond(store: BookingStore, records: readonly BookingRecord[], count: number): Promise<number> {
  for (const r of records) await store.create(r);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const id = records[i % records.length]!.id;
    await updateWithRetry(store, id, (r) => ({ ...r, updatedAtMs: r.updatedAtMs + 1 }));
  }
  return count / ((performance.now() - t0) / 1000);
}

async function rawPerSecond(write: (r: BookingRecord) => Promise<void> | void, records: readonly BookingRecord[], count: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await write(records[i % records.length]!);
  return count / ((performance.now() - t0) / 1000);
}

function result(id: string, what: string, adapter: number, raw: number, count: number, rawLabel: string): BenchResult {
  return {
    id,
    what,
    baseline: { label: rawLabel, value: round(raw, 0), unit: '/s' },
    measured: { label: 'CAS transitions', value: round(adapter, 0), unit: '/s' },
    ratio: round(adapter / raw, 3),
    goal: null,
    pass: null,
    extra: { transitions: count, ms_per_transition: round(1000 / adapter, 3) },
    notes: [],
  };
}

export async function benchStore(ctx: { dynamodbEndpoint: string }): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-store-'));
  const out: BenchResult[] = [];
  try {
    const sqliteCount = 3000;
    const store = SqliteBookingStore.open(join(dir, 'charter.db'));
    const records = Array.from({ length: RECORDS }, (_, i) => pendingBooking(i));
    const adapter = await transitionsPerSecond(store, records, sqliteCount);
    await store.close();
    const db = new Database(join(dir, 'raw.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, record TEXT NOT NULL)');
    const put = db.prepare('INSERT INTO t (id, record) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET record = excluded.record');
    const raw = await rawPerSecond((r) => void put.run(r.id, JSON.stringify(r)), records, sqliteCount);
    db.close();
    out.push(result('STORE-sqlite', 'SQLite: read + CAS put per transition', adapter, raw, sqliteCount, 'raw upsert'));

    const ddbCount = 400;
    const client = new DynamoDBClient({ endpoint: ctx.dynamodbEndpoint, region: 'us-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    try {
      const ddb = new DynamoBookingStore({ client, table: 'bench-bookings' });
      await ddb.ensureTable({ create: true, timeoutMs: 10_000 });
      const ddbRecords = Array.from({ length: RECORDS }, (_, i) => pendingBooking(100 + i));
      const ddbAdapter = await transitionsPerSecond(ddb, ddbRecords, ddbCount);
      const ddbRaw = await rawPerSecond(
        async (r) => {
          await client.send(new PutItemCommand({ TableName: 'bench-bookings', Item: { id: { S: `raw-${r.id}` }, version: { N: String(r.version) }, record: { S: JSON.stringify(r) } } }));
        },
        ddbRecords,
        ddbCount,
      );
      out.push(result('STORE-dynamodb', 'DynamoDB (dynalite): read + conditional put', ddbAdapter, ddbRaw, ddbCount, 'raw PutItem'));
    } finally {
      client.destroy();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
