/**
 * Socket Mode end to end: the app started as src/main.ts starts it (startApp, SLACK_APP_TOKEN set,
 * no signing secret, no receiver of the test's) connects through the Slack stand-in's
 * apps.connections.open to its socket end, and every delivery arrives as a Socket Mode envelope
 * acked over the socket: /charter opens the modal, a bad form is answered in the ack, Approve runs
 * the production steps against the local stand-ins to done, and a `disconnect` makes the app
 * reconnect through a new apps.connections.open and keep working, even past a few failed opens.
 * A start Slack refuses or cannot be reached says so at once, and a stop closes the socket.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { WebClient } from '@slack/web-api';
import WebSocket from 'ws';
import { startApp, type RunningApp } from '../../../src/app';
import { loadConfig } from '../../../src/config';
import { createLogger } from '../../../src/log';
import type { BookingRecord } from '../../../src/pipeline/types';
import { startSlackApiStandin, STANDIN_APP_TOKEN, type SlackApiStandin } from '../../../src/sandbox/slack-api-standin';
import { startStandins, type Standins } from '../../../src/sandbox/standins';
import { createSlackFetch } from '../../../src/slack/slack-fetch';
import { blockActionPayload, bookingModalState, slashCommandBody, viewSubmissionPayload } from '../../support/slack-requests';
import { APPROVER, approvalPosts, OPS_CHANNEL, ORIGIN_CHANNEL, VALID_FIELDS } from './harness';

let standins: Standins;
let slack: SlackApiStandin;
let running: RunningApp;
let dir: string;
const logLines: string[] = [];

const envFor = (slackApi: SlackApiStandin, appToken: string) => ({
  ...standins.env,
  SLACK_BOT_TOKEN: 'xoxb-socket-test-bot-token',
  SLACK_APP_TOKEN: appToken,
  SLACK_API_URL: slackApi.url,
  CHARTER_APPROVERS: APPROVER,
  CHARTER_OPS_CHANNEL: OPS_CHANNEL,
  CHARTER_CREW_CHANNEL: 'C0CREW0001',
  CHARTER_STORE: `sqlite:${join(dir, 'charter.db')}`,
  CHARTER_EMERGENCY_PHONE: '+1 619 200 7733',
});

/** What src/main.ts does with a loaded configuration, with the stand-ins' AWS endpoints. */
async function startLikeMain(env: Record<string, string>): Promise<RunningApp> {
  const loaded = loadConfig(env);
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  const log = createLogger({ level: 'debug', destination: new Writable({ write: (chunk: Buffer, _e, cb) => (logLines.push(chunk.toString()), cb()) }) });
  return startApp(loaded.config, { log, env: standins.env, slackFetch: createSlackFetch({ timeoutMs: loaded.config.liveness.callTimeoutMs }) });
}

beforeAll(async () => {
  standins = await startStandins();
  slack = await startSlackApiStandin();
  dir = mkdtempSync(join(tmpdir(), 'charter-socket-'));
  running = await startLikeMain(envFor(slack, STANDIN_APP_TOKEN));
}, 30_000);
let stopped = false;
afterAll(async () => {
  if (!stopped) await running?.stop();
  await slack?.close();
  await standins?.close();
  rmSync(dir, { recursive: true, force: true });
});

const slashCommand = () => Object.fromEntries(new URLSearchParams(slashCommandBody({ user_id: APPROVER, channel_id: ORIGIN_CHANNEL })));

async function bookingWhen(id: string, predicate: (b: BookingRecord) => boolean, timeoutMs = 20_000): Promise<BookingRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const b = await running.built.api.get(id);
    if (b && predicate(b)) return b;
    if (Date.now() > deadline) throw new Error(`booking ${id}: condition not met (state ${b?.state})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('connects at start through apps.connections.open with the app-level token, over the socket the stand-in handed out', () => {
  expect(running.port).toBeUndefined();
  const opens = slack.callsTo('apps.connections.open');
  expect(opens).toHaveLength(1);
  expect(opens[0]?.response).toMatchObject({ ok: true, url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:/) });
  expect(slack.socketMode.connectionsMade).toBe(1);
  expect(slack.socketMode.openConnections).toBe(1);
});

it('acks a /charter slash command envelope and opens the booking modal with its trigger', async () => {
  const command = slashCommand();
  const ack = await slack.socketMode.send('slash_commands', command);
  expect(ack.envelope_id).toEqual(expect.any(String));
  await slack.waitFor((calls) => calls.some((c) => c.method === 'views.open' && c.body.trigger_id === command.trigger_id));
  const opened = slack.callsTo('views.open').find((c) => c.body.trigger_id === command.trigger_id);
  expect(opened?.response).toMatchObject({ ok: true });
  expect(opened?.body.view).toMatchObject({ type: 'modal', callback_id: 'booking_modal' });
});

it('answers a bad booking form in the envelope ack with response_action: errors, naming the field', async () => {
  const submission = viewSubmissionPayload({ userId: APPROVER, values: bookingModalState({ ...VALID_FIELDS, guestEmail: 'not an email' }), privateMetadata: JSON.stringify({ channel: ORIGIN_CHANNEL }) });
  const before = approvalPosts(slack).length;
  const ack = await slack.socketMode.send('interactive', submission);
  expect(ack.payload).toMatchObject({ response_action: 'errors', errors: { guestEmail: expect.any(String) } });
  expect(approvalPosts(slack)).toHaveLength(before);
});

it('a good form posts the approval; Approve, delivered as an interactive envelope, runs the booking to done', async () => {
  const before = approvalPosts(slack).length;
  const submission = viewSubmissionPayload({ userId: APPROVER, values: bookingModalState(VALID_FIELDS), privateMetadata: JSON.stringify({ channel: ORIGIN_CHANNEL }) });
  const submitted = await slack.socketMode.send('interactive', submission);
  // A good form closes the modal: an empty ack.
  expect(submitted.payload ?? {}).toEqual({});
  await slack.waitFor(() => approvalPosts(slack).length > before);
  const id = (approvalPosts(slack)[before]?.body.metadata as { event_payload?: { booking_id?: string } } | undefined)?.event_payload?.booking_id;
  if (!id) throw new Error('approval message without booking metadata');
  await bookingWhen(id, (b) => b.slack.approvalTs !== undefined);

  const approved = await slack.socketMode.send('interactive', blockActionPayload({ userId: APPROVER, actionId: 'booking_approve', value: id, channelId: OPS_CHANNEL }));
  expect(approved.envelope_id).toEqual(expect.any(String));
  const done = await bookingWhen(id, (b) => b.state === 'done' || b.state === 'failed');
  expect(done.state).toBe('done');
  expect(standins.dashboard.entries()).toHaveLength(1);
  expect(standins.cloudfront.invalidations()).toHaveLength(1);
}, 30_000);

it('after a disconnect (refresh_requested) it reconnects through a new apps.connections.open and keeps answering', async () => {
  const opensBefore = slack.callsTo('apps.connections.open').length;
  const made = slack.socketMode.connectionsMade;
  slack.socketMode.disconnect('refresh_requested');
  // The SDK waits its clientPingTimeout (5 s) before it reconnects.
  await slack.socketMode.waitForConnections(made + 1, 20_000);
  expect(slack.callsTo('apps.connections.open')).toHaveLength(opensBefore + 1);
  expect(slack.socketMode.openConnections).toBe(1);

  const command = slashCommand();
  await slack.socketMode.send('slash_commands', command);
  await slack.waitFor((calls) => calls.some((c) => c.method === 'views.open' && c.body.trigger_id === command.trigger_id));
}, 30_000);

it('reconnects when Slack answered apps.connections.open with errors for a few seconds after a disconnect', async () => {
  const made = slack.socketMode.connectionsMade;
  const opensBefore = slack.callsTo('apps.connections.open').length;
  // Three in a row: as many as the app's other Slack calls try before they give up. A lost call is
  // not recorded, and the faults are met in order: the one recorded open came after all three.
  slack.loseNext('apps.connections.open', 3, { effect: 'never', answer: 503 });
  slack.socketMode.disconnect('warning');
  await slack.socketMode.waitForConnections(made + 1, 40_000);
  expect(slack.callsTo('apps.connections.open')).toHaveLength(opensBefore + 1);

  const command = slashCommand();
  await slack.socketMode.send('slash_commands', command);
  await slack.waitFor((calls) => calls.some((c) => c.method === 'views.open' && c.body.trigger_id === command.trigger_id));
}, 60_000);


it('opens no socket for a bot token (not_allowed_token_type), nor for a URL already used', async () => {
  const bot = new WebClient('xoxb-socket-test-bot-token', { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
  await expect(bot.apps.connections.open()).rejects.toMatchObject({ data: { error: 'not_allowed_token_type' } });

  // The URL the app connected with last: its ticket is spent, so a reconnect must ask again.
  const used = String(slack.callsTo('apps.connections.open').filter((c) => c.response.ok === true).at(-1)?.response.url);
  const made = slack.socketMode.connectionsMade;
  const refused = await new Promise<number | undefined>((resolve) => {
    const ws = new WebSocket(used);
    ws.on('unexpected-response', (_req, res) => (resolve(res.statusCode), ws.terminate()));
    ws.on('open', () => (resolve(undefined), ws.terminate()));
    ws.on('error', () => resolve(undefined));
  });
  expect(refused).toBe(401);
  expect(slack.socketMode.connectionsMade).toBe(made);
});

it('a Slack it cannot reach at start stops the start after the usual three tries, not half an hour later', async () => {
  const gone = await startSlackApiStandin();
  await gone.close();
  await expect(startLikeMain({ ...envFor(gone, STANDIN_APP_TOKEN), CHARTER_STORE: `sqlite:${join(dir, 'unreachable.db')}` })).rejects.toThrow(/Socket Mode: .*could not reach Slack at 127\.0\.0\.1:\d+ .*npm run doctor/);
}, 30_000);

it('an app-level token Slack refuses (invalid_auth) stops the start with a message naming SLACK_APP_TOKEN and the doctor', async () => {
  const other = await startSlackApiStandin();
  try {
    await expect(startLikeMain({ ...envFor(other, 'xapp-1-A0UNKNOWN01-0000000000009-unknown'), CHARTER_STORE: `sqlite:${join(dir, 'refused.db')}` })).rejects.toThrow(/SLACK_APP_TOKEN.*invalid_auth.*doctor/);
    expect(other.socketMode.connectionsMade).toBe(0);
  } finally {
    await other.close();
  }
});

it('a graceful stop closes the socket with Slack before it returns', async () => {
  expect(slack.socketMode.openConnections).toBe(1);
  stopped = true;
  await running.stop();
  expect(slack.socketMode.openConnections).toBe(0);
});
