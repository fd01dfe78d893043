/**
 * The doctor's Socket Mode check: SLACK_APP_TOKEN is tried with apps.connections.open against the
 * Slack stand-in over HTTP, which answers as Slack does for each kind of token. The token itself is
 * never printed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import type { CheckResult } from '../../../src/doctor/checks';
import { formatReport } from '../../../src/doctor/format';
import { hasFailure, runDoctor } from '../../../src/doctor/run';
import { SqliteBookingStore } from '../../../src/pipeline/sqlite-store';
import { startSlackApiStandin, STANDIN_APP_TOKEN, type SlackApiStandin } from '../../../src/sandbox/slack-api-standin';
import { startStandins, type Standins } from '../../../src/sandbox/standins';

const NO_SCOPE_TOKEN = 'xapp-1-A0STANDIN01-0000000000002-noscope';
const UNKNOWN_TOKEN = 'xapp-1-A0OTHERAPP1-0000000000003-unknown';

let standins: Standins;
let slack: SlackApiStandin;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  standins = await startStandins();
  slack = await startSlackApiStandin({ appTokens: { [STANDIN_APP_TOKEN]: ['connections:write'], [NO_SCOPE_TOKEN]: ['authorizations:read'] } });
  dir = mkdtempSync(join(tmpdir(), 'charter-doctor-socket-'));
  env = {
    ...standins.env,
    SLACK_BOT_TOKEN: 'xoxb-doctor-test',
    SLACK_APP_TOKEN: STANDIN_APP_TOKEN,
    SLACK_API_URL: slack.url,
    CHARTER_APPROVERS: 'U0APPROVE1',
    CHARTER_OPS_CHANNEL: 'C0OPS00001',
    CHARTER_STORE: `sqlite:${join(dir, 'charter.db')}`,
    CHARTER_EMERGENCY_PHONE: '+1 619 200 7733',
  };
  await SqliteBookingStore.open(join(dir, 'charter.db')).close();
});
afterAll(async () => {
  await slack.close();
  await standins.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => slack.clear());

const socketLine = (results: CheckResult[]) => results.find((r) => r.name === 'Socket Mode');

it('passes with a working app-level token: one apps.connections.open with it as the Bearer token, no socket opened; the rest stays green', async () => {
  const results = await runDoctor({ env });
  // Beside the bot token's lines: both are Slack's.
  expect(results.map((r) => r.name).slice(2, 6)).toEqual(['Slack', 'Ops channel', 'Approvers', 'Socket Mode']);
  expect(socketLine(results)).toMatchObject({ status: 'ok', detail: expect.stringContaining('apps.connections.open') });
  expect(results.filter((r) => r.status !== 'ok')).toEqual([]);
  const opens = slack.callsTo('apps.connections.open');
  expect(opens).toHaveLength(1);
  // The stand-in's own socket end on loopback; Slack's would be wss://.
  expect(opens[0]?.response).toMatchObject({ ok: true, url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=/) });
  expect(slack.socketMode.connectionsMade).toBe(0);
  expect(formatReport(results)).not.toContain(STANDIN_APP_TOKEN);
});

it('names an app token Slack does not know (invalid_auth) and where to get the right one, never printing it', async () => {
  const results = await runDoctor({ env: { ...env, SLACK_APP_TOKEN: UNKNOWN_TOKEN } });
  const line = socketLine(results);
  expect(line).toMatchObject({ status: 'fail', detail: expect.stringContaining('invalid_auth') });
  expect(line?.fix).toContain('Basic Information → App-Level Tokens');
  expect(line?.fix).toContain('connections:write');
  expect(hasFailure(results)).toBe(true);
  // Only its own line: the bot token and everything else still pass.
  expect(results.filter((r) => r.status !== 'ok').map((r) => r.name)).toEqual(['Socket Mode']);
  const report = formatReport(results);
  expect(report).toMatch(/❌ Socket Mode\s+SLACK_APP_TOKEN is not accepted/);
  expect(report).not.toContain(UNKNOWN_TOKEN);
});

it('names a token made without connections:write (missing_scope) and the scope to add', async () => {
  const results = await runDoctor({ env: { ...env, SLACK_APP_TOKEN: NO_SCOPE_TOKEN } });
  const line = socketLine(results);
  expect(line).toMatchObject({ status: 'fail', detail: expect.stringContaining('connections:write') });
  expect(line?.fix).toContain('App-Level Tokens');
  expect(formatReport(results)).not.toContain(NO_SCOPE_TOKEN);
});

it('a bot token pasted as SLACK_APP_TOKEN is a configuration ❌ saying where the app-level token is, never the token', async () => {
  const results = await runDoctor({ env: { ...env, SLACK_APP_TOKEN: 'xoxb-pasted-in-the-wrong-place' } });
  const config = results.find((r) => r.status === 'fail');
  expect(config).toMatchObject({ name: 'Configuration', detail: expect.stringContaining('SLACK_APP_TOKEN') });
  expect(config?.detail).toContain('App-Level Tokens');
  expect(socketLine(results)?.status).toBe('warn');
  expect(formatReport(results)).not.toContain('xoxb-pasted-in-the-wrong-place');
  expect(slack.callsTo('apps.connections.open')).toHaveLength(0);
});

it('a Slack that does not answer apps.connections.open is reported at the doctor\'s 5 s deadline', async () => {
  slack.hang('apps.connections.open');
  try {
    const results = await runDoctor({ env });
    expect(socketLine(results)).toMatchObject({ status: 'fail', detail: expect.stringContaining('did not answer within 5 s') });
  } finally {
    slack.heal();
  }
}, 20_000);

it('says nothing about Socket Mode in HTTP mode (no SLACK_APP_TOKEN)', async () => {
  const { SLACK_APP_TOKEN: _unset, ...http } = env;
  const results = await runDoctor({ env: { ...http, SLACK_SIGNING_SECRET: 'doctor-signing-secret' } });
  expect(socketLine(results)).toBeUndefined();
  expect(slack.callsTo('apps.connections.open')).toHaveLength(0);
});

describe('the stand-in refuses what Slack refuses on apps.connections.open', () => {
  const open = (token: string) => new WebClient(token, { slackApiUrl: slack.url, retryConfig: { retries: 0 } }).apps.connections.open().then(
    (r) => ({ ok: true, url: r.url }),
    (err: { data?: { error?: string } }) => ({ ok: false, error: err.data?.error }),
  );

  it('a bot or user token: not_allowed_token_type; an unknown one: invalid_auth; a known app token: a ws:// URL to its own socket end', async () => {
    expect(await open('xoxb-doctor-test')).toEqual({ ok: false, error: 'not_allowed_token_type' });
    expect(await open('xoxp-a-user-token')).toEqual({ ok: false, error: 'not_allowed_token_type' });
    expect(await open(UNKNOWN_TOKEN)).toEqual({ ok: false, error: 'invalid_auth' });
    expect(await open(NO_SCOPE_TOKEN)).toEqual({ ok: false, error: 'missing_scope' });
    expect(await open(STANDIN_APP_TOKEN)).toEqual({ ok: true, url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=.+&app_id=A0STANDIN01$/) });
  });
});
