/**
 * Create-at-most-once against a service that offers lookup by externalId (the dashboard and SCC).
 *
 * A POST that got no clear answer (timeout, reset, 5xx) may still be processed upstream for a
 * while: API Gateway gives up on its integration at 29 s, and the side effect can land at the very
 * end. A lookup that finds nothing during that time proves nothing, so after such a POST we only
 * look up — until `quietMs` after its failure was seen — and POST again only when the quiet time has passed
 * and a lookup still finds nothing. An earlier attempt's POST (a crashed process, an aborted
 * attempt) is covered the same way through `quietUntilMs`, which the runner passes in.
 */
import { IntegrationError, UpstreamUnavailableError } from './errors';

export interface CreateOnceOptions<T> {
  lookup: (signal?: AbortSignal) => Promise<T | undefined>;
  create: (signal?: AbortSignal) => Promise<T>;
  /** True when an earlier attempt may already have created it: look up before any POST. */
  outcomeUnknown: boolean;
  /** An earlier attempt's create may land upstream until then (ms since epoch): look up, don't POST. */
  quietUntilMs?: number;
  /** How long after an unanswered POST failed it may still land (default 35 s: past API Gateway's 29 s). */
  quietMs?: number;
  /** POSTs at most in one call (default 2). */
  maxCreates?: number;
  /** Pause between lookups while waiting out the quiet time (default 1 s). */
  pollMs?: number;
  /** The step attempt's deadline: no POST or lookup starts after it fires. */
  signal?: AbortSignal;
  /** Names the system in the error when the outcome stays unknown. */
  system?: string;
  displayName?: string;
  now?: () => number;
}

export const DEFAULT_CREATE_QUIET_MS = 35_000;

/** Waits `ms`, or less once `signal` aborts (never rejects: callers check with throwIfAborted). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

/** Ambiguous: the request may have been processed (as opposed to refused before it was sent). */
function maybeLanded(err: unknown): boolean {
  return err instanceof UpstreamUnavailableError && err.maybeProcessed;
}

/**
 * Looks up until found or the quiet time is over. Absence counts only from a lookup that started
 * after the quiet time; a failed lookup leaves the outcome unknown.
 */
async function waitOutQuietTime<T>(
  lookup: (signal?: AbortSignal) => Promise<T | undefined>,
  quietUntil: number,
  pollMs: number,
  now: () => number,
  signal: AbortSignal | undefined,
): Promise<{ value?: T; confirmedAbsent: boolean; error?: unknown }> {
  let error: unknown;
  for (;;) {
    throwIfAborted(signal);
    const startedAt = now();
    try {
      const value = await lookup(signal);
      if (value !== undefined) return { value, confirmedAbsent: false };
      if (startedAt >= quietUntil) return { confirmedAbsent: true };
      error = undefined;
    } catch (err) {
      if (!(err instanceof IntegrationError) || !err.retryable) throw err;
      error = err;
      if (startedAt >= quietUntil) return { confirmedAbsent: false, error };
    }
    await sleep(Math.min(pollMs, Math.max(0, quietUntil - now())), signal);
  }
}

/**
 * What an earlier, unanswered create made, for a step that acts on it (a cancel deleting the calendar
 * entry): a lookup that finds nothing before `quietUntilMs` proves nothing — the POST may still land
 * and would be left behind — so it looks again until the quiet time is over. Undefined only when a
 * lookup started after it finds nothing; a lookup failing then is thrown (retryable: outcome unknown).
 */
export async function findSettled<T>(opts: {
  lookup: (signal?: AbortSignal) => Promise<T | undefined>;
  quietUntilMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
  now?: () => number;
}): Promise<T | undefined> {
  const found = await waitOutQuietTime(opts.lookup, opts.quietUntilMs ?? 0, opts.pollMs ?? 1000, opts.now ?? Date.now, opts.signal);
  if (found.value !== undefined || found.confirmedAbsent) return found.value;
  throw found.error;
}

export async function createOnce<T>(opts: CreateOnceOptions<T>): Promise<{ value: T; created: boolean }> {
  const now = opts.now ?? Date.now;
  const quietMs = opts.quietMs ?? DEFAULT_CREATE_QUIET_MS;
  const pollMs = opts.pollMs ?? 1000;
  const maxCreates = opts.maxCreates ?? 2;
  const { signal } = opts;
  let mustLookUp = opts.outcomeUnknown;
  let quietUntil = opts.quietUntilMs ?? 0;
  let lastError: unknown;

  for (let creates = 0; ; ) {
    if (mustLookUp) {
      const found = await waitOutQuietTime(opts.lookup, quietUntil, pollMs, now, signal);
      if (found.value !== undefined) return { value: found.value, created: false };
      if (!found.confirmedAbsent) throw outcomeUnknownError(found.error ?? lastError);
    }
    if (creates >= maxCreates) throw lastError;
    throwIfAborted(signal);
    creates += 1;
    try {
      return { value: await opts.create(signal), created: true };
    } catch (err) {
      if (!maybeLanded(err)) throw err;
      lastError = err;
      mustLookUp = true;
      // Counted from the failure, not from the send: the request left no later than that, so the
      // quiet time can only be longer than needed, never shorter (the runner counts the same way).
      quietUntil = Math.max(quietUntil, now() + quietMs);
    }
  }

  function outcomeUnknownError(cause: unknown): IntegrationError {
    const system = opts.system ?? 'UPSTREAM';
    const name = opts.displayName ?? 'The service';
    return new UpstreamUnavailableError(`${system} create outcome unknown: no answer and no lookup result`, {
      code: `${system}_OUTCOME_UNKNOWN`,
      retryable: true,
      maybeProcessed: true,
      system,
      cause,
      operatorMessage: `${name} did not answer whether the entry was created, and could not be asked — Retry once it is healthy (nothing is created twice).`,
    });
  }
}
