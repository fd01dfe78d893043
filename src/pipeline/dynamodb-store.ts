/**
 * DynamoDB adapter for scale-out (several instances, or Lambda). One item per booking:
 *   id (S, hash key) · version (N) · state (S) · updatedAtMs (N) · record (S, the JSON record)
 * Every write is ONE conditional PutItem (`version = :expected`, or `attribute_not_exists(id)` on
 * create): no transactions, which dynalite lacks and a per-booking record does not need. The loser
 * of a conditional write reads the winner's record with a consistent GetItem, because dynalite
 * ignores ReturnValuesOnConditionCheckFailure.
 *
 * The table, created by `ensureTable({ create: true })` or by hand (README):
 *   aws dynamodb create-table --table-name charter-bookings \
 *     --attribute-definitions AttributeName=id,AttributeType=S \
 *     --key-schema AttributeName=id,KeyType=HASH \
 *     --billing-mode PAY_PER_REQUEST \
 *     --stream-specification StreamEnabled=true,StreamViewType=NEW_IMAGE
 * The stream (NEW_IMAGE) is what starts pipeline runs on Lambda.
 */
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { BookingExistsError, BookingNotFoundError, StoreUnavailableError, VersionConflictError } from './errors';
import { ACTIVE_STATES } from './state-machine';
import type { BookingStore, GetOptions } from './store';
import type { BookingRecord, BookingState } from './types';

type Item = Record<string, AttributeValue>;

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

function toItem(record: BookingRecord): Item {
  return {
    id: { S: record.id },
    version: { N: String(record.version) },
    state: { S: record.state },
    updatedAtMs: { N: String(record.updatedAtMs) },
    record: { S: JSON.stringify(record) },
  };
}

function fromItem(item: Item): BookingRecord {
  const json = item.record?.S;
  if (json === undefined) throw new StoreUnavailableError(`Item ${item.id?.S ?? '?'} has no record attribute: is this the bookings table?`);
  return JSON.parse(json) as BookingRecord;
}

export class DynamoBookingStore implements BookingStore {
  private readonly client: DynamoDBClient;
  readonly table: string;
  private readonly ownsClient: boolean;

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
    try {
      await this.client.send(
        new PutItemCommand({ TableName: this.table, Item: toItem(record), ConditionExpression: 'attribute_not_exists(id)' }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) throw new BookingExistsError(record.id);
      throw this.unavailable(err);
    }
  }

  async get(id: string, opts: GetOptions = {}): Promise<BookingRecord | undefined> {
    try {
      const out = await this.client.send(
        new GetItemCommand({ TableName: this.table, Key: { id: { S: id } }, ConsistentRead: opts.consistent ?? true }),
      );
      return out.Item ? fromItem(out.Item) : undefined;
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  async put(record: BookingRecord, expectedVersion: number): Promise<BookingRecord> {
    const written: BookingRecord = { ...record, version: expectedVersion + 1 };
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: toItem(written),
          ConditionExpression: '#v = :expected',
          ExpressionAttributeNames: { '#v': 'version' },
          ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } },
        }),
      );
      return written;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw this.unavailable(err);
    }
    const current = await this.get(record.id);
    if (!current) throw new BookingNotFoundError(record.id);
    throw new VersionConflictError(current, expectedVersion);
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

  private async waitActive(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const out = await this.client.send(new DescribeTableCommand({ TableName: this.table }));
      if (out.Table?.TableStatus === 'ACTIVE') return;
      if (Date.now() > deadline) throw new StoreUnavailableError(`DynamoDB table ${this.table} is ${out.Table?.TableStatus ?? 'unknown'}, not ACTIVE`);
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
