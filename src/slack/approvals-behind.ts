/**
 * Which bookings have a message behind them (SlackRefs.approvalUndrawn for the approval message,
 * changeRequestsUndrawn for change requests'), as one meta entry the approval watch reads each tick:
 * booking ids, as it always held, so an entry written before change requests were marked reads the
 * same. Listing every current booking instead would read all of them every minute (a BatchGet
 * of the season ahead on DynamoDB) for what is almost always none.
 * Written only when a redraw fails and when a later one lands, with a compare-and-set, so
 * processes adding and removing at once lose no id. The record's own mark stays the truth: an id
 * listed whose record has no mark is dropped, and a mark whose id was not listed (a store error
 * between the two writes) is still redrawn by the next decision's redraw or a click on its stale buttons.
 */
import type { BookingStore } from '../pipeline/store';

export const APPROVALS_BEHIND_KEY = 'approvals:behind';

/** Compare-and-set rounds before giving up (another writer won each time). */
const CAS_TRIES = 8;

export interface ApprovalsBehind {
  add(bookingId: string): Promise<void>;
  remove(bookingId: string): Promise<void>;
  list(): Promise<string[]>;
}

function parse(value: string | undefined): string[] {
  if (!value) return [];
  try {
    const ids: unknown = JSON.parse(value);
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

export function approvalsBehind(store: Pick<BookingStore, 'getMeta' | 'casMeta'>): ApprovalsBehind {
  const edit = async (change: (ids: string[]) => string[] | undefined): Promise<void> => {
    for (let round = 0; round < CAS_TRIES; round++) {
      const entry = await store.getMeta(APPROVALS_BEHIND_KEY);
      const next = change(parse(entry?.value));
      if (!next) return;
      if (await store.casMeta(APPROVALS_BEHIND_KEY, JSON.stringify(next), entry?.version ?? 0)) return;
    }
    throw new Error(`${APPROVALS_BEHIND_KEY}: another writer won ${CAS_TRIES} times in a row`);
  };
  return {
    add: (id) => edit((ids) => (ids.includes(id) ? undefined : [...ids, id])),
    remove: (id) => edit((ids) => (ids.includes(id) ? ids.filter((x) => x !== id) : undefined)),
    list: async () => parse((await store.getMeta(APPROVALS_BEHIND_KEY))?.value),
  };
}
