/**
 * Preflight checks, one per thing an operator can get wrong. Each returns a result instead of
 * throwing, so one broken system never hides the verdict on the others. Checks talk to the real
 * systems through the production adapters (DashboardCalendar, SccClient, the AWS clients), so a
 * green doctor means the pipeline's own code paths work with this configuration.
 */
import { createHash, getHashes, timingSafeEqual } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { GetDistributionCommand } from '@aws-sdk/client-cloudfront';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { WebClient } from '@slack/web-api';
import type { Config } from '../config';
import type { AwsClients } from '../integrations/aws-clients';
import { DashboardCalendar } from '../integrations/calendar';
import { IntegrationError, UpstreamAuthError } from '../integrations/errors';
import { IcalFeedClient } from '../integrations/ical-feed';
import { assertSccApiUrl, SccClient, SccUrlError } from '../integrations/scc';
import { BOT_SCOPES } from '../slack/scopes';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  status: CheckStatus;
  name: string;
  /** What was found, one line; never a secret value. */
  detail: string;
  /** How to fix it, one line; empty when ok. */
  fix: string;
}

/** The externalId the lookups use: no booking ever has it (ids are Crockford base32). */
export const PROBE_EXTERNAL_ID = 'doctor-probe';

const ok = (name: string, detail: string): CheckResult => ({ status: 'ok', name, detail, fix: '' });
const warn = (name: string, detail: string, fix: string): CheckResult => ({ status: 'warn', name, detail, fix });
const fail = (name: string, detail: string, fix: string): CheckResult => ({ status: 'fail', name, detail, fix });

/** Doctor answers in seconds: no retries, short timeouts. */
const QUICK_HTTP = { retry: { maxRetries: 0 }, connectTimeoutMs: 3000, headersTimeoutMs: 5000, bodyTimeoutMs: 5000 };

function awsErrorName(err: unknown): string {
  return (err as { name?: string } | undefined)?.name ?? 'Error';
}

export function checkConfiguration(problems: readonly string[]): CheckResult[] {
  if (problems.length === 0) return [ok('Configuration', 'every variable present and well-formed')];
  return problems.map((p) => fail('Configuration', p, `set ${p.split(' ')[0] ?? 'it'} as described (README → Configuration)`));
}

/** auth.test, then conversations.info on the ops channel: is the bot a member (can it post)? Posts nothing. */
export async function checkSlack(client: WebClient, config: Config): Promise<CheckResult> {
  const name = 'Slack';
  let team: string;
  let missingScopes: string[] = [];
  try {
    const auth = await client.auth.test();
    team = auth.team ?? auth.team_id ?? '';
    // Slack names the token's scopes in X-OAuth-Scopes; an install from an older manifest lacks some.
    const granted = auth.response_metadata?.scopes;
    if (granted) missingScopes = BOT_SCOPES.filter((scope) => !granted.includes(scope));
  } catch (err) {
    return fail(name, `auth.test failed: ${slackError(err)}`, 'SLACK_BOT_TOKEN is not accepted — copy the Bot User OAuth Token (xoxb-…) from the app’s OAuth & Permissions page');
  }
  const channel = config.slack.opsChannel;
  if (!channel) return warn(name, `bot token works (${team}); CHARTER_OPS_CHANNEL not set`, 'set CHARTER_OPS_CHANNEL so approvals always land in one channel (default: where /charter was run; from a DM, only an approver\'s)');
  try {
    const info = await client.conversations.info({ channel });
    if (info.channel?.is_member !== true) {
      return fail(name, `bot is not a member of ${channel}, so it cannot post approvals there`, `invite the bot: /invite @charter-bot in ${channel}`);
    }
    if (missingScopes.length > 0) {
      return warn(name, `bot token works (${team}); member of ${channel}; but the install lacks ${missingScopes.join(', ')}`, 'reinstall the app from manifest.yml (api.slack.com → your app → App Manifest, then Install App): without the *:history scopes a crew post whose answer was lost cannot be checked, and its step fails');
    }
    return ok(name, `bot token works (${team}); member of ${channel}`);
  } catch (err) {
    return fail(name, `conversations.info ${channel}: ${slackError(err)}`, `check CHARTER_OPS_CHANNEL is a channel ID (C…) the app can see (scopes channels:read, groups:read)`);
  }
}

/**
 * Where crew posts go, and whether approval messages (the cost breakdown) could reach them. Both
 * misconfigurations below make the bot refuse to post approvals (src/slack/approval-channel.ts),
 * so they fail here rather than warn. Pure: reads the configuration only.
 */
export function checkCrewPosts(config: Config): CheckResult {
  const name = 'Crew posts';
  const { crewChannel, opsChannel } = config.slack;
  if (!crewChannel) return ok(name, 'crew are called each by DM (needs the im:write scope)');
  if (crewChannel === opsChannel) {
    return fail(name, `CHARTER_CREW_CHANNEL is the ops channel ${opsChannel}: crew there would read approval messages with the cost breakdown, so none are posted`, 'set CHARTER_CREW_CHANNEL to a crew-only channel, or unset it to call crew by DM');
  }
  if (!opsChannel) {
    return fail(name, `CHARTER_OPS_CHANNEL is not set: approval messages with the cost breakdown would follow /charter into whatever channel it runs in, and are refused in the crew channel ${crewChannel}`, 'set CHARTER_OPS_CHANNEL to the approvers\' channel (a different one from CHARTER_CREW_CHANNEL)');
  }
  return ok(name, `crew posts go to ${crewChannel}, apart from the ops channel`);
}

function slackError(err: unknown): string {
  const data = (err as { data?: { error?: unknown } } | undefined)?.data;
  return typeof data?.error === 'string' ? data.error : awsErrorName(err);
}

export async function checkDashboard(config: Config): Promise<CheckResult> {
  const name = 'Dashboard';
  const calendar = new DashboardCalendar({ url: config.dashboard.url, token: config.dashboard.token, http: QUICK_HTTP });
  try {
    await calendar.findByExternalId(PROBE_EXTERNAL_ID);
    return ok(name, `token accepted (GET /calendar?externalId=${PROBE_EXTERNAL_ID})`);
  } catch (err) {
    if (err instanceof UpstreamAuthError) return fail(name, `token refused (${err.status ?? 401})`, 'DASHBOARD_TOKEN is wrong — copy the X-Dashboard-Token value the dashboard Lambda expects');
    if (err instanceof IntegrationError) return fail(name, err.message, err.operatorMessage);
    throw err;
  } finally {
    await calendar.close();
  }
}

/** SCC behind CloudFront loses its Authorization header. Reads the raw variables: config refuses such a URL. */
export function checkSccUrl(env: Record<string, string | undefined>): CheckResult {
  const name = 'SCC URL';
  const url = env.SCC_API_URL?.trim();
  if (!url || !URL.canParse(url)) return warn(name, 'SCC_API_URL missing or not a URL', 'see the Configuration check');
  try {
    assertSccApiUrl(url, env.GUEST_SITE_URL);
    return ok(name, `${new URL(url).hostname} is not a CloudFront host`);
  } catch (err) {
    if (err instanceof SccUrlError) return fail(name, `${new URL(url).hostname} is behind CloudFront (Authorization would be stripped)`, err.operatorMessage);
    throw err;
  }
}

export async function checkSccKey(config: Config): Promise<CheckResult> {
  const name = 'SCC key';
  const scc = new SccClient({ apiUrl: config.scc.apiUrl, serviceKey: config.scc.serviceKey, guestSiteUrl: config.guest.siteUrl, http: QUICK_HTTP });
  try {
    await scc.findByExternalId(PROBE_EXTERNAL_ID);
    return ok(name, `service key accepted (GET /events?externalId=${PROBE_EXTERNAL_ID})`);
  } catch (err) {
    if (err instanceof UpstreamAuthError) return fail(name, `service key refused (${err.status ?? 401})`, 'SCC_SERVICE_KEY is wrong — use the key whose hash the SCC Lambda stores (see the SCC key hash check)');
    if (err instanceof IntegrationError) return fail(name, err.message, err.operatorMessage);
    throw err;
  } finally {
    await scc.close();
  }
}

/**
 * SCC_SERVICE_KEY_HASH is the digest the SCC Lambda compares against: SCC_SERVICE_KEY_HASH_ALGORITHM
 * (default sha256; any Node hash such as sha512) of the key's UTF-8 bytes, written as hex
 * (case-insensitive) or base64.
 */
export function serviceKeyMatchesHash(key: string, expected: string, algorithm: string): boolean {
  const digest = createHash(algorithm).update(key, 'utf8').digest();
  const given = expected.trim();
  const candidates = /^[0-9a-f]+$/i.test(given) ? [Buffer.from(given, 'hex')] : [];
  candidates.push(Buffer.from(given, 'base64'));
  return candidates.some((c) => c.length === digest.length && timingSafeEqual(c, digest));
}

export function checkSccKeyHash(config: Config): CheckResult {
  const name = 'SCC key hash';
  const expected = config.scc.serviceKeyHash;
  const algorithm = config.scc.serviceKeyHashAlgorithm.toLowerCase();
  if (!expected) return ok(name, 'SCC_SERVICE_KEY_HASH not set (optional): nothing to compare');
  if (!getHashes().includes(algorithm)) {
    return fail(name, `unknown algorithm ${algorithm}`, 'set SCC_SERVICE_KEY_HASH_ALGORITHM to a hash such as sha256 or sha512');
  }
  if (serviceKeyMatchesHash(config.scc.serviceKey, expected, algorithm)) return ok(name, `SCC_SERVICE_KEY hashes (${algorithm}) to SCC_SERVICE_KEY_HASH`);
  return fail(name, `SCC_SERVICE_KEY does not hash (${algorithm}) to SCC_SERVICE_KEY_HASH`, 'the key and the hash SCC stores disagree — use the matching key, or check SCC_SERVICE_KEY_HASH_ALGORITHM');
}

export async function checkBucket(aws: AwsClients, config: Config): Promise<CheckResult> {
  const name = 'S3 bucket';
  const bucket = config.guest.bucket;
  const key = `charter-doctor-probe-${randomBytes(6).toString('hex')}.txt`;
  try {
    await aws.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'charter-bot doctor probe; safe to delete', ContentType: 'text/plain' }));
  } catch (err) {
    const code = awsErrorName(err);
    if (code === 'NoSuchBucket') return fail(name, `bucket ${bucket} does not exist`, 'create the bucket or correct GUEST_BUCKET');
    if (code === 'AccessDenied' || code === 'Forbidden') return fail(name, `cannot write to ${bucket} (${code})`, 'grant the bot’s IAM role s3:PutObject and s3:DeleteObject on the bucket');
    return fail(name, `PutObject to ${bucket} failed (${code})`, 'check AWS_REGION, credentials and GUEST_BUCKET');
  }
  try {
    await aws.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  } catch (err) {
    return warn(name, `probe written but not deleted (${awsErrorName(err)}): ${key}`, 'grant s3:DeleteObject, and delete the probe object by hand');
  }
  return ok(name, `${bucket} writable (probe object put and deleted)`);
}

export async function checkDistribution(aws: AwsClients, config: Config): Promise<CheckResult> {
  const name = 'CloudFront';
  const id = config.guest.distributionId;
  try {
    const res = await aws.cloudfront.send(new GetDistributionCommand({ Id: id }));
    const origins = (res.Distribution?.DistributionConfig?.Origins?.Items ?? []).map((o) => o.DomainName ?? '');
    const bucket = config.guest.bucket;
    if (!origins.some((domain) => domain === bucket || domain.startsWith(`${bucket}.`))) {
      return fail(name, `distribution ${id} does not serve bucket ${bucket} (origins: ${origins.join(', ') || 'none'})`, 'set GUEST_DISTRIBUTION_ID to the distribution whose origin is GUEST_BUCKET');
    }
    return ok(name, `distribution ${id} serves ${bucket}`);
  } catch (err) {
    const code = awsErrorName(err);
    if (code === 'NoSuchDistribution') return fail(name, `distribution ${id} does not exist`, 'correct GUEST_DISTRIBUTION_ID (CloudFront console → Distributions → ID)');
    if (code === 'AccessDenied') return fail(name, `cannot read distribution ${id} (AccessDenied)`, 'grant cloudfront:GetDistribution and cloudfront:CreateInvalidation');
    return fail(name, `GetDistribution ${id} failed (${code})`, 'check credentials and GUEST_DISTRIBUTION_ID');
  }
}

export async function checkSccTable(aws: AwsClients, config: Config): Promise<CheckResult> {
  const name = 'SCC events table';
  const table = config.scc.eventsTable;
  try {
    const res = await aws.dynamodb.send(new DescribeTableCommand({ TableName: table }));
    const hash = res.Table?.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
    if (hash !== 'eventId') return fail(name, `table ${table} is keyed on ${hash ?? 'nothing'}, not eventId`, 'set SCC_EVENTS_TABLE to SCC’s events table (partition key eventId)');
    return ok(name, `${table} exists, key eventId`);
  } catch (err) {
    const code = awsErrorName(err);
    if (code === 'ResourceNotFoundException') return fail(name, `table ${table} does not exist (region ${config.aws.region})`, 'correct SCC_EVENTS_TABLE or AWS_REGION');
    return fail(name, `DescribeTable ${table} failed (${code})`, 'grant dynamodb:DescribeTable, GetItem and UpdateItem on the SCC events table');
  }
}

export async function checkStore(store: { ping(): Promise<void> }, config: Config): Promise<CheckResult> {
  const name = 'State store';
  const where = config.store.kind === 'sqlite' ? `sqlite:${config.store.path}` : `dynamodb:${config.store.table}`;
  try {
    await store.ping();
    return ok(name, `${where} reachable`);
  } catch (err) {
    return fail(name, `${where} unreachable (${awsErrorName(err)})`, config.store.kind === 'sqlite' ? 'make the directory of CHARTER_STORE writable' : 'create the table or correct CHARTER_STORE / AWS_REGION');
  }
}

/** Each CHARTER_ICAL_FEEDS feed: fetched and parsed (its URL is never shown: it carries a token). */
export async function checkIcalFeeds(config: Config): Promise<CheckResult[]> {
  if (config.ical.feeds.length === 0) return [];
  const client = new IcalFeedClient({ connectTimeoutMs: 3000, totalTimeoutMs: 5000 });
  try {
    return await Promise.all(
      config.ical.feeds.map(async (feed): Promise<CheckResult> => {
        const name = `iCal feed ${feed.name}`;
        try {
          const read = await client.fetch(feed, {}, config.timezone);
          const events = read.kind === 'fetched' ? read.events.length : 0;
          return ok(name, `reads as iCalendar (${events} event${events === 1 ? '' : 's'})`);
        } catch (err) {
          if (err instanceof IntegrationError) return fail(name, err.message, err.operatorMessage);
          throw err;
        }
      }),
    );
  } finally {
    await client.close();
  }
}
