/**
 * What the floor baseline (bench/floor.ts) replays: every outside call the bot made for one booking,
 * captured from the stand-ins' recorders and the latency proxies right after the bot finished it.
 * The floor substitutes its own booking id (and the SCC event id it is given back) into these bodies,
 * so it sends the same requests, of the same sizes, through the same clients — and nothing else.
 */
import { writeFileSync } from 'node:fs';
import type { RecordedRequest } from '../src/sandbox/http-standin';
import { CREW_CHANNEL, OPS_CHANNEL, SIGNING_SECRET } from './harness';
import type { PipelineRig } from './pipeline-rig';

export interface FloorHttpCall {
  method: string;
  /** Path with the query string. */
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface FloorSlackCall {
  method: string;
  body: Record<string, unknown>;
}

export interface FloorTemplate {
  bookingId: string;
  sccEventId: string;
  signingSecret: string;
  /** The progress message's ts in the template; replaced by the floor's own. */
  progressTs: string;
  endpoints: { dashboard: string; scc: string; s3: string; dynamodb: string; cloudfront: string; slackApi: string };
  dashboard: FloorHttpCall[];
  scc: FloorHttpCall[];
  /** DynamoDB JSON-protocol calls: operation (GetItem, UpdateItem, …) and the request body, which is the command's input. */
  dynamodb: { operation: string; body: string }[];
  s3: { bucket: string; key: string; contentType: string; cacheControl: string; body: string }[];
  cloudfront: { distributionId: string; paths: string[]; callerReference: string }[];
  /** Calls in the ops channel (approval update, progress post and updates), in order. */
  slackOps: FloorSlackCall[];
  /** Calls in the crew channel (the crew notice). */
  slackCrew: FloorSlackCall[];
}

/** Hop-by-hop and per-connection headers: undici sets its own. */
const DROPPED_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);

function httpCall(r: RecordedRequest): FloorHttpCall {
  const query = new URLSearchParams(r.query).toString();
  return {
    method: r.method,
    path: query ? `${r.path}?${query}` : r.path,
    headers: Object.fromEntries(Object.entries(r.headers).filter(([h]) => !DROPPED_HEADERS.has(h))),
    body: r.rawBody,
  };
}

/** Reads the calls of the booking the rig just finished (the rig's calls were cleared before it). */
export function captureFloorTemplate(rig: PipelineRig, bookingId: string): FloorTemplate {
  const { dashboard, scc, cloudfront } = rig.standins;
  const sccPosts = scc.recorder.requests.filter((r) => r.method === 'POST');
  const sccEventId = scc.events().find((e) => e.externalId === bookingId)?.eventId;
  if (!sccEventId || sccPosts.length === 0) throw new Error(`floor template: no SCC event for ${bookingId}`);
  const s3 = rig.s3.calls
    .filter((c) => c.method === 'PUT')
    .map((c) => {
      const [, bucket = '', ...key] = decodeURIComponent(c.path.split('?')[0]!).split('/');
      return { bucket, key: key.join('/'), contentType: c.contentType ?? 'application/octet-stream', cacheControl: 'public, max-age=60, s-maxage=31536000', body: c.body };
    });
  const invalidations = cloudfront.recorder.requests
    .filter((r) => r.method === 'POST')
    .map((r) => ({
      distributionId: /distribution\/([^/]+)\/invalidation/.exec(r.path)?.[1] ?? '',
      paths: [...r.rawBody.matchAll(/<Path>([^<]+)<\/Path>/g)].map((m) => m[1]!),
      callerReference: /<CallerReference>([^<]+)<\/CallerReference>/.exec(r.rawBody)?.[1] ?? '',
    }));
  const slackCalls = rig.slack.calls.filter((c) => c.status === 200);
  const inChannel = (ch: string) => slackCalls.filter((c) => c.body.channel === ch).map((c) => ({ method: c.method, body: c.body }));
  const progressPost = slackCalls.find((c) => c.method === 'chat.postMessage' && c.body.channel === OPS_CHANNEL);
  return {
    bookingId,
    sccEventId,
    signingSecret: SIGNING_SECRET,
    progressTs: String(progressPost?.response.ts ?? ''),
    endpoints: {
      dashboard: rig.standins.dashboard.url,
      scc: rig.standins.scc.url,
      s3: rig.s3.url,
      dynamodb: rig.dynamodb.url,
      cloudfront: rig.standins.cloudfront.url,
      slackApi: `${rig.slackProxy.url}/api/`,
    },
    dashboard: dashboard.recorder.requests.map(httpCall),
    scc: scc.recorder.requests.map(httpCall),
    dynamodb: rig.dynamodb.calls.map((c) => ({ operation: (c.amzTarget ?? '').split('.').pop() ?? '', body: c.body })),
    s3,
    cloudfront: invalidations,
    slackOps: inChannel(OPS_CHANNEL),
    slackCrew: inChannel(CREW_CHANNEL),
  };
}

export function writeFloorTemplate(file: string, template: FloorTemplate): void {
  writeFileSync(file, JSON.stringify(template));
}

/** Calls per booking, by system, for the report. */
export function templateCallCounts(t: FloorTemplate): string {
  const updates = t.slackOps.filter((c) => c.method === 'chat.update').length;
  return `dashboard ${t.dashboard.length}, scc ${t.scc.length}, dynamodb ${t.dynamodb.length}, s3 ${t.s3.length}, cloudfront ${t.cloudfront.length}, slack ${t.slackOps.length + t.slackCrew.length} (${updates} chat.update)`;
}
