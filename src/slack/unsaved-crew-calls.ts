/**
 * Crew calls a crew step may have posted and never saved: the create's, or a change's (a member it
 * added, or whose call it made afresh). A crew step saves where its posts are in one write once they
 * have all settled; a process that stops between posting and that write (a crash, a Lambda timeout,
 * a partition from the state store) leaves calls in Slack the record does not know. A cancel that
 * trusted the record alone would leave those crew with a live call and its Confirm button, so it
 * finds them by their metadata (booking, crew_call, recipient) first. A call the stopped step's
 * holder sent before the cancel stopped it may land after that: not found, it counts as absent only
 * once that call must have ended.
 */
import type { WebClient } from '@slack/web-api';
import type { Config } from '../config';
import { throwIfAborted } from '../integrations/create-once';
import type { RosterMember } from '../booking/types';
import { CREW_CHANNEL_POST_KEY, type BookingRecord, type StepContext, type StepState } from '../pipeline/types';
import { crewPostMetadata } from './booking-ref';
import { createCallsMayBeUnsaved, createStartMs, crewStepMayHaveLeftCalls, openDm, takenOverCallsEndByMs, type CrewPostRef } from './crew-notice';
import type { PostOnce } from './post-once';
import { unreachableUserReason } from './slack-errors';

/** Where to look for one recipient's unsaved call: since when it can have been posted, and until when a stopped holder's call may still land. */
export interface UnsavedCallSearch {
  earliestMs: number;
  othersCallsEndByMs?: number;
}

/**
 * Each recipient a crew step that ran and never finished would have called afresh, merged over the
 * create and every change. A call is one per booking and recipient whatever revision made it (the
 * lookup ignores the revision), so a recipient is looked up once, from the earliest start of the steps
 * that may have called them until the latest moment one of their holders' calls may land: the cancel
 * makes no more lookups than it has recipients, and none when no crew step was left unfinished.
 */
export function unsavedCallSearches(booking: BookingRecord, opts: { crewChannel: string | undefined; callTimeoutMs: number; nowMs: number }): Map<string, UnsavedCallSearch> {
  const searches = new Map<string, UnsavedCallSearch>();
  const add = (roster: readonly RosterMember[], startMs: number, step: Pick<StepState, 'takenOverAtMs'>) => {
    const keys = opts.crewChannel ? [CREW_CHANNEL_POST_KEY] : roster.map((m) => m.slackUserId);
    const endBy = takenOverCallsEndByMs(step, opts.callTimeoutMs, opts.nowMs);
    for (const key of keys) {
      const had = searches.get(key);
      const earliestMs = Math.min(had?.earliestMs ?? startMs, startMs);
      const othersEnd = Math.max(had?.othersCallsEndByMs ?? -Infinity, endBy ?? -Infinity);
      searches.set(key, { earliestMs, ...(Number.isFinite(othersEnd) ? { othersCallsEndByMs: othersEnd } : {}) });
    }
  };
  if (createCallsMayBeUnsaved(booking)) add(booking.roster, createStartMs(booking), booking.steps.crew_notice);
  for (const op of booking.operations ?? []) {
    const step = op.steps?.crew_notice;
    if (op.kind !== 'change' || !step || !crewStepMayHaveLeftCalls(step)) continue;
    // A change's crew step calls its own roster (one without a saved post gets a new call). An old
    // change compacted out of its details is checked against the roster as it stands.
    add(op.details?.roster ?? booking.roster, op.startedAtMs ?? op.approvedAtMs ?? op.requestedAtMs, step);
  }
  return searches;
}

/** The crew calls Slack holds for recipients of unfinished crew steps (or the crew channel) that `known` lacks. */
export async function findUnsavedCrewCalls(
  deps: { client: WebClient; poster: PostOnce; config: Config },
  ctx: Pick<StepContext, 'booking' | 'signal' | 'log'>,
  known: readonly CrewPostRef[],
): Promise<CrewPostRef[]> {
  const { booking } = ctx;
  const crewChannel = deps.config.slack.crewChannel;
  const have = new Set(known.map((p) => p.key));
  const searches = unsavedCallSearches(booking, { crewChannel, callTimeoutMs: deps.config.liveness.callTimeoutMs, nowMs: Date.now() });
  const found: CrewPostRef[] = [];
  for (const [key, search] of searches) {
    if (have.has(key)) continue;
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
      earliestMs: search.earliestMs,
      ...(search.othersCallsEndByMs !== undefined ? { othersCallsEndByMs: search.othersCallsEndByMs } : {}),
      what: 'crew call',
      log: ctx.log,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    if (ts !== undefined) found.push({ key, channel, ts });
  }
  if (found.length > 0) ctx.log.info({ found: found.map((p) => p.key) }, 'crew calls posted and never saved were found in Slack');
  return found;
}
