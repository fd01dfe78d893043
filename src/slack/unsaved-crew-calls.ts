/**
 * Crew calls the create's crew step may have posted and never saved. The step saves where its posts
 * are in one write once they have all settled; a process that stops between posting and that write
 * (a crash, a Lambda timeout, a partition from the state store) leaves calls in Slack the record does
 * not know. A cancel that trusted the record alone would leave those crew with a live call and its
 * Confirm button, so it finds them by their metadata (booking, crew_call, recipient) first. A call
 * the create's holder sent before the cancel stopped its step may land after that: not found, it
 * counts as absent only once that call must have ended.
 */
import type { WebClient } from '@slack/web-api';
import type { Config } from '../config';
import { throwIfAborted } from '../integrations/create-once';
import { CREW_CHANNEL_POST_KEY, type StepContext } from '../pipeline/types';
import { crewPostMetadata } from './booking-ref';
import { createStartMs, openDm, takenOverCallsEndByMs, type CrewPostRef } from './crew-notice';
import type { PostOnce } from './post-once';
import { unreachableUserReason } from './slack-errors';

/** The crew calls Slack holds for roster members (or the crew channel) that `known` lacks. */
export async function findUnsavedCrewCalls(
  deps: { client: WebClient; poster: PostOnce; config: Config },
  ctx: Pick<StepContext, 'booking' | 'signal' | 'log'>,
  known: readonly CrewPostRef[],
): Promise<CrewPostRef[]> {
  const { booking } = ctx;
  const crewChannel = deps.config.slack.crewChannel;
  const have = new Set(known.map((p) => p.key));
  const keys = (crewChannel ? [CREW_CHANNEL_POST_KEY] : [...new Set(booking.roster.map((m) => m.slackUserId))]).filter((k) => !have.has(k));
  const found: CrewPostRef[] = [];
  const othersEndBy = takenOverCallsEndByMs(booking.steps.crew_notice, deps.config.liveness.callTimeoutMs, Date.now());
  for (const key of keys) {
    throwIfAborted(ctx.signal);
    let channel: string;
    try {
      channel = crewChannel ?? (await openDm(deps.client, key));
    } catch (err) {
      // Slack will not DM them (deactivated, a bot): no call can have reached them either.
      if (unreachableUserReason(err)) continue;
      throw err;
    }
    const to = key === CREW_CHANNEL_POST_KEY ? 'channel' : key;
    const ts = await deps.poster.findPosted({
      channel,
      metadata: crewPostMetadata(booking.id, 'crew_call', { rev: booking.revision ?? 1, to }),
      matchOn: ['booking_id', 'post', 'to'],
      earliestMs: createStartMs(booking),
      ...(othersEndBy !== undefined ? { othersCallsEndByMs: othersEndBy } : {}),
      what: 'crew call',
      log: ctx.log,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    if (ts !== undefined) found.push({ key, channel, ts });
  }
  if (found.length > 0) ctx.log.info({ found: found.map((p) => p.key) }, 'crew calls the create posted and never saved were found in Slack');
  return found;
}
