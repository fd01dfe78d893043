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
import { reportRetriedFailure } from '../log-context';
import { IntegrationError, UpstreamUnavailableError } from './errors';

export interface CreateOnceOptions<T> {
  lookup: (signal?: AbortSignal) => Promise<T | undefined>;
  create: (signal?: AbortSignal) => Promise<T>;
  /** True when an earlier attempt may already have created it: look up before any POST. */
  outcomeUnknown: boolean;
  /**
   * Whether an earlier attempt may really have created it (a POST that got no clear answer, a crash,
   * a done step re-run), as opposed to one that failed before anything was sent: a lookup that cannot
   * settle the outcome then says so. Wording only — the lookup is decided by `outcomeUnknown`.
   * Defaults to `outcomeUnknown`.
   */
  earlierMayHaveCreated?: boolean;
  /** An earlier attempt's create may land upstream until then (ms since epoch): look up, don't POST. */
  quietUntilMs?: number;
  /** How long after an unanswered POST failed it may still land (default 35 s: past API Gateway's 29 s). */
  quietMs?: number;
  /** POSTs at most in one call (default 2). */
  maxCreates?: number;
  /** Pause between lookups while waiting out the quiet time (default 1 s). */
  pollMs?: number;
  /**
   * The step attempt's deadline: no POST or lookup starts after it fires. Each failed POST or lookup
   * this call goes on past (a 503, a reset) is reported through it (reportRetriedFailure): without
   * that, an attempt that runs out of time after answered errors reads like a service that never answered.
   */
  signal?: AbortSignal;
  /** Names the system in the error when the outcome stays unknown. */
  system?: string;
  displayName?: string;
  /** What a create makes, as operators call it: "entry" (the dashboard's calendar), "event" (SCC). */
  noun?: string;
  now?: () => number;
  /** A clock that never steps (default performance.now): the quiet time is waited out on it. */
  monotonicNow?: () => number;
}

export const DEFAULT_CREATE_QUIET_MS = 35_000;

/**
 * What is left of a quiet time that ends at `quietUntilMs` on the wall clock, as seen at `nowMs`: never
 * more than `quietMs`, the longest one anybody sets. A quiet end that reads further away was written
 * by a clock that ran fast (or ours stepped back since): waiting it out would hold the step, and every
 * Retry, for as long as the clocks disagree. Callers then wait what is left on a monotonic clock, so a
 * wall clock stepping forward mid-wait does not cut the quiet time short either.
 */
export function quietLeftMs(quietUntilMs: number | undefined, nowMs: number, quietMs: number = DEFAULT_CREATE_QUIET_MS): number {
  return Math.min(Math.max(0, (quietUntilMs ?? 0) - nowMs), quietMs);
}

const monotonic = () => performance.now();

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
 * Looks up until found or the quiet time is over (`quietEnd`, on the monotonic clock `mono`). Absence
 * counts only from a lookup that started after the quiet time; a failed lookup leaves the outcome unknown.
 */
async function waitOutQuietTime<T>(
  lookup: (signal?: AbortSignal) => Promise<T | undefined>,
  quietEnd: number,
  pollMs: number,
  mono: () => number,
  signal: AbortSignal | undefined,
): Promise<{ value?: T; confirmedAbsent: boolean; error?: unknown }> {
  let error: unknown;
  for (;;) {
    throwIfAborted(signal);
    const startedAt = mono();
    try {
      const value = await lookup(signal);
      if (value !== undefined) return { value, confirmedAbsent: false };
      if (startedAt >= quietEnd) return { confirmedAbsent: true };
      error = undefined;
    } catch (err) {
      if (!(err instanceof IntegrationError) || !err.retryable) throw err;
      error = err;
      if (startedAt >= quietEnd) return { confirmedAbsent: false, error };
      reportRetriedFailure(signal, err, 'lookup');
    }
    // Timers count whole milliseconds of the event loop's clock and may wake just short of a
    // fractional end: a millisecond more, so the next lookup is the one that starts after it.
    const left = quietEnd - mono();
    await sleep(left <= 0 ? 0 : Math.min(pollMs, Math.ceil(left) + 1), signal);
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
  /** The longest quiet time anybody sets (default 35 s). */
  quietMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
  now?: () => number;
  monotonicNow?: () => number;
}): Promise<T | undefined> {
  const mono = opts.monotonicNow ?? monotonic;
  const quietEnd = mono() + quietLeftMs(opts.quietUntilMs, (opts.now ?? Date.now)(), opts.quietMs);
  const found = await waitOutQuietTime(opts.lookup, quietEnd, opts.pollMs ?? 1000, mono, opts.signal);
  if (found.value !== undefined || found.confirmedAbsent) return found.value;
  throw found.error;
}

export async function createOnce<T>(opts: CreateOnceOptions<T>): Promise<{ value: T; created: boolean }> {
  const now = opts.now ?? Date.now;
  const mono = opts.monotonicNow ?? monotonic;
  const quietMs = opts.quietMs ?? DEFAULT_CREATE_QUIET_MS;
  const pollMs = opts.pollMs ?? 1000;
  const maxCreates = opts.maxCreates ?? 2;
  const { signal } = opts;
  let mustLookUp = opts.outcomeUnknown;
  let quietEnd = mono() + quietLeftMs(opts.quietUntilMs, now(), quietMs);
  let lastError: unknown;

  for (let creates = 0; ; ) {
    if (mustLookUp) {
      const found = await waitOutQuietTime(opts.lookup, quietEnd, pollMs, mono, signal);
      if (found.value !== undefined) return { value: found.value, created: false };
      if (!found.confirmedAbsent) throw lookupFailedError(found.error ?? lastError, lastError !== undefined || (opts.earlierMayHaveCreated ?? opts.outcomeUnknown));
    }
    if (creates >= maxCreates) throw lastError;
    throwIfAborted(signal);
    creates += 1;
    try {
      return { value: await opts.create(signal), created: true };
    } catch (err) {
      if (!maybeLanded(err)) throw err;
      lastError = err;
      reportRetriedFailure(signal, err, 'create');
      mustLookUp = true;
      // Counted from the failure, not from the send: the request left no later than that, so the
      // quiet time can only be longer than needed, never shorter (the runner counts the same way).
      quietEnd = Math.max(quietEnd, mono() + quietMs);
    }
  }

  /**
   * The lookup could not settle whether a create landed. When nothing may have landed (no POST here
   * got an unclear answer, no earlier attempt may have created it), that is just the service failing:
   * its own error, with its fix (unreachable at its URL, say), is what the operator reads, and it
   * carries its own "may have been processed" (false for a refused lookup, so no quiet time follows
   * a GET that never left). Otherwise the outcome is unknown, and the service's error leads.
   */
  function lookupFailedError(cause: unknown, mayHaveCreated: boolean): unknown {
    if (!mayHaveCreated && cause instanceof IntegrationError) return cause;
    const system = opts.system ?? 'UPSTREAM';
    const name = opts.displayName ?? 'The service';
    const noun = opts.noun ?? 'entry';
    const told = cause instanceof IntegrationError ? cause.operatorMessage : undefined;
    // Kept short: the progress message cuts a step's error at 300 characters.
    const unknown = `An earlier request may have created the ${noun}: Retry looks it up first, so nothing is created twice.`;
    return new UpstreamUnavailableError(`${system} create outcome unknown: no answer and no lookup result`, {
      code: `${system}_OUTCOME_UNKNOWN`,
      retryable: true,
      maybeProcessed: true,
      system,
      cause,
      operatorMessage: told ? `${told} ${unknown}` : `${name} did not answer whether the ${noun} was created, and could not be asked — Retry once it is healthy (nothing is created twice).`,
    });
  }
}
