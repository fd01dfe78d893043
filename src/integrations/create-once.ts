/**
 * Create-at-most-once against a service that offers lookup by externalId (the dashboard and SCC).
 * A create whose outcome is unknown (an earlier attempt crashed, a 5xx or a reset after sending)
 * is followed by a lookup, never by a blind second POST.
 */
import { UpstreamUnavailableError } from './errors';

export interface CreateOnceOptions<T> {
  lookup: () => Promise<T | undefined>;
  create: () => Promise<T>;
  /** True when an earlier attempt may already have created it. */
  outcomeUnknown: boolean;
  /** POSTs at most (default 3). */
  maxCreates?: number;
  /** Pause before looking up after an ambiguous failure (default 100 ms). */
  pauseMs?: number;
}

export async function createOnce<T>(opts: CreateOnceOptions<T>): Promise<{ value: T; created: boolean }> {
  const maxCreates = opts.maxCreates ?? 3;
  let unknown = opts.outcomeUnknown;
  for (let creates = 1; ; creates++) {
    if (unknown) {
      const found = await opts.lookup();
      if (found !== undefined) return { value: found, created: false };
    }
    try {
      return { value: await opts.create(), created: true };
    } catch (err) {
      if (!(err instanceof UpstreamUnavailableError) || !err.maybeProcessed || creates >= maxCreates) throw err;
      unknown = true;
      await new Promise((r) => setTimeout(r, opts.pauseMs ?? 100));
    }
  }
}
