/**
 * Preflight checks, one per thing an operator can get wrong. Each returns a result instead of
 * throwing, so one broken system never hides the verdict on the others. Checks talk to the real
 * systems through the production adapters (DashboardCalendar, SccClient, the AWS clients), so a
 * green doctor means the pipeline's own code paths work with this configuration.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { GetDistributionCommand, type DefaultCacheBehavior, type Distribution, type DistributionConfig } from '@aws-sdk/client-cloudfront';
import { DescribeTableCommand, type TableDescription } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ErrorCode, type WebClient } from '@slack/web-api';
import { PLACEHOLDER_EMERGENCY_PHONE, type Config } from '../config';
import type { AwsClients } from '../integrations/aws-clients';
import { DashboardCalendar } from '../integrations/calendar';
import { IntegrationError, UpstreamAuthError } from '../integrations/errors';
import { IcalFeedClient } from '../integrations/ical-feed';
import { CURRENT_INDEX, CURRENT_KEY } from '../pipeline/current-index';
import { assertSccApiUrl, SccClient, SccUrlError } from '../integrations/scc';
import { BOT_SCOPES } from '../slack/scopes';
import { withDeadline } from '../deadline';
import { describeNetworkProblem, DOCTOR_CALL_TIMEOUT_MS, DOCTOR_CONNECT_TIMEOUT_MS } from './network';

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
const QUICK_HTTP = { retry: { maxRetries: 0 }, connectTimeoutMs: DOCTOR_CONNECT_TIMEOUT_MS, headersTimeoutMs: DOCTOR_CALL_TIMEOUT_MS, bodyTimeoutMs: DOCTOR_CALL_TIMEOUT_MS };

const hostOf = (url: string) => (URL.canParse(url) ? new URL(url).host : undefined);

/**
 * One outside call under the doctor's deadline: reported as a timeout at 5 s, and torn down just
 * after. The clients' own timeouts are idle timers (undici's body timeout, the AWS SDK's socket
 * timeout), which an answer trickling a byte every few seconds never trips.
 */
function withinDeadline<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return withDeadline(call(AbortSignal.timeout(DOCTOR_CALL_TIMEOUT_MS + 500)), DOCTOR_CALL_TIMEOUT_MS);
}

function awsErrorName(err: unknown): string {
  return (err as { name?: string } | undefined)?.name ?? 'Error';
}

export function checkConfiguration(problems: readonly string[]): CheckResult[] {
  if (problems.length === 0) return [ok('Configuration', 'every variable present and well-formed')];
  return problems.map((p) => fail('Configuration', p, `set ${p.split(' ')[0] ?? 'it'} as described (README → Configuration)`));
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Where the Slack Web API is, for messages: the host of SLACK_API_URL, or Slack's. */
function slackHost(config: Config): string {
  const url = config.slack.apiUrl;
  return url && URL.canParse(url) ? new URL(url).host : 'slack.com';
}

const slackTarget = (config: Config) => ({ system: 'Slack', host: slackHost(config), setting: config.slack.apiUrl ? 'SLACK_API_URL' : 'SLACK_API_URL (unset: slack.com)' });

/** A Slack error code (`invalid_auth`, `channel_not_found`), or the transport failure in words, or the error's name. */
function slackError(err: unknown, config: Config): string {
  const data = (err as { data?: { error?: unknown } } | undefined)?.data;
  if (typeof data?.error === 'string') return data.error;
  const status = (err as { statusCode?: unknown } | undefined)?.statusCode;
  if (typeof status === 'number') return `HTTP ${status}`;
  return describeNetworkProblem(err, slackTarget(config))?.detail ?? awsErrorName(err);
}

const slackErrorCode = (err: unknown): string | undefined => {
  const code = (err as { data?: { error?: unknown } } | undefined)?.data?.error;
  return typeof code === 'string' ? code : undefined;
};

/**
 * Slack turned the call away for its rate limit (HTTP 429, or a `ratelimited` error): nothing is
 * wrong with the configuration, so it is a ⚠ with "again in N s", never a fix to a setting. Likely
 * for /charter doctor in a busy workspace, which shares the app's limits.
 */
function slackRateLimited(err: unknown): { again: string } | undefined {
  const e = err as { code?: unknown; retryAfter?: unknown } | undefined;
  const code = slackErrorCode(err);
  if (e?.code !== ErrorCode.RateLimitedError && code !== 'ratelimited' && code !== 'rate_limited') return undefined;
  return { again: typeof e?.retryAfter === 'number' ? `in ${e.retryAfter} s` : 'in a minute' };
}

const rateLimitedWarn = (name: string, method: string, limited: { again: string }) => warn(name, `${method}: Slack rate-limited the doctor, so this was not checked`, `run the doctor again ${limited.again}; nothing is wrong with the configuration for this`);

const REINSTALL = 'reinstall the app (api.slack.com → your app → Install App → Reinstall to Workspace) after updating it from manifest.yml, so the token gets every scope it requests';

/**
 * Every Slack call is raced against the doctor's own deadline: a client passed in may retry, and
 * the WebClient's own timeout error does not always survive its wrapping (another realm's
 * DOMException becomes a plain Error in it).
 *
 * The bot token and what it may do: auth.test (Slack sends the token's scopes in its
 * `x-oauth-scopes` header, which the WebClient exposes as response_metadata.scopes) compared with
 * the scopes manifest.yml requests (BOT_SCOPES, which a test keeps equal to the manifest); then the
 * ops and crew channels (conversations.info: archived? is the bot a member, so it can post?) and
 * each approver (users.info). Posts nothing. A refused token leaves the other three not checked.
 */
export async function checkSlack(client: WebClient, config: Config): Promise<CheckResult[]> {
  const name = 'Slack';
  let team: string;
  let granted: string[] | undefined;
  try {
    const auth = await withDeadline(client.auth.test(), DOCTOR_CALL_TIMEOUT_MS);
    team = auth.team ?? auth.team_id ?? '';
    granted = auth.response_metadata?.scopes;
  } catch (err) {
    const network = describeNetworkProblem(err, slackTarget(config));
    const skipped = (check: string) => warn(check, `not checked: ${network ? 'Slack did not answer' : 'auth.test failed'}`, 'fix the Slack check first');
    const rest = [skipped('Ops channel'), ...(config.slack.crewChannel ? [skipped('Crew channel')] : []), skipped('Approvers')];
    if (network) return [fail(name, `auth.test: ${network.detail}`, network.fix), ...rest];
    const limited = slackRateLimited(err);
    if (limited) return [rateLimitedWarn(name, 'auth.test', limited), ...rest];
    // A Slack error code (invalid_auth, token_revoked…) is about the token; anything else (an HTTP
    // 404, or a server that knows no auth.test) about where Slack is.
    const code = slackErrorCode(err);
    // A revoked token stays revoked: copying it again cannot help, only a reinstall issues a new one.
    const fix =
      code === 'token_revoked'
        ? 'the bot token was revoked — reinstall the app (OAuth & Permissions → Reinstall to Workspace) and set SLACK_BOT_TOKEN to the new Bot User OAuth Token (xoxb-…)'
        : code && code !== 'unknown_method'
          ? 'SLACK_BOT_TOKEN is not accepted — copy the Bot User OAuth Token (xoxb-…) from the app’s OAuth & Permissions page'
          : `check SLACK_API_URL (${slackHost(config)}): it must be the Web API base ending in /api/, or unset for Slack itself`;
    return [fail(name, `auth.test failed: ${slackError(err, config)}`, fix), ...rest];
  }
  let token: CheckResult;
  if (!granted) {
    token = warn(name, `bot token works (${team}); Slack did not say which scopes it has`, `if calls fail with missing_scope, ${REINSTALL}`);
  } else {
    const missing = BOT_SCOPES.filter((scope) => !granted.includes(scope));
    token =
      missing.length > 0
        ? fail(name, `bot token works (${team}) but lacks ${missing.length === 1 ? 'the scope' : 'the scopes'} ${missing.join(', ')} that manifest.yml requests`, REINSTALL)
        : ok(name, `bot token works (${team}); it has all ${plural(BOT_SCOPES.length, 'scope')} manifest.yml requests`);
  }
  const results = [token, await checkOpsChannel(client, config)];
  if (config.slack.crewChannel) results.push(await checkChannel(client, config, { name: 'Crew channel', variable: 'CHARTER_CREW_CHANNEL', channel: config.slack.crewChannel, posts: 'crew posts' }));
  results.push(await checkApprovers(client, config));
  return results;
}

async function checkOpsChannel(client: WebClient, config: Config): Promise<CheckResult> {
  const channel = config.slack.opsChannel;
  if (!channel) {
    return warn('Ops channel', 'CHARTER_OPS_CHANNEL not set', "set CHARTER_OPS_CHANNEL so approvals always land in one channel (default: where /charter was run; from a DM, only an approver's)");
  }
  return checkChannel(client, config, { name: 'Ops channel', variable: 'CHARTER_OPS_CHANNEL', channel, posts: 'approval messages' });
}

/** conversations.info: the channel exists, is not archived, and has the bot in it (chat:write posts only where the bot is a member). */
async function checkChannel(client: WebClient, config: Config, c: ChannelCheck): Promise<CheckResult> {
  if (c.channel.startsWith('D')) return checkDirectMessage(client, config, c);
  try {
    const info = await withDeadline(client.conversations.info({ channel: c.channel }), DOCTOR_CALL_TIMEOUT_MS);
    const label = info.channel?.name ? `#${info.channel.name} (${c.channel})` : c.channel;
    if (info.channel?.is_archived === true) {
      return fail(c.name, `${label} is archived: ${c.posts} cannot be posted there`, `unarchive it (channel settings → Unarchive channel), or set ${c.variable} to a live channel`);
    }
    if (info.channel?.is_member !== true) {
      return fail(c.name, `the bot is not a member of ${label}: ${c.posts} cannot be posted there`, `invite the bot: /invite @charter-bot in ${label}`);
    }
    return ok(c.name, `${label}: the bot is a member, ${c.posts} can be posted`);
  } catch (err) {
    return channelCallFailed(err, config, c, {
      method: 'conversations.info',
      scopes: 'channels:read, or groups:read for a private channel',
      notFound: [`${c.channel} not found: no such channel, or a private one the bot is not in`, `set ${c.variable} to the channel ID (channel details → About, at the bottom: C…); for a private channel, /invite @charter-bot there first`],
      otherFix: `check ${c.variable} is a channel ID (C…) the app can see (scopes channels:read, groups:read)`,
    });
  }
}

type ChannelCheck = { name: string; variable: string; channel: string; posts: string };

/** A channel check's call failed: the network, a rate limit, a scope, no such channel, or Slack's own error. */
function channelCallFailed(err: unknown, config: Config, c: ChannelCheck, call: { method: string; scopes: string; notFound: [string, string]; otherFix: string }): CheckResult {
  const network = describeNetworkProblem(err, slackTarget(config));
  if (network) return fail(c.name, `${call.method} ${c.channel}: ${network.detail}`, network.fix);
  const limited = slackRateLimited(err);
  if (limited) return rateLimitedWarn(c.name, `${call.method} ${c.channel}`, limited);
  const code = slackErrorCode(err);
  if (code === 'missing_scope') return fail(c.name, `${call.method} ${c.channel}: missing_scope (${call.scopes})`, REINSTALL);
  if (code === 'channel_not_found') return fail(c.name, ...call.notFound);
  return fail(c.name, `${call.method} ${c.channel}: ${slackError(err, config)}`, call.otherFix);
}

/**
 * A DM given as the channel: conversations.info there needs im:read, which the manifest does not
 * request (nothing else needs it). Reading one message (im:history, which it does request) shows
 * the DM is the bot's own, where it can post.
 */
async function checkDirectMessage(client: WebClient, config: Config, c: ChannelCheck): Promise<CheckResult> {
  try {
    await withDeadline(client.conversations.history({ channel: c.channel, limit: 1 }), DOCTOR_CALL_TIMEOUT_MS);
    return ok(c.name, `${c.channel}: a direct message with the bot; ${c.posts} can be posted there, and only that person reads them`);
  } catch (err) {
    return channelCallFailed(err, config, c, {
      method: 'conversations.history',
      scopes: 'im:history',
      notFound: [`${c.channel} not found: not a direct message with the bot`, `set ${c.variable} to a channel ID (channel details → About, at the bottom: C…)`],
      otherFix: `check ${c.variable} is a channel ID (C…) the app can see`,
    });
  }
}

/** users.info on each CHARTER_APPROVERS ID: someone who is not in the workspace (or deactivated) can never approve. */
async function checkApprovers(client: WebClient, config: Config): Promise<CheckResult> {
  const name = 'Approvers';
  const problems: string[] = [];
  const found: string[] = [];
  for (const id of config.slack.approvers) {
    try {
      const res = await withDeadline(client.users.info({ user: id }), DOCTOR_CALL_TIMEOUT_MS);
      if (res.user?.deleted === true) problems.push(`${id} (${res.user.real_name ?? res.user.name ?? 'unnamed'}) is deactivated`);
      else found.push(res.user?.real_name ? `${res.user.real_name} (${id})` : id);
    } catch (err) {
      const network = describeNetworkProblem(err, slackTarget(config));
      if (network) return fail(name, `users.info ${id}: ${network.detail}`, network.fix);
      const limited = slackRateLimited(err);
      if (limited) return rateLimitedWarn(name, `users.info ${id}`, limited);
      const code = slackErrorCode(err);
      if (code === 'missing_scope') return fail(name, 'users.info: missing_scope (users:read)', REINSTALL);
      problems.push(code === 'user_not_found' ? `${id} is not a user of this workspace` : `${id}: users.info failed (${slackError(err, config)})`);
    }
  }
  if (problems.length > 0) {
    return fail(name, problems.join('; '), "correct CHARTER_APPROVERS: each is a member ID (U…), from the person's profile → ⋮ → Copy member ID");
  }
  return ok(name, `${plural(found.length, 'approver')}: ${found.join(', ')}`);
}

/**
 * The number guests call on the day ("Running late or need help?" on the guest page, the .ics, the
 * cancelled page). Left unset it is a fictional 555 placeholder: every page works, and a guest who
 * taps the button reaches nobody. Pure: reads the configuration only.
 */
export function checkGuestContact(config: Config): CheckResult {
  const name = 'Guest contact';
  const phone = config.operator.emergencyPhone;
  if (phone === PLACEHOLDER_EMERGENCY_PHONE) {
    return warn(name, `CHARTER_EMERGENCY_PHONE is not set: guest pages and calendar files offer the placeholder ${phone}, a fictional number`, 'set CHARTER_EMERGENCY_PHONE to the number guests call on the day (on Lambda, the EmergencyPhone parameter)');
  }
  return ok(name, `guests are given ${phone} to call on the day`);
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


/**
 * Where an AWS client connects: its endpoint variable, else AWS's own endpoint for the region.
 * AWS_REGION has no host or port to check, so it is named only as what an unset endpoint falls back on.
 */
const AWS_ENDPOINT_SETTING = (service: 'S3' | 'DYNAMODB') => `AWS_ENDPOINT_URL_${service} (unset: AWS's endpoint for AWS_REGION)`;

/**
 * The fix for the dashboard's or SCC's answer in the doctor's words: their operator messages end in
 * "Retry", a button the doctor does not have — the doctor is run again instead.
 */
function upstreamFix(err: IntegrationError, system: string, urlSetting: string): string {
  if (!err.retryable) return err.operatorMessage;
  if (err.status === 429) return `${system} is rate-limiting requests (429) — run the doctor again in a minute`;
  if (err.status !== undefined && err.status >= 500) return `${system} had a server error (${err.status}) — check its logs, then run the doctor again`;
  return `check ${urlSetting} and ${system}'s health, then run the doctor again`;
}

export async function checkDashboard(config: Config): Promise<CheckResult> {
  const name = 'Dashboard';
  const calendar = new DashboardCalendar({ url: config.dashboard.url, token: config.dashboard.token, http: QUICK_HTTP });
  try {
    await withinDeadline((signal) => calendar.findByExternalId(PROBE_EXTERNAL_ID, { signal }));
    return ok(name, `token accepted (GET /calendar?externalId=${PROBE_EXTERNAL_ID})`);
  } catch (err) {
    if (err instanceof UpstreamAuthError) return fail(name, `token refused (${err.status ?? 401})`, 'DASHBOARD_TOKEN is wrong — copy the X-Dashboard-Token value the dashboard Lambda expects');
    const network = describeNetworkProblem(err, { system: 'the dashboard', host: hostOf(config.dashboard.url), setting: 'DASHBOARD_URL' });
    if (network) return fail(name, network.detail, network.fix);
    if (err instanceof IntegrationError) return fail(name, err.message, upstreamFix(err, 'the dashboard', 'DASHBOARD_URL'));
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
    await withinDeadline((signal) => scc.findByExternalId(PROBE_EXTERNAL_ID, { signal }));
    return ok(name, `service key accepted (GET /events?externalId=${PROBE_EXTERNAL_ID})`);
  } catch (err) {
    if (err instanceof UpstreamAuthError) return fail(name, `service key refused (${err.status ?? 401})`, 'SCC_SERVICE_KEY is wrong — use the key whose hash the SCC Lambda stores (see the SCC key hash check)');
    const network = describeNetworkProblem(err, { system: 'SCC', host: hostOf(config.scc.apiUrl), setting: 'SCC_API_URL' });
    if (network) return fail(name, network.detail, network.fix);
    if (err instanceof IntegrationError) return fail(name, err.message, upstreamFix(err, 'SCC', 'SCC_API_URL'));
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

/** createHash knows more names than getHashes lists ("sha-256" beside "sha256"): asked, not looked up. */
function hashSupported(algorithm: string): boolean {
  try {
    createHash(algorithm);
    return true;
  } catch {
    return false;
  }
}

export function checkSccKeyHash(config: Config): CheckResult {
  const name = 'SCC key hash';
  const expected = config.scc.serviceKeyHash;
  const algorithm = config.scc.serviceKeyHashAlgorithm.toLowerCase();
  if (!expected) return ok(name, 'SCC_SERVICE_KEY_HASH not set (optional): nothing to compare');
  if (!hashSupported(algorithm)) {
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
    await withinDeadline((abortSignal) => aws.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'charter-bot doctor probe; safe to delete', ContentType: 'text/plain' }), { abortSignal }));
  } catch (err) {
    const network = describeNetworkProblem(err, { system: 'S3', setting: AWS_ENDPOINT_SETTING('S3') });
    if (network) return fail(name, `PutObject to ${bucket}: ${network.detail}`, network.fix);
    const code = awsErrorName(err);
    if (code === 'NoSuchBucket') return fail(name, `bucket ${bucket} does not exist`, 'create the bucket or correct GUEST_BUCKET');
    if (code === 'AccessDenied' || code === 'Forbidden') return fail(name, `cannot write to ${bucket} (${code})`, 'grant the bot’s IAM role s3:PutObject and s3:DeleteObject on the bucket');
    return fail(name, `PutObject to ${bucket} failed (${code})`, 'check AWS_REGION, credentials and GUEST_BUCKET');
  }
  try {
    await withinDeadline((abortSignal) => aws.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), { abortSignal }));
  } catch (err) {
    return warn(name, `probe written but not deleted (${awsErrorName(err)}): ${key}`, 'grant s3:DeleteObject, and delete the probe object by hand');
  }
  return ok(name, `${bucket} writable (probe object put and deleted)`);
}

/** A path a guest link has (/g/{ID}): which cache behaviour serves it decides whether the rewrite runs. */
const GUEST_PATH_SAMPLE = '/g/0123456789ABCDEF';

/** CloudFront path patterns: `*` any run of characters, `?` one; case-sensitive; a leading `/` optional. */
function pathPatternMatches(pattern: string, path: string): boolean {
  const p = pattern.startsWith('/') ? pattern : `/${pattern}`;
  const re = new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(path);
}

/** The cache behaviour CloudFront picks for /g/{ID}: the first ordered behaviour whose pattern matches, else the default. */
export function guestBehavior(config: DistributionConfig | undefined): { where: string; behavior: Pick<DefaultCacheBehavior, 'FunctionAssociations' | 'LambdaFunctionAssociations'> | undefined } {
  const ordered = (config?.CacheBehaviors?.Items ?? []).find((b) => pathPatternMatches(b.PathPattern ?? '', GUEST_PATH_SAMPLE));
  if (ordered) return { where: `the behaviour for ${ordered.PathPattern}`, behavior: ordered };
  return { where: 'the default behaviour', behavior: config?.DefaultCacheBehavior };
}

/** `host` is `name`, or matches a wildcard alternate domain name (`*.example.com` covers one label). */
const hostMatches = (host: string, name: string) =>
  name.startsWith('*.') ? host.endsWith(name.slice(1)) && !host.slice(0, -name.length + 1).includes('.') : host === name;

/**
 * The guest distribution: serves GUEST_BUCKET, runs the /g/{ID} rewrite (src/edge/guest-rewrite.js,
 * deployed as the stack's GuestRewriteFunction) on viewer request for guest paths, and answers for
 * GUEST_SITE_URL's host (its own domain or an alternate domain name). Any of these wrong and every
 * guest link the bot shares is a 403/404.
 */
export async function checkDistribution(aws: AwsClients, config: Config): Promise<CheckResult> {
  const name = 'CloudFront';
  const id = config.guest.distributionId;
  let dist: Distribution | undefined;
  try {
    dist = (await withinDeadline((abortSignal) => aws.cloudfront.send(new GetDistributionCommand({ Id: id }), { abortSignal }))).Distribution;
  } catch (err) {
    const network = describeNetworkProblem(err, { system: 'CloudFront', setting: 'AWS_ENDPOINT_URL_CLOUDFRONT (unset: AWS)' });
    if (network) return fail(name, `GetDistribution ${id}: ${network.detail}`, network.fix);
    const code = awsErrorName(err);
    if (code === 'NoSuchDistribution') return fail(name, `distribution ${id} does not exist`, 'correct GUEST_DISTRIBUTION_ID (CloudFront console → Distributions → ID)');
    if (code === 'AccessDenied') return fail(name, `cannot read distribution ${id} (AccessDenied)`, 'grant cloudfront:GetDistribution and cloudfront:CreateInvalidation');
    return fail(name, `GetDistribution ${id} failed (${code})`, 'check credentials and GUEST_DISTRIBUTION_ID');
  }
  const dc = dist?.DistributionConfig;
  const failures: { detail: string; fix: string }[] = [];
  const warnings: { detail: string; fix: string }[] = [];

  const origins = (dc?.Origins?.Items ?? []).map((o) => o.DomainName ?? '');
  const bucket = config.guest.bucket;
  if (!origins.some((domain) => domain === bucket || domain.startsWith(`${bucket}.`))) {
    failures.push({ detail: `distribution ${id} does not serve bucket ${bucket} (origins: ${origins.join(', ') || 'none'})`, fix: 'set GUEST_DISTRIBUTION_ID to the distribution whose origin is GUEST_BUCKET' });
  }

  const { where, behavior } = guestBehavior(dc);
  const rewrite = behavior?.FunctionAssociations?.Items?.find((a) => a.EventType === 'viewer-request');
  const deploy = "associate the stack output GuestRewriteFunctionArn as its Viewer request CloudFront Function (README → Deploying, step 4)";
  if (!rewrite?.FunctionARN) {
    const edge = behavior?.LambdaFunctionAssociations?.Items?.some((a) => a.EventType === 'viewer-request');
    failures.push({
      detail: `${where} (which serves /g/{ID}) has no viewer-request CloudFront Function${edge ? ' (only a Lambda@Edge one)' : ''}, so guest links answer 403/404 instead of the page`,
      fix: `on ${where}, ${deploy}`,
    });
  } else {
    const fn = rewrite.FunctionARN.split(':function/')[1] ?? rewrite.FunctionARN;
    if (!/guest-rewrite$/.test(fn)) {
      warnings.push({ detail: `${where} runs the viewer-request function ${fn}, not charter-bot's …-guest-rewrite`, fix: `make sure ${fn} maps /g/{ID} to /jada-guest-{id}.html as src/edge/guest-rewrite.js does, or ${deploy}` });
    }
  }

  const host = URL.canParse(config.guest.siteUrl) ? new URL(config.guest.siteUrl).hostname.toLowerCase() : '';
  const domain = (dist?.DomainName ?? '').toLowerCase();
  const aliases = (dc?.Aliases?.Items ?? []).map((a) => a.toLowerCase());
  if (![domain, ...aliases].some((n) => n !== '' && hostMatches(host, n))) {
    failures.push({
      detail: `GUEST_SITE_URL's host ${host} is neither the distribution's domain ${domain || '(none)'} nor one of its alternate domain names (${aliases.join(', ') || 'none'}), so guest links do not reach it`,
      fix: `set GUEST_SITE_URL to https://${aliases[0] ?? domain}, or add ${host} to the distribution's alternate domain names (with its certificate and DNS)`,
    });
  }

  if (failures.length > 0) return fail(name, failures.map((f) => f.detail).join('; '), failures.map((f) => f.fix).join('; '));
  if (warnings.length > 0) return warn(name, warnings.map((f) => f.detail).join('; '), warnings.map((f) => f.fix).join('; '));
  return ok(name, `distribution ${id} serves ${bucket} at ${host}; ${where} rewrites /g/{ID} (${(rewrite?.FunctionARN ?? '').split(':function/')[1] ?? 'viewer request'})`);
}

/**
 * SCC's events table: keyed on eventId, and — when SCC_EVENTS_EXTERNAL_ID_INDEX names one — the GSI
 * the revenue guard Queries: partition key externalId and projection ALL. The guard cleans the
 * items the Query returns, so an index projecting fewer attributes would hand it items without
 * their money fields, and it would call a duplicate event clean while crew still see amounts.
 */
export async function checkSccTable(aws: AwsClients, config: Config): Promise<CheckResult> {
  const name = 'SCC events table';
  const table = config.scc.eventsTable;
  let described: TableDescription | undefined;
  try {
    described = (await withinDeadline((abortSignal) => aws.dynamodb.send(new DescribeTableCommand({ TableName: table }), { abortSignal }))).Table;
  } catch (err) {
    const network = describeNetworkProblem(err, { system: 'DynamoDB', setting: AWS_ENDPOINT_SETTING('DYNAMODB') });
    if (network) return fail(name, `DescribeTable ${table}: ${network.detail}`, network.fix);
    const code = awsErrorName(err);
    if (code === 'ResourceNotFoundException') return fail(name, `table ${table} does not exist (region ${config.aws.region})`, 'correct SCC_EVENTS_TABLE, or run the bot in the table’s region and account (AWS_REGION; on Lambda, the stack’s region: deploy the stack there)');
    return fail(name, `DescribeTable ${table} failed (${code})`, 'grant dynamodb:DescribeTable, GetItem and UpdateItem on the SCC events table');
  }
  const hash = described?.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
  if (hash !== 'eventId') return fail(name, `table ${table} is keyed on ${hash ?? 'nothing'}, not eventId`, 'set SCC_EVENTS_TABLE to SCC’s events table (partition key eventId)');
  const index = config.scc.externalIdIndex;
  if (!index) return ok(name, `${table} exists, key eventId (no SCC_EVENTS_EXTERNAL_ID_INDEX: the revenue guard Scans for externalId)`);
  const gsis = described?.GlobalSecondaryIndexes ?? [];
  const gsi = gsis.find((g) => g.IndexName === index);
  const unset = 'or unset SCC_EVENTS_EXTERNAL_ID_INDEX so the revenue guard Scans instead';
  if (!gsi) {
    return fail(name, `table ${table} has no index ${index} (indexes: ${gsis.map((g) => g.IndexName).join(', ') || 'none'}), so every revenue guard Query fails`, `correct SCC_EVENTS_EXTERNAL_ID_INDEX, ask SCC's owner for a GSI ${index} on externalId with projection ALL, ${unset}`);
  }
  const gsiHash = gsi.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
  if (gsiHash !== 'externalId') {
    return fail(name, `index ${index} is keyed on ${gsiHash ?? 'nothing'}, not externalId: the revenue guard's Query finds no events`, `point SCC_EVENTS_EXTERNAL_ID_INDEX at a GSI whose partition key is externalId, ${unset}`);
  }
  const projection = gsi.Projection?.ProjectionType;
  if (projection !== 'ALL') {
    return fail(name, `index ${index} projects ${projection ?? 'nothing'}, not ALL: the revenue guard would read duplicate events without their money fields and call them clean`, `recreate ${index} with projection ALL, ${unset}`);
  }
  if (gsi.IndexStatus && gsi.IndexStatus !== 'ACTIVE') {
    return warn(name, `index ${index} is ${gsi.IndexStatus}, not ACTIVE yet: the revenue guard's Queries fail until it is`, 'wait for the index to finish building, then run the doctor again');
  }
  return ok(name, `${table} exists, key eventId; index ${index} on externalId (projection ALL)`);
}

/**
 * The state store, as the running app has it open (`/charter doctor`): one cheap read. The
 * calls go through the app's own client, so the doctor bounds the wait itself.
 */
export async function checkStore(store: { ping(): Promise<void> }, config: Config): Promise<CheckResult> {
  const name = 'State store';
  const where = storeLabel(config);
  try {
    await withDeadline(store.ping(), DOCTOR_CALL_TIMEOUT_MS);
    return ok(name, `${where} reachable`);
  } catch (err) {
    const network = describeNetworkProblem(err, { system: 'the state store', setting: AWS_ENDPOINT_SETTING('DYNAMODB') });
    if (network) return fail(name, `${where}: ${network.detail}`, network.fix);
    return fail(name, `${where} unreachable (${awsErrorName(err)})`, config.store.kind === 'sqlite' ? 'make the directory of CHARTER_STORE writable' : 'create the table or correct CHARTER_STORE / AWS_REGION');
  }
}

const storeLabel = (config: Config) => (config.store.kind === 'sqlite' ? `sqlite:${config.store.path}` : `dynamodb:${config.store.table}`);

/**
 * The state store before the app opens it (`npm run doctor`): looked at, never changed. Opening the
 * store for real would create a missing SQLite file (and its directory) and migrate an old schema,
 * or wait for a DynamoDB table — the doctor reports each instead, so a wrong CHARTER_STORE path is
 * not papered over with an empty database.
 */
export async function checkStoreLocation(aws: AwsClients, config: Config): Promise<CheckResult> {
  const name = 'State store';
  const where = storeLabel(config);
  if (config.store.kind === 'sqlite') {
    // Required here, not imported: a DynamoDB deployment (Lambda) never loads the native better-sqlite3.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { inspectSqliteStore } = require('../pipeline/sqlite-store') as typeof import('../pipeline/sqlite-store');
    const found = inspectSqliteStore(config.store.path);
    switch (found.kind) {
      case 'missing':
        return found.creatable
          ? warn(name, `${where} does not exist yet: charter-bot creates it (empty: no bookings) at its first start`, 'nothing to do before the first start; if bookings should already be there, correct the path in CHARTER_STORE')
          : fail(name, `${where} does not exist, and ${found.directory} is not writable, so charter-bot cannot create it`, `make ${found.directory} writable by the bot's user, or point CHARTER_STORE at a writable path`);
      case 'unreadable':
        return fail(name, `${where} cannot be read as charter-bot's store: ${found.reason}`, 'point CHARTER_STORE at the bot’s own database file (default sqlite:./data/charter.db)');
      case 'found':
        if (found.schemaVersion > found.current) {
          return fail(name, `${where} is at schema ${found.schemaVersion}, newer than this build (${found.current}): it refuses to start`, 'deploy the charter-bot version that wrote this file, or a newer one');
        }
        if (!found.writable) return fail(name, `${where} is not writable by this user`, 'give the bot’s user write access to the file and its directory (SQLite writes -wal and -shm files beside it)');
        if (found.schemaVersion < found.current) {
          return warn(name, `${where} is at schema ${found.schemaVersion}; charter-bot migrates it to ${found.current} at its next start`, 'back up the file before starting the new version');
        }
        return ok(name, `${where} readable and writable, schema ${found.schemaVersion}`);
    }
  }
  const table = config.store.table;
  try {
    const res = await withinDeadline((abortSignal) => aws.dynamodb.send(new DescribeTableCommand({ TableName: table }), { abortSignal }));
    const hash = res.Table?.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
    if (hash !== 'id') return fail(name, `table ${table} is keyed on ${hash ?? 'nothing'}, not id: it is not a charter-bot state table`, 'point CHARTER_STORE at the stack’s state table (partition key id)');
    const status = res.Table?.TableStatus;
    if (status && status !== 'ACTIVE') return warn(name, `table ${table} is ${status}, not ACTIVE`, 'wait for the table to become ACTIVE, then run the doctor again');
    // Without it the bot still works, Scanning the whole table every few seconds: an operator who upgraded a hand-made table.
    const index = res.Table?.GlobalSecondaryIndexes?.find((i) => i.IndexName === CURRENT_INDEX);
    const indexHash = index?.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
    if (!index || indexHash !== CURRENT_KEY) {
      const what = index ? `index ${CURRENT_INDEX} keyed on ${indexHash ?? 'nothing'}, not ${CURRENT_KEY}` : `no index ${CURRENT_INDEX}`;
      return warn(name, `table ${table} has ${what}: the sweeper, reminders and App Home list bookings with a Scan of the whole table`, `add the index (README → State store, "aws dynamodb update-table"); on Lambda, deploy the current stack`);
    }
    if (index.IndexStatus !== 'ACTIVE') return warn(name, `index ${CURRENT_INDEX} of table ${table} is ${index.IndexStatus ?? 'in an unknown state'}: bookings are listed with a Scan until it is ACTIVE`, 'wait for the index to become ACTIVE, then run the doctor again');
    return ok(name, `${where} reachable, key id, index ${CURRENT_INDEX}`);
  } catch (err) {
    const network = describeNetworkProblem(err, { system: 'DynamoDB', setting: AWS_ENDPOINT_SETTING('DYNAMODB') });
    if (network) return fail(name, `DescribeTable ${table}: ${network.detail}`, network.fix);
    const code = awsErrorName(err);
    if (code === 'ResourceNotFoundException') return fail(name, `table ${table} does not exist (region ${config.aws.region})`, 'create it (README → State store) or correct CHARTER_STORE / AWS_REGION');
    return fail(name, `DescribeTable ${table} failed (${code})`, 'grant dynamodb:DescribeTable on the state table, and check AWS_REGION and credentials');
  }
}

/** Each CHARTER_ICAL_FEEDS feed: fetched and parsed (its URL is never shown: it carries a token). */
export async function checkIcalFeeds(config: Config): Promise<CheckResult[]> {
  if (config.ical.feeds.length === 0) return [];
  const client = new IcalFeedClient({ connectTimeoutMs: DOCTOR_CONNECT_TIMEOUT_MS, totalTimeoutMs: DOCTOR_CALL_TIMEOUT_MS });
  try {
    return await Promise.all(
      config.ical.feeds.map(async (feed): Promise<CheckResult> => {
        const name = `iCal feed ${feed.name}`;
        try {
          const read = await client.fetch(feed, {}, config.timezone);
          const events = read.kind === 'fetched' ? read.events.length : 0;
          return ok(name, `reads as iCalendar (${events} event${events === 1 ? '' : 's'})`);
        } catch (err) {
          // The host only: the feed's path and query carry the platform's token.
          const network = describeNetworkProblem(err, { system: `the ${feed.name} feed`, host: hostOf(feed.url), setting: `the ${feed.name} URL in CHARTER_ICAL_FEEDS` });
          if (network) return fail(name, network.detail, network.fix);
          if (err instanceof IntegrationError) return fail(name, err.message, err.operatorMessage);
          throw err;
        }
      }),
    );
  } finally {
    await client.close();
  }
}
