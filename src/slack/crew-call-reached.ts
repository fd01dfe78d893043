/**
 * Whether a roster member's crew call has gone out: answers are taken, and the Home offers them,
 * only for a call that reached its member. Before it, an answer (a stale Home, a forged payload)
 * would be recorded for a call nobody sent, and a cancel — which tells the crew under their posts —
 * would find no post under which to tell them.
 */
import { operationsOf } from '../pipeline/operations';
import { CREW_CHANNEL_POST_KEY, type BookingRecord } from '../pipeline/types';
import { createCallsMayBeUnsaved, crewPostsOf, crewStepMayHaveLeftCalls } from './crew-notice';

/**
 * The record knows a post carrying `userId`'s call: their own DM, or the crew channel's one post
 * (which holds every member's buttons). Saved posts and those only a crew step's result names both
 * count: the create's step's, and each change's (a member a change added is called by that change's
 * crew step, which also makes the whole call when the create left it to the change). Until a
 * change's step posts, the change itself holds their answers back (crew-answers.ts, callBeingChanged).
 */
export function callReached(booking: BookingRecord, userId: string): boolean {
  const carries = (key: string) => key === userId || key === CREW_CHANNEL_POST_KEY;
  if (crewPostsOf(booking).some((p) => carries(p.key))) return true;
  return operationsOf(booking).some((o) => o.kind === 'change' && o.steps?.crew_notice?.result !== undefined && crewPostsOf(booking, o.steps.crew_notice.result).some((p) => carries(p.key)));
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
