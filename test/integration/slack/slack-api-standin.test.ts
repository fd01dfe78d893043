/** The Slack Web API stand-in, driven by the real WebClient the bot uses. */
import { ErrorCode, WebClient } from '@slack/web-api';
import { startSlackApiStandin, type SlackApiStandin } from '../../../src/sandbox/slack-api-standin';

let slack: SlackApiStandin;
let client: WebClient;
beforeAll(async () => {
  slack = await startSlackApiStandin();
  client = new WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
});
afterAll(async () => {
  await slack.close();
});
beforeEach(() => slack.clear());

it('records calls with blocks and metadata parsed, and answers with distinct message timestamps', async () => {
  const first = await client.chat.postMessage({ channel: 'C0OPS00001', text: 'hi', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*hi*' } }], metadata: { event_type: 'charter_booking', event_payload: { booking_id: 'K7M2Q9TX4B1P' } } });
  const second = await client.chat.postMessage({ channel: 'C0OPS00001', text: 'again', thread_ts: first.ts ?? '' });
  expect(first.ts).not.toEqual(second.ts);
  const [call] = slack.callsTo('chat.postMessage');
  expect(call?.body.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: '*hi*' } }]);
  expect(call?.body.metadata).toEqual({ event_type: 'charter_booking', event_payload: { booking_id: 'K7M2Q9TX4B1P' } });
  expect(slack.callsTo('chat.postMessage')[1]?.body.thread_ts).toBe(first.ts);
});

it('answers users.info from configurable test users and user_not_found otherwise', async () => {
  slack.setUser({ id: 'U0NEWUSER1', realName: 'New Person', email: 'new@example.com' });
  const user = await client.users.info({ user: 'U0NEWUSER1' });
  expect([user.user?.real_name, user.user?.profile?.email]).toEqual(['New Person', 'new@example.com']);
  await expect(client.users.info({ user: 'U0NOBODY01' })).rejects.toMatchObject({ code: ErrorCode.PlatformError, data: { error: 'user_not_found' } });
});

it('answers 429 with Retry-After, then errors, for the next N calls of a method only', async () => {
  slack.rateLimitNext('chat.update', 1, 7);
  slack.failNext('chat.update', 1, 'channel_not_found');
  await expect(client.chat.update({ channel: 'C1', ts: '1.1', text: 'x' })).rejects.toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 });
  await expect(client.chat.update({ channel: 'C1', ts: '1.1', text: 'x' })).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
  await expect(client.chat.update({ channel: 'C1', ts: '1.1', text: 'x' })).resolves.toMatchObject({ ok: true });
  expect(slack.callsTo('chat.update').map((c) => c.status)).toEqual([429, 200, 200]);
});

it('answers views.open, chat.postEphemeral, auth.test, conversations.info and chat.getPermalink', async () => {
  await expect(client.views.open({ trigger_id: 't', view: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] } })).resolves.toMatchObject({ ok: true });
  await expect(client.chat.postEphemeral({ channel: 'C1', user: 'U1', text: 'x' })).resolves.toMatchObject({ ok: true });
  await expect(client.auth.test()).resolves.toMatchObject({ ok: true, user_id: 'U0BOT00001' });
  await expect(client.conversations.info({ channel: 'C0OPS00001' })).resolves.toMatchObject({ channel: { id: 'C0OPS00001' } });
  await expect(client.chat.getPermalink({ channel: 'C1', message_ts: '1.2' })).resolves.toMatchObject({ permalink: expect.stringContaining('/archives/C1/p12') });
  expect((slack.callsTo('views.open')[0]?.body.view as { type: string }).type).toBe('modal');
});
