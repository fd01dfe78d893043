/** The progress thread under load, Slack's 429s, and Retry re-running only what failed. */
import { blockActionPayload } from '../../support/slack-requests';
import { APPROVER, OPS_CHANNEL, OUTSIDER, settle, startHarness, submitBooking, waitForBooking, type Harness } from './harness';
import type { RecordedSlackCall } from '../../../src/sandbox/slack-api-standin';

let h: Harness;
const REFILL_MS = 300;
beforeAll(async () => {
  // The workspace bucket refills every 300 ms here (1200 ms in production) so a test does not wait
  // out the previous one's milestones; the bucket's shape is the same.
  h = await startHarness({ deps: { progressMinIntervalMs: 1000, progressWorkspace: { burst: 5, refillMs: REFILL_MS } } });
});
afterAll(async () => {
  await h.close();
});

const approve = (id: string, userId = APPROVER) => h.requester.interact(blockActionPayload({ userId, actionId: 'booking_approve', value: id, channelId: OPS_CHANNEL }));

async function progressCalls(id: string): Promise<RecordedSlackCall[]> {
  const b = await h.running.built.api.get(id);
  return h.slack.calls.filter((c) => (c.method === 'chat.update' && c.body.ts === b?.slack.progressTs) || (c.method === 'chat.postMessage' && c.body.thread_ts === b?.slack.approvalTs && String(c.body.text).includes('steps done')));
}

/** submitBooking finds its approval post by count, so submissions must not overlap. */
async function submitSequentially(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await submitBooking(h));
  expect(new Set(ids).size).toBe(n);
  return ids;
}

describe('progress coalescing', () => {
  it('a burst of step events and notifications gives at most one update per second per booking, plus the final one', async () => {
    h.steps.set('calendar', { delayMs: 1500 });
    h.steps.set('scc_event', { transientFailures: 1 });
    const ids = await submitSequentially(5);
    h.slack.clear();
    await Promise.all(ids.map((id) => approve(id)));
    // A burst on top of the runner's own events: 200 notifications per booking at once.
    for (const id of ids) for (let i = 0; i < 200; i++) h.running.built.progress.notify(id);
    await Promise.all(ids.map((id) => waitForBooking(h, id, (b) => b.state === 'done')));
    await settle(h);
    for (const id of ids) {
      const calls = (await progressCalls(id)).filter((c) => c.status === 200);
      expect(calls[0]?.method).toBe('chat.postMessage');
      const last = calls.at(-1);
      expect(JSON.stringify(last?.body.blocks)).toContain('All set');
      // Between the first post and the final update, cosmetic sends are spaced by the coalescing
      // window; the guest-page-live milestone (the first send with the guest URL) goes at once.
      const guestLive = calls.findIndex((c) => JSON.stringify(c.body.blocks).includes('guest-url'));
      const middle = calls.slice(1, -1).filter((c) => c !== calls[guestLive]);
      for (let i = 1; i < middle.length; i++) expect((middle[i]?.atMs ?? 0) - (middle[i - 1]?.atMs ?? 0)).toBeGreaterThanOrEqual(950);
      expect(calls.length).toBeLessThan(10);
    }
    h.steps.set('calendar', {});
    h.steps.set('scc_event', {});
  });

  it('draws non-final progress sends of all bookings from one workspace token bucket (Slack Tier 3, short bursts), while each final update goes at once', async () => {
    h.steps.set('guest_page', { delayMs: 2500 });
    const ids = await submitSequentially(6);
    // start with a full bucket: the previous test's milestones may have left it in debt
    while (h.running.built.progress.workspaceTokens < 5) await new Promise((r) => setTimeout(r, 50));
    h.slack.clear();
    await Promise.all(ids.map((id) => approve(id)));
    await Promise.all(ids.map((id) => waitForBooking(h, id, (b) => b.state === 'done')));
    await settle(h);
    const all = (await Promise.all(ids.map((id) => progressCalls(id)))).flat().filter((c) => c.status === 200);
    const isFinal = (c: RecordedSlackCall) => JSON.stringify(c.body.blocks).includes('All set');
    const showsGuestUrl = (c: RecordedSlackCall) => JSON.stringify(c.body.blocks).includes('guest-url');
    const finals = all.filter(isFinal);
    // Milestones (guest page live, done) skip the bucket; the cosmetic sends are the rest.
    const cosmetic = all.filter((c) => !isFinal(c) && !showsGuestUrl(c)).sort((a, b) => a.atMs - b.atMs);
    expect(finals).toHaveLength(ids.length);
    expect(cosmetic.length).toBeGreaterThanOrEqual(2);
    // The bucket (5 at once, then one per REFILL_MS): any run of cosmetic sends from the i-th to the
    // j-th fits in 5 plus what refilled in between, plus one: the stand-in stamps a call when it
    // arrives, which lags the moment its token was taken by up to a refill under load.
    for (let i = 0; i < cosmetic.length; i++) {
      for (let j = i; j < cosmetic.length; j++) {
        const refilled = (cosmetic[j]!.atMs - cosmetic[i]!.atMs) / REFILL_MS;
        expect(j - i + 1).toBeLessThanOrEqual(5 + 1 + Math.floor(refilled));
      }
    }
    // Six bookings × six steps of events (twelve each: started and done), yet per booking at most the
    // post, one cosmetic update, the guest-page-live milestone and the final one.
    expect(all.length).toBeLessThanOrEqual(ids.length * 4);
    h.steps.set('guest_page', {});
  });

  it('retries a rate-limited update after Retry-After and still lands the final state', async () => {
    const id = await submitBooking(h);
    h.slack.clear();
    // Long enough for the thread's first post to go before the booking finishes (sends are spaced).
    h.steps.set('calendar', { delayMs: 3000 });
    const limitedBefore = h.running.built.progress.stats.rateLimited;
    await approve(id);
    // The approval message's own update goes first; the next chat.update is the progress thread's.
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.update' && JSON.stringify(c.body.blocks).includes('Approved by')));
    h.slack.rateLimitNext('chat.update', 1, 1);
    await waitForBooking(h, id, (b) => b.state === 'done');
    await settle(h);
    expect(h.running.built.progress.stats.rateLimited - limitedBefore).toBe(1);
    const calls = await progressCalls(id);
    expect(calls.some((c) => c.status === 429)).toBe(true);
    const last = calls.at(-1);
    expect(last?.status).toBe(200);
    expect(JSON.stringify(last?.body.blocks)).toContain('All set');
    h.steps.set('calendar', {});
  });
});

describe('Retry', () => {
  it('shows the failure with its fix and a Retry button; Retry (approvers only) re-runs only the failed step and its dependents', async () => {
    const id = await submitBooking(h);
    h.steps.set('scc_event', { permanent: true });
    const before = { ...h.steps.calls };
    await approve(id);
    await waitForBooking(h, id, (b) => b.state === 'failed');
    await settle(h);
    const failedView = JSON.stringify((await progressCalls(id)).at(-1)?.body.blocks);
    expect(failedView).toContain('Needs attention');
    expect(failedView).toContain('SCC event — failed: SCC rejected the service key');
    expect(failedView).toContain('booking_retry');

    h.slack.clear();
    await h.requester.interact(blockActionPayload({ userId: OUTSIDER, actionId: 'booking_retry', value: id, channelId: OPS_CHANNEL }));
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'));
    expect((await h.running.built.api.get(id))?.state).toBe('failed');

    h.steps.set('scc_event', {});
    await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'booking_retry', value: id, channelId: OPS_CHANNEL }));
    await waitForBooking(h, id, (b) => b.state === 'done');
    await settle(h);
    const ran = Object.fromEntries(Object.entries(h.steps.calls).map(([s, n]) => [s, n - (before[s as keyof typeof before] ?? 0)]));
    expect(ran).toEqual({ calendar: 1, scc_event: 2, revenue_guard: 1, guest_page: 1, guest_cache: 1, crew_notice: 0 });
    const doneView = JSON.stringify((await progressCalls(id)).at(-1)?.body.blocks);
    expect(doneView).toContain('All set');
    expect(doneView).not.toContain('booking_retry');
  });
});
