/**
 * The progress message when Slack or the store misbehave: a send Slack holds back (429), a Slack
 * outage, errors that will not pass, a message someone deleted, a store that fails right after the
 * post. Over a real WebClient and the Slack API stand-in; the booking store behind BookingApi is a
 * map that every "process" (publisher) here shares.
 */
import { Writable } from 'node:stream';
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
beforeEach(() => slack.clear());

const OPS = 'C0OPS00001';

/** The store every publisher here shares: each write bumps the version, as the real ones do. */
function sharedStore(initial: BookingRecord) {
  let current = initial;
  const api = {
    get: async () => current,
    setSlackRefs: async (_id: string, patch: Partial<SlackRefs>) => {
      current = { ...current, version: current.version + 1, slack: { ...current.slack, ...patch } };
      return current;
    },
    updateSlackRefs: async (_id: string, mutate: (s: SlackRefs) => SlackRefs | undefined) => {
      const s = mutate(current.slack);
      if (s) current = { ...current, version: current.version + 1, slack: s };
      return { written: s !== undefined, booking: current };
    },
  } as unknown as BookingApi;
  return { api, get: () => current, set: (r: BookingRecord) => (current = r) };
}

/** A process's publisher; the message it draws says which record it came from. */
function publisher(ownerId: string, api: BookingApi, options: Partial<ProgressPublisherOptions> = {}) {
  return new ProgressPublisher({
    ownerId,
    postClaim: postClaimRule({ callTimeoutMs: 10_000, postDeadlineMs: 24_000 }),
    client: new WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true }),
    api,
    log: createLogger({ level: 'silent', pretty: false }),
    render: (b) => ({ text: `v${b.version} ${b.state}`, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `v${b.version} ${b.state}` } }] }),
    minIntervalMs: 0,
    rateLimitJitterMs: 0,
    ...options,
  });
}

/** A progress message already in the thread, as an earlier send left it. */
async function existingMessage(approvalTs: string, text: string): Promise<string> {
  const posted = await new WebClient('xoxb-test', { slackApiUrl: slack.url }).chat.postMessage({ channel: OPS, thread_ts: approvalTs, text });
  slack.clear();
  return String(posted.ts);
}

const shown = (ts: string) => slack.messages(OPS).find((m) => m.ts === ts)?.text;
const landedUpdates = () => slack.callsTo('chat.update').filter((c) => c.status === 200 && c.response.ok === true).map((c) => String(c.body.text));

describe('a send Slack held back (429)', () => {
  it("is drawn again after the wait, so it does not overwrite the final update another process sent meanwhile", async () => {
    const base = sampleRecord('TWOPROC00001');
    const ts = await existingMessage('1800000000.000100', 'v1 running');
    const store = sharedStore({ ...base, version: 7, state: 'running', slack: { channel: OPS, approvalTs: '1800000000.000100', progressTs: ts } });
    const slackFn = publisher('slack-fn-0000aaaa', store.api); // took a crew answer
    const pipelineFn = publisher('pipeline-fn-0000bbbb', store.api); // runs the steps

    // The crew answer's process draws v7 (running), and Slack tells it to wait a second.
    slack.rateLimitNext('chat.update', 1, 1);
    slackFn.notify(base.id);
    await slack.waitFor((calls) => calls.some((c) => c.method === 'chat.update' && c.status === 429));
    // Meanwhile the pipeline writes done and sends its final update at once.
    const done = { ...store.get(), version: 8, state: 'done' as const };
    store.set(done);
    pipelineFn.notify(base.id, { final: true, record: done });
    await pipelineFn.idle();
    await slackFn.idle();

    expect(shown(ts)).toBe('v8 done');
    expect(landedUpdates()).toEqual(['v8 done', 'v8 done']);
  }, 20_000);

  it('goes with the newest state when a milestone arrived during the wait, and only once', async () => {
    const base = sampleRecord('MILESTONE001');
    const ts = await existingMessage('1800000000.000200', 'v4 running');
    const store = sharedStore({ ...base, version: 5, state: 'running', slack: { channel: OPS, approvalTs: '1800000000.000200', progressTs: ts } });
    const p = publisher('proc-0000aaaa', store.api);
    slack.rateLimitNext('chat.update', 1, 1);
    p.notify(base.id, { record: store.get() }); // a step started: cosmetic
    await slack.waitFor((calls) => calls.some((c) => c.status === 429));
    const guestLive = { ...store.get(), version: 6 }; // guest_cache done: the guest URL, a milestone
    store.set(guestLive);
    p.notify(base.id, { milestone: true, record: guestLive });
    await p.idle();
    expect(landedUpdates()).toEqual(['v6 running']);
  }, 20_000);
});

describe('a Slack that keeps failing', () => {
  it("a done booking's final update is not given up: it lands once Slack is back, however long that takes", async () => {
    const base = sampleRecord('OUTAGE000001');
    const ts = await existingMessage('1800000000.000300', 'v4 running');
    const store = sharedStore({ ...base, version: 8, state: 'done', slack: { channel: OPS, approvalTs: '1800000000.000300', progressTs: ts } });
    // Time scaled down: three quick retries, then one every 100 ms (a minute in production).
    const p = publisher('proc-0000aaaa', store.api, { failureBackoffMs: 1, maxSendFailures: 3, slowRetryMs: 100 });
    slack.failNext('chat.update', 8, 'internal_error');
    p.notify(base.id, { final: true, record: store.get() });
    // idle() does not wait out an outage: the update is on its slow retry by now.
    await p.idle();
    expect(shown(ts)).toBe('v4 running');
    await slack.waitFor((calls) => calls.some((c) => c.method === 'chat.update' && c.response.ok === true), 5_000);
    expect(shown(ts)).toBe('v8 done');
    expect(slack.callsTo('chat.update')).toHaveLength(9);
    p.stop();
  }, 20_000);

  it("takes Slack's platform errors ratelimited and rate_limited as back-pressure, not as failed sends", async () => {
    const base = sampleRecord('PLATFORMRL01');
    const ts = await existingMessage('1800000000.000400', 'v4 running');
    const store = sharedStore({ ...base, version: 8, state: 'done', slack: { channel: OPS, approvalTs: '1800000000.000400', progressTs: ts } });
    // A failed send would wait a minute here: only back-pressure is retried within the test.
    const p = publisher('proc-0000aaaa', store.api, { maxSendFailures: 0 });
    slack.failNext('chat.update', 1, 'rate_limited');
    slack.failNext('chat.update', 1, 'ratelimited');
    p.notify(base.id, { final: true, record: store.get() });
    await p.idle();
    expect(p.stats.rateLimited).toBe(2);
    expect(shown(ts)).toBe('v8 done');
    p.stop();
  }, 20_000);
});

describe('a progress message someone deleted', () => {
  it('is posted anew, once, although two processes find it gone', async () => {
    const base = sampleRecord('DELETED00001');
    const approvalTs = '1800000000.000500';
    const ts = await existingMessage(approvalTs, 'v6 running');
    const store = sharedStore({ ...base, version: 7, state: 'running', slack: { channel: OPS, approvalTs, progressTs: ts } });
    const one = publisher('proc-0000aaaa', store.api);
    const two = publisher('proc-0000bbbb', store.api);
    slack.deleteMessage(OPS, ts);
    const done = { ...store.get(), version: 8, state: 'done' as const };
    store.set(done);
    one.notify(base.id, { final: true, record: done });
    two.notify(base.id);
    await Promise.all([one.idle(), two.idle()]);

    const posts = slack.callsTo('chat.postMessage').filter((c) => c.response.ok === true);
    expect(posts).toHaveLength(1);
    expect(posts[0]?.body.thread_ts).toBe(approvalTs);
    const newTs = String(posts[0]?.response.ts);
    expect(store.get().slack.progressTs).toBe(newTs);
    expect(store.get().slack.progressClaim).toBeUndefined();
    // Whichever process posted, the thread shows the final state, and later updates go to the new message.
    expect(slack.messages(OPS).filter((m) => m.thread_ts === approvalTs).map((m) => m.text)).toEqual([expect.stringMatching(/^v\d+ done$/)]);
    one.notify(base.id, { final: true, record: { ...store.get(), version: store.get().version + 1 } });
    await one.idle();
    expect(slack.callsTo('chat.update').at(-1)).toMatchObject({ status: 200, body: { ts: newTs } });
  }, 20_000);
});

describe('a channel Slack refuses for good', () => {
  it('is not retried, and is logged once however many bookings meet it', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(chunk.toString()), cb()) }) });
    const archived = 'C0ARCHIVE1';
    const store = new Map<string, BookingRecord>();
    for (const id of ['ARCHIVED0001', 'ARCHIVED0002']) store.set(id, { ...sampleRecord(id), state: 'done', slack: { channel: archived, approvalTs: '1800000000.000600', progressTs: `1800000000.00070${id.at(-1)}` } });
    const api = { get: async (id: string) => store.get(id) } as unknown as BookingApi;
    const p = publisher('proc-0000aaaa', api, { log, failureBackoffMs: 1, maxSendFailures: 1, slowRetryMs: 20 });
    slack.setChannel(archived, { isArchived: true });
    try {
      for (const id of store.keys()) p.notify(id, { final: true, record: store.get(id) });
      await p.idle();
      await new Promise((r) => setTimeout(r, 200)); // long enough for several slow retries
      expect(slack.callsTo('chat.update').map((c) => c.response.error)).toEqual(['is_archived', 'is_archived']);
      const refused = lines.filter((l) => l.includes('progress message refused by Slack'));
      expect(refused).toHaveLength(1);
      expect(refused[0]).toContain('The channel is archived');

      // A second archived channel is news of its own, though the first is still refused.
      const another = 'C0ARCHIVE2';
      slack.setChannel(another, { isArchived: true });
      const third = { ...sampleRecord('ARCHIVED0003'), state: 'done' as const, slack: { channel: another, approvalTs: '1800000000.000600', progressTs: '1800000000.000703' } };
      store.set(third.id, third);
      p.notify(third.id, { final: true, record: third });
      await p.idle();
      expect(lines.filter((l) => l.includes('progress message refused by Slack'))).toHaveLength(2);
    } finally {
      slack.setChannel(archived, undefined);
      slack.setChannel('C0ARCHIVE2', undefined);
      p.stop();
    }
  });
});

describe('a post that may have landed unseen', () => {
  it('is looked up before posting when the claim is taken over from a holder that stopped: found, it is not posted again', async () => {
    const bot = new WebClient('xoxb-test', { slackApiUrl: slack.url });
    const base = sampleRecord('TAKEOVER0001');
    const approvalTs = String((await bot.chat.postMessage({ channel: OPS, text: 'approval' })).ts);
    // The holder posted, and stopped before it could store the ts.
    const landed = await bot.chat.postMessage({ channel: OPS, thread_ts: approvalTs, text: 'v3 running', metadata: { event_type: 'charter_booking', event_payload: { booking_id: base.id, post: 'progress' } } });
    slack.clear();
    const lapsed = { owner: 'stopped-host-0000cccc', atMs: Date.now() - 10 * 60_000 };
    const store = sharedStore({ ...base, version: 5, state: 'done', slack: { channel: OPS, approvalTs, progressClaim: lapsed } });
    const p = publisher('proc-0000aaaa', store.api);
    p.notify(base.id, { final: true, record: store.get() });
    await p.idle();
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(store.get().slack.progressTs).toBe(landed.ts);
    expect(shown(String(landed.ts))).toMatch(/ done$/);
  }, 20_000);
});

describe('a store that fails right after the post', () => {
  it('has the ts saved by a later try, and no second message is posted meanwhile or after', async () => {
    const bot = new WebClient('xoxb-test', { slackApiUrl: slack.url });
    const base = sampleRecord('TSLOST000001');
    const approvalTs = String((await bot.chat.postMessage({ channel: OPS, text: 'approval' })).ts);
    slack.clear();
    const store = sharedStore({ ...base, version: 3, state: 'running', slack: { channel: OPS, approvalTs } });
    let failingSaves = 3;
    const api = {
      ...store.api,
      setSlackRefs: async (id: string, patch: Partial<SlackRefs>) => {
        if (failingSaves-- > 0) throw new Error('store unavailable (retries exhausted)');
        return store.api.setSlackRefs(id, patch);
      },
    } as unknown as BookingApi;
    const p = publisher('proc-0000aaaa', api, { failureBackoffMs: 20 });
    p.notify(base.id, { milestone: true, record: store.get() });
    await p.idle();
    const posted = slack.callsTo('chat.postMessage').map((c) => String(c.response.ts));
    expect(posted).toHaveLength(1);
    expect(store.get().slack).toMatchObject({ progressTs: posted[0] });
    expect(store.get().slack.progressClaim).toBeUndefined();

    // Quiet, and forgotten; the next step event brings a record of the run's, and the message is updated.
    await new Promise((r) => setTimeout(r, 50));
    expect(p.tracked).toBe(0);
    const next = { ...store.get(), version: store.get().version + 1 };
    store.set(next);
    p.notify(base.id, { record: next });
    await p.idle();
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    expect(shown(posted[0]!)).toBe(`v${next.version} running`);
  }, 20_000);

  it('keeps the ts, not forgetting the booking, for as long as the store stays down', async () => {
    const base = sampleRecord('TSLOST000002');
    const store = sharedStore({ ...base, version: 3, state: 'running', slack: { channel: OPS, approvalTs: String((await new WebClient('xoxb-test', { slackApiUrl: slack.url }).chat.postMessage({ channel: OPS, text: 'approval' })).ts) } });
    slack.clear();
    const api = { ...store.api, setSlackRefs: async () => Promise.reject(new Error('store unavailable')) } as unknown as BookingApi;
    const p = publisher('proc-0000aaaa', api, { failureBackoffMs: 5, maxSendFailures: 2, slowRetryMs: 30 });
    p.notify(base.id, { milestone: true, record: store.get() });
    await p.idle(); // on its slow retry by now
    p.notify(base.id, { record: { ...store.get(), version: 4 } }); // the record as the runner knows it: no ts, this process's claim
    await new Promise((r) => setTimeout(r, 200));
    expect(p.tracked).toBe(1);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    p.stop();
  }, 20_000);
});
