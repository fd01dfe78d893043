/**
 * Crew-facing messages and the crew lines of the ops thread. The crew-facing ones are built from a
 * CrewSafeView and CrewAnswers only — the types admit no money, nothing from the booking record is
 * passed in, and a decline reason arrives already through the money detector (crew-notice.ts).
 */
import type { KnownBlock, ModalView } from '@slack/types';
import { DateTime } from 'luxon';
import { UNNAMED_GUEST, type CrewSafeView } from '../../booking/crew-safe';
import { humanDayMonth, humanTime } from '../../booking/time';
import { bookingBlockId } from '../booking-ref';
import type { SlackMessage } from './approval';
import { escapeAndFit, escapeMrkdwn, fitLines, fitPlain, fitText, mention, rosterMention } from './format';
import { LIMITS } from './limits';
import { withNotes, type NoteText } from './notes';

export const CREW_CONFIRM_ACTION_PREFIX = 'crew_confirm:';
export const CREW_DECLINE_ACTION_PREFIX = 'crew_decline:';
export const CREW_DECLINE_CALLBACK_ID = 'crew_decline';
export const CREW_DECLINE_REASON_BLOCK = 'reason';
export const CREW_DECLINE_REASON_ACTION = 'reason';
export const CREW_CHANGE_ACTION_ID = 'crew_change';
/**
 * A decline reason as shown in a roster line (escaped characters). The decline modal takes 500
 * typed characters, up to 2,500 escaped: eleven of those would push the rest of the roster out of
 * its 3,000-character section. The full reason is in the ops thread's decline message.
 */
export const DECLINE_REASON_MAX = 200;

/**
 * One mark per answer wherever a roster is shown (crew posts, the ops thread, the progress message,
 * App Home): ❌ for "can't make it" beside ✅ and ❓, and ⛔ kept for an account Slack deactivated,
 * which is not an answer and asks the office for a different fix (change the crew).
 */
export const DECLINED_MARK = ':x:';
export const DEACTIVATED_MARK = ':no_entry:';

/** Who answered what. Reasons here are crew-safe (money lines dropped) when the message is crew-facing. */
export interface CrewAnswers {
  confirmations: Readonly<Record<string, number>>;
  declines: Readonly<Record<string, { atMs: number; reason?: string }>>;
  /** The revision each member's call is at (BookingRecord.callRevisions): their buttons carry it. */
  callRevisions?: Readonly<Record<string, number>>;
}

/** An answer button's value: booking, member, and the revision of the call it answers. */
export function answerValue(sessionId: string, userId: string, callRevision = 1): string {
  return `${sessionId}:${userId}:r${callRevision}`;
}

export interface CrewMessageOptions {
  /** A DM: only this person's buttons. Without it (the crew channel post) everyone's buttons. */
  recipient?: string;
  /** A reminder DM: says so in the text. */
  reminder?: { hoursLeft: number };
}

/**
 * When someone confirmed, as every roster line shows it (crew posts, the ops progress message).
 * It has its day: "confirmed 4:47 PM" beside a 4:00 PM departure reads like a time of the trip.
 */
export function confirmedAtText(atMs: number, timezone: string): string {
  const when = DateTime.fromMillis(atMs, { zone: timezone });
  return `${humanDayMonth(when)}, ${humanTime(when)}`;
}

/**
 * One member's answer as `viewer` reads it. A reason for "can't make it" is for the office (the
 * modal says so): the decliner reads it back in their own DM; the crew channel and the others'
 * DMs read only that they can't.
 */
function statusLine(view: CrewSafeView, answers: CrewAnswers, userId: string, viewer?: string): string {
  const at = answers.confirmations[userId];
  if (at !== undefined) return `:white_check_mark: confirmed ${confirmedAtText(at, view.timezone)}`;
  const declined = answers.declines[userId];
  if (declined) return `${DECLINED_MARK} can't make it${declined.reason && viewer === userId ? ` — ${escapeAndFit(declined.reason, DECLINE_REASON_MAX)}` : ''}`;
  return 'please confirm';
}

function buttonsFor(view: CrewSafeView, answers: CrewAnswers, member: CrewSafeView['roster'][number], personal: boolean) {
  const value = answerValue(view.sessionId, member.slackUserId, answers.callRevisions?.[member.slackUserId]);
  const who = personal ? '' : ` — ${fitPlain(member.name, 40)}`;
  const out = [];
  if (answers.confirmations[member.slackUserId] === undefined) {
    out.push({ type: 'button' as const, action_id: `${CREW_CONFIRM_ACTION_PREFIX}${member.slackUserId}`, style: 'primary' as const, text: { type: 'plain_text' as const, text: `${answers.declines[member.slackUserId] ? 'Confirm after all' : 'Confirm'}${who}` }, value });
  }
  if (answers.declines[member.slackUserId] === undefined) {
    out.push({ type: 'button' as const, action_id: `${CREW_DECLINE_ACTION_PREFIX}${member.slackUserId}`, text: { type: 'plain_text' as const, text: `Can't make it${who}` }, value });
  }
  return out;
}

export function crewMessage(view: CrewSafeView, answers: CrewAnswers, opts: CrewMessageOptions = {}): SlackMessage {
  const id = view.sessionId;
  const rosterLines = view.roster.map((m) => `• ${m.role === 'captain' ? 'Captain' : 'Crew'}: ${mention(m.slackUserId)} — ${statusLine(view, answers, m.slackUserId, opts.recipient)}`);
  const me = opts.recipient ? view.roster.find((m) => m.slackUserId === opts.recipient) : undefined;
  const blocks: KnownBlock[] = [
    { type: 'header', block_id: bookingBlockId(id, 'crew-header'), text: { type: 'plain_text', text: fitPlain(`${opts.reminder ? 'Reminder — ' : ''}Crew call: ${view.vesselName}, ${view.dateText}`, LIMITS.headerText) } },
  ];
  if (me) {
    const ask = opts.reminder ? `Check-in is in about ${opts.reminder.hoursLeft} hour${opts.reminder.hoursLeft === 1 ? '' : 's'} and you have not answered yet.` : 'You are called for this charter.';
    blocks.push({ type: 'section', block_id: bookingBlockId(id, 'crew-you'), text: { type: 'mrkdwn', text: `${ask} Role: *${me.role === 'captain' ? 'captain' : 'crew'}*. Confirm, or tell the office you can't make it — you can change your answer until departure.` } });
  }
  blocks.push(
    {
      type: 'section',
      block_id: bookingBlockId(id, 'crew-details'),
      fields: [
        { type: 'mrkdwn', text: `*Check-in*\n${view.checkIn.text}` },
        { type: 'mrkdwn', text: `*Departure – return*\n${view.timeRangeText}` },
        // "6 guests (Guest)" says nothing: a guest with no first name to show is left out.
        { type: 'mrkdwn', text: `*Party*\n${view.partySize} guests${view.guestFirstName === UNNAMED_GUEST ? '' : ` (${escapeAndFit(view.guestFirstName, 200)})`}` },
        { type: 'mrkdwn', text: `*Dock*\n${escapeAndFit(view.dockAddress, LIMITS.sectionFieldText - 10)}` },
      ],
    },
    { type: 'section', block_id: bookingBlockId(id, 'crew-roster'), text: { type: 'mrkdwn', text: fitLines(['*Roster*', ...rosterLines], LIMITS.sectionText) } },
    { type: 'section', block_id: bookingBlockId(id, 'crew-checklist'), text: { type: 'mrkdwn', text: fitText(`*Checklist*\n${view.checklist.map((c) => `• ${escapeMrkdwn(c)}`).join('\n')}`, LIMITS.sectionText) } },
  );
  // A booking made before "Notes for crew" has up to 2,000 typed characters here: withNotes.
  const notesAt = blocks.length;
  const notes: NoteText[] =
    view.crewNotes.length > 0
      ? [{ text: `*Notes from the office*\n${view.crewNotes.map((n) => escapeMrkdwn(n)).join('\n')}`, blockId: (i) => bookingBlockId(id, i === 0 ? 'crew-notes' : `crew-notes-${i + 1}`) }]
      : [];
  blocks.push({ type: 'context', block_id: bookingBlockId(id, 'crew-guest'), elements: [{ type: 'mrkdwn', text: `Guest page (what the guests see): ${view.guestUrl}` }] });
  const members = me ? [me] : view.roster;
  const buttons = members.flatMap((m) => buttonsFor(view, answers, m, me !== undefined)).slice(0, LIMITS.actionsElements);
  if (buttons.length > 0) blocks.push({ type: 'actions', block_id: bookingBlockId(id, 'crew-confirm'), elements: buttons });
  const confirmed = view.roster.filter((m) => answers.confirmations[m.slackUserId] !== undefined).length;
  const text = me
    ? `${opts.reminder ? 'Reminder: please answer the crew call' : 'Crew call'}: ${view.dateText}, check-in ${view.checkIn.text} — ${statusLine(view, answers, me.slackUserId, me.slackUserId).replace(/^:[a-z_]+: /, '')}`
    : `Crew call: ${view.dateText}, ${view.timeRangeText}, ${view.partySize} guests — ${confirmed}/${view.roster.length} confirmed`;
  return { text, blocks: withNotes(blocks, notesAt, notes) };
}

/** The small modal behind "Can't make it": an optional reason. */
export function crewDeclineModal(input: { bookingId: string; userId: string; dateText: string; callRevision?: number }): ModalView {
  return {
    type: 'modal',
    callback_id: CREW_DECLINE_CALLBACK_ID,
    private_metadata: JSON.stringify({ bookingId: input.bookingId, userId: input.userId, ...(input.callRevision !== undefined ? { callRevision: input.callRevision } : {}) }),
    title: { type: 'plain_text', text: "Can't make it" },
    submit: { type: 'plain_text', text: 'Tell the office' },
    close: { type: 'plain_text', text: 'Back' },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `The office will be told you can't make the charter on ${escapeMrkdwn(input.dateText)}. You can still confirm later, until departure.` } },
      {
        type: 'input',
        block_id: CREW_DECLINE_REASON_BLOCK,
        optional: true,
        label: { type: 'plain_text', text: 'Reason (optional)' },
        element: { type: 'plain_text_input', action_id: CREW_DECLINE_REASON_ACTION, multiline: true, max_length: 500 },
      },
    ],
  };
}

export function parseDeclineMetadata(raw: string | undefined): { bookingId: string; userId: string; callRevision?: number } | undefined {
  try {
    const v = JSON.parse(raw ?? '') as { bookingId?: unknown; userId?: unknown; callRevision?: unknown };
    if (typeof v.bookingId !== 'string' || typeof v.userId !== 'string') return undefined;
    return { bookingId: v.bookingId, userId: v.userId, ...(typeof v.callRevision === 'number' ? { callRevision: v.callRevision } : {}) };
  } catch {
    return undefined;
  }
}

// ---- the ops thread (money-free too: it is a thread, and thread replies are easy to forward) ----

/**
 * "Crew called: @Sam (captain), @Lee, @Ana — each by DM". With `notReached` (the user ids whose
 * call failed; in the crew channel, any entry: its post failed) it says who was not called yet:
 * "Crew called: @Sam (captain), @Ana — each by DM. Not reached yet: @Lee — see the progress message".
 */
export function crewCalledText(roster: CrewSafeView['roster'], where: { crewChannel?: string }, notReached: readonly string[] = []): string {
  const names = (members: CrewSafeView['roster']) => members.map(rosterMention).join(', ');
  if (notReached.length === 0) return `Crew called: ${names(roster)} — ${where.crewChannel ? `in <#${where.crewChannel}>` : 'each by DM'}`;
  if (where.crewChannel) return `Crew not called yet: the post in <#${where.crewChannel}> failed — see the progress message`;
  const missed = new Set(notReached);
  const reached = roster.filter((m) => !missed.has(m.slackUserId));
  const notYet = roster.filter((m) => missed.has(m.slackUserId));
  if (reached.length === 0) return `Crew not called yet: ${names(notYet)} not reached by DM — see the progress message`;
  return `Crew called: ${names(reached)} — each by DM. Not reached yet: ${names(notYet)} — see the progress message`;
}

/**
 * "@Lee confirmed". After a "can't make it", it says so: the decline's line above still offers
 * [Change crew], and an approver scrolling the thread must not swap out someone who is coming.
 */
export function crewConfirmedText(userId: string, afterDecline = false): string {
  return afterDecline ? `:white_check_mark: ${mention(userId)} confirmed after all — they are coming, so the "can't make it" above no longer stands` : `:white_check_mark: ${mention(userId)} confirmed`;
}

/** "@Lee can't make it — <reason>" with [Change crew]. */
export function crewDeclinedMessage(bookingId: string, userId: string, reason?: string): SlackMessage {
  const text = `${DECLINED_MARK} ${mention(userId)} can't make it${reason ? ` — ${escapeMrkdwn(reason)}` : ''}`;
  return {
    text,
    blocks: [
      { type: 'section', block_id: bookingBlockId(bookingId, `crew-declined-${userId}`), text: { type: 'mrkdwn', text: fitText(text, LIMITS.sectionText) } },
      { type: 'actions', block_id: bookingBlockId(bookingId, `crew-change-${userId}`), elements: [{ type: 'button', action_id: CREW_CHANGE_ACTION_ID, text: { type: 'plain_text', text: 'Change crew' }, value: bookingId }] },
    ],
  };
}

/**
 * The decline line redrawn once the member confirmed after all, without [Change crew]: swapping out
 * someone who is coming is not what the button was for. (The reason is in /charter status's trail.)
 */
export function crewDeclineWithdrawnMessage(bookingId: string, userId: string): SlackMessage {
  const text = `:white_check_mark: ${mention(userId)} said they can't make it, then confirmed after all — they are coming`;
  return { text, blocks: [{ type: 'section', block_id: bookingBlockId(bookingId, `crew-declined-${userId}`), text: { type: 'mrkdwn', text: fitText(text, LIMITS.sectionText) } }] };
}

/** The member a [Change crew] was drawn for: its block id ends in `crew-change-<user>` (crewDeclinedMessage). */
export function declinedMemberOfBlock(blockId: string | undefined): string | undefined {
  return /:crew-change-([UW][A-Z0-9]+)$/.exec(blockId ?? '')?.[1];
}

/** `callRevision` absent: a button drawn before buttons carried it, taken as the first call (crew-answers.ts clickedCallRevision). */
export function parseConfirmValue(value: string | undefined): { bookingId: string; userId: string; callRevision?: number } | undefined {
  const match = /^([0-9A-Z]+):([UW][A-Z0-9]+)(?::r(\d+))?$/.exec(value ?? '');
  if (!match?.[1] || !match[2]) return undefined;
  return { bookingId: match[1], userId: match[2], ...(match[3] ? { callRevision: Number(match[3]) } : {}) };
}
