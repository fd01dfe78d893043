/**
 * One running bot for Slack integration tests: the real app (HTTP receiver on an ephemeral port,
 * signature checks on), the Slack Web API stand-in, a SQLite store in a temp folder, and scripted
 * integration steps (the crew_notice step is the real one, posting to the stand-in).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { buildApp, type AppDeps, type RunningApp } from '../../../src/app';
import { loadConfig, type Config } from '../../../src/config';
import { createLogger } from '../../../src/log';
import type { BookingRecord, StepName } from '../../../src/pipeline/types';
import { startFaultProxy, type FaultProxy } from '../../../src/sandbox/fault-proxy';
import { startStandins, type Standins } from '../../../src/sandbox/standins';
import { startSlackApiStandin, type RecordedSlackCall, type SlackApiStandin, type StoredSlackMessage } from '../../../src/sandbox/slack-api-standin';
import { blocksToText } from '../../../src/slack/blocks/to-text';
import { bookingBlockId } from '../../../src/slack/booking-ref';
import { createSlackFetch } from '../../../src/slack/slack-fetch';
import { ScriptedSteps } from '../../fixtures/pipeline/scripted-steps';
import { blockActionPayload, bookingModalState, SlackRequester, viewSubmissionPayload } from '../../support/slack-requests';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const APPROVER = 'U0APPROVE1';
export const OUTSIDER = 'U0OUTSIDER';
export const CAPTAIN = 'U0CAPTAIN1';
export const CREW = ['U0CREW0001', 'U0CREW0002'] as const;
export const OPS_CHANNEL = 'C0OPS00001';
export const ORIGIN_CHANNEL = 'C0ORIGIN01';

export interface Harness {
  slack: SlackApiStandin;
  running: RunningApp;
  requester: SlackRequester;
  config: Config;
  steps: ScriptedSteps;
  logLines: string[];
  /** With `real: true`: the integration stand-ins the production steps talk to. */
  standins?: Standins;
  /** With `proxies: true`: TCP fault proxies the bot reaches S3 and DynamoDB through (hang/heal). */
  proxies?: { s3: FaultProxy; dynamodb: FaultProxy };
  close(): Promise<void>;
}

/** `slack`: a stand-in an earlier harness used (a restarted process meets the messages it left); the caller closes it. */
export async function startHarness(opts: { env?: Record<string, string>; deps?: Partial<AppDeps>; real?: boolean; proxies?: boolean; slack?: SlackApiStandin } = {}): Promise<Harness> {
  const slack = opts.slack ?? (await startSlackApiStandin());
  const standins = opts.real || opts.proxies ? await startStandins() : undefined;
  const proxies = standins && opts.proxies ? { s3: await startFaultProxy(standins.env.AWS_ENDPOINT_URL_S3!), dynamodb: await startFaultProxy(standins.env.AWS_ENDPOINT_URL_DYNAMODB!) } : undefined;
  const awsEnv = standins ? { ...standins.env, ...(proxies ? { AWS_ENDPOINT_URL_S3: proxies.s3.url, AWS_ENDPOINT_URL_DYNAMODB: proxies.dynamodb.url } : {}) } : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'charter-slack-'));
  const loaded = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-test-bot-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.url,
    PORT: '0',
    CHARTER_APPROVERS: APPROVER,
    CHARTER_OPS_CHANNEL: OPS_CHANNEL,
    DASHBOARD_URL: 'http://127.0.0.1:9/dashboard',
    DASHBOARD_TOKEN: 'dash-token-secret-value',
    SCC_API_URL: 'https://abc123.execute-api.us-west-2.amazonaws.com/prod',
    SCC_SERVICE_KEY: 'scc-service-key-secret',
    SCC_EVENTS_TABLE: 'scc-events',
    GUEST_BUCKET: 'guest-site-local',
    GUEST_DISTRIBUTION_ID: 'E1TESTDIST',
    GUEST_SITE_URL: 'https://queenofsandiego.com',
    CHARTER_STORE: `sqlite:${join(dir, 'charter.db')}`,
    CHARTER_TIMEZONE: 'America/Los_Angeles',
    CHARTER_EMERGENCY_PHONE: '+1 619 200 7733',
    ...awsEnv,
    ...opts.env,
  });
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  const logLines: string[] = [];
  const log = createLogger({ level: 'debug', destination: new Writable({ write: (chunk: Buffer, _e, cb) => (logLines.push(chunk.toString()), cb()) }) });
  const steps = new ScriptedSteps();
  const scripted = steps.implementations;
  const built = await buildApp(loaded.config, {
    log,
    host: '127.0.0.1',
    ...(awsEnv ? { env: awsEnv } : {}),
    integrationSteps: standins ? undefined : () => ({ calendar: scripted.calendar, scc_event: scripted.scc_event, revenue_guard: scripted.revenue_guard, guest_page: scripted.guest_page, guest_cache: async (ctx) => ({ ...(await scripted.guest_cache(ctx)), invalidationId: `I${ctx.booking.id}${steps.calls.guest_cache}` }) }),
    slackClientOptions: { retryConfig: { retries: 0 } },
    // The server's Slack transport (src/main.ts): most tests run it, as production does.
    slackFetch: createSlackFetch({ timeoutMs: loaded.config.liveness.callTimeoutMs }),
    runner: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 2 },
    progressMinIntervalMs: 200,
    ...opts.deps,
  });
  const running = await built.start();
  const requester = new SlackRequester({ url: running.url ?? '', signingSecret: SIGNING_SECRET });
  return {
    slack,
    running,
    requester,
    config: loaded.config,
    steps,
    logLines,
    ...(standins ? { standins } : {}),
    ...(proxies ? { proxies } : {}),
    async close() {
      await running.stop();
      if (!opts.slack) await slack.close();
      await proxies?.s3.close();
      await proxies?.dynamodb.close();
      await standins?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const VALID_FIELDS = {
  guestName: 'Maria Delgado',
  guestEmail: 'maria@example.com',
  guestPhone: '+1 619 555 0100',
  date: `${new Date().getUTCFullYear() + 1}-07-04`,
  departureTime: '16:00',
  durationHours: '5',
  partySize: '6',
  priceCents: '1200',
  captain: CAPTAIN,
  crew: [...CREW],
  crewHours: '5',
  captainHours: '3',
  boatsetterRef: 'BS-48213',
  notes: 'Birthday; guest pays $1,200 — net after fees $584',
};

export function approvalPosts(slack: SlackApiStandin): RecordedSlackCall[] {
  return slack.callsTo('chat.postMessage').filter((c) => c.body.thread_ts === undefined && JSON.stringify(c.body.blocks ?? []).includes('booking_approve'));
}

/** Submits the modal and waits for the approval message; returns the booking id. */
export async function submitBooking(h: Harness, fields: Record<string, string | string[] | undefined> = VALID_FIELDS): Promise<string> {
  const before = approvalPosts(h.slack).length;
  const res = await h.requester.interact(viewSubmissionPayload({ userId: APPROVER, values: bookingModalState(fields), privateMetadata: JSON.stringify({ channel: ORIGIN_CHANNEL }) }));
  if (res.status !== 200) throw new Error(`view submission answered ${res.status}`);
  await h.slack.waitFor(() => approvalPosts(h.slack).length > before);
  const post = approvalPosts(h.slack)[before];
  const id = (post?.body.metadata as { event_payload?: { booking_id?: string } } | undefined)?.event_payload?.booking_id;
  if (!id) throw new Error('approval message without booking metadata');
  // the approval ts is saved right after the post
  await waitForBooking(h, id, (b) => b.slack.approvalTs !== undefined);
  return id;
}

/** A button click in the ops channel, signed as Slack sends it (`retryNum`: a Slack retry of it). */
export function clickInOps(h: Harness, actionId: string, value: string, userId: string = APPROVER, retryNum?: number) {
  return h.requester.interact(blockActionPayload({ userId, actionId, value, channelId: OPS_CHANNEL }), retryNum === undefined ? {} : { retryNum });
}

/** A booking submitted, approved and run to done, with the progress thread settled; returns its id. */
export async function doneBooking(h: Harness, fields: Record<string, string | string[] | undefined> = VALID_FIELDS): Promise<string> {
  const id = await submitBooking(h, fields);
  await clickInOps(h, 'booking_approve', id);
  await waitForBooking(h, id, (b) => b.state === 'done');
  await settle(h);
  return id;
}

/** The change form of booking `id`, submitted by `userId`. */
export function submitChangeForm(h: Harness, id: string, label: string, fields: Record<string, string | string[] | undefined>, userId: string = APPROVER) {
  return h.requester.interact(
    viewSubmissionPayload({ userId, callbackId: 'booking_change_modal', values: bookingModalState(fields), privateMetadata: JSON.stringify({ channel: OPS_CHANNEL, bookingId: id, label }) }),
  );
}

/** A view as the tests read it: its callback id, metadata and blocks. */
export interface ShownView {
  callback_id?: string;
  private_metadata: string;
  blocks: { block_id?: string; type?: string; text?: { text: string }; element?: Record<string, unknown> & { initial_value?: string }; elements?: { text: string }[] }[];
}

/**
 * The change form the user sees, once it is shown: it opens as a placeholder and is filled in by
 * views.update (src/slack/lifecycle.ts, openChangeForm). Only calls from index `after` on count.
 */
export async function shownChangeForm(h: Harness, after = 0): Promise<ShownView> {
  const isForm = (c: RecordedSlackCall) => c.method === 'views.update' && (c.body.view as { callback_id?: string } | undefined)?.callback_id === 'booking_change_modal';
  await h.slack.waitFor((calls) => calls.slice(after).some(isForm));
  return h.slack.calls.slice(after).filter(isForm).at(-1)!.body.view as ShownView;
}

/** The change form of booking `id` submitted, and its change request posted; returns the operation's id. */
export async function proposeChange(h: Harness, id: string, label: string, fields: Record<string, string | string[] | undefined>): Promise<string> {
  const before = (await h.running.built.api.get(id))?.operations?.length ?? 0;
  const res = await submitChangeForm(h, id, label, fields);
  if (res.status !== 200 || (res.json as { response_action?: string } | undefined)?.response_action) throw new Error(`change form refused: ${res.status} ${JSON.stringify(res.json)}`);
  const b = await waitForBooking(h, id, (r) => (r.operations?.length ?? 0) > before && r.operations?.at(-1)?.requestTs !== undefined);
  return b.operations!.at(-1)!.id;
}

interface ChangeFormBlock {
  type: string;
  block_id?: string;
  element?: { initial_value?: string; initial_date?: string; initial_time?: string; initial_user?: string; initial_users?: string[] };
  elements?: { text: string }[];
}

/**
 * Edit clicked on booking `id`: the change form as the bot opened it. `fields` are its inputs as
 * they opened, in the shape submitChangeForm takes (the form submitted untouched).
 */
export async function openChangeForm(h: Harness, id: string) {
  const before = h.slack.calls.length;
  await clickInOps(h, 'booking_edit', `${id}:edit`);
  // The form opens as a loading view and is filled in once the booking is read (views.update).
  const view = (await shownChangeForm(h, before)) as unknown as { callback_id: string; blocks: ChangeFormBlock[] };
  const block = (blockId: string) => view.blocks.find((b) => b.block_id === blockId);
  const fields: Record<string, string | string[] | undefined> = {};
  for (const b of view.blocks) {
    if (b.type !== 'input' || !b.block_id) continue;
    const e = b.element ?? {};
    fields[b.block_id] = e.initial_value ?? e.initial_date ?? e.initial_time ?? e.initial_user ?? e.initial_users;
  }
  return { initial: (blockId: string) => block(blockId)?.element?.initial_value, block, fields };
}

/** The change request `opId` of booking `id` as first posted (operation ids repeat across bookings). */
export function changeRequestPost(h: Harness, id: string, opId: string): RecordedSlackCall | undefined {
  const blockId = JSON.stringify(bookingBlockId(id, `change-${opId}`));
  return h.slack.callsTo('chat.postMessage').find((c) => JSON.stringify(c.body.blocks ?? []).includes(blockId));
}

/** Submits the change form, approves the change request it posts, and waits for the change to finish. */
export async function changeAndApprove(h: Harness, id: string, fields: Record<string, string | string[] | undefined>): Promise<{ opId: string; requestText: string }> {
  const opId = await proposeChange(h, id, 'edit', fields);
  const post = changeRequestPost(h, id, opId);
  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === opId)?.status === 'done');
  await settle(h);
  return { opId, requestText: blocksToText(post?.body.blocks) };
}

/**
 * A done booking (Boatsetter ref `ref`) whose change request, an edit to a party of 5, is submitted
 * while Slack takes 1.5 s to post it: returns once the change is saved, before its message is, for
 * a test to decide it meanwhile. `proposed` is the booking as first read with the change.
 */
export async function changeRequestPostingSlowly(h: Harness, ref: string): Promise<{ id: string; opId: string; proposed: BookingRecord }> {
  const fields = { ...VALID_FIELDS, boatsetterRef: ref } as Record<string, string | string[]>;
  const id = await doneBooking(h, fields);
  const before = (await h.running.built.api.get(id))!.operations?.length ?? 0;
  h.slack.slowNext('chat.postMessage', 1, 1500);
  await submitChangeForm(h, id, 'edit', { ...fields, partySize: '5' });
  const proposed = await waitForBooking(h, id, (r) => (r.operations?.length ?? 0) > before);
  return { id, opId: proposed.operations!.at(-1)!.id, proposed };
}

/** The texts of the ephemeral replies `userId` got, in order. */
export function ephemeralsTo(h: Harness, userId: string): string[] {
  return h.slack.callsTo('chat.postEphemeral').filter((c) => c.body.user === userId).map((c) => String(c.body.text));
}

export async function waitForBooking(h: Harness, id: string, predicate: (b: BookingRecord) => boolean, timeoutMs = 10_000): Promise<BookingRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const b = await h.running.built.api.get(id);
    if (b && predicate(b)) return b;
    if (Date.now() > deadline) throw new Error(`booking ${id}: condition not met (state ${b?.state})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function settle(h: Harness): Promise<void> {
  await h.running.built.service.idle();
  await h.running.built.progress.idle();
  await h.running.built.changedApprovals.idle();
}

/** The first log line matching `pattern`, once written (polled: a log line wakes no Slack stand-in waiter). */
export async function waitForLog(h: Harness, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const line = h.logLines.find((l) => pattern.test(l));
    if (line !== undefined) return line;
    if (Date.now() > until) throw new Error(`no log line matching ${String(pattern)} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function stepCalls(h: Harness, step: StepName): number {
  return h.steps.calls[step];
}

/** The operator-zone date `days` from now (yyyy-mm-dd), as the booking form takes it. */
export function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toLocaleDateString('en-CA', { timeZone: 'America/Los_Angeles' });
}

/** The last App Home view published to `userId`, as JSON text ('{}' before any). */
export function lastHomeViewOf(h: Harness, userId: string): string {
  return JSON.stringify(h.slack.callsTo('views.publish').filter((c) => c.body.user_id === userId).at(-1)?.body.view ?? {});
}

/** The value of the button `actionId` in a published view (as lastHomeViewOf gives it), on booking `bookingId` when given. */
export function buttonValueOn(view: string, actionId: string, bookingId?: string): string {
  const values: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (o.type === 'button' && o.action_id === actionId && typeof o.value === 'string') values.push(o.value);
    Object.values(o).forEach(walk);
  };
  walk(JSON.parse(view));
  const value = values.find((v) => bookingId === undefined || v.startsWith(`${bookingId}:`));
  if (value === undefined) throw new Error(`no ${actionId} button${bookingId ? ` for ${bookingId}` : ''} in ${view}`);
  return value;
}

type Payload = Record<string, unknown>;
/** A crew post's metadata payload (booking_id, post, rev, to / ordinal), or {} for a message without. */
export const crewPostPayloadOf = (m: { metadata?: unknown }): Payload => (m.metadata as { event_payload?: Payload } | undefined)?.event_payload ?? {};
/** A fault filter: posts of this booking and kind (and recipient or reminder), as their metadata names them. */
export const isCrewPost =
  (id: string, post: string, more: Payload = {}) =>
  (body: Record<string, unknown>): boolean => {
    const p = crewPostPayloadOf(body);
    return p.booking_id === id && p.post === post && Object.entries(more).every(([k, v]) => p[k] === v);
  };
/** What Slack holds: messages of this booking and kind. */
export const heldCrewPosts = (slack: SlackApiStandin, id: string, post: string): StoredSlackMessage[] =>
  slack.messages().filter((m) => crewPostPayloadOf(m).booking_id === id && crewPostPayloadOf(m).post === post);
