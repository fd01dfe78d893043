/**
 * /charter and its subcommands. Bare /charter opens the booking modal: ack, then views.open with
 * the trigger id before any other outside call (the trigger expires in 3 s). Subcommands live in
 * SUBCOMMANDS so new ones (doctor) are one entry. Text that is no subcommand but reads as a booking
 * confirmation opens the modal prefilled from it (intake).
 */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { parseSessionId } from '../../booking/session-id';
import { CANCEL_ACTION_ID } from '../blocks/approval';
import { escapeAndFit, escapeMrkdwn, fitText, unescapeSlack } from '../blocks/format';
import { LIMITS } from '../blocks/limits';
import { bookingModal } from '../blocks/modal';
import { HELP_TEXT } from '../blocks/status';
import { bookingStatusFor } from '../booking-status';
import { mayOpenBookingForm, openBookingForm } from '../approval-channel';
import { isApprover, type SlackDeps } from '../context';
import { tellUser } from '../ephemeral';
import { openPrefilledModal, prefillFromText } from '../intake/prefill';
import { cancelConfirmDialog, type ChangeLabel } from '../blocks/lifecycle';
import { refreshGuestPage } from '../refresh';
import { cancelAsApprover, openChangeForm } from '../lifecycle';

/** /charter edit ID and /charter reschedule ID: the booking form, prefilled, as a change request (approvers). */
function changeCommand(label: ChangeLabel): Subcommand {
  return {
    usage: `/charter ${label} ID`,
    takesId: true,
    async run({ deps, client, userId, channelId, args, reply, triggerId }) {
      const id = parseSessionId(args[0] ?? '');
      if (!id) return reply(`Usage: \`/charter ${label} ID\` — the booking id is in the approval message.`);
      if (!triggerId) return reply('Slack did not send a trigger for the form; run the command again.');
      const problem = await openChangeForm(deps, client, { triggerId, bookingId: id, label, channel: channelId, userId });
      if (problem) return reply(problem);
    },
  };
}

export interface SubcommandInput {
  deps: SlackDeps;
  client: WebClient;
  userId: string;
  channelId: string;
  args: string[];
  reply: (text: string) => Promise<void>;
  /** For subcommands that open a form (edit, reschedule). */
  triggerId?: string;
}

export interface Subcommand {
  usage: string;
  /** Its one argument is a booking id; without this it takes none. */
  takesId?: boolean;
  run(input: SubcommandInput): Promise<void>;
}

export const SUBCOMMANDS: Record<string, Subcommand> = {
  help: { usage: '/charter help', run: ({ reply }) => reply(HELP_TEXT) },
  status: {
    usage: '/charter status ID',
    takesId: true,
    async run({ deps, userId, args, reply }) {
      const id = parseSessionId(args[0] ?? '');
      if (!id) return reply('Usage: `/charter status ID` — the booking id is in the approval message.');
      return reply(await bookingStatusFor(deps, id, userId));
    },
  },
  refresh: {
    usage: '/charter refresh ID',
    takesId: true,
    async run({ deps, userId, args, reply }) {
      const id = parseSessionId(args[0] ?? '');
      if (!id) return reply('Usage: `/charter refresh ID`.');
      return reply(await refreshGuestPage(deps, id, userId));
    },
  },
  cancel: {
    usage: '/charter cancel ID',
    takesId: true,
    async run({ deps, client, userId, channelId, args, reply }) {
      const id = parseSessionId(args[0] ?? '');
      if (!id) return reply('Usage: `/charter cancel ID` — the booking id is in the approval message.');
      if (!isApprover(deps.config, userId)) return reply('Only approvers can cancel charters.');
      const booking = await deps.api.get(id);
      if (!booking) return reply(`No booking \`${id}\`.`);
      if (booking.state === 'cancelled') {
        const by = booking.audit.findLast((a) => a.action === 'cancelled')?.userId;
        return reply(`This charter is already cancelled${by ? ` (by <@${by}>)` : ''}: there is nothing left to undo.`);
      }
      if (booking.state === 'pending_approval') return reply(await cancelAsApprover(deps, client, id, userId, { onlyIfPending: 'command' }));
      // After approval a cancel undoes real things: ask first, with the list of what will happen.
      const dialog = cancelConfirmDialog(booking);
      const text = `Cancel ${escapeAndFit(booking.request.guestName, 200)}'s charter (\`${id}\`)?`;
      await tellUser(client, deps.log, { channel: channelId, user: userId }, {
        text,
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text } },
          { type: 'actions', elements: [{ type: 'button', action_id: CANCEL_ACTION_ID, style: 'danger', text: { type: 'plain_text', text: 'Cancel charter' }, value: id, confirm: dialog }] },
        ],
      });
    },
  },
  edit: changeCommand('edit'),
  reschedule: changeCommand('reschedule'),
  doctor: {
    usage: '/charter doctor',
    async run({ deps, userId, reply }) {
      if (!isApprover(deps.config, userId)) return reply('Only approvers can run `/charter doctor`.');
      if (!deps.doctor) return reply('The doctor is not wired in this process.');
      return reply(`*charter-bot doctor*\n${await deps.doctor()}`);
    },
  },
};

/** Own keys only: `/charter constructor` must not find Object.prototype's. */
function subcommandOf(name: string): Subcommand | undefined {
  const key = name.toLowerCase();
  return Object.hasOwn(SUBCOMMANDS, key) ? SUBCOMMANDS[key] : undefined;
}

/**
 * A paste leaves the message box when the command is sent, so a form that does not open (or a
 * paste read as a sub-command) hands it back: shown as typed (Slack's escaping undone, then escaped
 * once for mrkdwn), in a code block that keeps its lines. The 1,000 characters left over hold the
 * head and why the form did not open; after a sub-command's answer, `room` leaves room for it.
 */
function pasteKept(text: string, head = 'Your pasted text is not lost — here it is; run `/charter` with it again:', room = LIMITS.messageText - 1000): string {
  return `${head}\n\`\`\`${fitText(escapeMrkdwn(unescapeSlack(text)), room)}\`\`\``;
}

/**
 * Whether the text is typed as a sub-command: one line, with no more arguments than its usage takes
 * ("reschedule 7K2Q9M4XR1AB", or "status" alone, which gets its usage), or a command with a booking
 * id and more words after it. A confirmation whose first word is a sub-command ("Reschedule
 * confirmed" and the lines under it) is a paste, not one.
 */
function typedAs(sub: Subcommand, text: string, args: readonly string[]): boolean {
  if (/[\r\n]/.test(text.trim())) return false;
  if (args.length <= (sub.takesId ? 1 : 0)) return true;
  // "reschedule 7K2Q9M4XR1AB to Dec 20": a booking id first, then words the command never read —
  // opening a new-booking form prefilled with "Dec 20" would book the trip twice. A word such as
  // "confirmation" reads as an id too, so the id must hold a digit, as nearly every one does.
  const first = args[0] ?? '';
  return sub.takesId === true && /\d/.test(first) && parseSessionId(first) !== undefined;
}

export function charterCommand(deps: SlackDeps) {
  return async ({ ack, command, client }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const [name, ...args] = command.text.trim().split(/\s+/).filter(Boolean);
    const sub = name === undefined ? undefined : subcommandOf(name);
    // `/charter <pasted confirmation>`: not a sub-command as typed, and the text gives booking fields.
    if (name !== undefined && !(sub && typedAs(sub, command.text, args))) {
      const prefill = prefillFromText(deps, command.text, 'the pasted text');
      if (Object.keys(prefill.fields).length > 0) {
        await ack();
        if (!(await mayOpenBookingForm(deps, client, { channel: command.channel_id, userId: command.user_id }))) return;
        await openPrefilledModal(deps, client, { triggerId: command.trigger_id, channel: command.channel_id, userId: command.user_id, prefill, kept: pasteKept(command.text) });
        return;
      }
    }
    if (name === undefined) {
      await ack();
      if (!(await mayOpenBookingForm(deps, client, { channel: command.channel_id, userId: command.user_id }))) return;
      await openBookingForm(deps, client, {
        triggerId: command.trigger_id,
        channel: command.channel_id,
        userId: command.user_id,
        view: bookingModal({ timezone: deps.config.timezone, capacity: deps.config.operator.capacity, origin: { channel: command.channel_id }, nowMs: deps.now() }),
        kept: 'Nothing had been entered yet: run `/charter` again.',
      });
      return;
    }
    await ack();
    const send = (text: string) => tellUser(client, deps.log, { channel: command.channel_id, user: command.user_id }, text);
    if (!sub) return send(`I don't know \`${name}\`.\n${HELP_TEXT}`);
    if (typedAs(sub, command.text, args)) {
      await sub.run({ deps, client, userId: command.user_id, channelId: command.channel_id, args, reply: send, triggerId: command.trigger_id });
      return;
    }
    // More than the sub-command takes, and nothing the form could use: it may still have been a
    // paste, gone from the message box once sent, so it comes back with the answer. Run without
    // its arguments, a sub-command that acts on a booking only says its usage: a pasted line that
    // happens to hold a booking id cancels or changes nothing.
    const head = `Your text starts with \`${name.toLowerCase()}\`, so it was read as that command, and nothing in it could fill the booking form. It is not lost — here it is:`;
    const reply = (text: string) => send(`${text}\n${pasteKept(command.text, head, LIMITS.messageText - 1000 - text.length)}`);
    await sub.run({ deps, client, userId: command.user_id, channelId: command.channel_id, args: [], reply, triggerId: command.trigger_id });
  };
}
