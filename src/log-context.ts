/**
 * Log fields that belong to the work in hand, for code that logs on behalf of whoever called it.
 *
 * - Through an AbortSignal: a step attempt's signal carries its bookingId and step. A shared client
 *   (the dashboard's and SCC's HTTP clients, whose retries are decided deep inside undici) sees only
 *   the request's signal, and finds through it which booking the retry was for. The attempt also
 *   hears through it of each failure a call went on past (see reportRetriedFailure).
 * - Through the async context: a step's run or a Slack request's listeners run inside
 *   withLogContext, so the state store's retry warnings say which booking, step or click waited,
 *   though the store is shared and its calls carry no such fields.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** What a step's call went on past: a create answered 503 and looked up, a lookup answered 503 and tried again. */
export type RetriedCall = 'create' | 'lookup';

interface Bound {
  fields: Record<string, unknown>;
  onRetriedFailure?: (err: unknown, call: RetriedCall) => void;
}

const bound = new WeakMap<AbortSignal, Bound>();
const current = new AsyncLocalStorage<Record<string, unknown>>();

export function bindLogContext(signal: AbortSignal, context: Record<string, unknown>, onRetriedFailure?: (err: unknown, call: RetriedCall) => void): void {
  bound.set(signal, { fields: context, ...(onRetriedFailure ? { onRetriedFailure } : {}) });
}

export function logContextOf(signal: AbortSignal | undefined): Record<string, unknown> {
  return (signal && bound.get(signal)?.fields) ?? {};
}

/**
 * Tells the step attempt that owns `signal` of a failed call it goes on past, so it is logged with
 * the booking and step, and the attempt's timeout can say what the service last answered.
 */
export function reportRetriedFailure(signal: AbortSignal | undefined, err: unknown, call: RetriedCall): void {
  if (signal) bound.get(signal)?.onRetriedFailure?.(err, call);
}

/** Runs `work` with `fields` added to the context's (a step inside a booking's run keeps its bookingId). */
export function withLogContext<T>(fields: Record<string, unknown>, work: () => T): T {
  return current.run({ ...current.getStore(), ...fields }, work);
}

export function currentLogContext(): Record<string, unknown> {
  return current.getStore() ?? {};
}
