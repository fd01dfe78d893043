/**
 * The crew_notice pipeline step: the crew-facing post, built only from toCrewSafeView. Idempotent:
 * once a post exists (its ts is in the step's previous result or the booking's Slack refs) a
 * re-run updates it instead of posting a second one.
 */
import type { WebClient } from '@slack/web-api';
import { toCrewSafeView, type CrewSafeView } from '../booking/crew-safe';
import type { Config } from '../config';
import type { BookingRecord, StepImplementation } from '../pipeline/types';
import { crewMessage } from './blocks/crew';
import { bookingMetadata } from './booking-ref';
import { guestUrl } from './context';
import { toSlackIntegrationError } from './slack-errors';

export function crewSafeViewOf(booking: BookingRecord, config: Config): CrewSafeView {
  return toCrewSafeView(
    { sessionId: booking.id, request: booking.request, roster: booking.roster, guestUrl: guestUrl(config, booking.id) },
    { timezone: config.timezone, checkInLeadMinutes: config.rates.checkInLeadMinutes, operator: config.operator },
  );
}

/** Where the crew post lives, once it exists. */
export function crewPostRef(booking: BookingRecord): { channel: string; ts: string } | undefined {
  if (booking.slack.crewTs) return { channel: booking.slack.crewChannel ?? booking.slack.channel, ts: booking.slack.crewTs };
  const result = booking.steps.crew_notice.result;
  if (typeof result?.ts === 'string' && typeof result.channel === 'string') return { channel: result.channel, ts: result.ts };
  return undefined;
}

export function createCrewNoticeStep(deps: { client: WebClient; config: Config }): StepImplementation {
  return async (ctx) => {
    const { booking } = ctx;
    const message = crewMessage(crewSafeViewOf(booking, deps.config), booking.confirmations);
    const previous = typeof ctx.previous?.ts === 'string' && typeof ctx.previous.channel === 'string' ? { channel: ctx.previous.channel, ts: ctx.previous.ts } : undefined;
    const existing = previous ?? crewPostRef(booking);
    if (existing) {
      try {
        await deps.client.chat.update({ channel: existing.channel, ts: existing.ts, text: message.text, blocks: message.blocks });
      } catch (err) {
        throw toSlackIntegrationError(err, 'chat.update');
      }
      return { channel: existing.channel, ts: existing.ts };
    }
    const crewChannel = deps.config.slack.crewChannel;
    const channel = crewChannel ?? booking.slack.channel;
    const threadTs = crewChannel ? undefined : booking.slack.approvalTs;
    try {
      const posted = await deps.client.chat.postMessage({ channel, text: message.text, blocks: message.blocks, metadata: bookingMetadata(booking.id), ...(threadTs ? { thread_ts: threadTs } : {}) });
      ctx.log.info({ channel, ts: posted.ts }, 'crew notice posted');
      return { channel: posted.channel ?? channel, ts: posted.ts ?? '' };
    } catch (err) {
      throw toSlackIntegrationError(err, 'chat.postMessage');
    }
  };
}
