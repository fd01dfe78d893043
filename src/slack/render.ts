/** Booking record → Slack messages, with the operator's settings filled in. */
import { charterTimeSettings, type Config } from '../config';
import { charterInstants, isExpired, retryClosedAt } from '../pipeline/approval-policy';
import { operationsOf } from '../pipeline/operations';
import type { BookingRecord, Operation } from '../pipeline/types';
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

/**
 * The changes whose details became the booking's (started, whatever came of their steps), oldest
 * first. A superseded change did too, until the one replacing it.
 */
function appliedChanges(booking: BookingRecord): (Operation & { approvedBy: string; approvedAtMs: number })[] {
  return operationsOf(booking).filter((o): o is Operation & { approvedBy: string; approvedAtMs: number } => o.kind === 'change' && o.startedAtMs !== undefined && o.approvedBy !== undefined && o.approvedAtMs !== undefined);
}

/**
 * `nowMs` lets an expired pending approval render as expired (pass it wherever a clock is at hand).
 * After a change, the message shows the booking as it now is and names the changes; the warnings
 * are the latest change's (found for its details), since intake's were about the old ones.
 */
export function renderApproval(booking: BookingRecord, config: Config, nowMs?: number): SlackMessage {
  const changes = appliedChanges(booking);
  const warnings = changes.length > 0 ? changes.at(-1)!.warnings : booking.warnings;
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
      ...(warnings ? { warnings } : {}),
      requireSecondApprover: config.slack.requireSecondApprover,
      ...(changes.length > 0 ? { changes: changes.map((c) => ({ label: c.label ?? 'change', approvedBy: c.approvedBy, approvedAtMs: c.approvedAtMs })) } : {}),
    },
    decisionOf(booking, nowMs === undefined ? undefined : { nowMs, config }),
  );
}

/** `nowMs`: a failed booking whose trip has left shows no Retry (the service would refuse it). */
export function renderProgress(booking: BookingRecord, config: Config, nowMs: number): SlackMessage {
  const retryClosedAtMs = booking.state === 'failed' ? retryClosedAt(booking, charterTimeSettings(config), nowMs) : undefined;
  return progressMessage(booking, { guestUrl: guestUrl(config, booking.id), timezone: config.timezone, ...(retryClosedAtMs !== undefined ? { retryClosedAtMs } : {}) });
}
