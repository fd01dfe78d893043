/**
 * Crew answers and reminders end to end over real HTTP (signed Slack requests in, the Slack stand-in
 * out), with the default configuration (crew called by DM) and an injectable clock:
 * Decline with a reason (modal) → recorded, shown on the crew DMs and in the ops thread with
 * [Change crew]; a changed answer; answers closed after departure; a re-run of crew_notice posts
 * nothing again and redraws only posts that would change; reminders 48 h / 24 h before check-in sent once, across a restart and two
 * processes, none for a cancelled booking.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findMoney } from '../../../src/booking/money-detector';
import { resetSteps } from '../../../src/pipeline/state-machine';
import { updateWithRetry } from '../../../src/pipeline/store';
import type { BookingRecord } from '../../../src/pipeline/types';
import { checkInMsOf } from '../../../src/slack/crew-reminders';
import { DEACTIVATED_MEMBERS_KEY } from '../../../src/slack/member-deactivated';
import { blockActionPayload, userChangeEvent, viewSubmissionPayload } from '../../support/slack-requests';
import { permanentError } from '../../fixtures/pipeline/scripted-steps';
import { APPROVER, CAPTAIN, clickInOps, CREW, OPS_CHANNEL, OUTSIDER, proposeChange, settle, shownChangeForm, startHarness, submitBooking, VALID_FIELDS, waitForBooking, type Harness } from './harness';

const HOUR = 3_600_000;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'charter-crew-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A clock that runs with real time, shifted by `offsetMs` (moved by tests). */
function shiftedClock() {
  const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs, setTo: (ms: number) => void (clock.offsetMs = ms - Date.now()) };
  return clock;
}

async function start(clock: ReturnType<typeof shiftedClock>, storeFile: string, ownerId: string): Promise<Harness> {
  return startHarness({ env: { CHARTER_STORE: `sqlite:${join(dir, storeFile)}` }, deps: { now: clock.now, ownerId } });
}

/**
 * The create's crew step run again over what it already posted, as a redelivered run or a sweep
 * meets it: back to pending with its result kept (resetSteps, as Retry does), then run.
 */
async function rerunCrewNotice(h: Harness, id: string, nowMs: number): Promise<void> {
  await updateWithRetry(h.running.built.store, id, (r) => ({ ...resetSteps(r, ['crew_notice'], nowMs), state: 'running' }));
  expect((await h.running.built.service.run(id)).steps.crew_notice).toMatchObject({ status: 'done', attempts: 1 });
  await settle(h);
}

async function approvedBooking(h: Harness): Promise<BookingRecord> {
  const id = await submitBooking(h);
  await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'booking_approve', value: id, channelId: OPS_CHANNEL }));
  const done = await waitForBooking(h, id, (b) => b.state === 'done');
  await settle(h);
  return done;
}

const dmPosts = (h: Harness, text: RegExp) => h.slack.callsTo('chat.postMessage').filter((c) => String(c.body.channel).startsWith('D') && text.test(String(c.body.text)));
const threadPosts = (h: Harness, b: BookingRecord) => h.slack.callsTo('chat.postMessage').filter((c) => c.body.channel === OPS_CHANNEL && c.body.thread_ts === b.slack.approvalTs);

describe('Decline', () => {
  let h: Harness;
  const clock = shiftedClock();
  beforeAll(async () => {
    h = await start(clock, 'decline.db', 'decline-process');
  });
  afterAll(async () => h.close());

  it("opens a reason modal, records the decline, shows it on the crew DMs and in the ops thread with [Change crew]; the crew member can change their mind", async () => {
    const booking = await approvedBooking(h);
    const id = booking.id;
    const leeDm = booking.slack.crewPosts![CREW[0]]!;
    h.slack.clear();

    // Someone else's button, or someone not on the roster: refused, no modal.
    await h.requester.interact(blockActionPayload({ userId: OUTSIDER, actionId: `crew_decline:${CREW[0]}`, value: `${id}:${CREW[0]}`, channelId: leeDm.channel }));
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'));
    expect(h.slack.callsTo('views.open')).toHaveLength(0);

    await h.requester.interact(blockActionPayload({ userId: CREW[0], actionId: `crew_decline:${CREW[0]}`, value: `${id}:${CREW[0]}`, channelId: leeDm.channel }));
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'views.open'));
    const modal = h.slack.callsTo('views.open')[0]?.body.view as { callback_id: string; private_metadata: string; blocks: { block_id?: string; optional?: boolean }[] };
    expect(modal.callback_id).toBe('crew_decline');
    expect(modal.blocks.find((b) => b.block_id === 'reason')?.optional).toBe(true);

    const reason = 'Sick kid at home';
    const res = await h.requester.interact(viewSubmissionPayload({ userId: CREW[0], callbackId: 'crew_decline', privateMetadata: modal.private_metadata, values: { reason: { reason: { type: 'plain_text_input', value: reason } } } }));
    expect(res.status).toBe(200);
    const declined = await waitForBooking(h, id, (b) => b.declines?.[CREW[0]] !== undefined);
    expect(declined.declines?.[CREW[0]]?.reason).toBe(reason);
    expect(declined.audit.at(-1)).toMatchObject({ action: 'declined', userId: CREW[0], detail: reason });

    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage' && String(c.body.text).includes("can't make it")));
    const opsLine = threadPosts(h, declined).find((c) => String(c.body.text).includes("can't make it"));
    expect(opsLine?.body.text).toBe(`:x: <@${CREW[0]}> can't make it — ${reason}`);
    expect(JSON.stringify(opsLine?.body.blocks)).toContain('"action_id":"crew_change"');
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.update' && c.body.ts === leeDm.ts));
    const leeUpdate = h.slack.callsTo('chat.update').filter((c) => c.body.ts === leeDm.ts).at(-1);
    expect(JSON.stringify(leeUpdate?.body.blocks)).toContain(`<@${CREW[0]}> — :x: can't make it — ${reason}`);
    expect(JSON.stringify(leeUpdate?.body.blocks)).toContain('Confirm after all');
    // Every crew DM is refreshed (they see the roster), none of them carries money.
    const updatedDms = new Set(h.slack.callsTo('chat.update').map((c) => c.body.channel).filter((c) => String(c).startsWith('D')));
    expect(updatedDms.size).toBe(3);

    // [Change crew] opens the booking's change form as a crew swap, prefilled with the booking as it is.
    await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'crew_change', value: id, channelId: OPS_CHANNEL }));
    expect(JSON.stringify(await shownChangeForm(h))).toContain('crew swap');

    // Lee changes their mind: Confirm after all withdraws the decline.
    await h.requester.interact(blockActionPayload({ userId: CREW[0], actionId: `crew_confirm:${CREW[0]}`, value: `${id}:${CREW[0]}`, channelId: leeDm.channel }));
    const confirmed = await waitForBooking(h, id, (b) => b.confirmations[CREW[0]] !== undefined);
    expect(confirmed.declines?.[CREW[0]]).toBeUndefined();
    // The ops thread says the "can't make it" above (and its Change crew) no longer stands.
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage' && c.body.text === `:white_check_mark: <@${CREW[0]}> confirmed after all — they are coming, so the "can't make it" above no longer stands`));
    await settle(h);

    // That line's [Change crew], clicked now, offers no swap of someone who is coming, and the line
    // it sits on is redrawn to say they confirmed, without the button.
    const opsTs = String(opsLine?.response.ts);
    const changeBlock = (opsLine?.body.blocks as { type: string; block_id: string }[]).find((b) => b.type === 'actions')!.block_id;
    const before = h.slack.calls.length;
    await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'crew_change', value: id, channelId: OPS_CHANNEL, messageTs: opsTs, blockId: changeBlock }));
    await h.slack.waitFor((calls) => calls.slice(before).some((c) => c.method === 'chat.update' && c.body.ts === opsTs));
    const shown = h.slack.calls.slice(before).filter((c) => c.method === 'views.update').at(-1)?.body.view as { callback_id?: string; blocks: unknown[] };
    expect(shown.callback_id).not.toBe('booking_change_modal');
    expect(JSON.stringify(shown.blocks)).toContain(`<@${CREW[0]}> confirmed after all, so their \\"can't make it\\" no longer stands and there is no one to swap out`);
    const redrawn = h.slack.calls.slice(before).find((c) => c.method === 'chat.update' && c.body.ts === opsTs)!;
    expect(redrawn.body.text).toBe(`:white_check_mark: <@${CREW[0]}> said they can't make it, then confirmed after all — they are coming`);
    expect(JSON.stringify(redrawn.body.blocks)).not.toContain('crew_change');
  });

  it('a decline reason that carries money reaches the ops thread but not the crew DMs', async () => {
    const booking = await approvedBooking(h);
    const anaDm = booking.slack.crewPosts![CREW[1]]!;
    h.slack.clear();
    const meta = JSON.stringify({ bookingId: booking.id, userId: CREW[1] });
    await h.requester.interact(viewSubmissionPayload({ userId: CREW[1], callbackId: 'crew_decline', privateMetadata: meta, values: { reason: { reason: { type: 'plain_text_input', value: 'Another gig\nit pays $300' } } } }));
    await waitForBooking(h, booking.id, (b) => b.declines?.[CREW[1]] !== undefined);
    await h.slack.waitFor((calls) => calls.filter((c) => c.method === 'chat.update' && String(c.body.channel).startsWith('D')).length === 3);
    for (const update of h.slack.callsTo('chat.update').filter((c) => String(c.body.channel).startsWith('D'))) expect(findMoney(update.body)).toEqual([]);
    expect(JSON.stringify(h.slack.callsTo('chat.update').find((c) => c.body.ts === anaDm.ts)?.body.blocks)).toContain("can't make it — Another gig");
    await settle(h);
  });

  it('/charter status and Details show a decline reason to approvers only: crew and others get the trail without it', async () => {
    const booking = await approvedBooking(h);
    const meta = JSON.stringify({ bookingId: booking.id, userId: CREW[1] });
    const reason = 'Another gig\nSam gets $400 for the same trip';
    await h.requester.interact(viewSubmissionPayload({ userId: CREW[1], callbackId: 'crew_decline', privateMetadata: meta, values: { reason: { reason: { type: 'plain_text_input', value: reason } } } }));
    await waitForBooking(h, booking.id, (b) => b.declines?.[CREW[1]] !== undefined);
    await settle(h);
    h.slack.clear();
    // Crew have the booking id: it is in the guest-page URL of their crew post.
    await h.requester.command({ user_id: CREW[0], channel_id: 'D0CREW0001', text: `status ${booking.id}` });
    await h.requester.interact(blockActionPayload({ userId: OUTSIDER, actionId: 'booking_details', value: booking.id, channelId: OPS_CHANNEL }));
    await h.requester.command({ user_id: APPROVER, channel_id: OPS_CHANNEL, text: `status ${booking.id}` });
    await h.slack.waitFor((calls) => calls.filter((c) => c.method === 'chat.postEphemeral').length === 3);
    const textFor = (user: string) => String(h.slack.callsTo('chat.postEphemeral').find((c) => c.body.user === user)?.body.text);
    for (const user of [CREW[0], OUTSIDER]) {
      const text = textFor(user);
      expect(text).toContain(`<@${CREW[1]}> declined the crew call`);
      expect(text).not.toContain('Sam gets');
      expect(text).not.toContain('Another gig');
      expect(text).not.toContain('Delgado');
      expect(findMoney(text)).toEqual([]);
    }
    expect(textFor(APPROVER)).toContain('Sam gets $400 for the same trip');
    expect(textFor(APPROVER)).toContain('Maria Delgado');
  });

  it('a re-run of crew_notice posts nothing again, and updates only the DMs that would change', async () => {
    const booking = await approvedBooking(h);
    // The run ends by redrawing the progress message in the ops thread; what crew hold is the question.
    const crewPostUpdates = () => h.slack.callsTo('chat.update').filter((c) => !JSON.stringify(c.body.blocks ?? []).includes(`booking:${booking.id}:progress`));
    h.slack.clear();
    await rerunCrewNotice(h, booking.id, clock.now());
    expect(dmPosts(h, /./)).toHaveLength(0);
    expect(h.slack.callsTo('conversations.open')).toHaveLength(0);
    // every DM and the crew-called line already show what they would: Slack hears nothing
    expect(crewPostUpdates()).toHaveLength(0);
    expect(threadPosts(h, booking).filter((c) => String(c.body.text).startsWith('Crew called'))).toHaveLength(0);

    // a DM saved as showing something else (an older rendering) is redrawn, and only that one
    const lee = booking.slack.crewPosts![CREW[0]]!;
    await h.running.built.service.saveCrewPost(booking.id, CREW[0], { ...lee, shown: 'older-render' });
    await rerunCrewNotice(h, booking.id, clock.now());
    expect(crewPostUpdates().map((c) => `${String(c.body.channel)}/${String(c.body.ts)}`)).toEqual([`${lee.channel}/${lee.ts}`]);
    expect(dmPosts(h, /./)).toHaveLength(0);
    expect((await h.running.built.api.get(booking.id))?.slack.crewPosts?.[CREW[0]]?.shown).toBe(lee.shown);

    // a crew answer redraws every post and records what each shows now, so a re-run after it is silent too
    const beforeAnswer = (await h.running.built.api.get(booking.id))?.slack.crewPosts ?? {};
    await h.requester.interact(blockActionPayload({ userId: CREW[0], actionId: `crew_confirm:${CREW[0]}`, value: `${booking.id}:${CREW[0]}`, channelId: lee.channel }));
    await waitForBooking(h, booking.id, (b) => Object.entries(b.slack.crewPosts ?? {}).every(([key, post]) => post.shown !== beforeAnswer[key]?.shown));
    await settle(h);
    h.slack.clear();
    await rerunCrewNotice(h, booking.id, clock.now());
    expect(crewPostUpdates()).toHaveLength(0);
    expect(dmPosts(h, /./)).toHaveLength(0);
  });

  it('closes answers at departure', async () => {
    const booking = await approvedBooking(h);
    // The last test of this harness: its clock only ever moves forward.
    clock.setTo(checkInMsOf(booking, h.config) + HOUR);
    h.slack.clear();
    await h.requester.interact(blockActionPayload({ userId: CAPTAIN, actionId: `crew_confirm:${CAPTAIN}`, value: `${booking.id}:${CAPTAIN}`, channelId: booking.slack.crewPosts![CAPTAIN]!.channel }));
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'));
    expect(h.slack.callsTo('chat.postEphemeral')[0]?.body.text).toContain('already departed');
    expect((await h.running.built.api.get(booking.id))?.confirmations[CAPTAIN]).toBeUndefined();
  });
});

describe('Reminders', () => {
  it('48 h and 24 h before check-in: a DM to each crew member who has not answered, the ops thread at 24 h — each once, across a restart and two processes', async () => {
    const clock = shiftedClock();
    const a = await start(clock, 'reminders.db', 'process-a');
    const booking = await approvedBooking(a);
    const id = booking.id;
    const checkIn = checkInMsOf(booking, a.config);
    // Lee confirms; Sam and Ana do not answer.
    await a.requester.interact(blockActionPayload({ userId: CREW[0], actionId: `crew_confirm:${CREW[0]}`, value: `${id}:${CREW[0]}`, channelId: booking.slack.crewPosts![CREW[0]]!.channel }));
    await waitForBooking(a, id, (b) => b.confirmations[CREW[0]] !== undefined);
    await settle(a);

    // Nothing is due 72 h out.
    clock.setTo(checkIn - 72 * HOUR);
    a.slack.clear();
    await a.running.built.periodic.runOnce();
    expect(dmPosts(a, /Reminder/)).toHaveLength(0);

    // 47 h out, process A claims Sam's 48 h reminder and dies before sending it (the claim is in the store).
    clock.setTo(checkIn - 47 * HOUR);
    const claim = await a.running.built.service.claimReminder(id, `dm48:${CAPTAIN}`, 'process-a', 120_000);
    expect(claim.claimed).toBe(true);
    await a.close();

    // Restart: process B on the same store, and a second process C ticking at the same moments.
    const b = await start(clock, 'reminders.db', 'process-b');
    const c = await start(clock, 'reminders.db', 'process-c');
    try {
      await Promise.all([b.running.built.periodic.runOnce(), c.running.built.periodic.runOnce()]);
      const sent48 = () => [...dmPosts(b, /Reminder/), ...dmPosts(c, /Reminder/)];
      // Ana's is sent once; Sam's waits for A's claim to expire; Lee (confirmed) gets none.
      expect(sent48().map((p) => p.body.channel)).toEqual([`D${CREW[1].slice(1)}`]);
      clock.setTo(checkIn - 47 * HOUR + 3 * 60_000);
      await Promise.all([b.running.built.periodic.runOnce(), c.running.built.periodic.runOnce()]);
      await Promise.all([b.running.built.periodic.runOnce(), c.running.built.periodic.runOnce()]);
      expect(sent48().map((p) => p.body.channel).sort()).toEqual([`D${CAPTAIN.slice(1)}`, `D${CREW[1].slice(1)}`].sort());
      for (const p of sent48()) {
        expect(String(p.body.text)).toMatch(/^Reminder: please answer the crew call/);
        expect(findMoney(p.body)).toEqual([]);
        expect(JSON.stringify(p.body.blocks)).toContain(`crew_confirm:U${String(p.body.channel).slice(1)}`);
        // The hours actually left when it went, not the window's nominal 48.
        expect(JSON.stringify(p.body.blocks)).toMatch(/Check-in is in about 47 hours and you have not answered yet/);
      }

      // 23 h out: the 24 h DMs, and the ops thread hears who is still unconfirmed — once.
      clock.setTo(checkIn - 23 * HOUR);
      b.slack.clear();
      c.slack.clear();
      for (let i = 0; i < 3; i++) await Promise.all([b.running.built.periodic.runOnce(), c.running.built.periodic.runOnce()]);
      expect(sent48().map((p) => p.body.channel).sort()).toEqual([`D${CAPTAIN.slice(1)}`, `D${CREW[1].slice(1)}`].sort());
      const opsLines = [...b.slack.callsTo('chat.postMessage'), ...c.slack.callsTo('chat.postMessage')].filter((p) => p.body.channel === OPS_CHANNEL);
      expect(opsLines).toHaveLength(1);
      expect(opsLines[0]?.body.thread_ts).toBe(booking.slack.approvalTs);
      expect(opsLines[0]?.body.text).toContain(`not confirmed yet: <@${CAPTAIN}>, <@${CREW[1]}>`);
      expect(opsLines[0]?.body.text).not.toContain(CREW[0]);
      const after = await b.running.built.api.get(id);
      expect(Object.entries(after?.reminders ?? {}).filter(([, r]) => r.sentAtMs !== undefined).map(([k]) => k).sort()).toEqual([`dm24:${CAPTAIN}`, `dm24:${CREW[1]}`, `dm48:${CAPTAIN}`, `dm48:${CREW[1]}`, 'ops24'].sort());
      expect(after?.audit.filter((e) => e.action === 'reminded')).toHaveLength(5);
    } finally {
      await c.close();
      await b.close();
    }
  });

  it('a reminder whose call a change replaced, or whose member it took off, is redrawn without buttons; after a cancel every reminder is', async () => {
    const clock = shiftedClock();
    // The change's and the cancel's calendar and SCC calls answer at once: their crew step is what is under test.
    let sccRefuses = false;
    const stepOverrides = {
      calendar_update: async () => ({ updated: true }),
      scc_update: async () => {
        if (sccRefuses) throw permanentError();
        return { updated: true };
      },
      calendar_delete: async () => ({ deleted: true }),
      scc_cancel: async () => ({ cancelled: true }),
    };
    const h = await startHarness({ env: { CHARTER_STORE: `sqlite:${join(dir, 'stale-reminders.db')}` }, deps: { now: clock.now, stepOverrides } });
    /** Each member's reminder as Slack now holds it: its text, and whether it still has buttons. */
    const reminderOf = (b: BookingRecord, userId: string) => {
      const post = b.reminders?.[`dm48:${userId}`]?.post;
      const held = h.slack.messages(post?.channel).find((m) => m.ts === post?.ts);
      return { text: String(held?.text), live: JSON.stringify(held?.blocks ?? []).includes('crew_confirm') };
    };
    const remindAll = async (b: BookingRecord) => {
      clock.setTo(checkInMsOf(b, h.config) - 47 * HOUR);
      await h.running.built.periodic.runOnce();
      await settle(h);
      const reminded = (await h.running.built.api.get(b.id))!;
      // Saved with the mark the tick writes anyway: no write of its own.
      for (const u of [CAPTAIN, ...CREW]) expect(reminderOf(reminded, u)).toMatchObject({ live: true, text: expect.stringMatching(/^Reminder: please answer/) });
      return reminded;
    };
    try {
      // Rescheduled, with Ana taken off: every call changed, Ana's is gone.
      const b = await remindAll(await approvedBooking(h));
      const opId = await proposeChange(h, b.id, 'reschedule', { ...VALID_FIELDS, departureTime: '18:00', crew: [CREW[0]] });
      h.slack.clear();
      await clickInOps(h, 'change_approve', `${b.id}:${opId}`);
      await waitForBooking(h, b.id, (r) => r.operations?.find((o) => o.id === opId)?.status === 'done', 20_000);
      await settle(h);
      for (const u of [CAPTAIN, CREW[0]]) expect(reminderOf(b, u)).toEqual({ live: false, text: expect.stringMatching(/^Out of date — see the crew post above/) });
      expect(reminderOf(b, CREW[1])).toEqual({ live: false, text: expect.stringMatching(/^Out of date — you're off this charter/) });
      for (const u of [CAPTAIN, CREW[0], CREW[1]]) expect(reminderOf(b, u).text).not.toMatch(/PM/);

      // Cancelled: each reminder says so.
      clock.setTo(Date.now());
      const c = await remindAll(await approvedBooking(h));
      await clickInOps(h, 'booking_cancel', c.id);
      await waitForBooking(h, c.id, (r) => r.state === 'cancelled', 20_000);
      await settle(h);
      for (const u of [CAPTAIN, ...CREW]) expect(reminderOf(c, u)).toEqual({ live: false, text: expect.stringMatching(/^Out of date — this charter was cancelled/) });

      // A reschedule SCC refuses for good ends failed before its crew step ran; its reset moved the
      // reminders into the change's answersBefore. The cancel after it still reaches every one.
      clock.setTo(Date.now());
      const d = await remindAll(await approvedBooking(h));
      sccRefuses = true;
      const failedOp = await proposeChange(h, d.id, 'reschedule', { ...VALID_FIELDS, departureTime: '18:00' });
      await clickInOps(h, 'change_approve', `${d.id}:${failedOp}`);
      await waitForBooking(h, d.id, (r) => r.operations?.find((o) => o.id === failedOp)?.status === 'failed', 20_000);
      await settle(h);
      sccRefuses = false;
      await clickInOps(h, 'booking_cancel', d.id);
      await waitForBooking(h, d.id, (r) => r.state === 'cancelled', 20_000);
      await settle(h);
      for (const u of [CAPTAIN, ...CREW]) expect(reminderOf(d, u)).toEqual({ live: false, text: expect.stringMatching(/^Out of date — this charter was cancelled/) });
    } finally {
      await h.close();
    }
  });

  it('none for a cancelled booking', async () => {
    const clock = shiftedClock();
    const h = await start(clock, 'cancelled.db', 'process-x');
    try {
      const booking = await approvedBooking(h);
      // The lifecycle work cancels approved bookings; here the store is set as it will leave it.
      await updateWithRetry(h.running.built.store, booking.id, (r) => ({ ...r, state: 'cancelled' }));
      clock.setTo(checkInMsOf(booking, h.config) - 23 * HOUR);
      h.slack.clear();
      await h.running.built.periodic.runOnce();
      expect(dmPosts(h, /Reminder/)).toHaveLength(0);
      expect(h.slack.callsTo('chat.postMessage').filter((p) => p.body.channel === OPS_CHANNEL)).toHaveLength(0);
    } finally {
      await h.close();
    }
  });

  it('a member deactivated (user_change) gets no DM reminder; the office, told at once, is reminded at 24 h that they are still on the crew', async () => {
    const clock = shiftedClock();
    const h = await start(clock, 'reminders-deactivated.db', 'process-d');
    try {
      const booking = await approvedBooking(h);
      const id = booking.id;
      const checkIn = checkInMsOf(booking, h.config);
      await h.requester.interact(blockActionPayload({ userId: CAPTAIN, actionId: `crew_confirm:${CAPTAIN}`, value: `${id}:${CAPTAIN}`, channelId: booking.slack.crewPosts![CAPTAIN]!.channel }));
      await waitForBooking(h, id, (b) => b.confirmations[CAPTAIN] !== undefined);
      // Ana leaves; Slack says so
      h.slack.setUser({ id: CREW[1], realName: 'Ana Cruz', email: 'ana@example.com', deleted: true });
      await h.requester.event(userChangeEvent({ userId: CREW[1], realName: 'Ana Cruz', deleted: true }));
      await waitForBooking(h, id, (b) => b.reminders?.[`deactivated:${CREW[1]}`]?.sentAtMs !== undefined);
      await settle(h);

      clock.setTo(checkIn - 47 * HOUR);
      h.slack.clear();
      await h.running.built.periodic.runOnce();
      // Lee (unanswered) is reminded; Ana is not DMed, so no "cannot reach" line either
      expect(dmPosts(h, /Reminder/).map((p) => p.body.channel)).toEqual([`D${CREW[0].slice(1)}`]);
      expect(h.slack.callsTo('conversations.open').map((c) => c.body.users)).not.toContain(CREW[1]);
      expect(threadPosts(h, booking)).toHaveLength(0);

      clock.setTo(checkIn - 23 * HOUR);
      h.slack.clear();
      await h.running.built.periodic.runOnce();
      const ops = threadPosts(h, booking);
      expect(ops).toHaveLength(1);
      expect(ops[0]?.body.text).toContain(`not confirmed yet: <@${CREW[0]}>; Slack account deactivated: <@${CREW[1]}>`);
      expect(h.slack.callsTo('conversations.open').map((c) => c.body.users)).not.toContain(CREW[1]);
    } finally {
      await h.close();
    }
  });

  it('a deactivation recorded by a delivery that never reached the bookings (the store, a crash) is told by the next reminder tick, once; a member Slack says is active again is not', async () => {
    const clock = shiftedClock();
    const h = await start(clock, 'deactivated-owed.db', 'process-o');
    try {
      const booking = await approvedBooking(h);
      const lineFor = (userId: string) => h.slack.messages(OPS_CHANNEL).filter((m) => String(m.text).includes(`<@${userId}>'s Slack account was deactivated`));
      // The delivery wrote the registry, then could not list the bookings (or died): Ana is
      // deactivated in Slack. Lee is in the registry too, but active again (a reactivation under
      // way drops the bookings' flags before it takes him out of the registry).
      h.slack.setUser({ id: CREW[1], realName: 'Ana Cruz', email: 'ana@example.com', deleted: true });
      expect(await h.running.built.store.casMeta(DEACTIVATED_MEMBERS_KEY, JSON.stringify({ [CREW[1]]: clock.now(), [CREW[0]]: clock.now() }), 0)).toMatchObject({ version: 1 });
      expect(lineFor(CREW[1])).toHaveLength(0);

      await h.running.built.periodic.runOnce();
      await h.running.built.periodic.runOnce();
      await settle(h);
      expect(lineFor(CREW[1])).toHaveLength(1);
      expect(lineFor(CREW[1])[0]?.thread_ts).toBe(booking.slack.approvalTs);
      const record = (await h.running.built.api.get(booking.id))!;
      expect(record.reminders?.[`deactivated:${CREW[1]}`]?.sentAtMs).toBeGreaterThan(0);
      expect(lineFor(CREW[0])).toHaveLength(0);
      expect(record.reminders?.[`deactivated:${CREW[0]}`]).toBeUndefined();
    } finally {
      await h.close();
    }
  });

  it('a deactivated-member line Slack refused when the event came is posted by the next reminder tick after its claim lapses, once', async () => {
    const clock = shiftedClock();
    const h = await start(clock, 'deactivated-retry.db', 'process-r');
    try {
      const booking = await approvedBooking(h);
      const id = booking.id;
      const isLine = (body: Record<string, unknown>) => String(body.text).includes("Slack account was deactivated");
      h.slack.failNext('chat.postMessage', 1, 'fatal_error', isLine);
      h.slack.setUser({ id: CREW[1], realName: 'Ana Cruz', email: 'ana@example.com', deleted: true });
      expect((await h.requester.event(userChangeEvent({ userId: CREW[1], realName: 'Ana Cruz', deleted: true }))).status).toBe(200);
      await waitForBooking(h, id, (b) => b.reminders?.[`deactivated:${CREW[1]}`]?.claimExpiresAtMs !== undefined);
      await settle(h);
      // refused: nothing in the thread, the claim taken and not marked sent
      expect(h.slack.messages(OPS_CHANNEL).filter((m) => isLine({ text: m.text }))).toHaveLength(0);
      expect((await h.running.built.api.get(id))?.reminders?.[`deactivated:${CREW[1]}`]?.sentAtMs).toBeUndefined();

      // within the claim's lease nothing is tried; after it, the next tick posts it, and later ticks add nothing
      await h.running.built.periodic.runOnce();
      expect(h.slack.messages(OPS_CHANNEL).filter((m) => isLine({ text: m.text }))).toHaveLength(0);
      clock.setTo(Date.now() + 3 * 60_000);
      await h.running.built.periodic.runOnce();
      await h.running.built.periodic.runOnce();
      await settle(h);
      const posted = h.slack.messages(OPS_CHANNEL).filter((m) => isLine({ text: m.text }));
      expect(posted).toHaveLength(1);
      expect(posted[0]?.thread_ts).toBe(booking.slack.approvalTs);
      expect((await h.running.built.api.get(id))?.reminders?.[`deactivated:${CREW[1]}`]?.sentAtMs).toBeGreaterThan(0);
    } finally {
      await h.close();
    }
  });
});
