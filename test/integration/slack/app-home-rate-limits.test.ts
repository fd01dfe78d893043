/**
 * App Home under Slack's published rate limits (views.publish is Tier 4: 100 a minute, a short
 * burst). A change that touches more open tabs than the burst allows draws 429s: those tabs must
 * still get the change, not keep the view from before it until some later change comes along.
 */
import { computeCosts } from '../../../src/booking/costs';
import { newBookingRecord } from '../../../src/pipeline/state-machine';
import { STEP_NAMES } from '../../../src/pipeline/types';
import { SLACK_PUBLISHED_LIMITS } from '../../../src/sandbox/slack-api-standin';
import { appHomeOpenedEvent } from '../../support/slack-requests';
import { RATES, sampleRequest, sampleRoster } from '../../support/booking';
import { APPROVER, inDays, OPS_CHANNEL, startHarness, type Harness } from './harness';

// More approvers with Home open than the stand-in's views.publish burst (20).
const APPROVERS = [APPROVER, ...Array.from({ length: 24 }, (_, i) => `U0APPR${String(i).padStart(4, '0')}`)];

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { CHARTER_APPROVERS: APPROVERS.join(',') }, deps: { homeDebounceMs: 50 } });
});
afterAll(async () => {
  await h.close();
});

/** A booking done `days` from now, written straight to the store (what the pipeline leaves). */
function doneRecord(id: string, guestName: string, days: number) {
  const request = sampleRequest({ date: inDays(days), guestName });
  const costs = computeCosts({ grossCents: request.priceCents, crewCount: 2, crewHours: 5, captainHours: 3 }, RATES);
  const record = newBookingRecord({ id, request, roster: sampleRoster, costs, createdBy: APPROVER, slack: { channel: OPS_CHANNEL } }, Date.now());
  record.state = 'done';
  for (const s of STEP_NAMES) record.steps[s] = { status: 'done', attempts: 1, result: {} };
  return record;
}

it('every open tab gets a change, even when Slack turns some of its publishes away with 429', async () => {
  for (const userId of APPROVERS) expect((await h.requester.event(appHomeOpenedEvent({ userId }))).status).toBe(200);
  await h.slack.waitFor((calls) => new Set(calls.filter((c) => c.method === 'views.publish').map((c) => c.body.user_id)).size === APPROVERS.length);
  await h.running.built.home.idle();

  h.slack.clear();
  h.slack.setRateLimits(SLACK_PUBLISHED_LIMITS);
  await h.running.built.store.create(doneRecord('HMERATE00001', 'Rosa Ratelimit', 3));
  // What the pipeline (and the periodic refresh) tells the publisher after a booking changed.
  h.running.built.home.changed();

  const showsIt = (userId: string) => (calls: typeof h.slack.calls) =>
    calls.some((c) => c.method === 'views.publish' && c.status === 200 && c.body.user_id === userId && JSON.stringify(c.body.view).includes('Rosa'));
  await h.slack.waitFor((calls) => calls.some((c) => c.method === 'views.publish' && c.status === 429));
  await h.slack.waitFor((calls) => APPROVERS.every((u) => showsIt(u)(calls)), 20_000);
  h.slack.setRateLimits(undefined);
}, 40_000);

it('Slack\'s platform error "ratelimited" (HTTP 200) is waited out like a 429: the tab still gets the change', async () => {
  const userId = APPROVERS[1]!;
  expect((await h.requester.event(appHomeOpenedEvent({ userId }))).status).toBe(200);
  await h.running.built.home.idle();
  h.slack.clear();
  h.slack.failNext('views.publish', 1, 'ratelimited', (body) => body.user_id === userId);
  await h.running.built.store.create(doneRecord('HMERATE00002', 'Pia Platform', 4));
  const before = h.running.built.home.stats.rateLimited;
  h.running.built.home.changed();
  await h.slack.waitFor((calls) => calls.some((c) => c.method === 'views.publish' && c.response.ok === true && c.body.user_id === userId && JSON.stringify(c.body.view).includes('Pia')), 10_000);
  expect(h.running.built.home.stats.rateLimited).toBe(before + 1);
}, 30_000);
