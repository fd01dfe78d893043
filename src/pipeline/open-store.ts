/** Picks the store adapter from CHARTER_STORE (already parsed into a StoreLocation by config.ts). */
/* eslint-disable @typescript-eslint/no-require-imports */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DEFAULT_LIVENESS, type StoreLocation } from '../config';
import { awsCallOptions, type AwsCallLimits } from '../integrations/aws-options';
import type { Logger } from '../log';
import type { BookingStore } from './store';

export interface OpenStoreOptions {
  /** Client for `dynamodb:` locations; one from the environment (AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB) when omitted. */
  dynamodb?: DynamoDBClient;
  /** Create a missing DynamoDB table (sandbox, first start). Default false: production tables are made on purpose. */
  createTable?: boolean;
  /** Where the DynamoDB store reports a table without its listing index. */
  log?: Pick<Logger, 'warn' | 'info'>;
}

/**
 * Each adapter is required only when chosen: a SQLite process never loads the AWS SDK, and a
 * Lambda bundle never needs the native better-sqlite3.
 */
export async function openStore(location: StoreLocation, opts: OpenStoreOptions = {}, limits: AwsCallLimits = DEFAULT_LIVENESS): Promise<BookingStore> {
  if (location.kind === 'sqlite') {
    const { SqliteBookingStore } = require('./sqlite-store') as typeof import('./sqlite-store');
    return SqliteBookingStore.open(location.path);
  }
  const { DynamoBookingStore, DynamoDBClient: Client } = require('./dynamodb-store') as typeof import('./dynamodb-store');
  const ownsClient = opts.dynamodb === undefined;
  const store = new DynamoBookingStore({ client: opts.dynamodb ?? new Client(awsCallOptions(limits)), table: location.table, ownsClient, ...(opts.log ? { log: opts.log } : {}) });
  try {
    await store.ensureTable({ create: opts.createTable ?? false });
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
