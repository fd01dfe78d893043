/**
 * SQLite adapter: the embedded default. One row per booking (the record as JSON, plus `version`
 * and `state` as columns so compare-and-set and listActive need no JSON parsing). WAL and a busy
 * timeout let two processes share the file; a single UPDATE … WHERE version = ? is the CAS.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { BookingExistsError, BookingNotFoundError, StoreUnavailableError, VersionConflictError } from './errors';
import { isCurrent } from './current-bookings';
import { KnownRecords } from './known-records';
import { ACTIVE_STATES } from './state-machine';
import type { BookingStore, MetaEntry } from './store';
import type { BookingRecord, BookingState } from './types';

/** Ordered migrations; index + 1 is the schema version each one produces. Only ever append. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE bookings (
     id TEXT PRIMARY KEY,
     version INTEGER NOT NULL,
     state TEXT NOT NULL,
     updated_at_ms INTEGER NOT NULL,
     record TEXT NOT NULL
   );
   CREATE INDEX bookings_state ON bookings(state);`,
  // 2: small compare-and-set key/value entries beside the bookings (iCal watcher state, sent notices).
  `CREATE TABLE meta (
     key TEXT PRIMARY KEY,
     version INTEGER NOT NULL,
     value TEXT NOT NULL,
     updated_at_ms INTEGER NOT NULL
   );`,
];

export const SQLITE_SCHEMA_VERSION = MIGRATIONS.length;

export interface SqliteStoreOptions {
  /** How long a writer waits for another process's lock before SQLITE_BUSY. */
  busyTimeoutMs?: number;
}

interface Row {
  record: string;
}

export class SqliteBookingStore implements BookingStore {
  private readonly db: Database.Database;
  /**
   * Statements by SQL, prepared on first use. prepare() compiles the SQL each time (46 calls per
   * booking before this cache); a prepared statement is reusable for the connection's life.
   */
  private readonly statements = new Map<string, Database.Statement>();
  /** What newestKnown answers: another process sharing the file may have written since. */
  private readonly known = new KnownRecords();

  private constructor(db: Database.Database) {
    this.db = db;
  }

  private statement(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  /** Opens (creating the file, its directory and the schema on first start) and migrates. */
  static open(file: string, options: SqliteStoreOptions = {}): SqliteBookingStore {
    let db: Database.Database;
    try {
      if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      db = new Database(file);
    } catch (err) {
      throw new StoreUnavailableError(`Cannot open the SQLite store at ${file}: check the path in CHARTER_STORE and that the directory is writable`, err);
    }
    // Short: better-sqlite3 waits synchronously (blocking the event loop that answers Slack); longer
    // locks are waited out asynchronously by withStoreRetries.
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 100}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    migrate(db);
    return new SqliteBookingStore(db);
  }

  get schemaVersion(): number {
    return readSchemaVersion(this.db);
  }

  async create(record: BookingRecord): Promise<void> {
    const json = JSON.stringify(record);
    const info = this
      .statement('INSERT INTO bookings (id, version, state, updated_at_ms, record) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING')
      .run(record.id, record.version, record.state, record.updatedAtMs, json);
    if (info.changes === 0) throw new BookingExistsError(record.id);
    this.known.remember(record.id, record.version, json, record.state);
  }

  newestKnown(id: string, newerThan?: number): BookingRecord | undefined {
    return this.known.record(id, newerThan);
  }

  async get(id: string): Promise<BookingRecord | undefined> {
    return this.read(id);
  }

  async put(record: BookingRecord, expectedVersion: number): Promise<BookingRecord> {
    const written: BookingRecord = { ...record, version: expectedVersion + 1 };
    const json = JSON.stringify(written);
    // Most writes (a step's progress) keep the state. Naming the indexed column in SET rewrites its
    // index entry all the same: two WAL frames a write instead of one (measured), and twice the
    // checkpoint copying. When the version being replaced is known to hold this state, it is left out.
    const info =
      this.known.stateAt(record.id, expectedVersion) === written.state
        ? this.statement('UPDATE bookings SET version = ?, updated_at_ms = ?, record = ? WHERE id = ? AND version = ?').run(written.version, written.updatedAtMs, json, record.id, expectedVersion)
        : this.statement('UPDATE bookings SET version = ?, state = ?, updated_at_ms = ?, record = ? WHERE id = ? AND version = ?').run(written.version, written.state, written.updatedAtMs, json, record.id, expectedVersion);
    if (info.changes === 1) {
      this.known.remember(written.id, written.version, json, written.state);
      return written;
    }
    const current = this.read(record.id);
    if (!current) throw new BookingNotFoundError(record.id);
    throw new VersionConflictError(current, expectedVersion);
  }

  async listActive(): Promise<BookingRecord[]> {
    return this.listByStates(ACTIVE_STATES);
  }

  async listByStates(states: readonly BookingState[]): Promise<BookingRecord[]> {
    if (states.length === 0) return [];
    const marks = states.map(() => '?').join(', ');
    const rows = this.statement(`SELECT record FROM bookings WHERE state IN (${marks}) ORDER BY updated_at_ms`).all(...states) as Row[];
    return rows.map((r) => JSON.parse(r.record) as BookingRecord);
  }

  /** A local file: reading the finished bookings costs little, so they are read and left out here. */
  async listCurrent(states: readonly BookingState[], nowMs: number): Promise<BookingRecord[]> {
    return (await this.listByStates(states)).filter((r) => isCurrent(r, nowMs));
  }

  async getMeta(key: string): Promise<MetaEntry | undefined> {
    const row = this.statement('SELECT key, value, version FROM meta WHERE key = ?').get(key) as MetaEntry | undefined;
    return row ? { key: row.key, value: row.value, version: row.version } : undefined;
  }

  async casMeta(key: string, value: string, expectedVersion: number): Promise<MetaEntry | undefined> {
    const version = expectedVersion + 1;
    const info =
      expectedVersion === 0
        ? this.statement('INSERT INTO meta (key, version, value, updated_at_ms) VALUES (?, 1, ?, ?) ON CONFLICT(key) DO NOTHING').run(key, value, Date.now())
        : this.statement('UPDATE meta SET version = ?, value = ?, updated_at_ms = ? WHERE key = ? AND version = ?').run(version, value, Date.now(), key, expectedVersion);
    return info.changes === 1 ? { key, value, version } : undefined;
  }

  async ping(): Promise<void> {
    this.statement('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private read(id: string): BookingRecord | undefined {
    const row = this.statement('SELECT record FROM bookings WHERE id = ?').get(id) as Row | undefined;
    if (!row) return undefined;
    const record = JSON.parse(row.record) as BookingRecord;
    this.known.remember(record.id, record.version, row.record, record.state);
    return record;
  }
}

export type SqliteStoreInspection =
  /** No file: `open` would create it, and its directory, empty. `creatable`: the nearest existing directory is writable. */
  | { kind: 'missing'; directory: string; creatable: boolean }
  /** A charter-bot store (or an empty file) at `schemaVersion`; `current` is what `open` migrates it to. */
  | { kind: 'found'; schemaVersion: number; current: number; writable: boolean }
  /** Not a SQLite database, or one of something else. */
  | { kind: 'unreadable'; reason: string };

/**
 * What `open` would find at `file`, without creating, migrating or writing anything (the doctor):
 * the file is opened read-only, and only if it exists.
 */
export function inspectSqliteStore(file: string): SqliteStoreInspection {
  if (file === ':memory:') return { kind: 'found', schemaVersion: MIGRATIONS.length, current: MIGRATIONS.length, writable: true };
  const resolved = path.resolve(file);
  const writable = (p: string) => {
    try {
      fs.accessSync(p, fs.constants.W_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (!fs.existsSync(resolved)) {
    let directory = path.dirname(resolved);
    while (!fs.existsSync(directory) && path.dirname(directory) !== directory) directory = path.dirname(directory);
    return { kind: 'missing', directory, creatable: writable(directory) };
  }
  // A read-only connection to a WAL database creates the -wal and -shm files when they are absent
  // (no process has it open) and cannot remove them on close: those are removed again below.
  const sidecars = [`${resolved}-wal`, `${resolved}-shm`];
  const hadSidecars = sidecars.some((f) => fs.existsSync(f));
  let db: Database.Database | undefined;
  try {
    db = new Database(resolved, { readonly: true, fileMustExist: true });
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
    if (tables.length > 0 && !tables.includes('schema_version')) return { kind: 'unreadable', reason: `a SQLite database of something else (tables: ${tables.slice(0, 5).join(', ')})` };
    const schemaVersion = tables.includes('schema_version') ? readSchemaVersion(db) : 0;
    return { kind: 'found', schemaVersion, current: MIGRATIONS.length, writable: writable(resolved) && writable(path.dirname(resolved)) };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return { kind: 'unreadable', reason: code === 'SQLITE_NOTADB' ? 'not a SQLite database' : String(code ?? (err as Error).name) };
  } finally {
    db?.close();
    if (!hadSidecars && fs.existsSync(sidecars[0] as string) && fs.statSync(sidecars[0] as string).size === 0) {
      for (const f of sidecars) fs.rmSync(f, { force: true });
    }
  }
}

function readSchemaVersion(db: Database.Database): number {
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
  return row.v ?? 0;
}

/** BEGIN IMMEDIATE takes the write lock first, so two processes starting together migrate once. */
function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT NULL)');
  const run = db.transaction(() => {
    const from = readSchemaVersion(db);
    if (from > MIGRATIONS.length) {
      throw new StoreUnavailableError(`The SQLite store is at schema ${from}, newer than this build (${MIGRATIONS.length}): upgrade charter-bot`);
    }
    MIGRATIONS.slice(from).forEach((sql, i) => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_version (version, applied_at_ms) VALUES (?, ?)').run(from + i + 1, Date.now());
    });
  });
  run.immediate();
}
