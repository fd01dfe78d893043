/**
 * Messages of a booking's life after approval (DESIGN "Operations"): the change request with its
 * diff and new cost breakdown (ops channel only — it shows money), the cancel confirm dialog, the
 * crew-facing cancelled post and change notice (crew-safe: schedule and roles only, never money),
 * and the operations history for `/charter status`. Pure builders, like the rest of blocks/.
 */
import type { Button, ConfirmationDialog, KnownBlock } from '@slack/types';
import { DateTime } from 'luxon';
import { crewNoteLines, crewSafeFirstName, type CrewSafeView } from '../../booking/crew-safe';
import { formatCents } from '../../booking/money';
import { platformRefOf, platformText } from '../../booking/platform';
import { charterSchedule, humanDate, humanTimeRange } from '../../booking/time';
import type { BookingRequest, RosterMember } from '../../booking/types';
import { DROPPED_BY_CANCEL_NOTE, operationsOf } from '../../pipeline/operations';
import type { BookingDetails, BookingRecord, Operation } from '../../pipeline/types';
import { bookingBlockId } from '../booking-ref';
import { costLines, type SlackMessage, warningsSection } from './approval';
import { changeNotApplied, notAppliedText } from './change-not-applied';
import { escapeAndFit, escapeMrkdwn, fitLines, fitPlain, mention, whenText } from './format';
import { LIMITS } from './limits';
import { withNotes, type NoteText } from './notes';

export const EDIT_ACTION_ID = 'booking_edit';
export const CHANGE_APPROVE_ACTION_ID = 'change_approve';
export const CHANGE_REJECT_ACTION_ID = 'change_reject';

/** What a proposed change is, for people: the Edit button, /charter edit, /charter reschedule, a crew swap. */
export const CHANGE_LABELS = ['edit', 'reschedule', 'crew swap'] as const;
export type ChangeLabel = (typeof CHANGE_LABELS)[number];

/** A label read back from Slack (a button's value, a form's private_metadata) is only trusted if it is one of ours. */
export function isChangeLabel(value: unknown): value is ChangeLabel {
  return (CHANGE_LABELS as readonly unknown[]).includes(value);
}

export function editButtonValue(bookingId: string, label: ChangeLabel = 'edit'): string {
  return `${bookingId}:${label}`;
}

export function parseEditValue(value: string | undefined): { bookingId: string; label: ChangeLabel } | undefined {
  const match = /^([0-9A-Z]+):(.+)$/.exec(value ?? '');
  return match?.[1] && isChangeLabel(match[2]) ? { bookingId: match[1], label: match[2] } : undefined;
}

export function changeValue(bookingId: string, opId: string): string {
  return `${bookingId}:${opId}`;
}

export function parseChangeValue(value: string | undefined): { bookingId: string; opId: string } | undefined {
  const match = /^([0-9A-Z]+):(op\d+)$/.exec(value ?? '');
  return match?.[1] && match[2] ? { bookingId: match[1], opId: match[2] } : undefined;
}

export interface DiffLine {
  /** Plain text, escaped where it is shown: the platform line is labelled by the platform as typed. */
  field: string;
  from: string;
  to: string;
}

interface Settings {
  timezone: string;
  checkInLeadMinutes: number;
}

function scheduleText(r: BookingRequest, s: Settings): { date: string; times: string } {
  const schedule = charterSchedule(r, s.timezone, s.checkInLeadMinutes);
  return { date: humanDate(schedule.departure), times: humanTimeRange(schedule) };
}

function rosterNames(roster: readonly RosterMember[], role: RosterMember['role']): string {
  return roster.filter((m) => m.role === role).map((m) => m.name).join(', ') || '—';
}

const INTERNAL_NOTES = 'Internal notes';
const CREW_NOTES = 'Notes for crew';

/**
 * The booking platform and its reference, read as platformRefOf reads them: a record from before
 * platforms were generalised (boatsetterRef) and the Boatsetter reference its change form gives
 * back are the same. Labelled by the platform when it stays ("*Boatsetter*: BS-1 → BS-2"); a new
 * platform shows both whole, as the approval's Platform line does.
 */
function addPlatform(a: BookingRequest, b: BookingRequest, add: (field: string, x: string, y: string) => void): void {
  const name = (r: BookingRequest) => platformRefOf(r)?.platform ?? (r.platform?.trim() || undefined);
  const [na, nb] = [name(a), name(b)];
  if (na !== undefined && na === nb) add(na, platformRefOf(a)?.ref ?? '—', platformRefOf(b)?.ref ?? '—');
  else add('Platform', platformText(a) ?? '—', platformText(b) ?? '—');
}

/** Old → new for every field that changed; `crewSafe` keeps only what crew may see (no money, no guest contact). */
export function changeDiff(from: BookingDetails, to: BookingDetails, settings: Settings, opts: { crewSafe?: boolean } = {}): DiffLine[] {
  const a = from.request;
  const b = to.request;
  const lines: DiffLine[] = [];
  const add = (field: string, x: string, y: string) => {
    if (x !== y) lines.push({ field, from: x, to: y });
  };
  const sa = scheduleText(a, settings);
  const sb = scheduleText(b, settings);
  add('Date', sa.date, sb.date);
  add('Departure – return', sa.times, sb.times);
  add('Party size', String(a.partySize), String(b.partySize));
  // Crew posts show the guest's first name ("6 guests (Maria)"): a new one is news to crew; the rest of the name and the contact are not theirs.
  if (opts.crewSafe) add('Guest', crewSafeFirstName(a.guestName), crewSafeFirstName(b.guestName));
  add('Captain', rosterNames(from.roster, 'captain'), rosterNames(to.roster, 'captain'));
  add('Crew', rosterNames(from.roster, 'crew'), rosterNames(to.roster, 'crew'));
  if (opts.crewSafe) {
    // What crew see of the notes: the notes for crew without money lines, as on the crew post.
    add('Notes from the office', crewNoteLines(a).join('; ') || '—', crewNoteLines(b).join('; ') || '—');
    return lines;
  }
  add('Guest', a.guestName, b.guestName);
  add('Guest email', a.guestEmail, b.guestEmail);
  add('Guest phone', a.guestPhone ?? '—', b.guestPhone ?? '—');
  add('Charter price', formatCents(a.priceCents), formatCents(b.priceCents));
  add('Crew hours', String(a.crewHours), String(b.crewHours));
  add('Captain hours', String(a.captainHours), String(b.captainHours));
  addPlatform(a, b, add);
  add(INTERNAL_NOTES, a.notes ?? '—', b.notes ?? '—');
  // As crew read them (a booking made before the field: its notes' lines without money), so an
  // old booking whose form carried those lines over shows no change.
  add(CREW_NOTES, crewNoteLines(a).join('\n') || '—', crewNoteLines(b).join('\n') || '—');
  return lines;
}

/**
 * A value as a diff line shows it (escaped characters). Notes can be 2,000 typed characters on each
 * side: both in full would not fit a section, so a long value is shortened here and new notes
 * that were shortened follow in full in sections of their own (changeRequestMessage).
 */
const DIFF_VALUE_MAX = 300;

/** Notes on one diff line: their lines joined with " / ", else "a\nb → c\nd" reads as three changes. */
const oneLine = (value: string) => value.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).join(' / ') || value;

/** One diff line as mrkdwn, "*Field*: old → new", each value escaped and then shortened to `max`. */
export const diffLineText = (l: DiffLine, max = DIFF_VALUE_MAX) => `*${escapeMrkdwn(l.field)}*: ${escapeAndFit(oneLine(l.from), max)} → ${escapeAndFit(oneLine(l.to), max)}`;

/** Where a compacted change's diff was: its details are gone, the booking's history still lists it. */
export const COMPACTED_CHANGE_TEXT = "_What it changed is no longer kept (newer changes followed); `/charter status` lists the booking's changes._";

const diffLines = (lines: readonly DiffLine[]) => (lines.length === 0 ? ['_Nothing changed._'] : lines.map((l) => diffLineText(l)));

/**
 * A change a newer approved one replaced. Only a queued or failed change is replaced (approveChange),
 * so one that started had run and failed: "before it ran" would tell the office nothing of it was
 * applied when some of its steps may have been.
 */
function replacedVerdict(op: Operation, whoAt: string): string {
  if (op.startedAtMs !== undefined) return `Approved${whoAt}; its run failed, then a newer change replaced it`;
  return `${op.approvedBy ? `Approved${whoAt}, then replaced` : 'Replaced'} by a newer change before it ran`;
}

export interface ChangeRequestInput {
  bookingId: string;
  op: Operation;
  from: BookingDetails;
  settings: Settings;
  /** CHARTER_REQUIRE_SECOND_APPROVER: the request names who may not approve it. */
  requireSecondApprover?: boolean;
}

/** Posted in the approval thread: the diff, the new cost breakdown, Approve change / Reject (approvers). */
export function changeRequestMessage(input: ChangeRequestInput): SlackMessage {
  const { bookingId: id, op } = input;
  const to = op.details;
  const diff = to ? changeDiff(input.from, to, input.settings) : [];
  const label = op.label ?? 'change';
  const head = `*Change requested (${escapeAndFit(label, DIFF_VALUE_MAX)})* by ${mention(op.requestedBy)}`;
  // A compacted change kept no details (compactHistory): its message, redrawn late (a failed
  // redraw healed after newer changes), says so rather than "Nothing changed", and still shows its verdict.
  const body = op.compacted ? [COMPACTED_CHANGE_TEXT] : diffLines(diff);
  const blocks: KnownBlock[] = [
    { type: 'section', block_id: bookingBlockId(id, `change-${op.id}`), text: { type: 'mrkdwn', text: `${head}\n${fitLines(body, LIMITS.sectionText - head.length - 1)}` } },
  ];
  // The approver approves the new notes as written, so they are shown whole when the diff shortened
  // them (as far as the message's text budget allows: withNotes).
  const notes: NoteText[] = [];
  for (const [field, heading, key] of [
    [INTERNAL_NOTES, '*New internal notes*', 'notes'],
    [CREW_NOTES, '*New notes for crew*', 'crew-notes'],
  ] as const) {
    const newNotes = diff.find((d) => d.field === field)?.to;
    if (newNotes === undefined || escapeMrkdwn(oneLine(newNotes)).length <= DIFF_VALUE_MAX) continue;
    notes.push({ text: `${heading}\n${escapeMrkdwn(newNotes)}`, blockId: (i) => bookingBlockId(id, `change-${op.id}-${key}-${i}`) });
  }
  if (to) blocks.push({ type: 'section', block_id: bookingBlockId(id, `change-${op.id}-costs`), text: { type: 'mrkdwn', text: `*New cost breakdown*\n\`\`\`\n${costLines(to.costs).join('\n')}\n\`\`\`` } });
  // The new costs' own warnings ("Net is negative") first, as on the approval.
  const warnings = [...(to?.costs.warnings ?? []), ...(op.warnings ?? [])];
  if (warnings.length > 0) blocks.push(warningsSection(bookingBlockId(id, `change-${op.id}-warnings`), warnings));
  if (op.status === 'proposed') {
    if (input.requireSecondApprover) {
      blocks.push({ type: 'context', block_id: bookingBlockId(id, `change-${op.id}-policy`), elements: [{ type: 'mrkdwn', text: `:busts_in_silhouette: Needs an approver other than ${mention(op.requestedBy)}` }] });
    }
    const value = changeValue(id, op.id);
    blocks.push({
      type: 'actions',
      block_id: bookingBlockId(id, `change-${op.id}-decision`),
      elements: [
        { type: 'button', action_id: CHANGE_APPROVE_ACTION_ID, style: 'primary', text: { type: 'plain_text', text: 'Approve change' }, value },
        { type: 'button', action_id: CHANGE_REJECT_ACTION_ID, text: { type: 'plain_text', text: 'Reject' }, value },
      ],
    });
  } else {
    const who = op.approvedBy ? ` by ${mention(op.approvedBy)}` : '';
    const at = op.approvedAtMs !== undefined ? ` at ${whenText(DateTime.fromMillis(op.approvedAtMs, { zone: input.settings.timezone }))}` : '';
    // What stays true once written: the request is redrawn when it is decided, replaced or dropped,
    // not at each step of its run (that is the progress message's job).
    const notApplied = changeNotApplied(op);
    const verdict =
      notApplied && op.note === DROPPED_BY_CANCEL_NOTE
        ? `:x: ${notAppliedText(notApplied)}`
        : op.status === 'rejected'
          ? `:no_entry_sign: Rejected${who}${at}`
          : notApplied
            ? `:leftwards_arrow_with_hook: ${notAppliedText(notApplied)}`
            : op.status === 'superseded'
              ? `:leftwards_arrow_with_hook: ${replacedVerdict(op, `${who}${at}`)}`
              : `:white_check_mark: Approved${who}${at}`;
    blocks.push({ type: 'context', block_id: bookingBlockId(id, `change-${op.id}-decision`), elements: [{ type: 'mrkdwn', text: verdict }] });
  }
  const text = op.compacted ? `Change requested for booking ${id} (${op.status})` : `Change requested for booking ${id}: ${diff.map((d) => escapeMrkdwn(d.field)).join(', ') || 'nothing'} (${op.status})`;
  return { text, blocks: withNotes(blocks, 1, notes) };
}

/** What a cancel will do, worded for the confirm dialog. Slack caps confirm text at 300 characters. */
export function cancelConfirmDialog(booking: BookingRecord): ConfirmationDialog {
  const text = [
    `Cancels ${booking.request.guestName}'s charter:`,
    '• calendar entry deleted',
    '• SCC event cancelled (SCC tells the crew)',
    '• guest page replaced by a cancelled notice',
    '• crew post marked cancelled, crew told',
  ].join('\n');
  return {
    title: { type: 'plain_text', text: 'Cancel this charter?' },
    text: { type: 'plain_text', text: fitPlain(text, 300) },
    confirm: { type: 'plain_text', text: 'Cancel charter' },
    deny: { type: 'plain_text', text: 'Keep it' },
    style: 'danger',
  };
}

/** Edit and Cancel charter on the progress message of an approved booking. */
export function lifecycleButtons(booking: BookingRecord, cancelActionId: string): KnownBlock {
  const edit: Button = { type: 'button', action_id: EDIT_ACTION_ID, text: { type: 'plain_text', text: 'Edit' }, value: editButtonValue(booking.id) };
  const cancel: Button = { type: 'button', action_id: cancelActionId, style: 'danger', text: { type: 'plain_text', text: 'Cancel charter' }, value: booking.id, confirm: cancelConfirmDialog(booking) };
  return { type: 'actions', block_id: bookingBlockId(booking.id, 'lifecycle'), elements: [edit, cancel] };
}

/** An operation's name wherever one is listed (progress message, status). */
export const OPERATION_TITLES: Record<Operation['kind'], string> = { create: 'Create', change: 'Change', cancel: 'Cancel', refresh: 'Guest page refresh' };

/**
 * Who approved an operation, where lists show it. A cancel has no approval step: requestCancel
 * stores its asker as its approver too, and "asked by Olivia, approved by Olivia" would tell of an
 * approval that never happened.
 */
export function shownApprover(op: Operation): string | undefined {
  return op.kind === 'cancel' ? undefined : op.approvedBy;
}

/** One line per operation: what, who asked, who approved, when, outcome. */
export function operationsLines(booking: BookingRecord, timezone: string): string[] {
  const at = (ms: number | undefined) => (ms === undefined ? '' : whenText(DateTime.fromMillis(ms, { zone: timezone })));
  const folded = booking.refreshesFolded ? [`• ${booking.refreshesFolded} earlier guest page refreshes, all settled (only the last two are listed)`] : [];
  return [...folded, ...operationsOf(booking).map((op) => {
    const label = op.label ? ` (${op.label})` : '';
    const approver = shownApprover(op);
    // rejectChange stores who rejected a change where an approver goes: they did not approve it.
    const approved = approver ? `, ${op.status === 'rejected' ? 'rejected' : 'approved'} by ${mention(approver)} ${at(op.approvedAtMs)}` : '';
    const finished = op.finishedAtMs !== undefined ? `, ended ${at(op.finishedAtMs)}` : '';
    // A request cancelled before approval reads as the trail says it: cancelled.
    const status = op.kind === 'create' && op.status === 'rejected' && booking.state === 'cancelled' ? 'cancelled' : op.status;
    return `• ${OPERATION_TITLES[op.kind]}${label} — asked by ${mention(op.requestedBy)} ${at(op.requestedAtMs)}${approved} · *${status}*${finished}${op.note ? ` — ${escapeMrkdwn(op.note)}` : ''}`;
  })];
}

// ---- crew-facing (crew-safe views only) --------------------------------------------------

/** The crew post once the charter is cancelled: no confirm buttons, nobody is expected. */
export function crewCancelledMessage(view: CrewSafeView, opts: { departed?: boolean } = {}): SlackMessage {
  const id = view.sessionId;
  const words = opts.departed
    ? `:x: *This charter was cancelled* after its date (it was due out ${view.timeRangeText}). Nothing for you to do.`
    : `:x: *This charter was cancelled.* ${view.timeRangeText} will not sail — nobody needs to come in.`;
  const blocks: KnownBlock[] = [
    { type: 'header', block_id: bookingBlockId(id, 'crew-header'), text: { type: 'plain_text', text: fitPlain(`Cancelled: ${view.vesselName}, ${view.dateText}`, LIMITS.headerText) } },
    {
      type: 'section',
      block_id: bookingBlockId(id, 'crew-cancelled'),
      text: { type: 'mrkdwn', text: `${words}\nWas on the roster: ${view.roster.map((m) => mention(m.slackUserId)).join(', ') || '—'}` },
    },
  ];
  return { text: `Cancelled: crew call ${view.dateText}, ${view.timeRangeText}`, blocks };
}

/** Why a reminder DM no longer stands: its call changed, its member was taken off, or the charter cancelled. */
export type StaleReminderReason = 'changed' | 'off' | 'cancelled';

/**
 * A reminder DM redrawn once it no longer stands: no buttons and no details (they were the old
 * call's), and where to look instead. `view`: the call the reminder was sent for.
 */
export function staleReminderMessage(view: Pick<CrewSafeView, 'sessionId' | 'vesselName' | 'dateText'>, why: StaleReminderReason, crewChannel?: string): SlackMessage {
  const callIsIn = crewChannel ? `the crew post in <#${crewChannel}>` : 'your crew call above';
  const words: Record<StaleReminderReason, string> = {
    changed: `:arrows_counterclockwise: Out of date — the office changed this charter after this reminder was sent. See ${callIsIn} for the new details, and answer there.`,
    off: ":wave: Out of date — the office changed the crew after this reminder was sent: you're off this charter, so there is nothing to confirm and no need to come in.",
    cancelled: ':x: Out of date — this charter was cancelled. Nobody needs to come in.',
  };
  const text = { changed: 'Out of date — see the crew post above', off: "Out of date — you're off this charter", cancelled: 'Out of date — this charter was cancelled' }[why];
  return {
    text: `${text} (reminder for ${view.vesselName}, ${view.dateText})`,
    blocks: [
      { type: 'header', block_id: bookingBlockId(view.sessionId, 'crew-header'), text: { type: 'plain_text', text: fitPlain(`Out of date: reminder for ${view.vesselName}, ${view.dateText}`, LIMITS.headerText) } },
      { type: 'section', block_id: bookingBlockId(view.sessionId, 'crew-reminder-stale'), text: { type: 'mrkdwn', text: words[why] } },
    ],
  };
}

/** A crew call of someone a change took off the roster: no buttons, nobody expects them. */
export function crewRemovedMessage(view: CrewSafeView): SlackMessage {
  const id = view.sessionId;
  const text = `You're off this charter: ${view.vesselName}, ${view.dateText} — no need to come in.`;
  return {
    text,
    blocks: [
      { type: 'header', block_id: bookingBlockId(id, 'crew-header'), text: { type: 'plain_text', text: fitPlain(`Off this charter: ${view.vesselName}, ${view.dateText}`, LIMITS.headerText) } },
      { type: 'section', block_id: bookingBlockId(id, 'crew-removed'), text: { type: 'mrkdwn', text: ":wave: The office changed the crew: you're off this charter, so there is nothing to confirm and no need to come in. Thanks!" } },
    ],
  };
}

export interface CrewCalls {
  changed: string[];
  added: string[];
  removed: string[];
}

/**
 * The top-level DM to a member put back on a charter they were told they are off: the last thing
 * in their DM would otherwise still say "no need to come in". `crewChannel`: their call is the crew
 * channel's post, not the crew call in this DM.
 */
export function crewBackOnText(view: Pick<CrewSafeView, 'vesselName' | 'dateText' | 'timeRangeText'>, crewChannel?: string): string {
  const where = crewChannel ? `on the crew post in <#${crewChannel}>` : 'on your crew call above';
  return `:arrow_right: You're back on the charter aboard ${view.vesselName} on ${view.dateText} (${view.timeRangeText}) — please confirm ${where}.`;
}

/**
 * The thread note under a crew post after a change: what moved, who must confirm again, who is off.
 * Under a member's DM (`reader`) it speaks to that member alone: the others' asks are not theirs to
 * act on, and whoever was taken off hears it in their own DM. Undefined when it would be its heading
 * alone: a reader who holds the call as it now stands (they answered a failed change's call that
 * this one keeps, the change being one crew cannot see) has nothing to be told.
 */
export function crewChangeNoticeText(view: CrewSafeView, diff: readonly DiffLine[], calls: CrewCalls, reader?: string): string | undefined {
  const lines = [`:arrows_counterclockwise: *Charter updated* — ${view.dateText}, ${view.timeRangeText}`];
  for (const d of diff) lines.push(`• ${d.field}: ${escapeMrkdwn(d.from)} → ${escapeMrkdwn(d.to)}`);
  const askAgain = [...calls.changed, ...calls.added];
  if (reader !== undefined) {
    if (calls.added.includes(reader)) lines.push("You're now on this charter: please confirm on the crew post above.");
    else if (calls.changed.includes(reader)) lines.push('Please confirm again on the crew post above.');
  } else {
    if (askAgain.length > 0) lines.push(`${askAgain.map(mention).join(' ')} — please confirm (again) on the crew post.`);
    if (calls.removed.length > 0) lines.push(`${calls.removed.map(mention).join(' ')} — you're off this charter; no need to come in.`);
  }
  return lines.length > 1 ? lines.join('\n') : undefined;
}

/**
 * The thread note under a crew post once the charter is cancelled. Under a member's DM (`reader`)
 * it speaks to that member, as the change note does: the roster's @-mentions would ping each of
 * them once per DM thread for a note their own DM already carries.
 */
export function crewCancelNoticeText(view: CrewSafeView, reader?: string): string {
  const head = `:x: *Charter cancelled* — ${view.dateText}, ${view.timeRangeText}.`;
  if (reader !== undefined) return `${head} You don't need to come in.`;
  const crew = view.roster.map((m) => mention(m.slackUserId)).join(' ');
  return `${head} ${crew ? `${crew} — nobody` : 'Nobody'} needs to come in.`;
}
