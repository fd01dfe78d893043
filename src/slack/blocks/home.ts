/**
 * The App Home tab: what's coming in the next 14 days, grouped by day in the operator's time zone.
 * Two views, two builders:
 * - approvers (homeForApprover): what waits for their approval at the top (new requests and change
 *   requests), then every upcoming charter with its state, crew confirmations, guest link and
 *   buttons (Details; Retry when failed);
 * - everyone else (homeForCrew): only their own upcoming calls that went out to them, with Confirm. Built from the
 *   crew-safe projection (CrewSafeView has no money field, checked at compile time), so no amount
 *   can reach a crew member's Home.
 * Slack allows 100 blocks per view: both builders stop adding charters before that and end with
 * "…and N more", never a truncated view or a views.publish error.
 */
import type { Button, KnownBlock } from '@slack/types';
import { DateTime } from 'luxon';
import { crewSafeFirstName, type CrewSafeView } from '../../booking/crew-safe';
import { formatCents } from '../../booking/money';
import { charterSchedule, humanDate, humanDateTime, humanTime, zoneLabel } from '../../booking/time';
import { activeOperation, cancelOperation, detailsOf, operationsOf } from '../../pipeline/operations';
import { toldDeactivated } from '../../pipeline/reminders';
import type { BookingDetails, BookingRecord, BookingState, Operation, OperationKind } from '../../pipeline/types';
import { APPROVE_ACTION_ID } from './approval';
import { answerValue, CREW_CONFIRM_ACTION_PREFIX, DEACTIVATED_MARK, DECLINED_MARK } from './crew';
import { escapeAndFit, escapeMrkdwn, fitLines, mention, rosterMention } from './format';
import { CHANGE_APPROVE_ACTION_ID, changeDiff, changeValue, diffLineText } from './lifecycle';
import { LIMITS } from './limits';
import { crewClosedWords, crewNeverCalled, detailsButton, RETRY_ACTION_ID, RETRY_BUTTON_TEXT } from './progress';

/** Slack's limit for a Home tab (and any view). */
export const MAX_VIEW_BLOCKS = 100;
export const HOME_DAYS = 14;
/** Pending approvals (new requests and change requests) listed one by one before the rest are summarised. */
export const MAX_PENDING_LISTED = 10;
/** A change request's fields listed on the Home before "…and N more": the request in the charter's thread has them all. */
const CHANGE_FIELDS_LISTED = 4;
/** Each old and new value of a change, as the Home shows it (escaped, then shortened). */
const CHANGE_VALUE_MAX = 80;

/** Booking states the Home tab lists as upcoming charters (pending ones have their own section). */
export const UPCOMING_STATES: readonly BookingState[] = ['approved', 'running', 'done', 'failed'];

export interface HomeView {
  type: 'home';
  blocks: KnownBlock[];
}

export interface HomeSettings {
  nowMs: number;
  timezone: string;
  checkInLeadMinutes: number;
  guestUrl: (bookingId: string) => string;
  days?: number;
  /**
   * Hook for the lifecycle operations: extra buttons per charter (Edit, Cancel) once they exist.
   * Returned buttons join Details/Retry in the charter's actions row.
   */
  lifecycleButtons?: (booking: BookingRecord) => Button[];
  /**
   * The viewer's own call on a charter they crew (an approver who captains, say), undefined where
   * they are not on it: the approver's view is theirs, and it must still let them answer their call.
   */
  ownCall?: (booking: BookingRecord) => OwnCall | undefined;
  /**
   * False for a request the viewer may not approve (its creator, with CHARTER_REQUIRE_SECOND_APPROVER):
   * an Approve button there could only be refused.
   */
  mayApprove?: (booking: BookingRecord) => boolean;
  /** Likewise for a change request (its requester, with CHARTER_REQUIRE_SECOND_APPROVER). */
  mayApproveChange?: (booking: BookingRecord, change: Operation) => boolean;
  /** CHARTER_OPS_CHANNEL: where approvals wait. Unset, each waits where it was asked (a channel, an approver's DM). */
  opsChannel?: string;
}

/** Confirmation marks for one roster member: ✅ confirmed, ❌ declined, ❓ not yet. */
export type CrewMark = 'confirmed' | 'declined' | 'unconfirmed';

/** Decline arrives with the crew-privacy work as `declines` (user id → when); read it if present. */
export function crewMark(booking: Pick<BookingRecord, 'confirmations'> & { declines?: unknown }, userId: string): CrewMark {
  const declines = booking.declines && typeof booking.declines === 'object' ? (booking.declines as Record<string, unknown>) : {};
  if (declines[userId] !== undefined) return 'declined';
  return booking.confirmations[userId] !== undefined ? 'confirmed' : 'unconfirmed';
}

const MARK_EMOJI: Record<CrewMark, string> = { confirmed: ':white_check_mark:', declined: DECLINED_MARK, unconfirmed: ':question:' };

const STATE_WORDS: Record<BookingState, string> = {
  pending_approval: ':hourglass_flowing_sand: waiting for approval',
  approved: ':large_blue_circle: approved, starting',
  running: ':large_blue_circle: setting up',
  done: ':white_check_mark: all set',
  failed: ':warning: needs attention',
  cancelled: ':no_entry_sign: cancelled',
};

/** A follow-up operation running, or failed and waiting for Retry, under a charter set up long ago. */
const OPERATION_WORDS: Partial<Record<OperationKind, { running: string; failed: string }>> = {
  change: { running: ':large_blue_circle: being updated', failed: ':warning: update needs attention' },
  refresh: { running: ':large_blue_circle: guest page refreshing', failed: ':warning: guest page refresh needs attention' },
};

/**
 * A cancel or a change runs (or waits for Retry) under the same "running"/"failed" states as the
 * first set-up, which would read "setting up" for a charter set up long ago: say what is happening.
 */
function stateWords(booking: BookingRecord): string {
  if (booking.state !== 'cancelled' && cancelOperation(booking)) return booking.state === 'failed' ? ':warning: cancelling, needs attention' : ':no_entry_sign: being cancelled';
  // "all set" alone would hide that the charter may soon change: its request is listed above.
  const changeWaits = proposedChanges(booking).length > 0 ? ' · :hourglass_flowing_sand: change waiting for approval' : '';
  const kind = booking.state === 'running' || booking.state === 'failed' ? activeOperation(booking)?.kind : undefined;
  const words = kind ? OPERATION_WORDS[kind] : undefined;
  if (words) return `${booking.state === 'failed' ? words.failed : words.running}${changeWaits}`;
  return `${STATE_WORDS[booking.state]}${changeWaits}`;
}

/** Change requests of a charter waiting for an approver (none once a cancel was asked for: it dropped them). */
function proposedChanges(booking: BookingRecord): (Operation & { details: BookingDetails })[] {
  if (!UPCOMING_STATES.includes(booking.state) || cancelOperation(booking)) return [];
  return operationsOf(booking).filter((o): o is Operation & { details: BookingDetails } => o.kind === 'change' && o.status === 'proposed' && o.details !== undefined);
}

interface Dated<T> {
  item: T;
  departure: DateTime;
}

/**
 * Items departing within [now, the same wall time `days` days later in the operator's zone), soonest first. The store lists every current
 * booking (done ones until two days after their charter; pending approvals however far ahead), and
 * working out a departure in a zone costs ~0.25 ms, so the
 * local date string (YYYY-MM-DD) rules out far-off items first, with a day's margin either side.
 * Charters departing together are in booking id order: the store lists by last update, so a crew
 * answer on one would otherwise swap them, moving rows under the reader and republishing every tab.
 */
function upcoming<T>(items: readonly T[], dateOf: (t: T) => string, departureOf: (t: T) => DateTime, idOf: (t: T) => string, settings: Pick<HomeSettings, 'nowMs' | 'timezone' | 'days'>): Dated<T>[] {
  const from = settings.nowMs;
  // Calendar days in the operator's zone: across a DST change a day is 23 or 25 hours, not 24.
  const to = DateTime.fromMillis(settings.nowMs, { zone: settings.timezone }).plus({ days: settings.days ?? HOME_DAYS }).toMillis();
  const mayBeInWindow = homeDateFilter(settings);
  return items
    .filter((item) => mayBeInWindow(dateOf(item)))
    .map((item) => ({ item, departure: departureOf(item) }))
    .filter(({ departure }) => departure.isValid && departure.toMillis() >= from && departure.toMillis() < to)
    .sort((a, b) => a.departure.toMillis() - b.departure.toMillis() || byId(idOf(a.item), idOf(b.item)));
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A cheap test on a local date (YYYY-MM-DD): false only for dates certainly outside the Home's window. */
export function homeDateFilter(settings: Pick<HomeSettings, 'nowMs' | 'timezone' | 'days'>): (date: string) => boolean {
  const today = DateTime.fromMillis(settings.nowMs, { zone: settings.timezone });
  const firstDate = today.minus({ days: 1 }).toISODate() ?? '';
  const lastDate = today.plus({ days: (settings.days ?? HOME_DAYS) + 1 }).toISODate() ?? '9999-12-31';
  return (date) => date >= firstDate && date <= lastDate;
}

const dayKey = (dt: DateTime) => dt.toISODate() ?? '';

/** Adds whole units (a charter's blocks) while they fit, keeping one block for the summary. */
class BlockBudget {
  readonly blocks: KnownBlock[] = [];
  private full = false;

  constructor(private readonly max = MAX_VIEW_BLOCKS) {}

  /** False once a unit did not fit: everything after it is summarised, so order is kept. */
  add(unit: KnownBlock[]): boolean {
    if (this.full || this.blocks.length + unit.length > this.max - 1) {
      this.full = true;
      return false;
    }
    this.blocks.push(...unit);
    return true;
  }

  summary(text: string): void {
    this.blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text }] });
  }
}

function intro(title: string, settings: Pick<HomeSettings, 'nowMs' | 'timezone'>): KnownBlock[] {
  const now = DateTime.fromMillis(settings.nowMs, { zone: settings.timezone });
  return [
    { type: 'header', text: { type: 'plain_text', text: title } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `Times in ${zoneLabel(settings.timezone, now)} · updated ${humanDateTime(now)}` }] },
  ];
}

function daySection(day: DateTime): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: `*${day.setLocale('en-US').toFormat('cccc, LLL d')}*` } };
}

/** A request's roster members the office was told are deactivated: approved as it is, their call would reach nobody. */
function deactivatedNote(booking: BookingRecord): string {
  const gone = booking.roster.filter((m) => toldDeactivated(booking, m.slackUserId));
  if (gone.length === 0) return '';
  return `\n${DEACTIVATED_MARK} Slack account deactivated: ${gone.map(rosterMention).join(', ')} — see the request's thread`;
}

/**
 * "Crew: ✅ @Cap  ❓ @Lee". Once a cancel is asked nobody is asked to answer (crew-answers.ts): the
 * line says what the crew were told, as the progress message does, and who had not answered is
 * listed as such rather than marked ❓ "not yet".
 */
function crewLine(booking: BookingRecord): string {
  const closed = crewClosedWords(booking);
  const marked = (m: BookingRecord['roster'][number]) => {
    const gone = toldDeactivated(booking, m.slackUserId);
    return `${gone ? DEACTIVATED_MARK : MARK_EMOJI[crewMark(booking, m.slackUserId)]} ${rosterMention(m)}${gone ? ' (deactivated)' : ''}`;
  };
  if (!closed) return `Crew: ${booking.roster.map(marked).join('  ') || 'no crew'}`;
  if (crewNeverCalled(booking)) return `Crew — ${closed}: ${booking.roster.map(rosterMention).join(', ') || 'no crew'}`;
  const silent = (m: BookingRecord['roster'][number]) => !toldDeactivated(booking, m.slackUserId) && crewMark(booking, m.slackUserId) === 'unconfirmed';
  const answered = booking.roster.filter((m) => !silent(m)).map(marked).join('  ');
  const notAnswered = booking.roster.filter(silent).map(rosterMention).join(', ');
  return [`Crew — ${closed}`, ...(answered ? [answered] : []), ...(notAnswered ? [`had not answered: ${notAnswered}`] : [])].join(' · ');
}

/** An approver's own call on a charter, worked out once per charter from whether they may answer it now. */
export interface OwnCall {
  /** Their answer buttons (none while answers are closed). */
  buttons: Button[];
  /**
   * True where a change reset their call and has not posted the new one: answers are refused until
   * it does (crew-answers.ts), so the charter says so where the buttons would be.
   */
  beingUpdated: boolean;
  /** True while their crew call has not gone out: answers are refused until it does (crew-answers.ts). */
  notCalled?: boolean;
}

function charterBlocks(booking: BookingRecord, departure: DateTime, settings: HomeSettings): KnownBlock[] {
  const r = booking.request;
  const guestLink = booking.steps.guest_cache.status === 'done' ? ` · <${settings.guestUrl(booking.id)}|guest page>` : '';
  const own = settings.ownCall?.(booking);
  const ownCall = own?.beingUpdated ? `\nYour call: ${CALL_BEING_UPDATED_WORDS}` : own?.notCalled ? `\nYour call: ${CALL_NOT_SENT_WORDS}` : '';
  const text = `*${humanTime(departure)}* · ${escapeMrkdwn(crewSafeFirstName(r.guestName))} · party of ${r.partySize} · ${stateWords(booking)}\n${crewLine(booking)}${guestLink}${ownCall}`;
  const buttons: Button[] = [
    ...(booking.state === 'failed' ? [{ type: 'button' as const, action_id: RETRY_ACTION_ID, style: 'primary' as const, text: { type: 'plain_text' as const, text: RETRY_BUTTON_TEXT }, value: booking.id }] : []),
    ...(own?.buttons ?? []),
    detailsButton(booking.id),
    ...(settings.lifecycleButtons?.(booking) ?? []),
  ];
  if (buttons.length === 1) return [{ type: 'section', text: { type: 'mrkdwn', text }, accessory: buttons[0] as Button }];
  return [
    { type: 'section', text: { type: 'mrkdwn', text } },
    { type: 'actions', elements: buttons },
  ];
}

function pendingBlocks(booking: BookingRecord, departure: DateTime, settings: HomeSettings): KnownBlock[] {
  const r = booking.request;
  const mayApprove = settings.mayApprove?.(booking) ?? true;
  const approve: Button = { type: 'button', action_id: APPROVE_ACTION_ID, style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value: booking.id };
  return [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*${humanDate(departure)}, ${humanTime(departure)}* · ${escapeMrkdwn(crewSafeFirstName(r.guestName))} · party of ${r.partySize} · net ${formatCents(booking.costs.netCents)} · requested by ${mention(booking.createdBy)}${deactivatedNote(booking)}${mayApprove ? '' : '\n:busts_in_silhouette: This one needs an approver other than you.'}`,
      },
    },
    { type: 'actions', elements: [...(mayApprove ? [approve] : []), detailsButton(booking.id)] },
  ];
}

/**
 * A change request as the approver needs to decide it: which charter (as it is now), who asked,
 * and what it changes — a few fields, shortened; the request in the charter's thread has them whole.
 */
function changeBlocks(booking: BookingRecord, change: Operation & { details: BookingDetails }, settings: HomeSettings): KnownBlock[] {
  const now = charterSchedule(booking.request, settings.timezone, settings.checkInLeadMinutes).departure;
  const mayApprove = settings.mayApproveChange?.(booking, change) ?? true;
  // Against the details it would replace, as its request message shows it.
  const from = change.previous ?? detailsOf(booking);
  const diff = changeDiff(from, change.details, settings);
  const net = from.costs.netCents === change.details.costs.netCents ? '' : ` · net ${formatCents(from.costs.netCents)} → ${formatCents(change.details.costs.netCents)}`;
  const head = `*${humanDate(now)}, ${humanTime(now)}* · ${escapeMrkdwn(crewSafeFirstName(booking.request.guestName))} · *change (${escapeAndFit(change.label ?? 'edit', 40)})*${net} · requested by ${mention(change.requestedBy)}`;
  const fields = diff.length === 0 ? ['_Nothing left to change: the charter already reads so._'] : diff.slice(0, CHANGE_FIELDS_LISTED).map((l) => diffLineText(l, CHANGE_VALUE_MAX));
  if (diff.length > CHANGE_FIELDS_LISTED) fields.push(`_…and ${diff.length - CHANGE_FIELDS_LISTED} more — see the request in the charter's thread_`);
  const policy = mayApprove ? '' : '\n:busts_in_silhouette: This change needs an approver other than you.';
  const approve: Button = { type: 'button', action_id: CHANGE_APPROVE_ACTION_ID, style: 'primary', text: { type: 'plain_text', text: 'Approve change' }, value: changeValue(booking.id, change.id) };
  return [
    { type: 'section', text: { type: 'mrkdwn', text: `${head}\n${fitLines(fields, LIMITS.sectionText - head.length - policy.length - 1)}${policy}` } },
    { type: 'actions', elements: [...(mayApprove ? [approve] : []), detailsButton(booking.id)] },
  ];
}

type Waiting = { booking: BookingRecord; change?: Operation & { details: BookingDetails } };

/** Upcoming charters (any `UPCOMING_STATES`) and pending approvals, for an approver. */
export function homeForApprover(bookings: readonly BookingRecord[], settings: HomeSettings): HomeView {
  const days = settings.days ?? HOME_DAYS;
  const departureOf = (b: BookingRecord) => charterSchedule(b.request, settings.timezone, settings.checkInLeadMinutes).departure;
  const budget = new BlockBudget();
  budget.add(intro(`Charters — next ${days} days`, settings));

  // Pending approvals: every one not yet departed, however far out (they need a decision now). A
  // change request's approval closes when the charter as it would leave it departs (a reschedule of
  // a charter that has sailed still goes), but it is listed by the date it shows: the charter's now.
  const waiting: Waiting[] = [...bookings.filter((b) => b.state === 'pending_approval').map((booking) => ({ booking })), ...bookings.flatMap((booking) => proposedChanges(booking).map((change) => ({ booking, change })))];
  const requestOf = (w: Waiting) => w.change?.details.request ?? w.booking.request;
  const idOf = (w: Waiting) => (w.change ? changeValue(w.booking.id, w.change.id) : w.booking.id);
  const pending = upcoming(waiting, (w) => requestOf(w).date, (w) => charterSchedule(requestOf(w), settings.timezone, settings.checkInLeadMinutes).departure, idOf, { ...settings, days: 3650 })
    .map(({ item }) => ({ item, departure: departureOf(item.booking) }))
    .sort((a, b) => a.departure.toMillis() - b.departure.toMillis() || byId(idOf(a.item), idOf(b.item)));
  let pendingLeft = pending.length;
  if (pending.length > 0) {
    budget.add([{ type: 'section', text: { type: 'mrkdwn', text: `*:hourglass_flowing_sand: Waiting for approval (${pending.length})*` } }]);
    for (const { item, departure } of pending.slice(0, MAX_PENDING_LISTED)) {
      if (!budget.add(item.change ? changeBlocks(item.booking, item.change, settings) : pendingBlocks(item.booking, departure, settings))) break;
      pendingLeft -= 1;
    }
    // Without CHARTER_OPS_CHANNEL an approval waits where /charter was run, or in an approver's DM.
    const where = settings.opsChannel ? ` in <#${settings.opsChannel}>` : ', each where it was asked (a channel, or an approver\'s DM)';
    if (pendingLeft > 0) budget.add([{ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${pendingLeft} more waiting for approval${where}.` }] }]);
  }
  budget.add([{ type: 'divider' }]);

  const charters = upcoming(bookings.filter((b) => UPCOMING_STATES.includes(b.state)), (b) => b.request.date, departureOf, (b) => b.id, settings);
  if (charters.length === 0) budget.add([{ type: 'section', text: { type: 'mrkdwn', text: `No charters in the next ${days} days.` } }]);
  let shown = 0;
  let lastDay = '';
  for (const { item, departure } of charters) {
    const day = dayKey(departure);
    const unit = [...(day !== lastDay ? [daySection(departure)] : []), ...charterBlocks(item, departure, settings)];
    if (!budget.add(unit)) break;
    lastDay = day;
    shown += 1;
  }
  const more = charters.length - shown;
  if (more > 0) {
    const last = charters.at(-1)?.departure;
    budget.summary(`…and ${more} more charter${more === 1 ? '' : 's'} through ${last ? humanDate(last) : 'the next two weeks'} — \`/charter status ID\` shows any one.`);
  }
  return { type: 'home', blocks: budget.blocks };
}

/**
 * The tab when the bookings could not be read (the store did not answer) while its user looks at
 * it: an empty tab, or the last one with its "updated" time, would pass for "nothing on" or current.
 */
export function homeUnavailable(settings: Pick<HomeSettings, 'nowMs' | 'timezone'>): HomeView {
  const now = DateTime.fromMillis(settings.nowMs, { zone: settings.timezone });
  return {
    type: 'home',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'Charters' } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `Tried ${humanDateTime(now)}` }] },
      { type: 'section', text: { type: 'mrkdwn', text: ':warning: Your charters could not be loaded just now. Close Home and open it again in a minute.' } },
    ],
  };
}

/** One crew call as the crew member sees it: crew-safe facts and their own mark, nothing else. */
export interface CrewCall {
  view: CrewSafeView;
  mark: CrewMark;
  /** A cancel was asked for: answers are refused (crew-answers.ts), so nothing is asked of them. */
  cancelled?: boolean;
  /** A change reset their call and has not posted the new one: answers are refused until it does (crew-answers.ts). */
  beingUpdated?: boolean;
  /** False until the guest page is uploaded and its cache cleared: before that its link opens an error page. */
  guestPageLive?: boolean;
  /** The revision of the call shown (BookingRecord.callRevisions): its buttons carry it, so a tab left behind by a change is refused. */
  callRevision?: number;
}

const CREW_MARK_WORDS: Record<CrewMark, string> = {
  confirmed: ':white_check_mark: you confirmed',
  declined: `${DECLINED_MARK} you declined`,
  unconfirmed: ':question: please confirm',
};

const CANCELLED_CALL_WORDS = ':no_entry_sign: cancelled — nobody needs to come in';
const CALL_NOT_SENT_WORDS = ':hourglass_flowing_sand: not sent yet — answer it once it arrives';
const CALL_BEING_UPDATED_WORDS = ':arrows_counterclockwise: being updated — your new call is on its way';

/**
 * Confirm for `userId` on booking `sessionId`, handled by the crew post's listener. It carries the
 * revision of the call the tab shows, as the crew post's does: a tab a change left behind (its
 * republish waits out a debounce, and one Slack refused waits for the next change) must not
 * confirm a call it never showed.
 */
export function crewConfirmButton(sessionId: string, userId: string, afterDecline = false, callRevision?: number): Button {
  return { type: 'button', action_id: `${CREW_CONFIRM_ACTION_PREFIX}${userId}`, style: 'primary', text: { type: 'plain_text', text: afterDecline ? 'Confirm after all' : 'Confirm' }, value: answerValue(sessionId, userId, callRevision) };
}

/**
 * Which answers a call offers, as the crew post does: an answer can be changed until departure, so
 * after Confirm there is Can't make it (`decline`), and after Can't make it, Confirm after all.
 */
export function answerButtons(mark: CrewMark, confirm: (afterDecline: boolean) => Button, decline: () => Button[]): Button[] {
  if (mark === 'confirmed') return decline();
  if (mark === 'declined') return [confirm(true)];
  return [confirm(false), ...decline()];
}

export interface CrewHomeSettings extends Omit<HomeSettings, 'guestUrl' | 'lifecycleButtons' | 'ownCall'> {
  /**
   * Hook for Decline (crew-privacy work): the buttons that say "can't make it", offered on an
   * unanswered call (next to Confirm: an actions row) and on a confirmed one (see answerButtons).
   */
  crewButtons?: (call: CrewCall, userId: string) => Button[];
}

/** A crew member's own upcoming calls. Takes only CrewSafeView values: no money can get in. */
export function homeForCrew(userId: string, calls: readonly CrewCall[], settings: CrewHomeSettings): HomeView {
  const days = settings.days ?? HOME_DAYS;
  const departureOf = (c: CrewCall) => DateTime.fromISO(c.view.departure.iso, { zone: settings.timezone });
  const budget = new BlockBudget();
  budget.add(intro(`Your crew calls — next ${days} days`, settings));
  const mine = upcoming(calls, (c) => c.view.date, departureOf, (c) => c.view.sessionId, settings);
  if (mine.length === 0) budget.add([{ type: 'section', text: { type: 'mrkdwn', text: `Nothing on your schedule in the next ${days} days.` } }]);
  let shown = 0;
  let lastDay = '';
  for (const { item, departure } of mine) {
    const v = item.view;
    const day = dayKey(departure);
    const role = v.roster.find((m) => m.slackUserId === userId)?.role === 'captain' ? 'Captain' : 'Crew';
    const status = item.cancelled ? CANCELLED_CALL_WORDS : item.beingUpdated ? CALL_BEING_UPDATED_WORDS : CREW_MARK_WORDS[item.mark];
    const text = `*Check-in ${v.checkIn.text}* · ${role} on ${escapeMrkdwn(v.vesselName)} · ${v.timeRangeText}\n${escapeMrkdwn(v.guestFirstName)}, party of ${v.partySize} · ${status}${item.guestPageLive === false ? '' : ` · <${v.guestUrl}|guest page>`}`;
    const buttons = item.cancelled || item.beingUpdated ? [] : answerButtons(item.mark, (after) => crewConfirmButton(v.sessionId, userId, after, item.callRevision), () => settings.crewButtons?.(item, userId) ?? []);
    const call: KnownBlock[] =
      buttons.length === 0 ? [{ type: 'section', text: { type: 'mrkdwn', text } }]
      : buttons.length === 1 ? [{ type: 'section', text: { type: 'mrkdwn', text }, accessory: buttons[0] as Button }]
      : [{ type: 'section', text: { type: 'mrkdwn', text } }, { type: 'actions', elements: buttons }];
    if (!budget.add([...(day !== lastDay ? [daySection(departure)] : []), ...call])) break;
    lastDay = day;
    shown += 1;
  }
  const more = mine.length - shown;
  if (more > 0) budget.summary(`…and ${more} more call${more === 1 ? '' : 's'} — see the crew posts.`);
  return { type: 'home', blocks: budget.blocks };
}
