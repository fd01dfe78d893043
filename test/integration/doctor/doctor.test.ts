/**
 * The doctor against the local stand-ins: all green, then each misconfiguration injected one at a
 * time turns exactly its own check ❌ (with a fix line) and leaves the others ✅.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import Database from 'better-sqlite3';
import { DynamoBookingStore } from '../../../src/pipeline/dynamodb-store';
import { SQLITE_SCHEMA_VERSION, SqliteBookingStore } from '../../../src/pipeline/sqlite-store';
import { STANDIN_GUEST_REWRITE_ARN } from '../../../src/sandbox/cloudfront-standin';
import { manifestBotScopes } from '../../../src/sandbox/manifest-scopes';
import { BOT_SCOPES } from '../../../src/slack/scopes';
import type { CheckResult } from '../../../src/doctor/checks';
import { loadConfig } from '../../../src/config';
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
    CHARTER_EMERGENCY_PHONE: '+1 619 200 7733',
  };
  // The app has started once: the doctor only looks at the store, it never creates one.
  await SqliteBookingStore.open(join(dir, 'charter.db')).close();
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
    ['Ops channel', 'ok'],
    ['Approvers', 'ok'],
    ['Crew posts', 'ok'],
    ['Guest contact', 'ok'],
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
  expect(byDm.get('Ops channel')?.status).toBe('warn');
});

it('a wrong dashboard token fails only the dashboard check', async () => {
  const bad = expectOnly(await runDoctor({ env: { ...env, DASHBOARD_TOKEN: 'not-the-token' } }), 'Dashboard');
  expect(bad.fix).toContain('DASHBOARD_TOKEN');
  expect(JSON.stringify(bad)).not.toContain('not-the-token');
});

it.each([
  ['Dashboard', 'dashboard', 'DASHBOARD_URL'],
  ['SCC key', 'scc', 'SCC_API_URL'],
] as const)('%s: API Gateway\'s "Missing Authentication Token" (no such route: a URL without its stage) names the URL, not the token', async (check, standin, setting) => {
  // As API Gateway answers it: its own error type beside the misleading message.
  const headers = { 'x-amzn-errortype': 'MissingAuthenticationTokenException' };
  standins[standin].faults.inject('GET *', { kind: 'status', status: 403, headers, body: { message: 'Missing Authentication Token' } }, { times: 1 });
  try {
    const bad = expectOnly(await runDoctor({ env }), check);
    expect(bad.detail).toContain('403: no such route');
    expect(bad.fix).toContain(`check that ${setting} ends in the API's stage, e.g. …/prod`);
    expect(bad.fix).not.toMatch(/TOKEN is wrong|KEY is wrong/);
  } finally {
    standins[standin].faults.clear();
  }
});

it.each([
  ['Dashboard', 'dashboard', 'DASHBOARD_TOKEN'],
  ['SCC key', 'scc', 'SCC_SERVICE_KEY'],
] as const)('%s: the service\'s own 403 worded "Missing Authentication Token" (no API Gateway error type) names the token, not the URL', async (check, standin, setting) => {
  standins[standin].faults.inject('GET *', { kind: 'status', status: 403, body: { message: 'Missing Authentication Token' } }, { times: 1 });
  try {
    const bad = expectOnly(await runDoctor({ env }), check);
    expect(bad.detail).not.toContain('no such route');
    expect(bad.fix).toContain(setting);
    expect(bad.fix).not.toContain("ends in the API's stage");
  } finally {
    standins[standin].faults.clear();
  }
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
  // Written as the standards name it: Node's createHash takes "SHA-256" though getHashes lists only "sha256".
  const right256 = createHash('sha256').update(env.SCC_SERVICE_KEY ?? '').digest('base64');
  const named = byName(await runDoctor({ env: { ...env, SCC_SERVICE_KEY_HASH: right256, SCC_SERVICE_KEY_HASH_ALGORITHM: 'SHA-256' } })).get('SCC key hash');
  expect(named?.status).toBe('ok');
  expect(byName(await runDoctor({ env: { ...env, SCC_SERVICE_KEY_HASH: right256, SCC_SERVICE_KEY_HASH_ALGORITHM: 'sha-257' } })).get('SCC key hash')).toMatchObject({ status: 'fail', detail: 'unknown algorithm sha-257' });
});

it('an install from an older manifest (no *:history scopes) fails the Slack check (crew steps would fail), naming what to reinstall', async () => {
  const all = [...slack.scopes];
  slack.setScopes(all.filter((s) => !s.endsWith(':history')));
  try {
    const results = await runDoctor({ env });
    expect(byName(results).get('Slack')).toMatchObject({ status: 'fail', detail: expect.stringContaining('lacks the scopes channels:history, groups:history, im:history'), fix: expect.stringContaining('reinstall the app') });
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

  // In its own process: under Jest the AWS SDK wraps Node's connection errors (another realm's Error) and drops their code.
  it('a refused AWS endpoint names the endpoint variable to check, not a port in AWS_REGION', async () => {
    // Port 9 (discard) is closed on the test host.
    const red = await runCli({ AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9' });
    expect(red.stdout).toMatch(/❌ S3 bucket\s+PutObject to \S+: S3 refused the connection at 127\.0\.0\.1:9/);
    expect(red.stdout).toContain("fix: check the host and port in AWS_ENDPOINT_URL_S3 (unset: AWS's endpoint for AWS_REGION) and that the service is running");
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

describe('Slack: scopes, channels, approvers', () => {
  afterEach(() => {
    slack.setScopes(manifestBotScopes());
    slack.setChannel('C0OPS00001', undefined);
    slack.setChannel('C0CREW0001', undefined);
  });

  it('names each scope manifest.yml requests that the token lacks, and says to reinstall the app', async () => {
    // Whatever the manifest requests today: the last two of them are missing from the install.
    const missing = BOT_SCOPES.slice(-2);
    slack.setScopes(BOT_SCOPES.filter((s) => !missing.includes(s)));
    // users:read among them fails the approvers' users.info too: the same fix.
    const results = await runDoctor({ env });
    const bad = expectOnly(results, 'Slack', ['Approvers']);
    for (const scope of missing) expect(bad.detail).toContain(scope);
    for (const scope of BOT_SCOPES.slice(0, -2)) expect(bad.detail).not.toContain(` ${scope},`);
    expect(bad.fix).toContain('reinstall the app');
    expect(JSON.stringify(bad)).not.toContain(env.SLACK_BOT_TOKEN);
  });

  it('fails when the bot is not in the ops channel, or it is archived, with the fix for each', async () => {
    slack.setChannel('C0OPS00001', { isMember: false });
    const notIn = expectOnly(await runDoctor({ env }), 'Ops channel');
    expect(notIn.fix).toContain('/invite @charter-bot');
    slack.setChannel('C0OPS00001', { isMember: false, isArchived: true });
    const archived = expectOnly(await runDoctor({ env }), 'Ops channel');
    expect(archived.detail).toContain('archived');
    expect(archived.fix).toMatch(/unarchive .*or set CHARTER_OPS_CHANNEL/);
    slack.setChannel('C0OPS00001', { exists: false });
    expect(expectOnly(await runDoctor({ env }), 'Ops channel').fix).toContain('CHARTER_OPS_CHANNEL');
  });

  it('checks the crew channel the same way: the bot must be a member, the channel not archived', async () => {
    const crewEnv = { ...env, CHARTER_CREW_CHANNEL: 'C0CREW0001' };
    expect(byName(await runDoctor({ env: crewEnv })).get('Crew channel')?.status).toBe('ok');
    slack.setChannel('C0CREW0001', { isMember: false });
    expect(expectOnly(await runDoctor({ env: crewEnv }), 'Crew channel').fix).toContain('/invite @charter-bot');
    slack.setChannel('C0CREW0001', { isArchived: true });
    const archived = expectOnly(await runDoctor({ env: crewEnv }), 'Crew channel');
    expect(archived.detail).toContain('archived');
    expect(archived.fix).toContain('CHARTER_CREW_CHANNEL');
  });

  it('checks an ops channel that is a DM with the bot by reading it (im:history), as conversations.info would need im:read', async () => {
    const dmEnv = { ...env, CHARTER_OPS_CHANNEL: 'D0DMCHAN01' };
    const ops = byName(await runDoctor({ env: dmEnv })).get('Ops channel');
    expect(ops).toMatchObject({ status: 'ok', detail: expect.stringContaining('D0DMCHAN01: a direct message with the bot') });
    slack.setChannel('D0DMCHAN01', { exists: false });
    try {
      const gone = expectOnly(await runDoctor({ env: dmEnv }), 'Ops channel');
      expect(gone.detail).toContain('D0DMCHAN01 not found');
      expect(gone.fix).toContain('CHARTER_OPS_CHANNEL');
    } finally {
      slack.setChannel('D0DMCHAN01', undefined);
    }
  });

  it('names an approver ID that is not in the workspace, and one that is deactivated', async () => {
    slack.setUser({ id: 'U0GONE0001', realName: 'Gone Away', deleted: true });
    const bad = expectOnly(await runDoctor({ env: { ...env, CHARTER_APPROVERS: 'U0APPROVE1,U0NOSUCH01,U0GONE0001' } }), 'Approvers');
    expect(bad.detail).toContain('U0NOSUCH01 is not a user of this workspace');
    expect(bad.detail).toContain('U0GONE0001 (Gone Away) is deactivated');
    expect(bad.detail).not.toContain('U0APPROVE1');
    expect(bad.fix).toContain('CHARTER_APPROVERS');
  });
});

describe('CloudFront: the /g/{ID} rewrite and the guest host', () => {
  afterEach(() => standins.cloudfront.setDistribution({ aliases: ['localhost'], viewerRequestFunctionArn: STANDIN_GUEST_REWRITE_ARN }));

  it('fails when the behaviour serving /g/* has no viewer-request function', async () => {
    standins.cloudfront.setDistribution({ viewerRequestFunctionArn: null });
    const bad = expectOnly(await runDoctor({ env }), 'CloudFront');
    expect(bad.detail).toContain('no viewer-request CloudFront Function');
    expect(bad.fix).toContain('GuestRewriteFunctionArn');
  });

  it('warns when some other viewer-request function runs there', async () => {
    standins.cloudfront.setDistribution({ viewerRequestFunctionArn: 'arn:aws:cloudfront::000000000000:function/index-html-rewrite' });
    expect(byName(await runDoctor({ env })).get('CloudFront')).toMatchObject({ status: 'warn', detail: expect.stringContaining('index-html-rewrite') });
  });

  it('fails when GUEST_SITE_URL is neither the distribution domain nor an alias', async () => {
    standins.cloudfront.setDistribution({ aliases: ['queenofsandiego.com'] });
    const bad = expectOnly(await runDoctor({ env }), 'CloudFront');
    expect(bad.detail).toContain("GUEST_SITE_URL's host localhost");
    expect(bad.fix).toContain('https://queenofsandiego.com');
    // The distribution's own *.cloudfront.net domain is as good as an alias.
    const own = `${standins.cloudfront.distributionId.toLowerCase()}.cloudfront.net`;
    expect(byName(await runDoctor({ env: { ...env, GUEST_SITE_URL: `https://${own}` } })).get('CloudFront')?.status).toBe('ok');
  });
});

describe('SCC events table: the externalId index the revenue guard queries', () => {
  const ddb = () => new DynamoDBClient({ endpoint: standins.dynamodb.endpoint, region: 'us-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const tableWithIndex = async (table: string, projection: 'ALL' | 'KEYS_ONLY', hashKey = 'externalId') => {
    const client = ddb();
    try {
      await client.send(
        new CreateTableCommand({
          TableName: table,
          AttributeDefinitions: [
            { AttributeName: 'eventId', AttributeType: 'S' },
            { AttributeName: hashKey, AttributeType: 'S' },
          ],
          KeySchema: [{ AttributeName: 'eventId', KeyType: 'HASH' }],
          GlobalSecondaryIndexes: [{ IndexName: 'byExternalId', KeySchema: [{ AttributeName: hashKey, KeyType: 'HASH' }], Projection: { ProjectionType: projection } }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    } finally {
      client.destroy();
    }
  };

  it('passes with a GSI on externalId projecting ALL; fails when the configured index is missing, keyed otherwise or projects less', async () => {
    await tableWithIndex('scc-events-gsi-all', 'ALL');
    await tableWithIndex('scc-events-gsi-keys', 'KEYS_ONLY');
    await tableWithIndex('scc-events-gsi-other', 'ALL', 'bookingRef');
    const withIndex = (table: string, index: string) => ({ ...env, SCC_EVENTS_TABLE: table, SCC_EVENTS_EXTERNAL_ID_INDEX: index });
    expect(byName(await runDoctor({ env: withIndex('scc-events-gsi-all', 'byExternalId') })).get('SCC events table')).toMatchObject({ status: 'ok', detail: expect.stringContaining('byExternalId') });
    const missing = expectOnly(await runDoctor({ env: withIndex('scc-events-gsi-all', 'externalId-index') }), 'SCC events table');
    expect(missing.detail).toContain('no index externalId-index (indexes: byExternalId)');
    expect(missing.fix).toContain('SCC_EVENTS_EXTERNAL_ID_INDEX');
    expect(expectOnly(await runDoctor({ env: withIndex('scc-events-gsi-keys', 'byExternalId') }), 'SCC events table').detail).toContain('projects KEYS_ONLY');
    expect(expectOnly(await runDoctor({ env: withIndex('scc-events-gsi-other', 'byExternalId') }), 'SCC events table').detail).toContain('keyed on bookingRef');
  });
});

describe('State store: looked at, never created nor migrated', () => {
  it('reports a SQLite path that does not exist yet, and creates neither the file nor its directory', async () => {
    const file = join(dir, 'not-yet', 'charter.db');
    const store = byName(await runDoctor({ env: { ...env, CHARTER_STORE: `sqlite:${file}` } })).get('State store');
    expect(store).toMatchObject({ status: 'warn', detail: expect.stringContaining('does not exist yet') });
    expect(existsSync(join(dir, 'not-yet'))).toBe(false);
  });

  it('reports an older schema as migrated at the next start, and leaves the file at that schema; a newer one fails', async () => {
    const file = join(dir, 'old.db');
    const db = new Database(file);
    db.exec(`CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT NULL);
      INSERT INTO schema_version VALUES (1, 0);
      CREATE TABLE bookings (id TEXT PRIMARY KEY, version INTEGER NOT NULL, state TEXT NOT NULL, updated_at_ms INTEGER NOT NULL, record TEXT NOT NULL);`);
    db.close();
    const store = byName(await runDoctor({ env: { ...env, CHARTER_STORE: `sqlite:${file}` } })).get('State store');
    expect(store).toMatchObject({ status: 'warn', detail: expect.stringContaining(`schema 1; charter-bot migrates it to ${SQLITE_SCHEMA_VERSION}`) });
    const after = new Database(file, { readonly: true });
    const tables = after.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
    const version = after.prepare('SELECT MAX(version) AS v FROM schema_version').get();
    after.close();
    expect(version).toEqual({ v: 1 });
    expect(tables).toEqual([{ name: 'bookings' }, { name: 'schema_version' }]);

    const newer = new Database(file);
    newer.prepare('INSERT INTO schema_version VALUES (?, 0)').run(SQLITE_SCHEMA_VERSION + 1);
    newer.close();
    expect(expectOnly(await runDoctor({ env: { ...env, CHARTER_STORE: `sqlite:${file}` } }), 'State store').detail).toContain('newer than this build');
  });

  it('DynamoDB: passes on a table with the current-bookings index; warns, naming it, on a table made before it (listings then Scan)', async () => {
    const client = new DynamoDBClient({ endpoint: standins.dynamodb.endpoint, region: 'us-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    try {
      await new DynamoBookingStore({ client, table: 'doctor-state-indexed' }).ensureTable({ create: true });
      await client.send(new CreateTableCommand({ TableName: 'doctor-state-old', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }));
    } finally {
      client.destroy();
    }
    expect(byName(await runDoctor({ env: { ...env, CHARTER_STORE: 'dynamodb:doctor-state-indexed' } })).get('State store')).toMatchObject({ status: 'ok', detail: expect.stringContaining('index current-bookings') });
    const old = byName(await runDoctor({ env: { ...env, CHARTER_STORE: 'dynamodb:doctor-state-old' } })).get('State store');
    expect(old).toMatchObject({ status: 'warn', detail: expect.stringContaining('no index current-bookings'), fix: expect.stringContaining('update-table') });
    expect(old?.detail).toContain('Scan of the whole table');
  });

  it('fails on a file that is not a SQLite database', async () => {
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'this is a text file, not the bot’s database\n'.repeat(10));
    expect(expectOnly(await runDoctor({ env: { ...env, CHARTER_STORE: `sqlite:${file}` } }), 'State store').detail).toContain('not a SQLite database');
  });
});

describe('an endpoint that accepts and never answers', () => {
  let hung: Server;
  let hungUrl: string;
  const requests: { method: string; url: string; target: string }[] = [];
  beforeAll(async () => {
    hung = createServer((req) => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', target: String(req.headers['x-amz-target'] ?? '') });
      req.resume(); // read the request, answer nothing
    });
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    hungUrl = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    hung.closeAllConnections();
    await new Promise((resolve) => hung.close(resolve));
  });

  it('is reported as "did not answer within 5 s", once per system: one attempt, no SDK retries', async () => {
    const results = await runDoctor({
      env: {
        ...env,
        SLACK_API_URL: `${hungUrl}/api/`,
        DASHBOARD_URL: `${hungUrl}/dashboard`,
        AWS_ENDPOINT_URL_S3: hungUrl,
        AWS_ENDPOINT_URL_CLOUDFRONT: hungUrl,
        AWS_ENDPOINT_URL_DYNAMODB: hungUrl,
      },
    });
    const checks = byName(results);
    for (const name of ['Slack', 'Dashboard', 'S3 bucket', 'CloudFront', 'SCC events table']) {
      expect({ name, status: checks.get(name)?.status, detail: checks.get(name)?.detail }).toEqual({ name, status: 'fail', detail: expect.stringContaining('did not answer within 5 s') });
    }
    expect(checks.get('Ops channel')?.status).toBe('warn');
    expect(formatReport(results)).not.toContain('check crashed');
    // One request each: the SDK's default three attempts (or the WebClient's retries) would show here.
    expect(requests.filter((r) => r.url.startsWith('/api/auth.test'))).toHaveLength(1);
    expect(requests.filter((r) => r.url.startsWith('/dashboard/calendar'))).toHaveLength(1);
    expect(requests.filter((r) => r.method === 'PUT' && r.url.startsWith(`/${env.GUEST_BUCKET}/`))).toHaveLength(1);
    expect(requests.filter((r) => r.url.startsWith('/2020-05-31/distribution/'))).toHaveLength(1);
    expect(requests.filter((r) => r.target.endsWith('.DescribeTable'))).toHaveLength(1);
  }, 20_000);
});

describe('an endpoint that answers at once and then trickles its body, a byte every 2 s', () => {
  let trickle: Server;
  let trickleUrl: string;
  beforeAll(async () => {
    trickle = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"items":[');
      // Each byte resets an idle timer (undici's body timeout, the AWS SDK's socket timeout).
      const timer = setInterval(() => res.write(' '), 2000);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => trickle.listen(0, '127.0.0.1', resolve));
    trickleUrl = `http://127.0.0.1:${(trickle.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    trickle.closeAllConnections();
    await new Promise((resolve) => trickle.close(resolve));
  });

  it('is cut at the doctor\'s deadline like a hung one, for the dashboard, SCC and every AWS check', async () => {
    const startedAt = Date.now();
    const results = await runDoctor({
      env: {
        ...env,
        DASHBOARD_URL: `${trickleUrl}/dashboard`,
        SCC_API_URL: `${trickleUrl}/scc`,
        AWS_ENDPOINT_URL_S3: trickleUrl,
        AWS_ENDPOINT_URL_CLOUDFRONT: trickleUrl,
        AWS_ENDPOINT_URL_DYNAMODB: trickleUrl,
      },
    });
    const checks = byName(results);
    for (const name of ['Dashboard', 'SCC key', 'S3 bucket', 'CloudFront', 'SCC events table']) {
      expect({ name, status: checks.get(name)?.status, detail: checks.get(name)?.detail }).toEqual({ name, status: 'fail', detail: expect.stringContaining('did not answer within 5 s') });
    }
    // Not a timed assertion: a trickle never ends, so without the deadline this call never returns.
    console.log(`doctor against a trickling endpoint returned after ${Date.now() - startedAt} ms`);
  }, 30_000);
});

it.each([
  ['auth.test', 'Slack'],
  ['conversations.info', 'Ops channel'],
  ['users.info', 'Approvers'],
])('Slack answering %s with 429 is a ⚠ "run again in N s", not a fix to a setting', async (method, check) => {
  slack.rateLimitNext(method, 1, 30);
  const results = await runDoctor({ env });
  const limited = byName(results).get(check)!;
  expect(limited).toMatchObject({ status: 'warn', fix: 'run the doctor again in 30 s; nothing is wrong with the configuration for this' });
  expect(limited.detail).toMatch(new RegExp(`^${method.replace('.', '\\.')}.*: Slack rate-limited the doctor, so this was not checked$`));
  expect(hasFailure(results)).toBe(false);
});

it('a server at SLACK_API_URL that knows no auth.test is about SLACK_API_URL, not the token', async () => {
  const results = await runDoctor({ env: { ...env, SLACK_API_URL: `${slack.url}nonsense/` } });
  const bad = byName(results).get('Slack')!;
  expect(bad.status).toBe('fail');
  expect(bad.fix).toContain('check SLACK_API_URL');
});

it('names a host that does not resolve ("could not resolve host"), never the generic transport error', async () => {
  const results = await runDoctor({ env: { ...env, DASHBOARD_URL: 'http://charter-dashboard.invalid/prod' } });
  const bad = expectOnly(results, 'Dashboard');
  expect(bad.detail).toContain('could not resolve host charter-dashboard.invalid; check the URL / network');
  expect(bad.fix).toContain('DASHBOARD_URL');
});

it('a check that crashes says it is a bug in the doctor, and does not send the operator to a LOG_LEVEL that logs nothing', async () => {
  const loaded = loadConfig(env);
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  // A configuration missing a section the iCal check reads: the check throws a TypeError.
  const results = await runDoctor({ env, config: { ...loaded.config, ical: undefined as never } });
  const crashed = byName(results).get('iCal feeds');
  expect(crashed).toMatchObject({ status: 'fail', detail: 'check crashed: TypeError', fix: expect.stringContaining('bug in the doctor') });
  expect(crashed?.fix).not.toContain('LOG_LEVEL');
  expect(byName(results).get('Dashboard')?.status).toBe('ok');
});

it('warns when guests would be given the placeholder emergency phone (CHARTER_EMERGENCY_PHONE unset)', async () => {
  const { CHARTER_EMERGENCY_PHONE: _unset, ...withoutPhone } = env;
  const results = await runDoctor({ env: withoutPhone });
  expect(byName(results).get('Guest contact')).toMatchObject({ status: 'warn', detail: expect.stringContaining('placeholder +1 619 555 0142, a fictional number'), fix: expect.stringContaining('CHARTER_EMERGENCY_PHONE') });
  expect(hasFailure(results)).toBe(false);
});

describe('fixes worded for the doctor', () => {
  it('a server error says to run the doctor again, which has no Retry button', async () => {
    standins.scc.faults.inject('*', { kind: 'status', status: 502, body: { message: 'Bad Gateway' } });
    try {
      const results = await runDoctor({ env });
      expect(byName(results).get('SCC key')).toMatchObject({ status: 'fail', fix: 'SCC had a server error (502) — check its logs, then run the doctor again' });
    } finally {
      standins.scc.faults.clear();
    }
  });

  it('a revoked bot token says to reinstall the app: copying the old token again cannot help', async () => {
    slack.failNext('auth.test', 1, 'token_revoked');
    const results = await runDoctor({ env });
    expect(byName(results).get('Slack')).toMatchObject({ status: 'fail', fix: expect.stringContaining('reinstall the app') });
    expect(byName(results).get('Slack')?.fix).not.toContain('copy the Bot User OAuth Token');
  });
});
