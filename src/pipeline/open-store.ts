/** Picks the store adapter from CHARTER_STORE (already parsed into a StoreLocation by config.ts). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { StoreLocation } from '../config';
import { DynamoBookingStore } from './dynamodb-store';
import { SqliteBookingStore } from './sqlite-store';
import type { BookingStore } from './store';

export interface OpenStoreOptions {
  /** Client for `dynamodb:` locations; one from the environment (AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB) when omitted. */
  dynamodb?: DynamoDBClient;
  /** Create a missing DynamoDB table (sandbox, first start). Default false: production tables are made on purpose. */
  createTable?: boolean;
}

export async function openStore(location: StoreLocation, opts: OpenStoreOptions = {}): Promise<BookingStore> {
  if (location.kind === 'sqlite') return SqliteBookingStore.open(location.path);
  const ownsClient = opts.dynamodb === undefined;
  const store = new DynamoBookingStore({ client: opts.dynamodb ?? new DynamoDBClient({}), table: location.table, ownsClient });
  try {
    await store.ensureTable({ create: opts.createTable ?? false });
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
