/**
 * Approvals people can trust, over signed requests against the Slack stand-in: the second-approver
 * rule, expiry (click, Slack redelivery, replay straight into the service), the approval watch
 * (re-surface once, close once, across two "processes"), and the trail in /charter status.
 * The app runs on a hand-set clock so expiry and the trail's times are exact.
 */
import { DateTime } from 'luxon';
import { ApprovalExpiredError, RetryAfterDepartureError, SelfApprovalError } from '../../../src/pipeline/errors';
import { watchApprovals } from '../../../src/slack/approval-watch';
import { createLogger } from '../../../src/log';
import { openStore } from '../../../src/pipeline/open-store';
import { renderProgress } from '../../../src/slack/render';
import { blockActionPayload } from '../../support/slack-requests';
import { amountsOf, findMoney } from '../../support/money-search';
import { APPROVER, approvalPosts, clickInOps, CREW, OPS_CHANNEL, OUTSIDER, proposeChange, settle, startHarness, stepCalls, submitBooking, VALID_FIELDS, waitForBooking, type Harness } from './harness';

const APPROVER2 = 'U0APPROVE2';
const ZONE = 'America/Los_Angeles';
const MINUTE = 60_000;

/** The app's clock: tests move it; pipelines run while it stands still. */
let clockMs = Date.now();
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { CHARTER_APPROVERS: `${APPROVER},${APPROVER2}`, CHARTER_REQUIRE_SECOND_APPROVER: 'true' }, deps: { now: () => clockMs } });
});
afterAll(async () => {
  await h.close();
});

const click = (id: string, userId: string, retryNum?: number) =>
  h.requester.interact(blockActionPayload({ userId, actionId: 'booking_approve', value: id, channelId: OPS_CHANNEL }), retryNum === undefined ? {} : { retryNum });

const ephemeralsTo = (userId: string) => h.slack.callsTo('chat.postEphemeral').filter((c) => c.body.user === userId).map((c) => String(c.body.text));

/** A booking departing `hoursAhead` from the app's clock (local date and time in the operator's zone). */
function fieldsDepartingIn(hoursAhead: number): typeof VALID_FIELDS {
  const departure = DateTime.fromMillis(clockMs, { zone: ZONE }).plus({ hours: hoursAhead }).startOf('hour');
  return { ...VALID_FIELDS, date: departure.toISODate() ?? '', departureTime: departure.toFormat('HH:mm') };
}

describe('second approver (CHARTER_REQUIRE_SECOND_APPROVER=true)', () => {
  it('the creator is refused privately, the message names who may not approve, a replay is refused too, another approver wins', async () => {
    const id = await submitBooking(h); // created by APPROVER
    const post = approvalPosts(h.slack).at(-1);
    expect(JSON.stringify(post?.body.blocks)).toContain(`Needs an approver other than <@${APPROVER}>`);
    h.slack.clear();
    const before = stepCalls(h, 'calendar');
    expect((await click(id, APPROVER)).status).toBe(200);
    expect((await click(id, APPROVER, 1)).status).toBe(200); // Slack's redelivery of the same click
    await h.slack.waitFor(() => ephemeralsTo(APPROVER).length === 2);
    for (const text of ephemeralsTo(APPROVER)) expect(text).toContain('needs an approver other than you');
    expect(h.slack.callsTo('chat.update')).toHaveLength(0);
    await expect(h.running.built.api.approve(id, APPROVER)).rejects.toThrow(SelfApprovalError);
    const still = await h.running.built.api.get(id);
    expect(still?.state).toBe('pending_approval');
    expect(still?.audit.map((a) => a.action)).toEqual(['created']);

    await click(id, APPROVER2);
    await waitForBooking(h, id, (b) => b.state === 'done');
    await settle(h);
    expect(stepCalls(h, 'calendar') - before).toBe(1);
    const approved = h.slack.callsTo('chat.update').find((c) => JSON.stringify(c.body.blocks).includes('Approved by'));
    expect(JSON.stringify(approved?.body.blocks)).toContain(`Approved by <@${APPROVER2}>`);
    expect(JSON.stringify(approved?.body.blocks)).not.toContain('Needs an approver other than');
  });

  it('holds for change requests too: whoever asked for a change is refused privately; another approver applies it', async () => {
    const id = await submitBooking(h, { ...VALID_FIELDS, boatsetterRef: 'BS-SELFCHG' }); // created by APPROVER
    await click(id, APPROVER2);
    await waitForBooking(h, id, (b) => b.state === 'done');
    await settle(h);
    h.slack.clear();
    const opId = await proposeChange(h, id, 'edit', { ...VALID_FIELDS, boatsetterRef: 'BS-SELFCHG', partySize: '5', priceCents: '900' }); // asked by APPROVER
    const request = h.slack.callsTo('chat.postMessage').find((c) => JSON.stringify(c.body.blocks ?? []).includes('change_approve'));
    expect(JSON.stringify(request?.body.blocks)).toContain(`Needs an approver other than <@${APPROVER}>`);

    await clickInOps(h, 'change_approve', `${id}:${opId}`, APPROVER);
    await h.slack.waitFor(() => ephemeralsTo(APPROVER).some((t) => t.startsWith('You asked for this change')));
    const refused = await h.running.built.api.get(id);
    expect(refused?.operations?.find((o) => o.id === opId)?.status).toBe('proposed');
    expect(refused?.request.priceCents).toBe(120000);

    // (This harness's step stand-ins run no change steps: approved and started is what is asked here.)
    await clickInOps(h, 'change_approve', `${id}:${opId}`, APPROVER2);
    const changed = await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === opId)?.approvedBy !== undefined && b.request.priceCents === 90000);
    expect(changed.operations?.find((o) => o.id === opId)?.approvedBy).toBe(APPROVER2);
    await settle(h);
  });
});

describe('second approver off (the default)', () => {
  let off: Harness;
  beforeAll(async () => {
    off = await startHarness();
  });
  afterAll(async () => {
    await off.close();
  });

  it('lets the creator approve their own booking and says nothing about a second approver', async () => {
    expect(off.config.slack.requireSecondApprover).toBe(false);
    const id = await submitBooking(off);
    expect(JSON.stringify(approvalPosts(off.slack).at(-1)?.body.blocks)).not.toContain('Needs an approver');
    await off.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'booking_approve', value: id, channelId: OPS_CHANNEL }));
    const done = await waitForBooking(off, id, (b) => b.state === 'done');
    expect(done.audit.find((a) => a.action === 'approved')?.userId).toBe(APPROVER);
    await settle(off);
  });
});

describe('expiry', () => {
  it('an approval whose departure passed is refused by click, by Slack redelivery and by replay; the message says why and loses its buttons', async () => {
    const id = await submitBooking(h, fieldsDepartingIn(30));
    const booking = await h.running.built.api.get(id);
    const departure = DateTime.fromISO(`${booking?.request.date}T${booking?.request.departureTime}`, { zone: ZONE });
    const calendarBefore = stepCalls(h, 'calendar');
    clockMs = departure.toMillis() + 3 * 24 * 60 * MINUTE;
    h.slack.clear();
    await click(id, APPROVER2);
    await click(id, APPROVER2, 1);
    await h.slack.waitFor(() => ephemeralsTo(APPROVER2).length === 2 && h.slack.callsTo('chat.update').length >= 1);
    const departed = `${departure.setLocale('en-US').toFormat('ccc, LLL d, yyyy')}, ${departure.setLocale('en-US').toFormat('h:mm a ZZZZ')}`;
    for (const text of ephemeralsTo(APPROVER2)) expect(text).toContain(`can no longer be approved: its departure was ${departed}`);
    const update = h.slack.callsTo('chat.update').at(-1);
    expect(update?.body.ts).toBe(booking?.slack.approvalTs);
    const blocks = JSON.stringify(update?.body.blocks);
    expect(blocks).toContain(`Expired — departure was ${departed}`);
    expect(blocks).not.toContain('booking_approve');
    expect(blocks).not.toContain('booking_cancel');
    await expect(h.running.built.api.approve(id, APPROVER2)).rejects.toThrow(ApprovalExpiredError);
    const after = await h.running.built.api.get(id);
    expect(after?.state).toBe('pending_approval');
    expect(after?.audit.map((a) => a.action)).toEqual(['created']);
    expect(stepCalls(h, 'calendar')).toBe(calendarBefore);
    clockMs = Date.now();
  });
});

describe('approval watch', () => {
  it('re-surfaces a pending approval 24 h before check-in once, and closes it once its departure passed — two processes ticking together', async () => {
    const id = await submitBooking(h, fieldsDepartingIn(48));
    const booking = await h.running.built.api.get(id);
    const departure = DateTime.fromISO(`${booking?.request.date}T${booking?.request.departureTime}`, { zone: ZONE });
    const checkIn = departure.minus({ minutes: 30 });
    const log = createLogger({ level: 'silent' });
    // Two processes: the app's own store connection and a second one opened on the same SQLite file.
    const processA = { store: h.running.built.store, client: h.running.built.bolt.client, config: h.config, log };
    const secondStore = await openStore(h.config.store);
    const processB = { ...processA, store: secondStore };
    h.slack.clear();

    const remindersOf = (bookingId: string) => h.slack.callsTo('chat.postMessage').filter((c) => JSON.stringify(c.body.blocks).includes(`booking:${bookingId}:resurface`));
    await Promise.all([watchApprovals(processA, checkIn.toMillis() - 25 * 60 * MINUTE), watchApprovals(processB, checkIn.toMillis() - 25 * 60 * MINUTE)]);
    expect(remindersOf(id)).toHaveLength(0); // not yet due

    const due = checkIn.toMillis() - 23 * 60 * MINUTE;
    await Promise.all([watchApprovals(processA, due), watchApprovals(processB, due), watchApprovals(processA, due + MINUTE)]);
    const reminders = remindersOf(id);
    expect(reminders).toHaveLength(1);
    expect(reminders[0]?.body.channel).toBe(OPS_CHANNEL);
    expect(JSON.stringify(reminders[0]?.body.blocks)).toContain(`${checkIn.setLocale('en-US').toFormat('h:mm a ZZZZ')}`);
    expect(JSON.stringify(reminders[0]?.body.blocks)).toContain('booking_approve');
    expect(JSON.stringify(reminders[0]?.body.blocks)).toContain(`needs an approver other than <@${APPROVER}>`);
    expect((await h.running.built.api.get(id))?.approvalNotices?.resurfacedAtMs).toBe(due);

    const past = departure.toMillis() + MINUTE;
    await Promise.all([watchApprovals(processA, past), watchApprovals(processB, past)]);
    await watchApprovals(processA, past + 60 * MINUTE);
    const closed = h.slack.callsTo('chat.update').filter((c) => c.body.ts === booking?.slack.approvalTs);
    expect(closed).toHaveLength(1);
    expect(JSON.stringify(closed[0]?.body.blocks)).toContain('Expired — departure was');
    expect(JSON.stringify(closed[0]?.body.blocks)).not.toContain('booking_approve');
    expect(remindersOf(id)).toHaveLength(1);
    // The reminder closes with it: no Approve button left on a request that can no longer be approved.
    const reminderTs = (await h.running.built.api.get(id))?.slack.resurfaced?.ts;
    const reminderClosed = h.slack.callsTo('chat.update').filter((c) => c.body.ts === reminderTs);
    expect(reminderClosed).toHaveLength(1);
    expect(JSON.stringify(reminderClosed[0]?.body.blocks)).toContain(':hourglass: *Expired*');
    expect(JSON.stringify(reminderClosed[0]?.body.blocks)).not.toContain('booking_approve');
    await secondStore.close();
  });

  it('a re-surfaced reminder reads "Approved by …" once the request is approved from the original message', async () => {
    const id = await submitBooking(h, { ...fieldsDepartingIn(48), boatsetterRef: 'BS-RESURF2' });
    const booking = await h.running.built.api.get(id);
    const checkIn = DateTime.fromISO(`${booking?.request.date}T${booking?.request.departureTime}`, { zone: ZONE }).minus({ minutes: 30 });
    const deps = { store: h.running.built.store, client: h.running.built.bolt.client, config: h.config, log: createLogger({ level: 'silent' }) };
    clockMs = checkIn.toMillis() - 23 * 60 * MINUTE;
    await watchApprovals(deps, clockMs);
    const reminder = (await h.running.built.api.get(id))?.slack.resurfaced;
    expect(reminder?.channel).toBe(OPS_CHANNEL);
    h.slack.clear();
    await click(id, APPROVER2);
    await waitForBooking(h, id, (b) => b.state === 'done');
    await settle(h);
    clockMs = Date.now();
    const redrawn = h.slack.callsTo('chat.update').filter((c) => c.body.ts === reminder?.ts);
    expect(redrawn).toHaveLength(1);
    expect(JSON.stringify(redrawn[0]?.body.blocks)).toMatch(new RegExp(`:white_check_mark: \\*Approved\\* — Maria Delgado, by <@${APPROVER2}> at `));
    expect(JSON.stringify(redrawn[0]?.body.blocks)).not.toContain('booking_approve');
  });
});

describe('retry after departure', () => {
  /** A booking that failed (SCC refused it for good), departing `hoursAhead` from the app's clock, as stored once settled. */
  async function failedBookingDepartingIn(hoursAhead: number) {
    const id = await submitBooking(h, fieldsDepartingIn(hoursAhead));
    h.steps.set('scc_event', { permanent: true });
    await click(id, APPROVER2);
    await waitForBooking(h, id, (b) => b.state === 'failed');
    await settle(h);
    h.steps.set('scc_event', {});
    const failed = (await h.running.built.api.get(id))!;
    return { id, failed, departure: DateTime.fromISO(`${failed.request.date}T${failed.request.departureTime}`, { zone: ZONE }) };
  }

  it('a booking that failed and whose trip has left is not re-run by Retry (click or replay); the clicker is told why and what to do', async () => {
    const { id, failed, departure } = await failedBookingDepartingIn(30);
    const sccBefore = stepCalls(h, 'scc_event');
    clockMs = departure.toMillis() + MINUTE;
    h.slack.clear();
    await h.requester.interact(blockActionPayload({ userId: APPROVER2, actionId: 'booking_retry', value: id, channelId: OPS_CHANNEL }));
    await h.slack.waitFor(() => ephemeralsTo(APPROVER2).length === 1);
    const departed = `${departure.setLocale('en-US').toFormat('ccc, LLL d, yyyy')}, ${departure.setLocale('en-US').toFormat('h:mm a ZZZZ')}`;
    const told = ephemeralsTo(APPROVER2)[0] ?? '';
    process.stdout.write(`\n--- Retry after departure (ephemeral) ---\n${told}\n`);
    expect(told).toContain(`can no longer be retried: its departure was ${departed}`);
    expect(told).toContain('Cancel charter');
    await expect(h.running.built.api.retry(id, APPROVER2)).rejects.toThrow(RetryAfterDepartureError);
    await settle(h);
    // The progress message is redrawn without Retry, saying why; Cancel charter and Details stay.
    const redrawn = h.slack.callsTo('chat.update').filter((c) => c.body.ts === failed.slack.progressTs).at(-1);
    const blocks = JSON.stringify(redrawn?.body.blocks);
    expect(blocks).not.toContain('booking_retry');
    expect(blocks).toContain(`Departed ${departed}: Retry is closed.`);
    expect(blocks).toContain('booking_cancel');
    expect(blocks).toContain('booking_details');
    const after = await h.running.built.api.get(id);
    expect(after?.state).toBe('failed');
    expect(after?.version).toBe(failed.version);
    expect(stepCalls(h, 'scc_event')).toBe(sccBefore);

    // A minute before departure the same Retry still runs it.
    clockMs = departure.toMillis() - MINUTE;
    await h.requester.interact(blockActionPayload({ userId: APPROVER2, actionId: 'booking_retry', value: id, channelId: OPS_CHANNEL }));
    await waitForBooking(h, id, (b) => b.state === 'done');
    await settle(h);
    clockMs = Date.now();
  });

  it('the approval watch redraws a failed booking’s progress message without Retry once its departure passed, once across ticks', async () => {
    const { id, failed, departure } = await failedBookingDepartingIn(30);
    const redraws = () => h.slack.callsTo('chat.update').filter((c) => c.body.ts === failed.slack.progressTs);
    h.slack.clear();

    clockMs = departure.toMillis() - MINUTE;
    await h.running.built.periodic.runOnce();
    await settle(h);
    expect(redraws()).toHaveLength(0); // still retryable: nothing to redraw

    clockMs = departure.toMillis() + MINUTE;
    await h.running.built.periodic.runOnce();
    await h.running.built.periodic.runOnce();
    await settle(h);
    expect(redraws()).toHaveLength(1);
    const blocks = JSON.stringify(redraws()[0]?.body.blocks);
    expect(blocks).not.toContain('booking_retry');
    expect(blocks).toContain('Retry is closed.');
    expect((await h.running.built.api.get(id))?.approvalNotices?.retryClosedAtMs).toBe(clockMs);
    clockMs = Date.now();
  });
});

describe('/charter status — the trail', () => {
  it('lists every action of a booking that went through create, approve, retry, refresh and confirm, with who and when, in the operator zone', async () => {
    const t0 = DateTime.fromISO('2026-12-02T09:15:00', { zone: ZONE }).toMillis();
    const at = (minutes: number) => t0 + minutes * MINUTE;
    clockMs = at(0);
    const id = await submitBooking(h, fieldsDepartingIn(72)); // created by APPROVER at t0
    h.steps.set('scc_event', { permanent: true });
    clockMs = at(5);
    await click(id, APPROVER2);
    await waitForBooking(h, id, (b) => b.state === 'failed');
    await settle(h);
    h.steps.set('scc_event', {});
    clockMs = at(12);
    await h.requester.interact(blockActionPayload({ userId: APPROVER2, actionId: 'booking_retry', value: id, channelId: OPS_CHANNEL }));
    await waitForBooking(h, id, (b) => b.state === 'done');
    await settle(h);
    clockMs = at(20);
    await h.requester.command({ user_id: APPROVER, channel_id: OPS_CHANNEL, text: `refresh ${id}` });
    await waitForBooking(h, id, (b) => b.operations?.some((o) => o.kind === 'refresh' && o.status === 'done') === true);
    // Its reply comes once the refresh has ended: let it land before the status reply is read.
    await h.slack.waitFor(() => ephemeralsTo(APPROVER).some((t) => t.includes('Guest page re-rendered')));
    clockMs = at(31);
    await h.requester.interact(blockActionPayload({ userId: CREW[0], actionId: `crew_confirm:${CREW[0]}`, value: `${id}:${CREW[0]}`, channelId: OPS_CHANNEL }));
    await waitForBooking(h, id, (b) => b.confirmations[CREW[0]] !== undefined);
    await settle(h);
    clockMs = Date.now();

    h.slack.clear();
    await h.requester.command({ user_id: APPROVER, channel_id: OPS_CHANNEL, text: `status ${id}` });
    await h.slack.waitFor(() => ephemeralsTo(APPROVER).length === 1);
    const text = ephemeralsTo(APPROVER)[0] ?? '';
    process.stdout.write(`\n--- /charter status (approver) ---\n${text}\n`);
    const trail = text.split('\n').filter((l) => /^• \w{3}, \w{3} \d+, \d{4}, /.test(l));
    expect(trail).toEqual([
      `• Wed, Dec 2, 2026, 9:15 AM PST — <@${APPROVER}> requested`,
      `• Wed, Dec 2, 2026, 9:20 AM PST — <@${APPROVER2}> approved`,
      expect.stringMatching(new RegExp(`^• Wed, Dec 2, 2026, 9:27 AM PST — <@${APPROVER2}> pressed Retry \\(SCC event had failed: SCC rejected the service key`)),
      `• Wed, Dec 2, 2026, 9:35 AM PST — <@${APPROVER}> refreshed the guest page`,
      `• Wed, Dec 2, 2026, 9:46 AM PST — <@${CREW[0]}> confirmed for the crew`,
    ]);
    // The Retry's line names what it cleared in the progress message's words: no step name, no error code (review s53 M3).
    expect(trail[2]).not.toMatch(/scc_event|SCC_UNAUTHORIZED|attempt/);
    expect(text).toContain('Times in Pacific Time (America/Los_Angeles)');
    // Its attempt before the Retry counts too: "1 attempt" hid that it ran twice (review s53 L4).
    expect(text).toMatch(/• SCC event: done at 9:27 AM PST · 2 attempts, 1 since Retry\n/);
    // The refresh is an operation of its own: the create's steps keep their times, the refresh shows its own.
    expect(text).toContain('• Guest page uploaded: done at 9:20 AM PST');
    expect(text).toContain(`*Guest page refresh* — done, asked by <@${APPROVER}>`);
    expect(text).toContain(`• Guest page refresh — asked by <@${APPROVER}> Wed, Dec 2, 2026, 9:35 AM PST · *done*, ended Wed, Dec 2, 2026, 9:35 AM PST`);
    expect(text).toContain('$584.00');

    // Details on the progress message: the same trail, privately, and without money for a non-approver.
    h.slack.clear();
    await h.requester.interact(blockActionPayload({ userId: OUTSIDER, actionId: 'booking_details', value: id, channelId: OPS_CHANNEL }));
    await h.slack.waitFor(() => ephemeralsTo(OUTSIDER).length === 1);
    const outsider = ephemeralsTo(OUTSIDER)[0] ?? '';
    expect(outsider).toContain(`<@${APPROVER2}> pressed Retry`);
    expect(outsider).toContain(`<@${CREW[0]}> confirmed for the crew`);
    const booking = await h.running.built.api.get(id);
    expect(findMoney(outsider, amountsOf(booking!.costs))).toEqual([]);
    expect(JSON.stringify(renderProgress(booking!, h.config, Date.now()).blocks)).toContain('"action_id":"booking_details"');
  });
});
