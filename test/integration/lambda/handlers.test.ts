/**
 * The Lambda bundles, built once with esbuild into a temp folder and loaded with require(): the
 * Slack handler answers signed Function URL events (views.open reaches the Slack stand-in), and
 * the pipeline handler runs an approved booking to done from a DynamoDB stream record against the
 * integration stand-ins and dynalite — twice delivered, once done.
 */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBClient, GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Metafile } from 'esbuild';
import { buildLambdaBundles, LOADED_ON_FIRST_USE, MAX_BUNDLE_BYTES, reExportsOnly, type BuiltBundle } from '../../../scripts/build-lambda';
import { createLogger } from '../../../src/log';
import { DynamoBookingStore } from '../../../src/pipeline/dynamodb-store';
import { startIcalFeedStandin } from '../../../src/sandbox/ical-feed-standin';
import { startSlackApiStandin, type SlackApiStandin } from '../../../src/sandbox/slack-api-standin';
import { S3RVER_CREDENTIALS } from '../../../src/sandbox/s3-standin';
import { startStandins, type Standins } from '../../../src/sandbox/standins';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { standinAppEnv } from '../../support/env';
import { appHomeOpenedEvent, blockActionPayload, interactivityBody, SlackRequester, slashCommandBody, userChangeEvent } from '../../support/slack-requests';
import { functionUrlEvent, streamRecord } from './support';

type SlackModule = typeof import('../../../src/lambda');
type PipelineModule = typeof import('../../../src/lambda-pipeline');

const ROOT = path.resolve(__dirname, '../../..');
const SIGNING_SECRET = 'lambda-test-signing-secret-0123';
const APPROVER = 'U0APPROVE1';
const OPS_CHANNEL = 'C0OPS00001';
const TABLE = 'charter-bookings-lambda';
/**
 * The step lease, scaled down (production 20 s on Lambda, 15 s elsewhere), but not so far that a
 * loaded machine fences a healthy run: the first run here loads lazy.js and warms dynalite, which
 * under load stalls the event loop for seconds. At 1.5 s the create's first attempts were fenced,
 * their retries waited out the 35 s create quiet time (a fenced POST may have landed), and the
 * test timed out. The cost: an instance waiting on another's lease (two deliveries at once) waits
 * up to this long.
 */
const LEASE_MS = 5000;

let outDir: string;
let bundles: BuiltBundle[];
let slackModule: SlackModule;
let pipelineModule: PipelineModule;
let standins: Standins;
let slackApi: SlackApiStandin;
let slackLambda: Awaited<ReturnType<SlackModule['createSlackHandler']>>;
let pipelineLambda: Awaited<ReturnType<PipelineModule['createPipelineHandler']>>;
let secondPipelineLambda: Awaited<ReturnType<PipelineModule['createPipelineHandler']>>;
let ddb: DynamoDBClient;
let s3: S3Client;
let lambdaEnv: Record<string, string | undefined>;
const requester = new SlackRequester({ url: 'http://unused.invalid', signingSecret: SIGNING_SECRET });
const log = createLogger({ level: 'silent' });

beforeAll(async () => {
  outDir = mkdtempSync(path.join(tmpdir(), 'charter-lambda-'));
  bundles = await buildLambdaBundles(outDir);
  const file = (name: string) => bundles.find((b) => b.name === name)?.file ?? '';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  slackModule = require(file('slack')) as SlackModule;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  pipelineModule = require(file('pipeline')) as PipelineModule;

  [standins, slackApi] = await Promise.all([startStandins(), startSlackApiStandin()]);
  ddb = new DynamoDBClient({ endpoint: standins.dynamodb.endpoint, region: 'us-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  s3 = new S3Client({ endpoint: standins.env.AWS_ENDPOINT_URL_S3, region: 'us-west-2', forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
  await new DynamoBookingStore({ client: ddb, table: TABLE }).ensureTable({ create: true });

  const env = standinAppEnv({ standins: standins.env, slackApiUrl: slackApi.url, signingSecret: SIGNING_SECRET, approver: APPROVER, opsChannel: OPS_CHANNEL, store: `dynamodb:${TABLE}` });
  const deps = { log, slackClientOptions: { retryConfig: { retries: 0 } }, runner: { baseDelayMs: 5, maxDelayMs: 20, leaseMs: LEASE_MS }, progressMinIntervalMs: 50 };
  slackLambda = await slackModule.createSlackHandler({ env: { ...env, AWS_LAMBDA_FUNCTION_NAME: 'charter-bot-slack' }, deps });
  lambdaEnv = { ...env, AWS_LAMBDA_FUNCTION_NAME: 'charter-bot-pipeline' };
  pipelineLambda = await pipelineModule.createPipelineHandler({ env: lambdaEnv, deps });
  secondPipelineLambda = await pipelineModule.createPipelineHandler({ env: { ...env, AWS_LAMBDA_FUNCTION_NAME: 'charter-bot-pipeline' }, deps });
}, 120_000);

afterAll(async () => {
  await slackLambda?.app.close();
  await pipelineLambda?.app.close();
  await secondPipelineLambda?.app.close();
  ddb?.destroy();
  s3?.destroy();
  await slackApi?.close();
  await standins?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

async function rawItem(id: string): Promise<Record<string, AttributeValue>> {
  const out = await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { id: { S: id } }, ConsistentRead: true }));
  if (!out.Item) throw new Error(`no item ${id}`);
  return out.Item;
}

/** What a booking left in every outside system, counted in the stand-ins' own records. */
function artifacts(id: string) {
  return {
    calendar: standins.dashboard.entries().filter((e) => e.externalId === id).length,
    scc: standins.scc.events().filter((e) => e.externalId === id).length,
    invalidations: standins.cloudfront.invalidations().filter((i) => i.callerReference.startsWith(id)).length,
    // One crew call per roster member (captain + 2 crew), each by DM; a duplicate would make it more.
    crewPosts: slackApi.callsTo('chat.postMessage').filter((c) => JSON.stringify(c.body).includes(id) && JSON.stringify(c.body.blocks ?? []).includes('crew_confirm')).length,
  };
}

/** esbuild's metafile the build wrote beside a function's folder: both files' inputs and outputs. */
function metafileOf(b: BuiltBundle): Pick<Metafile, 'inputs' | 'outputs'> {
  return JSON.parse(readFileSync(path.join(path.dirname(b.file), '..', `${b.name}.meta.json`), 'utf8')) as Metafile;
}

describe('the Lambda bundles', () => {
  it('build under the size limit, without native modules, and export two-argument handlers', () => {
    expect(bundles.map((b) => b.name).sort()).toEqual(['pipeline', 'slack']);
    for (const b of bundles) {
      expect(b.bytes).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
      expect(b.bytes).toBeGreaterThan(100_000);
      for (const file of [b.file, b.lazyFile]) {
        const code = readFileSync(file, 'utf8');
        expect(code.includes('better-sqlite3')).toBe(false);
        // Bundled, not left to the runtime's copy (an SDK error message quotes one require, hence the prefix).
        expect(code.match(/[=(,;]require\("(express|@aws-sdk\/[^"]+|@slack\/[^"]+)"\)/g)).toBeNull();
      }
      expect(existsSync(path.join(path.dirname(b.file), 'templates', 'guest-page.hbs'))).toBe(true);
    }
    expect(slackModule.handler.length).toBe(2);
    expect(pipelineModule.handler.length).toBe(2);
  });

  it('split in two: index.js, what a cold start requires, without what loads on first use; lazy.js, with no second copy of a module', () => {
    for (const b of bundles) {
      const { outputs } = metafileOf(b);
      const codeIn = (file: string) => new Set(Object.entries(outputs[path.relative(ROOT, file)]?.inputs ?? {}).filter(([, i]) => i.bytesInOutput > 0).map(([input]) => input));
      const index = codeIn(b.file);
      const lazy = codeIn(b.lazyFile);
      expect(index.size).toBeGreaterThan(100);
      expect(lazy.size).toBeGreaterThan(100);
      for (const pkg of LOADED_ON_FIRST_USE) {
        expect([...index].filter((i) => i.includes(`node_modules/${pkg}/`))).toEqual([]);
        expect([...lazy].some((i) => i.includes(`node_modules/${pkg}/`))).toBe(true);
      }
      // Barrels (re-exports only) hold no state and may sit in both; any other module must not.
      const twice = [...index].filter((i) => lazy.has(i) && !reExportsOnly(path.join(ROOT, i)));
      expect(twice).toEqual([]);
      expect(b.bytes).toBe(b.indexBytes + readFileSync(b.lazyFile).length);
    }
  });

  it('load lazy.js only when something deferred first loads, and every module src/lazy-modules.ts defers loads from it', () => {
    const probe = `
const loadedAtRequire = (require(process.argv[1]), Object.keys(require.cache));
const lazy = require(process.argv[2]);
const exportsOf = Object.fromEntries(JSON.parse(process.argv[3]).map((key) => [key, Object.keys(lazy.load(key)).length]));
process.stdout.write(JSON.stringify({ loadedAtRequire, exportsOf }));`;
    for (const b of bundles) {
      const deferred = Object.keys(metafileOf(b).inputs).filter((i) => i.startsWith('lazy-file:')).map((i) => i.slice('lazy-file:'.length));
      expect(deferred).toEqual(expect.arrayContaining(['src/integrations/index.ts', 'src/pipeline/step-implementations.ts', 'src/doctor/run.ts']));
      const out = JSON.parse(execFileSync(process.execPath, ['-e', probe, b.file, b.lazyFile, JSON.stringify(deferred)], { env: { PATH: process.env.PATH ?? '' } }).toString()) as { loadedAtRequire: string[]; exportsOf: Record<string, number> };
      expect(out.loadedAtRequire).toEqual([b.file]);
      for (const key of deferred) expect(out.exportsOf[key]).toBeGreaterThan(0);
    }
  });

  it('leave out what AwsLambdaReceiver never runs: the other receivers, Express, Socket Mode, raw-body and what they load', () => {
    for (const b of bundles) {
      const inputs = Object.keys(metafileOf(b).inputs);
      expect(inputs.filter((i) => /node_modules\/(express|body-parser|raw-body|iconv-lite|http-errors|path-to-regexp|@slack\/socket-mode|thread-stream)\//.test(i))).toEqual([]);
      expect(inputs.filter((i) => /@slack\/bolt\/dist\/receivers\/(HTTP|Express|SocketMode)Receiver/.test(i))).toEqual([]);
      expect(inputs).toEqual(expect.arrayContaining(['lambda-stub:bolt-receivers', 'lambda-stub:raw-body', 'lambda-stub:thread-stream']));
    }
  });

  it('keep only the environment and HTTP links of the AWS SDK credential chain (Lambda sets the role’s keys in the environment)', () => {
    for (const b of bundles) {
      const inputs = Object.keys(metafileOf(b).inputs);
      expect(inputs.filter((i) => /node_modules\/@aws-sdk\/(credential-provider-(node|ini|sso|process|web-identity|login)|nested-clients|token-providers)\/|credential-provider-imds/.test(i))).toEqual([]);
      expect(inputs).toEqual(expect.arrayContaining(['lambda-stub:@aws-sdk/credential-provider-node']));
    }
  });

  it('never require() an AWS SDK client’s index from our code: a require keeps all of its commands, an import only those used', () => {
    for (const b of bundles) {
      const required = Object.entries(metafileOf(b).inputs).flatMap(([from, input]) =>
        input.imports.filter((i) => i.kind === 'require-call' && /node_modules\/@aws-sdk\/client-/.test(i.path)).map((i) => `${from} -> ${i.path}`),
      );
      expect(required).toEqual([]);
    }
  });

  it('hold only the AWS SDK commands our code imports, in both files, not every command behind each client’s aggregated class', () => {
    for (const b of bundles) {
      const { outputs } = metafileOf(b);
      // What each file holds code of, itself (a stand-in for a module index.js holds is named from-index:…).
      const own = (file: string) => Object.entries(outputs[path.relative(ROOT, file)]?.inputs ?? {}).filter(([input, i]) => i.bytesInOutput > 0 && !input.startsWith('from-index:')).map(([input]) => input);
      const commands = (code: string[]) => code.filter((i) => /\/client-(dynamodb|s3|cloudfront)\/dist-es\/commands\//.test(i)).map((i) => path.basename(i, '.js'));
      for (const code of [own(b.file), own(b.lazyFile)]) {
        expect(code.filter((i) => /\/client-(dynamodb|s3|cloudfront)\/dist-es\/(DynamoDB|S3|CloudFront)\.js$/.test(i))).toEqual([]);
        expect(commands(code).length).toBeLessThanOrEqual(8);
      }
      expect(commands(own(b.file))).toEqual(expect.arrayContaining(['GetItemCommand', 'PutItemCommand']));
      expect(commands(own(b.lazyFile))).toEqual(expect.arrayContaining(['PutObjectCommand', 'CreateInvalidationCommand', 'UpdateItemCommand']));
    }
  });
});

describe('Slack handler (Function URL event)', () => {
  it('the exported handler refuses to serve without configuration, naming the problems and no values', async () => {
    const saved = process.env.SLACK_BOT_TOKEN;
    delete process.env.SLACK_BOT_TOKEN;
    try {
      const body = slashCommandBody({ user_id: APPROVER, channel_id: 'C0ORIGIN01' });
      const failure = slackModule.handler(functionUrlEvent(body, requester.headers(body)), {});
      await expect(failure).rejects.toMatchObject({ name: 'LambdaConfigError', code: 'LAMBDA_CONFIG_INVALID', retryable: false });
      await expect(failure).rejects.toThrow(/SLACK_BOT_TOKEN is required/);
    } finally {
      if (saved !== undefined) process.env.SLACK_BOT_TOKEN = saved;
    }
  });

  it('/charter doctor reads an iCal feed in the Slack function as it does anywhere (ical.js loads on first use)', async () => {
    const feeds = await startIcalFeedStandin();
    const start = new Date(Date.now() + 5 * 86_400_000);
    feeds.setEvents('boatsetter', [{ uid: 'bs-1@boatsetter.com', start, end: new Date(start.getTime() + 3 * 3_600_000), summary: 'Charter' }]);
    const withFeeds = await slackModule.createSlackHandler({ env: { ...lambdaEnv, AWS_LAMBDA_FUNCTION_NAME: 'charter-bot-slack', CHARTER_ICAL_FEEDS: `Boatsetter=${feeds.feedUrl('boatsetter')}` }, deps: { log, slackClientOptions: { retryConfig: { retries: 0 } } } });
    try {
      const before = slackApi.callsTo('chat.postEphemeral').length;
      const body = slashCommandBody({ user_id: APPROVER, channel_id: OPS_CHANNEL, text: 'doctor' });
      expect((await withFeeds.handle(functionUrlEvent(body, requester.headers(body)), {})).statusCode).toBe(200);
      const report = slackApi.callsTo('chat.postEphemeral').slice(before).map((c) => String(c.body.text)).join('\n');
      expect(report).toMatch(/✅ iCal feed Boatsetter\s+reads as iCalendar \(1 event/);
    } finally {
      await withFeeds.app.close();
      await feeds.close();
    }
  });

  it('/charter doctor answers inside Slack\'s 3 s though the dashboard hangs: what has not finished by 2 s says so', async () => {
    const hung = createServer((req) => req.resume());
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const hungLambda = await slackModule.createSlackHandler({ env: { ...lambdaEnv, AWS_LAMBDA_FUNCTION_NAME: 'charter-bot-slack', DASHBOARD_URL: `http://127.0.0.1:${(hung.address() as AddressInfo).port}/prod` }, deps: { log, slackClientOptions: { retryConfig: { retries: 0 } } } });
    try {
      const before = slackApi.callsTo('chat.postEphemeral').length;
      const body = slashCommandBody({ user_id: APPROVER, channel_id: OPS_CHANNEL, text: 'doctor' });
      expect((await hungLambda.handle(functionUrlEvent(body, requester.headers(body)), {})).statusCode).toBe(200);
      // Without the run's deadline the dashboard line would be its own 5 s timeout, and the answer that late.
      const report = slackApi.callsTo('chat.postEphemeral').slice(before).map((c) => String(c.body.text)).join('\n');
      expect(report).toMatch(/⚠️? ?Dashboard\s+not finished within 2000 ms/);
      expect(report).toMatch(/✅ SCC key/);
    } finally {
      await hungLambda.app.close();
      hung.closeAllConnections();
      await new Promise((resolve) => hung.close(resolve));
    }
  });

  it('answers a correctly signed /charter with 200 and opens the booking modal through the Web API', async () => {
    const before = slackApi.callsTo('views.open').length;
    const body = slashCommandBody({ user_id: APPROVER, channel_id: 'C0ORIGIN01' });
    const res = await slackLambda.handle(functionUrlEvent(body, requester.headers(body)), {});
    expect(res.statusCode).toBe(200);
    const opened = slackApi.callsTo('views.open').slice(before);
    expect(opened).toHaveLength(1);
    expect(opened[0]?.body.view).toMatchObject({ type: 'modal' });
  });

  it('answers 401 to a badly signed request and calls nothing', async () => {
    const before = slackApi.calls.length;
    const body = slashCommandBody({ user_id: APPROVER, channel_id: 'C0ORIGIN01' });
    const res = await slackLambda.handle(functionUrlEvent(body, requester.headers(body, { signingSecret: 'not-the-signing-secret' })), {});
    expect(res.statusCode).toBe(401);
    expect(slackApi.calls.length).toBe(before);
  });

  it('answers 401 to a signature older than five minutes', async () => {
    const body = slashCommandBody({ user_id: APPROVER, channel_id: 'C0ORIGIN01' });
    const res = await slackLambda.handle(functionUrlEvent(body, requester.headers(body, { timestampSec: Math.floor(Date.now() / 1000) - 600 })), {});
    expect(res.statusCode).toBe(401);
  });

  it('answers 401 to a correctly signed request stamped 10 minutes in the future, and calls nothing', async () => {
    const before = slackApi.calls.length;
    const body = slashCommandBody({ user_id: APPROVER, channel_id: 'C0ORIGIN01' });
    const res = await slackLambda.handle(functionUrlEvent(body, requester.headers(body, { timestampSec: Math.floor(Date.now() / 1000) + 600 })), {});
    expect(res.statusCode).toBe(401);
    expect(slackApi.calls.length).toBe(before);
  });
});

describe('pipeline handler (DynamoDB stream event)', () => {
  it('approval in the Slack function only writes state; the stream record runs the booking to done; redelivery changes nothing', async () => {
    const service = slackLambda.app.built.service;
    const booking = await service.create(sampleNewBooking());
    const outcome = await service.approve(booking.id, APPROVER);
    expect(outcome.won).toBe(true);
    await service.idle();
    expect((await service.get(booking.id))?.state).toBe('approved'); // no run started in the Slack function

    const event = { Records: [streamRecord(await rawItem(booking.id))] };
    await expect(pipelineLambda.handle(event, {})).resolves.toEqual({ batchItemFailures: [] });
    const done = await service.get(booking.id);
    expect(done?.state).toBe('done');
    expect(artifacts(booking.id)).toEqual({ calendar: 1, scc: 1, invalidations: 1, crewPosts: 3 });
    const key = `jada-guest-${booking.id.toLowerCase()}.html`;
    const object = await s3.send(new HeadObjectCommand({ Bucket: standins.env.GUEST_BUCKET, Key: key }));
    expect(object.ContentType).toBe('text/html; charset=utf-8');

    // The same record again (Lambda's at-least-once delivery), and the run's own `running` image.
    await expect(pipelineLambda.handle(event, {})).resolves.toEqual({ batchItemFailures: [] });
    const runningImage = { ...(await rawItem(booking.id)), state: { S: 'running' } };
    await expect(pipelineLambda.handle({ Records: [streamRecord(runningImage)] }, {})).resolves.toEqual({ batchItemFailures: [] });
    expect(artifacts(booking.id)).toEqual({ calendar: 1, scc: 1, invalidations: 1, crewPosts: 3 });
    const after = await service.get(booking.id);
    expect(after?.version).toBe(done?.version); // not one write: no step re-ran, so no second S3 PutObject
  });

  it('an Approve click answered by the Slack function leaves the booking approved with no side effect; its stream record finishes it', async () => {
    const service = slackLambda.app.built.service;
    const booking = await service.create(sampleNewBooking());
    const body = interactivityBody(blockActionPayload({ userId: APPROVER, actionId: 'booking_approve', value: booking.id, channelId: OPS_CHANNEL }));
    const res = await slackLambda.handle(functionUrlEvent(body, requester.headers(body)), {});
    expect(res.statusCode).toBe(200);
    // The response is back and the instance could freeze now: nothing was started in it.
    expect((await service.get(booking.id))?.state).toBe('approved');
    expect(artifacts(booking.id)).toEqual({ calendar: 0, scc: 0, invalidations: 0, crewPosts: 0 });

    await expect(pipelineLambda.handle({ Records: [streamRecord(await rawItem(booking.id))] }, {})).resolves.toEqual({ batchItemFailures: [] });
    expect((await service.get(booking.id))?.state).toBe('done');
    expect(artifacts(booking.id)).toEqual({ calendar: 1, scc: 1, invalidations: 1, crewPosts: 3 });
  });

  it('the progress thread gets one message when the pipeline function starts before the Slack function’s post has answered', async () => {
    const service = slackLambda.app.built.service;
    const booking = await service.create(sampleNewBooking());
    // The progress message: the booking's metadata, of the post kind `progress`.
    const progressPosts = () => slackApi.callsTo('chat.postMessage').filter((c) => c.body.channel === OPS_CHANNEL && JSON.stringify(c.body.metadata ?? {}).includes(booking.id) && JSON.stringify(c.body.metadata).includes('"post":"progress"'));
    // The Slack function's progress post lands in Slack at once; its answer (the ts) comes 1 s later.
    slackApi.slowNext('chat.postMessage', 1, 1000);
    const body = interactivityBody(blockActionPayload({ userId: APPROVER, actionId: 'booking_approve', value: booking.id, channelId: OPS_CHANNEL }));
    const click = slackLambda.handle(functionUrlEvent(body, requester.headers(body)), {});
    await slackApi.waitFor(() => progressPosts().length === 1);
    const waitsBefore = pipelineLambda.app.built.progress.stats.claimWaits;
    const run = pipelineLambda.handle({ Records: [streamRecord(await rawItem(booking.id))] }, {});
    expect((await click).statusCode).toBe(200);
    await expect(run).resolves.toEqual({ batchItemFailures: [] });

    expect((await service.get(booking.id))?.state).toBe('done');
    expect(progressPosts()).toHaveLength(1);
    const ts = String(progressPosts()[0]?.response.ts);
    expect((await service.get(booking.id))?.slack.progressTs).toBe(ts);
    // The pipeline function waited for that message and then kept it up to date, to the end.
    expect(pipelineLambda.app.built.progress.stats.claimWaits).toBeGreaterThan(waitsBefore);
    const updates = slackApi.callsTo('chat.update').filter((c) => c.body.ts === ts);
    expect(updates.length).toBeGreaterThan(0);
    expect(String(updates.at(-1)?.body.text)).toMatch(/done|ready|live/i);
  });

  it('a Cancel charter click on a done booking only writes state in the Slack function; its stream record runs the cancel, once', async () => {
    const service = slackLambda.app.built.service;
    const booking = await service.create(sampleNewBooking());
    await service.approve(booking.id, APPROVER);
    await pipelineLambda.handle({ Records: [streamRecord(await rawItem(booking.id))] }, {});
    expect((await service.get(booking.id))?.state).toBe('done');

    const body = interactivityBody(blockActionPayload({ userId: APPROVER, actionId: 'booking_cancel', value: booking.id, channelId: OPS_CHANNEL }));
    expect((await slackLambda.handle(functionUrlEvent(body, requester.headers(body)), {})).statusCode).toBe(200);
    expect((await service.get(booking.id))?.state).toBe('running');
    expect(artifacts(booking.id).calendar).toBe(1);

    const event = { Records: [streamRecord(await rawItem(booking.id))] };
    await Promise.all([pipelineLambda.handle(event, {}), secondPipelineLambda.handle(event, {})]);
    const cancelled = await service.get(booking.id);
    expect(cancelled?.state).toBe('cancelled');
    expect(artifacts(booking.id).calendar).toBe(0);
    const eventId = String(cancelled?.steps.scc_event.result?.eventId);
    expect(standins.scc.patches().filter((p) => p.eventId === eventId)).toEqual([{ eventId, body: { status: 'cancelled' } }]);
    expect(artifacts(booking.id).invalidations).toBe(2);
    await expect(pipelineLambda.handle(event, {})).resolves.toEqual({ batchItemFailures: [] });
    expect((await service.get(booking.id))?.version).toBe(cancelled?.version);
  });

  it('the same record delivered to two instances at once makes one set of artifacts', async () => {
    const service = slackLambda.app.built.service;
    const booking = await service.create(sampleNewBooking());
    await service.approve(booking.id, APPROVER);
    const event = { Records: [streamRecord(await rawItem(booking.id))] };
    const results = await Promise.all([pipelineLambda.handle(event, {}), secondPipelineLambda.handle(event, {})]);
    expect(results).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    expect((await service.get(booking.id))?.state).toBe('done');
    expect(artifacts(booking.id)).toEqual({ calendar: 1, scc: 1, invalidations: 1, crewPosts: 3 });
  });

  it('a Home tab opened through the Slack function is refreshed by a pipeline instance when it runs a booking, before the invocation ends', async () => {
    const body = JSON.stringify(appHomeOpenedEvent({ userId: APPROVER }));
    expect((await slackLambda.handle(functionUrlEvent(body, { ...requester.headers(body), 'content-type': 'application/json' }), {})).statusCode).toBe(200);
    const publishes = () => slackApi.callsTo('views.publish').filter((c) => c.body.user_id === APPROVER);
    expect(publishes().length).toBeGreaterThan(0);

    // A pipeline instance that never saw this user: it learns of them from the store.
    const instance = await pipelineModule.createPipelineHandler({ env: lambdaEnv, deps: { log, slackClientOptions: { retryConfig: { retries: 0 } }, runner: { baseDelayMs: 5, maxDelayMs: 20, leaseMs: LEASE_MS }, progressMinIntervalMs: 50 } });
    try {
      const inThreeDays = new Date(Date.now() + 3 * 86_400_000).toLocaleDateString('en-CA', { timeZone: 'America/Los_Angeles' });
      const sample = sampleNewBooking();
      const service = slackLambda.app.built.service;
      const booking = await service.create({ ...sample, request: { ...sample.request, date: inThreeDays, guestName: 'Hana Home' } });
      await service.approve(booking.id, APPROVER);
      // What a Slack function invocation does before it ends: its own refresh after the approval
      // goes now, not during the pipeline's run below.
      await slackLambda.app.built.home.flush();
      const before = publishes().length;
      await expect(instance.handle({ Records: [streamRecord(await rawItem(booking.id))] }, {})).resolves.toEqual({ batchItemFailures: [] });
      // On a slow machine the run outlasts the 2 s debounce and the tab is also refreshed mid-run;
      // either way the last refresh, sent before the invocation ended, shows the booking done.
      const refreshed = publishes().slice(before);
      expect(refreshed.length).toBeGreaterThanOrEqual(1);
      expect(instance.app.built.home.stats.published).toBe(refreshed.length);
      const shown = JSON.stringify(refreshed.at(-1)?.body.view);
      expect(shown).toContain('Hana');
      expect(shown).toContain('all set');
    } finally {
      await instance.app.close();
    }
  });

  it('ignores records that start nothing: pending approval, removals', async () => {
    const service = slackLambda.app.built.service;
    const booking = await service.create(sampleNewBooking());
    const item = await rawItem(booking.id);
    const event = { Records: [streamRecord(item, 'INSERT'), streamRecord(item, 'REMOVE')] };
    expect(pipelineModule.bookingsToRun(event)).toEqual([]);
    await expect(pipelineLambda.handle(event, {})).resolves.toEqual({ batchItemFailures: [] });
    expect((await service.get(booking.id))?.state).toBe('pending_approval');
    expect(artifacts(booking.id)).toEqual({ calendar: 0, scc: 0, invalidations: 0, crewPosts: 0 });
  });

  it('runs each booking once per batch and reports the first record of a booking it could not run', () => {
    const a = { id: { S: 'AAAAAAAAAAAA' }, state: { S: 'approved' } };
    const b = { id: { S: 'BBBBBBBBBBBB' }, state: { S: 'running' } };
    const records = [streamRecord(a), streamRecord(b), streamRecord(a)];
    expect(pipelineModule.bookingsToRun({ Records: records })).toEqual([
      { id: 'AAAAAAAAAAAA', sequenceNumber: records[0]?.dynamodb.SequenceNumber },
      { id: 'BBBBBBBBBBBB', sequenceNumber: records[1]?.dynamodb.SequenceNumber },
    ]);
  });

  it('starts nothing for the store’s meta items (iCal watcher state) in the same table', () => {
    const meta = { id: { S: 'meta#ical:feed:Boatsetter' }, itemType: { S: 'meta' }, version: { N: '3' }, value: { S: '{"events":{}}' } };
    expect(pipelineModule.bookingsToRun({ Records: [streamRecord(meta), streamRecord(meta, 'INSERT')] })).toEqual([]);
  });

  it('skips a record whose booking is no longer in the table', async () => {
    const ghost = { id: { S: 'GHOST0000000' }, state: { S: 'approved' }, version: { N: '2' } };
    await expect(pipelineLambda.handle({ Records: [streamRecord(ghost)] }, {})).resolves.toEqual({ batchItemFailures: [] });
  });

  it('a step that fails in lazy.js is judged by index.js’s error classes: the operator gets the fix, not "a bug in charter-bot"', async () => {
    // The dashboard client (lazy.js) throws UpstreamAuthError; the runner (index.js) reads its code
    // and fix only if both files share one src/integrations/errors.ts (instanceof).
    const wrongToken = await pipelineModule.createPipelineHandler({ env: { ...lambdaEnv, DASHBOARD_TOKEN: 'not-the-dashboard-token' }, deps: { log, runner: { baseDelayMs: 5, maxDelayMs: 20, leaseMs: LEASE_MS } } });
    try {
      const service = slackLambda.app.built.service;
      const booking = await service.create(sampleNewBooking());
      expect((await service.approve(booking.id, APPROVER)).won).toBe(true);
      await expect(wrongToken.handle({ Records: [streamRecord(await rawItem(booking.id))] }, {})).resolves.toEqual({ batchItemFailures: [] });
      const failed = await service.get(booking.id);
      expect(failed?.state).toBe('failed');
      expect(failed?.steps.calendar.error).toMatchObject({ code: 'DASHBOARD_UNAUTHORIZED', retryable: false });
      expect(failed?.steps.calendar.error?.message).toMatch(/DASHBOARD_TOKEN/);
    } finally {
      await wrongToken.app.close();
    }
  });

  it('hands every booking back as a batch item failure when the state table cannot be read', async () => {
    const broken = await pipelineModule.createPipelineHandler({ env: { ...lambdaEnv, CHARTER_STORE: 'dynamodb:no-such-table' }, deps: { log } });
    try {
      const records = [streamRecord({ id: { S: 'AAAAAAAAAAAA' }, state: { S: 'approved' } }), streamRecord({ id: { S: 'BBBBBBBBBBBB' }, state: { S: 'running' } })];
      const res = await broken.handle({ Records: records }, {});
      expect(res.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(records.map((r) => r.dynamodb.SequenceNumber).sort());
    } finally {
      await broken.app.close();
    }
  });
});

describe('Slack handler: a member deactivated (user_change)', () => {
  it('tells the office of their booking before the invocation ends, on the DynamoDB store, once however often Slack delivers it', async () => {
    const gone = 'U0GONE0001';
    const service = slackLambda.app.built.service;
    const sample = sampleNewBooking();
    const booking = await service.create({ ...sample, roster: [...sample.roster.filter((m) => m.role === 'captain'), { slackUserId: gone, name: 'Gil Gone', role: 'crew' }] });
    expect((await service.approve(booking.id, APPROVER)).won).toBe(true);
    await expect(pipelineLambda.handle({ Records: [streamRecord(await rawItem(booking.id))] }, {})).resolves.toEqual({ batchItemFailures: [] });
    expect((await service.get(booking.id))?.state).toBe('done');

    slackApi.setUser({ id: gone, realName: 'Gil Gone', deleted: true });
    const body = JSON.stringify(userChangeEvent({ userId: gone, realName: 'Gil Gone', deleted: true }));
    const lines = () => slackApi.callsTo('chat.postMessage').filter((c) => String(c.body.text).startsWith(`:warning: <@${gone}>'s Slack account was deactivated`));
    for (const retryNum of [undefined, 1]) {
      const headers = { ...requester.headers(body, retryNum === undefined ? {} : { retryNum }), 'content-type': 'application/json' };
      expect((await slackLambda.handle(functionUrlEvent(body, headers), {})).statusCode).toBe(200);
      // posted and recorded before the response: after it the instance may be frozen
      expect(lines()).toHaveLength(1);
    }
    expect(lines()[0]?.body.thread_ts).toBe(booking.slack.approvalTs);
    expect((await service.get(booking.id))?.reminders?.[`deactivated:${gone}`]?.sentAtMs).toBeGreaterThan(0);
  });
});
