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
 *
 * The clock-driven listings (listCurrent, listActive: the sweeper every 5 s, reminders, the approval
 * watch and Home every minute) read a sparse global secondary index, CURRENT_INDEX, instead of
 * Scanning every booking ever made and the meta items (the iCal feed state alone is up to 300 KB).
 * Its key, `listed` = "current", is on every booking item a write stores, with `listedUntilMs` (N)
 * beside it once the booking is finished (current-bookings.ts); it projects those and `state`. A
 * listing Queries it (a few bytes a booking), reads the bookings of the states asked for with a
 * consistent BatchGetItem (an index is read eventually consistent; the records must not be), and
 * takes the key off a booking that is no longer current with one conditional PutItem of the item as
 * read: one extra write in a booking's life, made by whichever listing first sees it past. Items
 * written before the index existed are given the key once (backfill, marked by a meta entry); a
 * table without the index (ACTIVE) is listed with the Scan, with a warning, until it has one.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  paginateQuery,
  paginateScan,
  PutItemCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import type { Logger } from '../log';
import { currentUntilMs, isCurrent } from './current-bookings';
import { CURRENT_INDEX, CURRENT_INDEX_DEFINITION, CURRENT_KEY, CURRENT_UNTIL, CURRENT_VALUE } from './current-index';
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
export { CURRENT_INDEX, CURRENT_INDEX_DEFINITION, CURRENT_KEY } from './current-index';

/** Meta entries' ids; '#' never appears in a booking id. */
const META_PREFIX = 'meta#';

/** The meta entry saying items written before the index have been given its key. */
export const INDEX_BACKFILL_KEY = 'store:current-bookings-backfill';

/** How often a process without the index looks again whether it has been added. */
const INDEX_RECHECK_MS = 5 * 60_000;

/** BatchGetItem takes at most 100 keys; keys it leaves unprocessed (throttling) are asked again this many times. */
const BATCH_GET_KEYS = 100;
const BATCH_GET_ATTEMPTS = 5;

export interface DynamoStoreOptions {
  client: DynamoDBClient;
  table: string;
  /** Destroy the client on close(); false (default) when the caller shares it with others. */
  ownsClient?: boolean;
  /** Where a missing index (listings fall back to a Scan) and the backfill are reported. */
  log?: Pick<Logger, 'warn' | 'info'>;
  /** The clock the one-time backfill decides which old items are current by (default Date.now). */
  now?: () => number;
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

/**
 * The index key goes on with every write, whatever the time: a write is what can make a finished
 * booking current again (a change moving its date ahead), and listing takes it off once it is past.
 */
function indexAttributes(record: BookingRecord): Item {
  const until = currentUntilMs(record);
  return { [CURRENT_KEY]: { S: CURRENT_VALUE }, ...(until !== undefined ? { [CURRENT_UNTIL]: { N: String(until) } } : {}) };
}

function toItem(record: BookingRecord, json = JSON.stringify(record)): Item {
  return {
    id: { S: record.id },
    version: { N: String(record.version) },
    state: { S: record.state },
    updatedAtMs: { N: String(record.updatedAtMs) },
    record: { S: json },
    ...indexAttributes(record),
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
  private readonly log: Pick<Logger, 'warn' | 'info'> | undefined;
  private readonly now: () => number;
  /** Whether CURRENT_INDEX is ACTIVE, and when that was looked up (Date.now). */
  private index?: { usable: boolean; checkedAtMs: number };
  private indexLookup?: Promise<boolean>;
  private backfill?: Promise<void>;

  constructor(options: DynamoStoreOptions) {
    this.client = options.client;
    this.table = options.table;
    this.ownsClient = options.ownsClient ?? false;
    this.log = options.log;
    this.now = options.now ?? Date.now;
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
          AttributeDefinitions: [
            { AttributeName: 'id', AttributeType: 'S' },
            { AttributeName: CURRENT_KEY, AttributeType: 'S' },
          ],
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          GlobalSecondaryIndexes: [CURRENT_INDEX_DEFINITION],
          BillingMode: 'PAY_PER_REQUEST',
          StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
        }),
      );
    } catch (err) {
      // Another instance created it at the same moment: fine, wait for it like anyone else.
      if (!(err instanceof ResourceInUseException)) throw this.unavailable(err);
    }
    await this.waitActive(options.timeoutMs ?? 60_000);
    // A new table has no item from before the index: nothing to backfill (another creator may have said so first).
    await this.casMeta(INDEX_BACKFILL_KEY, JSON.stringify({ atMs: this.now(), indexed: 0, newTable: true }), 0);
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

  /** From the index: an active booking is always current, and none is taken off it here. */
  async listActive(): Promise<BookingRecord[]> {
    return this.listFromIndex(ACTIVE_STATES);
  }

  async listCurrent(states: readonly BookingState[], nowMs: number): Promise<BookingRecord[]> {
    return this.listFromIndex(states, nowMs);
  }

  /**
   * Bookings of `states` current at `nowMs`, and those past it taken off the index; without `nowMs`
   * (listActive: states that never end a booking's listing) nothing is taken off. While the table
   * has no usable index, the Scan and the same rule.
   */
  private async listFromIndex(states: readonly BookingState[], nowMs?: number): Promise<BookingRecord[]> {
    if (states.length === 0) return [];
    await this.backfilled();
    if (!(await this.indexUsable())) {
      const all = await this.listByStates(states);
      return nowMs === undefined ? all : all.filter((r) => isCurrent(r, nowMs));
    }
    const entries = await this.queryIndex();
    // Past ones are read too whatever their state, so that they are taken off (once) even when no listing asks for their state.
    const wanted = entries.filter((e) => states.includes(e.state as BookingState) || (nowMs !== undefined && e.untilMs !== undefined && e.untilMs <= nowMs));
    const out: BookingRecord[] = [];
    for (const item of await this.batchGet(wanted.map((e) => e.id))) {
      const record = fromItem(item);
      if (nowMs !== undefined && !isCurrent(record, nowMs)) {
        await this.dropFromIndex(item);
        continue;
      }
      // The index is eventually consistent: the record read is what decides its state.
      if (states.includes(record.state)) out.push(record);
    }
    return out.sort((a, b) => a.updatedAtMs - b.updatedAtMs);
  }

  /** Every entry of the index: a booking's id, state and, once finished, until when it is current. */
  private async queryIndex(): Promise<{ id: string; state: string; untilMs?: number }[]> {
    const out: { id: string; state: string; untilMs?: number }[] = [];
    try {
      const pages = paginateQuery(
        { client: this.client },
        {
          TableName: this.table,
          IndexName: CURRENT_INDEX,
          KeyConditionExpression: '#listed = :current',
          ExpressionAttributeNames: { '#listed': CURRENT_KEY },
          ExpressionAttributeValues: { ':current': { S: CURRENT_VALUE } },
        },
      );
      for await (const page of pages) {
        for (const item of page.Items ?? []) {
          const until = item[CURRENT_UNTIL]?.N;
          if (item.id?.S && item.state?.S) out.push({ id: item.id.S, state: item.state.S, ...(until !== undefined ? { untilMs: Number(until) } : {}) });
        }
      }
    } catch (err) {
      // The index gone (deleted, or the table replaced) since it was seen: look again next time.
      if (err instanceof ResourceNotFoundException || (err instanceof Error && err.name === 'ValidationException')) this.index = undefined;
      throw this.unavailable(err);
    }
    return out;
  }

  /** The items of `ids`, read strongly consistent, in batches; keys DynamoDB leaves unprocessed are asked again a bounded number of times. */
  private async batchGet(ids: readonly string[]): Promise<Item[]> {
    const out: Item[] = [];
    for (let i = 0; i < ids.length; i += BATCH_GET_KEYS) {
      let keys: Item[] = ids.slice(i, i + BATCH_GET_KEYS).map((id) => ({ id: { S: id } }));
      for (let attempt = 1; keys.length > 0; attempt++) {
        if (attempt > BATCH_GET_ATTEMPTS) {
          throw new StoreUnavailableError(`DynamoDB table ${this.table}: ${keys.length} bookings still unread after ${BATCH_GET_ATTEMPTS} BatchGetItem attempts (throttled)`, undefined, { transient: true });
        }
        if (attempt > 1) await new Promise((r) => setTimeout(r, 50 * 2 ** (attempt - 2)));
        try {
          const page = await this.client.send(new BatchGetItemCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }));
          out.push(...(page.Responses?.[this.table] ?? []));
          keys = page.UnprocessedKeys?.[this.table]?.Keys ?? [];
        } catch (err) {
          throw this.unavailable(err);
        }
      }
    }
    return out;
  }

  /**
   * Takes a booking that is no longer current off the index: the item as read, without the key,
   * only if nobody wrote it since (a write in between put the key on again, and decided it anew).
   * The record and its version are unchanged, so no writer's compare-and-set notices.
   */
  private async dropFromIndex(item: Item): Promise<void> {
    if (!item[CURRENT_KEY]) return;
    const { [CURRENT_KEY]: _key, [CURRENT_UNTIL]: _until, ...rest } = item;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: rest,
          ConditionExpression: '#v = :v AND attribute_exists(#listed)',
          ExpressionAttributeNames: { '#v': 'version', '#listed': CURRENT_KEY },
          ExpressionAttributeValues: { ':v': { N: item.version?.N ?? '0' } },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw this.unavailable(err);
    }
  }

  /** Whether CURRENT_INDEX is there and ACTIVE; looked up once, and again every few minutes while it is not. */
  private indexUsable(): Promise<boolean> {
    const nowMs = Date.now();
    if (this.index && (this.index.usable || nowMs - this.index.checkedAtMs < INDEX_RECHECK_MS)) return Promise.resolve(this.index.usable);
    this.indexLookup ??= this.describeIndex()
      .then((found) => {
        const usable = found === 'ACTIVE';
        if (!usable) {
          this.log?.warn(
            { table: this.table, index: CURRENT_INDEX, indexStatus: found ?? 'missing' },
            `DynamoDB table ${this.table} has no ACTIVE index ${CURRENT_INDEX} (${found ?? 'missing'}): bookings are listed with a Scan of the whole table until it has one (README, "State store")`,
          );
        }
        this.index = { usable, checkedAtMs: nowMs };
        return usable;
      }, (err: unknown) => {
        throw this.unavailable(err);
      })
      .finally(() => {
        this.indexLookup = undefined;
      });
    return this.indexLookup;
  }

  private async describeIndex(): Promise<string | undefined> {
    const out = await this.client.send(new DescribeTableCommand({ TableName: this.table }));
    const index = out.Table?.GlobalSecondaryIndexes?.find((i) => i.IndexName === CURRENT_INDEX);
    if (!index) return undefined;
    const keyedRight = index.KeySchema?.some((k) => k.KeyType === 'HASH' && k.AttributeName === CURRENT_KEY);
    return keyedRight ? index.IndexStatus : `keyed on ${index.KeySchema?.map((k) => k.AttributeName).join(', ') ?? 'nothing'}, not ${CURRENT_KEY}`;
  }

  /**
   * Gives the index key to the current bookings written before it existed, once per table (the meta
   * entry says it was done) and once per process at most; a failure is tried again at the next listing.
   */
  private backfilled(): Promise<void> {
    this.backfill ??= this.backfillOnce().catch((err: unknown) => {
      this.backfill = undefined;
      throw err;
    });
    return this.backfill;
  }

  private async backfillOnce(): Promise<void> {
    if (await this.getMeta(INDEX_BACKFILL_KEY)) return;
    const nowMs = this.now();
    let indexed = 0;
    try {
      const pages = paginateScan(
        { client: this.client },
        {
          TableName: this.table,
          ConsistentRead: true,
          FilterExpression: 'attribute_exists(#state) AND attribute_not_exists(#listed)',
          ExpressionAttributeNames: { '#state': 'state', '#listed': CURRENT_KEY },
        },
      );
      for await (const page of pages) {
        for (const item of page.Items ?? []) {
          const record = fromItem(item);
          if (!isCurrent(record, nowMs)) continue;
          try {
            await this.client.send(
              new PutItemCommand({
                TableName: this.table,
                Item: { ...item, ...indexAttributes(record) },
                // A write since the Scan stored the key itself (or, from an older version, will be backfilled by nobody: README).
                ConditionExpression: '#v = :v AND attribute_not_exists(#listed)',
                ExpressionAttributeNames: { '#v': 'version', '#listed': CURRENT_KEY },
                ExpressionAttributeValues: { ':v': { N: item.version?.N ?? '0' } },
              }),
            );
            indexed += 1;
          } catch (err) {
            if (!(err instanceof ConditionalCheckFailedException)) throw err;
          }
        }
      }
    } catch (err) {
      throw this.unavailable(err);
    }
    if (await this.casMeta(INDEX_BACKFILL_KEY, JSON.stringify({ atMs: nowMs, indexed }), 0)) {
      this.log?.info({ table: this.table, indexed }, `bookings written before index ${CURRENT_INDEX} existed: ${indexed} still current were added to it`);
    }
  }

  /** Every booking of `states`, by a consistent Scan of the whole table: for listings that must see past bookings too. */
  async listByStates(states: readonly BookingState[]): Promise<BookingRecord[]> {
    if (states.length === 0) return [];
    const out: BookingRecord[] = [];
    const values = Object.fromEntries(states.map((s, i) => [`:s${i}`, { S: s }]));
    try {
      const pages = paginateScan(
        { client: this.client },
        {
          TableName: this.table,
          ConsistentRead: true,
          FilterExpression: `#state IN (${Object.keys(values).join(', ')})`,
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: values,
        },
      );
      for await (const page of pages) for (const item of page.Items ?? []) out.push(fromItem(item));
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
