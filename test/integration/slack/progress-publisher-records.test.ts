/**
 * The progress publisher renders from the record a runner event came with (the booking as the
 * runner's write stored it) and reads the store only when it must: before the message is first
 * posted (another process may have posted it) unless the record shows this process's own live
 * claim, and after a change that came without its record. A 429 is waited out for as long as
 * its time budget allows, however many come in a row.
 * Over a real WebClient and the Slack API stand-in; the booking store behind BookingApi is a map.
 */
import { WebClient } from '@slack/web-api';
import { createLogger } from '../../../src/log';
import type { BookingApi } from '../../../src/pipeline/api';
import type { BookingRecord, SlackRefs } from '../../../src/pipeline/types';
import { startSlackApiStandin, type SlackApiStandin } from '../../../src/sandbox/slack-api-standin';
import { postClaimRule } from '../../../src/slack/progress/post-claim';
import { ProgressPublisher, type ProgressPublisherOptions } from '../../../src/slack/progress/publisher';
import { sampleRecord } from '../../fixtures/pipeline/booking';

let slack: SlackApiStandin;
beforeAll(async () => {
  slack = await startSlackApiStandin();
});
afterAll(async () => {
  await slack.close();
});

function setup(stored: BookingRecord, options: Partial<ProgressPublisherOptions> = {}) {
  let current = stored;
  const reads: number[] = [];
  const api = {
    get: async () => {
      reads.push(current.version);
      return current;
    },
    setSlackRefs: async (_id: string, patch: Partial<SlackRefs>) => {
      current = { ...current, version: current.version + 1, slack: { ...current.slack, ...patch } };
      return current;
    },
    updateSlackRefs: async (_id: string, mutate: (s: SlackRefs) => SlackRefs | undefined) => {
      const slack = mutate(current.slack);
      if (slack) current = { ...current, version: current.version + 1, slack };
      return { written: slack !== undefined, booking: current };
    },
  } as unknown as BookingApi;
  const client = new WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
  const publisher = new ProgressPublisher({
    ownerId: 'test-host-1-0000aaaa',
    postClaim: postClaimRule({ callTimeoutMs: 10_000, postDeadlineMs: 24_000 }),
    client,
    api,
    log: createLogger({ level: 'silent', pretty: false }),
    // What the message says is the record's version and guest name: enough to see which record it came from.
    render: (b) => ({ text: `v${b.version} ${b.request.guestName}`, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `v${b.version} ${b.request.guestName}` } }] }),
    minIntervalMs: 0,
    ...options,
  });
  return { publisher, reads, stored: () => current, set: (r: BookingRecord) => (current = r) };
}

const sent = () => slack.calls.filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update').map((c) => `${c.method} ${String(c.body.text)}`);

it('reads the store once to post, then renders from the records events bring, newest first, and reads again after a change without one', async () => {
  slack.clear();
  const base = { ...sampleRecord(), slack: { channel: 'C0OPS00001', approvalTs: '1800000000.000100' } };
  const { publisher, reads, set } = setup(base);

  // The first post decides on the stored record (no progress message yet).
  publisher.notify(base.id, { milestone: true, record: { ...base, version: 2 } });
  await publisher.idle();
  expect(reads).toHaveLength(1);
  expect(sent()).toEqual([`chat.postMessage v1 ${base.request.guestName}`]);

  // Records from events: no read, and an older record arriving late never replaces a newer one.
  const v5 = { ...base, version: 5, request: { ...base.request, guestName: 'Five' } };
  const v4 = { ...base, version: 4, request: { ...base.request, guestName: 'Four' } };
  publisher.notify(base.id, { record: v5 });
  publisher.notify(base.id, { record: v4, milestone: true });
  await publisher.idle();
  expect(reads).toHaveLength(1);
  expect(sent().at(-1)).toBe('chat.update v5 Five');

  // A change that came without its record (a crew answer, a Retry): the store is read.
  set({ ...v5, version: 6, request: { ...base.request, guestName: 'Six' }, slack: { ...v5.slack, progressTs: String(slack.callsTo('chat.postMessage')[0]?.response.ts) } });
  publisher.notify(base.id, { milestone: true });
  await publisher.idle();
  expect(reads).toHaveLength(2);
  expect(sent().at(-1)).toBe('chat.update v6 Six');
  expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
});

it('forgets a booking once its message is up to date and its coalescing window has passed', async () => {
  slack.clear();
  const base = { ...sampleRecord('FORGETME0001'), slack: { channel: 'C0OPS00001', approvalTs: '1800000000.000200' } };
  const { publisher, reads } = setup(base);
  publisher.notify(base.id, { final: true, record: base });
  await publisher.idle();
  expect(publisher.tracked).toBe(1);
  await new Promise((r) => setTimeout(r, 50));
  expect(publisher.tracked).toBe(0);
  // A later change starts afresh: the store is read (it knows the message by now) and the message updated.
  publisher.notify(base.id, { final: true, record: { ...base, version: 9 } });
  await publisher.idle();
  expect(reads).toHaveLength(2);
  expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
  expect(slack.callsTo('chat.update')).toHaveLength(1);
});

it("posts without reading the store when the record in hand shows this process's own live claim", async () => {
  slack.clear();
  const owner = 'test-host-1-0000aaaa';
  const rule = postClaimRule({ callTimeoutMs: 10_000, postDeadlineMs: 24_000 });
  const base = { ...sampleRecord('OWNCLAIM0001'), slack: { channel: 'C0OPS00001', approvalTs: '1800000000.000300' } };
  const { publisher, reads, stored } = setup(base);
  // The approval's own write claimed the post for this process a moment ago.
  publisher.notify(base.id, { milestone: true, record: { ...base, version: 2, slack: { ...base.slack, progressClaim: { owner, atMs: Date.now() } } } });
  await publisher.idle();
  expect(reads).toHaveLength(0);
  expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
  expect(stored().slack.progressTs).toBe(String(slack.callsTo('chat.postMessage')[0]?.response.ts));

  // A claim of ours with too little lease left for a post, or another's claim: the store decides.
  const claims = [
    { owner, atMs: Date.now() - rule.ttlMs + rule.postBoundMs - 1_000 },
    { owner: 'other-host-2-0000bbbb', atMs: Date.now() },
  ];
  for (const [i, progressClaim] of claims.entries()) {
    const id = `OWNCLAIM000${i + 2}`;
    const other = setup({ ...sampleRecord(id), slack: { channel: 'C0OPS00001', approvalTs: '1800000000.000400', progressTs: '1800000000.000500' } });
    other.publisher.notify(id, { milestone: true, record: { ...sampleRecord(id), version: 2, slack: { channel: 'C0OPS00001', progressClaim } } });
    await other.publisher.idle();
    expect(other.reads).toHaveLength(1);
  }
  // Both found the message another process had posted, and updated it.
  expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
  expect(slack.callsTo('chat.update').map((c) => c.body.ts)).toEqual(['1800000000.000500', '1800000000.000500']);
});

describe("Slack's 429 on the first post", () => {
  // Any failed send puts the message on its slow retry (a minute) here, so only the 429 budget keeps it going.
  const strict = { maxSendFailures: 0, failureBackoffMs: 1, rateLimitJitterMs: 0 };
  const refusedPosts = () => slack.callsTo('chat.postMessage').filter((c) => c.status === 429).length;
  const landedPosts = () => slack.callsTo('chat.postMessage').filter((c) => c.status === 200 && c.response.ok === true).length;

  it('is waited out however many come in a row, and the message is posted once', async () => {
    slack.clear();
    const base = { ...sampleRecord('LIMITED00001'), slack: { channel: 'C0OPS00001', approvalTs: '1800000000.000600' } };
    const { publisher, stored } = setup(base, strict);
    // A burst of approvals shares the ops channel's one post a second: the turn comes after more
    // refusals than a count of retries (it was 5) would sit out.
    slack.rateLimitNext('chat.postMessage', 7, 1);
    publisher.notify(base.id, { milestone: true, record: base });
    await publisher.idle();
    expect(refusedPosts()).toBe(7);
    expect(landedPosts()).toBe(1);
    expect(publisher.stats.rateLimited).toBe(7);
    expect(stored().slack.progressTs).toBe(String(slack.callsTo('chat.postMessage').at(-1)?.response.ts));
  }, 20_000);

  it('ends the send when the next wait would pass its budget (the update then waits for its slow retry)', async () => {
    slack.clear();
    const base = { ...sampleRecord('LIMITED00002'), slack: { channel: 'C0OPS00001', approvalTs: '1800000000.000700' } };
    const { publisher } = setup(base, { ...strict, rateLimitBudgetMs: 1_500 });
    slack.rateLimitNext('chat.postMessage', 5, 1);
    publisher.notify(base.id, { milestone: true, record: base });
    await publisher.idle();
    // refused at 0 s, waited 1 s, refused again: a second wait would end past 1.5 s
    expect(refusedPosts()).toBe(2);
    expect(landedPosts()).toBe(0);
    publisher.stop();
    slack.clear(); // the refusals left unused
  });
});
