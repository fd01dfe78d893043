/**
 * The floor baseline: the least any process could do per booking. It answers the same signed
 * Approve click (HMAC check, form and JSON parse, 200) and then makes the same outside calls the bot
 * made for one booking (captured in bench/floor-template.ts), through the same clients — undici for
 * the dashboard and SCC, the AWS SDK v3 for S3, DynamoDB and CloudFront, @slack/web-api's WebClient
 * for Slack — in the same dependency order, with no framework, no store, no rendering. P3 divides
 * the bot's CPU per booking by this process's.
 *
 * Run by the bench as its own process, compiled like the bot (dist/bench/floor.js): FLOOR_TEMPLATE=file PORT=0. It prints
 * {"floor":"listening","port":N}. GET /stats answers {done, failed, errors}; POST /settings
 * sets how many chat.update calls per booking to make (the bot's own average in the same round)
 * and, for P3's paired rounds, how many bookings run at once (the bot's run cap; default: all).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand, QueryCommand, ScanCommand, type GetItemCommandInput } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { WebClient } from '@slack/web-api';
import { Pool } from 'undici';
import { DEFAULT_LIVENESS } from '../src/config';
import { awsCallOptions } from '../src/integrations/aws-options';
import { createSlackFetch } from '../src/slack/slack-fetch';
import type { FloorHttpCall, FloorSlackCall, FloorTemplate } from './floor-template';

const template = JSON.parse(readFileSync(process.env.FLOOR_TEMPLATE ?? '', 'utf8')) as FloorTemplate;
const ids = [template.bookingId, template.bookingId.toLowerCase()];
const credentials = { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'local', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'local' };
const region = process.env.AWS_REGION ?? 'us-west-2';
/**
 * The clients carry the deadlines the bot's do (DEFAULT_LIVENESS through the same option builders):
 * every outside call must have one, so a process without them is not one anybody may run, and the
 * issue asks for the same clients. They cost the floor ~0.3 ms a booking (13.3 against 13.0 ms,
 * 2026-12-05, each round run both ways). FLOOR_DEADLINES=0 leaves them out, as the floor was before
 * (its WebClient then sends through its own fetch, with no deadline).
 * Either way the AWS clients keep cacheMiddleware, as the bot's do (without it every call rebuilds
 * the middleware stack, ~2 ms a booking).
 */
const deadlines = process.env.FLOOR_DEADLINES !== '0';
const limits = { connectTimeoutMs: DEFAULT_LIVENESS.connectTimeoutMs, callTimeoutMs: DEFAULT_LIVENESS.callTimeoutMs };
/**
 * The AWS SDK starts its connect deadline when the request is made, not when it gets a socket, so
 * the wait for one of the agent's 50 sockets counts against it. The floor runs P3's 100 bookings at
 * once (200 S3 puts, 100 invalidations), where the bot runs at most its run cap; under a slow round
 * the queue alone outlasted 3,000 ms and the floor's round failed (full bench, 2026-12-06 00:13).
 * So the floor's AWS clients allow the call deadline for it: still a deadline, same timers, same work.
 */
const awsOptions = deadlines ? awsCallOptions({ ...limits, connectTimeoutMs: limits.callTimeoutMs }) : { cacheMiddleware: true };
const s3 = new S3Client({ region, credentials, endpoint: template.endpoints.s3, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED', ...awsOptions });
const dynamodb = new DynamoDBClient({ region, credentials, endpoint: template.endpoints.dynamodb, ...awsOptions });
const cloudfront = new CloudFrontClient({ region: 'us-east-1', credentials, endpoint: template.endpoints.cloudfront, ...awsOptions });
// The bot's Slack transport (src/main.ts passes it to every WebClient), which carries the call deadline.
const slack = new WebClient(process.env.SLACK_BOT_TOKEN ?? 'xoxb-floor', { slackApiUrl: template.endpoints.slackApi, retryConfig: { retries: 0 }, ...(deadlines ? { timeout: 0, fetch: createSlackFetch({ timeoutMs: limits.callTimeoutMs }).fetch } : {}) });
const poolOptions = { connections: 32, ...(deadlines ? { connectTimeout: limits.connectTimeoutMs } : {}) };
const dashboardPool = new Pool(template.endpoints.dashboard, poolOptions);
const sccPool = new Pool(template.endpoints.scc, poolOptions);

const stats = { done: 0, failed: 0, errors: [] as string[] };

/** Bookings run at once; unlimited unless the bench asks for the bot's run cap (P3's paired rounds). */
let maxConcurrent = Number.POSITIVE_INFINITY;
let running = 0;
const waiting: (() => void)[] = [];

async function limited(work: () => Promise<void>): Promise<void> {
  if (running >= maxConcurrent) await new Promise<void>((resolve) => waiting.push(resolve));
  else running += 1;
  try {
    await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  }
}
let updatesPerBooking = template.slackOps.filter((c) => c.method === 'chat.update').length;

/** The template's text with this booking's ids (upper and lower case) and SCC event id in. */
function substitute(text: string, id: string, eventId?: string): string {
  let out = text.split(ids[0]!).join(id).split(ids[1]!).join(id.toLowerCase());
  if (eventId) out = out.split(template.sccEventId).join(eventId);
  return out;
}

async function http(pool: Pool, call: FloorHttpCall, id: string): Promise<unknown> {
  const res = await pool.request({ method: call.method as 'GET', path: substitute(call.path, id), headers: call.headers, body: call.body ? substitute(call.body, id) : null, headersTimeout: 10_000, bodyTimeout: 10_000 });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${call.method} ${call.path}: ${res.statusCode}`);
  return text ? JSON.parse(text) : undefined;
}

const DYNAMO_COMMANDS: Record<string, new (input: never) => GetItemCommand> = {
  GetItem: GetItemCommand,
  UpdateItem: UpdateItemCommand as never,
  PutItem: PutItemCommand as never,
  Query: QueryCommand as never,
  // the revenue guard finds every SCC item of the booking with a Scan when SCC's table has no GSI
  Scan: ScanCommand as never,
};

async function dynamo(call: FloorTemplate['dynamodb'][number], id: string, eventId: string): Promise<void> {
  const Command = DYNAMO_COMMANDS[call.operation];
  if (!Command) throw new Error(`floor: no DynamoDB command for ${call.operation}`);
  const input = JSON.parse(substitute(call.body, id, eventId)) as GetItemCommandInput;
  try {
    await dynamodb.send(new Command(input as never));
  } catch (err) {
    // The guard's conditional update may find nothing left to remove: the call was made all the same.
    if ((err as { name?: string }).name !== 'ConditionalCheckFailedException') throw err;
  }
}

async function slackCall(call: FloorSlackCall, id: string, progressTs: string | undefined): Promise<string | undefined> {
  let body = JSON.parse(substitute(JSON.stringify(call.body), id)) as Record<string, unknown>;
  if (progressTs && body.ts === template.progressTs) body = { ...body, ts: progressTs };
  for (const k of ['blocks', 'metadata', 'attachments']) if (typeof body[k] === 'string') body[k] = JSON.parse(body[k] as string);
  const res = (await slack.apiCall(call.method, body)) as { ts?: unknown };
  return typeof res.ts === 'string' ? res.ts : undefined;
}

/** The ops-channel calls with `updatesPerBooking` progress updates: approval update, progress post, updates. */
function opsCalls(): FloorSlackCall[] {
  const others = template.slackOps.filter((c) => !(c.method === 'chat.update' && c.body.ts === template.progressTs));
  const updates = template.slackOps.filter((c) => c.method === 'chat.update' && c.body.ts === template.progressTs);
  const last = updates.at(-1);
  const picked = last ? Array.from({ length: updatesPerBooking }, (_, i) => updates[Math.min(i, updates.length - 1)]!) : [];
  return [...others, ...picked];
}

async function runBooking(id: string): Promise<void> {
  const ops = opsCalls();
  // the approval message update and the progress post go first, as the bot's do; the last update goes at the end
  const head = ops.slice(0, ops.length - (updatesPerBooking > 0 ? 1 : 0));
  const tail = updatesPerBooking > 0 ? ops.at(-1) : undefined;
  let progressTs: string | undefined;
  const slackHead = (async () => {
    for (const c of head) {
      const ts = await slackCall(c, id, progressTs);
      if (c.method === 'chat.postMessage' && !progressTs) progressTs = ts;
    }
  })();
  await Promise.all([
    (async () => {
      for (const c of template.dashboard) await http(dashboardPool, c, id);
    })(),
    (async () => {
      let eventId = template.sccEventId;
      for (const c of template.scc) {
        const out = (await http(sccPool, c, id)) as { eventId?: string } | undefined;
        if (out?.eventId) eventId = out.eventId;
      }
      for (const c of template.dynamodb) await dynamo(c, id, eventId);
    })(),
    (async () => {
      await Promise.all(
        template.s3.map((o) => s3.send(new PutObjectCommand({ Bucket: o.bucket, Key: substitute(o.key, id), Body: substitute(o.body, id), ContentType: o.contentType, CacheControl: o.cacheControl }))),
      );
      for (const inv of template.cloudfront) {
        const paths = inv.paths.map((p) => substitute(p, id));
        await cloudfront.send(new CreateInvalidationCommand({ DistributionId: inv.distributionId, InvalidationBatch: { CallerReference: substitute(inv.callerReference, id), Paths: { Quantity: paths.length, Items: paths } } }));
      }
    })(),
    slackHead,
  ]);
  for (const c of template.slackCrew) await slackCall(c, id, progressTs);
  if (tail) await slackCall(tail, id, progressTs);
}

function verified(req: IncomingMessage, body: string): boolean {
  const ts = String(req.headers['x-slack-request-timestamp'] ?? '');
  const sig = String(req.headers['x-slack-signature'] ?? '');
  if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const mine = `v0=${createHmac('sha256', template.signingSecret).update(`v0:${ts}:${body}`).digest('hex')}`;
  return mine.length === sig.length && timingSafeEqual(Buffer.from(mine), Buffer.from(sig));
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    if (req.method === 'GET' && req.url === '/stats') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
      return;
    }
    if (req.method === 'POST' && req.url === '/settings') {
      const settings = JSON.parse(body) as { updatesPerBooking?: number; maxConcurrent?: number };
      if (settings.updatesPerBooking !== undefined) updatesPerBooking = Math.max(0, Math.round(Number(settings.updatesPerBooking)));
      if (settings.maxConcurrent !== undefined) maxConcurrent = settings.maxConcurrent > 0 ? Math.round(settings.maxConcurrent) : Number.POSITIVE_INFINITY;
      res.writeHead(204).end();
      return;
    }
    if (req.method !== 'POST' || req.url !== '/slack/events' || !verified(req, body)) {
      res.writeHead(401).end();
      return;
    }
    const payload = JSON.parse(new URLSearchParams(body).get('payload') ?? '{}') as { actions?: { value?: string }[] };
    const id = payload.actions?.[0]?.value;
    res.writeHead(200).end();
    if (!id) return;
    limited(() => runBooking(id)).then(
      () => {
        stats.done += 1;
      },
      (err: unknown) => {
        stats.failed += 1;
        if (stats.errors.length < 5) stats.errors.push(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
      },
    );
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ floor: 'listening', port: (server.address() as AddressInfo).port })}\n`);
});

process.on('SIGTERM', () => {
  server.close();
  s3.destroy();
  dynamodb.destroy();
  cloudfront.destroy();
  void Promise.all([dashboardPool.close(), sccPool.close()]).finally(() => process.exit(0));
});
