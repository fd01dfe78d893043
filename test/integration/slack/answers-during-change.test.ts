/**
 * A crew answer while a change that re-calls the crew has not posted the new call: refused, since
 * the post clicked shows the old details; once the change's crew step has run, answers count again.
 * Real Bolt receiver, signed requests, the stand-ins.
 */
import { blockActionPayload } from '../../support/slack-requests';
import { APPROVER, CREW, clickInOps, doneBooking, ephemeralsTo, OUTSIDER, proposeChange, settle, startHarness, VALID_FIELDS, waitForBooking, type Harness } from './harness';

jest.setTimeout(60_000);

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ real: true });
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
