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
 * (tellOwedDeactivations), which also posts a line the delivery never claimed (the store briefly
 * unavailable after the registry's write, a crash).
 *
 * Who Slack said is deactivated is kept in one meta entry (DEACTIVATED_MEMBERS_KEY), so a later
 * user_change without `deleted` — a reactivation — is recognised with one read, and the flags go
 * (memberActiveNotifier).
 */
import type { Config } from '../config';
import { cancelOperation } from '../pipeline/operations';
import { deactivatedKey, ROSTER_STATES, toldDeactivated } from '../pipeline/reminders';
import type { BookingService } from '../pipeline/service';
import { updateMeta, type BookingStore } from '../pipeline/store';
import type { BookingRecord } from '../pipeline/types';
import { withApprovalDm } from './approval-dm';
import { mention } from './blocks/format';
import { crewPostMetadata } from './booking-ref';
import { checkInMsOf, type CrewReminderDeps } from './crew-reminders';

/** The reminders' claim and post machinery (the same claims, the same PostOnce), the store's meta entries, and a clock. */
export type MemberDeactivatedDeps = Pick<CrewReminderDeps, 'client' | 'poster' | 'config' | 'log' | 'owner' | 'claimLeaseMs'> & {
  store: Pick<BookingStore, 'listCurrent' | 'getMeta' | 'casMeta'>;
  service: Pick<BookingService, 'claimReminder' | 'markReminderSent' | 'dropReminder' | 'updateSlackRefs'>;
  now: () => number;
  /** After a booking's flag is written, set or dropped (the record as written): its progress message and Home tabs are redrawn. */
  onFlagChanged?: (booking: BookingRecord) => void;
  /** Slack's answer now, not a cached one: is this member's account deactivated (users.info `deleted`)? */
  stillDeactivated: (userId: string) => Promise<boolean>;
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
async function postThreadLine(deps: MemberDeactivatedDeps, stored: BookingRecord, line: { text: string; ordinal: string; earliestMs: number; what: string }, log: MemberDeactivatedDeps['log']) {
  const booking = await withApprovalDm({ client: deps.client, refs: deps.service, log }, stored);
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

function updateRegistry(store: MemberDeactivatedDeps['store'], mutate: (r: Registry) => Registry | undefined): Promise<void> {
  return updateMeta(
    store,
    DEACTIVATED_MEMBERS_KEY,
    (value) => {
      const next = mutate(parseRegistry(value));
      return next && JSON.stringify(next);
    },
    20,
  );
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
    const listed = bookingsLosing(await deps.store.listCurrent(ROSTER_STATES, deps.now()), userId, deps.now(), deps.config);
    let posted = 0;
    for (const candidate of listed) if (await tellOne(deps, candidate, userId, sinceMs)) posted += 1;
    return posted;
  };
}

/**
 * The registry's members a booking still owes a line (pure), on the crew reminder task's listing:
 * - never claimed: the delivery recorded them in the registry, then could not list or claim the
 *   bookings (the store briefly unavailable, the process gone). Only a booking made before the
 *   deactivation: one made later passed the form's check of its crew, so its member is likely
 *   active again and the reactivation event missed;
 * - claimed and never marked sent, once that claim has lapsed (the post failed, the process died).
 */
export function owedDeactivations(booking: BookingRecord, registry: Readonly<Record<string, number>>, nowMs: number, config: Config): string[] {
  return Object.entries(registry).flatMap(([userId, sinceMs]) => {
    const state = booking.reminders?.[deactivatedKey(userId)];
    const owed = state === undefined ? booking.createdAtMs <= sinceMs : state.sentAtMs === undefined && (state.claimExpiresAtMs ?? 0) <= nowMs;
    return owed && bookingsLosing([booking], userId, nowMs, config).length > 0 ? [userId] : [];
  });
}

/**
 * For the crew reminder task's listing: posts the lines a delivery owed and did not post, so a line
 * is delayed by a Slack outage, a briefly unavailable store or a crash, not lost. One read of the
 * registry a tick. A line never claimed is posted only once Slack says again, asked afresh, that
 * the member is deactivated: a reactivation under way drops the bookings' flags before the
 * registry entry, and such a booking must not be told they are gone. Resolves to how many it posted.
 */
export function tellOwedDeactivations(deps: MemberDeactivatedDeps): (bookings: readonly BookingRecord[], nowMs: number) => Promise<number> {
  return async (bookings, nowMs) => {
    if (bookings.length === 0) return 0;
    const registry = parseRegistry((await deps.store.getMeta(DEACTIVATED_MEMBERS_KEY))?.value);
    if (Object.keys(registry).length === 0) return 0;
    const confirmed = new Map<string, Promise<boolean>>();
    const stillDeactivated = (userId: string) => {
      if (!confirmed.has(userId)) confirmed.set(userId, deps.stillDeactivated(userId).catch(() => false));
      return confirmed.get(userId)!;
    };
    let posted = 0;
    for (const booking of bookings) {
      for (const userId of owedDeactivations(booking, registry, nowMs, deps.config)) {
        const neverClaimed = booking.reminders?.[deactivatedKey(userId)] === undefined;
        if (neverClaimed && !(await stillDeactivated(userId))) continue;
        if (await tellOne(deps, booking, userId, registry[userId]!)) posted += 1;
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
    const flagged = (await deps.store.listCurrent(ROSTER_STATES, deps.now())).filter((b) => b.reminders?.[key] !== undefined);
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
