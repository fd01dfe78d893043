/**
 * The method → scope table (src/slack/scopes.ts) against the code that calls Slack and against
 * Slack's published Web API spec (test/fixtures/slack/, source named in its README).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BOT_SCOPES, METHOD_SCOPES, neededScope, scopeReasons, type MethodScope } from '../../../src/slack/scopes';
import specFixture from '../../fixtures/slack/web-api-method-scopes.json';

const SRC = join(__dirname, '../../../src');
const spec = specFixture.methods as Record<string, string[]>;
const table = METHOD_SCOPES as Record<string, MethodScope>;

/** The 2020 spec's names for today's bot scopes (see test/fixtures/slack/README.md). */
const SPEC_ALIASES: Record<string, string> = { 'chat:write': 'chat:write:bot' };
/** Field-level scopes the spec does not list, with where Slack documents them. */
const FIELD_SCOPES: Record<string, Record<string, string>> = {
  'users.info': { 'users:read.email': 'https://api.slack.com/methods/users.info (profile.email)' },
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js)$/.test(name) ? [path] : [];
  });
}

/** Web API namespaces (chat, views, users, …), from the spec: `config.slack.approvers.includes` is not a call. */
const NAMESPACES = new Set(Object.keys(spec).map((m) => m.split('.')[0]));

/** Every Web API call in src/: `client.ns.method(`, `slack.ns.method(` and `apiCall('ns.method'`. */
function webApiCalls(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const add = (method: string, where: string) => found.set(method, [...(found.get(method) ?? []), where]);
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const where = relative(SRC, file);
    for (const m of text.matchAll(/\b(?:client|slack|webClient)\??\.([a-z]+)\??\.([a-zA-Z]+)\s*[(<]/g)) if (NAMESPACES.has(m[1])) add(`${m[1]}.${m[2]}`, where);
    for (const m of text.matchAll(/\bapiCall\(\s*['"`]([a-z]+\.[a-zA-Z.]+)['"`]/g)) add(m[1] ?? '', where);
  }
  return found;
}

describe('Slack method → scope table', () => {
  const calls = webApiCalls();

  it('finds the calls it must (the scan itself works)', () => {
    for (const known of ['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'views.open', 'users.info', 'conversations.info', 'auth.test']) expect(calls.has(known)).toBe(true);
  });

  it('covers every Web API method the code calls', () => {
    const missing = [...calls].filter(([method]) => !(method in table)).map(([method, files]) => `${method} (${files.join(', ')})`);
    expect(missing).toEqual([]);
  });

  it('covers the methods this wave adds: crew DMs, App Home, modal updates', () => {
    for (const method of ['conversations.open', 'views.publish', 'views.update', 'chat.postEphemeral', 'chat.update', 'users.info', 'conversations.info']) expect(table[method]).toBeDefined();
  });

  it.each(Object.entries(table))('%s needs what Slack\'s published spec says', (method, entry) => {
    const published = spec[method];
    expect(published).toBeDefined();
    if (entry.needed === null) expect(published).toEqual([]);
    else expect(published).toContain(SPEC_ALIASES[entry.needed] ?? entry.needed);
    for (const extra of entry.also ?? []) {
      if (FIELD_SCOPES[method]?.[extra]) continue;
      expect(published).toContain(SPEC_ALIASES[extra] ?? extra);
    }
  });

  it('derives the bot scopes: every method covered, nothing extra', () => {
    expect(BOT_SCOPES).toEqual(['channels:history', 'channels:read', 'chat:write', 'commands', 'groups:history', 'groups:read', 'im:history', 'im:write', 'users:read', 'users:read.email']);
    const reasons = scopeReasons();
    for (const scope of BOT_SCOPES) expect(reasons[scope]?.length).toBeGreaterThan(0);
  });

  it('picks groups:read for a private channel and channels:read for a public one', () => {
    expect(neededScope('conversations.info', { channel: 'C0OPS00001' })).toBe('channels:read');
    expect(neededScope('conversations.info', { channel: 'G0PRIVATE1' })).toBe('groups:read');
    // Slack's spec: conversations.info on a DM needs im:read, which manifest.yml does not request.
    expect(neededScope('conversations.info', { channel: 'D0DMCHAN01' })).toBe('im:read');
    expect(neededScope('views.publish')).toBeNull();
  });

  it('picks the history scope of the conversation a lookup reads: public, private, DM', () => {
    expect(neededScope('conversations.history', { channel: 'C0CREW0001' })).toBe('channels:history');
    expect(neededScope('conversations.history', { channel: 'G0PRIVATE1' })).toBe('groups:history');
    expect(neededScope('conversations.history', { channel: 'D0CREW0001' })).toBe('im:history');
    expect(neededScope('conversations.replies', { channel: 'D0CREW0001' })).toBe('im:history');
    expect(neededScope('conversations.replies', { channel: 'C0OPS00001' })).toBe('channels:history');
    expect(neededScope('files.upload')).toBeUndefined();
  });
});
