/**
 * A guest page refresh on Lambda: the Slack function only writes it (and answers at once), the
 * pipeline function runs it from the state table's stream, and the scheduled tick resumes one whose
 * pipeline invocation died. S3 and CloudFront hang for real (a TCP fault proxy in front of s3rver,
 * the CloudFront stand-in's hang fault); the store is dynalite. The handlers are the factories
 * src/lambda.ts and src/lambda-pipeline.ts export (handlers.test.ts covers the built bundles).
 */
import { DynamoDBClient, GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { createSlackHandler, type SlackLambda } from '../../../src/lambda';
import { createPipelineHandler, type PipelineLambda } from '../../../src/lambda-pipeline';
import { createLogger } from '../../../src/log';
import { DynamoBookingStore } from '../../../src/pipeline/dynamodb-store';
import { startOperation } from '../../../src/pipeline/operations';
import { claimStep } from '../../../src/pipeline/state-machine';
import type { BookingRecord } from '../../../src/pipeline/types';
import { startFaultProxy, type FaultProxy } from '../../../src/sandbox/fault-proxy';
import { startSlackApiStandin, type SlackApiStandin } from '../../../src/sandbox/slack-api-standin';
import { startStandins, type Standins } from '../../../src/sandbox/standins';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { standinAppEnv } from '../../support/env';
import { blockActionPayload, interactivityBody, SlackRequester, slashCommandBody } from '../../support/slack-requests';
import { functionUrlEvent, streamRecord } from './support';

jest.setTimeout(60_000);

const SIGNING_SECRET = 'lambda-refresh-signing-secret-01';
const APPROVER = 'U0APPROVE1';
const OPS_CHANNEL = 'C0OPS00001';
const TABLE = 'charter-bookings-refresh';
/**
 * Scaled down from production's 20 s, but not so far that a loaded machine fences a healthy run
 * (the first run warms dynalite and loads modules, stalling the event loop for seconds there): at
 * 1.5 s the set-up run's first attempts were fenced and their retries waited out the 35 s create
 * quiet time, 40 s of the 60 s this test has.
 */
const LEASE_MS = 5000;

let standins: Standins;
let slackApi: SlackApiStandin;
let s3Proxy: FaultProxy;
let ddb: DynamoDBClient;
let slackFn: SlackLambda;
let pipelineFn: PipelineLambda;
/** A pipeline function with the liveness bounds scaled down, for the runs that meet a hung system. */
let impatientPipelineFn: PipelineLambda;
const requester = new SlackRequester({ url: 'http://unused.invalid', signingSecret: SIGNING_SECRET });
const log = createLogger({ level: 'silent' });

beforeAll(async () => {
  [standins, slackApi] = await Promise.all([startStandins(), startSlackApiStandin()]);
  s3Proxy = await startFaultProxy(standins.env.AWS_ENDPOINT_URL_S3!);
  ddb = new DynamoDBClient({ endpoint: standins.dynamodb.endpoint, region: 'us-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await new DynamoBookingStore({ client: ddb, table: TABLE }).ensureTable({ create: true });
  const env = standinAppEnv({ standins: { ...standins.env, AWS_ENDPOINT_URL_S3: s3Proxy.url }, slackApiUrl: slackApi.url, signingSecret: SIGNING_SECRET, approver: APPROVER, opsChannel: OPS_CHANNEL, store: `dynamodb:${TABLE}` });
  // Production's bounds (10 s a call, 45 s an attempt, 60 s of retrying) scaled down where a system
  // hangs: the mechanism is under test, not the clock. Healthy runs keep them, so a loaded machine
  // does not fail a set-up step.
  const impatient = { CHARTER_CONNECT_TIMEOUT_MS: '300', CHARTER_CALL_TIMEOUT_MS: '1000', CHARTER_STEP_TIMEOUT_MS: '2000', CHARTER_STEP_BUDGET_MS: '2000', CHARTER_CREATE_QUIET_MS: '600' };
  const deps = { log, slackClientOptions: { retryConfig: { retries: 0 } }, runner: { baseDelayMs: 5, maxDelayMs: 20, leaseMs: LEASE_MS }, progressMinIntervalMs: 50 };
  slackFn = await createSlackHandler({ env: { ...env, AWS_LAMBDA_FUNCTION_NAME: 'charter-bot-slack' }, deps });
  pipelineFn = await createPipelineHandler({ env: { ...env, AWS_LAMBDA_FUNCTION_NAME: 'charter-bot-pipeline' }, deps });
  impatientPipelineFn = await createPipelineHandler({ env: { ...env, ...impatient, AWS_LAMBDA_FUNCTION_NAME: 'charter-bot-pipeline' }, deps });
}, 60_000);

afterAll(async () => {
  s3Proxy?.heal();
  standins?.cloudfront.faults.clear();
  await slackFn?.app.close();
  await pipelineFn?.app.close();
  await impatientPipelineFn?.app.close();
  ddb?.destroy();
  await s3Proxy?.close();
  await slackApi?.close();
  await standins?.close();
});

async function rawItem(id: string): Promise<Record<string, AttributeValue>> {
  const out = await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { id: { S: id } }, ConsistentRead: true }));
  if (!out.Item) throw new Error(`no item ${id}`);
  return out.Item;
}

/** What Lambda hands the pipeline function for the booking's latest write. */
async function streamOf(id: string) {
  return { Records: [streamRecord(await rawItem(id))] };
}

async function slackRequest(body: string) {
  return slackFn.handle(functionUrlEvent(body, requester.headers(body)), {});
}

const refreshCommand = (id: string) => slashCommandBody({ user_id: APPROVER, channel_id: OPS_CHANNEL, text: `refresh ${id}` });
const clickInOps = (actionId: string, value: string) => interactivityBody(blockActionPayload({ userId: APPROVER, actionId, value, channelId: OPS_CHANNEL }));
const repliesToApprover = () => slackApi.callsTo('chat.postEphemeral').filter((c) => c.body.user === APPROVER).map((c) => String(c.body.text));
const invalidationsOf = (id: string) => standins.cloudfront.invalidations().filter((i) => i.callerReference.startsWith(id));
const get = (id: string) => slackFn.app.built.service.get(id) as Promise<BookingRecord>;

/** The last rendering of the booking's progress message in its thread (posted or updated). */
function progressShown(booking: BookingRecord): string {
  const ts = booking.slack.progressTs;
  const last = slackApi.calls.filter((c) => (c.method === 'chat.update' && c.body.ts === ts) || (c.method === 'chat.postMessage' && c.response.ts === ts)).at(-1);
  return JSON.stringify(last?.body.blocks ?? []);
}

/** Approved with a click through the Slack function (which posts the progress message), run by the pipeline function. */
async function doneBooking(): Promise<BookingRecord> {
  const booking = await slackFn.app.built.service.create(sampleNewBooking());
  expect((await slackRequest(clickInOps('booking_approve', booking.id))).statusCode).toBe(200);
  await expect(pipelineFn.handle(await streamOf(booking.id), {})).resolves.toEqual({ batchItemFailures: [] });
  const done = await get(booking.id);
  expect(done.state).toBe('done');
  expect(done.slack.progressTs).toBeDefined();
  return done;
}

it('S3 hung: the Slack function answers at once and runs nothing; a second ask joins; the pipeline function ends it failed with Retry, which finishes it once healed', async () => {
  const done = await doneBooking();
  const id = done.id;
  const before = invalidationsOf(id).length;
  slackApi.clear();
  s3Proxy.hang();

  const res = await slackRequest(refreshCommand(id));
  expect(res.statusCode).toBe(200);
  expect(repliesToApprover()).toEqual([`Refreshing the guest page of ${done.request.guestName} (\`${id}\`); the progress message in the booking's thread will say when it is live.`]);
  // Answered with the request written, and nothing of it run in the Slack function.
  const asked = await get(id);
  expect(asked.state).toBe('running');
  const op = asked.operations?.at(-1);
  expect(op).toMatchObject({ kind: 'refresh', status: 'queued', requestedBy: APPROVER });
  expect(asked.audit.at(-1)).toMatchObject({ action: 'refreshed', userId: APPROVER });
  expect(s3Proxy.hungConnections).toBe(0);

  // Asked again before it ran: one refresh, and the second asker is told whose it is.
  expect((await slackRequest(refreshCommand(id))).statusCode).toBe(200);
  expect(repliesToApprover()[1]).toBe(`A refresh of ${done.request.guestName}'s guest page (\`${id}\`) is already under way, asked by <@${APPROVER}>; the progress message in the booking's thread will say when it is live.`);
  expect((await get(id)).operations?.filter((o) => o.kind === 'refresh')).toHaveLength(1);

  // The stream hands the write to the pipeline function, which meets the hung S3 and ends the refresh failed.
  await expect(impatientPipelineFn.handle(await streamOf(id), {})).resolves.toEqual({ batchItemFailures: [] });
  const failed = await get(id);
  expect(failed.state).toBe('failed');
  const failedOp = failed.operations?.find((o) => o.id === op?.id);
  expect(failedOp?.status).toBe('failed');
  expect(failedOp?.steps?.guest_page).toMatchObject({ status: 'failed', error: { retryable: true } });
  expect(failedOp?.steps?.guest_page?.error?.message).toMatch(/S3/);
  // The page guests read is the one the create uploaded; its step says so still.
  expect(failed.steps.guest_page).toEqual(done.steps.guest_page);
  expect(invalidationsOf(id).length).toBe(before);
  const shownFailed = progressShown(failed);
  expect(shownFailed).toContain('booking_retry');
  expect(shownFailed).toContain('Guest page refresh');
  expect(shownFailed).toMatch(/S3/);

  s3Proxy.heal();
  expect((await slackRequest(clickInOps('booking_retry', id))).statusCode).toBe(200);
  expect((await get(id)).state).toBe('running');
  await expect(pipelineFn.handle(await streamOf(id), {})).resolves.toEqual({ batchItemFailures: [] });
  const refreshed = await get(id);
  expect(refreshed.state).toBe('done');
  const invalidation = refreshed.operations?.find((o) => o.id === op?.id)?.steps?.guest_cache?.result?.invalidationId;
  expect(invalidationsOf(id).map((i) => i.id)).toEqual([...invalidationsOf(id).slice(0, before).map((i) => i.id), invalidation]);
  expect(progressShown(refreshed)).toContain(`invalidationId \`${String(invalidation)}\``);
});

it('CloudFront hung while asked, and the pipeline invocation that took the refresh died mid-step: the scheduled tick finishes it', async () => {
  const done = await doneBooking();
  const id = done.id;
  const before = invalidationsOf(id).length;
  slackApi.clear();
  standins.cloudfront.faults.inject('*', { kind: 'hang' });
  expect((await slackRequest(refreshCommand(id))).statusCode).toBe(200);
  expect(repliesToApprover()[0]).toMatch(/^Refreshing the guest page of /);
  expect(invalidationsOf(id).length).toBe(before);

  // The stream record went to an invocation that started the refresh, claimed its upload and was
  // killed (Lambda's timeout, a crash) before it wrote anything more: its lease has since run out.
  const killedAtMs = Date.now() - 2 * LEASE_MS;
  const store = slackFn.app.built.store;
  const asked = await get(id);
  const opId = asked.operations!.at(-1)!.id;
  await store.put(claimStep(startOperation(asked, opId, killedAtMs), 'guest_page', 'charter-bot-pipeline-killed', killedAtMs, LEASE_MS, 0, opId), asked.version);
  standins.cloudfront.faults.clear();

  await expect(pipelineFn.handle({ charterTick: 'periodic' }, {})).resolves.toEqual({ batchItemFailures: [] });
  const refreshed = await get(id);
  expect(refreshed.state).toBe('done');
  const refreshOp = refreshed.operations?.find((o) => o.id === opId);
  expect(refreshOp).toMatchObject({ kind: 'refresh', status: 'done', steps: { guest_page: { status: 'done', attempts: 2 }, guest_cache: { status: 'done' } } });
  const invalidation = refreshOp?.steps?.guest_cache?.result?.invalidationId;
  expect(invalidationsOf(id).slice(before).map((i) => i.id)).toEqual([invalidation]);
  expect(progressShown(refreshed)).toContain(`invalidationId \`${String(invalidation)}\``);
});

it('a booking that is not done is refused with the message it always had, and nothing is written', async () => {
  const booking = await slackFn.app.built.service.create(sampleNewBooking());
  slackApi.clear();
  expect((await slackRequest(refreshCommand(booking.id))).statusCode).toBe(200);
  expect(repliesToApprover()).toEqual([`Booking \`${booking.id}\` is *pending approval*; a guest page can be refreshed once the booking is done.`]);
  expect((await get(booking.id)).version).toBe(booking.version);
});

it('asked while an approved change waits for the pipeline function: answered at once, queued behind the change, and run after it by the same invocation', async () => {
  const done = await doneBooking();
  const id = done.id;
  const guestPage = async () => (await fetch(`${standins.guestSite.url}/g/${id}`)).text();
  expect(await guestPage()).not.toContain('5:00 PM');
  const service = slackFn.app.built.service;
  const proposed = await service.proposeChange(id, { details: { request: { ...done.request, departureTime: '17:00' }, roster: done.roster, costs: done.costs }, label: 'reschedule', userId: APPROVER });
  expect((await service.approveChange(id, proposed.op.id, APPROVER)).won).toBe(true);
  const before = invalidationsOf(id).length;
  slackApi.clear();

  expect((await slackRequest(refreshCommand(id))).statusCode).toBe(200);
  expect((await slackRequest(refreshCommand(id))).statusCode).toBe(200);
  const [first, second] = repliesToApprover();
  expect(first).toBe(`A change is being applied to ${done.request.guestName}'s booking (\`${id}\`); the guest page refresh is queued and runs right after it. The progress message in the booking's thread will say when it is live.`);
  expect(second).toContain(`queued (already asked for by <@${APPROVER}>)`);
  // Written, not run: the Slack function runs no pipeline.
  const asked = await get(id);
  expect(asked.operations?.filter((o) => o.kind === 'refresh')).toEqual([expect.objectContaining({ status: 'queued' })]);
  expect(invalidationsOf(id).length).toBe(before);

  await expect(pipelineFn.handle(await streamOf(id), {})).resolves.toEqual({ batchItemFailures: [] });
  const after = await get(id);
  expect(after.state).toBe('done');
  expect(after.operations?.find((o) => o.id === proposed.op.id)).toMatchObject({ status: 'done' });
  expect(after.operations?.find((o) => o.kind === 'refresh')?.steps?.guest_cache?.status).toBe('done');
  // The change's invalidation, then the refresh's own: the change was queued, not yet clearing the cache, when it was asked.
  expect(invalidationsOf(id).length).toBe(before + 2);
  expect(await guestPage()).toContain('5:00 PM');
});
