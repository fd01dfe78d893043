/**
 * Log fields that belong to the work in hand, for shared code that logs on behalf of its caller.
 *
 * - Through an AbortSignal: a step attempt's signal carries its bookingId and step. A shared client
 *   (the dashboard's and SCC's HTTP clients, whose retries are decided deep inside undici) sees only
 *   the request's signal, and finds through it which booking the retry was for. The attempt also
 *   hears through it of each failure a call went on past (see reportRetriedFailure).
 * - Through the booking: a running step or a click being handled holds its fields under its booking
 *   (holdBookingContext), so the state store's retry warning for a call about that booking says which
 *   step or click waited, though the store's calls carry no such fields. Not an AsyncLocalStorage: on
 *   Node 20 and 22 it hooks every promise (3× the CPU of a bare await loop, measured), on a hot path.
 */

/** What a step's call went on past: a create answered 503 and looked up, a lookup answered 503 and tried again. */
export type RetriedCall = 'create' | 'lookup';

interface Bound {
  fields: Record<string, unknown>;
  onRetriedFailure?: (err: unknown, call: RetriedCall) => void;
}

const bound = new WeakMap<AbortSignal, Bound>();
const holders = new Map<string, Set<Record<string, unknown>>>();

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

/** `fields` (the step, the click) stand for work on `bookingId` until the returned release is called. */
export function holdBookingContext(bookingId: string, fields: Record<string, unknown>): () => void {
  const held = holders.get(bookingId) ?? new Set();
  holders.set(bookingId, held);
  const entry = { ...fields };
  held.add(entry);
  return () => {
    held.delete(entry);
    if (held.size === 0 && holders.get(bookingId) === held) holders.delete(bookingId);
  };
}

/**
 * What is at work on `bookingId`: the one holder's fields, or all of them under `waiting` (steps run
 * side by side, and their writes of the booking go out together).
 */
export function bookingContextOf(bookingId: string): Record<string, unknown> {
  const held = [...(holders.get(bookingId) ?? [])];
  if (held.length === 0) return {};
  return held.length === 1 ? { ...held[0] } : { waiting: held };
}
