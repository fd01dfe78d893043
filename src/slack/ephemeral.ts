/**
 * Private replies. They go through chat.postEphemeral (the Web API), never response_url, so they
 * reach the configured API. Slack refuses an ephemeral message where the app cannot post: a DM
 * between two people, a channel it was never invited to. The user still gets the answer there,
 * in their DM with the app, rather than nothing.
 */
import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../log';

/** chat.postEphemeral's errors for a conversation the app cannot post in. */
const NOT_POSTABLE_HERE = new Set(['channel_not_found', 'not_in_channel', 'is_archived']);

/** `reply`: text, or a message with blocks (the text is then its notification and fallback). */
export async function tellUser(client: WebClient, log: Logger, target: { channel?: string; user: string }, reply: string | { text: string; blocks: KnownBlock[] }): Promise<void> {
  const message = typeof reply === 'string' ? { text: reply } : reply;
  try {
    if (target.channel) {
      try {
        await client.chat.postEphemeral({ channel: target.channel, user: target.user, ...message });
        return;
      } catch (err) {
        const code = (err as { data?: { error?: unknown } }).data?.error;
        if (typeof code !== 'string' || !NOT_POSTABLE_HERE.has(code)) throw err;
        log.info({ user: target.user, slackCode: code }, 'ephemeral reply refused here; sent by DM instead');
      }
    }
    await client.chat.postMessage({ channel: target.user, ...message });
  } catch (err) {
    log.warn({ err, user: target.user }, 'could not send an ephemeral reply');
  }
}
