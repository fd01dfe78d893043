/**
 * Liveness against hung outside systems (issue 12): each of Slack, the dashboard, SCC, S3,
 * DynamoDB (SCC's events table) and CloudFront in turn accepts connections and never answers.
 * The booking must end `failed` with a Retry button and a message naming the system — not sit in
 * `running` — and after the system heals, Retry must finish it with exactly one of each artifact.
 *
 * Production bounds are 10 s per call, 45 s per attempt, 60 s of retrying (105 s to `failed`);
 * here they are scaled down so the mechanism, not the clock, is what is tested.
 */
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CREW_MAY_SEE_AMOUNTS } from '../../../src/integrations/revenue-guard-note';
import { S3RVER_CREDENTIALS } from '../../../src/sandbox/s3-standin';
import type { RecordedSlackCall } from '../../../src/sandbox/slack-api-standin';
import { blockActionPayload } from '../../support/slack-requests';
import { APPROVER, OPS_CHANNEL, settle, startHarness, submitBooking, waitForBooking, type Harness } from './harness';

jest.setTimeout(120_000);

let h: Harness;
let s3: S3Client;

beforeAll(async () => {
  h = await startHarness({
    proxies: true,
    env: {
      CHARTER_CONNECT_TIMEOUT_MS: '300',
      // Long enough that the healthy stand-ins answer on a loaded CI machine; the hung ones never do.
      CHARTER_CALL_TIMEOUT_MS: '1000',
      CHARTER_STEP_TIMEOUT_MS: '2500',
      CHARTER_STEP_BUDGET_MS: '2500',
      CHARTER_CREATE_QUIET_MS: '600',
    },
    deps: {
      // The harness's runner defaults, minus maxAttempts: the time budget is what ends the retries.
      runner: { baseDelayMs: 5, maxDelayMs: 20 },
      slackClientOptions: { retryConfig: { retries: 1, minTimeout: 50, maxTimeout: 50 } },
    },
  });
  s3 = new S3Client({ endpoint: h.standins!.s3.endpoint, region: 'us-west-2', forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
});

afterAll(async () => {
  s3.destroy();
  await h.close();
});

async function artifacts(id: string) {
  const standins = h.standins!;
  const objects = await s3.send(new ListObjectsV2Command({ Bucket: standins.s3.bucket, Prefix: `jada-guest-${id.toLowerCase()}.` }));
  const crewPosts = h.slack.callsTo('chat.postMessage').filter((c) => String(c.body.text).startsWith('Crew call:') && JSON.stringify(c.body.metadata ?? {}).includes(id));
  return {
    calendar: standins.dashboard.entries().filter((e) => e.externalId === id).length,
    scc: standins.scc.events().filter((e) => e.externalId === id).length,
    pages: (objects.Contents ?? []).filter((o) => o.Key?.endsWith('.html')).length,
    invalidations: standins.cloudfront.invalidations().filter((i) => i.callerReference.startsWith(id)).length,
    crewPosts: crewPosts.length,
  };
}

function lastProgress(id: string, approvalTs: string | undefined): RecordedSlackCall | undefined {
  const progressTs = h.slack.callsTo('chat.postMessage').find((c) => c.body.thread_ts === approvalTs && String(c.body.text).includes('steps done'))?.response.ts;
  return h.slack.calls.filter((c) => (c.method === 'chat.update' && c.body.ts === progressTs) || (c.method === 'chat.postMessage' && c.body.thread_ts === approvalTs && String(c.body.text).includes('steps done'))).at(-1);
}

const SYSTEMS: { name: string; step: string; names: RegExp; says?: string; hang(): void; heal(): void }[] = [
  { name: 'dashboard', step: 'calendar', names: /dashboard/i, hang: () => h.standins!.dashboard.faults.inject('*', { kind: 'hang' }), heal: () => h.standins!.dashboard.faults.clear() },
  { name: 'SCC', step: 'scc_event', names: /SCC/, hang: () => h.standins!.scc.faults.inject('*', { kind: 'hang' }), heal: () => h.standins!.scc.faults.clear() },
  { name: 'S3', step: 'guest_page', names: /S3/, hang: () => h.proxies!.s3.hang(), heal: () => h.proxies!.s3.heal() },
  // The guard creates nothing; what its failure costs is money left in SCC's item, and it says so.
  { name: 'DynamoDB', step: 'revenue_guard', names: /DynamoDB/, says: CREW_MAY_SEE_AMOUNTS, hang: () => h.proxies!.dynamodb.hang(), heal: () => h.proxies!.dynamodb.heal() },
  { name: 'CloudFront', step: 'guest_cache', names: /CloudFront/, hang: () => h.standins!.cloudfront.faults.inject('*', { kind: 'hang' }), heal: () => h.standins!.cloudfront.faults.clear() },
  { name: 'Slack', step: 'crew_notice', names: /Slack/, hang: () => h.slack.hang('chat.postMessage'), heal: () => h.slack.heal() },
];

describe.each(SYSTEMS)('$name hangs', (system) => {
  it('the booking fails with Retry and a message naming it; healed, Retry finishes with one of each artifact', async () => {
    const id = await submitBooking(h);
    system.hang();
    const startedAt = Date.now();
    await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'booking_approve', value: id, channelId: OPS_CHANNEL }));
    const failed = await waitForBooking(h, id, (b) => b.state === 'failed', 30_000);
    const failedAfterMs = Date.now() - startedAt;
    const stepState = failed.steps[system.step as keyof typeof failed.steps];
    expect(stepState.status).toBe('failed');
    expect(stepState.error?.retryable).toBe(true);
    expect(stepState.error?.message).toMatch(system.names);
    if (system.says) expect(stepState.error?.message).toContain(system.says);

    system.heal();
    // The thread shows the failure and the Retry button (for Slack, once Slack answers again).
    await h.running.built.progress.idle();
    await settle(h);
    const shownWithRetry = () => {
      const view = JSON.stringify(lastProgress(id, failed.slack.approvalTs)?.body.blocks ?? []);
      return view.includes('booking_retry') && system.names.test(view);
    };
    await h.slack.waitFor(shownWithRetry, 20_000).catch((err: Error) => {
      throw new Error(`${err.message}\nlast progress view: ${JSON.stringify(lastProgress(id, failed.slack.approvalTs)?.body.blocks ?? [])}\nlog: ${h.logLines.filter((l) => /progress|warn|error/i.test(l)).slice(-8).join('')}`);
    });

    await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'booking_retry', value: id, channelId: OPS_CHANNEL }));
    await waitForBooking(h, id, (b) => b.state === 'done', 30_000);
    await settle(h);
    // One crew call per roster member (captain + 2 crew, by DM), none twice.
    expect(await artifacts(id)).toEqual({ calendar: 1, scc: 1, pages: 1, invalidations: 1, crewPosts: 3 });
    console.log(`${system.name} hung: booking failed ${failedAfterMs} ms after Approve (step budget 2.5 s + attempt deadline 2.5 s)`);
  });
});

it('Slack failing the progress updates at the end does not leave the thread stale: the final state lands once Slack answers', async () => {
  const id = await submitBooking(h);
  // SCC answers slowly until the failures are armed, so the run's last progress updates come after.
  const scc = h.standins!.scc;
  scc.faults.inject('*', { kind: 'latency', ms: 400 });
  try {
    await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'booking_approve', value: id, channelId: OPS_CHANNEL }));
    await waitForBooking(h, id, (b) => b.slack.progressTs !== undefined, 20_000);
    expect((await h.running.built.api.get(id))?.state).toBe('running');
    // Every progress update from here on fails three times in a row (Slack erring), then Slack recovers.
    h.slack.failNext('chat.update', 3, 'internal_error');
  } finally {
    scc.faults.clear();
  }
  const done = await waitForBooking(h, id, (b) => b.state === 'done', 30_000);
  await settle(h);
  const updates = h.slack.callsTo('chat.update').filter((c) => c.body.ts === done.slack.progressTs);
  expect(updates.filter((c) => c.response.ok === false).length).toBeGreaterThanOrEqual(1);
  const last = updates.at(-1);
  expect(last?.response.ok).toBe(true);
  expect(JSON.stringify(last?.body.blocks)).toContain('All set');
});
