/**
 * One progress message per booking when several processes publish it (on Lambda: the Slack
 * function after Approve, and the pipeline function from its first step event). Each "process" here
 * is its own BookingService, SQLite handle on one file on disk, WebClient and ProgressPublisher,
 * talking to the Slack API stand-in over HTTP.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { WebClient } from '@slack/web-api';
import { createLogger } from '../../../src/log';
import { sameHostOwnerDead } from '../../../src/pipeline/owner-liveness';
import { BookingService } from '../../../src/pipeline/service';
import { SqliteBookingStore } from '../../../src/pipeline/sqlite-store';
import type { StepImplementations } from '../../../src/pipeline/types';
import { startSlackApiStandin, type SlackApiStandin } from '../../../src/sandbox/slack-api-standin';
import { postClaimRule, type PostClaimRule } from '../../../src/slack/progress/post-claim';
import { ProgressPublisher } from '../../../src/slack/progress/publisher';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';

const APPROVER = 'U0APPROVE1';
const log = createLogger({ level: 'silent', pretty: false });
let dir: string;
let slack: SlackApiStandin;
const opened: { store: SqliteBookingStore; publisher: ProgressPublisher }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'charter-post-claim-'));
  slack = await startSlackApiStandin();
});

afterAll(async () => {
  for (const p of opened) {
    p.publisher.stop();
    await p.store.close();
  }
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A process: its own store handle on the shared file, its own Slack client and publisher. */
function processNamed(ownerId: string, postClaim: PostClaimRule = postClaimRule({ callTimeoutMs: 10_000, postDeadlineMs: 24_000 })) {
  const store = SqliteBookingStore.open(path.join(dir, 'charter.db'));
  // Runs are started by hand (autoRun off), so no step ever runs here.
  const service = new BookingService({ store, steps: {} as StepImplementations, log, ownerId, autoRun: false });
  const client = new WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
  const publisher = new ProgressPublisher({
    ownerId,
    postClaim,
    client,
    api: service,
    log,
    render: (b) => ({ text: `v${b.version} ${b.state}`, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `v${b.version} ${b.state}` } }] }),
    minIntervalMs: 0,
  });
  opened.push({ store, publisher });
  return { service, publisher };
}

const progressPosts = (id: string) => slack.callsTo('chat.postMessage').filter((c) => (c.body.metadata as { event_payload?: { booking_id?: string } } | undefined)?.event_payload?.booking_id === id);
const updatesOf = (ts: string) => slack.callsTo('chat.update').filter((c) => c.body.ts === ts);

it('the approving process posts; one told first, while that post is still unanswered, waits and updates the same message', async () => {
  const a = processNamed(`${hostname()}-9000001-0000000a`);
  const b = processNamed(`${hostname()}-9000002-0000000b`);
  const booking = await a.service.create(sampleNewBooking());
  const approved = await a.service.approve(booking.id, APPROVER, { progressClaimOwner: a.publisher.ownerId });
  expect(approved.booking.slack.progressClaim?.owner).toBe(a.publisher.ownerId);

  // A's post reaches Slack at once but its answer (with the ts) comes 400 ms later.
  slack.slowNext('chat.postMessage', 1, 400);
  a.publisher.notify(booking.id, { milestone: true });
  await slack.waitFor(() => progressPosts(booking.id).length === 1);
  b.publisher.notify(booking.id, { milestone: true, record: approved.booking });
  await Promise.all([a.publisher.idle(), b.publisher.idle()]);

  expect(progressPosts(booking.id)).toHaveLength(1);
  const ts = String(progressPosts(booking.id)[0]?.response.ts);
  expect(b.publisher.stats).toMatchObject({ posts: 0, updates: 1 });
  expect(b.publisher.stats.claimWaits).toBeGreaterThan(0);
  expect(updatesOf(ts)).toHaveLength(1);
  const stored = await a.service.get(booking.id);
  expect(stored?.slack.progressTs).toBe(ts);
  expect(stored?.slack.progressClaim).toBeUndefined();
});

it('with no claim yet, two processes told at the same moment post once: the compare-and-set picks one', async () => {
  const a = processNamed(`${hostname()}-9000003-0000000a`);
  const b = processNamed(`${hostname()}-9000004-0000000b`);
  const booking = await a.service.create(sampleNewBooking());
  await a.service.approve(booking.id, APPROVER); // approved without a claim (a test, or an older version)

  a.publisher.notify(booking.id, { milestone: true });
  b.publisher.notify(booking.id, { milestone: true });
  await Promise.all([a.publisher.idle(), b.publisher.idle()]);

  expect(progressPosts(booking.id)).toHaveLength(1);
  expect(a.publisher.stats.posts + b.publisher.stats.posts).toBe(1);
  const stored = await a.service.get(booking.id);
  expect(stored?.slack.progressTs).toBe(String(progressPosts(booking.id)[0]?.response.ts));
});

it('a claim whose holder never posts lapses after its time, and then exactly one of the others posts', async () => {
  const short = postClaimRule({ callTimeoutMs: 150, postDeadlineMs: 0 }); // one post ≤ 150 ms, claim 300 ms
  const b = processNamed(`${hostname()}-9000005-0000000b`, short);
  const c = processNamed(`${hostname()}-9000006-0000000c`, short);
  const booking = await b.service.create(sampleNewBooking());
  // Approved by a process on another host that then vanished: nothing here can tell it is dead.
  const approved = await b.service.approve(booking.id, APPROVER, { progressClaimOwner: 'other-host-4242-0000dead' });
  const claimedAtMs = approved.booking.slack.progressClaim?.atMs ?? Number.NaN;

  b.publisher.notify(booking.id, { milestone: true });
  c.publisher.notify(booking.id, { milestone: true });
  await Promise.all([b.publisher.idle(), c.publisher.idle()]);

  const posts = progressPosts(booking.id);
  expect(posts).toHaveLength(1);
  expect(posts[0]?.atMs).toBeGreaterThanOrEqual(claimedAtMs + short.ttlMs);
  expect(b.publisher.stats.claimWaits + c.publisher.stats.claimWaits).toBeGreaterThan(0);
});

it('on one host, a claim whose process is gone is taken at once', async () => {
  const goneOwner = `${hostname()}-${Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).toString())}-0000dead`;
  const self = `${hostname()}-9000007-0000000b`;
  const b = processNamed(self, postClaimRule({ callTimeoutMs: 60_000, postDeadlineMs: 0, ownerDead: sameHostOwnerDead(self) }));
  const booking = await b.service.create(sampleNewBooking());
  await b.service.approve(booking.id, APPROVER, { progressClaimOwner: goneOwner });

  b.publisher.notify(booking.id, { milestone: true });
  await b.publisher.idle();

  expect(progressPosts(booking.id)).toHaveLength(1);
  expect(b.publisher.stats.claimWaits).toBe(0);
});
