/**
 * The crew reminder PeriodicTask: every tick, for each booking that may need it, send the reminders
 * that are due (src/pipeline/reminders.ts), then post any deactivated-member line a delivery owed
 * and did not post (retryDeactivated, src/slack/member-deactivated.ts). Each reminder is claimed in
 * the store with a compare-and-set before it is sent and marked sent after, so it goes once
 * however many processes tick at the same moment, and a restart does not send it again. A process
 * that dies between its claim and the send leaves a claim that expires after `claimLeaseMs`;
 * another process then sends it. Each reminder carries metadata naming booking and reminder, and goes through PostOnce: before
 * it is sent it is looked up (from the moment it fell due), so a process that died after Slack took
 * the message but before the mark — or a post whose answer was lost — does not send it twice.
 */
import type { WebClient } from '@slack/web-api';
import type { CrewSafeView } from '../booking/crew-safe';
import { charterSchedule } from '../booking/time';
import type { Config } from '../config';
import type { Logger } from '../log';
import type { PeriodicTask } from '../pipeline/periodic';
import { dueReminders, ROSTER_STATES, toldDeactivated, type DueReminder } from '../pipeline/reminders';
import type { BookingService } from '../pipeline/service';
import type { BookingStore } from '../pipeline/store';
import type { BookingRecord } from '../pipeline/types';
import { withApprovalDm } from './approval-dm';
import { crewMessage } from './blocks/crew';
import { mention } from './blocks/format';
import { crewPostMetadata } from './booking-ref';
import { callPostShowsCurrent, crewAnswersOf, crewSafeViewOf, openDm } from './crew-notice';
import { unreachableUserReason } from './slack-errors';
import type { PostOnce } from './post-once';

export interface CrewReminderDeps {
  store: Pick<BookingStore, 'listCurrent'>;
  service: Pick<BookingService, 'claimReminder' | 'markReminderSent' | 'updateSlackRefs'>;
  client: WebClient;
  /** Sends each reminder once: looked up first (a claim that expired may have sent it), never retried blind. */
  poster: PostOnce;
  config: Config;
  log: Logger;
  /** This process, as written into claims. */
  owner: string;
  /** How often a long-lived process looks (default 60 s). */
  everyMs?: number;
  /** How long a claim blocks other processes before it counts as abandoned (default 2 min). */
  claimLeaseMs?: number;
  /** Given each tick's listing: posts the deactivated-member lines a delivery owed and did not post (src/slack/member-deactivated.ts). */
  retryDeactivated?: (bookings: readonly BookingRecord[], nowMs: number) => Promise<number>;
}

export function checkInMsOf(booking: BookingRecord, config: Config): number {
  return charterSchedule(booking.request, config.timezone, config.rates.checkInLeadMinutes).checkIn.toMillis();
}

/**
 * A DM reminder sent at `sentAtMs`, drawn again with the call and answers as they stand: a change
 * that brings it back under a call revision it did not carry redraws it (crew-lifecycle.ts).
 */
export function reminderRedrawn(booking: BookingRecord, config: Config, userId: string, sentAtMs: number) {
  const hoursLeft = Math.max(1, Math.round((checkInMsOf(booking, config) - sentAtMs) / 3_600_000));
  return crewMessage(crewSafeViewOf(booking, config), crewAnswersOf(booking), { recipient: userId, reminder: { hoursLeft } });
}

const postShowsCurrentOf = (booking: BookingRecord, config: Config) => (userId: string) => callPostShowsCurrent(booking, config, userId);

export function crewReminderTask(deps: CrewReminderDeps): PeriodicTask {
  const leaseMs = deps.claimLeaseMs ?? 120_000;
  return {
    name: 'crew-reminders',
    everyMs: deps.everyMs ?? 60_000,
    async run(nowMs) {
      // Awaiting approval too: a deactivated-member line may be owed there (retryDeactivated).
      const bookings = await deps.store.listCurrent(ROSTER_STATES, nowMs);
      for (const listed of bookings) {
        const checkInMs = checkInMsOf(listed, deps.config);
        for (const reminder of dueReminders(listed, checkInMs, nowMs, postShowsCurrentOf(listed, deps.config))) {
          const { claimed, booking } = await deps.service.claimReminder(listed.id, reminder.key, deps.owner, leaseMs);
          if (!claimed) continue;
          // Decided again on the record we claimed: someone may have confirmed, or the booking been cancelled.
          if (!dueReminders(booking, checkInMs, nowMs, postShowsCurrentOf(booking, deps.config)).some((r) => r.key === reminder.key)) continue;
          const log = deps.log.child({ bookingId: booking.id, reminder: reminder.key });
          let undelivered: string | undefined;
          let post: { channel: string; ts: string } | undefined;
          try {
            post = await send(deps, booking, reminder, checkInMs, nowMs, log);
          } catch (err) {
            const why = reminder.userId ? unreachableUserReason(err) : undefined;
            if (!why || !reminder.userId) {
              log.warn({ err }, 'crew reminder not sent; the claim expires and it is tried again');
              continue;
            }
            // Slack will not DM them (deactivated, a bot): trying again until check-in changes
            // nothing, so the office is told once, in the thread, and the reminder is settled.
            try {
              await tellOfficeUnreachable(deps, booking, reminder, why.reason, log);
            } catch (tellErr) {
              log.warn({ err: tellErr }, 'could not tell the office a crew reminder cannot reach its member; tried again');
              continue;
            }
            undelivered = why.slackCode;
          }
          await deps.service.markReminderSent(booking.id, reminder.key, deps.owner, undelivered, post);
          if (undelivered) log.warn({ slackCode: undelivered }, 'crew reminder cannot reach its member; the office was told');
          else log.info('crew reminder sent');
        }
      }
      await deps.retryDeactivated?.(bookings, nowMs);
    },
  };
}

/** Sends one reminder; a DM reminder's message is returned, to be saved with its mark (a change or cancel redraws it). */
async function send(deps: CrewReminderDeps, booking: BookingRecord, reminder: DueReminder, checkInMs: number, nowMs: number, log: Logger): Promise<{ channel: string; ts: string } | undefined> {
  const { client, config } = deps;
  const view = crewSafeViewOf(booking, config);
  // The hours actually left: a reminder sent late (a call made inside the window, a process back
  // from downtime, a decline on the morning of the trip) says so.
  const hoursLeft = Math.max(1, Math.round((checkInMs - nowMs) / 3_600_000));
  // Always looked up first: a claim that expired may have been its holder's after it sent the reminder.
  const once = { lookUpFirst: true, earliestMs: checkInMs - reminder.hoursBefore * 3_600_000, log, metadata: crewPostMetadata(booking.id, 'crew_reminder', { rev: booking.revision ?? 1, ordinal: reminder.key }), matchOn: ['booking_id', 'post', 'ordinal'], what: 'crew reminder' };
  if (reminder.userId) {
    // Opened afresh, not the crew call's saved channel: Slack takes a post into the DM of someone
    // deactivated since, and only conversations.open says so (user_disabled). Reminders are few.
    const channel = await openDm(client, reminder.userId, { maxAgeMs: 0 });
    const message = crewMessage(view, crewAnswersOf(booking), { recipient: reminder.userId, reminder: { hoursLeft } });
    const { ts } = await deps.poster.post({ channel, text: message.text, blocks: message.blocks, ...once });
    return { channel, ts };
  }
  const threadTs = booking.slack.approvalTs;
  if (!threadTs) return undefined;
  const gone = booking.roster.filter((m) => toldDeactivated(booking, m.slackUserId));
  const notConfirmed = booking.roster.filter((m) => booking.confirmations[m.slackUserId] === undefined && !gone.includes(m));
  const waiting = notConfirmed.filter((m) => !booking.declines?.[m.slackUserId]).map((m) => mention(m.slackUserId));
  const declined = notConfirmed.filter((m) => booking.declines?.[m.slackUserId]).map((m) => mention(m.slackUserId));
  const parts = [
    waiting.length ? `not confirmed yet: ${waiting.join(', ')}` : '',
    declined.length ? `can't make it: ${declined.join(', ')}` : '',
    gone.length ? `Slack account deactivated: ${gone.map((m) => mention(m.slackUserId)).join(', ')}` : '',
  ].filter(Boolean);
  const { channel } = (await withApprovalDm({ client, refs: deps.service, log }, booking)).slack;
  await deps.poster.post({ channel, thread_ts: threadTs, text: opsReminderText(view, parts, hoursLeft), ...once });
  return undefined;
}

/** One line in the ops thread: the reminder cannot reach this member, and what to do. Posted once (looked up first). */
async function tellOfficeUnreachable(deps: CrewReminderDeps, booking: BookingRecord, reminder: DueReminder, reason: string, log: Logger): Promise<void> {
  const threadTs = booking.slack.approvalTs;
  if (!threadTs || !reminder.userId) return;
  const text = `:warning: The ${reminder.hoursBefore} h crew reminder cannot reach ${mention(reminder.userId)}: ${reason}. Change the crew (Edit) and approve the change, or reach them another way.`;
  const metadata = crewPostMetadata(booking.id, 'crew_reminder', { rev: booking.revision ?? 1, ordinal: `unreachable:${reminder.key}` });
  const { channel } = (await withApprovalDm({ client: deps.client, refs: deps.service, log }, booking)).slack;
  await deps.poster.post({ channel, thread_ts: threadTs, text, lookUpFirst: true, earliestMs: booking.createdAtMs, log, metadata, matchOn: ['booking_id', 'post', 'ordinal'], what: 'unreachable-reminder line' });
}

/**
 * The ops thread's 24 h warning, with the hours actually left (`hoursLeft`, rounded). The date in
 * it is check-in's own, not departure's: they differ for an early-morning departure. The date goes
 * first, as in the re-surfaced approval: a small-hours check-in's time already carries "(Thu night)".
 */
export function opsReminderText(view: Pick<CrewSafeView, 'checkIn' | 'dateText'>, parts: readonly string[], hoursLeft: number): string {
  const checkIn = view.checkIn.onPreviousDay ? view.checkIn.text : `${view.dateText}, ${view.checkIn.text}`;
  return `:warning: Check-in ${checkIn} is about ${hoursLeft} h away — ${parts.join('; ')}`;
}
