/** Message shortcut "New charter from message": the booking modal, prefilled from the message's text. */
import type { AllMiddlewareArgs, MessageShortcut, SlackShortcutMiddlewareArgs } from '@slack/bolt';
import { mayOpenBookingForm } from '../approval-channel';
import type { SlackDeps } from '../context';
import { messageText, openPrefilledModal, prefillFromText } from '../intake/prefill';

export const NEW_CHARTER_SHORTCUT_CALLBACK_ID = 'new_charter_from_message';

export function newCharterFromMessageShortcut(deps: SlackDeps) {
  return async ({ ack, shortcut, client }: SlackShortcutMiddlewareArgs<MessageShortcut> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    if (!(await mayOpenBookingForm(deps, client, { channel: shortcut.channel.id, userId: shortcut.user.id }))) return;
    const prefill = prefillFromText(deps, messageText(shortcut.message), 'the message');
    await openPrefilledModal(deps, client, { triggerId: shortcut.trigger_id, channel: shortcut.channel.id, userId: shortcut.user.id, prefill, kept: 'The message is unchanged: use *New charter from this message* on it again.' });
  };
}
