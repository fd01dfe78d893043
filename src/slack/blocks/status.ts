/**
 * `/charter status ID` (and the Details button) — where a booking stands and how it got there:
 * every action with who and when, each step's attempts and errors, all in the operator's time zone
 * (named once at the top). Ephemeral. Money appears only for approvers; anyone else (crew
 * included: they have booking ids) gets a crew-safe trail — see `showMoney`.
 */
import { DateTime } from 'luxon';
import { crewSafeFirstName } from '../../booking/crew-safe';
import { withoutMoneyLines } from '../../booking/money-detector';
import { formatCents } from '../../booking/money';
import { charterSchedule, humanDateTime, humanInstant, humanTime, zoneLabel } from '../../booking/time';
import { cancelledBeforeApproval } from '../../pipeline/operations';
import { STEP_NAMES, type AnyStepName, type AuditEntry, type BookingRecord, type StepName } from '../../pipeline/types';
import { costLines } from './approval';
import { escapeAndFit, escapeMrkdwn, fitText, mention } from './format';
import { LIMITS } from './limits';
import { operationsLines } from './lifecycle';
import { cancelling, operationsSection, STEP_LABELS } from './progress';

export interface StatusOptions {
  guestUrl: string;
  /**
   * True for approvers. False means the reader may be crew: the cost block, audit details (a
   * decline reason can name pay: "Sam gets $400 for the same trip") and the guest's surname are
   * left out, and step errors lose any line that states an amount.
   */
  showMoney: boolean;
  timezone: string;
  checkInLeadMinutes?: number;
}

const ACTION_WORDS: Record<string, string> = {
  created: 'requested',
  approved: 'approved',
  cancelled: 'cancelled',
  retried: 'pressed Retry',
  refreshed: 'refreshed the guest page',
  confirmed: 'confirmed for the crew',
  declined: 'declined the crew call',
};

/** An error or a retry detail is shown up to this long: the trail must stay one readable message. */
const DETAIL_MAX = 400;

interface TrailLine {
  atMs: number;
  text: string;
}

/** The bot's own audit entries: a reminder or notice, its key (src/pipeline/reminders.ts) in words. */
function reminderLine(detail: string | undefined): string {
  const m = /^(dm48|dm24|ops24|deactivated):?(\w*)(?: \(not delivered: ([\w-]+)\))?$/.exec(detail ?? '');
  if (!m) return 'charter-bot sent a reminder';
  const [, kind, userId, undelivered] = m;
  const notDelivered = undelivered ? ` — not delivered (${undelivered}); the ops thread was told` : '';
  if (kind === 'ops24') return 'charter-bot reminded the ops thread who is not confirmed, 24 h before check-in';
  if (kind === 'deactivated') return `charter-bot told the ops thread ${mention(userId!)}'s Slack account was deactivated`;
  return `charter-bot reminded ${mention(userId!)} by DM, ${kind === 'dm48' ? 48 : 24} h before check-in${notDelivered}`;
}

/** One failed step as a Retry's audit detail records it (pipeline/audit-detail.ts retryDetail); later parts follow `; `. */
const RETRIED_STEP = /^([a-z_]+) failed after \d+ attempts?(?:: [A-Z0-9_]+ — ([\s\S]*))?$/;

/**
 * What a Retry cleared, in the step labels the progress message uses and the operator's words:
 * "SCC event had failed: SCC rejected the service key…". The detail names each step and the error
 * code first; read as it is, "pressed Retry — scc_event failed after 1 attempt" says the Retry
 * failed. A detail in another shape is shown as it is.
 */
function retriedText(detail: string): string {
  const parts = detail.split(/; (?=[a-z_]+ failed after \d+ attempts?\b)/).map((part) => {
    const m = RETRIED_STEP.exec(part);
    const label = m ? STEP_LABELS[m[1] as AnyStepName] : undefined;
    if (!m || !label) return undefined;
    return `${label} had failed${m[2] ? `: ${m[2]}` : ''}`;
  });
  return parts.every((p) => p !== undefined) ? parts.join('; ') : detail;
}

function auditLine(entry: AuditEntry, showDetail: boolean): string {
  if (entry.action === 'reminded' && entry.userId === 'system') return reminderLine(entry.detail);
  const what = ACTION_WORDS[entry.action] ?? entry.action;
  if (entry.action === 'retried' && showDetail && entry.detail) return `${mention(entry.userId)} ${what} (${escapeAndFit(retriedText(entry.detail), DETAIL_MAX)})`;
  return `${mention(entry.userId)} ${what}${showDetail && entry.detail ? ` — ${escapeAndFit(entry.detail, DETAIL_MAX)}` : ''}`;
}

/**
 * People's actions and the bot's own clock-driven notices, oldest first. Details are free text
 * (decline reasons, the errors a Retry cleared): dropped rather than filtered for non-approvers,
 * because the money detector is a best effort and a crew member's reason is already on the crew
 * post, filtered, for those who need it.
 */
export function trailLines(booking: BookingRecord, opts: { showDetails: boolean } = { showDetails: true }): TrailLine[] {
  const lines: TrailLine[] = booking.audit.map((e) => ({ atMs: e.atMs, text: auditLine(e, opts.showDetails) }));
  if (booking.auditDropped) lines.unshift({ atMs: booking.createdAtMs, text: `${booking.auditDropped} earlier refreshes, crew answers and reminders not kept (the newest are below)` });
  lines.push(...changeLines(booking));
  const notices = booking.approvalNotices;
  if (notices?.resurfacedAtMs !== undefined) lines.push({ atMs: notices.resurfacedAtMs, text: 'charter-bot posted the pending approval again in the ops channel (24 h before check-in)' });
  if (notices?.expiredAtMs !== undefined) lines.push({ atMs: notices.expiredAtMs, text: 'charter-bot closed the approval request: departure passed while pending' });
  // Stable sort: entries written in the same millisecond keep their recorded order.
  return lines.map((l, i) => ({ l, i })).sort((a, b) => a.l.atMs - b.l.atMs || a.i - b.i).map(({ l }) => l);
}

/**
 * A change's who and when belong in the trail between the answers they reset: without them a
 * reader sees crew confirm twice and cannot tell why. Outcomes stay in the Operations list.
 */
function changeLines(booking: BookingRecord): TrailLine[] {
  const out: TrailLine[] = [];
  for (const op of booking.operations ?? []) {
    if (op.kind !== 'change') continue;
    const what = `the change${op.label ? ` (${escapeAndFit(op.label, 40)})` : ''}`;
    out.push({ atMs: op.requestedAtMs, text: `${mention(op.requestedBy)} asked for ${what}` });
    if (op.approvedBy && op.approvedAtMs !== undefined) out.push({ atMs: op.approvedAtMs, text: `${mention(op.approvedBy)} ${op.status === 'rejected' ? 'rejected' : 'approved'} ${what}` });
    if (op.status === 'done' && op.finishedAtMs !== undefined) out.push({ atMs: op.finishedAtMs, text: `charter-bot applied ${what}` });
  }
  return out;
}

/** An operator message with no line that states an amount; what is left still says what failed. */
function crewSafeError(message: string): string {
  return withoutMoneyLines(message).text.trim() || 'details for approvers';
}

function stepDetail(booking: BookingRecord, step: StepName, timezone: string, showMoney: boolean): string {
  const s = booking.steps[step];
  const label = STEP_LABELS[step];
  const turnedAway = s.throttled ? `, ${s.throttled} of them turned away by a rate limit and retried` : '';
  // Every attempt, across Retries: the step's own count restarts at each Retry (the retry budget's).
  const all = s.attempts + (s.attemptsBeforeRetry ?? 0);
  const sinceRetry = s.attemptsBeforeRetry ? `, ${s.attempts === 0 ? 'none' : s.attempts} since Retry` : '';
  const tries = all > 0 ? `${all} attempt${all === 1 ? '' : 's'}${sinceRetry}${turnedAway}` : 'not tried yet';
  const at = (ms: number | undefined) => (ms === undefined ? '' : ` at ${humanTime(DateTime.fromMillis(ms, { zone: timezone }))}`);
  const message = s.error ? (showMoney ? s.error.message : crewSafeError(s.error.message)) : '';
  const error = s.error ? ` — last error: ${escapeAndFit(message, DETAIL_MAX)} (\`${escapeAndFit(s.error.code, 80)}\`${s.error.retryable ? ', retryable' : ''})` : '';
  switch (s.status) {
    case 'done':
      return `• ${label}: done${at(s.finishedAtMs)} · ${tries}${error}`;
    case 'failed':
      return `• ${label}: *failed*${at(s.finishedAtMs)} · ${tries}${error}`;
    case 'running':
      return `• ${label}: running since${at(s.startedAtMs)} · ${tries}${error}`;
    default:
      // A cancel ends the create: what it never ran is not waiting to be tried.
      if (cancelling(booking)) return `• ${label}: not needed, cancelled${all > 0 ? ` · ${tries}` : ''}${error}`;
      return `• ${label}: pending · ${tries}${error}`;
  }
}

export function statusText(booking: BookingRecord, opts: StatusOptions): string {
  const { timezone } = opts;
  const schedule = charterSchedule(booking.request, timezone, opts.checkInLeadMinutes ?? 30);
  const when = schedule.departure.isValid ? humanDateTime(schedule.departure) : `${booking.request.date} ${booking.request.departureTime}`;
  const lines = [
    `*Booking \`${booking.id}\`* — ${escapeMrkdwn(opts.showMoney ? booking.request.guestName : crewSafeFirstName(booking.request.guestName))}, departs ${when} · state *${booking.state.replace('_', ' ')}*`,
    `_Times in ${zoneLabel(timezone)}._`,
    '*Trail*',
    ...trailLines(booking, { showDetails: opts.showMoney }).map((l) => `• ${humanInstant(l.atMs, timezone)} — ${l.text}`),
    ...(cancelledBeforeApproval(booking) ? ['*Steps* — none: cancelled before approval, nothing was booked'] : ['*Steps*', ...STEP_NAMES.map((s) => stepDetail(booking, s, timezone, opts.showMoney))]),
  ];
  if (booking.steps.guest_cache.status === 'done') lines.push(`Guest page: ${opts.guestUrl}`);
  const followUps = operationsSection(booking);
  // Its failed steps quote their errors: the same crew-safe filter as the create's steps.
  if (followUps) lines.push(opts.showMoney ? followUps : withoutMoneyLines(followUps).text);
  lines.push('*Operations*', ...operationsLines(booking, timezone));
  if (opts.showMoney) lines.push(`Net ${formatCents(booking.costs.netCents)}\n\`\`\`\n${costLines(booking.costs).join('\n')}\n\`\`\``);
  // A long trail (many retries) still fits one message; the newest lines are what is cut.
  return fitText(lines.join('\n'), LIMITS.messageText);
}

export const HELP_TEXT = [
  '*/charter* — open the booking form (approval message with costs goes to the ops channel)',
  '*/charter status ID* — where a booking stands: who did what and when, each step with its attempts and errors',
  '*/charter refresh ID* — re-render the guest page and clear its cache (approvers)',
  '*/charter edit ID* · */charter reschedule ID* — propose a change; approvers approve it in the thread (approvers)',
  '*/charter cancel ID* — cancel a charter, undoing the calendar entry, SCC event, guest page and crew post (approvers)',
  '*/charter doctor* — check every connection and credential, with how to fix each (approvers)',
  '*/charter* followed by a pasted booking confirmation — the booking form, filled in from it (or use the message shortcut *New charter from message*)',
  '*/charter help* — this message',
].join('\n');
