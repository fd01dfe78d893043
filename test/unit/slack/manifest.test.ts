/** manifest.yml agrees with the listeners it must reach. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { NEW_CHARTER_SHORTCUT_CALLBACK_ID } from '../../../src/slack/shortcuts/new-charter-from-message';
import { REFRESH_SHORTCUT_CALLBACK_ID } from '../../../src/slack/shortcuts/refresh-guest-page';

type Manifest = {
  features: { slash_commands: { command: string; url: string; usage_hint: string }[]; shortcuts: { type: string; callback_id: string }[]; bot_user: unknown };
  oauth_config: { scopes: { bot: string[] } };
  settings: { interactivity: { is_enabled: boolean; request_url: string }; socket_mode_enabled: boolean };
};

const manifest = parse(readFileSync(join(__dirname, '../../../manifest.yml'), 'utf8')) as Manifest;

it('declares /charter, the message shortcut, interactivity and only the scopes the bot uses', () => {
  expect(manifest.features.bot_user).toBeDefined();
  expect(manifest.features.slash_commands.map((c) => c.command)).toEqual(['/charter']);
  expect(manifest.features.slash_commands[0]?.usage_hint).toContain('status ID');
  expect(manifest.features.shortcuts).toEqual([
    expect.objectContaining({ type: 'message', callback_id: REFRESH_SHORTCUT_CALLBACK_ID }),
    expect.objectContaining({ type: 'message', callback_id: NEW_CHARTER_SHORTCUT_CALLBACK_ID }),
  ]);
  expect(manifest.settings.interactivity.is_enabled).toBe(true);
  for (const url of [manifest.settings.interactivity.request_url, manifest.features.slash_commands[0]?.url]) expect(url).toMatch(/\/slack\/events$/);
  expect(manifest.oauth_config.scopes.bot.sort()).toEqual(['chat:write', 'commands', 'users:read', 'users:read.email']);
});
