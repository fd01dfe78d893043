/**
 * A crew Confirm on Lambda: Slack hears the click's answer only once the listener is done
 * (AwsLambdaReceiver), within 3 s, so the answer's redraw of the crew posts starts no round after
 * its first second there — a post whose update failed is not tried again while Slack waits, but
 * left for the pipeline function's minute tick. The handler is the factory src/lambda.ts exports, the store is
 * dynalite, Slack the stand-in over HTTP. A Confirm clicked on a DM while the pipeline function is
 * still saving the crew posts is drawn by the crew step itself once saved.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { createSlackHandler, type SlackLambda } from '../../../src/lambda';
import type { LambdaAppOptions } from '../../../src/lambda-app';
import { createPipelineHandler, type PipelineLambda } from '../../../src/lambda-pipeline';
import { createLogger } from '../../../src/log';
import { DynamoBookingStore } from '../../../src/pipeline/dynamodb-store';
import type { BookingRecord } from '../../../src/pipeline/types';
import { startSlackApiStandin, type SlackApiStandin } from '../../../src/sandbox/slack-api-standin';
import { startStandins, type Standins } from '../../../src/sandbox/standins';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { standinAppEnv } from '../../support/env';
import { blockActionPayload, interactivityBody, SlackRequester } from '../../support/slack-requests';
import { functionUrlEvent, streamRecord } from './support';

jest.setTimeout(60_000);

const SIGNING_SECRET = 'lambda-crew-redraw-secret-0123';
const APPROVER = 'U0APPROVE1';
const OPS_CHANNEL = 'C0OPS00001';
const TABLE = 'charter-bookings-crew-redraw';
const TICK = { charterTick: 'periodic' } as const;
const [CAPTAIN, LEE, ANA] = ['U0CAPTAIN1', 'U0CREW0001', 'U0CREW0002'];

let standins: Standins;
let slackApi: SlackApiStandin;
let ddb: DynamoDBClient;
let slackFn: SlackLambda;
let pipelineFn: PipelineLambda;
const requester = new SlackRequester({ url: 'http://unused.invalid', signingSecret: SIGNING_SECRET });

beforeAll(async () => {
  [standins, slackApi] = await Promise.all([startStandins(), startSlackApiStandin()]);
  ddb = new DynamoDBClient({ endpoint: standins.dynamodb.endpoint, region: 'us-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await new DynamoBookingStore({ client: ddb, table: TABLE }).ensureTable({ create: true });
  const env = standinAppEnv({ standins: standins.env, slackApiUrl: slackApi.url, signingSecret: SIGNING_SECRET, approver: APPROVER, opsChannel: OPS_CHANNEL, store: `dynamodb:${TABLE}` });
  const deps: LambdaAppOptions['deps'] = { log: createLogger({ level: 'silent' }), slackClientOptions: { retryConfig: { retries: 0 } }, runner: { baseDelayMs: 5, maxDelayMs: 20 } };
  slackFn = await createSlackHandler({ env: { ...env, AWS_LAMBDA_FUNCTION_NAME: 'charter-bot-slack' }, deps });
  pipelineFn = await createPipelineHandler({ env: { ...env, AWS_LAMBDA_FUNCTION_NAME: 'charter-bot-pipeline' }, deps });
}, 60_000);

afterAll(async () => {
  await slackFn?.app.close();
  await pipelineFn?.app.close();
  ddb?.destroy();
  await slackApi?.close();
  await standins?.close();
});

const click = (payload: Parameters<typeof blockActionPayload>[0]) => {
  const body = interactivityBody(blockActionPayload(payload));
  return slackFn.handle(functionUrlEvent(body, requester.headers(body)), {});
};

/** What Slack holds for a post, as JSON. */
const held = (post: { channel: string; ts: string }) => JSON.stringify(slackApi.messages(post.channel).find((m) => m.ts === post.ts));

async function doneBooking(): Promise<BookingRecord> {
  const booking = await slackFn.app.built.service.create(sampleNewBooking());
  expect((await click({ userId: APPROVER, actionId: 'booking_approve', value: booking.id, channelId: OPS_CHANNEL })).statusCode).toBe(200);
  const out = await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { id: { S: booking.id } }, ConsistentRead: true }));
  await expect(pipelineFn.handle({ Records: [streamRecord(out.Item!)] }, {})).resolves.toEqual({ batchItemFailures: [] });
  const done = (await pipelineFn.app.built.service.get(booking.id))!;
  expect(done.state).toBe('done');
  return done;
}

it("a crew Confirm answers Slack without trying a failed post again: the next minute tick redraws that post", async () => {
  const b = await doneBooking();
  const lee = b.slack.crewPosts![LEE]!;
  const captain = b.slack.crewPosts![CAPTAIN]!;
  slackApi.clear();
  // The Confirm's redraw of the captain's DM gets no answer for 1.5 s, then Slack's internal_error.
  slackApi.loseNext('chat.update', 1, { effect: 'never', answer: { afterMs: 1500 }, when: (m) => m.ts === captain.ts });
  const answered = await click({ userId: LEE, actionId: `crew_confirm:${LEE}`, value: `${b.id}:${LEE}:r1`, channelId: lee.channel, messageTs: lee.ts });
  expect(answered.statusCode).toBe(200);
  expect((await slackFn.app.built.service.get(b.id))!.confirmations[LEE]).toBeDefined();
  // Lee's own DM shows his answer; the captain's was not tried again in this invocation (the lost
  // update never took effect, so Slack took no update of it at all).
  expect(held(lee)).toContain(':white_check_mark: confirmed');
  expect(slackApi.callsTo('chat.update').filter((c) => c.body.ts === captain.ts)).toEqual([]);
  expect(held(captain)).not.toContain(':white_check_mark: confirmed');
  // The pipeline function's minute tick finds the captain's DM saved as behind the booking and redraws it alone.
  slackApi.clear();
  await expect(pipelineFn.handle(TICK, {})).resolves.toEqual({ batchItemFailures: [] });
  expect(held(captain)).toContain(':white_check_mark: confirmed');
  expect(slackApi.callsTo('chat.update').map((c) => c.body.ts)).toEqual([captain.ts]);
  // Drawn and saved: the next tick leaves the crew posts alone.
  slackApi.clear();
  await expect(pipelineFn.handle(TICK, {})).resolves.toEqual({ batchItemFailures: [] });
  const crewTs = Object.values(b.slack.crewPosts!).map((p) => p.ts);
  expect(slackApi.callsTo('chat.update').filter((c) => crewTs.includes(String(c.body.ts)))).toEqual([]);
});

it('a crew post Slack refuses for good (its member deleted it) is not tried by every minute tick', async () => {
  const b = await doneBooking();
  const lee = b.slack.crewPosts![LEE]!;
  const captain = b.slack.crewPosts![CAPTAIN]!;
  slackApi.clear();
  slackApi.failNext('chat.update', 1, 'message_not_found', (m) => m.ts === captain.ts);
  expect((await click({ userId: LEE, actionId: `crew_confirm:${LEE}`, value: `${b.id}:${LEE}:r1`, channelId: lee.channel, messageTs: lee.ts })).statusCode).toBe(200);
  // The refusal is saved with the post's ref, so the tick leaves that post alone (it would redraw it
  // every minute for a day, in one of its five slots).
  expect((await slackFn.app.built.service.get(b.id))!.slack.crewPosts![CAPTAIN]).toMatchObject({ ts: captain.ts, refused: 'message_not_found' });
  slackApi.clear();
  await expect(pipelineFn.handle(TICK, {})).resolves.toEqual({ batchItemFailures: [] });
  expect(slackApi.callsTo('chat.update').filter((c) => c.body.ts === captain.ts)).toEqual([]);
  // A draw of it that lands (the next answer) clears the refusal.
  const ana = b.slack.crewPosts!['U0CREW0002']!;
  expect((await click({ userId: 'U0CREW0002', actionId: 'crew_confirm:U0CREW0002', value: `${b.id}:U0CREW0002:r1`, channelId: ana.channel, messageTs: ana.ts })).statusCode).toBe(200);
  expect((await slackFn.app.built.service.get(b.id))!.slack.crewPosts![CAPTAIN]!.refused).toBeUndefined();
});

/** Slack's crew-post ts of booking `b` the calls recorded since the last clear() updated. */
const crewUpdates = (b: BookingRecord) => {
  const crewTs = Object.values(b.slack.crewPosts!).map((p) => p.ts);
  return slackApi.callsTo('chat.update').filter((c) => crewTs.includes(String(c.body.ts)));
};


/** The office takes Ana off the crew (proposed now; approved and run by the pipeline function when asked). */
async function takeAnaOff(b: BookingRecord, request: Partial<BookingRecord['request']> = {}): Promise<{ approve: () => Promise<void> }> {
  const service = slackFn.app.built.service;
  const details = { request: { ...b.request, ...request, crew: b.request.crew.filter((u) => u !== ANA) }, roster: b.roster.filter((m) => m.slackUserId !== ANA), costs: b.costs };
  const { op } = await service.proposeChange(b.id, { details, label: 'crew swap', userId: APPROVER });
  return {
    approve: async () => {
      expect((await service.approveChange(b.id, op.id, APPROVER)).won).toBe(true);
      const out = await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { id: { S: b.id } }, ConsistentRead: true }));
      await expect(pipelineFn.handle({ Records: [streamRecord(out.Item!)] }, {})).resolves.toEqual({ batchItemFailures: [] });
      expect((await pipelineFn.app.built.service.get(b.id))!.operations?.find((o) => o.id === op.id)?.status).toBe('done');
    },
  };
}

const isOff = (m: Record<string, unknown>) => String(m.text).startsWith("You're off");

/**
 * Lee confirms; while his redraw is drawing Ana's DM, a change takes her off. The redraw's call
 * lands on her DM after the change's "you're off", and its own "you're off", once it reads her off
 * the roster, is refused (Slack's back-pressure): on Lambda it has no round left to try again.
 */
async function anaLeftHoldingCall(b: BookingRecord, request: Partial<BookingRecord['request']> = {}): Promise<void> {
  const lee = b.slack.crewPosts![LEE]!;
  const ana = b.slack.crewPosts![ANA]!;
  const change = await takeAnaOff(b, request);
  slackApi.clear();
  const onAnasDm = () => slackApi.callsTo('chat.update').filter((c) => c.body.ts === ana.ts);
  slackApi.loseNext('chat.update', 1, { effect: 4000, answer: { afterMs: 4100 }, when: (m) => m.ts === ana.ts });
  slackApi.failNext('chat.update', 1, 'ratelimited', (m) => m.ts === ana.ts && isOff(m) && onAnasDm().some((c) => !isOff(c.body)));
  const answered = click({ userId: LEE, actionId: `crew_confirm:${LEE}`, value: `${b.id}:${LEE}:r1`, channelId: lee.channel, messageTs: lee.ts });
  await slackApi.waitFor((calls) => calls.some((c) => c.method === 'chat.update' && c.body.ts === lee.ts));
  await change.approve();
  expect(held(ana)).toContain("You're off this charter");
  expect((await answered).statusCode).toBe(200);
  await slackApi.lateEffectsLanded();
  // The interleaving happened: the change's "you're off", then the redraw's call, then its refused "you're off".
  expect(onAnasDm().map((c) => [isOff(c.body), c.response.ok])).toEqual([[true, true], [false, true], [true, false]]);
  expect(held(ana)).toContain(`crew_confirm:${ANA}`);
}

it("a member a change takes off while a Confirm's redraw lands her call, whose \"you're off\" Slack then refuses, is told by the next minute tick", async () => {
  const b = await doneBooking();
  const ana = b.slack.crewPosts![ANA]!;
  await anaLeftHoldingCall(b);
  // The minute tick finds Ana's DM saved as holding a call although she is off, and tells her so.
  slackApi.clear();
  await expect(pipelineFn.handle(TICK, {})).resolves.toEqual({ batchItemFailures: [] });
  expect(held(ana)).toContain("You're off this charter");
  expect(held(ana)).not.toContain(`crew_confirm:${ANA}`);
  // (Lee's and the captain's DMs too: the redraw saved its first round, drawn before the change, once
  // Ana's late update was answered, over what the change had saved there.)
  expect(crewUpdates(b).map((c) => c.body.ts)).toContain(ana.ts);
  // Drawn and saved: the next tick makes no Slack call on the crew posts.
  slackApi.clear();
  await expect(pipelineFn.handle(TICK, {})).resolves.toEqual({ batchItemFailures: [] });
  expect(crewUpdates(b)).toEqual([]);
});

it("the tick's \"you're off\" names the day the member was called for, when the change also moved the charter", async () => {
  const b = await doneBooking();
  const ana = b.slack.crewPosts![ANA]!;
  const dateText = (post: string) => /You're off this charter: [^—]*/.exec(post)?.[0];
  await anaLeftHoldingCall(b, { date: '2030-07-05' });
  const told = slackApi.callsTo('chat.update').find((c) => c.body.ts === ana.ts && isOff(c.body))!;
  slackApi.clear();
  await expect(pipelineFn.handle(TICK, {})).resolves.toEqual({ batchItemFailures: [] });
  expect(dateText(held(ana))).toBe(dateText(String(told.body.text)));
  expect(dateText(held(ana))).toContain('Jul 4');
});

it("a member's post Slack refuses for good when the tick tells her she is off is not tried by every minute tick", async () => {
  const b = await doneBooking();
  const ana = b.slack.crewPosts![ANA]!;
  await anaLeftHoldingCall(b);
  slackApi.clear();
  slackApi.failNext('chat.update', 1, 'message_not_found', (m) => m.ts === ana.ts);
  await expect(pipelineFn.handle(TICK, {})).resolves.toEqual({ batchItemFailures: [] });
  expect(slackApi.callsTo('chat.update').filter((c) => c.body.ts === ana.ts)).toHaveLength(1);
  expect((await pipelineFn.app.built.service.get(b.id))!.slack.crewPosts![ANA]).toMatchObject({ ts: ana.ts, refused: 'message_not_found' });
  slackApi.clear();
  await expect(pipelineFn.handle(TICK, {})).resolves.toEqual({ batchItemFailures: [] });
  expect(crewUpdates(b)).toEqual([]);
});

it("a member a change took off, her post drawn \"you're off\" by the change, is left alone by the minute tick", async () => {
  const b = await doneBooking();
  const change = await takeAnaOff(b);
  await change.approve();
  slackApi.clear();
  await expect(pipelineFn.handle(TICK, {})).resolves.toEqual({ batchItemFailures: [] });
  expect(crewUpdates(b)).toEqual([]);
});

it('a Confirm clicked on a crew DM while the pipeline function saves its posts shows on the DM once saved', async () => {
  const booking = await slackFn.app.built.service.create(sampleNewBooking());
  expect((await click({ userId: APPROVER, actionId: 'booking_approve', value: booking.id, channelId: OPS_CHANNEL })).statusCode).toBe(200);
  const out = await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { id: { S: booking.id } }, ConsistentRead: true }));
  slackApi.clear();
  // Every post takes effect at once and is answered late: the crew step saves its posts only once all have settled.
  slackApi.slowNext('chat.postMessage', 20, 1500);
  const setUp = pipelineFn.handle({ Records: [streamRecord(out.Item!)] }, {});
  const isLeesCall = (m: { metadata?: unknown }) => JSON.stringify(m.metadata ?? {}).includes('"post":"crew_call"') && JSON.stringify(m.metadata).includes(`"to":"${LEE}"`) && JSON.stringify(m.metadata).includes(booking.id);
  await slackApi.waitFor(() => slackApi.messages().some(isLeesCall), 15_000);
  const call = slackApi.messages().find(isLeesCall)!;
  expect((await slackFn.app.built.service.get(booking.id))!.slack.crewPosts?.[LEE]).toBeUndefined();

  expect((await click({ userId: LEE, actionId: `crew_confirm:${LEE}`, value: `${booking.id}:${LEE}:r1`, channelId: call.channel, messageTs: call.ts })).statusCode).toBe(200);
  await expect(setUp).resolves.toEqual({ batchItemFailures: [] });
  const done = (await pipelineFn.app.built.service.get(booking.id))!;
  expect(done.state).toBe('done');
  expect(done.confirmations[LEE]).toBeDefined();
  // Drawn by the step before the invocation ended, not left for a tick.
  expect(held(call)).toContain(':white_check_mark: confirmed');
  expect(held(call)).not.toContain(`crew_confirm:${LEE}`);
  const ephemerals = slackApi.callsTo('chat.postEphemeral').filter((c) => c.body.user === LEE).map((c) => String(c.body.text));
  expect(ephemerals.filter((t) => t.includes('reminder'))).toEqual([]);
});
