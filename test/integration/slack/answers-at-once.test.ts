/**
 * Crew answering the same call at the same moment while a change that re-called them waits for
 * Retry (its crew step failed on one member's DM): every answer counts, once, and nobody is told
 * "The office is changing this charter" because another member's answer was being drawn on their
 * post. The member whose updated call never went out is still refused. And every post ends up
 * showing every answer, whichever answer's redraw reaches Slack last, in one process or two.
 * Real Bolt receiver, signed requests, the Slack stand-in over HTTP, SQLite on disk.
 */
import { buildApp, type RunningApp } from '../../../src/app';
import { createLogger } from '../../../src/log';
import { SqliteBookingStore } from '../../../src/pipeline/sqlite-store';
import { CREW_CHANNEL_POST_KEY, type BookingRecord } from '../../../src/pipeline/types';
import { appHomeOpenedEvent, blockActionPayload, SlackRequester, viewSubmissionPayload } from '../../support/slack-requests';
import { CAPTAIN, CREW, clickInOps, doneBooking, ephemeralsTo, inDays, isCrewPost, lastHomeViewOf, OPS_CHANNEL, OUTSIDER, proposeChange, settle, SIGNING_SECRET, startHarness, VALID_FIELDS, waitForBooking, type Harness } from './harness';

jest.setTimeout(60_000);

/** A fifth member the change adds, whose DM Slack refuses: the change's crew step fails on it alone. */
const UNREACHED = 'U0UNREACH1';
const dmOf = (userId: string) => `D${userId.slice(1)}`;
const ANSWERING = [CAPTAIN, ...CREW, OUTSIDER];
const BEING_CHANGED = 'The office is changing this charter';
const stepOverrides = { calendar_update: async () => ({ updated: true }), scc_update: async () => ({ updated: true }) };

/**
 * A done booking rescheduled with Otto and one more member added, the change's crew step failing on
 * the new member's DM only: the four others hold their updated call, the change waits for Retry.
 */
async function changeFailedOnOneDm(h: Harness, n: number): Promise<BookingRecord> {
  const fields = { ...VALID_FIELDS, boatsetterRef: `BS-ONCE${n}`, date: inDays(3 + n) };
  const id = await doneBooking(h, fields);
  h.slack.setUser({ id: UNREACHED, realName: 'Kai Unreached' });
  const opId = await proposeChange(h, id, 'reschedule', { ...fields, departureTime: '17:00', crew: [...CREW, OUTSIDER, UNREACHED] });
  h.slack.failNext('chat.postMessage', 50, 'fatal_error', (b) => b.channel === dmOf(UNREACHED));
  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  const failed = await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === opId)?.status === 'failed', 20_000);
  await settle(h);
  expect(failed.operations!.find((o) => o.id === opId)!.steps!.crew_notice!.status).toBe('failed');
  expect(failed.callRevisions?.[CREW[0]]).toBe(2);
  h.slack.clear();
  return failed;
}

const confirmOn = (h: Harness, b: BookingRecord, userId: string, post = b.slack.crewPosts![userId]!) =>
  h.requester.interact(blockActionPayload({ userId, actionId: `crew_confirm:${userId}`, value: `${b.id}:${userId}:r${b.callRevisions?.[userId] ?? 1}`, channelId: post.channel, messageTs: post.ts }));

/** The ops thread's "confirmed" lines for booking `b`. */
const threadLines = (h: Harness, b: BookingRecord) =>
  h.slack
    .callsTo('chat.postMessage')
    .filter((c) => c.body.channel === OPS_CHANNEL && c.body.thread_ts === b.slack.approvalTs && / confirmed$/.test(String(c.body.text)))
    .map((c) => String(c.body.text));

/** What Slack now holds for a crew post, as JSON. */
const heldPost = (h: Harness, post: { channel: string; ts: string }) => JSON.stringify(h.slack.messages(post.channel).find((m) => m.ts === post.ts) ?? {});

describe('crew called by DM', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ deps: { homeDebounceMs: 50, stepOverrides } });
  });
  afterAll(async () => h.close());

  it("a member's DM still showing another's answer unredrawn is no change in progress: their Confirm, Home and decline modal all count", async () => {
    const b = await changeFailedOnOneDm(h, 1);
    const [lee, ana] = CREW;
    const anaPost = b.slack.crewPosts![ana]!;
    const ottoPost = b.slack.crewPosts![OUTSIDER]!;
    // Lee answers, and no redraw of Ana's and Otto's DMs lands, however often it is tried: they show
    // Lee unanswered, as every post does between an answer and its redraw when the others click at
    // the same moment.
    h.slack.failNext('chat.update', 50, 'internal_error', (m) => (m.channel === anaPost.channel && m.ts === anaPost.ts) || (m.channel === ottoPost.channel && m.ts === ottoPost.ts));
    await confirmOn(h, b, lee);
    await waitForBooking(h, b.id, (r) => r.confirmations[lee] !== undefined);
    await h.slack.waitFor(() => threadLines(h, b).length === 1);
    const tried = h.slack.callsTo('chat.update').filter((c) => c.body.ts === anaPost.ts || c.body.ts === ottoPost.ts).map((c) => c.response.ok);
    expect(tried.length).toBeGreaterThanOrEqual(2);
    expect(tried.every((ok) => !ok)).toBe(true);

    // Ana's Home offers her the buttons of her call, not "being updated".
    await h.requester.event(appHomeOpenedEvent({ userId: ana }));
    await h.running.built.home.idle();
    const tab = lastHomeViewOf(h, ana);
    expect(tab).toContain(`crew_confirm:${ana}`);
    expect(tab).not.toContain('being updated');

    // Ana says she can't make it through the modal; Otto confirms on his DM.
    const meta = JSON.stringify({ bookingId: b.id, userId: ana, callRevision: b.callRevisions?.[ana] });
    const declined = await h.requester.interact(viewSubmissionPayload({ userId: ana, callbackId: 'crew_decline', privateMetadata: meta, values: { reason: { reason: { type: 'plain_text_input', value: 'Working late' } } } }));
    expect(JSON.stringify(declined.json ?? {})).not.toContain(BEING_CHANGED);
    await confirmOn(h, b, OUTSIDER);
    const answered = await waitForBooking(h, b.id, (r) => r.declines?.[ana] !== undefined && r.confirmations[OUTSIDER] !== undefined);
    await settle(h);
    expect(answered.declines?.[ana]?.reason).toBe('Working late');
    expect([...ephemeralsTo(h, ana), ...ephemeralsTo(h, OUTSIDER)]).toEqual([]);

    // Kai, whose updated call never went out, is still refused: that change is in progress.
    await h.requester.interact(blockActionPayload({ userId: UNREACHED, actionId: `crew_confirm:${UNREACHED}`, value: `${b.id}:${UNREACHED}`, channelId: dmOf(UNREACHED) }));
    await h.slack.waitFor(() => ephemeralsTo(h, UNREACHED).some((t) => t.startsWith(BEING_CHANGED)));
    expect((await h.running.built.api.get(b.id))?.confirmations[UNREACHED]).toBeUndefined();
  });

  it('four members confirming at the same moment are each recorded once, each DM shows it, and nobody is refused', async () => {
    const b = await changeFailedOnOneDm(h, 2);
    const responses = await Promise.all(ANSWERING.map((u) => confirmOn(h, b, u)));
    expect(responses.map((r) => r.status)).toEqual(ANSWERING.map(() => 200));
    // Each is answered: refused privately, or redrawn and then heard in the ops thread (so every redraw has landed).
    await h.slack.waitFor(() => ANSWERING.every((u) => ephemeralsTo(h, u).length > 0 || threadLines(h, b).some((t) => t.includes(`<@${u}>`))));
    expect(ANSWERING.flatMap((u) => ephemeralsTo(h, u))).toEqual([]);
    const after = await waitForBooking(h, b.id, (r) => ANSWERING.every((u) => r.confirmations[u] !== undefined));
    await settle(h);
    const confirmedBy = after.audit.filter((a) => a.action === 'confirmed').map((a) => a.userId);
    expect(confirmedBy.sort()).toEqual([...ANSWERING].sort());
    expect(threadLines(h, b).sort()).toEqual(ANSWERING.map((u) => `:white_check_mark: <@${u}> confirmed`).sort());
    // Every answerer's own DM, as Slack holds it now, shows all four answers.
    for (const u of ANSWERING) expect(heldPost(h, after.slack.crewPosts![u]!).match(/:white_check_mark: confirmed/g)).toHaveLength(ANSWERING.length);
  });

  it('members confirming one after another, each while the previous answer is still being drawn, are each recorded and nobody is refused', async () => {
    const b = await changeFailedOnOneDm(h, 3);
    const clicks: Promise<unknown>[] = [];
    for (const u of ANSWERING) {
      clicks.push(confirmOn(h, b, u));
      // The next clicks once this answer is in the store: its redraws are under way, or not begun.
      await waitForBooking(h, b.id, (r) => r.confirmations[u] !== undefined);
    }
    await Promise.all(clicks);
    await h.slack.waitFor(() => ANSWERING.every((u) => ephemeralsTo(h, u).length > 0 || threadLines(h, b).some((t) => t.includes(`<@${u}>`))));
    expect(ANSWERING.flatMap((u) => ephemeralsTo(h, u))).toEqual([]);
    await settle(h);
    const after = (await h.running.built.api.get(b.id))!;
    expect(after.audit.filter((a) => a.action === 'confirmed').map((a) => a.userId).sort()).toEqual([...ANSWERING].sort());
    for (const u of ANSWERING) expect(heldPost(h, after.slack.crewPosts![u]!).match(/:white_check_mark: confirmed/g)).toHaveLength(ANSWERING.length);
  });
});

describe('crew called in a crew channel', () => {
  const CREW_CHANNEL = 'C0CREW0001';
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { CHARTER_CREW_CHANNEL: CREW_CHANNEL }, deps: { stepOverrides } });
  });
  afterAll(async () => h.close());

  it("the channel post's members confirming at the same moment are each recorded, and nobody is refused", async () => {
    const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-ONCE3', date: inDays(6) };
    const id = await doneBooking(h, fields);
    const opId = await proposeChange(h, id, 'reschedule', { ...fields, departureTime: '17:00' });
    // The step redraws the channel post, then fails on its thread note: the change waits for Retry.
    h.slack.failNext('chat.postMessage', 50, 'internal_error', isCrewPost(id, 'crew_change_note'));
    await clickInOps(h, 'change_approve', `${id}:${opId}`);
    const b = await waitForBooking(h, id, (r) => r.operations?.find((o) => o.id === opId)?.status === 'failed', 20_000);
    await settle(h);
    h.slack.clear();
    const post = b.slack.crewPosts![CREW_CHANNEL_POST_KEY]!;
    const members = [CAPTAIN, ...CREW];

    await Promise.all(members.map((u) => confirmOn(h, b, u, post)));
    await h.slack.waitFor(() => members.every((u) => ephemeralsTo(h, u).length > 0 || threadLines(h, b).some((t) => t.includes(`<@${u}>`))));
    expect(members.flatMap((u) => ephemeralsTo(h, u))).toEqual([]);
    const after = await waitForBooking(h, id, (r) => members.every((u) => r.confirmations[u] !== undefined));
    await settle(h);
    expect(after.audit.filter((a) => a.action === 'confirmed').map((a) => a.userId).sort()).toEqual([...members].sort());
    expect(heldPost(h, post).match(/:white_check_mark: confirmed/g)).toHaveLength(members.length);
  });
});

describe('crew answering in two processes on one store', () => {
  let h: Harness;
  let second: RunningApp;
  let secondStore: SqliteBookingStore;
  let secondRequester: SlackRequester;
  beforeAll(async () => {
    h = await startHarness({ deps: { stepOverrides } });
    if (h.config.store.kind !== 'sqlite') throw new Error('expected the SQLite store');
    secondStore = SqliteBookingStore.open(h.config.store.path);
    const built = await buildApp(h.config, { log: createLogger({ level: 'silent' }), host: '127.0.0.1', store: secondStore, slackClientOptions: { retryConfig: { retries: 0 } } });
    second = await built.start();
    secondRequester = new SlackRequester({ url: second.url ?? '', signingSecret: SIGNING_SECRET });
  });
  afterAll(async () => {
    await second?.stop();
    await h?.close();
  });

  it("an answer's redraw reaching Slack after a later answer's does not leave a post without the later answer", async () => {
    const id = await doneBooking(h, { ...VALID_FIELDS, boatsetterRef: 'BS-ONCE4', date: inDays(9) });
    const b = (await h.running.built.api.get(id))!;
    const [lee, ana] = CREW;
    const anaPost = b.slack.crewPosts![ana]!;
    const confirmedOn = (c: { body: Record<string, unknown> }) => (JSON.stringify(c.body.blocks ?? '').match(/:white_check_mark: confirmed/g) ?? []).length;
    h.slack.clear();
    // Lee answers in this process, whose redraw of Ana's DM is slow to reach Slack; Ana answers in
    // the other process meanwhile, and her redraw lands first.
    h.slack.loseNext('chat.update', 1, { effect: 3000, answer: { afterMs: 3100 }, when: (m) => m.ts === anaPost.ts });
    await confirmOn(h, b, lee);
    await waitForBooking(h, id, (r) => r.confirmations[lee] !== undefined);
    const anaPayload = blockActionPayload({ userId: ana, actionId: `crew_confirm:${ana}`, value: `${id}:${ana}:r1`, channelId: anaPost.channel, messageTs: anaPost.ts });
    expect((await secondRequester.interact(anaPayload)).status).toBe(200);
    await h.slack.waitFor(() => threadLines(h, b).some((t) => t.includes(`<@${ana}>`)));
    await h.slack.lateEffectsLanded();
    await h.slack.waitFor(() => threadLines(h, b).length === 2);
    await settle(h);
    await second.built.settle();

    // The interleaving happened: Ana's redraw (both answers) reached her DM before Lee's (his alone).
    const onAnasDm = h.slack.callsTo('chat.update').filter((c) => c.body.ts === anaPost.ts).map(confirmedOn);
    expect(onAnasDm.slice(0, 2)).toEqual([2, 1]);
    expect([...ephemeralsTo(h, lee), ...ephemeralsTo(h, ana)]).toEqual([]);
    const after = (await h.running.built.api.get(id))!;
    expect(Object.keys(after.confirmations).sort()).toEqual([lee, ana].sort());
    for (const u of [CAPTAIN, lee, ana]) expect(heldPost(h, after.slack.crewPosts![u]!).match(/:white_check_mark: confirmed/g)).toHaveLength(2);
  });
});
