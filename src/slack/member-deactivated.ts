/**
 * A member deactivated in Slack (the user_change event, `deleted: true`) who is on the roster of a
 * charter still ahead: the office is told at once, one line in each such booking's ops thread,
 * instead of when the crew step or a reminder next fails to DM them — perhaps a day before check-in.
 *
 * Once per booking and member, however often Slack delivers the event: the line is claimed in the
 * booking record (BookingService.claimReminder, key `deactivated:{user}`) and looked up before it
 * is posted (PostOnce). A line that could not be posted (Slack down past PostOnce's deadline, a
 * crash) keeps its claim without a mark; once the claim lapses the crew reminder task's next tick
 * posts it (retryUnsentDeactivations).
 */
import type { Config } from '../config';
import { cancelOperation } from '../pipeline/operations';
import { deactivatedKey, toldDeactivated } from '../pipeline/reminders';
import type { BookingRecord, BookingState } from '../pipeline/types';
import { mention } from './blocks/format';
import { crewPostMetadata } from './booking-ref';
import { checkInMsOf, type CrewReminderDeps } from './crew-reminders';

/** Bookings whose roster may still sail: awaiting approval, and every upcoming state. */
export const ROSTER_STATES: readonly BookingState[] = ['pending_approval', 'approved', 'running', 'done', 'failed'];

/** The reminders' claim and post machinery (the same claims, the same PostOnce), and a clock. */
export type MemberDeactivatedDeps = Pick<CrewReminderDeps, 'store' | 'service' | 'poster' | 'config' | 'log' | 'owner' | 'claimLeaseMs'> & {
  now: () => number;
  /** After a booking's line is posted and recorded (the record as written): its progress message and Home tabs show the member as deactivated. */
  onTold?: (booking: BookingRecord) => void;
};

/** The bookings whose office should hear that `userId` is gone (pure): on the roster, not declined, check-in ahead, not being cancelled. */
export function bookingsLosing(bookings: readonly BookingRecord[], userId: string, nowMs: number, config: Config): BookingRecord[] {
  return bookings.filter(
    (b) =>
      ROSTER_STATES.includes(b.state) &&
      b.roster.some((m) => m.slackUserId === userId) &&
      b.declines?.[userId] === undefined &&
      cancelOperation(b) === undefined &&
      b.slack.approvalTs !== undefined &&
      !toldDeactivated(b, userId) &&
      checkInMsOf(b, config) > nowMs,
  );
}

/** The ops thread's line: who, on which part of the roster, and what to do. */
export function deactivatedLine(booking: BookingRecord, userId: string): string {
  const role = booking.roster.find((m) => m.slackUserId === userId)?.role === 'captain' ? 'the captain' : 'on the crew';
  const what =
    booking.state === 'pending_approval'
      ? 'Approved as it is, their crew call would reach nobody: approve it and change the crew (Edit), or cancel it and book again with someone else.'
      : 'Crew calls and reminders can no longer reach them. Change the crew (Edit) and approve the change.';
  return `:warning: ${mention(userId)}'s Slack account was deactivated, and they are ${role} of this charter. ${what}`;
}

/** Claims, posts and marks one booking's line; true when this call posted it. */
async function tellOne(deps: MemberDeactivatedDeps, candidate: BookingRecord, userId: string): Promise<boolean> {
  const key = deactivatedKey(userId);
  const log = deps.log.child({ bookingId: candidate.id, userId });
  const { claimed, booking } = await deps.service.claimReminder(candidate.id, key, deps.owner, deps.claimLeaseMs ?? 120_000);
  // Decided again on the claimed record: the crew may have changed meanwhile.
  if (!claimed || bookingsLosing([booking], userId, deps.now(), deps.config).length === 0) return false;
  try {
    await deps.poster.post({
      channel: booking.slack.channel,
      thread_ts: booking.slack.approvalTs!,
      text: deactivatedLine(booking, userId),
      metadata: crewPostMetadata(booking.id, 'crew_reminder', { rev: booking.revision ?? 1, ordinal: key }),
      matchOn: ['booking_id', 'post', 'ordinal'],
      lookUpFirst: true,
      earliestMs: booking.createdAtMs,
      log,
      what: 'member-deactivated line',
    });
  } catch (err) {
    log.warn({ err }, 'could not tell the office a rostered member was deactivated; tried again once the claim lapses (crew reminder task)');
    return false;
  }
  deps.onTold?.(await deps.service.markReminderSent(booking.id, key, deps.owner));
  log.info('office told a rostered member was deactivated');
  return true;
}

/** Tells the office of every charter ahead that `userId` is on; resolves to how many lines this call posted. */
export function memberDeactivatedNotifier(deps: MemberDeactivatedDeps): (userId: string) => Promise<number> {
  return async (userId) => {
    const listed = bookingsLosing(await deps.store.listByStates(ROSTER_STATES), userId, deps.now(), deps.config);
    let posted = 0;
    for (const candidate of listed) if (await tellOne(deps, candidate, userId)) posted += 1;
    return posted;
  };
}

/**
 * Members whose line a delivery claimed and never marked sent (the post failed, the process died),
 * once that claim has lapsed: the key's presence is the proof Slack said they were deactivated.
 */
export function unsentDeactivations(booking: BookingRecord, nowMs: number): string[] {
  return Object.entries(booking.reminders ?? {}).flatMap(([key, state]) =>
    key.startsWith(deactivatedKey('')) && state.sentAtMs === undefined && (state.claimExpiresAtMs ?? 0) <= nowMs ? [key.slice(deactivatedKey('').length)] : [],
  );
}

/**
 * For the crew reminder task's listing: posts the lines whose first attempt failed, so a line is
 * delayed by a Slack outage or a crash, not lost. Resolves to how many it posted.
 */
export function retryUnsentDeactivations(deps: MemberDeactivatedDeps): (bookings: readonly BookingRecord[], nowMs: number) => Promise<number> {
  return async (bookings, nowMs) => {
    let posted = 0;
    for (const booking of bookings) {
      // Checked on the listing first: a member taken off the crew since leaves a key nobody needs, and no write.
      const due = unsentDeactivations(booking, nowMs).filter((userId) => bookingsLosing([booking], userId, nowMs, deps.config).length > 0);
      for (const userId of due) if (await tellOne(deps, booking, userId)) posted += 1;
    }
    return posted;
  };
}
