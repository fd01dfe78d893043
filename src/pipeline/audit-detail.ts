/**
 * Details worth keeping in an audit entry. A Retry resets the failed steps' attempts and errors
 * (the new run starts clean), so what failed before the Retry lives on only in the entry's detail.
 */
import { stepState } from './op-steps';
import { activeOperationId } from './operations';
import { failedSteps } from './state-machine';
import type { BookingRecord } from './types';

/** "scc_event failed after 2 attempts: SCC_UNAUTHORIZED — SCC rejected the service key" (one per failed step, `; `-joined). */
export function retryDetail(before: BookingRecord): string | undefined {
  // The operation Retry applies to: the create, or the change/cancel that failed.
  const opId = activeOperationId(before);
  const parts = failedSteps(before, opId).map((step) => {
    const s = stepState(before, opId, step);
    const error = s.error ? `: ${s.error.code} — ${s.error.message}` : '';
    return `${step} failed after ${s.attempts} attempt${s.attempts === 1 ? '' : 's'}${error}`;
  });
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** Adds `detail` to the newest audit entry (the one a transition just appended). */
export function withLastAuditDetail(record: BookingRecord, detail: string | undefined): BookingRecord {
  const last = record.audit.at(-1);
  if (detail === undefined || last === undefined) return record;
  return { ...record, audit: [...record.audit.slice(0, -1), { ...last, detail }] };
}
