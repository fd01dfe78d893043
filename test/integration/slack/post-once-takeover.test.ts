/**
 * PostOnce taking a post over from another process whose own call may still be in flight at Slack
 * (a step taken over from a holder that fenced itself): the other process's call is out of sight,
 * so absence counts only from a lookup started after that call must have ended (othersCallsEndByMs)
 * plus the settle time. Two WebClients (two processes) against the Slack Web API stand-in over HTTP.
 */
import { LogLevel, WebClient } from '@slack/web-api';
import { startSlackApiStandin, type SlackApiStandin } from '../../../src/sandbox/slack-api-standin';
import { crewPostMetadata } from '../../../src/slack/booking-ref';
import { PostOnce } from '../../../src/slack/post-once';

let slack: SlackApiStandin;
let clientA: WebClient;
let clientB: WebClient;
beforeAll(async () => {
  slack = await startSlackApiStandin();
  // A's lost answer is the point, not a warning worth printing.
  clientA = new WebClient('xoxb-test-bot-token', { slackApiUrl: slack.url, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR });
  clientB = new WebClient('xoxb-test-bot-token', { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
});
afterAll(async () => {
  await slack.close();
});
beforeEach(() => slack.clear());

const CHANNEL = 'D0CREW0002';
type Payload = Record<string, unknown>;
const payloadOf = (m: { metadata?: unknown }): Payload => ((m.metadata as { event_payload?: Payload } | undefined)?.event_payload ?? {});
const call = (booking: string) => ({ channel: CHANNEL, text: 'Crew call', metadata: crewPostMetadata(booking, 'crew_call', { rev: 1, to: 'U0CREW0002' }), matchOn: ['booking_id', 'post', 'to'], what: 'crew call' });
const callsIn = (booking: string) => slack.messages(CHANNEL).filter((m) => payloadOf(m).booking_id === booking && payloadOf(m).post === 'crew_call');

it("finds the other process's post that Slack stores after the first lookup, and posts nothing", async () => {
  // A's call is stored 400 ms after it reaches Slack; A never hears back (it was fenced and gave up).
  slack.loseNext('chat.postMessage', 1, { effect: 400, answer: 'reset' });
  const sentByA = new PostOnce({ client: clientA }).post(call('BKTAKEOVER01')).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 50));
  const startedAt = Date.now();
  const posterB = new PostOnce({ client: clientB, settleMs: 200, lookupPauseMs: 20, deadlineMs: 10_000 });
  const got = await posterB.post({ ...call('BKTAKEOVER01'), lookUpFirst: true, earliestMs: startedAt - 1000, othersCallsEndByMs: startedAt + 600 });
  await sentByA;
  await slack.lateEffectsLanded();

  const calls = callsIn('BKTAKEOVER01');
  expect(calls).toHaveLength(1);
  expect(got).toEqual({ ts: calls[0]!.ts, via: 'earlier-attempt' });
  // The first lookup came before A's post was stored and proved nothing.
  expect(slack.callsTo('conversations.history').length).toBeGreaterThan(1);
});

it('posts exactly once when the other process never sent it', async () => {
  const startedAt = Date.now();
  const posterB = new PostOnce({ client: clientB, settleMs: 200, lookupPauseMs: 20, deadlineMs: 10_000 });
  const got = await posterB.post({ ...call('BKTAKEOVER02'), lookUpFirst: true, earliestMs: startedAt - 1000, othersCallsEndByMs: startedAt + 300 });
  const calls = callsIn('BKTAKEOVER02');
  expect(calls).toHaveLength(1);
  expect(got).toEqual({ ts: calls[0]!.ts, via: 'posted' });
  expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
});

it("does not wait when the other process's call has long ended: one lookup, then the post", async () => {
  const startedAt = Date.now();
  const posterB = new PostOnce({ client: clientB, settleMs: 200, lookupPauseMs: 20, deadlineMs: 10_000 });
  await posterB.post({ ...call('BKTAKEOVER03'), lookUpFirst: true, earliestMs: startedAt - 60_000, othersCallsEndByMs: startedAt - 30_000 });
  expect(callsIn('BKTAKEOVER03')).toHaveLength(1);
  expect(slack.callsTo('conversations.history')).toHaveLength(1);
});

it('a post nobody took over is sent at once, without a lookup', async () => {
  const posterB = new PostOnce({ client: clientB, settleMs: 200, lookupPauseMs: 20, deadlineMs: 10_000 });
  const got = await posterB.post(call('BKTAKEOVER04'));
  expect(got.via).toBe('posted');
  expect(slack.callsTo('conversations.history')).toHaveLength(0);
});

it("an end past PostOnce's deadline is not waited for beyond it: the outcome is unknown (retryable), nothing is posted", async () => {
  const startedAt = Date.now();
  const posterB = new PostOnce({ client: clientB, settleMs: 200, lookupPauseMs: 20, deadlineMs: 500 });
  await expect(posterB.post({ ...call('BKTAKEOVER05'), lookUpFirst: true, earliestMs: startedAt - 1000, othersCallsEndByMs: startedAt + 60_000 })).rejects.toMatchObject({ code: 'SLACK_OUTCOME_UNKNOWN', retryable: true });
  expect(callsIn('BKTAKEOVER05')).toHaveLength(0);
});
