/**
 * DynamoDB adapter for scale-out (several instances, or Lambda). One item per booking:
 *   id (S, hash key) · version (N) · state (S) · updatedAtMs (N) · record (S, the JSON record)
 * Every write is ONE conditional PutItem (`version = :expected`, or `attribute_not_exists(id)` on
 * create): no transactions, which dynalite lacks and a per-booking record does not need. The loser
 * of a conditional write gets the winner's record from the failure itself
 * (ReturnValuesOnConditionCheckFailure ALL_OLD), or with a consistent GetItem where the server
 * ignores that (dynalite).
 *
 * Calls a transition does not need are not made (P3c counted 58 per booking, most of them lost
 * compare-and-sets of steps running side by side and the reads after them):
 * - a read-modify-write starts from the newest record this process has seen (newestKnown) rather
 *   than reading first: if another process wrote since, the conditional write fails and returns the
 *   current item, which is what the read would have cost;
 * - writes to one booking from this process go one at a time, and a write whose expected version is
 *   older than one this process has already seen stored fails here, with that record, without a
 *   call: the stored version only grows, so DynamoDB would have refused it too;
 * - a consistent read joins a read of the same booking already in flight, unless this process has
 *   written that booking since the read was sent (so a process always reads its own writes).
 * Both keep compare-and-set exact: nothing is written that DynamoDB would not have accepted.
 *
 * The table, created by `ensureTable({ create: true })` or by hand (README):
 *   aws dynamodb create-table --table-name charter-bookings \
 *     --attribute-definitions AttributeName=id,AttributeType=S \
 *     --key-schema AttributeName=id,KeyType=HASH \
 *     --billing-mode PAY_PER_REQUEST \
 *     --stream-specification StreamEnabled=true,StreamViewType=NEW_IMAGE
 * The stream (NEW_IMAGE) is what starts pipeline runs on Lambda.
 *
 * Meta entries (getMeta/casMeta: iCal watcher state, notices sent) share the table as items
 *   id = "meta#{key}" · itemType = "meta" · version (N) · value (S) · writeToken (S)
 * They have no `state`, so listByStates skips them and the stream handler starts no run for them;
 * booking ids are Crockford base32 and never contain '#'. A meta write's token is this process and
 * what it writes (key, version, value), so a retry of a write whose answer was lost is recognised;
 * the same process writing the same value over the same version twice is one write, twice told.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  ScanCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { BookingExistsError, BookingNotFoundError, StoreUnavailableError, VersionConflictError } from './errors';
import { KnownRecords } from './known-records';
import { ACTIVE_STATES } from './state-machine';
import type { BookingStore, GetOptions, MetaEntry } from './store';
import type { BookingRecord, BookingState } from './types';

type Item = Record<string, AttributeValue>;

/**
 * The client class, for openStore's lazy require (so a SQLite process never loads the SDK). esbuild
 * keeps every export of a require()d module and of the SDK index it imports from, so a bundle that
 * require()s this file holds all of DynamoDB's commands: the Lambda bundles, which open this store
 * themselves, leave openStore out (scripts/build-lambda.ts).
 */
export { DynamoDBClient };

/** Meta entries' ids; '#' never appears in a booking id. */
const META_PREFIX = 'meta#';

export interface DynamoStoreOptions {
  client: DynamoDBClient;
  table: string;
  /** Destroy the client on close(); false (default) when the caller shares it with others. */
  ownsClient?: boolean;
}

export interface EnsureTableOptions {
  /** Create the table when it is missing (sandbox, first start); otherwise a missing table is an error. */
  create: boolean;
  /** How long to wait for a new table to become ACTIVE. */
  timeoutMs?: number;
}

/**
 * Whether a table in this status can back the store. UPDATING (a GSI being added, a capacity or
 * stream change) serves reads and writes like ACTIVE; CREATING becomes ACTIVE soon, so it is
 * waited for; DELETING, a lost KMS key and the archive that follows never come back on their own.
 * An unknown status is waited for like CREATING (bounded), then refused.
 */
export function tableReadiness(status: string | undefined): 'ready' | 'wait' | 'refuse' {
  switch (status) {
    case 'ACTIVE':
    case 'UPDATING':
      return 'ready';
    case 'DELETING':
    case 'INACCESSIBLE_ENCRYPTION_CREDENTIALS':
    case 'ARCHIVING':
    case 'ARCHIVED':
      return 'refuse';
    default:
      return 'wait';
  }
}

const REFUSAL_FIX: Record<string, string> = {
  DELETING: 'point CHARTER_STORE at another table or recreate this one (see README, "State store")',
  INACCESSIBLE_ENCRYPTION_CREDENTIALS: "restore access to the table's KMS key",
  ARCHIVING: "restore access to the table's KMS key, then restore the table from its archival backup",
  ARCHIVED: "restore access to the table's KMS key, then restore the table from its archival backup",
};

/** DynamoDB's item limit, in UTF-8 bytes of attribute names and values. */
export const MAX_ITEM_BYTES = 400 * 1024;

/**
 * Refuses here what DynamoDB would refuse (ValidationException, not retried), with the size in the
 * message. dynalite counts a string's characters, not its bytes, so without this a test on it
 * would pass what DynamoDB refuses: Japanese notes are three bytes a character.
 */
function assertItemFits(table: string, id: string, item: Item): void {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) bytes += Buffer.byteLength(name) + Buffer.byteLength(value.S ?? value.N ?? '');
  if (bytes > MAX_ITEM_BYTES) {
    throw new StoreUnavailableError(`DynamoDB table ${table}: item ${id} is ${Math.ceil(bytes / 1024)} KB, over DynamoDB's 400 KB item limit`, undefined, { transient: false });
  }
}

function toItem(record: BookingRecord, json = JSON.stringify(record)): Item {
  return {
    id: { S: record.id },
    version: { N: String(record.version) },
    state: { S: record.state },
    updatedAtMs: { N: String(record.updatedAtMs) },
    record: { S: json },
  };
}

/** An empty string is a value too (the SQLite store keeps it); only a missing attribute is no entry. */
function metaEntry(key: string, item: Item | undefined): MetaEntry | undefined {
  if (item?.value?.S === undefined || !item.version?.N) return undefined;
  return { key, value: item.value.S, version: Number(item.version.N) };
}

/** This process's writes to meta entries are told from others': a retry of the same write carries the same token. */
const metaWriter = randomBytes(6).toString('base64url');

function metaWriteToken(key: string, value: string, expectedVersion: number): string {
  return `${metaWriter}.${createHash('sha256').update(key).update('\u0000').update(String(expectedVersion)).update('\u0000').update(value).digest('base64url').slice(0, 16)}`;
}

function fromItem(item: Item): BookingRecord {
  const json = item.record?.S;
  if (json === undefined) throw new StoreUnavailableError(`Item ${item.id?.S ?? '?'} has no record attribute: is this the bookings table?`);
  return JSON.parse(json) as BookingRecord;
}


interface InflightRead {
  /** This process's write count for the booking when the read was sent. */
  writes: number;
  item: Promise<Item | undefined>;
}

export class DynamoBookingStore implements BookingStore {
  private readonly client: DynamoDBClient;
  readonly table: string;
  private readonly ownsClient: boolean;
  /** The newest record of each booking this process has seen stored (read or written), as JSON: each use gets its own copy. */
  private readonly known = new KnownRecords();
  /** The tail of each booking's queue of writes from this process. */
  private readonly writeQueues = new Map<string, Promise<unknown>>();
  /** Successful writes per booking from this process: a read sent before one must not be joined after it. */
  private readonly writeCounts = new Map<string, number>();
  private readonly reads = new Map<string, InflightRead>();

  constructor(options: DynamoStoreOptions) {
    this.client = options.client;
    this.table = options.table;
    this.ownsClient = options.ownsClient ?? false;
  }

  async ensureTable(options: EnsureTableOptions): Promise<void> {
    try {
      await this.waitActive(options.timeoutMs ?? 60_000);
      return;
    } catch (err) {
      if (!(err instanceof ResourceNotFoundException)) throw this.unavailable(err);
      if (!options.create) {
        throw new StoreUnavailableError(`DynamoDB table ${this.table} does not exist: create it (see README, "State store") or allow creation on first start`, err);
      }
    }
    try {
      await this.client.send(
        new CreateTableCommand({
          TableName: this.table,
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
          StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
        }),
      );
    } catch (err) {
      // Another instance created it at the same moment: fine, wait for it like anyone else.
      if (!(err instanceof ResourceInUseException)) throw this.unavailable(err);
    }
    await this.waitActive(options.timeoutMs ?? 60_000);
  }

  async create(record: BookingRecord): Promise<void> {
    const json = JSON.stringify(record);
    const item = toItem(record, json);
    assertItemFits(this.table, record.id, item);
    try {
      await this.client.send(
        new PutItemCommand({ TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(id)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw this.unavailable(err);
      // Refused because this very write landed and its answer was lost (the SDK's retry met it):
      // the item is, byte for byte, the one sent. Anything else is another booking with this id —
      // the form delivered again — which the caller must hear about.
      const stored = err.Item?.record?.S ?? (await this.getItem(record.id, true))?.record?.S;
      if (stored !== json) throw new BookingExistsError(record.id);
    }
    this.known.remember(record.id, record.version, json);
  }

  async get(id: string, opts: GetOptions = {}): Promise<BookingRecord | undefined> {
    const consistent = opts.consistent ?? true;
    if (!consistent) {
      const item = await this.getItem(id, false);
      return item ? fromItem(item) : undefined;
    }
    const writes = this.writeCounts.get(id) ?? 0;
    let read = this.reads.get(id);
    if (!read || read.writes !== writes) {
      const item = this.getItem(id, true);
      const mine: InflightRead = { writes, item };
      read = mine;
      this.reads.set(id, mine);
      const forget = () => {
        if (this.reads.get(id) === mine) this.reads.delete(id);
      };
      item.then(forget, forget);
    }
    const item = await read.item;
    // parsed per caller: callers own (and may change) the record they are given
    const record = item ? fromItem(item) : undefined;
    if (record) this.known.remember(record.id, record.version, item!.record!.S!);
    return record;
  }

  /** The newest record this process has read or written; the compare-and-set of a write from it settles whether it still is. */
  newestKnown(id: string, newerThan?: number): BookingRecord | undefined {
    return this.known.record(id, newerThan);
  }

  async put(record: BookingRecord, expectedVersion: number): Promise<BookingRecord> {
    const previous = this.writeQueues.get(record.id) ?? Promise.resolve();
    const turn = previous.then(() => this.putNow(record, expectedVersion));
    const tail = turn.catch(() => undefined);
    this.writeQueues.set(record.id, tail);
    void tail.then(() => {
      if (this.writeQueues.get(record.id) === tail) this.writeQueues.delete(record.id);
    });
    return turn;
  }

  private async putNow(record: BookingRecord, expectedVersion: number): Promise<BookingRecord> {
    // The stored version is at least the one seen: DynamoDB would refuse this write.
    if ((this.known.version(record.id) ?? 0) > expectedVersion) throw new VersionConflictError(this.known.record(record.id)!, expectedVersion);
    const written: BookingRecord = { ...record, version: expectedVersion + 1 };
    const json = JSON.stringify(written);
    const item = toItem(written, json);
    assertItemFits(this.table, record.id, item);
    let failed: ConditionalCheckFailedException;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: '#v = :expected',
          ExpressionAttributeNames: { '#v': 'version' },
          ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      this.writeCounts.set(record.id, (this.writeCounts.get(record.id) ?? 0) + 1);
      this.known.remember(written.id, written.version, json);
      return written;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw this.unavailable(err);
      failed = err;
    }
    const returned = failed.Item?.record?.S;
    const current = returned ? fromItem(failed.Item!) : await this.get(record.id);
    if (!current) throw new BookingNotFoundError(record.id);
    if (returned) this.known.remember(current.id, current.version, returned);
    throw new VersionConflictError(current, expectedVersion);
  }

  private async getItem(id: string, consistent: boolean): Promise<Item | undefined> {
    try {
      const out = await this.client.send(new GetItemCommand({ TableName: this.table, Key: { id: { S: id } }, ConsistentRead: consistent }));
      return out.Item;
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  /** A filtered Scan: fine for one operator's bookings; a sparse index is the step up if it ever is not. */
  async listActive(): Promise<BookingRecord[]> {
    return this.listByStates(ACTIVE_STATES);
  }

  async listByStates(states: readonly BookingState[]): Promise<BookingRecord[]> {
    if (states.length === 0) return [];
    const out: BookingRecord[] = [];
    let startKey: Item | undefined;
    const values = Object.fromEntries(states.map((s, i) => [`:s${i}`, { S: s }]));
    try {
      do {
        const page = await this.client.send(
          new ScanCommand({
            TableName: this.table,
            ConsistentRead: true,
            FilterExpression: `#state IN (${Object.keys(values).join(', ')})`,
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: values,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) out.push(fromItem(item));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    } catch (err) {
      throw this.unavailable(err);
    }
    return out.sort((a, b) => a.updatedAtMs - b.updatedAtMs);
  }

  async getMeta(key: string): Promise<MetaEntry | undefined> {
    try {
      const out = await this.client.send(new GetItemCommand({ TableName: this.table, Key: { id: { S: `${META_PREFIX}${key}` } }, ConsistentRead: true }));
      return metaEntry(key, out.Item);
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  async casMeta(key: string, value: string, expectedVersion: number): Promise<MetaEntry | undefined> {
    const version = expectedVersion + 1;
    const token = metaWriteToken(key, value, expectedVersion);
    const item: Item = { id: { S: `${META_PREFIX}${key}` }, itemType: { S: 'meta' }, version: { N: String(version) }, value: { S: value }, writeToken: { S: token } };
    assertItemFits(this.table, `${META_PREFIX}${key}`, item);
    let failed: ConditionalCheckFailedException;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: item,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          ...(expectedVersion === 0
            ? { ConditionExpression: 'attribute_not_exists(id)' }
            : { ConditionExpression: '#v = :expected', ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } } }),
        }),
      );
      return { key, value, version };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw this.unavailable(err);
      failed = err;
    }
    // Refused because this very write landed and its answer was lost (the SDK's retry, or
    // withStoreRetries', met the version it had moved): it won, and must be told so. A notice
    // claim told "someone else won" posts nothing, and nobody else will.
    const stored = failed.Item ?? (await this.getItem(`${META_PREFIX}${key}`, true));
    return stored?.writeToken?.S === token && stored.version?.N === String(version) ? { key, value, version } : undefined;
  }

  async ping(): Promise<void> {
    try {
      await this.client.send(new DescribeTableCommand({ TableName: this.table }));
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }

  /** Returns once the table serves reads and writes (ACTIVE or UPDATING); waits a bounded time while it is CREATING. */
  private async waitActive(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const out = await this.client.send(new DescribeTableCommand({ TableName: this.table }));
      const status = out.Table?.TableStatus;
      const readiness = tableReadiness(status);
      if (readiness === 'ready') return;
      if (readiness === 'refuse') {
        throw new StoreUnavailableError(`DynamoDB table ${this.table} is ${status}: it cannot serve the bookings store; ${REFUSAL_FIX[status ?? ''] ?? 'check it in the AWS console'}`);
      }
      if (Date.now() > deadline) {
        throw new StoreUnavailableError(`DynamoDB table ${this.table} is still ${status ?? 'in an unknown state'} after ${Math.round(timeoutMs / 1000)} s, not ACTIVE: check it in the AWS console, then start again`, undefined, { transient: true });
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  private unavailable(err: unknown): Error {
    if (err instanceof StoreUnavailableError) return err;
    if (err instanceof ResourceNotFoundException) {
      return new StoreUnavailableError(`DynamoDB table ${this.table} does not exist: create it (see README, "State store")`, err);
    }
    const name = err instanceof Error ? err.name : 'unknown error';
    const misconfigured = name === 'AccessDeniedException' || name === 'UnrecognizedClientException' || name === 'ValidationException';
    return new StoreUnavailableError(`DynamoDB table ${this.table}: ${name}`, err, { transient: !misconfigured });
  }
}
