import type { App } from '@slack/bolt';
import type { SlackDeps } from '../context';
import { NEW_CHARTER_SHORTCUT_CALLBACK_ID, newCharterFromMessageShortcut } from './new-charter-from-message';
import { REFRESH_SHORTCUT_CALLBACK_ID, refreshShortcut } from './refresh-guest-page';

export function register(app: App, deps: SlackDeps): void {
  app.shortcut({ callback_id: REFRESH_SHORTCUT_CALLBACK_ID, type: 'message_action' }, refreshShortcut(deps));
  app.shortcut({ callback_id: NEW_CHARTER_SHORTCUT_CALLBACK_ID, type: 'message_action' }, newCharterFromMessageShortcut(deps));
}
