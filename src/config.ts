/**
 * Configuration: DESIGN's environment contract, validated with zod in one pass so an operator
 * sees every problem at once. Takes `env` as a parameter so tests never touch process.env.
 */
import { isMoneyLine } from './booking/money-detector';
import { DEFAULT_CHECKLIST, DEFAULT_WHAT_TO_BRING } from './booking/operator-defaults';
import * as z from 'zod/mini';
import { failTransform } from './zod';

const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;
const SLACK_CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;

/** Hosts that front SCC with CloudFront: its origin request function strips Authorization. */
const CLOUDFRONT_HOST = /\.cloudfront\.net$/i;

export type StoreLocation = { kind: 'sqlite'; path: string } | { kind: 'dynamodb'; table: string };

export interface Rates {
  crewRateCentsPerHour: number;
  captainRateCentsPerHour: number;
  /** Port fee in basis points of gross (1800 = 18%). */
  portFeeBasisPoints: number;
  checkInLeadMinutes: number;
}

export interface OperatorDetails {
  operatorName: string;
  vesselName: string;
  dockAddress: string;
  dockMapUrl: string;
  emergencyPhone: string;
  safetyBriefing: string;
  whatToBring: string[];
  checklist: string[];
  weatherNote: string;
  capacity: number;
}

/**
 * Deadlines and bounds that make every booking end (DESIGN "Liveness"). A step keeps retrying
 * transient failures for at most stepBudgetMs, each attempt cut at stepAttemptTimeoutMs, so a
 * booking whose outside system hangs is `failed` (with Retry) within stepBudgetMs +
 * stepAttemptTimeoutMs of the step's first attempt — 105 s with the defaults.
 */
export interface Liveness {
  /** TCP/TLS connect deadline of every outside call. */
  connectTimeoutMs: number;
  /** Deadline for an answer to one outside call attempt (HTTP headers/body, AWS SDK, Slack). */
  callTimeoutMs: number;
  /** Deadline of one step attempt; the attempt is aborted (AbortSignal) when it passes. */
  stepAttemptTimeoutMs: number;
  /** How long a step keeps retrying transient failures before it is failed (Retry button). */
  stepBudgetMs: number;
  /**
   * After a create whose outcome is unknown, no second POST until this long after it was sent —
   * only lookups. API Gateway gives up on an integration at 29 s; 35 s is past it.
   */
  createQuietMs: number;
  /** Step lease; renewed every third of it while the step runs. */
  leaseMs: number;
  /** How often every process sweeps for stalled bookings. */
  sweepEveryMs: number;
  /** Pipeline runs one process drives at once; more wait in a queue so Slack acks never starve. */
  maxConcurrentRuns: number;
}

export const DEFAULT_LIVENESS: Liveness = {
  connectTimeoutMs: 3000,
  callTimeoutMs: 10_000,
  stepAttemptTimeoutMs: 45_000,
  stepBudgetMs: 60_000,
  createQuietMs: 35_000,
  leaseMs: 15_000,
  sweepEveryMs: 5000,
  maxConcurrentRuns: 8,
};

/** The worst case from Approve (run started) to a failed step with Retry, for one hung system. */
export function failureBoundMs(l: Liveness): number {
  return l.stepBudgetMs + l.stepAttemptTimeoutMs;
}

export interface Config {
  liveness: Liveness;
  slack: {
    botToken: string;
    signingSecret?: string;
    appToken?: string;
    apiUrl?: string;
    port: number;
    approvers: string[];
    opsChannel?: string;
    crewChannel?: string;
    /** CHARTER_REQUIRE_SECOND_APPROVER: whoever created a booking (or a change) may not approve it. */
    requireSecondApprover: boolean;
  };
  dashboard: { url: string; token: string };
  scc: {
    apiUrl: string;
    serviceKey: string;
    serviceKeyHash?: string;
    serviceKeyHashAlgorithm: string;
    eventsTable: string;
    moneyAttributes: string[];
    /** A GSI on externalId in SCC's table, if its owner added one (the revenue guard then Queries instead of Scanning). */
    externalIdIndex?: string;
  };
  guest: { bucket: string; distributionId: string; siteUrl: string };
  store: StoreLocation;
  timezone: string;
  aws: { region: string };
  rates: Rates;
  operator: OperatorDetails;
  /** Booking platforms' iCal exports the watcher polls (none: the watcher is off). */
  ical: { feeds: IcalFeed[]; pollMinutes: number };
}

export interface IcalFeed {
  /** The platform's name as the operator wrote it ("Boatsetter"): shown in notices. */
  name: string;
  /** The export URL; it usually carries a private token, so it is never logged nor echoed. */
  url: string;
}

/** Variables whose values must never be echoed back, even in a validation message. */
export const SECRET_VARIABLES = [
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'DASHBOARD_TOKEN',
  'SCC_SERVICE_KEY',
  'SCC_SERVICE_KEY_HASH',
] as const;

const trim = (v: unknown) => (typeof v === 'string' ? v.trim() : v);
/** zod's preprocess (what `z.preprocess` builds in the full build): a transform piped into the schema. */
const preprocess = <T extends z.ZodMiniType>(fn: (v: unknown) => unknown, schema: T) => z.pipe(z.transform(fn), schema);
/** `schema.transform(fn)` of the full build. */
const then = <T extends z.ZodMiniType, O>(schema: T, fn: (v: z.output<T>, ctx: z.core.ParsePayload) => O) => z.pipe(schema, z.transform(fn));

const trimmed = preprocess(trim, z.string());
/** Absent (invalid_type) and empty both say what the value should look like. */
const required = (hint: string) => preprocess(trim, z.string({ error: `is required — ${hint}` }).check(z.minLength(1, `is required — ${hint}`)));
const optional = then(z.optional(trimmed), (v) => (v === '' ? undefined : v));

const httpUrl = (hint: string) =>
  z.pipe(
    required(hint),
    then(
      z.string().check(z.refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), `must be an http(s) URL — ${hint}`)),
      (v) => v.replace(/\/+$/, ''),
    ),
  );

/**
 * A site's root: the guest links are {GUEST_SITE_URL}/g/{ID}, and the distribution's rewrite
 * (src/edge/guest-rewrite.js) serves /g/ only at the root, so a path (…/charters) makes every
 * guest link a 404 that no check would otherwise catch.
 */
const siteRootUrl = (hint: string) =>
  z.pipe(
    httpUrl(hint),
    z.string().check(z.refine((v) => !URL.canParse(v) || (new URL(v).pathname === '/' && new URL(v).search === '' && new URL(v).hash === ''), `must be the site's root, with no path or query — guest links are {GUEST_SITE_URL}/g/{ID}; ${hint}`)),
  );

const optionalUrl = (hint: string) => z.pipe(optional, z.optional(z.string().check(z.refine((v) => URL.canParse(v), `must be a URL — ${hint}`))));

/** Optional, but when set an http(s) URL: a WebClient given `slack.com/api` or `ftp://…` fails every call with a fetch error. */
const optionalHttpUrl = (hint: string) =>
  z.pipe(optional, z.optional(z.string().check(z.refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), `must be an http(s) URL — ${hint}`))));

const dollars = (fallback: string, hint: string) =>
  z.pipe(
    then(optional, (v) => v ?? fallback),
    then(z.string().check(z.regex(/^\d+(\.\d{1,2})?$/, `must be a non-negative amount in dollars like 25 or 25.50 — ${hint}`)), (v) => Math.round(Number(v) * 100)),
  );

const wholeNumber = (fallback: number, min: number, max: number, hint: string) =>
  z.pipe(
    then(optional, (v) => v ?? String(fallback)),
    z.pipe(
      then(z.string().check(z.regex(/^\d+$/, `must be a whole number — ${hint}`)), Number),
      z.number().check(z.gte(min, `must be at least ${min} — ${hint}`), z.lte(max, `must be at most ${max} — ${hint}`)),
    ),
  );

const percent = (fallback: string, hint: string) =>
  z.pipe(
    then(optional, (v) => v ?? fallback),
    z.pipe(
      then(z.string().check(z.regex(/^\d+(\.\d{1,2})?$/, `must be a percentage like 18 or 17.5 — ${hint}`)), (v) => Math.round(Number(v) * 100)),
      z.number().check(z.lte(10000, `must be at most 100 — ${hint}`)),
    ),
  );

const list = (pattern: RegExp, what: string) =>
  z.pipe(
    optional,
    then(z.optional(z.string()), (v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean)).check(
      z.refine((ids) => ids.every((id) => pattern.test(id)), `must be comma-separated ${what}`),
    ),
  );

/** Checklists and packing lists: one item per line, or separated by `|` for a one-line env value. */
const items = (fallback: readonly string[]) => then(optional, (v) => (v ? v.split(/\r?\n|\|/).map((s) => s.trim()).filter(Boolean) : [...fallback]));

/** `name=url,name=url`: each name once, each URL http(s). Problems never echo a URL (they carry tokens). */
const icalFeeds = then(optional, (v, ctx): IcalFeed[] => {
  const hint = 'comma-separated name=url pairs, e.g. Boatsetter=https://www.boatsetter.com/calendar/….ics';
  const feeds: IcalFeed[] = [];
  for (const part of (v ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const at = part.indexOf('=');
    const name = at > 0 ? part.slice(0, at).trim() : '';
    const url = at > 0 ? part.slice(at + 1).trim() : '';
    if (!name || !/^[\p{L}\p{N} &._-]{1,40}$/u.test(name)) return failTransform(ctx, `must be ${hint} (a name is missing or has odd characters)`);
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) return failTransform(ctx, `must be ${hint} (the URL for ${name} is not an http(s) URL)`);
    if (feeds.some((f) => f.name.toLowerCase() === name.toLowerCase())) return failTransform(ctx, `must name each feed once (${name} appears twice)`);
    feeds.push({ name, url });
  }
  return feeds;
});

/** Canonical zone names, listed without loading the zone data a formatter would (~1 ms against ~11 ms at start-up). */
let canonicalZones: ReadonlySet<string> | undefined;

const isIanaZone = (zone: string) => {
  canonicalZones ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (canonicalZones.has(zone)) return true;
  // Aliases (US/Pacific, Asia/Calcutta) are not in the list but are valid: a formatter decides.
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/**
 * Legacy zone names that read like a region's time but hold one offset all year: with EST every
 * summer charter would be written an hour off, under the label "Eastern Time".
 */
const FIXED_US_ZONES: Record<string, string> = {
  EST: 'EST stays at UTC−5 all year (use America/New_York for Eastern time, America/Panama for no daylight saving)',
  MST: 'MST stays at UTC−7 all year (use America/Denver for Mountain time, America/Phoenix for Arizona)',
  HST: 'HST stays at UTC−10 all year (use Pacific/Honolulu)',
};

const envSchema = z
  .object({
    SLACK_BOT_TOKEN: z.pipe(required('the bot token, xoxb-…'), z.string().check(z.startsWith('xoxb-', 'must start with xoxb-'))),
    SLACK_SIGNING_SECRET: optional,
    SLACK_APP_TOKEN: z.pipe(optional, z.optional(z.string().check(z.startsWith('xapp-', 'must start with xapp- — the app-level token (Basic Information → App-Level Tokens, scope connections:write), not the xoxb- bot token')))),
    SLACK_API_URL: optionalHttpUrl('the Slack Web API base, e.g. https://slack.com/api/ (leave unset for Slack itself)'),
    PORT: wholeNumber(3000, 0, 65535, 'the HTTP port'),
    CHARTER_APPROVERS: list(SLACK_USER_ID, 'Slack user IDs like U012ABCDEF').check(
      z.refine((ids) => ids.length > 0, 'is required — comma-separated Slack user IDs allowed to approve, e.g. U012ABCDEF,U034GHIJKL'),
    ),
    CHARTER_OPS_CHANNEL: z.pipe(optional, z.optional(z.string().check(z.regex(SLACK_CHANNEL_ID, 'must be a channel ID like C012ABCDEF')))),
    CHARTER_CREW_CHANNEL: z.pipe(optional, z.optional(z.string().check(z.regex(SLACK_CHANNEL_ID, 'must be a channel ID like C012ABCDEF')))),
    CHARTER_REQUIRE_SECOND_APPROVER: z.pipe(
      then(optional, (v) => (v ?? 'false').toLowerCase()),
      then(z.enum(['true', 'false'], { error: 'must be true or false — true: whoever created a booking may not approve it' }), (v) => v === 'true'),
    ),
    DASHBOARD_URL: httpUrl('the JADA dashboard Lambda base URL'),
    DASHBOARD_TOKEN: required('the X-Dashboard-Token value'),
    SCC_API_URL: httpUrl('the SCC API Gateway URL, https://{id}.execute-api.{region}.amazonaws.com/{stage}'),
    SCC_SERVICE_KEY: required('the SCC service key'),
    SCC_SERVICE_KEY_HASH: optional,
    SCC_SERVICE_KEY_HASH_ALGORITHM: then(optional, (v) => v ?? 'sha256'),
    // Read by the logger (src/log.ts), checked here so a typo is one line of the list, not pino's throw.
    LOG_LEVEL: z.pipe(optional, z.optional(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'must be one of fatal, error, warn, info, debug, trace, silent' }))),
    SCC_EVENTS_TABLE: required("SCC's DynamoDB events table name"),
    SCC_EVENTS_EXTERNAL_ID_INDEX: optional,
    SCC_MONEY_ATTRIBUTES: then(optional, (v) =>
      v
        ? v.split(',').map((s) => s.trim()).filter(Boolean)
        : ['captainFee', 'captainCost', 'crewCost', 'crewPay', 'revenue', 'netRevenue', 'gross', 'grossRevenue', 'price', 'portFees', 'portFee', 'net', 'cost', 'costs', 'totalCost'],
    ),
    GUEST_BUCKET: required('the S3 bucket that holds guest pages, e.g. queenofsandiego.com'),
    GUEST_DISTRIBUTION_ID: required('the CloudFront distribution ID in front of the bucket, e.g. E1ABCDEF2GHIJK'),
    GUEST_SITE_URL: siteRootUrl('the public base URL, e.g. https://queenofsandiego.com'),
    CHARTER_STORE: z.pipe(
      then(optional, (v) => v ?? 'sqlite:./data/charter.db'),
      z.string().check(z.regex(/^(sqlite:.+|dynamodb:[A-Za-z0-9_.-]{3,255})$/, 'must be sqlite:PATH or dynamodb:TABLE')),
    ),
    CHARTER_TIMEZONE: z.pipe(
      then(optional, (v) => v ?? 'America/Los_Angeles'),
      z.string().check(
        z.refine(isIanaZone, 'must be an IANA time zone like America/Los_Angeles'),
        z.refine((zone) => !FIXED_US_ZONES[zone.toUpperCase()], { error: (issue) => `must name a place, not ${String(issue.input)}: ${FIXED_US_ZONES[String(issue.input).toUpperCase()]}` }),
      ),
    ),
    AWS_REGION: then(optional, (v) => v ?? 'us-west-2'),
    CHARTER_CREW_RATE: dollars('25', 'crew pay per hour'),
    CHARTER_CAPTAIN_RATE: dollars('50', 'captain pay per hour'),
    CHARTER_PORT_FEE_PERCENT: percent('18', 'port fee as a percentage of the charter price'),
    CHARTER_CHECKIN_LEAD_MINUTES: wholeNumber(30, 0, 240, 'minutes before departure guests check in'),
    CHARTER_CAPACITY: wholeNumber(6, 1, 150, 'the most guests the vessel may carry'),
    CHARTER_ICAL_FEEDS: icalFeeds,
    CHARTER_ICAL_POLL_MINUTES: wholeNumber(15, 1, 1440, 'minutes between polls of the iCal feeds'),
    CHARTER_OPERATOR_NAME: then(optional, (v) => v ?? 'Queen of San Diego Charters'),
    CHARTER_VESSEL_NAME: then(optional, (v) => v ?? 'JADA'),
    CHARTER_DOCK_ADDRESS: then(optional, (v) => v ?? 'Harbor Island West Marina, 2040 Harbor Island Dr, San Diego, CA 92101'),
    CHARTER_DOCK_MAP_URL: optionalUrl('a map link for the dock'),
    CHARTER_EMERGENCY_PHONE: then(optional, (v) => v ?? PLACEHOLDER_EMERGENCY_PHONE),
    CHARTER_SAFETY_BRIEFING: then(
      optional,
      (v) =>
        v ??
        'Your captain gives a short safety briefing before we leave the dock: life jackets, where the safety gear is, and how to move around the boat under way. Please keep one hand for the boat, and tell the captain about any medical condition.',
    ),
    CHARTER_WHAT_TO_BRING: items(DEFAULT_WHAT_TO_BRING),
    CHARTER_CHECKLIST: items(DEFAULT_CHECKLIST),
    CHARTER_CONNECT_TIMEOUT_MS: wholeNumber(DEFAULT_LIVENESS.connectTimeoutMs, 50, 60_000, 'connect deadline of outside calls, in ms'),
    CHARTER_CALL_TIMEOUT_MS: wholeNumber(DEFAULT_LIVENESS.callTimeoutMs, 50, 120_000, 'answer deadline of one outside call, in ms'),
    CHARTER_STEP_TIMEOUT_MS: wholeNumber(DEFAULT_LIVENESS.stepAttemptTimeoutMs, 100, 900_000, 'deadline of one step attempt, in ms'),
    CHARTER_STEP_BUDGET_MS: wholeNumber(DEFAULT_LIVENESS.stepBudgetMs, 0, 3_600_000, 'how long a step retries transient failures, in ms'),
    CHARTER_CREATE_QUIET_MS: wholeNumber(DEFAULT_LIVENESS.createQuietMs, 0, 900_000, 'no second create POST until this long after an unanswered one, in ms'),
    CHARTER_LEASE_MS: wholeNumber(DEFAULT_LIVENESS.leaseMs, 300, 600_000, 'step lease, in ms'),
    CHARTER_SWEEP_MS: wholeNumber(DEFAULT_LIVENESS.sweepEveryMs, 50, 600_000, 'how often stalled bookings are swept, in ms'),
    CHARTER_MAX_CONCURRENT_RUNS: wholeNumber(DEFAULT_LIVENESS.maxConcurrentRuns, 1, 1000, 'pipeline runs one process drives at once'),
    CHARTER_WEATHER_NOTE: then(
      optional,
      (v) =>
        v ??
        'We sail in most weather. If the captain cancels for safety (small craft advisory, lightning, fog), we reschedule or refund in full. We will call you before departure if plans change.',
    ),
  });

/**
 * Every variable the configuration reads. infra/template.yaml passes each one to the Lambda
 * functions or names it as meaningless there (a test holds the two together).
 */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

type Env = Record<string, string | undefined>;

/** Operator settings shown to guests and crew (guest page, crew posts, SCC event). */
/**
 * The emergency phone when none is set: a fictional 555 number, so the sandbox and tests have one.
 * A deployment that keeps it offers guests a dead number on the day; the doctor warns of it.
 */
export const PLACEHOLDER_EMERGENCY_PHONE = '+1 619 555 0142';

const GUEST_FACING_SETTINGS = ['CHARTER_OPERATOR_NAME', 'CHARTER_VESSEL_NAME', 'CHARTER_DOCK_ADDRESS', 'CHARTER_EMERGENCY_PHONE', 'CHARTER_SAFETY_BRIEFING', 'CHARTER_WHAT_TO_BRING', 'CHARTER_CHECKLIST', 'CHARTER_WEATHER_NOTE'] as const;

/** Rules that read several variables; checked on the raw values so they report even when others fail. */
function crossFieldProblems(env: Env): string[] {
  const problems: string[] = [];
  const value = (name: string) => env[name]?.trim() || undefined;
  if (!value('SLACK_APP_TOKEN') && !value('SLACK_SIGNING_SECRET')) {
    problems.push("SLACK_SIGNING_SECRET is required in HTTP mode — the app's Signing Secret (or set SLACK_APP_TOKEN for Socket Mode)");
  }
  const scc = value('SCC_API_URL');
  if (scc && URL.canParse(scc)) {
    const sccHost = new URL(scc).hostname;
    const guest = value('GUEST_SITE_URL');
    const guestHost = guest && URL.canParse(guest) ? new URL(guest).hostname : undefined;
    if (CLOUDFRONT_HOST.test(sccHost) || sccHost === guestHost) {
      problems.push(
        'SCC_API_URL points at CloudFront — its origin request function strips the Authorization header; use the API Gateway URL (https://{id}.execute-api.{region}.amazonaws.com/{stage})',
      );
    }
  }
  // With one approver the rule leaves every booking that approver creates unapprovable: it would sit
  // in "Needs an approver other than you" until its departure expired it.
  const approvers = new Set((value('CHARTER_APPROVERS') ?? '').split(',').map((id) => id.trim()).filter(Boolean));
  if (value('CHARTER_REQUIRE_SECOND_APPROVER')?.toLowerCase() === 'true' && approvers.size === 1) {
    problems.push('CHARTER_REQUIRE_SECOND_APPROVER=true needs at least two CHARTER_APPROVERS — with one, nobody may approve the bookings that approver creates; add a second approver or set it to false');
  }
  if (value('CHARTER_ICAL_FEEDS') && !value('CHARTER_OPS_CHANNEL')) {
    problems.push('CHARTER_OPS_CHANNEL is required with CHARTER_ICAL_FEEDS — the channel where new-booking and feed notices go, e.g. C012ABCDEF');
  }
  // Guests and crew read these on the guest page, crew posts and the SCC event, which refuse money
  // just before publishing (src/integrations/money-guard.ts): an amount here would fail every
  // booking's guest page, so it is refused at start, where the operator is looking.
  for (const name of GUEST_FACING_SETTINGS) {
    const line = value(name)?.split(/\r?\n|\|/).map((l) => l.trim()).find((l) => isMoneyLine(l));
    if (line !== undefined) problems.push(`${name} states an amount of money ("${line.length > 80 ? `${line.slice(0, 77)}…` : line}"): guests and crew read it, and no money may reach them — take the amount out`);
  }
  // Lambda's disk is per instance and temporary, and the pipeline runs in another function: only
  // a shared table keeps one booking's state (and its step claims) consistent across them.
  const store = value('CHARTER_STORE');
  if (value('AWS_LAMBDA_FUNCTION_NAME') && !store?.startsWith('dynamodb:')) {
    problems.push('CHARTER_STORE must be dynamodb:TABLE on AWS Lambda — a SQLite file does not survive the instance nor reach the pipeline function');
  }
  return problems;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

/** Parses the environment. Problems name the variable and what it should look like — never its value. */
export function loadConfig(env: Env): ConfigResult {
  const parsed = envSchema.safeParse(env);
  const crossField = crossFieldProblems(env);
  if (!parsed.success || crossField.length > 0) {
    const problems = (parsed.success ? [] : parsed.error.issues).map((issue) => {
      const variable = String(issue.path[0] ?? 'environment');
      const missing = env[variable] === undefined || env[variable]?.trim() === '';
      const message = issue.code === 'invalid_type' && missing && !issue.message.startsWith('is required') ? 'is required' : issue.message;
      return `${variable} ${message}`;
    });
    return { ok: false, problems: [...new Set([...problems, ...crossField])].sort() };
  }
  if (!parsed.success) return { ok: false, problems: ['environment could not be read'] };
  const e = parsed.data;
  const store = e.CHARTER_STORE.startsWith('sqlite:')
    ? ({ kind: 'sqlite', path: e.CHARTER_STORE.slice('sqlite:'.length) } as const)
    : ({ kind: 'dynamodb', table: e.CHARTER_STORE.slice('dynamodb:'.length) } as const);
  return {
    ok: true,
    config: {
      liveness: {
        connectTimeoutMs: e.CHARTER_CONNECT_TIMEOUT_MS,
        callTimeoutMs: e.CHARTER_CALL_TIMEOUT_MS,
        stepAttemptTimeoutMs: e.CHARTER_STEP_TIMEOUT_MS,
        stepBudgetMs: e.CHARTER_STEP_BUDGET_MS,
        createQuietMs: e.CHARTER_CREATE_QUIET_MS,
        leaseMs: e.CHARTER_LEASE_MS,
        sweepEveryMs: e.CHARTER_SWEEP_MS,
        maxConcurrentRuns: e.CHARTER_MAX_CONCURRENT_RUNS,
      },
      slack: {
        botToken: e.SLACK_BOT_TOKEN,
        signingSecret: e.SLACK_SIGNING_SECRET,
        appToken: e.SLACK_APP_TOKEN,
        apiUrl: e.SLACK_API_URL,
        port: e.PORT,
        approvers: e.CHARTER_APPROVERS,
        opsChannel: e.CHARTER_OPS_CHANNEL,
        crewChannel: e.CHARTER_CREW_CHANNEL,
        requireSecondApprover: e.CHARTER_REQUIRE_SECOND_APPROVER,
      },
      dashboard: { url: e.DASHBOARD_URL, token: e.DASHBOARD_TOKEN },
      scc: {
        apiUrl: e.SCC_API_URL,
        serviceKey: e.SCC_SERVICE_KEY,
        serviceKeyHash: e.SCC_SERVICE_KEY_HASH,
        serviceKeyHashAlgorithm: e.SCC_SERVICE_KEY_HASH_ALGORITHM,
        eventsTable: e.SCC_EVENTS_TABLE,
        moneyAttributes: e.SCC_MONEY_ATTRIBUTES,
        ...(e.SCC_EVENTS_EXTERNAL_ID_INDEX ? { externalIdIndex: e.SCC_EVENTS_EXTERNAL_ID_INDEX } : {}),
      },
      guest: { bucket: e.GUEST_BUCKET, distributionId: e.GUEST_DISTRIBUTION_ID, siteUrl: e.GUEST_SITE_URL },
      store,
      timezone: e.CHARTER_TIMEZONE,
      aws: { region: e.AWS_REGION },
      rates: {
        crewRateCentsPerHour: e.CHARTER_CREW_RATE,
        captainRateCentsPerHour: e.CHARTER_CAPTAIN_RATE,
        portFeeBasisPoints: e.CHARTER_PORT_FEE_PERCENT,
        checkInLeadMinutes: e.CHARTER_CHECKIN_LEAD_MINUTES,
      },
      operator: {
        operatorName: e.CHARTER_OPERATOR_NAME,
        vesselName: e.CHARTER_VESSEL_NAME,
        dockAddress: e.CHARTER_DOCK_ADDRESS,
        dockMapUrl:
          e.CHARTER_DOCK_MAP_URL ?? `https://maps.google.com/?q=${encodeURIComponent(e.CHARTER_DOCK_ADDRESS)}`,
        emergencyPhone: e.CHARTER_EMERGENCY_PHONE,
        safetyBriefing: e.CHARTER_SAFETY_BRIEFING,
        whatToBring: e.CHARTER_WHAT_TO_BRING,
        checklist: e.CHARTER_CHECKLIST,
        weatherNote: e.CHARTER_WEATHER_NOTE,
        capacity: e.CHARTER_CAPACITY,
      },
      ical: { feeds: e.CHARTER_ICAL_FEEDS, pollMinutes: e.CHARTER_ICAL_POLL_MINUTES },
    },
  };
}

/** What placing a charter in time needs (check-in, departure, their labels): the operator's zone and check-in lead. */
export function charterTimeSettings(config: Config): { timezone: string; checkInLeadMinutes: number } {
  return { timezone: config.timezone, checkInLeadMinutes: config.rates.checkInLeadMinutes };
}

/** Every secret value present in a config, for scrubbing free text (error messages, logs). */
export function secretValues(config: Config): string[] {
  return [
    config.slack.botToken,
    config.slack.signingSecret,
    config.slack.appToken,
    config.dashboard.token,
    config.scc.serviceKey,
    config.scc.serviceKeyHash,
    ...config.ical.feeds.map((f) => f.url),
  ].filter((v): v is string => typeof v === 'string' && v.length >= 4);
}

export function formatConfigProblems(problems: string[]): string {
  return [
    `charter-bot cannot start: ${problems.length} configuration problem${problems.length === 1 ? '' : 's'}:`,
    ...problems.map((p) => `  • ${p}`),
    'See README.md → Configuration for every variable.',
  ].join('\n');
}
