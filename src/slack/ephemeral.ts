/** Ephemeral replies go through chat.postEphemeral (the Web API), never response_url, so they reach the configured API. */
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../log';

export async function tellUser(client: WebClient, log: Logger, target: { channel?: string; user: string }, text: string): Promise<void> {
  try {
    if (target.channel) await client.chat.postEphemeral({ channel: target.channel, user: target.user, text });
    else await client.chat.postMessage({ channel: target.user, text });
  } catch (err) {
    log.warn({ err, user: target.user }, 'could not send an ephemeral reply');
  }
}
