/**
 * A change request's message (posted in the booking's thread with Approve change / Reject) as the
 * booking now stands: drawn when it is posted, decided, replaced or dropped by a cancel, and by the
 * approval watch when such a redraw failed (approval-redraw.ts).
 */
import type { WebClient } from '@slack/web-api';
import { charterTimeSettings, type Config } from '../config';
import type { Logger } from '../log';
import { operationsOf } from '../pipeline/operations';
import type { BookingRecord } from '../pipeline/types';
import { withApprovalDm, type SlackRefsWriter } from './approval-dm';
import { changeRequestMessage } from './blocks/lifecycle';
import type { SlackMessage } from './blocks/approval';

/**
 * What the request `opId` shows for `booking`; undefined for an operation it no longer has. A
 * compacted change has no diff left but keeps its verdict (status, who, when), which is what a
 * redraw healing a message left with its buttons must draw: skipped, it counted as drawn and the
 * buttons stayed for good.
 */
export function changeRequestShown(booking: BookingRecord, opId: string, config: Config): SlackMessage | undefined {
  const op = operationsOf(booking).find((o) => o.id === opId);
  if (!op) return undefined;
  // The diff is against the details before this change: the previous change's details, or the booking's.
  const from = op.previous ?? { request: booking.request, roster: booking.roster, costs: booking.costs };
  return changeRequestMessage({ bookingId: booking.id, op, from, settings: charterTimeSettings(config), requireSecondApprover: config.slack.requireSecondApprover });
}

/** Redraws the posted request `opId` as `stored` now stands; nothing when it was never posted or has nothing left to draw. Throws what Slack answered. */
export async function redrawChangeRequest(client: WebClient, refs: SlackRefsWriter, config: Config, stored: BookingRecord, opId: string, log: Logger): Promise<void> {
  const requestTs = operationsOf(stored).find((o) => o.id === opId)?.requestTs;
  if (!requestTs) return;
  const message = changeRequestShown(stored, opId, config);
  if (!message) return;
  const booking = await withApprovalDm({ client, refs, log }, stored);
  await client.chat.update({ channel: booking.slack.channel, ts: requestTs, text: message.text, blocks: message.blocks });
}
