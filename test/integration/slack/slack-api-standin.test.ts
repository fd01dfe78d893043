/** The Slack Web API stand-in, driven by the real WebClient the bot uses. */
import { ErrorCode, LogLevel, WebClient, type Logger } from '@slack/web-api';
import { startSlackApiStandin, type SlackApiStandin } from '../../../src/sandbox/slack-api-standin';

/** The WebClient logs Slack's response_metadata messages as errors; the tests assert on them instead. */
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} };

let slack: SlackApiStandin;
let client: WebClient;
beforeAll(async () => {
  slack = await startSlackApiStandin();
  client = new WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, logger: quiet });
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

it('fails only the calls a failNext filter accepts', async () => {
  slack.failNext('chat.postMessage', 1, 'not_in_channel', (body) => body.channel === 'C0CREWCH01');
  await expect(client.chat.postMessage({ channel: 'C0OTHER001', text: 'x' })).resolves.toMatchObject({ ok: true });
  await expect(client.chat.postMessage({ channel: 'C0CREWCH01', text: 'x' })).rejects.toMatchObject({ data: { error: 'not_in_channel' } });
  await expect(client.chat.postMessage({ channel: 'C0CREWCH01', text: 'x' })).resolves.toMatchObject({ ok: true });
});

describe("Slack's published rate limits", () => {
  afterEach(() => slack.setRateLimits(undefined));

  it('lets a burst through per channel for chat.postMessage, then answers 429 with the wait until the next token', async () => {
    slack.setRateLimits({ 'chat.postMessage': { scope: 'channel', perMinute: 60, burst: 2 } });
    const post = (channel: string) => client.chat.postMessage({ channel, text: 'x' });
    await post('C0BUSY0001');
    await post('C0BUSY0001');
    await expect(post('C0BUSY0001')).rejects.toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 1 });
    // another channel has its own bucket; a method without a limit is never refused
    await expect(post('C0QUIET001')).resolves.toMatchObject({ ok: true });
    await expect(client.chat.update({ channel: 'C0BUSY0001', ts: '1.1', text: 'x' })).resolves.toMatchObject({ ok: true });
    // the refused call took nothing: one second later one more goes
    await new Promise((r) => setTimeout(r, 1050));
    await expect(post('C0BUSY0001')).resolves.toMatchObject({ ok: true });
    expect(slack.callsTo('chat.postMessage').map((c) => `${c.body.channel} ${c.status}`)).toEqual(['C0BUSY0001 200', 'C0BUSY0001 200', 'C0BUSY0001 429', 'C0QUIET001 200', 'C0BUSY0001 200']);
  });

  it('counts a workspace-wide method across channels, with Retry-After rounded up to whole seconds', async () => {
    slack.setRateLimits({ 'chat.update': { scope: 'workspace', perMinute: 50, burst: 1 } });
    await client.chat.update({ channel: 'C1', ts: '1.1', text: 'x' });
    // 50 a minute is one per 1.2 s: Slack's Retry-After is whole seconds, so 2
    await expect(client.chat.update({ channel: 'C2', ts: '2.2', text: 'x' })).rejects.toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 2 });
  });
});

it('answers views.open, chat.postEphemeral, auth.test, conversations.info and chat.getPermalink', async () => {
  await expect(client.views.open({ trigger_id: 't', view: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] } })).resolves.toMatchObject({ ok: true });
  await expect(client.chat.postEphemeral({ channel: 'C1', user: 'U1', text: 'x' })).resolves.toMatchObject({ ok: true });
  await expect(client.auth.test()).resolves.toMatchObject({ ok: true, user_id: 'U0BOT00001' });
  await expect(client.conversations.info({ channel: 'C0OPS00001' })).resolves.toMatchObject({ channel: { id: 'C0OPS00001' } });
  await expect(client.chat.getPermalink({ channel: 'C1', message_ts: '1.2' })).resolves.toMatchObject({ permalink: expect.stringContaining('/archives/C1/p12') });
  expect((slack.callsTo('views.open')[0]?.body.view as { type: string }).type).toBe('modal');
});

const ALL_SCOPES = ['channels:history', 'channels:read', 'chat:write', 'commands', 'groups:history', 'groups:read', 'im:history', 'im:write', 'users:read', 'users:read.email'];

describe('scopes, as a real install enforces them', () => {
  afterEach(() => slack.setScopes(ALL_SCOPES));

  it('grants what manifest.yml requests by default', () => {
    expect([...slack.scopes].sort()).toEqual(ALL_SCOPES);
  });

  it('answers missing_scope with needed and provided, like Slack, for the old manifest\'s four scopes', async () => {
    slack.setScopes(['commands', 'chat:write', 'users:read', 'users:read.email']);
    await expect(client.conversations.info({ channel: 'C0OPS00001' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { ok: false, error: 'missing_scope', needed: 'channels:read', provided: 'commands,chat:write,users:read,users:read.email' },
    });
    await expect(client.conversations.open({ users: 'U0CREW0001' })).rejects.toMatchObject({ data: { error: 'missing_scope', needed: 'im:write' } });
    await expect(client.chat.postMessage({ channel: 'C1', text: 'still fine' })).resolves.toMatchObject({ ok: true });
  });

  it('needs groups:read for a private channel and channels:read for a public one', async () => {
    slack.setScopes(['channels:read']);
    await expect(client.conversations.info({ channel: 'G0PRIVATE1' })).rejects.toMatchObject({ data: { error: 'missing_scope', needed: 'groups:read' } });
    await expect(client.conversations.info({ channel: 'C0PUBLIC01' })).resolves.toMatchObject({ ok: true });
  });

  it('needs the history scope of the conversation a lookup reads: im:history in a DM, groups:history in a private channel', async () => {
    slack.setScopes(ALL_SCOPES.filter((s) => s !== 'im:history' && s !== 'groups:history'));
    await expect(client.conversations.history({ channel: 'D0CREW0001' })).rejects.toMatchObject({ data: { error: 'missing_scope', needed: 'im:history' } });
    await expect(client.conversations.replies({ channel: 'G0PRIVATE1', ts: '1.000001' })).rejects.toMatchObject({ data: { error: 'missing_scope', needed: 'groups:history' } });
    await expect(client.conversations.history({ channel: 'C0PUBLIC01' })).resolves.toMatchObject({ ok: true, messages: [] });
    slack.setScopes(ALL_SCOPES.filter((s) => s !== 'channels:history'));
    await expect(client.conversations.history({ channel: 'C0PUBLIC01' })).rejects.toMatchObject({ data: { error: 'missing_scope', needed: 'channels:history' } });
  });

  it('leaves the email out of users.info without users:read.email', async () => {
    slack.setScopes(['users:read']);
    const user = await client.users.info({ user: 'U0CREW0001' });
    expect(user.user?.real_name).toBe('Lee Park');
    expect(user.user?.profile?.email).toBeUndefined();
  });

  it('opens a DM (conversations.open → D…, the same for the same user) and publishes an App Home view', async () => {
    const first = await client.conversations.open({ users: 'U0CREW0001' });
    const again = await client.conversations.open({ users: 'U0CREW0001' });
    expect(first.channel?.id).toMatch(/^D[A-Z0-9]+$/);
    expect(again.channel?.id).toBe(first.channel?.id);
    expect((await client.conversations.open({ users: 'U0CREW0002' })).channel?.id).not.toBe(first.channel?.id);
    await expect(client.views.publish({ user_id: 'U0APPROVE1', view: { type: 'home', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Home' } }] } })).resolves.toMatchObject({ ok: true });
  });
});

describe('a DM Slack refuses', () => {
  it('answers user_disabled to conversations.open with a deactivated user, whom users.info still shows (deleted: true)', async () => {
    slack.setUser({ id: 'U0GONE0001', realName: 'Gone Away', deleted: true });
    await expect(client.conversations.open({ users: 'U0GONE0001' })).rejects.toMatchObject({ code: ErrorCode.PlatformError, data: { error: 'user_disabled' } });
    expect((await client.users.info({ user: 'U0GONE0001' })).user).toMatchObject({ deleted: true, is_bot: false, real_name: 'Gone Away' });
    // reactivated: the DM opens again
    slack.setUser({ id: 'U0GONE0001', realName: 'Gone Away' });
    await expect(client.conversations.open({ users: 'U0GONE0001' })).resolves.toMatchObject({ ok: true, channel: { id: expect.stringMatching(/^D/) } });
  });

  it('answers cannot_dm_bot to conversations.open and chat.postMessage with a bot user (users.info: is_bot: true)', async () => {
    slack.setUser({ id: 'U0HELPBOT1', realName: 'Help Bot', isBot: true });
    expect((await client.users.info({ user: 'U0HELPBOT1' })).user).toMatchObject({ is_bot: true, deleted: false });
    await expect(client.conversations.open({ users: 'U0HELPBOT1' })).rejects.toMatchObject({ data: { error: 'cannot_dm_bot' } });
    await expect(client.chat.postMessage({ channel: 'U0HELPBOT1', text: 'hello bot' })).rejects.toMatchObject({ data: { error: 'cannot_dm_bot' } });
    expect(slack.messages().filter((m) => m.text === 'hello bot')).toHaveLength(0);
    // a person is not refused
    expect((await client.users.info({ user: 'U0CREW0001' })).user).toMatchObject({ is_bot: false, deleted: false });
    await expect(client.chat.postMessage({ channel: 'U0CREW0001', text: 'hello' })).resolves.toMatchObject({ ok: true });
  });
});

describe('Block Kit limits, as Slack enforces them', () => {
  const section = (text: string) => ({ type: 'section' as const, text: { type: 'mrkdwn' as const, text } });

  it('answers invalid_blocks, with Slack\'s json-pointer messages, for a section over 3,000 characters', async () => {
    await expect(client.chat.postMessage({ channel: 'C1', text: 'x', blocks: [section('a'.repeat(3000))] })).resolves.toMatchObject({ ok: true });
    await expect(client.chat.postMessage({ channel: 'C1', text: 'x', blocks: [section('a'.repeat(3001))] })).rejects.toMatchObject({
      data: { error: 'invalid_blocks', response_metadata: { messages: ['[ERROR] must be less than 3001 characters (is 3001) [json-pointer:/blocks/0/text/text]'] } },
    });
  });

  it('refuses chat.update past the limits too, and more than 50 blocks in a message', async () => {
    await expect(client.chat.update({ channel: 'C1', ts: '1.1', text: 'x', blocks: Array.from({ length: 51 }, (_, i) => section(`b${i}`)) })).rejects.toMatchObject({ data: { error: 'invalid_blocks' } });
  });

  it('answers msg_blocks_too_long when the blocks\' text adds up past 12,000 characters, each block within its own limit', async () => {
    const blocks = (last: number) => [...Array.from({ length: 4 }, () => section('a'.repeat(2500))), section('a'.repeat(last))];
    await expect(client.chat.postMessage({ channel: 'C1', text: 'x', blocks: blocks(2000) })).resolves.toMatchObject({ ok: true });
    await expect(client.chat.postMessage({ channel: 'C1', text: 'x', blocks: blocks(2001) })).rejects.toMatchObject({ data: { error: 'msg_blocks_too_long' } });
  });

  it('answers msg_too_long for text past 40,000 characters', async () => {
    await expect(client.chat.postMessage({ channel: 'C1', text: 'a'.repeat(40_001) })).rejects.toMatchObject({ data: { error: 'msg_too_long' } });
  });

  it('answers invalid_arguments for a modal title over 24 characters', async () => {
    const view = (title: string) => ({ type: 'modal' as const, title: { type: 'plain_text' as const, text: title }, blocks: [] });
    await expect(client.views.open({ trigger_id: 't', view: view('a'.repeat(24)) })).resolves.toMatchObject({ ok: true });
    await expect(client.views.open({ trigger_id: 't', view: view('a'.repeat(25)) })).rejects.toMatchObject({
      data: { error: 'invalid_arguments', response_metadata: { messages: [expect.stringContaining('[json-pointer:/view/title/text]')] } },
    });
  });
});

/** The kind of post a message's metadata names (the WebClient types event_payload as `{}`). */
const postOf = (m: { metadata?: { event_payload?: object } }) => (m.metadata?.event_payload as { post?: string } | undefined)?.post;

describe('messages kept, as conversations.history and conversations.replies return them', () => {
  const meta = (post: string) => ({ event_type: 'charter_booking', event_payload: { booking_id: 'K7M2Q9TX4B1P', post } });

  it('history: top-level messages newest first, metadata only with include_all_metadata, oldest exclusive', async () => {
    const channel = 'D0HIST0001';
    const before = await client.chat.postMessage({ channel, text: 'before' });
    const call = await client.chat.postMessage({ channel, text: 'call', metadata: meta('crew_call') });
    await client.chat.postMessage({ channel, text: 'a reply', thread_ts: call.ts ?? '', metadata: meta('crew_change_note') });
    const plain = await client.conversations.history({ channel, oldest: before.ts ?? '' });
    expect(plain.messages?.map((m) => m.text)).toEqual(['call']);
    expect(plain.messages?.[0]).not.toHaveProperty('metadata');
    expect(plain.messages?.[0]).toMatchObject({ user: 'U0BOT00001', bot_id: 'B0BOT00001', ts: call.ts, thread_ts: call.ts, reply_count: 1 });
    const withMeta = await client.conversations.history({ channel, include_all_metadata: true });
    expect(withMeta.messages?.map((m) => [m.text, postOf(m)])).toEqual([['call', 'crew_call'], ['before', undefined]]);
    expect((await client.conversations.history({ channel, oldest: before.ts ?? '', inclusive: true })).messages?.map((m) => m.text)).toEqual(['call', 'before']);
    // another channel's messages are not there
    expect((await client.conversations.history({ channel: 'D0OTHER001' })).messages).toEqual([]);
  });

  it('history pages with limit and a cursor', async () => {
    const channel = 'C0PAGES001';
    for (const text of ['one', 'two', 'three']) await client.chat.postMessage({ channel, text });
    const first = await client.conversations.history({ channel, limit: 2 });
    expect(first.messages?.map((m) => m.text)).toEqual(['three', 'two']);
    expect(first.has_more).toBe(true);
    const second = await client.conversations.history({ channel, limit: 2, cursor: first.response_metadata?.next_cursor ?? '' });
    expect(second.messages?.map((m) => m.text)).toEqual(['one']);
    expect([second.has_more, second.response_metadata?.next_cursor]).toEqual([false, '']);
  });

  it('replies: the parent and its replies oldest first, metadata only when asked; thread_not_found for an unknown thread', async () => {
    const channel = 'C0THREAD01';
    const parent = await client.chat.postMessage({ channel, text: 'approval' });
    await client.chat.postMessage({ channel, text: 'Crew called', thread_ts: parent.ts ?? '', metadata: meta('crew_called') });
    const thread = await client.conversations.replies({ channel, ts: parent.ts ?? '', include_all_metadata: true });
    expect(thread.messages?.map((m) => [m.text, postOf(m)])).toEqual([['approval', undefined], ['Crew called', 'crew_called']]);
    expect((await client.conversations.replies({ channel, ts: parent.ts ?? '' })).messages?.[1]).not.toHaveProperty('metadata');
    await expect(client.conversations.replies({ channel, ts: '1.000001' })).rejects.toMatchObject({ data: { error: 'thread_not_found' } });
  });

  it('chat.update changes the kept message', async () => {
    const channel = 'D0UPDATE01';
    const posted = await client.chat.postMessage({ channel, text: 'old', metadata: meta('crew_call') });
    await client.chat.update({ channel, ts: posted.ts ?? '', text: 'new' });
    expect(slack.messages(channel).map((m) => [m.text, postOf(m)])).toEqual([['new', 'crew_call']]);
  });

  it('a message someone deleted is gone from the thread, and chat.update of it answers message_not_found', async () => {
    const channel = 'C0DELETE01';
    const parent = await client.chat.postMessage({ channel, text: 'parent' });
    const reply = await client.chat.postMessage({ channel, thread_ts: parent.ts ?? '', text: 'reply' });
    slack.deleteMessage(channel, reply.ts ?? '');
    const thread = await client.conversations.replies({ channel, ts: parent.ts ?? '' });
    expect(thread.messages?.map((m) => m.text)).toEqual(['parent']);
    await expect(client.chat.update({ channel, ts: reply.ts ?? '', text: 'new' })).rejects.toMatchObject({ code: ErrorCode.PlatformError, data: { error: 'message_not_found' } });
    await client.chat.update({ channel, ts: parent.ts ?? '', text: 'parent, edited' });
    expect(slack.messages(channel).map((m) => m.text)).toEqual(['parent, edited']);
  });
});

describe('answers lost after the call took effect', () => {
  let short: WebClient;
  beforeAll(() => {
    short = new WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 }, timeout: 300, logger: quiet });
  });

  it('a reset after the message was stored: the client sees a request error, the message is there', async () => {
    slack.loseNext('chat.postMessage', 1, { effect: 'now', answer: 'reset' });
    await expect(short.chat.postMessage({ channel: 'D0LOST0001', text: 'landed' })).rejects.toMatchObject({ code: ErrorCode.RequestError });
    expect(slack.messages('D0LOST0001').map((m) => m.text)).toEqual(['landed']);
    expect(slack.callsTo('chat.postMessage').map((c) => c.response.ok)).toEqual([true]);
  });

  it('a 503 without effect: an HTTP error, nothing stored, nothing recorded as posted', async () => {
    slack.loseNext('chat.postMessage', 1, { effect: 'never', answer: 503 });
    await expect(short.chat.postMessage({ channel: 'D0LOST0002', text: 'never' })).rejects.toMatchObject({ code: ErrorCode.HTTPError, statusCode: 503 });
    expect(slack.messages('D0LOST0002')).toEqual([]);
    expect(slack.callsTo('chat.postMessage')).toEqual([]);
  });

  it('an effect that lands late: absent right after the failure, there afterwards', async () => {
    slack.loseNext('chat.postMessage', 1, { effect: 150, answer: 'reset' });
    await expect(short.chat.postMessage({ channel: 'D0LOST0003', text: 'late' })).rejects.toMatchObject({ code: ErrorCode.RequestError });
    expect(slack.messages('D0LOST0003')).toEqual([]);
    await slack.waitFor((calls) => calls.some((c) => c.body.channel === 'D0LOST0003'));
    expect(slack.messages('D0LOST0003').map((m) => m.text)).toEqual(['late']);
  });

  it('a slow answer past the client timeout: the client times out, the message is there', async () => {
    slack.slowNext('chat.postMessage', 1, 1000);
    await expect(short.chat.postMessage({ channel: 'D0LOST0004', text: 'slow' })).rejects.toMatchObject({ code: ErrorCode.RequestError });
    expect(slack.messages('D0LOST0004').map((m) => m.text)).toEqual(['slow']);
  });
});

it("answers a post to a user id with their DM's id, and refuses edits and reads by a user id as Slack does", async () => {
  const posted = await client.chat.postMessage({ channel: 'U0APPROVE1', text: 'for your eyes' });
  const dm = (await client.conversations.open({ users: 'U0APPROVE1' })).channel?.id;
  expect(posted.channel).toBe(dm);
  await expect(client.chat.update({ channel: dm!, ts: posted.ts!, text: 'edited' })).resolves.toMatchObject({ ok: true });
  for (const call of [
    () => client.chat.update({ channel: 'U0APPROVE1', ts: posted.ts!, text: 'edited' }),
    () => client.chat.delete({ channel: 'U0APPROVE1', ts: posted.ts! }),
    () => client.conversations.history({ channel: 'U0APPROVE1' }),
    () => client.conversations.replies({ channel: 'U0APPROVE1', ts: posted.ts! }),
  ]) {
    await expect(call()).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
  }
  expect((await client.conversations.history({ channel: dm!, include_all_metadata: true })).messages?.map((m) => m.text)).toEqual(['edited']);
});
