/**
 * The crew_notice pipeline step and the crew posts after it. Crew never see money, so crew posts go
 * where no money is: to CHARTER_CREW_CHANNEL when it is set, otherwise to each crew member by DM
 * (conversations.open + chat.postMessage: their own crew call with their own buttons) — never into
 * the ops channel or a thread under the approval message, whose parent shows the cost breakdown.
 * The ops thread gets a money-free "Crew called: …" line instead.
 *
 * Idempotent per recipient: each post's channel + ts is saved on the booking the moment it exists
 * (slack.crewPosts) and returned in the step result, so a re-run — after a crash halfway through
 * the roster, a Retry, a change — updates those posts and only posts to recipients who have none.
 */
import type { WebClient } from '@slack/web-api';
import { toCrewSafeView, crewSafeNotes, type CrewSafeView } from '../booking/crew-safe';
import { charterTimeSettings, type Config } from '../config';
import type { Logger } from '../log';
import type { BookingApi } from '../pipeline/api';
import { CREW_CHANNEL_POST_KEY, type BookingRecord, type StepImplementation, type StepResult } from '../pipeline/types';
import { crewCalledText, crewMessage, type CrewAnswers } from './blocks/crew';
import { bookingMetadata } from './booking-ref';
import { guestUrl } from './context';
import { toSlackIntegrationError } from './slack-errors';

export function crewSafeViewOf(booking: BookingRecord, config: Config): CrewSafeView {
  return toCrewSafeView(
    { sessionId: booking.id, request: booking.request, roster: booking.roster, guestUrl: guestUrl(config, booking.id) },
    { ...charterTimeSettings(config), operator: config.operator },
  );
}

/** Answers as crew may see them: a decline reason loses any line that carries money. */
export function crewAnswersOf(booking: BookingRecord): CrewAnswers {
  const declines: Record<string, { atMs: number; reason?: string }> = {};
  for (const [userId, d] of Object.entries(booking.declines ?? {})) {
    const reason = crewSafeNotes(d.reason).join(' ');
    declines[userId] = reason ? { atMs: d.atMs, reason } : { atMs: d.atMs };
  }
  return { confirmations: booking.confirmations, declines };
}

export interface CrewPostRef {
  /** A crew member's user id (their DM) or CREW_CHANNEL_POST_KEY. */
  key: string;
  channel: string;
  ts: string;
}

const RESULT_PREFIX = 'post:';

/** Every crew-facing post of a booking: saved refs, then refs only the step's last result knows. */
export function crewPostsOf(booking: BookingRecord, previous?: StepResult): CrewPostRef[] {
  const refs = new Map<string, CrewPostRef>();
  for (const [k, v] of Object.entries(previous ?? booking.steps.crew_notice.result ?? {})) {
    if (!k.startsWith(RESULT_PREFIX) || typeof v !== 'string') continue;
    const [channel, ts] = v.split('/');
    if (channel && ts) refs.set(k.slice(RESULT_PREFIX.length), { key: k.slice(RESULT_PREFIX.length), channel, ts });
  }
  for (const [key, ref] of Object.entries(booking.slack.crewPosts ?? {})) refs.set(key, { key, ...ref });
  return [...refs.values()];
}

/** The message one crew post shows. */
function messageFor(booking: BookingRecord, config: Config, key: string) {
  const view = crewSafeViewOf(booking, config);
  return crewMessage(view, crewAnswersOf(booking), key === CREW_CHANNEL_POST_KEY ? {} : { recipient: key });
}

/** Re-renders every crew post after an answer changed (a failure on one post does not stop the rest). */
export async function refreshCrewPosts(client: WebClient, booking: BookingRecord, config: Config, log: Logger): Promise<void> {
  await Promise.all(
    crewPostsOf(booking).map(async (post) => {
      const message = messageFor(booking, config, post.key);
      try {
        await client.chat.update({ channel: post.channel, ts: post.ts, text: message.text, blocks: message.blocks });
      } catch (err) {
        log.warn({ err, bookingId: booking.id, channel: post.channel }, 'could not update a crew post');
      }
    }),
  );
}

/** Opens (or finds) the DM channel between the bot and a user. */
export async function openDm(client: WebClient, userId: string): Promise<string> {
  try {
    const res = await client.conversations.open({ users: userId });
    const channel = res.channel?.id;
    if (!channel) throw new Error(`conversations.open gave no channel for ${userId}`);
    return channel;
  } catch (err) {
    throw toSlackIntegrationError(err, 'conversations.open');
  }
}

export interface CrewNoticeDeps {
  client: WebClient;
  config: Config;
  /** Where post refs are saved as each post is made. */
  api: Pick<BookingApi, 'saveCrewPost' | 'setSlackRefs'>;
}

export function createCrewNoticeStep(deps: CrewNoticeDeps): StepImplementation {
  const { client, config } = deps;
  return async (ctx) => {
    const { booking } = ctx;
    const existing = new Map(crewPostsOf(booking, ctx.previous).map((p) => [p.key, p]));
    const crewChannel = config.slack.crewChannel;
    const recipients = crewChannel ? [CREW_CHANNEL_POST_KEY] : [...new Set(booking.roster.map((m) => m.slackUserId))];
    const result: StepResult = { mode: crewChannel ? 'channel' : 'dm', posts: recipients.length };

    /** One recipient's post, updated if it exists; its ref is saved the moment it is posted. */
    const postTo = async (key: string): Promise<string> => {
      const message = messageFor(booking, config, key);
      const known = existing.get(key);
      if (known) {
        try {
          await client.chat.update({ channel: known.channel, ts: known.ts, text: message.text, blocks: message.blocks });
        } catch (err) {
          throw toSlackIntegrationError(err, 'chat.update');
        }
        return `${known.channel}/${known.ts}`;
      }
      const channel = crewChannel ?? (await openDm(client, key));
      let ts: string;
      try {
        const posted = await client.chat.postMessage({ channel, text: message.text, blocks: message.blocks, metadata: bookingMetadata(booking.id) });
        ts = posted.ts ?? '';
      } catch (err) {
        throw toSlackIntegrationError(err, 'chat.postMessage');
      }
      await deps.api.saveCrewPost(booking.id, key, { channel, ts });
      ctx.log.info({ channel, ts, recipient: key === CREW_CHANNEL_POST_KEY ? 'crew channel' : key }, 'crew call posted');
      return `${channel}/${ts}`;
    };

    /** The ops thread learns who was called — names only, no details crew might need and no money. */
    const calledLine = async (): Promise<string | undefined> => {
      const called = crewCalledText(crewSafeViewOf(booking, config).roster, crewChannel ? { crewChannel } : {});
      const threadTs = booking.slack.approvalTs;
      if (booking.slack.crewCalledTs) {
        await client.chat.update({ channel: booking.slack.channel, ts: booking.slack.crewCalledTs, text: called }).catch((err: unknown) => ctx.log.warn({ err }, 'could not update the crew-called line'));
        return booking.slack.crewCalledTs;
      }
      if (!threadTs) return undefined;
      try {
        const posted = await client.chat.postMessage({ channel: booking.slack.channel, thread_ts: threadTs, text: called });
        if (!posted.ts) return undefined;
        await deps.api.setSlackRefs(booking.id, { crewCalledTs: posted.ts });
        return posted.ts;
      } catch (err) {
        throw toSlackIntegrationError(err, 'chat.postMessage');
      }
    };

    // The posts go to different channels, so they go at once; every one that lands is saved before
    // a failure of another fails the step (the next attempt updates the saved ones).
    const [line, ...posts] = await Promise.allSettled([calledLine(), ...recipients.map(postTo)]);
    const failed = [line, ...posts].find((p): p is PromiseRejectedResult => p.status === 'rejected');
    if (failed) throw failed.reason;
    recipients.forEach((key, i) => {
      const post = posts[i];
      if (post?.status === 'fulfilled') result[`${RESULT_PREFIX}${key}`] = post.value;
    });
    if (line?.status === 'fulfilled' && line.value) result.crewCalledTs = line.value;
    return result;
  };
}
