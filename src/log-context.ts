/**
 * Log fields that belong to an AbortSignal: a step attempt's signal carries its bookingId and step.
 * A shared client (the dashboard's and SCC's HTTP clients, whose retries are decided deep inside
 * undici) sees only the request's signal, and finds through it which booking the retry was for.
 */
const fields = new WeakMap<AbortSignal, Record<string, unknown>>();

export function bindLogContext(signal: AbortSignal, context: Record<string, unknown>): void {
  fields.set(signal, context);
}

export function logContextOf(signal: AbortSignal | undefined): Record<string, unknown> {
  return (signal && fields.get(signal)) ?? {};
}
