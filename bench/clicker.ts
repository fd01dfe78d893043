/**
 * Sends many signed Approve clicks at once from its own process and times each answer (send → 200),
 * so the figure is not bent by the bench process's event loop, which also runs every stand-in.
 * CLICKER_INPUT=file with {url, signingSecret, userId, channelId, actionId, ids}; prints one JSON
 * line {answerMs, answeredAtMs, sentAtMs, statuses}.
 */
import { readFileSync } from 'node:fs';
import { blockActionPayload, interactivityBody, SlackRequester } from '../src/sandbox/slack-requests';

interface Input {
  url: string;
  signingSecret: string;
  userId: string;
  channelId: string;
  actionId: string;
  ids: string[];
}

async function main(): Promise<void> {
  const input = JSON.parse(readFileSync(process.env.CLICKER_INPUT ?? '', 'utf8')) as Input;
  const requester = new SlackRequester({ url: input.url, signingSecret: input.signingSecret });
  // signed bodies first, so signing does not stagger the sends
  const bodies = input.ids.map((id) => {
    const body = interactivityBody(blockActionPayload({ userId: input.userId, actionId: input.actionId, value: id, channelId: input.channelId }));
    return { body, headers: requester.headers(body) };
  });
  const sentAtMs = Date.now();
  const results = await Promise.all(
    bodies.map(async ({ body, headers }) => {
      const t0 = performance.now();
      const res = await fetch(requester.eventsUrl, { method: 'POST', headers: { ...headers }, body });
      await res.arrayBuffer();
      return { ms: performance.now() - t0, at: Date.now(), status: res.status };
    }),
  );
  process.stdout.write(`${JSON.stringify({ sentAtMs, answerMs: results.map((r) => r.ms), answeredAtMs: results.map((r) => r.at), statuses: results.map((r) => r.status) })}\n`);
}

void main();
