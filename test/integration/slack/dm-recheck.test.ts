/**
 * The bot's known DM channels are opened again once DM_RECHECK_MS old. Slack takes a post into the
 * DM of someone deactivated since the channel was opened (it reaches nobody); only
 * conversations.open answers `user_disabled`. The WebClient talks to the Slack stand-in over HTTP.
 */
import { LogLevel, WebClient, type Logger } from '@slack/web-api';
import { startSlackApiStandin, type SlackApiStandin } from '../../../src/sandbox/slack-api-standin';
import { DM_RECHECK_MS, openDm } from '../../../src/slack/crew-notice';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} };

let slack: SlackApiStandin;
let client: WebClient;
beforeAll(async () => {
  slack = await startSlackApiStandin();
  client = new WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 }, logger: quiet });
});
afterAll(async () => slack.close());

it('finds out a member deactivated after their DM was opened once the channel is DM_RECHECK_MS old', async () => {
  slack.setUser({ id: 'U0LEAVES01', realName: 'Lee Leaves' });
  const t0 = 1_000_000;
  const channel = await openDm(client, 'U0LEAVES01', { nowMs: t0 });
  expect(slack.callsTo('conversations.open')).toHaveLength(1);

  slack.setUser({ id: 'U0LEAVES01', realName: 'Lee Leaves', deleted: true });
  // Within the recheck age the known channel is used, and Slack takes the post: nobody is told.
  expect(await openDm(client, 'U0LEAVES01', { nowMs: t0 + DM_RECHECK_MS - 1 })).toBe(channel);
  await expect(client.chat.postMessage({ channel, text: 'Crew call' })).resolves.toMatchObject({ ok: true });
  expect(slack.callsTo('conversations.open')).toHaveLength(1);

  // Past it, the DM is opened again and Slack says why it cannot be.
  await expect(openDm(client, 'U0LEAVES01', { nowMs: t0 + DM_RECHECK_MS })).rejects.toMatchObject({ code: 'SLACK_USER_DISABLED', retryable: false });
  expect(slack.callsTo('conversations.open')).toHaveLength(2);
  // The refusal is not remembered: reactivated, the next call opens the DM again.
  slack.setUser({ id: 'U0LEAVES01', realName: 'Lee Leaves' });
  expect(await openDm(client, 'U0LEAVES01', { nowMs: t0 + DM_RECHECK_MS + 1 })).toBe(channel);
  expect(slack.callsTo('conversations.open')).toHaveLength(3);
});

it('shares one open among the calls that ask at once, and keeps the channel for later calls', async () => {
  slack.setUser({ id: 'U0BUSY0001', realName: 'Busy Crew' });
  const before = slack.callsTo('conversations.open').length;
  const t0 = 5_000_000;
  const channels = await Promise.all([openDm(client, 'U0BUSY0001', { nowMs: t0 }), openDm(client, 'U0BUSY0001', { nowMs: t0 + 1 }), openDm(client, 'U0BUSY0001', { nowMs: t0 + 2 })]);
  expect(new Set(channels).size).toBe(1);
  await openDm(client, 'U0BUSY0001', { nowMs: t0 + 60_000 });
  expect(slack.callsTo('conversations.open').length - before).toBe(1);
});
