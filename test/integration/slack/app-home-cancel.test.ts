/**
 * App Home while a charter is being cancelled: the cancel operation runs (or failed and waits for
 * Retry) before the booking becomes `cancelled`. Meanwhile the Confirm button is refused ("This
 * charter was cancelled"), so a crew member's Home must not ask them to confirm it, and an
 * approver's must not say it is being set up or all set.
 *
 * This harness has no implementation of the cancel's steps (calendar_delete, scc_cancel), so its
 * cancel fails, as one does when SCC or the dashboard is down: the booking stays `failed` with the
 * cancel operation pending Retry.
 */
import { cancelOperation } from '../../../src/pipeline/operations';
import { appHomeOpenedEvent, blockActionPayload } from '../../support/slack-requests';
import { blocksToText } from '../../../src/slack/blocks/to-text';
import { APPROVER, CAPTAIN, clickInOps, CREW, doneBooking, inDays, lastHomeViewOf, OPS_CHANNEL, settle, startHarness, submitBooking, VALID_FIELDS, waitForBooking, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ deps: { homeDebounceMs: 50 } });
});
afterAll(async () => {
  await h.close();
});

it('a charter whose cancel is under way or failed is shown as cancelled: no Confirm for crew, no "all set" for approvers', async () => {
  const id = await doneBooking(h, { ...VALID_FIELDS, date: inDays(2), guestName: 'Carla Cancelled' });
  for (const userId of [APPROVER, CREW[0]]) expect((await h.requester.event(appHomeOpenedEvent({ userId }))).status).toBe(200);
  await h.running.built.home.idle();
  expect(lastHomeViewOf(h, CREW[0])).toContain(`"value":"${id}:${CREW[0]}:r1"`);

  await clickInOps(h, 'booking_cancel', id);
  const failed = await waitForBooking(h, id, (b) => b.state === 'failed');
  expect(cancelOperation(failed)?.status).toBe('failed');
  await h.running.built.home.flush();

  const crew = lastHomeViewOf(h, CREW[0]);
  expect(crew).toContain('Carla');
  expect(crew).not.toContain(`"value":"${id}:${CREW[0]}`); // neither Confirm nor Can't make it
  expect(crew).not.toContain('please confirm');
  expect(crew).toContain('cancelled');
  const approver = lastHomeViewOf(h, APPROVER);
  expect(approver).toContain('Carla');
  expect(approver).toMatch(/cancel/i);
  // The cancel failed before its crew step: nobody was told yet, and nobody is asked either.
  expect(failed.operations?.find((o) => o.kind === 'cancel')?.steps?.crew_notice?.status).not.toBe('done');
  expect(approver).toContain('Crew — no longer asked: the charter is being cancelled · had not answered:');
  expect(approver).not.toContain(':question:');

  // A second Cancel is told the first failed part-way and how to finish it, not "already cancelled".
  h.slack.clear();
  await clickInOps(h, 'booking_cancel', id);
  await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'));
  expect(String(h.slack.callsTo('chat.postEphemeral')[0]?.body.text)).toBe(`This charter's cancel (by <@${APPROVER}>) failed part-way: *Retry failed steps* on its progress message finishes it.`);
});

describe('with the real steps', () => {
  let real: Harness;
  beforeAll(async () => {
    real = await startHarness({ real: true, deps: { homeDebounceMs: 50 } });
  });
  afterAll(async () => {
    await real.close();
  });

  it('a cancel that failed after telling the crew: the approver Home says so, as the progress message does, with no one marked as still to answer', async () => {
    const id = await doneBooking(real, { ...VALID_FIELDS, date: inDays(2), guestName: 'Dora Declined', boatsetterRef: 'BS-O3-0001' });
    expect((await real.requester.event(appHomeOpenedEvent({ userId: APPROVER }))).status).toBe(200);
    await real.running.built.home.idle();
    const booked = (await real.running.built.api.get(id))!;
    await real.requester.interact(blockActionPayload({ userId: CREW[0], actionId: `crew_confirm:${CREW[0]}`, value: `${id}:${CREW[0]}`, channelId: booked.slack.crewPosts![CREW[0]]!.channel }));
    await waitForBooking(real, id, (b) => b.confirmations[CREW[0]] !== undefined);
    // The dashboard refuses the calendar delete; the cancel's other steps, the crew's among them, run.
    real.standins!.dashboard.faults.inject('DELETE *', { kind: 'status', status: 400 });
    try {
      await clickInOps(real, 'booking_cancel', id);
      const failed = await waitForBooking(real, id, (b) => b.state === 'failed');
      expect(cancelOperation(failed)?.steps?.crew_notice?.status).toBe('done');
      await real.running.built.home.flush();
    } finally {
      real.standins!.dashboard.faults.clear();
    }
    const approver = lastHomeViewOf(real, APPROVER);
    // Needs attention it does (the calendar entry is still there, Retry offered), but the crew were told.
    expect(approver).toContain(':warning: cancelling, needs attention');
    expect(approver).toContain('"action_id":"booking_retry"');
    expect(approver).toContain(`Crew — told the charter is cancelled · :white_check_mark: <@${CREW[0]}> · had not answered: <@${CAPTAIN}> (captain), <@${CREW[1]}>`);
    expect(approver).not.toContain(':question:');
    const progressTs = (await real.running.built.api.get(id))!.slack.progressTs;
    expect(blocksToText(real.slack.messages(OPS_CHANNEL).find((m) => m.ts === progressTs)?.blocks as never)).toContain('*Crew* — told the charter is cancelled');
  });

  it('a cancel that failed on a charter whose crew call never went out: the approver Home says they were never called, not that they had not answered', async () => {
    real.standins!.scc.faults.inject('POST /events', { kind: 'unauthorized' });
    let id: string;
    try {
      id = await submitBooking(real, { ...VALID_FIELDS, date: inDays(2), guestName: 'Nora Nevercalled', boatsetterRef: 'BS-R2-0001' });
      await clickInOps(real, 'booking_approve', id);
      await waitForBooking(real, id, (b) => b.state === 'failed');
    } finally {
      real.standins!.scc.faults.clear();
    }
    await settle(real);
    expect((await real.requester.event(appHomeOpenedEvent({ userId: APPROVER }))).status).toBe(200);
    await real.running.built.home.idle();
    real.standins!.dashboard.faults.inject('DELETE *', { kind: 'status', status: 400 });
    try {
      await clickInOps(real, 'booking_cancel', id);
      await waitForBooking(real, id, (b) => b.state === 'failed' && cancelOperation(b)?.status === 'failed');
      await settle(real);
      await real.running.built.home.flush();
    } finally {
      real.standins!.dashboard.faults.clear();
    }
    const approver = lastHomeViewOf(real, APPROVER);
    const line = /Nora[^"]*/.exec(approver)?.[0] ?? '';
    expect(line).toContain(':warning: cancelling, needs attention');
    expect(line).toContain(`Crew — never called: <@${CAPTAIN}> (captain), <@${CREW[0]}>, <@${CREW[1]}>`);
    expect(line).not.toContain('had not answered');
    expect(line).not.toContain(':question:');
  });
});
