/**
 * A crew answer while a change that re-calls the crew has not posted the new call: refused, since
 * the post clicked shows the old details; once the change's crew step has run, answers count again.
 * While such a change waits for Retry, crew reminders go to the members it does not touch.
 * Real Bolt receiver, signed requests, the stand-ins.
 */
import { blockActionPayload, viewSubmissionPayload } from '../../support/slack-requests';
import { checkInMsOf } from '../../../src/slack/crew-reminders';
import { APPROVER, CAPTAIN, CREW, clickInOps, doneBooking, ephemeralsTo, OUTSIDER, proposeChange, settle, startHarness, VALID_FIELDS, waitForBooking, type Harness } from './harness';

jest.setTimeout(60_000);

const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ real: true, deps: { now: clock.now } });
});
afterEach(() => {
  clock.offsetMs = 0;
});
afterAll(async () => {
  await h.close();
});

const year = new Date().getUTCFullYear() + 1;

/**
 * Approves change `opId` while Otto's account is deactivated (after the form checked it): its crew
 * step fails on his DM alone and waits for Retry. Otto is back afterwards.
 */
async function approveWhileOttoDeactivated(id: string, opId: string) {
  h.slack.setUser({ id: OUTSIDER, realName: 'Otto Outsider', deleted: true });
  try {
    await clickInOps(h, 'change_approve', `${id}:${opId}`);
    const failed = await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === opId)?.status === 'failed');
    await settle(h);
    expect(failed.operations?.find((o) => o.id === opId)?.steps?.crew_notice?.status).toBe('failed');
    return failed;
  } finally {
    h.slack.setUser({ id: OUTSIDER, realName: 'Otto Outsider' });
  }
}

it('a Confirm on the old post while a reschedule has failed before calling crew again is refused; after Retry it counts', async () => {
  const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-ANS1' };
  const id = await doneBooking(h, fields);
  const lee = CREW[0];
  const post = (await h.running.built.api.get(id))!.slack.crewPosts![lee]!;
  const opId = await proposeChange(h, id, 'reschedule', { ...fields, date: `${year}-07-08` });
  h.standins!.scc.faults.inject('PATCH *', { kind: 'status', status: 400 });
  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === opId)?.status === 'failed');
  await settle(h);

  // The post's buttons as drawn: for the first call, then (redrawn by the change) for the new one.
  const confirm = (value: string) => h.requester.interact(blockActionPayload({ userId: lee, actionId: `crew_confirm:${lee}`, value, channelId: post.channel }));
  await confirm(`${id}:${lee}:r1`);
  await h.slack.waitFor(() => ephemeralsTo(h, lee).some((t) => t.startsWith('The office is changing this charter')));
  expect((await h.running.built.api.get(id))?.confirmations[lee]).toBeUndefined();

  h.standins!.scc.faults.clear();
  await clickInOps(h, 'booking_retry', id, APPROVER);
  const done = await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === opId)?.status === 'done');
  await settle(h);
  await confirm(`${id}:${lee}:r${done.callRevisions![lee]}`);
  await waitForBooking(h, id, (b) => b.confirmations[lee] !== undefined);
});

it('a member whose updated call went out answers it, though the change failed on someone else\'s post', async () => {
  const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-ANS2' };
  const id = await doneBooking(h, fields);
  const lee = CREW[0];
  const opId = await proposeChange(h, id, 'reschedule', { ...fields, departureTime: '17:00', crew: [...CREW, OUTSIDER] });
  h.slack.clear();
  const failed = await approveWhileOttoDeactivated(id, opId);
  const post = failed.slack.crewPosts![lee]!;
  await h.requester.interact(blockActionPayload({ userId: lee, actionId: `crew_confirm:${lee}`, value: `${id}:${lee}:r${failed.callRevisions![lee]}`, channelId: post.channel }));
  await waitForBooking(h, id, (b) => b.confirmations[lee] !== undefined);
  expect(ephemeralsTo(h, lee).filter((t) => t.startsWith('The office is changing this charter'))).toEqual([]);
});

it('while a crew swap whose call failed waits for Retry, the members it does not touch are still reminded at 24 h', async () => {
  const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-ANS3' };
  const id = await doneBooking(h, fields);
  const [lee, ana] = CREW;
  const opId = await proposeChange(h, id, 'crew swap', { ...fields, crew: [lee, OUTSIDER] });
  const failed = await approveWhileOttoDeactivated(id, opId);

  // The bookings of the tests above share the date; only this one's reminders count here.
  const ofBooking = (body: Record<string, unknown>, bookingId: string) => (body.metadata as { event_payload?: { booking_id?: string } } | undefined)?.event_payload?.booking_id === bookingId;
  clock.offsetMs = checkInMsOf(failed, h.config) - 23 * 3_600_000 - Date.now();
  h.slack.clear();
  await h.running.built.periodic.runOnce();
  const reminded = h.slack.callsTo('chat.postMessage').filter((c) => ofBooking(c.body, id) && /^Reminder: please answer the crew call/.test(String(c.body.text))).map((c) => c.body.channel);
  expect(reminded.sort()).toEqual([`D${CAPTAIN.slice(1)}`, `D${lee.slice(1)}`].sort());
  const after = (await h.running.built.api.get(id))!;
  expect(Object.keys(after.reminders ?? {}).filter((k) => after.reminders![k]!.sentAtMs !== undefined).sort()).toEqual([`dm24:${CAPTAIN}`, `dm24:${lee}`, 'ops24'].sort());
  expect(after.roster.map((m) => m.slackUserId)).not.toContain(ana);
});

it('after a reschedule, Confirm on the old call (a reminder, the first post) and a decline modal opened before it are refused; the new call counts', async () => {
  const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-ANS4' };
  const id = await doneBooking(h, fields);
  const [lee, ana] = CREW;
  /** The value of `user`'s Confirm on the newest post or update that shows one. */
  const buttonValue = (user: string): string | undefined => {
    const sent = [...h.slack.callsTo('chat.postMessage'), ...h.slack.callsTo('chat.update')].sort((a, b) => a.atMs - b.atMs);
    for (const call of sent.reverse()) {
      const blocks = (typeof call.body.blocks === 'string' ? JSON.parse(call.body.blocks) : call.body.blocks ?? []) as { elements?: { action_id?: string; value?: string }[] }[];
      const button = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === `crew_confirm:${user}` && e.value?.startsWith(`${id}:`));
      if (button) return button.value;
    }
    return undefined;
  };
  const oldLee = buttonValue(lee)!;
  expect(oldLee).toBe(`${id}:${lee}:r1`);
  const post = (await h.running.built.api.get(id))!.slack.crewPosts![lee]!;
  // Ana opens "Can't make it" on the old call and leaves the modal open.
  h.slack.clear();
  await h.requester.interact(blockActionPayload({ userId: ana, actionId: `crew_decline:${ana}`, value: `${id}:${ana}:r1`, channelId: post.channel }));
  await h.slack.waitFor(() => h.slack.callsTo('views.open').length > 0);
  const modal = h.slack.callsTo('views.open').at(-1)!.body.view as { private_metadata: string };

  const opId = await proposeChange(h, id, 'reschedule', { ...fields, date: `${year}-07-11` });
  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === opId)?.status === 'done');
  await settle(h);
  const moved = (await h.running.built.api.get(id))!;
  expect(moved.callRevisions?.[lee]).toBe(2);

  await h.requester.interact(blockActionPayload({ userId: lee, actionId: `crew_confirm:${lee}`, value: oldLee, channelId: post.channel }));
  await h.slack.waitFor(() => ephemeralsTo(h, lee).some((t) => t.startsWith('Your crew call was updated since this message was sent')));
  const declined = await h.requester.interact(viewSubmissionPayload({ userId: ana, callbackId: 'crew_decline', privateMetadata: modal.private_metadata, values: { reason: { reason: { type: 'plain_text_input', value: 'Working that Saturday' } } } }));
  expect(JSON.stringify(declined.json)).toContain('Your crew call was updated since this message was sent');
  let now = (await h.running.built.api.get(id))!;
  expect(now.confirmations[lee]).toBeUndefined();
  expect(now.declines?.[ana]).toBeUndefined();

  // The updated post's buttons carry the new call's revision, and count.
  const newLee = buttonValue(lee)!;
  expect(newLee).toBe(`${id}:${lee}:r2`);
  await h.requester.interact(blockActionPayload({ userId: lee, actionId: `crew_confirm:${lee}`, value: newLee, channelId: post.channel }));
  now = await waitForBooking(h, id, (b) => b.confirmations[lee] !== undefined);
  expect(now.confirmations[lee]).toBeDefined();
});

it('a member taken off by a change that also moves the trip is told they are off the call they had, not the new one', async () => {
  const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-ANS5', date: `${year}-07-12`, departureTime: '16:00' };
  const id = await doneBooking(h, fields);
  const ana = CREW[1];
  const anaPost = (await h.running.built.api.get(id))!.slack.crewPosts![ana]!;
  h.slack.clear();
  const opId = await proposeChange(h, id, 'edit', { ...fields, date: `${year}-07-14`, departureTime: '10:00', crew: [CREW[0], OUTSIDER] });
  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === opId)?.status === 'done');
  await settle(h);
  const toAna = h.slack.calls.filter((c) => c.body.channel === anaPost.channel && ['chat.postMessage', 'chat.update'].includes(c.method)).map((c) => JSON.stringify(c.body));
  const post = toAna.find((b) => b.includes('Off this charter'))!;
  expect(post).toContain('Jul 12');
  expect(post).not.toContain('Jul 14');
  const note = toAna.find((b) => b.includes("You're off the charter"))!;
  expect(note).toMatch(/You're off the charter aboard JADA on \w{3}, Jul 12, \d{4} \(4:00 PM P[SD]T/);
});

it('Confirm on a 24 h reminder counts and says so privately: the reminder itself is never redrawn', async () => {
  const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-ANS6', date: `${year}-07-16` };
  const id = await doneBooking(h, fields);
  const lee = CREW[0];
  const booking = (await h.running.built.api.get(id))!;
  clock.offsetMs = checkInMsOf(booking, h.config) - 23 * 3_600_000 - Date.now();
  h.slack.clear();
  await h.running.built.periodic.runOnce();
  const reminder = h.slack.callsTo('chat.postMessage').find((c) => c.body.channel === booking.slack.crewPosts![lee]!.channel && /^Reminder: please answer/.test(String(c.body.text)) && JSON.stringify(c.body).includes(id))!;
  const ts = String(reminder.response?.ts);
  await h.requester.interact(blockActionPayload({ userId: lee, actionId: `crew_confirm:${lee}`, value: `${id}:${lee}:r1`, channelId: String(reminder.body.channel), messageTs: ts }));
  await waitForBooking(h, id, (b) => b.confirmations[lee] !== undefined);
  await h.slack.waitFor(() => ephemeralsTo(h, lee).some((t) => t.startsWith('Confirmed — thanks.')));
});
