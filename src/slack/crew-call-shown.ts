/**
 * The call a crew post last showed, as the booking it was drawn from: what a cancel draws on that
 * post and says under it. A change that failed before its crew step (or before it reached every post)
 * made its details the booking's, yet the crew still read the call before it; a cancel drawn from the
 * booking told them "6:00 PM will not sail" on a post that read 4:00 PM.
 *
 * Nothing more is stored for it. Each post keeps a digest of the call it was last drawn with
 * (CrewPostSaved.call), and the record still knows every call the posts may show: the booking as it
 * stands; after the failed changes the cancel stopped, what their crew steps drew (a change of the
 * run kept whole, and crewMayHaveSeen, which each carries from the ones it replaced) and what the run
 * replaced (the newest's `previous`, drawn with its callRevisionsBefore). The call whose digest
 * matches is the post's. A digest also covers the revision each answer button carries, which the
 * record keeps only as it stood before the run and as it stands: a DM's digest depends on its
 * member's alone, so each revision the run may have drawn it at is tried; the crew channel's post is
 * drawn at the revision of the change that drew it for whoever that change called afresh.
 *
 * A post with no digest (saved by an older version, or a call found unsaved in Slack's history) or
 * one matching none of these is drawn from the booking as it stands, as before.
 */
import type { Config } from '../config';
import { callsChanged, detailsOf, operationsOf } from '../pipeline/operations';
import { CREW_CHANNEL_POST_KEY, type BookingDetails, type BookingRecord, type Operation, type StepState } from '../pipeline/types';
import { callDigest, type CrewPostRef } from './crew-notice';

/** The booking as `post` last showed its call. */
export function callShownOn(booking: BookingRecord, config: Config, post: Pick<CrewPostRef, 'key' | 'call'>): BookingRecord {
  if (post.call === undefined) return booking;
  for (const { details, callRevisions } of callsPostsMayShow(booking, post.key)) {
    const drawn = { ...booking, request: details.request, roster: details.roster, costs: details.costs, callRevisions };
    if (callDigest(drawn, config, post.key) === post.call) return drawn;
  }
  return booking;
}

interface Drawn {
  details: BookingDetails;
  callRevisions: Record<string, number>;
}

/** The calls `key`'s post may show, the booking as it stands first. */
function callsPostsMayShow(booking: BookingRecord, key: string): Drawn[] {
  const current: Drawn = { details: detailsOf(booking), callRevisions: booking.callRevisions ?? {} };
  const run = failedRunBefore(booking);
  const newest = run[0];
  if (!newest?.previous) return [current];
  const before = newest.callRevisionsBefore ?? booking.callRevisions ?? {};
  // The revisions the run's crew steps drew at: a change's own, for each member it called afresh.
  const drewAt = run.flatMap((o) => (o.revision !== undefined && crewStepDrew(o.steps?.crew_notice) ? [o.revision] : []));
  const seen: BookingDetails[] = [];
  for (const o of run) {
    if (o.details && crewStepDrew(o.steps?.crew_notice)) seen.push(o.details);
    if (o.crewMayHaveSeen) seen.push(o.crewMayHaveSeen);
  }
  const previous = newest.previous;
  if (key === CREW_CHANNEL_POST_KEY) {
    const calledAt = (details: BookingDetails, rev: number): Record<string, number> => {
      const calls = callsChanged(previous, details);
      const afresh = new Set([...calls.changed, ...calls.added, ...calls.removed]);
      return { ...Object.fromEntries(Object.entries(before).filter(([u]) => !afresh.has(u))), ...Object.fromEntries([...calls.changed, ...calls.added].map((u) => [u, rev])) };
    };
    return [current, ...seen.flatMap((details) => drewAt.map((rev) => ({ details, callRevisions: calledAt(details, rev) }))), { details: previous, callRevisions: before }];
  }
  const revisions = [...new Set([booking.callRevisions?.[key], before[key], ...drewAt])];
  const at = (rev: number | undefined): Record<string, number> => (rev === undefined ? {} : { [key]: rev });
  return [detailsOf(booking), ...seen, previous].flatMap((details) => revisions.map((rev) => ({ details, callRevisions: at(rev) })));
}

/** A crew step that may have drawn posts: it was attempted, or its outcome is unknown. */
function crewStepDrew(state: StepState | undefined): boolean {
  return state !== undefined && (state.attempts > 0 || state.result !== undefined || state.outcomeUnknown === true);
}

/**
 * The changes that had not finished when the cancel was asked (each replaced by the next, the last
 * stopped by the cancel), newest first; none when the last operation before it finished.
 */
function failedRunBefore(booking: BookingRecord): Operation[] {
  const ops = operationsOf(booking);
  const cancelAt = ops.findIndex((o) => o.kind === 'cancel');
  const started = ops.slice(0, cancelAt < 0 ? ops.length : cancelAt).filter((o) => o.startedAtMs !== undefined && o.kind !== 'refresh');
  const run: Operation[] = [];
  for (const o of started.reverse()) {
    if (o.kind !== 'change' || !UNFINISHED.includes(o.status)) break;
    run.push(o);
  }
  return run;
}

const UNFINISHED: readonly Operation['status'][] = ['superseded', 'stopped', 'stopping', 'failed'];
