/**
 * Whether a roster member's crew call has gone out: answers are taken, and the Home offers them,
 * only for a call that reached its member. Before it, an answer (a stale Home, a forged payload)
 * would be recorded for a call nobody sent, and a cancel — which tells the crew under their posts —
 * would find no post under which to tell them.
 */
import { operationsOf } from '../pipeline/operations';
import { CREW_CHANNEL_POST_KEY, type BookingDetails, type BookingRecord } from '../pipeline/types';
import type { Config } from '../config';
import { callMatchingPost } from './crew-call-shown';
import { callDigest, callPostShowsCurrent, createCallsMayBeUnsaved, CREW_POST_RESULT_PREFIX, crewPostsOf, crewStepMayHaveLeftCalls } from './crew-notice';

/**
 * The record knows a post carrying `userId`'s call: their own DM, or the crew channel's one post
 * (which holds every member's buttons) once drawn with them on the crew. Saved posts and those only
 * a crew step's result names both count: the create's step's, and each change's (a member a change
 * added is called by that change's crew step, which also makes the whole call when the create left
 * it to the change). Until a change's step posts, the change itself holds their answers back
 * (crew-answers.ts, callBeingChanged).
 */
export function callReached(booking: BookingRecord, userId: string, config: Config): boolean {
  let onChannelPost: boolean | undefined;
  // Asked once: the saved post and every change's step result may each name the channel post.
  const carries = (key: string) => key === userId || (key === CREW_CHANNEL_POST_KEY && (onChannelPost ??= channelPostHasThem(booking, userId, config)));
  if (crewPostsOf(booking).some((p) => carries(p.key))) return true;
  return operationsOf(booking).some((o) => o.kind === 'change' && o.steps?.crew_notice?.result !== undefined && crewPostsOf(booking, o.steps.crew_notice.result).some((p) => carries(p.key)));
}

/**
 * The crew channel's post was drawn with `userId` on the crew: it holds their buttons. What it was
 * last drawn with is found by the digest saved with it (CrewPostSaved.call) among the calls the
 * record knows (channelPostDrawnWith): a crew step that drew it and then failed (on a note, or its
 * change failed after) leaves no result naming the post, and a change replacing that one plans
 * from what it replaced (`previous`), so by the details alone it "adds" again a member the failed
 * one put on the post. Until a post is drawn with them it carries no call of theirs, as no DM of
 * theirs would: drawn before them (or after a change took them off), it holds no buttons for them.
 *
 * A post whose digest matches none of those calls (saved before digests were kept, drawn from a
 * change the history no longer holds whole) falls back to the changes: a member a change added is
 * on it once a crew step from that change on names it in its result; one no change on record added
 * was on the crew the create's step drew.
 */
function channelPostHasThem(booking: BookingRecord, userId: string, config: Config): boolean {
  const has = (d: { roster: readonly { slackUserId: string }[] } | undefined) => d?.roster.some((m) => m.slackUserId === userId) === true;
  const read = channelPostRead(booking, config);
  // Asked for the channel's post whoever the member: one with a DM of their own is called by it (callReached).
  read.showsCurrent ??= callPostShowsCurrent(booking, config, CREW_CHANNEL_POST_KEY);
  if (read.showsCurrent) return true;
  read.drawnWith ??= { details: channelPostDrawnWith(booking, config) };
  const drawnWith = read.drawnWith.details;
  if (drawnWith) return has(drawnWith);
  const ops = operationsOf(booking);
  // Counted from what the crew may have been shown too: a change replacing a failed one whose crew step ran did not add whom that one showed.
  const addedAt = ops.findLastIndex((o) => o.kind === 'change' && o.previous !== undefined && has(o.details) && !has(o.previous) && !has(o.crewMayHaveSeen));
  if (addedAt < 0) return true;
  const drewChannelPost = (o: (typeof ops)[number]) => o.kind === 'change' && has(o.details) && typeof o.steps?.crew_notice?.result?.[`${CREW_POST_RESULT_PREFIX}${CREW_CHANNEL_POST_KEY}`] === 'string';
  return ops.slice(addedAt).some(drewChannelPost);
}

/**
 * What channelPostHasThem reads of a booking alike for every member: whether the channel's post shows
 * the call as it stands, and what it was last drawn with. Each costs a call digest or several, and a
 * Home refresh asks for every member of every booking listed: worked out once per record object
 * (records are replaced, never changed in place) and config.
 */
interface ChannelPostRead {
  config: Config;
  showsCurrent?: boolean;
  drawnWith?: { details: BookingDetails | undefined };
}
const channelPostReads = new WeakMap<BookingRecord, ChannelPostRead>();
function channelPostRead(booking: BookingRecord, config: Config): ChannelPostRead {
  let read = channelPostReads.get(booking);
  if (read?.config !== config) channelPostReads.set(booking, (read = { config }));
  return read;
}

/**
 * The details the crew channel's post was last drawn with, by the call digest saved with it: each
 * started change's details at the revisions its start gave (callRevisionsGiven), and what it
 * replaced at the revisions before it (callRevisionsBefore: the create's call, a call a failed run
 * put back), newest first, then the calls of a failed run the history no longer holds whole
 * (callMatchingPost). Undefined when the post has no digest or none matches.
 */
function channelPostDrawnWith(booking: BookingRecord, config: Config): BookingDetails | undefined {
  const call = crewPostsOf(booking).find((p) => p.key === CREW_CHANNEL_POST_KEY)?.call;
  if (call === undefined) return undefined;
  const changes = operationsOf(booking).filter((o) => o.kind === 'change' && o.startedAtMs !== undefined);
  const lastStarted = changes.at(-1);
  for (const o of [...changes].reverse()) {
    // Records from before callRevisionsGiven: the booking's revisions are the newest change's.
    const candidates: [BookingDetails | undefined, Record<string, number> | undefined][] = [
      [o.details, o.callRevisionsGiven ?? (o === lastStarted ? booking.callRevisions : undefined)],
      [o.previous, o.callRevisionsBefore],
    ];
    for (const [details, callRevisions] of candidates) {
      if (!details || !callRevisions) continue;
      const drawn: BookingRecord = { ...booking, request: details.request, roster: details.roster, costs: details.costs, callRevisions };
      if (callDigest(drawn, config, CREW_CHANNEL_POST_KEY) === call) return details;
    }
  }
  // Changes compacted out of a failed run keep neither `details` nor `previous`, yet the post may
  // show one of their calls: the change that replaced them keeps it (crewMayHaveSeen), and each kept
  // the revisions it gave. Without this a member such a change drew off the post, and a later change
  // (failed before its crew step) put back, counted as called again once three proposals compacted it.
  return callMatchingPost(booking, config, { key: CREW_CHANNEL_POST_KEY, call });
}

/**
 * A crew step (the create's or a change's) is under way or stopped unfinished, so calls it posted may
 * not be saved yet: a step saves its posts in one write once all of them have settled, and a member
 * may click the DM that landed first meanwhile.
 */
export function callsMayBeUnsaved(booking: BookingRecord): boolean {
  if (createCallsMayBeUnsaved(booking)) return true;
  return operationsOf(booking).some((o) => o.kind === 'change' && o.steps?.crew_notice !== undefined && crewStepMayHaveLeftCalls(o.steps.crew_notice));
}
