/** Booking record → Slack messages, with the operator's settings filled in. */
import type { Config } from '../config';
import type { BookingRecord } from '../pipeline/types';
import { approvalMessage, type ApprovalDecision, type SlackMessage } from './blocks/approval';
import { progressMessage } from './blocks/progress';
import { guestUrl } from './context';

export function decisionOf(booking: BookingRecord): ApprovalDecision {
  for (const entry of [...booking.audit].reverse()) {
    if (entry.action === 'approved') return { kind: 'approved', userId: entry.userId, atMs: entry.atMs };
    if (entry.action === 'cancelled') return { kind: 'cancelled', userId: entry.userId, atMs: entry.atMs };
  }
  return { kind: 'pending' };
}

export function renderApproval(booking: BookingRecord, config: Config): SlackMessage {
  return approvalMessage(
    {
      bookingId: booking.id,
      request: booking.request,
      roster: booking.roster,
      costs: booking.costs,
      createdBy: booking.createdBy,
      timezone: config.timezone,
      capacity: config.operator.capacity,
      checkInLeadMinutes: config.rates.checkInLeadMinutes,
      ...(booking.warnings ? { warnings: booking.warnings } : {}),
    },
    decisionOf(booking),
  );
}

export function renderProgress(booking: BookingRecord, config: Config): SlackMessage {
  return progressMessage(booking, { guestUrl: guestUrl(config, booking.id), timezone: config.timezone });
}
