/**
 * What an approver's Cancel reply says the cancel is undoing: only what the set-up (or a change) may
 * have made. A set-up that failed before calling the crew has no crew post, and a reply naming one
 * would have the office believe the crew were reached.
 */
import { cancelOperation, planCancelSteps } from '../pipeline/operations';
import type { AnyStepName, BookingRecord } from '../pipeline/types';
import { callsMayBeUnsaved } from './crew-call-reached';
import { crewPostsOf } from './crew-notice';

const UNDOES: Partial<Record<AnyStepName, string>> = {
  calendar_delete: 'the calendar entry',
  scc_cancel: 'the SCC event',
  guest_page: 'the guest page',
};

function listed(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** "the calendar entry, the SCC event and the crew posts are being updated", or what stands in for it. */
export function cancelUndoesText(booking: BookingRecord): string {
  const planned = cancelOperation(booking)?.steps;
  // The cancel plans its steps when it starts; until then, what it will plan from the record as it is.
  const steps = planned ? (Object.keys(planned) as AnyStepName[]) : planCancelSteps(booking);
  const items = steps.flatMap((s) => UNDOES[s] ?? []);
  // Its crew step runs for crew posts (found even unsaved), or, with none, to DM whoever answered.
  const crewPosts = steps.includes('crew_notice') && (crewPostsOf(booking, undefined, { offRoster: true }).length > 0 || callsMayBeUnsaved(booking));
  if (crewPosts) items.push('the crew posts');
  const crewTold = steps.includes('crew_notice') && !crewPosts ? 'the crew who answered are told by DM' : '';
  if (items.length === 0) return crewTold || 'nothing had been made yet, so there is nothing to undo';
  return `${listed(items)} ${items.length === 1 ? 'is' : 'are'} being updated${crewTold ? `, and ${crewTold}` : ''}`;
}
