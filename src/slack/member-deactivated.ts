/**
 * A member deactivated in Slack (the user_change event, `deleted: true`) who is on the roster of a
 * charter still ahead: the office is told at once, one line in each such booking's ops thread,
 * instead of when the crew step or a reminder next fails to DM them — perhaps a day before check-in.
 * The booking keeps the flag (its `deactivated:{user}` mark), which the progress message, the Home
 * tab and the reminders read.
 *
 * Once per booking and member, however often Slack delivers the event: the line is claimed in the
 * booking record (BookingService.claimReminder) and looked up before it is posted (PostOnce). A
 * line that could not be posted (Slack down past PostOnce's deadline, a crash) keeps its claim
 * without a mark; once the claim lapses the crew reminder task's next tick posts it
 * (retryUnsentDeactivations).
 *
 * Who Slack said is deactivated is kept in one meta entry (DEACTIVATED_MEMBERS_KEY), so a later
 * user_change without `deleted` — a reactivation — is recognised with one read, and the flags go
 * (memberActiveNotifier).
 */
import type { Config } from '../config';
import { cancelOperation } from '../pipeline/operations';
import { deactivatedKey, ROSTER_STATES, toldDeactivated } from '../pipeline/reminders';
import type { BookingService } from '../pipeline/service';
import type { BookingStore } from '../pipeline/store';
import type { BookingRecord } from '../pipeline/types';
import { mention } from './blocks/format';
import { crewPostMetadata } from './booking-ref';
import { checkInMsOf, type CrewReminderDeps } from './crew-reminders';

/** The reminders' claim and post machinery (the same claims, the same PostOnce), the store's meta entries, and a clock. */
export type MemberDeactivatedDeps = Pick<CrewReminderDeps, 'poster' | 'config' | 'log' | 'owner' | 'claimLeaseMs'> & {
  store: Pick<BookingStore, 'listByStates' | 'getMeta' | 'casMeta'>;
  service: Pick<BookingService, 'claimReminder' | 'markReminderSent' | 'dropReminder'>;
  now: () => number;
  /** After a booking's flag is written, set or dropped (the record as written): its progress message and Home tabs are redrawn. */
  onFlagChanged?: (booking: BookingRecord) => void;
};

/** The bookings whose office should hear that `userId` is gone (pure): on the roster, not declined, check-in ahead, not being cancelled. */
export function bookingsLosing(bookings: readonly BookingRecord[], userId: string, nowMs: number, config: Config): BookingRecord[] {
  return bookings.filter(
    (b) =>
      ROSTER_STATES.includes(b.state) &&
      b.roster.some((m) => m.slackUserId === userId) &&
      b.declines?.[userId] === undefined &&
      cancelOperation(b) === undefined &&
      b.slack.approvalTs !== undefined &&
      !toldDeactivated(b, userId) &&
      checkInMsOf(b, config) > nowMs,
  );
}

/** The ops thread's line: who, on which part of the roster, and what to do. */
export function deactivatedLine(booking: BookingRecord, userId: string): string {
  const role = booking.roster.find((m) => m.slackUserId === userId)?.role === 'captain' ? 'the captain' : 'on the crew';
  const what =
    booking.state === 'pending_approval'
      ? 'Approved as it is, their crew call would reach nobody: approve it and change the crew (Edit), or cancel it and book again with someone else.'
      : 'Crew calls and reminders can no longer reach them. Change the crew (Edit) and approve the change.';
  return `:warning: ${mention(userId)}'s Slack account was deactivated, and they are ${role} of this charter. ${what}`;
}

/** One line in a booking's ops thread, named by `ordinal` and looked up from `earliestMs` before it is posted (PostOnce). */
function postThreadLine(deps: MemberDeactivatedDeps, booking: BookingRecord, line: { text: string; ordinal: string; earliestMs: number; what: string }, log: MemberDeactivatedDeps['log']) {
  return deps.poster.post({
    channel: booking.slack.channel,
    thread_ts: booking.slack.approvalTs!,
    text: line.text,
    metadata: crewPostMetadata(booking.id, 'crew_reminder', { rev: booking.revision ?? 1, ordinal: line.ordinal }),
    matchOn: ['booking_id', 'post', 'ordinal'],
    lookUpFirst: true,
    earliestMs: line.earliestMs,
    log,
    what: line.what,
  });
}

/** How far before Slack's word a line of the same deactivation may have been posted (clocks of processes differ). */
const LOOKUP_MARGIN_MS = 60_000;

/**
 * Claims, posts and marks one booking's line; true when this call posted it. `sinceMs`: when Slack
 * said they were deactivated (the registry), which names this deactivation in the line's metadata,
 * so a second one after a reactivation is told again rather than found as the first one's line.
 */
async function tellOne(deps: MemberDeactivatedDeps, candidate: BookingRecord, userId: string, sinceMs: number): Promise<boolean> {
  const key = deactivatedKey(userId);
  const log = deps.log.child({ bookingId: candidate.id, userId });
  const { claimed, booking } = await deps.service.claimReminder(candidate.id, key, deps.owner, deps.claimLeaseMs ?? 120_000);
  // Decided again on the claimed record: the crew may have changed meanwhile.
  if (!claimed || bookingsLosing([booking], userId, deps.now(), deps.config).length === 0) return false;
  try {
    const earliestMs = Math.max(booking.createdAtMs, sinceMs - LOOKUP_MARGIN_MS);
    await postThreadLine(deps, booking, { text: deactivatedLine(booking, userId), ordinal: `${key}:${sinceMs}`, earliestMs, what: 'member-deactivated line' }, log);
  } catch (err) {
    log.warn({ err }, 'could not tell the office a rostered member was deactivated; tried again once the claim lapses (crew reminder task)');
    return false;
  }
  deps.onFlagChanged?.(await deps.service.markReminderSent(booking.id, key, deps.owner));
  log.info('office told a rostered member was deactivated');
  return true;
}

/**
 * Who Slack said is deactivated (user id → when), in one meta entry: a user_change for anyone else
 * (Slack sends one for every status change) costs a single read of it to tell that it is not a
 * reactivation of someone flagged.
 */
export const DEACTIVATED_MEMBERS_KEY = 'deactivated-members';
type Registry = Record<string, number>;

function parseRegistry(value: string | undefined): Registry {
  try {
    const parsed: unknown = value ? JSON.parse(value) : {};
    return parsed && typeof parsed === 'object' ? (parsed as Registry) : {};
  } catch {
    return {};
  }
}

async function updateRegistry(store: MemberDeactivatedDeps['store'], mutate: (r: Registry) => Registry | undefined): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const entry = await store.getMeta(DEACTIVATED_MEMBERS_KEY);
    const next = mutate(parseRegistry(entry?.value));
    if (!next) return;
    if (await store.casMeta(DEACTIVATED_MEMBERS_KEY, JSON.stringify(next), entry?.version ?? 0)) return;
  }
  throw new Error(`${DEACTIVATED_MEMBERS_KEY}: too many concurrent writers`);
}

/** Tells the office of every charter ahead that `userId` is on; resolves to how many lines this call posted. */
export function memberDeactivatedNotifier(deps: MemberDeactivatedDeps): (userId: string) => Promise<number> {
  return async (userId) => {
    const atMs = deps.now();
    let sinceMs = atMs;
    await updateRegistry(deps.store, (r) => {
      // Already flagged (a redelivery, another process): the same deactivation, named by its first word.
      sinceMs = r[userId] ?? atMs;
      return r[userId] !== undefined ? undefined : { ...r, [userId]: atMs };
    });
    const listed = bookingsLosing(await deps.store.listByStates(ROSTER_STATES), userId, deps.now(), deps.config);
    let posted = 0;
    for (const candidate of listed) if (await tellOne(deps, candidate, userId, sinceMs)) posted += 1;
    return posted;
  };
}

/**
 * Members whose line a delivery claimed and never marked sent (the post failed, the process died),
 * once that claim has lapsed: the key's presence is the proof Slack said they were deactivated.
 */
export function unsentDeactivations(booking: BookingRecord, nowMs: number): string[] {
  return Object.entries(booking.reminders ?? {}).flatMap(([key, state]) =>
    key.startsWith(deactivatedKey('')) && state.sentAtMs === undefined && (state.claimExpiresAtMs ?? 0) <= nowMs ? [key.slice(deactivatedKey('').length)] : [],
  );
}

/**
 * For the crew reminder task's listing: posts the lines whose first attempt failed, so a line is
 * delayed by a Slack outage or a crash, not lost. Resolves to how many it posted.
 */
export function retryUnsentDeactivations(deps: MemberDeactivatedDeps): (bookings: readonly BookingRecord[], nowMs: number) => Promise<number> {
  return async (bookings, nowMs) => {
    let posted = 0;
    let registry: Registry | undefined;
    for (const booking of bookings) {
      // Checked on the listing first: a member taken off the crew since leaves a key nobody needs, and no write.
      const due = unsentDeactivations(booking, nowMs).filter((userId) => bookingsLosing([booking], userId, nowMs, deps.config).length > 0);
      if (due.length === 0) continue;
      registry ??= parseRegistry((await deps.store.getMeta(DEACTIVATED_MEMBERS_KEY))?.value);
      for (const userId of due) {
        const sinceMs = registry[userId];
        // Not in the registry: reactivated meanwhile (their flags are being dropped).
        if (sinceMs !== undefined && (await tellOne(deps, booking, userId, sinceMs))) posted += 1;
      }
    }
    return posted;
  };
}

/** The ops thread's line once a flagged member is active again. */
export function reactivatedLine(userId: string): string {
  return `:white_check_mark: ${mention(userId)}'s Slack account is active again: crew calls and reminders reach them again.`;
}

/**
 * A user_change for someone not deactivated: if Slack had said they were (the registry), their
 * flags are dropped from every charter still ahead — the marks go, reminders DM them again — and
 * each thread that was told hears they are back. The bookings go first and the registry after, so
 * a crash in between is finished by their next user_change. Resolves to how many lines it posted.
 */
export function memberActiveNotifier(deps: MemberDeactivatedDeps): (userId: string) => Promise<number> {
  return async (userId) => {
    if (parseRegistry((await deps.store.getMeta(DEACTIVATED_MEMBERS_KEY))?.value)[userId] === undefined) return 0;
    const key = deactivatedKey(userId);
    const flagged = (await deps.store.listByStates(ROSTER_STATES)).filter((b) => b.reminders?.[key] !== undefined);
    let posted = 0;
    for (const candidate of flagged) {
      // Dropping the flag is the claim: only the writer that dropped a mark of a line sent posts.
      const { written, booking, dropped } = await deps.service.dropReminder(candidate.id, key);
      if (!written) continue;
      deps.onFlagChanged?.(booking);
      if (dropped?.sentAtMs === undefined || !booking.slack.approvalTs) continue;
      const log = deps.log.child({ bookingId: booking.id, userId });
      try {
        await postThreadLine(deps, booking, { text: reactivatedLine(userId), ordinal: `reactivated:${userId}:${dropped.sentAtMs}`, earliestMs: dropped.sentAtMs, what: 'member-reactivated line' }, log);
        posted += 1;
      } catch (err) {
        log.warn({ err }, 'could not tell the office a member is active again; their marks are cleared all the same');
      }
    }
    await updateRegistry(deps.store, (r) => {
      if (r[userId] === undefined) return undefined;
      const { [userId]: _back, ...rest } = r;
      return rest;
    });
    return posted;
  };
}
