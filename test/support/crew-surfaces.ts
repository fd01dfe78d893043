/**
 * Everything crew can see in Slack, from the stand-in's recorded calls: their DMs, the crew channel,
 * any thread under a crew post, ephemeral replies to them, and the crew modals. And the other
 * direction: crew posts that landed in the ops channel (there must be none).
 */
import type { RecordedSlackCall, SlackApiStandin } from '../../src/sandbox/slack-api-standin';

const POSTS = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral']);

export function crewVisibleCalls(slack: SlackApiStandin, opts: { crewUsers: readonly string[]; crewChannel?: string }): RecordedSlackCall[] {
  const crewUsers = new Set(opts.crewUsers);
  const isCrewChannel = (channel: unknown) => typeof channel === 'string' && (channel.startsWith('D') || channel === opts.crewChannel);
  const crewPostTs = new Set(
    slack.calls.filter((c) => c.method === 'chat.postMessage' && isCrewChannel(c.body.channel)).map((c) => String(c.response.ts)),
  );
  return slack.calls.filter((c) => {
    if (c.method === 'views.open' || c.method === 'views.update' || c.method === 'views.push') {
      const view = c.body.view as { callback_id?: string } | undefined;
      return view?.callback_id?.startsWith('crew_') ?? false;
    }
    if (!POSTS.has(c.method)) return false;
    if (isCrewChannel(c.body.channel)) return true;
    if (typeof c.body.thread_ts === 'string' && crewPostTs.has(c.body.thread_ts)) return true;
    return c.method === 'chat.postEphemeral' && crewUsers.has(String(c.body.user));
  });
}

/** Crew-facing posts (a crew call or crew buttons) anywhere in the ops channel, threads included. */
export function crewPostsInOpsChannel(slack: SlackApiStandin, opsChannel: string): RecordedSlackCall[] {
  return slack.calls.filter((c) => POSTS.has(c.method) && c.body.channel === opsChannel && /Crew call:|crew_confirm:|crew_decline:/.test(JSON.stringify(c.body)));
}

/** The text a person reads on an HTML page: no styles, scripts or tags, entities decoded, one line per block. */
export function visibleText(html: string): string {
  return html
    .replace(/<(style|script)\b[\s\S]*?<\/\1>/gi, '')
    .replace(/<(br|\/p|\/div|\/li|\/h\d|\/tr|\/section|\/header|\/footer)\b[^>]*>/gi, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .split('\n')
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .join('\n');
}
