/** The approval message in the ops channel: what is being booked, what it costs, Approve / Cancel. */
import type { KnownBlock } from '@slack/types';
import { DateTime } from 'luxon';
import type { CostBreakdown } from '../../booking/costs';
import { predatesCrewNotes } from '../../booking/crew-safe';
import { formatCents } from '../../booking/money';
import { platformText } from '../../booking/platform';
import { charterSchedule, humanCheckInTime, humanDate, humanTimeRange, zoneLabel } from '../../booking/time';
import type { BookingRequest, RosterMember } from '../../booking/types';
import { bookingBlockId } from '../booking-ref';
import { escapeAndFit, escapeMrkdwn, fitLines, fitPlain, fitText, mention, whenText } from './format';
import { LIMITS } from './limits';
import { withNotes, type NoteText } from './notes';

export const APPROVE_ACTION_ID = 'booking_approve';
export const CANCEL_ACTION_ID = 'booking_cancel';

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

export interface ApprovalInput {
  bookingId: string;
  request: BookingRequest;
  roster: readonly RosterMember[];
  costs: CostBreakdown;
  createdBy: string;
  timezone: string;
  capacity: number;
  checkInLeadMinutes: number;
  /** Found before approval (intake): duplicate platform reference, double bookings. */
  warnings?: readonly string[];
  /** CHARTER_REQUIRE_SECOND_APPROVER is on: the pending message says who may not approve it. */
  requireSecondApprover?: boolean;
  /** Changes applied since approval, oldest first: the details above are the booking as they left it. */
  changes?: readonly AppliedChange[];
}

export interface AppliedChange {
  label: string;
  approvedBy: string;
  approvedAtMs: number;
}

/** How many applied changes the approval names; earlier ones are counted. */
const CHANGES_SHOWN = 3;

function changesLine(changes: readonly AppliedChange[], timezone: string): string {
  const shown = changes.slice(-CHANGES_SHOWN).map((c) => `${escapeAndFit(c.label, 60)} (approved by ${mention(c.approvedBy)}, ${whenText(DateTime.fromMillis(c.approvedAtMs, { zone: timezone }))})`);
  const earlier = changes.length - shown.length;
  return `:pencil2: Changed since: ${shown.join(' · ')}${earlier > 0 ? ` · and ${earlier} earlier` : ''}. The details above are the booking as it is now; each change's request is in the thread.`;
}

export type ApprovalDecision =
  | { kind: 'pending' }
  | { kind: 'approved'; userId: string; atMs: number }
  | { kind: 'cancelled'; userId: string; atMs: number }
  /** Still pending when its departure passed: closed for good, buttons removed. */
  | { kind: 'expired'; departureAtMs: number };

/** Aligned lines for a code block: label left, amount right, the arithmetic in between. */
export function costLines(c: CostBreakdown): string[] {
  const pct = `${c.portFeeBasisPoints / 100}%`;
  const rows: [string, string, string][] = [
    ['Charter price', 'gross', formatCents(c.grossCents)],
    ['Crew', `${c.crewCount} × ${formatCents(c.crewRateCentsPerHour)}/h × ${c.crewHours} h`, formatCents(-c.crewCents)],
    ['Captain', `${formatCents(c.captainRateCentsPerHour)}/h × ${c.captainHours} h`, formatCents(-c.captainCents)],
    ['Port fees', `${pct} of gross`, formatCents(-c.portFeeCents)],
  ];
  const net: [string, string, string] = ['Net', '', formatCents(c.netCents)];
  const all = [...rows, net];
  const w0 = Math.max(...all.map((r) => r[0].length));
  const w1 = Math.max(...all.map((r) => r[1].length));
  const w2 = Math.max(...all.map((r) => r[2].length));
  const line = (r: [string, string, string]) => `${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2].padStart(w2)}`;
  return [...rows.map(line), '─'.repeat(w0 + w1 + w2 + 4), line(net)];
}

/**
 * The booking's own warnings (money, capacity, crew) first, then what intake found beside it
 * (duplicates, double bookings, crew Slack cannot reach): a long list of conflicts must not push
 * "Net is negative" out of the message.
 */
export function approvalWarnings(input: ApprovalInput): string[] {
  const warnings = [...input.costs.warnings];
  if (input.request.partySize > input.capacity) warnings.push(`Party of ${input.request.partySize} is over the vessel's capacity of ${input.capacity}.`);
  if (input.request.crew.length === 0) warnings.push('No crew assigned: the captain sails alone.');
  return [...warnings, ...(input.warnings ?? [])];
}

/** Warnings as one section, cut at a whole line with "…and N more" when they do not fit. */
export function warningsSection(blockId: string, warnings: readonly string[]): KnownBlock {
  return { type: 'section', block_id: blockId, text: { type: 'mrkdwn', text: fitLines(warnings.map((w) => `:warning: ${escapeMrkdwn(w)}`), LIMITS.sectionText) } };
}

export function rosterText(roster: readonly RosterMember[]): string {
  const captain = roster.filter((m) => m.role === 'captain').map((m) => `${mention(m.slackUserId)} (captain)`);
  const crew = roster.filter((m) => m.role === 'crew').map((m) => mention(m.slackUserId));
  return [...captain, ...crew].join(', ') || '—';
}

export function approvalMessage(input: ApprovalInput, decision: ApprovalDecision = { kind: 'pending' }): SlackMessage {
  const { request: r, bookingId: id } = input;
  const schedule = charterSchedule(r, input.timezone, input.checkInLeadMinutes);
  const zone = zoneLabel(input.timezone, schedule.departure);
  const warnings = approvalWarnings(input);
  const guest = [escapeMrkdwn(r.guestName), escapeMrkdwn(r.guestEmail), r.guestPhone ? escapeMrkdwn(r.guestPhone) : undefined].filter(Boolean).join(' · ');
  const field = (label: string, value: string) => ({ type: 'mrkdwn' as const, text: fitText(`*${label}*\n${value}`, LIMITS.sectionFieldText) });
  const date = humanDate(schedule.departure);
  const blocks: KnownBlock[] = [
    // Plain text shows `<!channel>` literally; only the length needs care (the date must survive).
    { type: 'header', block_id: bookingBlockId(id, 'header'), text: { type: 'plain_text', text: `Charter for ${fitPlain(r.guestName, LIMITS.headerText - 20 - date.length)} — ${date}` } },
    {
      type: 'section',
      block_id: bookingBlockId(id, 'details'),
      fields: [
        field('Guest', guest),
        field('Party size', String(r.partySize)),
        field('Guests check in', humanCheckInTime(schedule)),
        field('Departure – return', humanTimeRange(schedule)),
        field('Roster', rosterText(input.roster)),
        field('Platform', platformText(r) ? escapeMrkdwn(platformText(r) ?? '') : '—'),
      ],
    },
    { type: 'section', block_id: bookingBlockId(id, 'costs'), text: { type: 'mrkdwn', text: `*Cost breakdown*\n\`\`\`\n${costLines(input.costs).join('\n')}\n\`\`\`` } },
  ];
  // The notes go after the costs, with what the rest of the message leaves them (withNotes).
  const notesAt = blocks.length;
  const notes: NoteText[] = [];
  const note = (heading: string, text: string, blockId: string) =>
    notes.push({ text: `${heading}\n${escapeMrkdwn(text)}`, blockId: (i) => bookingBlockId(id, i === 0 ? blockId : `${blockId}-${i + 1}`) });
  // A booking made before "Notes for crew" shows its notes as it always did (crew see them filtered).
  if (predatesCrewNotes(r)) {
    if (r.notes) note('*Notes*', r.notes, 'notes');
  } else {
    if (r.notes) note('*Internal notes* (office only)', r.notes, 'notes');
    if (r.crewNotes) note('*Notes for crew* (crew post and SCC event)', r.crewNotes, 'crew-notes');
  }
  if (warnings.length > 0) blocks.push(warningsSection(bookingBlockId(id, 'warnings'), warnings));
  blocks.push({ type: 'context', block_id: bookingBlockId(id, 'context'), elements: [{ type: 'mrkdwn', text: `Times in ${zone} · requested by ${mention(input.createdBy)} · booking \`${id}\`` }] });

  if (decision.kind === 'pending' && input.requireSecondApprover) {
    blocks.push({ type: 'context', block_id: bookingBlockId(id, 'policy'), elements: [{ type: 'mrkdwn', text: `:busts_in_silhouette: Needs an approver other than ${mention(input.createdBy)}` }] });
  }
  if (decision.kind === 'pending') {
    blocks.push({
      type: 'actions',
      block_id: bookingBlockId(id, 'decision'),
      elements: [
        { type: 'button', action_id: APPROVE_ACTION_ID, style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value: id },
        {
          type: 'button',
          action_id: CANCEL_ACTION_ID,
          style: 'danger',
          text: { type: 'plain_text', text: 'Cancel' },
          value: id,
          confirm: {
            title: { type: 'plain_text', text: 'Cancel this charter?' },
            // 300 characters at most, after escaping: a long name full of `&` is cut, not refused.
            text: { type: 'mrkdwn', text: `Nothing has been booked yet. Cancelling closes the request for ${escapeAndFit(r.guestName, LIMITS.confirmText - 70)}.` },
            confirm: { type: 'plain_text', text: 'Cancel charter' },
            deny: { type: 'plain_text', text: 'Keep it' },
            style: 'danger',
          },
        },
      ],
    });
  } else if (decision.kind === 'expired') {
    const departed = DateTime.fromMillis(decision.departureAtMs, { zone: input.timezone });
    blocks.push({ type: 'section', block_id: bookingBlockId(id, 'decision'), text: { type: 'mrkdwn', text: `:hourglass: Expired — departure was ${whenText(departed)}. Nothing was booked; create a new request if the charter is rescheduled.` } });
  } else {
    const at = DateTime.fromMillis(decision.atMs, { zone: input.timezone });
    const verb = decision.kind === 'approved' ? ':white_check_mark: Approved' : ':x: Cancelled';
    blocks.push({ type: 'section', block_id: bookingBlockId(id, 'decision'), text: { type: 'mrkdwn', text: `${verb} by ${mention(decision.userId)} at ${whenText(at)}` } });
  }
  if (input.changes && input.changes.length > 0) {
    blocks.push({ type: 'context', block_id: bookingBlockId(id, 'changes'), elements: [{ type: 'mrkdwn', text: changesLine(input.changes, input.timezone) }] });
  }
  // The fallback text is mrkdwn too (notifications, screen readers): escaped like the blocks.
  const text = `Charter for ${escapeAndFit(r.guestName, 500)} on ${date}: net ${formatCents(input.costs.netCents)}${decision.kind === 'pending' ? ' — awaiting approval' : ` — ${decision.kind}`}`;
  return { text, blocks: withNotes(blocks, notesAt, notes) };
}
