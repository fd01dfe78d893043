/** manifest.yml agrees with the listeners it must reach, the scope table and Slack's published manifest schema. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { BOT_SCOPES, EVENT_SCOPES } from '../../../src/slack/scopes';
import { NEW_CHARTER_SHORTCUT_CALLBACK_ID } from '../../../src/slack/shortcuts/new-charter-from-message';
import { REFRESH_SHORTCUT_CALLBACK_ID } from '../../../src/slack/shortcuts/refresh-guest-page';
import manifestSchema from '../../fixtures/slack/manifest.schema.1.0.0.json';

type Manifest = {
  features: {
    slash_commands: { command: string; url: string; usage_hint: string }[];
    shortcuts: { type: string; callback_id: string }[];
    bot_user: unknown;
    app_home: { home_tab_enabled: boolean; messages_tab_enabled: boolean; messages_tab_read_only_enabled: boolean };
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: { interactivity: { is_enabled: boolean; request_url: string }; event_subscriptions: { request_url: string; bot_events: string[] }; socket_mode_enabled: boolean };
};

const manifest = parse(readFileSync(join(__dirname, '../../../manifest.yml'), 'utf8')) as Manifest;

it('declares /charter, the message shortcut and interactivity, all at /slack/events', () => {
  expect(manifest.features.bot_user).toBeDefined();
  expect(manifest.features.slash_commands.map((c) => c.command)).toEqual(['/charter']);
  expect(manifest.features.slash_commands[0]?.usage_hint).toContain('status ID');
  expect(manifest.features.shortcuts).toEqual([
    expect.objectContaining({ type: 'message', callback_id: REFRESH_SHORTCUT_CALLBACK_ID }),
    expect.objectContaining({ type: 'message', callback_id: NEW_CHARTER_SHORTCUT_CALLBACK_ID }),
  ]);
  expect(manifest.settings.interactivity.is_enabled).toBe(true);
  for (const url of [manifest.settings.interactivity.request_url, manifest.features.slash_commands[0]?.url, manifest.settings.event_subscriptions.request_url]) expect(url).toMatch(/\/slack\/events$/);
});

it('requests exactly the bot scopes the method → scope table derives', () => {
  expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...BOT_SCOPES]);
});

it('enables the App Home tab, keeps the messages tab for crew DMs and subscribes to app_home_opened and user_change', () => {
  expect(manifest.features.app_home).toEqual({ home_tab_enabled: true, messages_tab_enabled: true, messages_tab_read_only_enabled: true });
  expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_home_opened', 'user_change']);
  expect(manifest.settings.event_subscriptions.bot_events).toEqual(Object.keys(EVENT_SCOPES));
});

it('requests the scope each subscribed event needs (Slack refuses the subscription without it)', () => {
  for (const event of manifest.settings.event_subscriptions.bot_events) {
    const needed = EVENT_SCOPES[event as keyof typeof EVENT_SCOPES]?.needed;
    expect(needed).not.toBeUndefined();
    if (needed) expect(manifest.oauth_config.scopes.bot).toContain(needed);
  }
});

it('is valid against Slack\'s published manifest schema', () => {
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  const validate = ajv.compile(manifestSchema);
  const ok = validate(manifest);
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
  // The schema is strict enough to catch a mistake (the check can fail).
  expect(validate({ ...manifest, oauth_config: { scopes: { bot: 'chat:write' } } })).toBe(false);
  expect(validate({ ...manifest, features: { ...manifest.features, app_home: { home_tab: true } } })).toBe(false);
});

it('the README\'s setup section lists every bot scope with why it is needed', () => {
  const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
  const setup = readme.slice(readme.indexOf('## Setting up the Slack app'), readme.indexOf('## Configuration'));
  for (const scope of BOT_SCOPES) expect(setup).toMatch(new RegExp(`\\| \`${scope.replace('.', '\\.')}\` \\| \\S.{10,}`));
});
