/**
 * Runs every check against one environment. Used by `npm run doctor` (the process environment) and
 * `/charter doctor` (the running app's configuration, store and Slack client).
 */
import { LogLevel, WebClient } from '@slack/web-api';
import { settleWithin } from '../deadline';
import { loadConfig, type Config } from '../config';
import { createAwsClients } from '../integrations/aws-clients';
import {
  checkBucket,
  checkConfiguration,
  checkCrewPosts,
  checkDashboard,
  checkDistribution,
  checkGuestContact,
  checkIcalFeeds,
  checkSccKey,
  checkSccKeyHash,
  checkSccTable,
  checkSccUrl,
  checkSlack,
  checkStore,
  checkStoreLocation,
  type CheckResult,
} from './checks';
import { DOCTOR_CALL_TIMEOUT_MS, DOCTOR_CONNECT_TIMEOUT_MS } from './network';
import { checkSocketMode } from './socket-mode';

type Env = Record<string, string | undefined>;

export interface DoctorOptions {
  env: Env;
  /** An already loaded configuration (the running app's); default loadConfig(env). */
  config?: Config;
  /**
   * A Slack client; default one from the configuration with the doctor's deadline (one attempt of
   * 5 s). The app's own client retries, so the app does not pass it.
   */
  slack?: WebClient;
  /** The app's open store (pinged); default: the store's location is looked at, never opened (nothing created or migrated). */
  store?: { ping(): Promise<void> };
  /**
   * The whole run's deadline (default: none beyond each call's own 5 s): a check still going then
   * is reported as not finished, and the rest stand. The Slack function on Lambda must answer
   * Slack within 3 s (lambda-app.ts).
   */
  deadlineMs?: number;
}

/** Stands in for a CloudFront SCC_API_URL so the rest of the configuration can still be checked; never called. */
const PLACEHOLDER_SCC_URL = 'https://doctor-placeholder.execute-api.us-west-2.amazonaws.com/unchecked';

const CHECKED_SYSTEMS = ['Slack', 'Ops channel', 'Approvers', 'Crew posts', 'Guest contact', 'Dashboard', 'SCC key', 'SCC key hash', 'S3 bucket', 'CloudFront', 'SCC events table', 'State store'];

export async function runDoctor(opts: DoctorOptions): Promise<CheckResult[]> {
  const sccUrl = checkSccUrl(opts.env);
  let config = opts.config;
  const results: CheckResult[] = [];
  if (config) results.push(...checkConfiguration([]));
  else {
    // The SCC URL check owns the CloudFront rule; the configuration check reports everything else.
    const env = sccUrl.status === 'fail' ? { ...opts.env, SCC_API_URL: PLACEHOLDER_SCC_URL } : opts.env;
    const loaded = loadConfig(env);
    results.push(...checkConfiguration(loaded.ok ? [] : loaded.problems));
    if (loaded.ok) config = loaded.config;
  }
  results.push(sccUrl);
  if (!config) {
    const systems = opts.env.SLACK_APP_TOKEN ? CHECKED_SYSTEMS.flatMap((name) => (name === 'Slack' ? [name, 'Socket Mode'] : [name])) : CHECKED_SYSTEMS;
    return [...results, ...systems.map((name) => ({ status: 'warn' as const, name, detail: 'not checked: the configuration is incomplete', fix: 'fix the Configuration problems first' }))];
  }
  const cfg = config;

  const slack =
    opts.slack ??
    new WebClient(cfg.slack.botToken, {
      ...(cfg.slack.apiUrl ? { slackApiUrl: cfg.slack.apiUrl.endsWith('/') ? cfg.slack.apiUrl : `${cfg.slack.apiUrl}/` } : {}),
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      // A second past the doctor's own deadline on each call (checks.ts), which then always reports first.
      timeout: DOCTOR_CALL_TIMEOUT_MS + 1000,
      // The WebClient warns on the console for every failed request; the doctor's table says it better.
      logLevel: LogLevel.ERROR,
    });
  // One attempt, 5 s: the SDK would otherwise retry a hung endpoint (3 attempts of the app's 10 s).
  const aws = createAwsClients({ aws: cfg.aws, liveness: { connectTimeoutMs: DOCTOR_CONNECT_TIMEOUT_MS, callTimeoutMs: DOCTOR_CALL_TIMEOUT_MS, maxAttempts: 1 } }, opts.env);
  try {
    const deadline = opts.deadlineMs;
    const endAtMs = deadline === undefined ? undefined : Date.now() + deadline;
    const unfinished = (name: string): CheckResult => ({ status: 'warn', name, detail: `not finished within ${deadline} ms, the time /charter doctor has on Lambda (Slack waits 3 s for its answer)`, fix: "run `npm run doctor` with the deployment's configuration for the full check" });
    /** `p`, or what `late` says once the run's deadline has passed: one deadline for every check. */
    const inTime = <T>(p: Promise<T>, late: () => T): Promise<T> => (endAtMs === undefined ? p : settleWithin(p, endAtMs - Date.now(), late));
    const guarded = (name: string, check: () => Promise<CheckResult> | CheckResult) =>
      inTime(Promise.resolve().then(check).catch((err: unknown): CheckResult => crashed(name, err)), () => unfinished(name));
    const sccKey: Promise<CheckResult> =
      sccUrl.status === 'fail'
        ? Promise.resolve({ status: 'warn', name: 'SCC key', detail: 'not checked: SCC_API_URL is a CloudFront host', fix: 'fix SCC URL first' })
        : guarded('SCC key', () => checkSccKey(cfg));
    const store = guarded('State store', () => (opts.store ? checkStore(opts.store, cfg) : checkStoreLocation(aws, cfg)));
    const slackChecks = inTime(checkSlack(slack, cfg).catch((err: unknown): CheckResult[] => [crashed('Slack', err)]), () => [unfinished('Slack')]);
    const socketMode = inTime(checkSocketMode(cfg).catch((err: unknown): CheckResult[] => [crashed('Socket Mode', err)]), () => [unfinished('Socket Mode')]);
    // Beside the others, not after them: under a deadline they share it.
    const feedChecks = inTime(checkIcalFeeds(cfg).catch((err: unknown): CheckResult[] => [crashed('iCal feeds', err)]), () => [unfinished('iCal feeds')]);
    const [slackResults, ...rest] = await Promise.all([
      slackChecks,
      guarded('Crew posts', () => checkCrewPosts(cfg)),
      guarded('Guest contact', () => checkGuestContact(cfg)),
      guarded('Dashboard', () => checkDashboard(cfg)),
      sccKey,
      guarded('SCC key hash', () => checkSccKeyHash(cfg)),
      guarded('S3 bucket', () => checkBucket(aws, cfg)),
      guarded('CloudFront', () => checkDistribution(aws, cfg)),
      guarded('SCC events table', () => checkSccTable(aws, cfg)),
      store,
    ]);
    const [socketResults, feeds] = await Promise.all([socketMode, feedChecks]);
    return [...results, ...slackResults, ...socketResults, ...rest, ...feeds];
  } finally {
    aws.destroy();
  }
}

/**
 * A check that threw: a bug in the doctor, reported by the error's name (and code) only — a message
 * could quote a secret. The doctor logs nothing more, so LOG_LEVEL would not help.
 */
function crashed(name: string, err: unknown): CheckResult {
  const e = err as { name?: unknown; code?: unknown } | undefined;
  const what = `${typeof e?.name === 'string' ? e.name : 'Error'}${typeof e?.code === 'string' ? ` (${e.code})` : ''}`;
  return { status: 'fail', name, detail: `check crashed: ${what}`, fix: 'a bug in the doctor, not necessarily in your configuration: report this line with the charter-bot version; the other lines still hold' };
}

export function hasFailure(results: readonly CheckResult[]): boolean {
  return results.some((r) => r.status === 'fail');
}
