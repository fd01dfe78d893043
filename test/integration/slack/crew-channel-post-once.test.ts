/**
 * With CHARTER_CREW_CHANNEL set the crew call is one post in that channel: when its answer is lost
 * after Slack stored it, the bot finds it in the channel's history (channels:history) and adopts
 * it — one crew call in the channel, not two.
 */
import type { StoredSlackMessage } from '../../../src/sandbox/slack-api-standin';
import { CREW_CHANNEL_POST_KEY } from '../../../src/pipeline/types';
import { clickInOps, settle, startHarness, submitBooking, waitForBooking, type Harness } from './harness';

const CREW_CHANNEL = 'C0CREW0001';
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { CHARTER_CREW_CHANNEL: CREW_CHANNEL }, deps: { crewPostOnce: { settleMs: 300, lookupPauseMs: 50, deadlineMs: 8000 } } });
});
afterAll(async () => h.close());

type Payload = Record<string, unknown>;
const payloadOf = (m: { metadata?: unknown }): Payload => ((m.metadata as { event_payload?: Payload } | undefined)?.event_payload ?? {});

it('the crew channel post lands once when its answer is reset after Slack stored it', async () => {
  const id = await submitBooking(h);
  h.slack.loseNext('chat.postMessage', 1, { effect: 'now', answer: 'reset', when: (body) => payloadOf(body).booking_id === id && payloadOf(body).post === 'crew_call' });
  await clickInOps(h, 'booking_approve', id);
  const done = await waitForBooking(h, id, (b) => b.state === 'done', 20_000);
  await settle(h);

  const calls: StoredSlackMessage[] = h.slack.messages(CREW_CHANNEL).filter((m) => payloadOf(m).booking_id === id && payloadOf(m).post === 'crew_call');
  expect(calls).toHaveLength(1);
  expect(payloadOf(calls[0]!).to).toBe('channel');
  expect(done.slack.crewPosts?.[CREW_CHANNEL_POST_KEY]).toMatchObject({ channel: CREW_CHANNEL, ts: calls[0]?.ts });
  expect(h.slack.callsTo('conversations.history').some((c) => c.body.channel === CREW_CHANNEL && c.status === 200 && c.response.ok === true)).toBe(true);
  expect(done.steps.crew_notice.attempts).toBe(1);
});

it.each([
  ['not_in_channel', { isMember: false }, 'The bot is not in C0CREW0001 (CHARTER_CREW_CHANNEL): /invite the bot there, then press Retry.'],
  [
    'channel_not_found',
    { exists: false },
    "Slack cannot find C0CREW0001 (CHARTER_CREW_CHANNEL): no such channel, or a private one the bot is not in — check CHARTER_CREW_CHANNEL is the channel's ID (C…), /invite the bot to a private channel, then press Retry.",
  ],
  ['is_archived', { isArchived: true }, 'C0CREW0001 (CHARTER_CREW_CHANNEL) is archived: unarchive it or set CHARTER_CREW_CHANNEL to another channel, then press Retry.'],
] as const)('a crew channel Slack refuses (%s) is named with its setting and the fix', async (code, channel, message) => {
  const id = await submitBooking(h);
  h.slack.setChannel(CREW_CHANNEL, channel);
  try {
    await clickInOps(h, 'booking_approve', id);
    const failed = await waitForBooking(h, id, (b) => b.state === 'failed', 20_000);
    expect(failed.steps.crew_notice.error).toMatchObject({ code: `SLACK_${code.toUpperCase()}`, retryable: false, message });
  } finally {
    h.slack.setChannel(CREW_CHANNEL, undefined);
  }
});
