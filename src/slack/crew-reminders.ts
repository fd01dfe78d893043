/**
 * The crew reminder PeriodicTask: every tick, for each booking that may need it, send the reminders
 * that are due (src/pipeline/reminders.ts). Each reminder is claimed in the store with a
 * compare-and-set before it is sent and marked sent after, so it goes once however many processes
 * tick at the same moment, and a restart does not send it again. A process that dies between its
 * claim and the send leaves a claim that expires after `claimLeaseMs`; another process then sends
 * it. (Dying after Slack accepted the message but before the mark is the one window where a
 * reminder can go twice; nothing in Slack's API lets us close it.)
 */
import type { WebClient } from '@slack/web-api';
import type { CrewSafeView } from '../booking/crew-safe';
import { charterSchedule } from '../booking/time';
import type { Config } from '../config';
import type { Logger } from '../log';
import type { PeriodicTask } from '../pipeline/periodic';
import { dueReminders, REMINDABLE_STATES, type DueReminder } from '../pipeline/reminders';
import type { BookingService } from '../pipeline/service';
import type { BookingStore } from '../pipeline/store';
import type { BookingRecord } from '../pipeline/types';
import { crewMessage } from './blocks/crew';
import { mention } from './blocks/format';
import { crewAnswersOf, crewSafeViewOf, openDm } from './crew-notice';

export interface CrewReminderDeps {
  store: Pick<BookingStore, 'listByStates'>;
  service: Pick<BookingService, 'claimReminder' | 'markReminderSent'>;
  client: WebClient;
  config: Config;
  log: Logger;
  /** This process, as written into claims. */
  owner: string;
  /** How often a long-lived process looks (default 60 s). */
  everyMs?: number;
  /** How long a claim blocks other processes before it counts as abandoned (default 2 min). */
  claimLeaseMs?: number;
}

export function checkInMsOf(booking: BookingRecord, config: Config): number {
  return charterSchedule(booking.request, config.timezone, config.rates.checkInLeadMinutes).checkIn.toMillis();
}

export function crewReminderTask(deps: CrewReminderDeps): PeriodicTask {
  const leaseMs = deps.claimLeaseMs ?? 120_000;
  return {
    name: 'crew-reminders',
    everyMs: deps.everyMs ?? 60_000,
    async run(nowMs) {
      const bookings = await deps.store.listByStates(REMINDABLE_STATES);
      for (const listed of bookings) {
        const checkInMs = checkInMsOf(listed, deps.config);
        for (const reminder of dueReminders(listed, checkInMs, nowMs)) {
          const { claimed, booking } = await deps.service.claimReminder(listed.id, reminder.key, deps.owner, leaseMs);
          if (!claimed) continue;
          // Decided again on the record we claimed: someone may have confirmed, or the booking been cancelled.
          if (!dueReminders(booking, checkInMs, nowMs).some((r) => r.key === reminder.key)) continue;
          const log = deps.log.child({ bookingId: booking.id, reminder: reminder.key });
          try {
            await send(deps, booking, reminder);
          } catch (err) {
            log.warn({ err }, 'crew reminder not sent; the claim expires and it is tried again');
            continue;
          }
          await deps.service.markReminderSent(booking.id, reminder.key, deps.owner);
          log.info('crew reminder sent');
        }
      }
    },
  };
}

async function send(deps: CrewReminderDeps, booking: BookingRecord, reminder: DueReminder): Promise<void> {
  const { client, config } = deps;
  const view = crewSafeViewOf(booking, config);
  if (reminder.userId) {
    const channel = booking.slack.crewPosts?.[reminder.userId]?.channel ?? (await openDm(client, reminder.userId));
    const message = crewMessage(view, crewAnswersOf(booking), { recipient: reminder.userId, reminder: { hoursBefore: reminder.hoursBefore } });
    await client.chat.postMessage({ channel, text: message.text, blocks: message.blocks });
    return;
  }
  const threadTs = booking.slack.approvalTs;
  if (!threadTs) return;
  const notConfirmed = booking.roster.filter((m) => booking.confirmations[m.slackUserId] === undefined);
  const waiting = notConfirmed.filter((m) => !booking.declines?.[m.slackUserId]).map((m) => mention(m.slackUserId));
  const declined = notConfirmed.filter((m) => booking.declines?.[m.slackUserId]).map((m) => mention(m.slackUserId));
  const parts = [waiting.length ? `not confirmed yet: ${waiting.join(', ')}` : '', declined.length ? `can't make it: ${declined.join(', ')}` : ''].filter(Boolean);
  await client.chat.postMessage({ channel: booking.slack.channel, thread_ts: threadTs, text: opsReminderText(view, parts) });
}

/** The ops thread's 24 h warning. The date in it is check-in's own, not departure's: they differ for an early-morning departure. */
export function opsReminderText(view: Pick<CrewSafeView, 'checkIn' | 'dateText'>, parts: readonly string[]): string {
  const checkIn = view.checkIn.onPreviousDay ? view.checkIn.text : `${view.checkIn.text} (${view.dateText})`;
  return `:warning: Check-in ${checkIn} is about 24 h away — ${parts.join('; ')}`;
}
