/**
 * A crew answer while a change that re-calls the crew has not posted the new call: refused, since
 * the post clicked shows the old details; once the change's crew step has run, answers count again.
 * While such a change waits for Retry, crew reminders go to the members it does not touch.
 * Real Bolt receiver, signed requests, the stand-ins.
 */
import { blockActionPayload } from '../../support/slack-requests';
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

  const confirm = () => h.requester.interact(blockActionPayload({ userId: lee, actionId: `crew_confirm:${lee}`, value: `${id}:${lee}`, channelId: post.channel }));
  await confirm();
  await h.slack.waitFor(() => ephemeralsTo(h, lee).some((t) => t.startsWith('The office is changing this charter')));
  expect((await h.running.built.api.get(id))?.confirmations[lee]).toBeUndefined();

  h.standins!.scc.faults.clear();
  await clickInOps(h, 'booking_retry', id, APPROVER);
  await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === opId)?.status === 'done');
  await settle(h);
  await confirm();
  await waitForBooking(h, id, (b) => b.confirmations[lee] !== undefined);
});

it('a member whose updated call went out answers it, though the change failed on someone else\'s post', async () => {
  const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-ANS2' };
  const id = await doneBooking(h, fields);
  const lee = CREW[0];
  const opId = await proposeChange(h, id, 'reschedule', { ...fields, departureTime: '17:00', crew: [...CREW, OUTSIDER] });
  // Otto's account is deactivated after the form checked it: the crew step fails on his DM alone.
  h.slack.setUser({ id: OUTSIDER, realName: 'Otto Outsider', deleted: true });
  try {
    h.slack.clear();
    await clickInOps(h, 'change_approve', `${id}:${opId}`);
    const failed = await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === opId)?.status === 'failed');
    await settle(h);
    expect(failed.operations?.find((o) => o.id === opId)?.steps?.crew_notice?.status).toBe('failed');
    const post = failed.slack.crewPosts![lee]!;
    await h.requester.interact(blockActionPayload({ userId: lee, actionId: `crew_confirm:${lee}`, value: `${id}:${lee}`, channelId: post.channel }));
    await waitForBooking(h, id, (b) => b.confirmations[lee] !== undefined);
    expect(ephemeralsTo(h, lee).filter((t) => t.startsWith('The office is changing this charter'))).toEqual([]);
  } finally {
    h.slack.setUser({ id: OUTSIDER, realName: 'Otto Outsider' });
  }
});

it('while a crew swap whose call failed waits for Retry, the members it does not touch are still reminded at 24 h', async () => {
  const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-ANS3' };
  const id = await doneBooking(h, fields);
  const [lee, ana] = CREW;
  const opId = await proposeChange(h, id, 'crew swap', { ...fields, crew: [lee, OUTSIDER] });
  // Otto's account is deactivated after the form checked it: the change's crew step fails on his DM.
  h.slack.setUser({ id: OUTSIDER, realName: 'Otto Outsider', deleted: true });
  try {
    await clickInOps(h, 'change_approve', `${id}:${opId}`);
    const failed = await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === opId)?.status === 'failed');
    await settle(h);
    expect(failed.operations?.find((o) => o.id === opId)?.steps?.crew_notice?.status).toBe('failed');

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
  } finally {
    h.slack.setUser({ id: OUTSIDER, realName: 'Otto Outsider' });
  }
});
