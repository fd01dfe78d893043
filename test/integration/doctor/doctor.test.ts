/**
 * The doctor against the local stand-ins: all green, then each misconfiguration injected one at a
 * time turns exactly its own check ❌ (with a fix line) and leaves the others ✅.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { CheckResult } from '../../../src/doctor/checks';
import { formatReport } from '../../../src/doctor/format';
import { hasFailure, runDoctor } from '../../../src/doctor/run';
import { startIcalFeedStandin } from '../../../src/sandbox/ical-feed-standin';
import { startSlackApiStandin, type SlackApiStandin } from '../../../src/sandbox/slack-api-standin';
import { startStandins, type Standins } from '../../../src/sandbox/standins';

let standins: Standins;
let slack: SlackApiStandin;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  standins = await startStandins();
  slack = await startSlackApiStandin();
  dir = mkdtempSync(join(tmpdir(), 'charter-doctor-'));
  env = {
    ...standins.env,
    SLACK_BOT_TOKEN: 'xoxb-doctor-test',
    SLACK_SIGNING_SECRET: 'doctor-signing-secret',
    SLACK_API_URL: slack.url,
    CHARTER_APPROVERS: 'U0APPROVE1',
    CHARTER_OPS_CHANNEL: 'C0OPS00001',
    CHARTER_STORE: `sqlite:${join(dir, 'charter.db')}`,
  };
});
afterAll(async () => {
  await slack.close();
  await standins.close();
  rmSync(dir, { recursive: true, force: true });
});

const byName = (results: CheckResult[]) => new Map(results.map((r) => [r.name, r]));

function expectOnly(results: CheckResult[], failing: string, alsoNotOk: string[] = []) {
  const checks = byName(results);
  const bad = checks.get(failing);
  expect(bad?.status).toBe('fail');
  expect(bad?.fix).not.toBe('');
  for (const r of results) {
    if (r.name === failing || alsoNotOk.includes(r.name)) continue;
    expect({ name: r.name, status: r.status }).toEqual({ name: r.name, status: 'ok' });
  }
  expect(hasFailure(results)).toBe(true);
  return bad as CheckResult;
}

it('is all green against the stand-ins, and leaves no probe object in the bucket', async () => {
  const results = await runDoctor({ env });
  expect(results.map((r) => [r.name, r.status])).toEqual([
    ['Configuration', 'ok'],
    ['SCC URL', 'ok'],
    ['Slack', 'ok'],
    ['Crew posts', 'ok'],
    ['Dashboard', 'ok'],
    ['SCC key', 'ok'],
    ['SCC key hash', 'ok'],
    ['S3 bucket', 'ok'],
    ['CloudFront', 'ok'],
    ['SCC events table', 'ok'],
    ['State store', 'ok'],
  ]);
  expect(hasFailure(results)).toBe(false);
  expect(formatReport(results)).toContain('All checks passed.');
  const s3 = new S3Client({ endpoint: standins.s3.endpoint, region: 'us-west-2', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: env.GUEST_BUCKET }));
  s3.destroy();
  expect(listed.KeyCount ?? 0).toBe(0);
});

it('fails when approval messages could reach the crew channel: it is the ops channel, or no ops channel is set; a separate crew channel is fine', async () => {
  const same = byName(await runDoctor({ env: { ...env, CHARTER_OPS_CHANNEL: 'C0OPS00001', CHARTER_CREW_CHANNEL: 'C0OPS00001' } })).get('Crew posts');
  expect(same).toMatchObject({ status: 'fail', detail: expect.stringContaining('cost breakdown'), fix: expect.stringContaining('DM') });
  const noOps = await runDoctor({ env: { ...env, CHARTER_OPS_CHANNEL: '', CHARTER_CREW_CHANNEL: 'C0CREW0001' } });
  expect(byName(noOps).get('Crew posts')).toMatchObject({ status: 'fail', detail: expect.stringContaining('CHARTER_OPS_CHANNEL is not set'), fix: expect.stringContaining('CHARTER_OPS_CHANNEL') });
  expect(hasFailure(noOps)).toBe(true);
  const apart = byName(await runDoctor({ env: { ...env, CHARTER_OPS_CHANNEL: 'C0OPS00001', CHARTER_CREW_CHANNEL: 'C0CREW0001' } })).get('Crew posts');
  expect(apart?.status).toBe('ok');
  // Crew by DM and no ops channel: approvals go where /charter runs (never a crew member's DM); Slack warns.
  const byDm = byName(await runDoctor({ env: { ...env, CHARTER_OPS_CHANNEL: '' } }));
  expect(byDm.get('Crew posts')?.status).toBe('ok');
  expect(byDm.get('Slack')?.status).toBe('warn');
});

it('a wrong dashboard token fails only the dashboard check', async () => {
  const bad = expectOnly(await runDoctor({ env: { ...env, DASHBOARD_TOKEN: 'not-the-token' } }), 'Dashboard');
  expect(bad.fix).toContain('DASHBOARD_TOKEN');
  expect(JSON.stringify(bad)).not.toContain('not-the-token');
});

it('a wrong SCC key fails only the SCC key check', async () => {
  const bad = expectOnly(await runDoctor({ env: { ...env, SCC_SERVICE_KEY: 'wrong-scc-key' } }), 'SCC key');
  expect(bad.fix).toContain('SCC_SERVICE_KEY');
});

it('an SCC URL on CloudFront fails the SCC URL check; the key is not tried; configuration stays green', async () => {
  const results = await runDoctor({ env: { ...env, SCC_API_URL: 'https://d111111abcdef8.cloudfront.net/prod' } });
  const bad = expectOnly(results, 'SCC URL', ['SCC key']);
  expect(bad.fix).toContain('API Gateway');
  expect(byName(results).get('SCC key')?.status).toBe('warn');
});

it('a missing bucket fails only the S3 check', async () => {
  const s3 = new S3Client({ endpoint: standins.s3.endpoint, region: 'us-west-2', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  await s3.send(new DeleteBucketCommand({ Bucket: env.GUEST_BUCKET }));
  try {
    const bad = expectOnly(await runDoctor({ env }), 'S3 bucket');
    expect(bad.detail).toContain('does not exist');
    expect(bad.fix).toContain('GUEST_BUCKET');
  } finally {
    await s3.send(new CreateBucketCommand({ Bucket: env.GUEST_BUCKET }));
    s3.destroy();
  }
});

it('a missing SCC events table fails only the table check', async () => {
  const bad = expectOnly(await runDoctor({ env: { ...env, SCC_EVENTS_TABLE: 'no-such-table' } }), 'SCC events table');
  expect(bad.fix).toContain('SCC_EVENTS_TABLE');
});

it('a key that does not hash to SCC_SERVICE_KEY_HASH fails only the hash check; the right hash passes in hex and sha512', async () => {
  const wrong = createHash('sha256').update('some-other-key').digest('hex');
  expectOnly(await runDoctor({ env: { ...env, SCC_SERVICE_KEY_HASH: wrong } }), 'SCC key hash');
  const right512 = createHash('sha512').update(env.SCC_SERVICE_KEY ?? '').digest('hex');
  const results = await runDoctor({ env: { ...env, SCC_SERVICE_KEY_HASH: right512.toUpperCase(), SCC_SERVICE_KEY_HASH_ALGORITHM: 'sha512' } });
  expect(byName(results).get('SCC key hash')?.status).toBe('ok');
  expect(hasFailure(results)).toBe(false);
});

it('an install from an older manifest (no *:history scopes) warns on the Slack check, naming what to reinstall', async () => {
  const all = [...slack.scopes];
  slack.setScopes(all.filter((s) => !s.endsWith(':history')));
  try {
    const results = await runDoctor({ env });
    expect(byName(results).get('Slack')).toMatchObject({ status: 'warn', detail: expect.stringContaining('lacks channels:history, groups:history, im:history'), fix: expect.stringContaining('reinstall the app from manifest.yml') });
  } finally {
    slack.setScopes(all);
  }
  expect(byName(await runDoctor({ env })).get('Slack')?.status).toBe('ok');
});

it('a refused bot token and a missing CloudFront distribution are named', async () => {
  slack.failNext('auth.test', 1, 'invalid_auth');
  const results = await runDoctor({ env });
  expect(byName(results).get('Slack')).toMatchObject({ status: 'fail', detail: expect.stringContaining('invalid_auth') });
  const wrongDist = await runDoctor({ env: { ...env, GUEST_DISTRIBUTION_ID: 'ENOSUCHDIST' } });
  expect(byName(wrongDist).get('CloudFront')?.status).toBe('fail');
});

it('a missing variable is a configuration ❌ naming it, and the systems are reported as not checked', async () => {
  const { DASHBOARD_TOKEN: _omit, ...rest } = env;
  const results = await runDoctor({ env: rest });
  expect(results.filter((r) => r.status === 'fail').map((r) => r.detail)).toEqual([expect.stringContaining('DASHBOARD_TOKEN')]);
  expect(formatReport(results)).toMatch(/❌ Configuration\s+DASHBOARD_TOKEN/);
});

describe('npm run doctor (the CLI, reading its environment)', () => {
  const runCli = (extra: Record<string, string>) =>
    new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/doctor/cli.ts'], {
        cwd: join(__dirname, '..', '..', '..'),
        // Only the doctor's variables: nothing from the developer's own shell leaks in.
        env: { PATH: process.env.PATH ?? '', NODE_NO_WARNINGS: '1', ...env, ...extra },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout }));
    });

  it('exits 0 when every check passes and 1 on any ❌, printing the table with the fix', async () => {
    const green = await runCli({});
    expect(green.code).toBe(0);
    expect(green.stdout).toContain('All checks passed.');
    const red = await runCli({ DASHBOARD_TOKEN: 'not-the-token' });
    expect(red.code).toBe(1);
    expect(red.stdout).toMatch(/❌ Dashboard\s+token refused/);
    expect(red.stdout).toMatch(/fix: DASHBOARD_TOKEN is wrong/);
    expect(red.stdout).not.toContain('not-the-token');
  }, 30_000);
});

it('checks each iCal feed: a readable one ✅, one answering 500 ❌ with the fix — never showing the URL', async () => {
  const feeds = await startIcalFeedStandin();
  try {
    feeds.setEvents('good', [{ uid: 'a@x', start: new Date('2030-01-01T18:00:00Z'), end: new Date('2030-01-01T20:00:00Z') }]);
    feeds.setEvents('bad', []);
    feeds.fail('bad', { status: 500 }, 5);
    const results = await runDoctor({ env: { ...env, CHARTER_ICAL_FEEDS: `Boatsetter=${feeds.feedUrl('good')}?token=s3cr3t,GetMyBoat=${feeds.feedUrl('bad')}?token=s3cr3t` } });
    const checks = byName(results);
    expect(checks.get('iCal feed Boatsetter')).toMatchObject({ status: 'ok', detail: 'reads as iCalendar (1 event)' });
    expect(checks.get('iCal feed GetMyBoat')).toMatchObject({ status: 'fail', detail: 'GetMyBoat feed answered 500' });
    expect(formatReport(results)).not.toContain('s3cr3t');
  } finally {
    await feeds.close();
  }
});
