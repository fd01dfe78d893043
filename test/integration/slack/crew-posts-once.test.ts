/**
 * Crew posts land exactly once when Slack's answer is lost (issue: crew saw their call twice).
 * Real HTTP throughout: the bot (HTTP receiver, signed requests) against the Slack stand-in, which
 * keeps every posted message and serves conversations.history / replies. A post whose answer is
 * reset after the message was stored (or whose message lands a moment later) must be found by its
 * metadata and adopted, not posted again; a post that truly failed is posted once more after a
 * lookup proved it absent; and when the lookup itself fails the step fails with Retry — bounded —
 * without a second post, and Retry then adopts the message that had landed.
 */
import type { BookingRecord } from '../../../src/pipeline/types';
import { checkInMsOf } from '../../../src/slack/crew-reminders';
import { CAPTAIN, clickInOps, CREW, doneBooking, OPS_CHANNEL, settle, startHarness, submitBooking, waitForBooking, type Harness, crewPostPayloadOf, heldCrewPosts, isCrewPost } from './harness';

const HOUR = 3_600_000;
const LEE = CREW[0];
let h: Harness;
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs, setTo: (ms: number) => void (clock.offsetMs = ms - Date.now()) };

beforeAll(async () => {
  h = await startHarness({
    env: { CHARTER_CALL_TIMEOUT_MS: '1500' },
    deps: { now: clock.now, crewPostOnce: { settleMs: 400, lookupPauseMs: 50, deadlineMs: 8000 } },
  });
});
afterAll(async () => h.close());
afterEach(() => {
  clock.offsetMs = 0;
  h.slack.clear(); // no fault one test armed outlives it
});

const isPost = isCrewPost;
const payloadOf = crewPostPayloadOf;
const held = (id: string, post: string) => heldCrewPosts(h.slack, id, post);
let callsBefore = 0;
beforeEach(() => {
  callsBefore = h.slack.calls.length;
});
/** This test's lookups in `channel` (the DM channels are the same for every booking). */
const lookupsIn = (channel: string) => h.slack.calls.slice(callsBefore).filter((c) => (c.method === 'conversations.history' || c.method === 'conversations.replies') && c.body.channel === channel);

async function approveAndWait(id: string, state: BookingRecord['state']): Promise<BookingRecord> {
  await clickInOps(h, 'booking_approve', id);
  const b = await waitForBooking(h, id, (r) => r.state === state, 20_000);
  await settle(h);
  return b;
}

describe('the crew call', () => {
  it('lands once when the answer to its post is reset after Slack stored it: found by its metadata and adopted', async () => {
    const id = await submitBooking(h);
    h.slack.loseNext('chat.postMessage', 1, { effect: 'now', answer: 'reset', when: isPost(id, 'crew_call', { to: LEE }) });
    const done = await approveAndWait(id, 'done');

    const calls = held(id, 'crew_call');
    expect(calls.map((m) => payloadOf(m).to).sort()).toEqual([CAPTAIN, ...CREW].sort());
    const lee = calls.find((m) => payloadOf(m).to === LEE)!;
    expect(done.slack.crewPosts?.[LEE]).toMatchObject({ channel: lee.channel, ts: lee.ts });
    // found in the same attempt, by a lookup that asked for metadata from before the post
    expect(done.steps.crew_notice.attempts).toBe(1);
    const lookup = lookupsIn(lee.channel).find((c) => c.method === 'conversations.history');
    expect(lookup?.body.include_all_metadata).toBe('true');
    expect(Number(lookup?.body.oldest)).toBeLessThan(Number(lee.ts));
    // no money in any crew call's metadata
    for (const m of calls) expect(Object.keys(payloadOf(m)).sort()).toEqual(['booking_id', 'post', 'rev', 'to']);
  });

  it('lands once when the message reaches Slack only after the answer was lost: absence right away proves nothing', async () => {
    const id = await submitBooking(h);
    h.slack.loseNext('chat.postMessage', 1, { effect: 150, answer: 'reset', when: isPost(id, 'crew_call', { to: LEE }) });
    const done = await approveAndWait(id, 'done');

    const lee = held(id, 'crew_call').filter((m) => payloadOf(m).to === LEE);
    expect(lee).toHaveLength(1);
    expect(done.slack.crewPosts?.[LEE]?.ts).toBe(lee[0]?.ts);
    expect(lookupsIn(lee[0]!.channel).length).toBeGreaterThanOrEqual(2);
  });

  it('a post that truly failed (a 503, nothing stored) is posted once more after a lookup proved it absent', async () => {
    const id = await submitBooking(h);
    h.slack.loseNext('chat.postMessage', 1, { effect: 'never', answer: 503, when: isPost(id, 'crew_call', { to: LEE }) });
    const done = await approveAndWait(id, 'done');

    const lee = held(id, 'crew_call').filter((m) => payloadOf(m).to === LEE);
    expect(lee).toHaveLength(1);
    expect(done.slack.crewPosts?.[LEE]?.ts).toBe(lee[0]?.ts);
    expect(lookupsIn(lee[0]!.channel).length).toBeGreaterThan(0);
  });

  it('when the lookup itself fails, the step fails with Retry (bounded) and nothing is posted twice; Retry adopts the message that landed', async () => {
    const id = await submitBooking(h);
    h.slack.loseNext('chat.postMessage', 1, { effect: 'now', answer: 'reset', when: isPost(id, 'crew_call', { to: LEE }) });
    h.slack.failNext('conversations.history', 1000, 'internal_error');
    const failed = await approveAndWait(id, 'failed');

    const step = failed.steps.crew_notice;
    expect(step.status).toBe('failed');
    expect(step.error).toMatchObject({ code: 'SLACK_OUTCOME_UNKNOWN', retryable: true });
    expect(step.outcomeUnknown).toBe(true);
    const landed = held(id, 'crew_call').filter((m) => payloadOf(m).to === LEE);
    expect(landed).toHaveLength(1);
    expect(failed.slack.crewPosts?.[LEE]).toBeUndefined();
    // bounded: a few lookups per attempt, never a post without one
    const lookups = lookupsIn(landed[0]!.channel).length;
    expect(lookups).toBeGreaterThan(0);
    expect(lookups).toBeLessThanOrEqual(4 * step.attempts);

    h.slack.clear(); // Slack answers lookups again
    callsBefore = 0;
    await clickInOps(h, 'booking_retry', id);
    const done = await waitForBooking(h, id, (b) => b.state === 'done', 20_000);
    await settle(h);
    expect(held(id, 'crew_call').filter((m) => payloadOf(m).to === LEE)).toHaveLength(1);
    expect(done.slack.crewPosts?.[LEE]).toMatchObject({ channel: landed[0]!.channel, ts: landed[0]!.ts });
    // adopted from an earlier attempt: redrawn as the booking is now
    expect(h.slack.callsTo('chat.update').some((c) => c.body.ts === landed[0]!.ts)).toBe(true);
    expect(h.slack.callsTo('chat.postMessage').filter((c) => c.body.channel === landed[0]!.channel)).toHaveLength(0);
  });

  it('when the lookup hangs, each lookup is cut off by the call deadline and the step fails with Retry, no second post', async () => {
    const id = await submitBooking(h);
    h.slack.loseNext('chat.postMessage', 1, { effect: 'now', answer: 'reset', when: isPost(id, 'crew_call', { to: LEE }) });
    h.slack.hang('conversations.history');
    let failed: BookingRecord;
    try {
      failed = await approveAndWait(id, 'failed');
    } finally {
      h.slack.heal();
    }
    expect(failed.steps.crew_notice.error).toMatchObject({ code: 'SLACK_OUTCOME_UNKNOWN', retryable: true });
    expect(held(id, 'crew_call').filter((m) => payloadOf(m).to === LEE)).toHaveLength(1);

    await clickInOps(h, 'booking_retry', id);
    const done = await waitForBooking(h, id, (b) => b.state === 'done', 20_000);
    await settle(h);
    const lee = held(id, 'crew_call').filter((m) => payloadOf(m).to === LEE);
    expect(lee).toHaveLength(1);
    expect(done.slack.crewPosts?.[LEE]?.ts).toBe(lee[0]?.ts);
  });
});

describe('the crew-called line in the ops thread', () => {
  it('lands once when its answer is reset after Slack stored it: found in the thread with conversations.replies', async () => {
    const id = await submitBooking(h);
    h.slack.loseNext('chat.postMessage', 1, { effect: 'now', answer: 'reset', when: isPost(id, 'crew_called') });
    const done = await approveAndWait(id, 'done');

    const lines = held(id, 'crew_called');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ channel: OPS_CHANNEL, thread_ts: done.slack.approvalTs });
    expect(String(lines[0]?.text)).toMatch(/^Crew called/);
    expect(done.slack.crewCalledTs).toBe(lines[0]?.ts);
    expect(h.slack.callsTo('conversations.replies').some((c) => c.body.ts === done.slack.approvalTs && c.body.include_all_metadata === 'true')).toBe(true);
  });
});

describe('a crew reminder', () => {
  it('lands once when its answer is reset after Slack stored it, and is marked sent', async () => {
    const id = await doneBooking(h);
    const booking = (await h.running.built.api.get(id))!;
    clock.setTo(checkInMsOf(booking, h.config) - 47 * HOUR);
    h.slack.loseNext('chat.postMessage', 1, { effect: 'now', answer: 'reset', when: isPost(id, 'crew_reminder', { ordinal: `dm48:${LEE}` }) });
    await h.running.built.periodic.runOnce();

    const expected = [`dm48:${CAPTAIN}`, `dm48:${LEE}`, `dm48:${CREW[1]}`].sort();
    expect(held(id, 'crew_reminder').map((m) => payloadOf(m).ordinal).sort()).toEqual(expected);
    const after = await h.running.built.api.get(id);
    expect(after?.reminders?.[`dm48:${LEE}`]?.sentAtMs).toBeDefined();
    // the next tick sends nothing more
    await h.running.built.periodic.runOnce();
    expect(held(id, 'crew_reminder').map((m) => payloadOf(m).ordinal).sort()).toEqual(expected);
  });

  it('to a member deactivated since the crew call: nothing posted into their DM; the office is told once in the thread; settled, not retried', async () => {
    const id = await doneBooking(h);
    const booking = (await h.running.built.api.get(id))!;
    clock.setTo(checkInMsOf(booking, h.config) - 47 * HOUR);
    // Slack takes posts into the DM they had (the stand-in too); only conversations.open refuses.
    h.slack.setUser({ id: LEE, realName: 'Lee Park', email: 'lee@example.com', deleted: true });
    const opensBefore = h.slack.callsTo('conversations.open').length;
    try {
      await h.running.built.periodic.runOnce();
      await h.running.built.periodic.runOnce();
    } finally {
      h.slack.setUser({ id: LEE, realName: 'Lee Park', email: 'lee@example.com' });
    }
    const reminders = held(id, 'crew_reminder');
    const dms = reminders.filter((m) => m.channel !== OPS_CHANNEL).map((m) => payloadOf(m).ordinal).sort();
    expect(dms).toEqual([`dm48:${CAPTAIN}`, `dm48:${CREW[1]}`].sort());
    const told = reminders.filter((m) => payloadOf(m).ordinal === `unreachable:dm48:${LEE}`);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ channel: OPS_CHANNEL, thread_ts: booking.slack.approvalTs });
    expect(String(told[0]?.text)).toBe(`:warning: The 48 h crew reminder cannot reach <@${LEE}>: their account is deactivated. Change the crew (Edit) and approve the change, or reach them another way.`);
    const after = await h.running.built.api.get(id);
    expect(after?.reminders?.[`dm48:${LEE}`]).toMatchObject({ sentAtMs: expect.any(Number), undelivered: 'user_disabled' });
    // Two ticks: Lee's DM was opened (and refused) once, on the first; settled, not tried again.
    expect(h.slack.callsTo('conversations.open').slice(opensBefore).filter((c) => c.body.users === LEE)).toHaveLength(1);
  });
});
