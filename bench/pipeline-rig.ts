/**
 * The bot as its own process (`node dist/main.js`, as `npm start` runs it, production defaults) wired to the
 * stand-ins, with latency on every outside call: the dashboard, SCC and CloudFront stand-ins inject
 * it themselves; s3rver, dynalite and the Slack stand-in cannot, so a latency proxy sits in front
 * of each. Bookings are written to the bot's SQLite file as the modal would, then approved with a
 * signed Approve click, the way an operator does it. Used by P2 and P3.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APPROVE_ACTION_ID } from '../src/slack/blocks/approval';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoBookingStore } from '../src/pipeline/dynamodb-store';
import { SqliteBookingStore } from '../src/pipeline/sqlite-store';
import type { BookingStore } from '../src/pipeline/store';
import type { BookingRecord, StepName } from '../src/pipeline/types';
import type { SlackApiStandin } from '../src/sandbox/slack-api-standin';
import { blockActionPayload, SlackRequester } from '../src/sandbox/slack-requests';
import type { Standins } from '../src/sandbox/standins';
import { APPROVER, appEnv, BOT_SCRIPT, type Child, CREW_CHANNEL, doneAtMs, firstOk, freePort, latencyDepth, OPS_CHANNEL, pendingBooking, SIGNING_SECRET, spawnNode, startLatencyProxy, type LatencyProxy, waitUntil } from './harness';

export interface PipelineRig {
  standins: Standins;
  slack: SlackApiStandin;
  s3: LatencyProxy;
  dynamodb: LatencyProxy;
  slackProxy: LatencyProxy;
  child: Child;
  /** The bot's own store, opened by the bench directly (not through the latency proxy). */
  store: BookingStore;
  /** DynamoDB table of the bot's store when it runs on DynamoDB. */
  storeTable?: string;
  requester: SlackRequester;
  /** Latency on every outside call from now on (0 clears it). */
  setLatency(ms: number): void;
  latencyMs: number;
  /** Forgets every recorded call (stand-ins, proxies, Slack). */
  clearCalls(): void;
  createPending(count: number): Promise<BookingRecord[]>;
  /** Clicks Approve on each booking at once; resolves with the time the first click was sent. */
  approveAll(ids: readonly string[]): Promise<number>;
  /** Clicks Approve on one booking; when the click was sent and when its 200 came back. */
  approveOne(id: string): Promise<{ sentAtMs: number; answeredAtMs: number }>;
  /** Clicks Approve on each booking at once from a separate process (bench/clicker.ts); each answer's time in ms. */
  approveTimed(ids: readonly string[]): Promise<{ sentAtMs: number; answerMs: number[]; answeredAtMs: number[] }>;
  waitDone(ids: readonly string[], timeoutMs: number): Promise<BookingRecord[]>;
  /** Injected latencies one after another per step, from the calls the stand-ins and proxies saw. */
  stepDepths(): Record<StepName, number>;
  close(): Promise<void>;
}

let counter = 0;

export interface PipelineRigOptions {
  /** Run the bot on a DynamoDB store (this table on dynalite, created here) instead of SQLite. */
  dynamodbTable?: string;
}

export async function startPipelineRig(standins: Standins, slack: SlackApiStandin, options: PipelineRigOptions = {}): Promise<PipelineRig> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-pipeline-'));
  const s3 = await startLatencyProxy(standins.s3.endpoint);
  const dynamodb = await startLatencyProxy(standins.dynamodb.endpoint);
  const slackProxy = await startLatencyProxy(new URL(slack.url).origin);
  const storePath = join(dir, 'charter.db');
  const env = appEnv(
    { ...standins.env, AWS_ENDPOINT_URL_S3: s3.url, AWS_ENDPOINT_URL_DYNAMODB: dynamodb.url },
    { slackApiUrl: `${slackProxy.url}/api/`, storePath },
  );
  let store: BookingStore;
  let ddbClient: DynamoDBClient | undefined;
  if (options.dynamodbTable) {
    env.CHARTER_STORE = `dynamodb:${options.dynamodbTable}`;
    ddbClient = new DynamoDBClient({ endpoint: standins.dynamodb.endpoint, region: standins.env.AWS_REGION ?? 'us-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const ddb = new DynamoBookingStore({ client: ddbClient, table: options.dynamodbTable });
    await ddb.ensureTable({ create: true, timeoutMs: 10_000 });
    store = ddb;
  } else {
    store = SqliteBookingStore.open(storePath);
  }
  // A port chosen here and a 200 from /healthz, not the bot's own pick from its log: a diagnosis run
  // with BENCH_BOT_ENV="LOG_LEVEL=warn" never prints the listening line.
  const port = await freePort();
  env.PORT = String(port);
  const child = spawnNode(BOT_SCRIPT, env);
  await firstOk(`http://127.0.0.1:${port}/healthz`, child, 30_000);
  const requester = new SlackRequester({ url: `http://127.0.0.1:${port}`, signingSecret: SIGNING_SECRET });
  const httpStandins = [standins.dashboard, standins.scc, standins.cloudfront];

  const rig: PipelineRig = {
    standins,
    slack,
    s3,
    dynamodb,
    slackProxy,
    child,
    store,
    ...(options.dynamodbTable ? { storeTable: options.dynamodbTable } : {}),
    requester,
    latencyMs: 0,
    setLatency(ms) {
      rig.latencyMs = ms;
      for (const s of httpStandins) {
        s.faults.clear();
        if (ms > 0) s.faults.inject('*', { kind: 'latency', ms });
      }
      s3.delayMs = ms;
      dynamodb.delayMs = ms;
      slackProxy.delayMs = ms;
    },
    clearCalls() {
      for (const s of httpStandins) s.recorder.clear();
      s3.calls.length = 0;
      dynamodb.calls.length = 0;
      slackProxy.calls.length = 0;
      slack.calls.length = 0;
    },
    async createPending(count) {
      const records: BookingRecord[] = [];
      for (let i = 0; i < count; i++) {
        counter += 1;
        const record = pendingBooking(counter);
        await store.create(record);
        records.push(record);
      }
      return records;
    },
    async approveAll(ids) {
      const sentAtMs = Date.now();
      const answers = await Promise.all(ids.map((id) => requester.interact(blockActionPayload({ userId: APPROVER, actionId: APPROVE_ACTION_ID, value: id, channelId: OPS_CHANNEL }))));
      const bad = answers.find((a) => a.status !== 200);
      if (bad) throw new Error(`approve answered ${bad.status}: ${bad.text}`);
      return sentAtMs;
    },
    async approveOne(id) {
      const sentAtMs = Date.now();
      const answer = await requester.interact(blockActionPayload({ userId: APPROVER, actionId: APPROVE_ACTION_ID, value: id, channelId: OPS_CHANNEL }));
      if (answer.status !== 200) throw new Error(`approve answered ${answer.status}: ${answer.text}`);
      return { sentAtMs, answeredAtMs: Date.now() };
    },
    async approveTimed(ids) {
      const input = join(dir, `clicks-${Date.now()}.json`);
      writeFileSync(input, JSON.stringify({ url: `http://127.0.0.1:${port}`, signingSecret: SIGNING_SECRET, userId: APPROVER, channelId: OPS_CHANNEL, actionId: APPROVE_ACTION_ID, ids }));
      const clicker = spawnNode('bench/clicker.ts', { CLICKER_INPUT: input });
      await new Promise<void>((resolve) => clicker.proc.once('exit', () => resolve()));
      const line = clicker.stdout.join('').trim().split('\n').pop() ?? '';
      if (!line.startsWith('{')) throw new Error(`clicker failed: ${clicker.stderr.join('').slice(-500)}`);
      const out = JSON.parse(line) as { sentAtMs: number; answerMs: number[]; answeredAtMs: number[]; statuses: number[] };
      const bad = out.statuses.find((s) => s !== 200);
      if (bad !== undefined) throw new Error(`approve answered ${bad}`);
      return out;
    },
    async waitDone(ids, timeoutMs) {
      // Only bookings not yet seen done are read again, every 50 ms: reading all of them every 20 ms
      // cost this process a quarter of a core, taken from the bot during its rounds and never from
      // the floor during its own. The time a booking finished comes from its record, not the poll.
      const done = new Map<string, BookingRecord>();
      return waitUntil(
        `${ids.length} bookings done`,
        async () => {
          const pending = ids.filter((id) => !done.has(id));
          const records = await Promise.all(pending.map((id) => store.get(id)));
          const failed = records.find((r) => r?.state === 'failed');
          if (failed) throw new Error(`booking ${failed.id} failed: ${JSON.stringify(Object.fromEntries(Object.entries(failed.steps).map(([k, s]) => [k, s.error?.code])))}`);
          for (const r of records) if (r?.state === 'done' && Number.isFinite(doneAtMs(r))) done.set(r.id, r);
          return done.size === ids.length ? ids.map((id) => done.get(id)!) : undefined;
        },
        timeoutMs,
        50,
      );
    },
    stepDepths() {
      const ms = rig.latencyMs;
      const at = (list: readonly { atMs: number }[]) => latencyDepth(list.map((r) => r.atMs), ms);
      return {
        calendar: at(standins.dashboard.recorder.requests),
        scc_event: at(standins.scc.recorder.requests),
        revenue_guard: latencyDepth(dynamodb.calls.map((c) => c.startMs), ms),
        guest_page: latencyDepth(s3.calls.map((c) => c.startMs), ms),
        guest_cache: at(standins.cloudfront.recorder.requests),
        crew_notice: at(slack.calls.filter((c) => c.method.startsWith('chat.') && c.body.channel === CREW_CHANNEL)),
      };
    },
    async close() {
      rig.setLatency(0);
      await child.stop();
      await store.close();
      ddbClient?.destroy();
      await s3.close();
      await dynamodb.close();
      await slackProxy.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return rig;
}

/** DESIGN's DAG: calendar ‖ scc_event→revenue_guard ‖ guest_page→guest_cache, then crew_notice. */
export function criticalPathMs(depths: Record<StepName, number>, latencyMs: number): number {
  const crewReady = Math.max(depths.scc_event + depths.revenue_guard, depths.guest_page + depths.guest_cache);
  return Math.max(depths.calendar, crewReady + depths.crew_notice) * latencyMs;
}
