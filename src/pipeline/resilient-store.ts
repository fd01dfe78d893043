/**
 * A BookingStore that rides out brief store outages: a SQLite file locked by another process, a
 * DynamoDB table answering 5xx. Such errors are retried with backoff for up to `budgetMs`, so one
 * hiccup inside a run never ends the run (DESIGN "Liveness"). Decisions (VersionConflictError,
 * BookingExistsError, not found) pass straight through: they are answers, not outages.
 */
import type { Logger } from '../log';
import { bookingContextOf } from '../log-context';
import { backoffDelayMs } from './backoff';
import { StoreUnavailableError } from './errors';
import type { BookingStore } from './store';

export interface StoreRetryPolicy {
  /** How long one call keeps retrying (default 60 s). */
  budgetMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_STORE_RETRY: StoreRetryPolicy = { budgetMs: 60_000, baseDelayMs: 50, maxDelayMs: 2000 };

const TRANSIENT_SQLITE = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY', 'SQLITE_LOCKED_SHAREDCACHE']);

/** An outage worth waiting out, as opposed to an answer. */
export function isTransientStoreError(err: unknown): boolean {
  if (err instanceof StoreUnavailableError) return err.transient;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSIENT_SQLITE.has(code);
}

const RESILIENT = Symbol('withStoreRetries');

/**
 * Whose call it is, for the retry warning: the booking its own arguments name (get(id),
 * create(record), put(record, …)) and the step or click at work on that booking (holdBookingContext).
 * Meta keys are not logged: an iCal feed's state is keyed by its URL, which may carry a secret token.
 */
function whose(what: string, args: readonly unknown[]): Record<string, unknown> {
  const [first] = args;
  const id = what === 'get' && typeof first === 'string' ? first : (first as { id?: unknown } | null | undefined)?.id;
  return typeof id === 'string' ? { bookingId: id, ...bookingContextOf(id) } : {};
}

/** Wraps once: a store that already retries is returned as it is (no nested budgets). */
export function withStoreRetries(store: BookingStore, log: Logger, policy: Partial<StoreRetryPolicy> = {}, random: () => number = Math.random): BookingStore {
  if ((store as unknown as Record<symbol, unknown>)[RESILIENT]) return store;
  const p = { ...DEFAULT_STORE_RETRY, ...policy };
  async function retrying<T>(what: string, args: readonly unknown[], call: () => Promise<T>): Promise<T> {
    const startedAt = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        if (!isTransientStoreError(err)) throw err;
        const delayMs = Math.max(10, backoffDelayMs(attempt, p, random));
        if (Date.now() - startedAt + delayMs > p.budgetMs) throw err;
        if (attempt === 1 || attempt % 10 === 0) log.warn({ ...whose(what, args), err, what, attempt, delayMs }, 'state store unavailable; retrying');
        await new Promise((r) => setTimeout(r, delayMs));
      }
    }
  }
  // Every method but ping (health checks want the truth now), close and the call-free newestKnown;
  // a Proxy so methods added to the interface later are covered without touching this file.
  return new Proxy(store, {
    get(target, key, receiver) {
      if (key === RESILIENT) return true;
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function' || key === 'ping' || key === 'close' || key === 'newestKnown' || key === 'constructor') return value;
      const method = value as (...args: unknown[]) => Promise<unknown>;
      return (...args: unknown[]) => retrying(String(key), args, () => method.apply(target, args));
    },
  });
}
