/**
 * Bookings whose approval went to an approver's DM before that DM was opened by id (without
 * CHARTER_OPS_CHANNEL, /charter from a DM) hold the approver's user id (U…) as their approval
 * channel, and so may their "still waiting" reminder. Slack posts to a user id but refuses it for
 * chat.update and history reads, so every later edit of those approvals failed: progress, change,
 * cancel, Retry. Wherever a stored channel is about to be used, a user id is resolved to the DM's
 * own id (conversations.open, cached per user) and written back with a compare-and-set, so it
 * happens once per booking, in whichever process gets there first.
 */
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../log';
import { updateWithRetry, type BookingStore } from '../pipeline/store';
import type { BookingRecord, SlackRefs } from '../pipeline/types';
import { isUserId } from './approval-channel';
import { openDm } from './crew-notice';

/** The compare-and-set the booking service offers (BookingApi.updateSlackRefs). */
export interface SlackRefsWriter {
  updateSlackRefs(id: string, mutate: (slack: SlackRefs) => SlackRefs | undefined): Promise<{ written: boolean; booking: BookingRecord }>;
}

/** The same compare-and-set straight on the store, for the periodic tasks that hold no service. */
export function storeSlackRefs(store: BookingStore, now: () => number = Date.now): SlackRefsWriter {
  return {
    updateSlackRefs: async (id, mutate) => {
      const out = await updateWithRetry(store, id, (r) => {
        const slack = mutate(r.slack);
        return slack ? { ...r, slack, updatedAtMs: now() } : undefined;
      });
      return { written: out.written, booking: out.record };
    },
  };
}

export interface ApprovalDmDeps {
  client: WebClient;
  refs: SlackRefsWriter;
  log: Logger;
}

/**
 * The booking as it should be used for Slack calls in its approval channel: unchanged when that is
 * already a conversation id (every booking made since the fix), else with the user ids replaced
 * by their DMs' ids — as stored, so the next reader finds them. A DM Slack will not open (the
 * approver deactivated) throws, as the edit would have failed anyway.
 */
export async function withApprovalDm(deps: ApprovalDmDeps, booking: BookingRecord): Promise<BookingRecord> {
  const { channel, resurfaced } = booking.slack;
  const userIds = [channel, resurfaced?.channel].filter((c): c is string => c !== undefined && isUserId(c));
  if (userIds.length === 0) return booking;
  const dms = new Map<string, string>();
  for (const user of new Set(userIds)) dms.set(user, await openDm(deps.client, user));
  const healed = (c: string) => dms.get(c) ?? c;
  const out = await deps.refs.updateSlackRefs(booking.id, (s) => {
    const next: SlackRefs = { ...s, channel: healed(s.channel), ...(s.resurfaced ? { resurfaced: { ...s.resurfaced, channel: healed(s.resurfaced.channel) } } : {}) };
    // Another process may have healed it first: nothing to write then.
    return next.channel === s.channel && next.resurfaced?.channel === s.resurfaced?.channel ? undefined : next;
  });
  if (out.written) deps.log.info({ bookingId: booking.id, userIds, dms: [...dms.values()] }, 'approval channel stored as a user id: replaced by its DM id');
  return out.booking;
}
