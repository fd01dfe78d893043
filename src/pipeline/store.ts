/**
 * The booking store: one small interface, two adapters (sqlite-store.ts, dynamodb-store.ts),
 * one contract test suite. Every write is a compare-and-set on `version`, so concurrent writers
 * across processes never overwrite each other: the loser gets the current record and decides again.
 */
import { randomBytes } from 'node:crypto';
import { ContentionError, VersionConflictError, BookingNotFoundError } from './errors';
import type { BookingRecord, BookingState } from './types';

export interface GetOptions {
  /** Strongly consistent read (default true; DynamoDB reads are eventually consistent otherwise). */
  consistent?: boolean;
}

/** A small key/value entry beside the bookings (iCal feed state, notices already sent). */
export interface MetaEntry {
  key: string;
  value: string;
  /** 1 for a new entry, +1 on every write. */
  version: number;
}

export interface BookingStore {
  /** Stores a new record as given (its `version`, normally 1). BookingExistsError if the id is taken. */
  create(record: BookingRecord): Promise<void>;
  get(id: string, opts?: GetOptions): Promise<BookingRecord | undefined>;
  /**
   * Writes `record` as version `expectedVersion + 1` if the stored version is `expectedVersion`,
   * and returns what was written. VersionConflictError (carrying the current record) on mismatch;
   * BookingNotFoundError if the record does not exist.
   */
  put(record: BookingRecord, expectedVersion: number): Promise<BookingRecord>;
  /**
   * The newest record of `id` this process has seen stored, without a call: possibly stale, since
   * another process may have written since. Only ever the starting point of a compare-and-set,
   * which refuses it if it is stale. Optional: a store whose reads cost little need not keep one.
   * With `newerThan`, undefined unless what is known is newer than that version (nothing parsed).
   */
  newestKnown?(id: string, newerThan?: number): BookingRecord | undefined;
  /** Bookings in `approved` or `running`: what a restarted runner resumes. */
  listActive(): Promise<BookingRecord[]>;
  /**
   * Every booking in one of `states` ever made, oldest update first (on DynamoDB a Scan of the whole
   * table): for what must see past bookings too — the approval's duplicate-reference and conflict
   * checks, the iCal watcher matching a feed's events. Callers filter by date in memory.
   */
  listByStates(states: readonly BookingState[]): Promise<BookingRecord[]>;
  /**
   * listByStates without the bookings no clock-driven task needs at `nowMs` any more: finished
   * (done, cancelled) and two days past their charter (current-bookings.ts). What the sweeper,
   * reminders, the approval watch and App Home list every few seconds or every minute; the
   * DynamoDB store reads them from a sparse index instead of the whole table. `nowMs` only moves
   * forward: a booking left out once is listed again only after its next write makes it current.
   */
  listCurrent(states: readonly BookingState[], nowMs: number): Promise<BookingRecord[]>;
  /** A meta entry, read strongly consistent. */
  getMeta(key: string): Promise<MetaEntry | undefined>;
  /**
   * Compare-and-set on a meta entry: writes `value` as version `expectedVersion + 1` when the stored
   * version is `expectedVersion` (0 = the key must not exist yet). Returns the written entry, or
   * undefined when another writer got there first — exactly one of several racing writers wins.
   */
  casMeta(key: string, value: string, expectedVersion: number): Promise<MetaEntry | undefined>;
  /** Cheap round trip proving the store is reachable (doctor, health checks). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** What a mutation decides after reading the latest record: a new record, or `undefined` to stop. */
export type Mutation = (current: BookingRecord) => BookingRecord | undefined;

export interface UpdateResult {
  /** The record as stored after the call: the written one, or the current one when the mutation declined. */
  record: BookingRecord;
  written: boolean;
}

export const DEFAULT_MAX_CAS_ATTEMPTS = 50;

/**
 * A meta entry's read, change and compare-and-set, again from a fresh read while another writer
 * wins. `mutate` gets the stored value (undefined when there is none) and returns the new one, or
 * undefined to write nothing. Throws after `maxAttempts` lost races.
 */
export async function updateMeta(store: Pick<BookingStore, 'getMeta' | 'casMeta'>, key: string, mutate: (value: string | undefined) => string | undefined, maxAttempts: number): Promise<void> {
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const entry = await store.getMeta(key);
    const next = mutate(entry?.value);
    if (next === undefined) return;
    if (await store.casMeta(key, next, entry?.version ?? 0)) return;
  }
  throw new Error(`${key}: ${maxAttempts} compare-and-sets lost in a row`);
}

export interface UpdateOptions {
  /** Compare-and-set attempts before ContentionError (default 50). */
  maxAttempts?: number;
  /**
   * The newest record the caller already holds (default: the store's `newestKnown`): the first
   * attempt decides on it instead of reading.
   * If it is stale the write is refused with the current record (a conflict is no dearer than the
   * read it replaces), so the outcome is the same as reading first.
   */
  current?: BookingRecord;
}

/** Unique per process (random) and per write (a counter): no two writes anywhere share one. */
const processNonce = randomBytes(6).toString('base64url');
let writeCount = 0;

/**
 * The write was refused because it had already landed: its answer was lost (a reset, or a timeout
 * as the store answered) and the client's or withStoreRetries' retry of it met the version it had
 * itself moved. Calling that a conflict would tell the caller its change was not written, so a
 * booking's end would go unannounced. The token, not the content, decides: two processes that
 * compute the same next record (both re-surfacing a pending approval at one tick) write equal
 * records, and only one of them won.
 */
function landed(stored: BookingRecord, attempted: BookingRecord, expectedVersion: number): boolean {
  return stored.version === expectedVersion + 1 && stored.writeToken !== undefined && stored.writeToken === attempted.writeToken;
}

/**
 * Read-modify-write under compare-and-set. The mutation is re-run against the winner's record on
 * every conflict, so it must be a pure decision on its input. BookingNotFoundError if missing.
 */
export async function updateWithRetry(store: BookingStore, id: string, mutate: Mutation, options: UpdateOptions = {}): Promise<UpdateResult> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_CAS_ATTEMPTS;
  const known = options.current ?? store.newestKnown?.(id);
  let fresh = known === undefined;
  let current = known ?? (await store.get(id));
  let conflicts = 0;
  for (;;) {
    if (!current) throw new BookingNotFoundError(id);
    const next = mutate(current);
    if (next === undefined) {
      // Declining on a record that may be stale is no answer: decide again on the stored one.
      if (fresh) return { record: current, written: false };
      current = await store.get(id);
      fresh = true;
      continue;
    }
    const attempt: BookingRecord = { ...next, writeToken: `${processNonce}.${(writeCount += 1)}` };
    try {
      return { record: await store.put(attempt, current.version), written: true };
    } catch (err) {
      if (!(err instanceof VersionConflictError)) throw err;
      if (landed(err.current, attempt, current.version)) return { record: err.current, written: true };
      if (++conflicts >= maxAttempts) throw new ContentionError(id, maxAttempts);
      current = err.current;
      fresh = true;
    }
  }
}
