/**
 * A crew answer that joins another answer's redraw has no redraw of its own, so that redraw owes it
 * every post: one whose update failed (a 5xx, Slack's back-pressure) is drawn again, an answer
 * joining the last round allowed is still drawn, and a member a change takes off meanwhile is not
 * left holding a live call because this redraw reached Slack after the change's "you're off" (nor
 * after a cancel's "Cancelled"). A click refused on a post left behind redraws it, and with
 * Lambda's one-second budget the minute tick redraws what the answer's redraw left behind.
 * Real Bolt receiver, signed requests, the Slack stand-in over HTTP, SQLite on disk.
 */
import { type BookingRecord } from '../../../src/pipeline/types';
import { refusingStore, type RefusingStore } from '../../fixtures/pipeline/refusing-store';
import { blockActionPayload, viewSubmissionPayload } from '../../support/slack-requests';
import { CAPTAIN, CREW, clickInOps, doneBooking, ephemeralsTo, inDays, OPS_CHANNEL, OUTSIDER, proposeChange, settle, startHarness, VALID_FIELDS, waitForBooking, waitForLog, type Harness } from './harness';

jest.setTimeout(60_000);

const stepOverrides = { calendar_update: async () => ({ updated: true }), scc_update: async () => ({ updated: true }) };
const EXTRA = ['U0CREW0003', 'U0CREW0004'];

const confirmOn = (h: Harness, b: BookingRecord, userId: string, post = b.slack.crewPosts![userId]!) =>
  h.requester.interact(blockActionPayload({ userId, actionId: `crew_confirm:${userId}`, value: `${b.id}:${userId}:r${b.callRevisions?.[userId] ?? 1}`, channelId: post.channel, messageTs: post.ts }));

/** The ops thread's "confirmed" lines for booking `b`: one per answer, each posted once its redraw is done. */
const threadLines = (h: Harness, b: BookingRecord) =>
  h.slack
    .callsTo('chat.postMessage')
    .filter((c) => c.body.channel === OPS_CHANNEL && c.body.thread_ts === b.slack.approvalTs && / confirmed$/.test(String(c.body.text)))
    .map((c) => String(c.body.text));

/** What Slack now holds for a crew post, as JSON. */
const heldPost = (h: Harness, post: { channel: string; ts: string }) => JSON.stringify(h.slack.messages(post.channel).find((m) => m.ts === post.ts) ?? {});
const confirmationsOn = (h: Harness, post: { channel: string; ts: string }) => (heldPost(h, post).match(/:white_check_mark: confirmed/g) ?? []).length;

/**
 * A booking run to done; Lee then confirms while Slack stores his redraw's update of Ana's DM late
 * (2.5 s, answered at 2.6 s). `first` runs before that (a change proposed, say). Resolves once his
 * answer is recorded; `leeClick` settles when his click is answered.
 */
async function leeConfirmsWithAnaLate<T>(h: Harness, fields: Parameters<typeof doneBooking>[1], first?: (id: string) => Promise<T>) {
  const id = await doneBooking(h, fields);
  const b = (await h.running.built.api.get(id))!;
  const [lee, ana] = CREW as [string, string];
  const anaPost = b.slack.crewPosts![ana]!;
  const before = first ? await first(id) : undefined;
  h.slack.clear();
  h.slack.loseNext('chat.update', 1, { effect: 2500, answer: { afterMs: 2600 }, when: (m) => m.ts === anaPost.ts });
  const leeClick = confirmOn(h, b, lee);
  await waitForBooking(h, id, (r) => r.confirmations[lee] !== undefined);
  return { id, b, lee, ana, anaPost, leeClick, before };
}

/**
 * Lee's answer's redraw has ended: his click answered, Slack's late updates landed, his line in the
 * ops thread (or, `reset`: a change reset his answer meanwhile, and his line is left out).
 */
async function leeRedrawDone(h: Harness, b: BookingRecord, leeClick: Promise<unknown>, withinMs = 15_000, reset = false): Promise<void> {
  await leeClick;
  await h.slack.lateEffectsLanded();
  if (reset) await waitForLog(h, new RegExp(`"bookingId":"${b.id}".*"userId":"${CREW[0]}".*its line is not posted`), withinMs);
  else await h.slack.waitFor(() => threadLines(h, b).length === 1, withinMs);
  await settle(h);
}

/** The answer lines (confirmed, can't make it) in the ops thread of booking `b` about `userId`, in order. */
const answerLinesAbout = (h: Harness, b: BookingRecord, userId: string) =>
  h.slack
    .messages(OPS_CHANNEL)
    .filter((m) => m.thread_ts === b.slack.approvalTs && [`:white_check_mark: <@${userId}>`, `:x: <@${userId}>`].some((start) => String(m.text).startsWith(start)))
    .map((m) => String(m.text));

describe('an answer joining a redraw under way', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ deps: { stepOverrides } });
  });
  afterAll(async () => h.close());

  /** Ana confirms; while her redraw runs (`hold` keeps it going), Lee confirms and joins it. */
  async function leeJoinsAnasRedraw(id: string): Promise<BookingRecord> {
    const b = (await h.running.built.api.get(id))!;
    const [lee, ana] = CREW;
    const anaClick = confirmOn(h, b, ana);
    await waitForBooking(h, id, (r) => r.confirmations[ana] !== undefined);
    await confirmOn(h, b, lee);
    await anaClick;
    await h.slack.waitFor(() => threadLines(h, b).length === 2, 15_000);
    await settle(h);
    return (await h.running.built.api.get(id))!;
  }

  it("the update of the joiner's own DM fails in that round: it is drawn again, with his answer", async () => {
    const id = await doneBooking(h, { ...VALID_FIELDS, boatsetterRef: 'BS-REDRAW1', date: inDays(5) });
    const leePost = (await h.running.built.api.get(id))!.slack.crewPosts![CREW[0]]!;
    h.slack.clear();
    // Ana's redraw of Lee's DM takes a while and then fails (Slack never took it).
    h.slack.loseNext('chat.update', 1, { effect: 'never', answer: { afterMs: 1500 }, when: (m) => m.ts === leePost.ts });
    const after = await leeJoinsAnasRedraw(id);
    expect(Object.keys(after.confirmations).sort()).toEqual([...CREW].sort());
    expect([...ephemeralsTo(h, CREW[0]), ...ephemeralsTo(h, CREW[1])]).toEqual([]);
    for (const u of [CAPTAIN, ...CREW]) expect(confirmationsOn(h, after.slack.crewPosts![u]!)).toBe(2);
    expect(heldPost(h, leePost)).not.toContain(`crew_confirm:${CREW[0]}`);
  });

  it("Slack's back-pressure on the joiner's own DM: it is drawn again once Slack lets it, with his answer", async () => {
    const id = await doneBooking(h, { ...VALID_FIELDS, boatsetterRef: 'BS-REDRAW2', date: inDays(6) });
    const posts = (await h.running.built.api.get(id))!.slack.crewPosts!;
    const leePost = posts[CREW[0]]!;
    h.slack.clear();
    // Slack refuses Ana's redraw of Lee's DM as rate limited; her redraw of the captain's DM is slow, so Lee joins it.
    h.slack.failNext('chat.update', 1, 'ratelimited', (m) => m.ts === leePost.ts);
    h.slack.loseNext('chat.update', 1, { effect: 'now', answer: { afterMs: 1500 }, when: (m) => m.ts === posts[CAPTAIN]!.ts });
    const after = await leeJoinsAnasRedraw(id);
    expect(h.slack.callsTo('chat.update').filter((c) => c.body.ts === leePost.ts).map((c) => c.response.ok)).toEqual([false, true]);
    for (const u of [CAPTAIN, ...CREW]) expect(confirmationsOn(h, after.slack.crewPosts![u]!)).toBe(2);
    expect(heldPost(h, leePost)).not.toContain(`crew_confirm:${CREW[0]}`);
  });

  it('an answer joining the last round a redraw had is drawn on every post', async () => {
    for (const [i, user] of EXTRA.entries()) h.slack.setUser({ id: user, realName: `Extra ${i}` });
    const members = [CAPTAIN, ...CREW, OUTSIDER, ...EXTRA];
    const id = await doneBooking(h, { ...VALID_FIELDS, boatsetterRef: 'BS-REDRAW3', date: inDays(7), crew: [...CREW, OUTSIDER, ...EXTRA] });
    const b = (await h.running.built.api.get(id))!;
    h.slack.clear();
    // Every round of the captain's redraw is held open by its update of his own DM; one more
    // member confirms during each round, so each joins it and the sixth joins its fifth round.
    h.slack.loseNext('chat.update', members.length, { effect: 'now', answer: { afterMs: 1000 }, when: (m) => m.ts === b.slack.crewPosts![CAPTAIN]!.ts });
    const clicks: Promise<unknown>[] = [];
    for (const [round, u] of members.entries()) {
      // Round `round` has reached Slack: each round redraws every post (each shows one answer too few).
      await h.slack.waitFor(() => h.slack.callsTo('chat.update').length >= members.length * round);
      clicks.push(confirmOn(h, b, u));
      await waitForBooking(h, id, (r) => r.confirmations[u] !== undefined);
    }
    await Promise.all(clicks);
    await h.slack.waitFor(() => threadLines(h, b).length === members.length, 30_000);
    await settle(h);
    const after = (await h.running.built.api.get(id))!;
    expect(members.flatMap((u) => ephemeralsTo(h, u))).toEqual([]);
    expect(members.map((u) => confirmationsOn(h, after.slack.crewPosts![u]!))).toEqual(members.map(() => members.length));
  });
});

describe("a member changing her answer while Slack draws the first", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ deps: { stepOverrides } });
  });
  afterAll(async () => h.close());

  it("Confirm, then Can't make it before Confirm is drawn: the ops thread's last word on her is \"can't make it\"", async () => {
    const id = await doneBooking(h, { ...VALID_FIELDS, boatsetterRef: 'BS-REDRAW20', date: inDays(8) });
    const b = (await h.running.built.api.get(id))!;
    const ana = CREW[1];
    h.slack.clear();
    // Slack is slow to take her Confirm's redraws: her Can't make it is recorded while they are on their way.
    h.slack.slowNext('chat.update', 3, 1500);
    await confirmOn(h, b, ana);
    await waitForBooking(h, id, (r) => r.confirmations[ana] !== undefined);
    await h.requester.interact(viewSubmissionPayload({ userId: ana, callbackId: 'crew_decline', privateMetadata: JSON.stringify({ bookingId: id, userId: ana, callRevision: 1 }), values: { reason: { reason: { type: 'plain_text_input', value: 'sick' } } } }));
    await h.slack.waitFor(() => answerLinesAbout(h, b, ana).some((t) => t.includes("can't make it")), 15_000);
    // Her Confirm's handling is over once it has decided on its line.
    await waitForLog(h, new RegExp(`"bookingId":"${id}".*"answer":"confirmed".*its line is not posted`), 15_000);
    await settle(h);
    const after = (await h.running.built.api.get(id))!;
    expect(after.confirmations[ana]).toBeUndefined();
    expect(after.declines?.[ana]?.reason).toBe('sick');
    expect(answerLinesAbout(h, b, ana)).toEqual([`:x: <@${ana}> can't make it — sick`]);
    expect(heldPost(h, after.slack.crewPosts![ana]!)).toContain("can't make it");
  });
});

describe("an answer's redraw racing a change that takes a member off", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ deps: { stepOverrides } });
  });
  afterAll(async () => h.close());

  it("the member's DM ends up saying she is off, whichever redraw reached Slack last", async () => {
    const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-REDRAW4', date: inDays(8) };
    // Lee's answer redraws Ana's DM, and that update takes effect late (Slack busy).
    const { id, b, ana, anaPost, leeClick, before: opId } = await leeConfirmsWithAnaLate(h, fields, (id) => proposeChange(h, id, 'crew swap', { ...fields, crew: [CREW[0]!] }));
    // The office takes Ana off meanwhile: its "you're off" reaches her DM first.
    await clickInOps(h, 'change_approve', `${id}:${opId!}`);
    await waitForBooking(h, id, (r) => r.operations?.find((o) => o.id === opId)?.status === 'done', 20_000);
    // Lee's answer is heard in the ops thread once its redraw is done.
    await leeRedrawDone(h, b, leeClick);
    const onAnasDm = h.slack.callsTo('chat.update').filter((c) => c.body.ts === anaPost.ts).map((c) => String(c.body.text));
    // The interleaving happened: the call (Lee's redraw) landed after the change's "you're off".
    expect(onAnasDm.findIndex((t) => t.startsWith("You're off"))).toBeLessThan(onAnasDm.findIndex((t) => !t.startsWith("You're off")));
    const held = heldPost(h, anaPost);
    expect(held).toContain("You're off this charter");
    expect(held).not.toContain(`crew_confirm:${ana}`);
  });

  it("the redraw's own \"you're off\" meets a Slack blip: it is drawn again", async () => {
    const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-REDRAW8', date: inDays(8) };
    const { id, b, ana, anaPost, leeClick, before: opId } = await leeConfirmsWithAnaLate(h, fields, (id) => proposeChange(h, id, 'crew swap', { ...fields, crew: [CREW[0]!] }));
    await clickInOps(h, 'change_approve', `${id}:${opId!}`);
    await waitForBooking(h, id, (r) => r.operations?.find((o) => o.id === opId)?.status === 'done', 20_000);
    // The change's "you're off" has landed; the redraw's, after its late call, meets a 5xx.
    h.slack.failNext('chat.update', 1, 'internal_error', (m) => m.ts === anaPost.ts && String(m.text).startsWith("You're off"));
    await leeClick;
    await h.slack.lateEffectsLanded();
    await h.slack.waitFor(() => threadLines(h, b).length === 1, 15_000);
    await settle(h);
    const onAnasDm = h.slack.callsTo('chat.update').filter((c) => c.body.ts === anaPost.ts).map((c) => String(c.body.text));
    expect(onAnasDm.findIndex((t) => t.startsWith("You're off"))).toBeLessThan(onAnasDm.findIndex((t) => !t.startsWith("You're off")));
    const held = heldPost(h, anaPost);
    expect(held).toContain("You're off this charter");
    expect(held).not.toContain(`crew_confirm:${ana}`);
  });
});

describe("an answer's redraw living through off, back on, off again", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ deps: { stepOverrides } });
  });
  afterAll(async () => h.close());

  /** How late the slow updates land: long enough for a change to run inside the wait. */
  const LATE_MS = 6000;

  it('the member, finally off, does not hold a live call', async () => {
    const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-REDRAW9', date: inDays(6) };
    const id = await doneBooking(h, fields);
    const b = (await h.running.built.api.get(id))!;
    const [lee, ana] = CREW;
    const anaPost = b.slack.crewPosts![ana]!;
    const capPost = b.slack.crewPosts![CAPTAIN]!;
    const swap = async (crew: string[]) => {
      const opId = await proposeChange(h, id, 'crew swap', { ...fields, crew });
      await clickInOps(h, 'change_approve', `${id}:${opId}`);
      await waitForBooking(h, id, (r) => r.operations?.find((o) => o.id === opId)?.status === 'done', 20_000);
    };
    const slow = (when: (m: Record<string, unknown>) => boolean) => h.slack.loseNext('chat.update', 1, { effect: LATE_MS, answer: { afterMs: LATE_MS + 100 }, when });
    h.slack.clear();
    const t0 = Date.now();
    const pauseUntil = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms - (Date.now() - t0))));
    // Round 1 of Lee's redraw: its call on Ana's DM lands late.
    slow((m) => m.ts === anaPost.ts);
    const leeClick = confirmOn(h, b, lee);
    await waitForBooking(h, id, (r) => r.confirmations[lee] !== undefined);
    // Ana off: round 2 redraws the captain's DM (slowly) and tells Ana she is off.
    await swap([lee]);
    slow((m) => m.ts === capPost.ts);
    await pauseUntil(LATE_MS + 500);
    // Ana back on: round 3 draws her call again, and it lands late.
    await swap([lee, ana]);
    slow((m) => m.ts === anaPost.ts && String(m.text).startsWith('Crew call'));
    await pauseUntil(2 * LATE_MS + 1000);
    // Ana off again, before that call lands.
    await swap([lee]);
    await leeClick;
    await h.slack.lateEffectsLanded();
    await h.slack.waitFor(() => threadLines(h, b).length === 1, 30_000);
    await settle(h);
    const onAnasDm = h.slack.callsTo('chat.update').filter((c) => c.body.ts === anaPost.ts).map((c) => String(c.body.text));
    // The redraw's call after she was back on came after a "you're off" it had already told her.
    expect(onAnasDm.filter((t) => t.startsWith("You're off")).length).toBeGreaterThanOrEqual(2);
    expect((await h.running.built.api.get(id))!.roster.map((m) => m.slackUserId)).not.toContain(ana);
    const held = heldPost(h, anaPost);
    expect(held).toContain("You're off this charter");
    expect(held).not.toContain(`crew_confirm:${ana}`);
  }, 120_000);
});

describe('the booking cannot be read again after a round', () => {
  let h: Harness;
  /** Reads of the booking the store refuses, as a store that does not answer would. */
  let reads: RefusingStore;
  beforeAll(async () => {
    reads = refusingStore('get', () => new Error('store did not answer (injected)'));
    h = await startHarness({ env: reads.env, deps: { stepOverrides, store: reads.store } });
  });
  afterAll(async () => {
    await h.close();
    reads.close();
  });

  it('an answer that joined the redraw is drawn on every post all the same', async () => {
    const id = await doneBooking(h, { ...VALID_FIELDS, boatsetterRef: 'BS-REDRAW5', date: inDays(9) });
    const b = (await h.running.built.api.get(id))!;
    const [lee, ana] = CREW;
    h.slack.clear();
    // Ana's redraw of the captain's DM is slow, so Lee's answer joins it; the reads after its round fail.
    h.slack.loseNext('chat.update', 1, { effect: 'now', answer: { afterMs: 1500 }, when: (m) => m.ts === b.slack.crewPosts![CAPTAIN]!.ts });
    const anaClick = confirmOn(h, b, ana);
    await waitForBooking(h, id, (r) => r.confirmations[ana] !== undefined);
    await confirmOn(h, b, lee);
    await waitForBooking(h, id, (r) => r.confirmations[lee] !== undefined);
    reads.refuse(2);
    await anaClick;
    await h.slack.waitFor(() => threadLines(h, b).length === 2, 15_000);
    await settle(h);
    expect(reads.pending).toBe(0);
    const after = (await h.running.built.api.get(id))!;
    for (const u of [CAPTAIN, ...CREW]) expect(confirmationsOn(h, after.slack.crewPosts![u]!)).toBe(2);
  });
});

describe("an answer's redraw racing a cancel", () => {
  let h: Harness;
  const cancelOverrides = { ...stepOverrides, calendar_delete: async () => ({ deleted: true }), scc_cancel: async () => ({ cancelled: true }), guest_page: async () => ({ uploaded: true }), guest_cache: async () => ({ invalidated: true }) };
  beforeAll(async () => {
    h = await startHarness({ deps: { stepOverrides: cancelOverrides } });
  });
  afterAll(async () => h.close());

  /** Lee confirms; his redraw of Ana's DM lands after the cancel drew it "Cancelled". `meanwhile` runs once the charter is cancelled. */
  async function callLandsAfterCancel(ref: string, meanwhile: (anaPost: { channel: string; ts: string }) => void = () => {}) {
    const { id, b, ana, anaPost, leeClick } = await leeConfirmsWithAnaLate(h, { ...VALID_FIELDS, boatsetterRef: ref, date: inDays(6) });
    await clickInOps(h, 'booking_cancel', id);
    await waitForBooking(h, id, (r) => r.state === 'cancelled', 20_000);
    meanwhile(anaPost);
    // Lee's answer is heard in the ops thread once its redraw is done.
    await leeRedrawDone(h, b, leeClick);
    const onAnasDm = h.slack.callsTo('chat.update').filter((c) => c.body.ts === anaPost.ts).map((c) => String(c.body.text));
    // The interleaving happened: Lee's redraw (a live call) landed after the cancel's "Cancelled".
    expect(onAnasDm.findIndex((t) => t.startsWith('Cancelled'))).toBeLessThan(onAnasDm.findIndex((t) => t.startsWith('Crew call')));
    return { id, anaPost, ana };
  }

  it("the member's DM ends up showing the cancel, as the cancel's crew step draws it", async () => {
    const { anaPost, ana } = await callLandsAfterCancel('BS-REDRAW6');
    const held = heldPost(h, anaPost);
    expect(held).not.toContain(`crew_confirm:${ana}`);
    const byCancel = h.slack.callsTo('chat.update').find((c) => c.body.ts === anaPost.ts && String(c.body.text).startsWith('Cancelled'))!;
    expect(held).toContain(JSON.stringify(byCancel.body.text));
    expect(JSON.parse(held).blocks).toEqual(byCancel.body.blocks);
  });

  it('a click refused on a live call left on a cancelled charter redraws that post as cancelled', async () => {
    // The redraw's own "Cancelled" of Ana's DM fails: she is left holding the call, and clicks it.
    const { id, anaPost, ana } = await callLandsAfterCancel('BS-REDRAW7', (post) => h.slack.failNext('chat.update', 1, 'internal_error', (m) => m.ts === post.ts && String(m.text).startsWith('Cancelled')));
    expect(heldPost(h, anaPost)).toContain(`crew_confirm:${ana}`);
    await h.requester.interact(blockActionPayload({ userId: ana, actionId: `crew_confirm:${ana}`, value: `${id}:${ana}:r1`, channelId: anaPost.channel, messageTs: anaPost.ts }));
    await h.slack.waitFor(() => !heldPost(h, anaPost).includes(`crew_confirm:${ana}`), 15_000);
    expect(heldPost(h, anaPost)).toContain('This charter was cancelled');
    expect(ephemeralsTo(h, ana).join('\n')).toContain('This charter was cancelled');
    expect((await h.running.built.api.get(id))!.confirmations[ana]).toBeUndefined();
  });
});

describe("Lambda's one-second redraw: what it leaves behind, the minute tick redraws", () => {
  let h: Harness;
  beforeAll(async () => {
    // As src/lambda-app.ts builds it: the answer's redraw starts no round after its first second; the minute tick follows up.
    h = await startHarness({ deps: { stepOverrides, crewRedrawWithinMs: 1000, progressDrawnMarks: true } });
  });
  afterAll(async () => h.close());

  const swapDone = async (id: string, label: string, details: Parameters<typeof proposeChange>[3]) => {
    const opId = await proposeChange(h, id, label, details);
    await clickInOps(h, 'change_approve', `${id}:${opId}`);
    await waitForBooking(h, id, (r) => r.operations?.find((o) => o.id === opId)?.status === 'done', 20_000);
  };

  /** Lee confirms; his redraw's call on Ana's DM (the old time) lands over the reschedule's (check-in 4:30 PM). */
  async function oldCallOverReschedule(ref: string) {
    const fields = { ...VALID_FIELDS, boatsetterRef: ref, date: inDays(6) };
    const { id, b, ana, anaPost, leeClick } = await leeConfirmsWithAnaLate(h, fields);
    await swapDone(id, 'reschedule', { ...fields, departureTime: '17:00' });
    await leeRedrawDone(h, b, leeClick, 15_000, true);
    // The reschedule reset his answer before his redraw was done: the thread is not told he is coming.
    expect(answerLinesAbout(h, b, CREW[0])).toEqual([]);
    // The interleaving happened: the answer's call (the old time) landed over the reschedule's.
    expect(heldPost(h, anaPost)).not.toContain('4:30 PM');
    return { id, ana, anaPost };
  }

  it("the answer's late call over a reschedule's newer one is redrawn with the new time", async () => {
    const { id, ana, anaPost } = await oldCallOverReschedule('BS-REDRAW10');
    await h.running.built.periodic.runOnce();
    await settle(h);
    expect(heldPost(h, anaPost)).toContain('4:30 PM');
    expect(heldPost(h, anaPost)).toContain(`crew_confirm:${ana}`);
    // Drawn and saved: the next tick asks Slack nothing for it. (The progress message is the tick's
    // other task: whether its mark was written before or after the first tick is a race of its own.)
    h.slack.clear();
    await h.running.built.periodic.runOnce();
    await settle(h);
    expect(h.slack.callsTo('chat.update').filter((c) => c.body.channel !== OPS_CHANNEL && JSON.stringify(c.body).includes(id))).toEqual([]);
  });

  it('a click refused on the old call redraws that post with the updated call', async () => {
    const { id, ana, anaPost } = await oldCallOverReschedule('BS-REDRAW12');
    await h.requester.interact(blockActionPayload({ userId: ana, actionId: `crew_confirm:${ana}`, value: `${id}:${ana}:r1`, channelId: anaPost.channel, messageTs: anaPost.ts }));
    await h.slack.waitFor(() => heldPost(h, anaPost).includes('4:30 PM'), 15_000);
    expect(ephemeralsTo(h, ana).join('\n')).toContain('Your crew call was updated');
    expect((await h.running.built.api.get(id))!.confirmations[ana]).toBeUndefined();
  });

  it("a member put back on while the answer's \"you're off\" was on its way holds her call again", async () => {
    const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-REDRAW11', date: inDays(6) };
    const id = await doneBooking(h, fields);
    const b = (await h.running.built.api.get(id))!;
    const [lee, ana] = CREW;
    const anaPost = b.slack.crewPosts![ana]!;
    h.slack.clear();
    const t0 = Date.now();
    h.slack.loseNext('chat.update', 1, { effect: 2500, answer: { afterMs: 2600 }, when: (m) => m.ts === anaPost.ts });
    const leeClick = confirmOn(h, b, lee);
    await waitForBooking(h, id, (r) => r.confirmations[lee] !== undefined);
    await swapDone(id, 'crew swap', { ...fields, crew: [lee] });
    // The redraw's closing "you're off" of Ana's DM is slow to land; Ana is put back on meanwhile.
    h.slack.loseNext('chat.update', 1, { effect: 3000, answer: { afterMs: 3100 }, when: (m) => m.ts === anaPost.ts && String(m.text).startsWith("You're off") });
    await new Promise((r) => setTimeout(r, Math.max(0, 3000 - (Date.now() - t0))));
    await swapDone(id, 'crew swap', { ...fields, crew: [lee, ana] });
    await leeClick;
    await h.slack.lateEffectsLanded();
    await h.slack.waitFor(() => threadLines(h, b).length === 1, 15_000);
    await settle(h);
    // The interleaving happened: "you're off" landed after she was back on.
    expect(heldPost(h, anaPost)).toContain("You're off this charter");
    expect((await h.running.built.api.get(id))!.roster.map((m) => m.slackUserId)).toContain(ana);
    await h.running.built.periodic.runOnce();
    await settle(h);
    expect(heldPost(h, anaPost)).toContain(`crew_confirm:${ana}`);
  });
});
