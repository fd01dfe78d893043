/**
 * Whether a roster member's crew call has gone out: answers are taken, and the Home offers them,
 * only for a call that reached its member. Before it, an answer (a stale Home, a forged payload)
 * would be recorded for a call nobody sent, and a cancel — which tells the crew under their posts —
 * would find no post under which to tell them.
 */
import { operationsOf } from '../pipeline/operations';
import { CREW_CHANNEL_POST_KEY, type BookingRecord } from '../pipeline/types';
import type { Config } from '../config';
import { callPostShowsCurrent, createCallsMayBeUnsaved, CREW_POST_RESULT_PREFIX, crewPostsOf, crewStepMayHaveLeftCalls } from './crew-notice';

/**
 * The record knows a post carrying `userId`'s call: their own DM, or the crew channel's one post
 * (which holds every member's buttons) once drawn with them on the crew. Saved posts and those only
 * a crew step's result names both count: the create's step's, and each change's (a member a change
 * added is called by that change's crew step, which also makes the whole call when the create left
 * it to the change). Until a change's step posts, the change itself holds their answers back
 * (crew-answers.ts, callBeingChanged).
 */
export function callReached(booking: BookingRecord, userId: string, config: Config): boolean {
  const carries = (key: string) => key === userId || (key === CREW_CHANNEL_POST_KEY && channelPostHasThem(booking, userId, config));
  if (crewPostsOf(booking).some((p) => carries(p.key))) return true;
  return operationsOf(booking).some((o) => o.kind === 'change' && o.steps?.crew_notice?.result !== undefined && crewPostsOf(booking, o.steps.crew_notice.result).some((p) => carries(p.key)));
}

/**
 * The crew channel's post was drawn with `userId` on the crew. A member a change added is on it
 * once a crew step from that change on drew it (its result names the post), or the post shows the
 * call as it stands (a step that drew it and failed after, on a note). Until then the post carries
 * no call of theirs, as no DM of theirs would: drawn before them, it holds no buttons for them.
 * A member no change on record added was on the crew the create's step drew.
 */
function channelPostHasThem(booking: BookingRecord, userId: string, config: Config): boolean {
  const ops = operationsOf(booking);
  const has = (d: { roster: readonly { slackUserId: string }[] } | undefined) => d?.roster.some((m) => m.slackUserId === userId) === true;
  const addedAt = ops.findLastIndex((o) => o.kind === 'change' && o.previous !== undefined && has(o.details) && !has(o.previous));
  if (addedAt < 0) return true;
  const drewChannelPost = (o: (typeof ops)[number]) => o.kind === 'change' && typeof o.steps?.crew_notice?.result?.[`${CREW_POST_RESULT_PREFIX}${CREW_CHANNEL_POST_KEY}`] === 'string';
  return ops.slice(addedAt).some(drewChannelPost) || callPostShowsCurrent(booking, config, userId);
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
