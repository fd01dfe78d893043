/**
 * The bot scopes manifest.yml requests: what a real install grants, so the Slack stand-in grants
 * the same by default. Falls back to the scope table (which a test keeps equal to the manifest)
 * when the file is not next to the code, e.g. in a bundle.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { BOT_SCOPES } from '../slack/scopes';

export function findManifest(start: string = __dirname): string | undefined {
  let dir = start;
  for (let i = 0; i < 5; i += 1) {
    const candidate = join(dir, 'manifest.yml');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return undefined;
}

export function manifestBotScopes(file: string | undefined = findManifest()): string[] {
  if (!file) return [...BOT_SCOPES];
  const manifest = parse(readFileSync(file, 'utf8')) as { oauth_config?: { scopes?: { bot?: unknown } } };
  const bot = manifest.oauth_config?.scopes?.bot;
  return Array.isArray(bot) ? bot.filter((s): s is string => typeof s === 'string') : [];
}
