/**
 * `npm run sandbox`: the whole product on one machine with no accounts. Starts every stand-in on
 * loopback, builds the bot's Config through loadConfig from an environment that differs from
 * production only in endpoints and credentials, starts the bot in HTTP mode, and drives one sample
 * booking through real signed Slack requests while printing what the bot posts.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteBucketCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DateTime } from 'luxon';
import type { DestinationStream } from 'pino';
import { startApp, type RunningApp } from '../app';
import { createSlackFetch } from '../slack/slack-fetch';
import { loadConfig, formatConfigProblems, secretValues, type Config } from '../config';
import { createAwsClients, type AwsClients } from '../integrations/aws-clients';
import { createLogger } from '../log';
import { openStore } from '../pipeline/open-store';
import type { BookingStore } from '../pipeline/store';
import { CREW_CHANNEL_POST_KEY, type BookingRecord } from '../pipeline/types';
import { answerValue } from '../slack/blocks/crew';
import { blocksToText } from '../slack/blocks/to-text';
import { ThreadPrinter } from './printer';
import { DEFAULT_TEST_USERS, startSlackApiStandin, type RecordedSlackCall, type SlackApiStandin } from './slack-api-standin';
import { appHomeOpenedEvent, blockActionPayload, bookingModalState, SlackRequester, userChangeEvent, viewSubmissionPayload } from './slack-requests';
import { startStandins, type Standins } from './standins';

export const APPROVER = 'U0APPROVE1';
export const CAPTAIN = 'U0CAPTAIN1';
export const CREW = ['U0CREW0001', 'U0CREW0002'] as const;
export const OPS_CHANNEL = 'C0OPS00001';
export const ORIGIN_CHANNEL = 'C0ORIGIN01';
const CHANNEL_NAMES: Record<string, string> = { [OPS_CHANNEL]: 'charter-ops', [ORIGIN_CHANNEL]: 'charters' };

/** Steps whose stand-in can be made to fail permanently (and then healed) with `--fail`. */
export const FAILABLE_STEPS = ['calendar', 'scc_event', 'guest_page', 'guest_cache'] as const;
export type FailableStep = (typeof FAILABLE_STEPS)[number];

export interface SandboxOptions {
  /** Keep state here instead of a temp folder removed on close. */
  dataDir?: string;
  store?: 'sqlite' | 'dynamodb';
  failStep?: FailableStep;
  /** Socket Mode against a real workspace (SLACK_BOT_TOKEN, SLACK_APP_TOKEN, CHARTER_APPROVERS from `slackEnv`). */
  realSlack?: { env: Record<string, string | undefined> };
  write: (text: string) => void;
  /** Where the bot's own log lines go (warnings and errors only); default stderr. */
  logDestination?: DestinationStream;
  /** More environment for the bot, e.g. CHARTER_ICAL_FEEDS for `--ical`. */
  extraEnv?: Record<string, string>;
}

export interface Sandbox {
  config: Config;
  env: Record<string, string>;
  standins: Standins;
  /** Undefined with real Slack. */
  slack?: SlackApiStandin;
  running: RunningApp;
  store: BookingStore;
  aws: AwsClients;
  signingSecret: string;
  startMs: number;
  close(): Promise<void>;
}

export class SandboxError extends Error {
  override name = 'SandboxError';
}

export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const startMs = Date.now();
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  try {
    const ownsDir = opts.dataDir === undefined;
    const dir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'charter-sandbox-'));
    mkdirSync(dir, { recursive: true });
    if (ownsDir) closers.push(async () => rmSync(dir, { recursive: true, force: true }));
    const persistent = opts.dataDir !== undefined;
    if (persistent) {
      mkdirSync(join(dir, 's3'), { recursive: true });
      mkdirSync(join(dir, 'dynamodb'), { recursive: true });
    }

    const standins = await startStandins(persistent ? { s3Directory: join(dir, 's3'), dynamodbPath: join(dir, 'dynamodb') } : {});
    closers.push(standins.close);
    const slack = opts.realSlack ? undefined : await startSlackApiStandin();
    if (slack) closers.push(slack.close);

    const signingSecret = randomBytes(16).toString('hex');
    const slackEnv: Record<string, string> = opts.realSlack
      ? pick(opts.realSlack.env, ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'CHARTER_APPROVERS', 'CHARTER_OPS_CHANNEL', 'CHARTER_CREW_CHANNEL'])
      : {
          SLACK_BOT_TOKEN: 'xoxb-sandbox',
          SLACK_SIGNING_SECRET: signingSecret,
          SLACK_API_URL: slack?.url ?? '',
          CHARTER_APPROVERS: APPROVER,
          CHARTER_OPS_CHANNEL: OPS_CHANNEL,
        };
    const env: Record<string, string> = {
      ...standins.env,
      ...slackEnv,
      PORT: '0',
      CHARTER_STORE: opts.store === 'dynamodb' ? 'dynamodb:charter-sandbox' : `sqlite:${join(dir, 'charter.db')}`,
      CHARTER_TIMEZONE: 'America/Los_Angeles',
      ...opts.extraEnv,
    };
    const loaded = loadConfig(env);
    if (!loaded.ok) throw new SandboxError(formatConfigProblems(loaded.problems));
    const config = loaded.config;

    const aws = createAwsClients(config, env);
    closers.push(async () => aws.destroy());
    const log = createLogger({ level: 'warn', secretValues: secretValues(config), destination: opts.logDestination ?? process.stderr, pretty: false });
    // The sandbox creates its own DynamoDB state table; production tables are made on purpose.
    const store = await openStore(config.store, { dynamodb: aws.dynamodb, createTable: true, log });
    closers.push(() => store.close());

    const running = await startApp(config, {
      log,
      env,
      store,
      host: '127.0.0.1',
      slackClientOptions: { retryConfig: { retries: 0 } },
      // The server's Slack transport (src/main.ts), so the sandbox runs what production runs.
      slackFetch: createSlackFetch({ timeoutMs: config.liveness.callTimeoutMs }),
      progressMinIntervalMs: 150,
      runner: { baseDelayMs: 50, maxDelayMs: 1000 },
    });
    closers.push(() => running.stop());

    if (slack) {
      const users = new Map(DEFAULT_TEST_USERS.map((u) => [u.id, u.realName]));
      const printer = new ThreadPrinter({ write: opts.write, startMs, users, channels: CHANNEL_NAMES });
      slack.onCall((call: RecordedSlackCall) => printer.print(call));
    }
    return { config, env, standins, ...(slack ? { slack } : {}), running, store, aws, signingSecret, startMs, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

function pick(env: Record<string, string | undefined>, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = env[n];
    if (v !== undefined && v !== '') out[n] = v;
  }
  return out;
}

/** A charter ten days out (inside the App Home's 14 days): $1,200, 5 hours, captain 3 h, two deckhands 5 h each → $584.00 net. */
export function sampleBooking(nowMs: number, timezone: string): Record<string, string | string[]> {
  return {
    guestName: 'Maria Delgado',
    guestEmail: 'maria@example.com',
    guestPhone: '+1 619 555 0100',
    date: DateTime.fromMillis(nowMs, { zone: timezone }).plus({ days: 10 }).toISODate() ?? '',
    departureTime: '16:00',
    durationHours: '5',
    partySize: '6',
    priceCents: '1200',
    captain: CAPTAIN,
    crew: [...CREW],
    crewHours: '5',
    captainHours: '3',
    boatsetterRef: 'BS-48213',
    notes: 'Birthday sunset sail; owner split 70/30',
    crewNotes: 'Birthday sunset sail: bring ice and the banner',
  };
}

export interface DriveResult {
  bookingId: string;
  booking: BookingRecord;
  guestUrl: string;
}

/** Injects a permanent failure into the step's stand-in; returns how to heal it. */
async function injectFailure(sb: Sandbox, step: FailableStep): Promise<() => Promise<void>> {
  const { standins } = sb;
  switch (step) {
    case 'calendar':
      standins.dashboard.faults.inject('POST /calendar', { kind: 'unauthorized' });
      return async () => standins.dashboard.faults.clear();
    case 'scc_event':
      standins.scc.faults.inject('POST /events', { kind: 'unauthorized' });
      return async () => standins.scc.faults.clear();
    case 'guest_page': {
      // The bucket disappears (NoSuchBucket: not retryable), then is created again.
      try {
        await sb.aws.s3.send(new DeleteBucketCommand({ Bucket: sb.config.guest.bucket }));
      } catch (err) {
        if ((err as { name?: string }).name === 'BucketNotEmpty') throw new SandboxError('--fail guest_page removes the bucket, which needs it empty: run it without --data');
        throw err;
      }
      return async () => void (await sb.aws.s3.send(new CreateBucketCommand({ Bucket: sb.config.guest.bucket })));
    }
    case 'guest_cache':
      standins.cloudfront.faults.inject('*', {
        kind: 'status',
        status: 403,
        body: '<?xml version="1.0"?><ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform cloudfront:CreateInvalidation</Message></Error></ErrorResponse>',
      });
      return async () => standins.cloudfront.faults.clear();
  }
}

/** Polls `probe` until it gives a value, or fails the sandbox run naming what it waited for. */
export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new SandboxError(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Returns once no Slack call has arrived for `quietMs` (so the last updates are printed before the summary). */
async function quiet(slack: SlackApiStandin, quietMs = 250, maxMs = 3000): Promise<void> {
  const start = Date.now();
  let seen = slack.calls.length;
  let since = Date.now();
  while (Date.now() - start < maxMs) {
    await new Promise((r) => setTimeout(r, 50));
    if (slack.calls.length !== seen) {
      seen = slack.calls.length;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
  }
}

/** /charter → modal → submit → Approve → pipeline (→ Retry when a failure was injected) → crew confirm. */
export async function driveSampleBooking(sb: Sandbox, opts: { failStep?: FailableStep; write: (text: string) => void }): Promise<DriveResult> {
  const slack = sb.slack;
  if (!slack || !sb.running.url) throw new SandboxError('driving needs the local Slack stand-in and the HTTP receiver');
  const requester = new SlackRequester({ url: sb.running.url, signingSecret: sb.signingSecret });
  const api = sb.running.built.api;
  const step = (text: string) => opts.write(`\n▶ ${text}\n`);

  step(`/charter in #${CHANNEL_NAMES[ORIGIN_CHANNEL]} by Olivia Approver`);
  const opened = await requester.command({ user_id: APPROVER, channel_id: ORIGIN_CHANNEL });
  if (opened.status !== 200) throw new SandboxError(`/charter answered HTTP ${opened.status}`);
  await slack.waitFor((calls) => calls.some((c) => c.method === 'views.open'), 5000);
  const modal = slack.callsTo('views.open').at(-1)?.body.view as { private_metadata?: string } | undefined;

  step('submit the booking form (Maria Delgado, party of 6, $1,200, 5 h, ten days out)');
  const fields = sampleBooking(Date.now(), sb.config.timezone);
  const submitted = await requester.interact(viewSubmissionPayload({ userId: APPROVER, values: bookingModalState(fields), privateMetadata: modal?.private_metadata ?? '' }));
  if (submitted.status !== 200) throw new SandboxError(`the modal submission answered HTTP ${submitted.status}`);
  if (submitted.text) throw new SandboxError(`the modal refused the sample booking: ${submitted.text}`);
  const approval = await until('the approval message', 5000, async () =>
    slack.callsTo('chat.postMessage').find((c) => JSON.stringify(c.body.blocks ?? []).includes('booking_approve')),
  );
  const bookingId = (approval.body.metadata as { event_payload?: { booking_id?: string } } | undefined)?.event_payload?.booking_id;
  if (!bookingId) throw new SandboxError('the approval message carries no booking id');
  const approvalTs = await until('the approval message to be saved', 5000, async () => (await api.get(bookingId))?.slack.approvalTs);

  const heal = opts.failStep ? await injectFailure(sb, opts.failStep) : undefined;
  if (opts.failStep) opts.write(`\n⚡ injected a permanent failure into ${opts.failStep}'s stand-in\n`);

  step('Approve, clicked by Olivia Approver');
  await requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'booking_approve', value: bookingId, channelId: OPS_CHANNEL, messageTs: approvalTs }));

  if (heal && opts.failStep) {
    const failedStep = opts.failStep;
    const failed = await until(`${failedStep} to fail`, 20_000, async () => {
      const b = await api.get(bookingId);
      if (b?.state === 'done') throw new SandboxError(`${failedStep} did not fail although its stand-in was broken`);
      return b?.state === 'failed' ? b : undefined;
    });
    await sb.running.built.progress.idle();
    await quiet(slack);
    const err = failed.steps[failedStep].error;
    await heal();
    step(`fault cleared (${failedStep} had failed with ${err?.code ?? 'an error'}); Retry, clicked by Olivia Approver`);
    await requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'booking_retry', value: bookingId, channelId: OPS_CHANNEL, messageTs: failed.slack.progressTs ?? approvalTs }));
  }

  const finished = await until('the pipeline to finish', 30_000, async () => {
    const b = await api.get(bookingId);
    return b && (b.state === 'done' || b.state === 'failed' || b.state === 'cancelled') ? b : undefined;
  });
  await sb.running.built.service.idle();
  await sb.running.built.progress.idle();
  await quiet(slack);
  if (finished.state !== 'done') {
    const failedSteps = Object.entries(finished.steps).filter(([, s]) => s.status === 'failed').map(([name, s]) => `${name}: ${s.error?.code ?? '?'} — ${s.error?.message ?? ''}`);
    throw new SandboxError(`booking ${bookingId} ended ${finished.state}${failedSteps.length ? ` (${failedSteps.join('; ')})` : ''}`);
  }

  for (const member of finished.roster) {
    step(`Confirm, clicked by ${member.name} (${member.role})`);
    // The button sits in the member's own DM (or the crew channel post when CHARTER_CREW_CHANNEL is set).
    const post = finished.slack.crewPosts?.[member.slackUserId] ?? finished.slack.crewPosts?.[CREW_CHANNEL_POST_KEY];
    const res = await requester.interact(blockActionPayload({ userId: member.slackUserId, actionId: `crew_confirm:${member.slackUserId}`, value: answerValue(bookingId, member.slackUserId, finished.callRevisions?.[member.slackUserId]), channelId: post?.channel ?? OPS_CHANNEL, ...(post ? { messageTs: post.ts } : {}) }));
    if (res.status !== 200) throw new SandboxError(`${member.name}'s Confirm answered HTTP ${res.status}`);
  }
  const confirmed = await until('every crew confirmation', 10_000, async () => {
    const b = await api.get(bookingId);
    return b && b.roster.every((m) => b.confirmations[m.slackUserId] !== undefined) ? b : undefined;
  });
  // The confirmations' progress update is paced a second after the one before, so after a Retry's
  // recent update it can be asked for after the publisher went idle and sent after Slack went quiet:
  // the summary would then print before the thread shows who confirmed.
  await until('the progress message to show every confirmation', 10_000, async () => {
    await sb.running.built.progress.idle();
    const progress = slack.messages(OPS_CHANNEL).find((m) => m.ts === confirmed.slack.progressTs);
    if (!progress) return true;
    const lines = blocksToText(progress.blocks).split('\n');
    return confirmed.roster.every((m) => lines.some((l) => l.includes(`<@${m.slackUserId}>`) && l.includes(':white_check_mark: confirmed'))) ? true : undefined;
  });
  await quiet(slack);

  // The Home tab as an approver and as a deckhand read it (printed like the thread).
  const deckhand = confirmed.roster.find((m) => m.role === 'crew');
  for (const viewer of [{ id: APPROVER, name: 'Olivia Approver' }, ...(deckhand ? [{ id: deckhand.slackUserId, name: deckhand.name }] : [])]) {
    step(`${viewer.name} opens charter-bot's Home tab`);
    const res = await requester.event(appHomeOpenedEvent({ userId: viewer.id }));
    if (res.status !== 200) throw new SandboxError(`app_home_opened answered HTTP ${res.status}`);
    await sb.running.built.home.idle();
    await quiet(slack);
  }
  return { bookingId, booking: confirmed, guestUrl: `${sb.config.guest.siteUrl}/g/${bookingId}` };
}

/** What each outside system received, read back from the stand-ins themselves. */
export async function summarize(sb: Sandbox, result: DriveResult): Promise<string> {
  const lines: string[] = ['', '════ Summary ════'];
  const { booking } = result;
  lines.push(`booking ${booking.id}: ${booking.state}; confirmed by ${booking.roster.filter((m) => booking.confirmations[m.slackUserId] !== undefined).map((m) => m.name).join(', ')}`);
  for (const e of sb.standins.dashboard.entries().filter((x) => x.externalId === booking.id)) lines.push(`dashboard calendar  entry ${e.id}: "${String(e.body.title ?? '')}"`);
  for (const e of sb.standins.scc.events().filter((x) => x.externalId === booking.id)) lines.push(`SCC                 event ${e.eventId} (externalId ${e.externalId})`);
  const guard = booking.steps.revenue_guard.result;
  if (guard) {
    lines.push(`revenue guard       removed ${String(guard.removedAttributes ?? 0)} money attribute(s) and ${String(guard.removedNoteLines ?? 0)} money line(s) from ${String(guard.items ?? 1)} SCC item(s); verified clean: ${String(guard.verified)}`);
  }
  const listed = await sb.aws.s3.send(new ListObjectsV2Command({ Bucket: sb.config.guest.bucket, Prefix: `jada-guest-${booking.id.toLowerCase()}.` }));
  for (const o of listed.Contents ?? []) {
    const head = await sb.aws.s3.send(new HeadObjectCommand({ Bucket: sb.config.guest.bucket, Key: o.Key }));
    lines.push(`S3                  s3://${sb.config.guest.bucket}/${o.Key} (${o.Size ?? 0} bytes, ${head.ContentType ?? '?'})`);
  }
  for (const inv of sb.standins.cloudfront.invalidations().filter((i) => i.callerReference.startsWith(booking.id))) lines.push(`CloudFront          invalidation ${inv.id} on ${inv.distributionId}: ${inv.paths.join(', ')}`);
  if (sb.slack) {
    const counts = new Map<string, number>();
    for (const c of sb.slack.calls) counts.set(c.method, (counts.get(c.method) ?? 0) + 1);
    lines.push(`Slack Web API       ${[...counts].map(([m, n]) => `${m} ×${n}`).join(', ')}`);
  }
  const page = await fetch(result.guestUrl);
  const html = await page.text();
  lines.push(`guest page          ${result.guestUrl} → ${page.status} ${page.headers.get('content-type') ?? ''}, ${Buffer.byteLength(html)} bytes`);
  return lines.join('\n');
}

/** The artifacts of one booking as the outside systems hold them now — printed after each lifecycle step. */
export async function artifactsReport(sb: Sandbox, bookingId: string, title: string): Promise<string> {
  const booking = await sb.running.built.api.get(bookingId);
  if (!booking) throw new SandboxError(`booking ${bookingId} vanished`);
  const lines = ['', `──── Artifacts ${title} (booking ${bookingId}: ${booking.state}, revision ${booking.revision ?? 1}) ────`];
  const entries = sb.standins.dashboard.entries().filter((e) => e.externalId === bookingId);
  for (const e of entries) lines.push(`dashboard calendar  entry ${e.id}: ${String(e.body.start ?? '')} – ${String(e.body.end ?? '')} "${String(e.body.title ?? '')}"`);
  for (const e of sb.standins.dashboard.deleted().filter((x) => x.externalId === bookingId)) lines.push(`dashboard calendar  entry ${e.id}: deleted`);
  for (const e of sb.standins.scc.events().filter((x) => x.externalId === bookingId)) {
    lines.push(`SCC                 event ${e.eventId}: ${String(e.body.date ?? '')} departs ${String(e.body.departureTime ?? '')}, status ${String(e.body.status ?? 'scheduled')}, ${sb.standins.scc.patches().filter((p) => p.eventId === e.eventId).length} PATCH(es)`);
  }
  const changes = sb.standins.dashboard.changes().filter((c) => entries.some((e) => e.id === c.id) || sb.standins.dashboard.deleted().some((d) => d.id === c.id && d.externalId === bookingId));
  lines.push(`dashboard changes   ${changes.map((c) => c.method).join(', ') || 'none'}`);
  const page = await fetch(`${sb.config.guest.siteUrl}/g/${bookingId}`);
  const html = await page.text();
  // The heading's text: the greeting wraps the guest's name in <bdi>.
  const heading = /<h1[^>]*>([\s\S]*?)<\/h1>/.exec(html)?.[1]?.replace(/<[^>]*>/g, '') ?? '?';
  const ics = await (await fetch(`${sb.config.guest.siteUrl}/g/${bookingId}.ics`)).text();
  // The event's DTSTART, not the VTIMEZONE's (which comes first).
  const dtstart = /BEGIN:VEVENT[\s\S]*?^(DTSTART[^\r\n]*)/m.exec(ics)?.[1] ?? '?';
  const icsStatus = /^STATUS:[^\r\n]*/m.exec(ics)?.[0] ?? '?';
  lines.push(`guest page          ${page.status} "${heading.replace(/&#x27;|&#39;/g, "'")}"; .ics ${dtstart} ${icsStatus}`);
  lines.push(`CloudFront          ${sb.standins.cloudfront.invalidations().filter((i) => i.callerReference.startsWith(bookingId)).length} invalidation(s) of /g/${bookingId}`);
  const history = (booking.operations ?? []).map((o) => `${o.id === o.kind ? o.kind : `${o.id} ${o.kind}`}${o.label ? ` (${o.label})` : ''}: ${o.status}`).join(' · ');
  lines.push(`operations          ${history || `create: ${booking.state}`}`);
  return `${lines.join('\n')}\n`;
}

/** After the sample booking: a deckhand is refused the change form; Olivia reschedules and approves it, then cancels. */
export async function driveLifecycle(sb: Sandbox, first: DriveResult, opts: { write: (text: string) => void }): Promise<void> {
  const slack = sb.slack;
  if (!slack || !sb.running.url) throw new SandboxError('driving needs the local Slack stand-in and the HTTP receiver');
  const requester = new SlackRequester({ url: sb.running.url, signingSecret: sb.signingSecret });
  const api = sb.running.built.api;
  const id = first.bookingId;
  const step = (text: string) => opts.write(`\n▶ ${text}\n`);
  const settle = async () => {
    await sb.running.built.service.idle();
    await sb.running.built.progress.idle();
    await quiet(slack);
  };

  opts.write(await artifactsReport(sb, id, 'after create'));

  // The change form shows the price, pay hours and guest contact details: crew are refused.
  step(`/charter reschedule ${id} by Lee Park (crew): refused, privately`);
  const refusalsBefore = slack.callsTo('chat.postEphemeral').length;
  await requester.command({ user_id: CREW[0], channel_id: OPS_CHANNEL, text: `reschedule ${id}` });
  await slack.waitFor((calls) => calls.filter((c) => c.method === 'chat.postEphemeral').length > refusalsBefore, 5000);

  // Someone leaves the company: Slack sends user_change, and the office hears before any crew call fails.
  step('Ana Cruz (crew) leaves: her Slack account is deactivated, and Slack sends user_change');
  const ana = DEFAULT_TEST_USERS.find((u) => u.id === CREW[1]);
  slack.setUser({ ...(ana ?? { id: CREW[1], realName: 'Ana Cruz' }), deleted: true });
  const linesBefore = slack.callsTo('chat.postMessage').length;
  await requester.event(userChangeEvent({ userId: CREW[1], realName: ana?.realName ?? 'Ana Cruz', deleted: true }));
  await slack.waitFor((calls) => calls.filter((c) => c.method === 'chat.postMessage').length > linesBefore, 5000);
  await settle();

  step(`/charter reschedule ${id} by Olivia Approver: the booking form opens prefilled`);
  // The change form opens as a placeholder (before the store read) and is filled in by views.update.
  const changeForms = () => slack.callsTo('views.update').filter((c) => (c.body.view as { callback_id?: string } | undefined)?.callback_id === 'booking_change_modal');
  const before = changeForms().length;
  await requester.command({ user_id: APPROVER, channel_id: OPS_CHANNEL, text: `reschedule ${id}` });
  await slack.waitFor(() => changeForms().length > before, 5000);
  const form = changeForms().at(-1)?.body.view as { private_metadata?: string; callback_id?: string } | undefined;
  const moved = { ...sampleBooking(Date.now(), sb.config.timezone), date: DateTime.fromISO(first.booking.request.date).plus({ days: 1 }).toISODate() ?? '', departureTime: '10:30', crew: [CREW[0]] };
  step(`submit it: one day later, departing 10:30 AM, and Ana off the crew`);
  const submitted = await requester.interact(viewSubmissionPayload({ userId: APPROVER, callbackId: form?.callback_id ?? 'booking_change_modal', values: bookingModalState(moved), privateMetadata: form?.private_metadata ?? '' }));
  if (submitted.text) throw new SandboxError(`the change form was refused: ${submitted.text}`);
  const opId = await until('the change request', 5000, async () => (await api.get(id))?.operations?.find((o) => o.kind === 'change' && o.status === 'proposed')?.id);
  await quiet(slack);

  step('Approve change, clicked by Olivia Approver');
  await requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'change_approve', value: `${id}:${opId}`, channelId: OPS_CHANNEL }));
  const changed = await until('the change to finish', 30_000, async () => {
    const b = await api.get(id);
    const op = b?.operations?.find((o) => o.id === opId);
    return op && (op.status === 'done' || op.status === 'failed') ? b : undefined;
  });
  await settle();
  if (changed.state !== 'done') throw new SandboxError(`the reschedule ended ${changed.state}`);
  opts.write(await artifactsReport(sb, id, 'after reschedule'));

  step(`/charter cancel ${id} by Olivia Approver, then Cancel charter in the confirm dialog`);
  await requester.command({ user_id: APPROVER, channel_id: OPS_CHANNEL, text: `cancel ${id}` });
  await requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'booking_cancel', value: id, channelId: OPS_CHANNEL }));
  const cancelled = await until('the cancel to finish', 30_000, async () => {
    const b = await api.get(id);
    return b && (b.state === 'cancelled' || b.state === 'failed') ? b : undefined;
  });
  await settle();
  if (cancelled.state !== 'cancelled') throw new SandboxError(`the cancel ended ${cancelled.state}`);
  opts.write(await artifactsReport(sb, id, 'after cancel'));

  // The whole life in one reply: the approver's trail, then what a crew member may see of it.
  for (const [who, userId] of [['Olivia Approver', APPROVER], ['Lee Park (crew)', CREW[0]]] as const) {
    step(`/charter status ${id} by ${who}`);
    const repliesBefore = slack.callsTo('chat.postEphemeral').length;
    await requester.command({ user_id: userId, channel_id: OPS_CHANNEL, text: `status ${id}` });
    await slack.waitFor((calls) => calls.filter((c) => c.method === 'chat.postEphemeral').length > repliesBefore, 5000);
  }
}
