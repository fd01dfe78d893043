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
