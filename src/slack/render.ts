/** Booking record → Slack messages, with the operator's settings filled in. */
import { charterTimeSettings, type Config } from '../config';
import { charterInstants, isExpired, retryClosedAt } from '../pipeline/approval-policy';
import type { BookingRecord } from '../pipeline/types';
import { approvalMessage, type ApprovalDecision, type SlackMessage } from './blocks/approval';
import { progressMessage } from './blocks/progress';
import { guestUrl } from './context';

/**
 * What the approval message shows. With `expiry`, a booking still pending after its departure
 * reads as expired (its buttons go); without it, only the audit trail decides.
 */
export function decisionOf(booking: BookingRecord, expiry?: { nowMs: number; config: Config }): ApprovalDecision {
  for (const entry of [...booking.audit].reverse()) {
    if (entry.action === 'approved') return { kind: 'approved', userId: entry.userId, atMs: entry.atMs };
    if (entry.action === 'cancelled') return { kind: 'cancelled', userId: entry.userId, atMs: entry.atMs };
  }
  if (expiry && booking.state === 'pending_approval') {
    const { departureAtMs } = charterInstants(booking.request, { timezone: expiry.config.timezone, checkInLeadMinutes: expiry.config.rates.checkInLeadMinutes });
    if (isExpired(departureAtMs, expiry.nowMs)) return { kind: 'expired', departureAtMs };
  }
  return { kind: 'pending' };
}

/** `nowMs` lets an expired pending approval render as expired (pass it wherever a clock is at hand). */
export function renderApproval(booking: BookingRecord, config: Config, nowMs?: number): SlackMessage {
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
      requireSecondApprover: config.slack.requireSecondApprover,
    },
    decisionOf(booking, nowMs === undefined ? undefined : { nowMs, config }),
  );
}

/** `nowMs`: a failed booking whose trip has left shows no Retry (the service would refuse it). */
export function renderProgress(booking: BookingRecord, config: Config, nowMs: number): SlackMessage {
  const retryClosedAtMs = booking.state === 'failed' ? retryClosedAt(booking, charterTimeSettings(config), nowMs) : undefined;
  return progressMessage(booking, { guestUrl: guestUrl(config, booking.id), timezone: config.timezone, ...(retryClosedAtMs !== undefined ? { retryClosedAtMs } : {}) });
}
