/**
 * Start-up redraws (src/slack/progress/redraw-at-start.ts) come after every other progress update:
 * an operator watching a live booking after a deploy sees it move, not wait behind a day's worth of
 * finished bookings being redrawn. The redraws still all land, paced by the workspace's bucket.
 * Over a real WebClient and the Slack API stand-in, with the bookings in SQLite on disk.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { createLogger } from '../../../src/log';
import type { BookingApi } from '../../../src/pipeline/api';
import { SqliteBookingStore } from '../../../src/pipeline/sqlite-store';
import type { BookingRecord } from '../../../src/pipeline/types';
import { type RecordedSlackCall, startSlackApiStandin, type SlackApiStandin } from '../../../src/sandbox/slack-api-standin';
import { postClaimRule } from '../../../src/slack/progress/post-claim';
import { ProgressPublisher } from '../../../src/slack/progress/publisher';
import { redrawRecentProgress } from '../../../src/slack/progress/redraw-at-start';
import { sampleRecord } from '../../fixtures/pipeline/booking';

const CHANNEL = 'C0OPS00001';
const REDRAWS = 20;
const LIVE_UPDATES = 4;
const log = createLogger({ level: 'silent', pretty: false });

let slack: SlackApiStandin;
let store: SqliteBookingStore;
let dir: string;
beforeAll(async () => {
  slack = await startSlackApiStandin();
  dir = mkdtempSync(join(tmpdir(), 'charter-redraw-priority-'));
  store = SqliteBookingStore.open(join(dir, 'charter.db'));
});
afterAll(async () => {
  await store.close();
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A booking whose progress message is in the thread: `state` and the guest's name say which and where it stands. */
async function withProgressMessage(client: WebClient, id: string, state: BookingRecord['state'], guestName: string): Promise<BookingRecord> {
  const base = sampleRecord(id, Date.now());
  const posted = await client.chat.postMessage({ channel: CHANNEL, text: `${guestName}: as the stopped process left it` });
  const record: BookingRecord = { ...base, state, request: { ...base.request, guestName }, slack: { channel: CHANNEL, approvalTs: '1800000000.000100', progressTs: posted.ts! } };
  await store.create(record);
  return record;
}

it("a live booking's cosmetic update goes before the start-up redraws still waiting, and every redraw lands", async () => {
  const client = new WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
  const finished: BookingRecord[] = [];
  for (let i = 0; i < REDRAWS; i++) finished.push(await withProgressMessage(client, `01REDRAW${String(i).padStart(4, '0')}`, 'done', `Finished ${i}`));
  const live = await withProgressMessage(client, '01LIVE000001', 'running', 'Live');
  const publisher = new ProgressPublisher({
    ownerId: 'test-host-1-0000aaaa',
    postClaim: postClaimRule({ callTimeoutMs: 10_000, postDeadlineMs: 24_000 }),
    client,
    api: { get: (id: string) => store.get(id) } as unknown as BookingApi,
    log,
    render: (b) => ({ text: `${b.request.guestName} (${b.state})`, blocks: [] }),
    minIntervalMs: 0,
    // One send at once, then one every 200 ms: the redraws queue up behind the first.
    workspaceBurst: 1,
    workspaceRefillMs: 200,
  });
  slack.clear();

  const isRedraw = (c: RecordedSlackCall) => c.method === 'chat.update' && c.status === 200 && String(c.body.text).startsWith('Finished');
  const isLive = (c: RecordedSlackCall) => c.method === 'chat.update' && c.status === 200 && String(c.body.text).startsWith('Live');
  expect(await redrawRecentProgress({ store, notify: (id) => publisher.notify(id, { redraw: true }), log, nowMs: Date.now() })).toBe(REDRAWS);
  await slack.waitFor((calls) => calls.some(isRedraw));
  // The live booking's steps finish one by one, each a cosmetic update due while redraws wait.
  const redrawsSentWhenDue: number[] = [];
  for (let step = 1; step <= LIVE_UPDATES; step++) {
    redrawsSentWhenDue.push(slack.calls.filter(isRedraw).length);
    publisher.notify(live.id, { record: { ...live, version: live.version + step, request: { ...live.request, guestName: `Live, step ${step} done` } } });
    await slack.waitFor((calls) => calls.some((c) => isLive(c) && String(c.body.text).startsWith(`Live, step ${step} done`)));
  }
  await publisher.idle();

  // In the order Slack saw them: how many redraws went before each live update. At most the one
  // already under way when it became due.
  const order = slack.calls.filter((c) => isRedraw(c) || isLive(c));
  const redrawsBeforeEach = order.flatMap((c, i) => (isLive(c) ? [order.slice(0, i).filter(isRedraw).length] : []));
  expect(redrawsBeforeEach).toHaveLength(LIVE_UPDATES);
  redrawsBeforeEach.forEach((before, i) => expect(before - redrawsSentWhenDue[i]!).toBeLessThanOrEqual(1));
  // And redraws were still waiting after the last one: the live updates did not merely come late.
  expect(order.at(-1)!.body.text).toMatch(/^Finished/);
  // Every redraw landed, each once, showing its stored record.
  for (const b of finished) expect(slack.messages(CHANNEL).find((m) => m.ts === b.slack.progressTs)?.text).toBe(`${b.request.guestName} (done)`);
  expect(order.filter(isRedraw)).toHaveLength(REDRAWS);
});
