/**
 * The call a crew post last showed, as the booking it was drawn from: what a cancel draws on that
 * post and says under it, and what a change tells a member who answered a call of the failed run
 * it replaces has changed since. A change that failed before its crew step (or before it reached
 * every post) made its details the booking's, yet the crew still read the call before it; a cancel
 * drawn from the booking told them "6:00 PM will not sail" on a post that read 4:00 PM.
 *
 * Nothing more is stored for it. Each post keeps a digest of the call it was last drawn with
 * (CrewPostSaved.call), and the record still knows every call the posts may show: the booking as it
 * stands; after the failed changes the cancel stopped, what their crew steps drew (a change of the
 * run kept whole, and crewMayHaveSeen, which each carries from the ones it replaced) and what the run
 * replaced (the newest's `previous`, drawn with its callRevisionsBefore). The call whose digest
 * matches is the post's. A digest also covers the revision each answer button carries, which the
 * record keeps only as it stood before the run and as it stands; what each change of the run gave
 * every member is worked out again from what it stored, by startOperation's rule (calledBy), so each
 * change's draw is tried once, at its own revisions, for a DM and for the crew channel's post (whose
 * digest holds every member's). Trying every revision with every call the run held cost a cancel
 * seconds of blocked event loop after a few dozen failed changes with long notes.
 *
 * The revisions each change gave are stored on it (Operation.callRevisionsGiven) and survive
 * compactHistory; only older records are replayed. A post with no digest (saved by an older
 * version, or a call found unsaved in Slack's history) or one matching none of these, behind a
 * failed run, is drawn with the newest call the run drew, or its `previous` (callFoundOn), and its
 * note is sent whatever that call's date: drawing it from the booking told Sam "Dec 1, 2026" (a
 * typo no crew was shown) and, that date being past, sent him no note at all.
 */
import type { Config } from '../config';
import { callsChangedBy, detailsOf, operationsOf, runReplacedBy } from '../pipeline/operations';
import { CREW_CHANNEL_POST_KEY, type BookingDetails, type BookingRecord, type Operation, type StepState } from '../pipeline/types';
import { callDigest, type CrewPostRef } from './crew-notice';

/** The booking as `post` last showed its call (see callFoundOn). */
export function callShownOn(booking: BookingRecord, config: Config, post: Pick<CrewPostRef, 'key' | 'call'>): BookingRecord {
  return callFoundOn(booking, config, post).shown;
}

/**
 * The booking as `post` last showed its call, and whether that is known. Unknown when a failed run
 * is behind the cancel and the post's digest matches none of its calls (or it has none): then
 * `shown` is the newest call a change of the run may have drawn (a crew step that ran redraws every
 * post, so it is the call most posts show), else the run's `previous` (what every member on it was
 * called for before the run). Never the booking's own details: those of a change that failed
 * before its crew step, a date (a typo) and time its crew were never shown. A caller must not keep
 * a note back on an unknown call's account (its date may be one already gone by).
 * With `changeId`, the run is the one that change replaced: its crew step asks what a member's post
 * showed before it redrew it. `current`: the post already shows the booking as it stands.
 */
export function callFoundOn(booking: BookingRecord, config: Config, post: Pick<CrewPostRef, 'key' | 'call'>, changeId?: string): { shown: BookingRecord; known: boolean; current: boolean } {
  const run = runBehind(booking, changeId);
  const newest = run[0];
  if (!newest?.previous) return { shown: booking, known: true, current: true };
  const drawnWith = ({ details, callRevisions }: Drawn): BookingRecord => ({ ...booking, request: details.request, roster: details.roster, costs: details.costs, callRevisions });
  const latestDrew = run.find((o) => o.details && crewStepDrew(o.steps?.crew_notice));
  const latest = latestDrew?.details ?? newest.crewMayHaveSeen ?? newest.previous;
  // That crew step sent an update whose answer it never got (it was stopped, or Slack's answer was
  // lost): Slack may have stored it after the digest was saved, so a digest of an older call tells
  // nothing about this post. The cancel's step waited for that update to land or fail
  // (afterTakenOverCallsLand); the post may show either call.
  const redrawUnsure = latestDrew?.steps?.crew_notice?.outcomeUnknown === true;
  const matched = matchPost(booking, config, post, run);
  if (matched && (!redrawUnsure || detailsId(matched.details) === detailsId(latest))) return { shown: matched.drawn, known: true, current: matched.current };
  return { shown: drawnWith({ details: latest, callRevisions: newest.callRevisionsBefore ?? booking.callRevisions ?? {} }), known: false, current: false };
}

/**
 * The booking as drawn with the call, among those the record knows `post` may show (the booking as
 * it stands; behind a failed run, what its changes drew, the run's `previous`, and what compacted
 * changes of the run may have shown, crewMayHaveSeen, at the revisions they gave), whose digest is
 * the one saved with the post. Undefined when the post has no digest or none matches.
 */
export function callMatchingPost(booking: BookingRecord, config: Config, post: Pick<CrewPostRef, 'key' | 'call'>): BookingRecord | undefined {
  return matchPost(booking, config, post, failedRunBefore(booking))?.drawn;
}

/** callMatchingPost behind `run`; `current`: the match is the booking as it stands. */
function matchPost(booking: BookingRecord, config: Config, post: Pick<CrewPostRef, 'key' | 'call'>, run: readonly Operation[]): { drawn: BookingRecord; details: BookingDetails; current: boolean } | undefined {
  if (post.call === undefined) return undefined;
  for (const { details, callRevisions, current } of callsPostsMayShow(booking, post.key, run)) {
    const drawn: BookingRecord = { ...booking, request: details.request, roster: details.roster, costs: details.costs, callRevisions };
    if (callDigest(drawn, config, post.key) === post.call) return { drawn, details, current: current === true };
  }
  return undefined;
}

interface Drawn {
  details: BookingDetails;
  callRevisions: Record<string, number>;
  /** The booking as it stands. */
  current?: boolean;
}

/**
 * The calls `key`'s post may show, the booking as it stands first, each once. Lazily: the first
 * match ends the search, and a history of many failed changes with long notes makes each digest
 * cost (a cancel's step draws every post).
 */
function* callsPostsMayShow(booking: BookingRecord, key: string, run: readonly Operation[]): Generator<Drawn> {
  const current: Drawn = { details: detailsOf(booking), callRevisions: booking.callRevisions ?? {}, current: true };
  const newest = run[0];
  const tried = new Set<string>();
  const once = function* (candidates: Iterable<Drawn>): Generator<Drawn> {
    for (const c of candidates) {
      const id = `${detailsId(c.details)} ${JSON.stringify(key === CREW_CHANNEL_POST_KEY ? c.callRevisions : (c.callRevisions[key] ?? null))}`;
      if (tried.has(id)) continue;
      tried.add(id);
      yield c;
    }
  };
  yield* once([current]);
  if (!newest?.previous) return;
  const before = newest.callRevisionsBefore ?? booking.callRevisions ?? {};
  // What each change of the run drew: its details, at the revisions its start gave each member.
  const drew = calledBy(run, before).filter(({ op }) => op.details && crewStepDrew(op.steps?.crew_notice));
  yield* once(drew.flatMap(({ op, revisions }) => revisions.map((callRevisions) => ({ details: op.details!, callRevisions }))));
  yield* once([{ details: newest.previous, callRevisions: before }]);
  // A change of the run the history no longer holds in full: only what it may have shown is
  // left (crewMayHaveSeen), at a revision of the run's.
  const known = new Set([...run.flatMap((o) => (o.details ? [detailsId(o.details)] : [])), detailsId(newest.previous)]);
  const unknown = run.flatMap((o) => (o.crewMayHaveSeen && !known.has(detailsId(o.crewMayHaveSeen)) ? [o.crewMayHaveSeen] : []));
  if (unknown.length === 0) return;
  const revisionSets = [before, booking.callRevisions ?? {}, ...calledBy(run, before).flatMap(({ revisions }) => revisions)];
  yield* once(unknown.flatMap((details) => revisionSets.map((callRevisions) => ({ details, callRevisions }))));
}

/** Identifies details by content: a run holds the same details many times (crewMayHaveSeen). */
const ids = new WeakMap<BookingDetails, string>();
function detailsId(details: BookingDetails): string {
  let id = ids.get(details);
  if (id === undefined) ids.set(details, (id = JSON.stringify(details)));
  return id;
}

/**
 * The call revisions each change of the run (newest first) gave the crew when it started: what it
 * stored (Operation.callRevisionsGiven, kept when the history is compacted), or for a record written
 * before that, as startOperation worked them out: everyone's from before the run, but whose call it
 * changed, added or took off (callsChangedBy, from `previous` and what the run may have shown) is
 * at its own revision or none, and who answered the call a change of the run showed them
 * (crewHoldsSeen) keeps that call's revision. Records written before that last rule kept theirs
 * from before the run: both are tried. A compacted change without the stored revisions is skipped
 * (its `previous` is gone): the replay carries on from what the last change it could follow gave.
 */
function calledBy(run: readonly Operation[], before: Record<string, number>): { op: Operation; revisions: Record<string, number>[] }[] {
  const out: { op: Operation; revisions: Record<string, number>[] }[] = [];
  let held = before;
  for (const op of [...run].reverse()) {
    if (op.callRevisionsGiven) {
      out.unshift({ op, revisions: [op.callRevisionsGiven] });
      held = op.callRevisionsGiven;
      continue;
    }
    if (!op.details || op.revision === undefined) continue;
    const calls = callsChangedBy(op, op.details);
    const reset = new Set([...calls.changed, ...calls.added, ...calls.removed]);
    const holds = new Set((op.crewHoldsSeen ?? []).filter((u) => !reset.has(u)));
    const called = Object.fromEntries([...calls.changed, ...calls.added].map((u) => [u, op.revision!]));
    const kept = Object.entries(before).filter(([u]) => !reset.has(u));
    const now = { ...Object.fromEntries(kept.filter(([u]) => !holds.has(u))), ...Object.fromEntries([...holds].flatMap((u) => (held[u] !== undefined ? [[u, held[u]]] : []))), ...called };
    const older = { ...Object.fromEntries(kept), ...called };
    out.unshift({ op, revisions: [now, older] });
    held = now;
  }
  return out;
}

/** A crew step that may have drawn posts: it was attempted, or its outcome is unknown. */
function crewStepDrew(state: StepState | undefined): boolean {
  return state !== undefined && (state.attempts > 0 || state.result !== undefined || state.outcomeUnknown === true);
}

/**
 * The failed changes behind the operation asking: those a change replaced (runReplacedBy), or
 * without `changeId` those behind the cancel (failedRunBefore).
 */
function runBehind(booking: BookingRecord, changeId: string | undefined): Operation[] {
  return changeId === undefined ? failedRunBefore(booking) : runReplacedBy(booking, changeId);
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
