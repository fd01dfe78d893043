/**
 * Which crew reminders are due — a pure decision on a booking record and a clock, so it is tested
 * without Slack and re-checked on the claimed record before anything is sent.
 *
 * - `dm48:{user}` / `dm24:{user}`: a DM to a crew member who has not answered (neither confirmed nor
 *   declined) and is not known to be deactivated, 48 h and 24 h before check-in;
 * - `ops24`: one line in the ops thread 24 h before check-in when someone is still not confirmed
 *   (or still on the crew after the office was told their Slack account is deactivated), unless
 *   the only news is a decline the thread was told of as it came, inside those 24 h.
 * - `deactivated:{user}`: not a reminder but claimed the same way — the ops line saying a rostered
 *   member's Slack account was deactivated (src/slack/member-deactivated.ts).
 * A reminder is due from its moment until check-in, only if the crew call went out BEFORE that
 * moment (a booking approved 10 h before check-in just got its crew call; reminding at once is
 * noise), and never for a booking with a cancel asked for (crew may not have heard of it yet, if
 * the cancel failed) or one whose crew call has not been made. The crew call is the latest one:
 * a change that calls crew again (a new date, a new member) is the call reminders follow, and
 * it clears the reminders of whoever it calls afresh (operations.ts, startOperation). While that
 * change's call waits (or failed, waiting for Retry), members it does not touch keep the call
 * before it, and a member it touches is reminded once their own post shows the change.
 * Durability (claim → send → mark sent) is BookingService.claimReminder / markReminderSent.
 */
import { callsChangedBy, cancelOperation, detailsOf, operationsOf } from './operations';
import { CREW_CHANNEL_POST_KEY, type BookingRecord, type BookingState, type CrewPostSaved, type Operation, type StepState } from './types';

export type ReminderKind = 'dm48' | 'dm24' | 'ops24';

export interface DueReminder {
  key: string;
  kind: ReminderKind;
  /** The crew member to DM (dm kinds). */
  userId?: string;
  hoursBefore: 48 | 24;
}

/** States whose crew may still need reminding (a failed booking may still sail once retried). */
export const REMINDABLE_STATES: readonly BookingState[] = ['approved', 'running', 'done', 'failed'];

/** Bookings whose roster may still sail: awaiting approval, and every remindable state. */
export const ROSTER_STATES: readonly BookingState[] = ['pending_approval', ...REMINDABLE_STATES];

const HOUR_MS = 3_600_000;

export const deactivatedKey = (userId: string) => `deactivated:${userId}`;

/** The office was told this rostered member's Slack account is deactivated (their marks say so from then on). */
export function toldDeactivated(booking: Pick<BookingRecord, 'reminders'>, userId: string): boolean {
  return booking.reminders?.[deactivatedKey(userId)]?.sentAtMs !== undefined;
}

/** Whether a member's crew post already shows the booking as it stands (the Slack layer knows; see callPostShowsCurrent). */
export type PostShowsCurrent = (userId: string) => boolean;

const LIVE_CHANGE = (o: Operation) => o.kind === 'change' && o.steps?.crew_notice !== undefined && !['superseded', 'stopped', 'rejected'].includes(o.status);

/**
 * When each member was last called: the crew step of the latest operation that has one (the
 * create, or a change that crew see). While that change's call is not made (pending, running,
 * failed and waiting for Retry), a member it does not touch still stands on the call before it,
 * and one it does touch is called only once their own post shows the change (the step may have
 * failed on someone else's post). Undefined: no call in force for that member, no reminder.
 */
function crewCallTimes(booking: BookingRecord, postShowsCurrent?: PostShowsCurrent): (userId: string) => number | undefined {
  // A create whose call was left to the change behind it (changeCallingCrew) called nobody.
  const callOf = (step: StepState | undefined) => (step?.status === 'done' && step.result?.callDeferredTo === undefined ? step.finishedAtMs : undefined);
  const createCall = createCallTimes(booking);
  // A change replaced or stopped before its crew step ran never made a call; the one after it did (or will).
  const changes = operationsOf(booking).filter(LIVE_CHANGE);
  const latest = changes.at(-1);
  if (!latest) return createCall;
  const step = latest.steps!.crew_notice!;
  if (step.status === 'done') return () => step.finishedAtMs;
  if (!latest.previous) return () => undefined;
  const earlier = changes.at(-2)?.steps?.crew_notice;
  const before = earlier ? () => callOf(earlier) : createCall;
  const calls = callsChangedBy(latest, detailsOf(booking));
  const touched = new Set([...calls.changed, ...calls.added]);
  return (userId) => {
    if (!touched.has(userId)) return before(userId);
    return postShowsCurrent?.(userId) ? step.startedAtMs : undefined;
  };
}

/**
 * When the create called each member. Its crew step done: when it finished (unless it left the
 * call to a change, and called nobody). Not done — it failed on one member (Slack refused Ana's DM)
 * and waits for Retry, or runs again: a member whose crew post was saved was called when that post
 * was made (its Slack ts), and is reminded like anyone called; the rest were not called.
 */
function createCallTimes(booking: BookingRecord): (userId: string) => number | undefined {
  const step = booking.steps.crew_notice;
  if (step.status === 'done') {
    const at = step.result?.callDeferredTo === undefined ? step.finishedAtMs : undefined;
    return () => at;
  }
  const posts = booking.slack.crewPosts ?? {};
  return (userId) => postedAtMs(posts[userId] ?? posts[CREW_CHANNEL_POST_KEY]);
}

/** A Slack message's ts ("1796612851.262000", seconds) as epoch ms. */
function postedAtMs(post: CrewPostSaved | undefined): number | undefined {
  const seconds = post ? Number(post.ts) : NaN;
  return Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : undefined;
}

export function dueReminders(booking: BookingRecord, checkInMs: number, nowMs: number, postShowsCurrent?: PostShowsCurrent): DueReminder[] {
  if (!REMINDABLE_STATES.includes(booking.state) || nowMs >= checkInMs || cancelOperation(booking)) return [];
  const callTimes = crewCallTimes(booking, postShowsCurrent);
  const called = new Map<string, number>();
  for (const m of booking.roster) {
    const at = callTimes(m.slackUserId);
    if (at !== undefined) called.set(m.slackUserId, at);
  }
  const members = [...called.keys()];
  // A member the office was told is deactivated gets no DM (Slack would refuse it, and the office would hear it twice).
  const unanswered = members.filter((u) => booking.confirmations[u] === undefined && booking.declines?.[u] === undefined && !toldDeactivated(booking, u));
  // The office's 24 h line also names a member it was told is deactivated and who is still on the crew.
  const unconfirmed = members.filter((u) => booking.confirmations[u] === undefined || toldDeactivated(booking, u));
  const at = (hours: number) => checkInMs - hours * HOUR_MS;
  // A decline made once the 24 h window was open reached the ops thread as it came ("@Lee can't make
  // it", with Change crew): a 24 h line whose only news it is would repeat it, hours late.
  const toldAtOnce = (u: string) => booking.confirmations[u] === undefined && !toldDeactivated(booking, u) && (booking.declines?.[u]?.atMs ?? -Infinity) >= at(24);
  const calledBefore = (userId: string, hours: number) => called.get(userId)! < at(hours);
  const due: DueReminder[] = [];
  // The 48 h nudge only until the 24 h one takes over: one DM per window, never two at once.
  if (nowMs >= at(48) && nowMs < at(24)) {
    for (const userId of unanswered.filter((u) => calledBefore(u, 48))) due.push({ key: `dm48:${userId}`, kind: 'dm48', userId, hoursBefore: 48 });
  }
  if (nowMs >= at(24)) {
    for (const userId of unanswered.filter((u) => calledBefore(u, 24))) due.push({ key: `dm24:${userId}`, kind: 'dm24', userId, hoursBefore: 24 });
    if (unconfirmed.some((u) => calledBefore(u, 24) && !toldAtOnce(u))) due.push({ key: 'ops24', kind: 'ops24', hoursBefore: 24 });
  }
  return due.filter((r) => booking.reminders?.[r.key]?.sentAtMs === undefined);
}
