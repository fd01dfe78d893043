/** Message shortcut "Refresh guest page": finds the booking a message belongs to, then refreshes it. */
import type { AllMiddlewareArgs, MessageShortcut, SlackShortcutMiddlewareArgs } from '@slack/bolt';
import { bookingIdFromMessage } from '../booking-ref';
import type { SlackDeps } from '../context';
import { tellUser } from '../ephemeral';
import { refreshGuestPage } from '../refresh';

export const REFRESH_SHORTCUT_CALLBACK_ID = 'refresh_guest_page';

export function refreshShortcut(deps: SlackDeps) {
  return async ({ ack, shortcut, client }: SlackShortcutMiddlewareArgs<MessageShortcut> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const userId = shortcut.user.id;
    const target = { channel: shortcut.channel.id, user: userId };
    const bookingId = bookingIdFromMessage(shortcut.message);
    if (!bookingId) {
      return tellUser(client, deps.log, target, 'That message is not a charter booking. Use the shortcut on the approval message, its progress message or the crew post (or `/charter refresh ID`).');
    }
    await tellUser(client, deps.log, target, await refreshGuestPage(deps, bookingId, userId));
  };
}
