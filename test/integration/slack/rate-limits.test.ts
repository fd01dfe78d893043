/**
 * A burst of approvals under Slack's published rate limits (the stand-in answers 429 as Slack does):
 * a 429 is back-pressure, so every booking still ends done, and every crew post, progress message
 * and crew-called line exists exactly once. `RATE_LIMIT_BURST=60 npx jest rate-limits` runs a larger
 * burst (README, Known limits: 60 and 120 were measured so).
 */
import { blockActionPayload } from '../../support/slack-requests';
import { SLACK_PUBLISHED_LIMITS, type RecordedSlackCall } from '../../../src/sandbox/slack-api-standin';
import type { BookingRecord } from '../../../src/pipeline/types';
import { statusText } from '../../../src/slack/blocks/status';
import { APPROVER, CAPTAIN, CREW, OPS_CHANNEL, settle, startHarness, submitBooking, waitForBooking, type Harness } from './harness';

const BOOKINGS = Number(process.env.RATE_LIMIT_BURST ?? 8);
// The ops channel takes about one post a second and each booking posts twice there.
const DRAIN_BOUND_MS = 120_000 + BOOKINGS * 5_000;

let h: Harness;
beforeAll(async () => {
  // The runner's production retry settings: 5 attempts, backoff from 250 ms, Retry-After honoured.
  h = await startHarness({ deps: { runner: {} } });
});
afterAll(async () => {
  await h.close();
});

const approve = (id: string) => h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'booking_approve', value: id, channelId: OPS_CHANNEL }));
const bookingOf = (c: RecordedSlackCall) => (c.body.metadata as { event_payload?: { booking_id?: string } } | undefined)?.event_payload?.booking_id;
/** Posts name their kind in the metadata (crew_call, crew_called, …, progress). */
const isProgressOf = (c: RecordedSlackCall, id: string) => bookingOf(c) === id && (c.body.metadata as { event_payload?: { post?: string } }).event_payload?.post === 'progress';
const ok = (c: RecordedSlackCall) => c.status === 200 && c.response.ok === true;

it(`${BOOKINGS} approvals at once: every booking done, each crew DM, progress message and crew-called line posted once`, async () => {
  const ids: string[] = [];
  for (let i = 0; i < BOOKINGS; i++) ids.push(await submitBooking(h));
  h.slack.clear();
  h.slack.setRateLimits(SLACK_PUBLISHED_LIMITS);
  const clickedAtMs = Date.now();
  await Promise.all(ids.map((id) => approve(id)));
  // Each step is bounded by its budget (60 s from its first attempt); the ops channel's 16 posts
  // at one a second take about 15 s here.
  await Promise.all(ids.map((id) => waitForBooking(h, id, (b) => b.state === 'done' || b.state === 'failed', DRAIN_BOUND_MS)));
  const doneAtMs = Date.now();
  await settle(h);
  h.slack.setRateLimits(undefined);
  // read after settling: a progress message posted late stores its ts after the booking is done
  const finals = (await Promise.all(ids.map((id) => h.running.built.api.get(id)))).filter((b): b is BookingRecord => b !== undefined);

  const refused = h.slack.calls.filter((c) => c.status === 429);
  process.stdout.write(`\n--- ${BOOKINGS} approvals under Slack's limits: ${refused.length} calls answered 429 (${[...new Set(refused.map((c) => c.method))].join(', ')}); crew_notice attempts ${finals.map((b) => b.steps.crew_notice.attempts).join(' ')} ---\n`);
  const progressPostsAtMs = h.slack.callsTo('chat.postMessage').filter((c) => ok(c) && c.body.channel === OPS_CHANNEL && bookingOf(c) !== undefined).map((c) => c.atMs - clickedAtMs);
  const longestCrewStepMs = Math.max(...finals.map(({ steps: { crew_notice: s } }) => (s.finishedAtMs ?? 0) - (s.firstAttemptAtMs ?? s.startedAtMs ?? 0)));
  process.stdout.write(`all ended ${doneAtMs - clickedAtMs} ms after the clicks; last progress message posted at ${Math.max(...progressPostsAtMs)} ms; longest crew step ${longestCrewStepMs} ms\n`);
  expect(refused.length).toBeGreaterThan(0);
  expect(finals.map((b) => `${b.id} ${b.state}`)).toEqual(ids.map((id) => `${id} done`));

  const posts = h.slack.callsTo('chat.postMessage').filter(ok);
  for (const b of finals) {
    // one DM per roster member, each in that member's own DM channel
    const dms = posts.filter((c) => bookingOf(c) === b.id && String(c.body.channel).startsWith('D'));
    expect(dms.map((c) => c.body.channel).sort()).toEqual(Object.values(b.slack.crewPosts ?? {}).map((p) => p.channel).sort());
    expect(Object.keys(b.slack.crewPosts ?? {}).sort()).toEqual([CAPTAIN, ...CREW].sort());
    // in the ops thread: the progress message once and the crew-called line once
    const thread = posts.filter((c) => c.body.channel === OPS_CHANNEL && c.body.thread_ts === b.slack.approvalTs);
    expect(thread.filter((c) => isProgressOf(c, b.id))).toHaveLength(1);
    expect(thread.filter((c) => String(c.body.text).startsWith('Crew called'))).toHaveLength(1);
    // and the progress message's last word is the finished booking
    const progress = [...thread.filter((c) => isProgressOf(c, b.id)), ...h.slack.callsTo('chat.update').filter((c) => ok(c) && c.body.ts === b.slack.progressTs)];
    expect(JSON.stringify(progress.at(-1)?.body.blocks)).toContain('All set');
  }
  // /charter status tells the operator why a step took several attempts
  const slowest = finals.reduce((a, b) => (b.steps.crew_notice.attempts > a.steps.crew_notice.attempts ? b : a));
  const crewLine = statusText(slowest, { guestUrl: '', timezone: h.config.timezone, showMoney: false }).split('\n').find((l) => l.startsWith('• Crew notified'));
  process.stdout.write(`${crewLine}\n`);
  expect(crewLine).toContain(`${slowest.steps.crew_notice.attempts} attempts, ${slowest.steps.crew_notice.throttled} of them turned away by a rate limit`);
  expect(slowest.steps.crew_notice.throttled).toBeGreaterThan(0);
  // The DM channels were opened once per crew member, not once per booking and attempt.
  expect(h.slack.callsTo('conversations.open').filter(ok)).toHaveLength(1 + CREW.length);
}, DRAIN_BOUND_MS + 60_000);
