/**
 * App Home while a change has reset the crew's answers and not yet posted their new calls (here the
 * SCC update failed, so the crew step waits for Retry): the bot refuses answers then
 * (crew-answers.ts), so the Home must not offer Confirm / Can't make it — to a deckhand, or to an
 * approver who captains. It says the call is being updated, and offers the buttons again once the
 * new call is out. Real Bolt receiver, signed requests, the Slack stand-in.
 */
import { UpstreamRejectedError } from '../../../src/integrations/errors';
import { appHomeOpenedEvent, blockActionPayload } from '../../support/slack-requests';
import { APPROVER, CAPTAIN, clickInOps, CREW, doneBooking, inDays, lastHomeViewOf, proposeChange, settle, startHarness, VALID_FIELDS, waitForBooking, type Harness } from './harness';

const scc = { down: false };
let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    env: { CHARTER_APPROVERS: `${APPROVER},${CAPTAIN}` },
    deps: {
      homeDebounceMs: 50,
      stepOverrides: {
        calendar_update: async () => ({ updated: true }),
        scc_update: async () => {
          if (scc.down) throw new UpstreamRejectedError('SCC answered 400', { code: 'SCC_REJECTED', retryable: false, operatorMessage: 'SCC refused the update.', system: 'SCC', status: 400 });
          return { updated: true };
        },
      },
    },
  });
});
afterAll(async () => {
  await h.close();
});

const lee = CREW[0];
const answerButtonsOf = (userId: string) => lastHomeViewOf(h, userId).match(new RegExp(`"action_id":"crew_(confirm|decline):${userId}"`, 'g')) ?? [];

it('offers no answer while a reschedule has not called the crew again, says why, and offers them again once it has', async () => {
  const fields = { ...VALID_FIELDS, date: inDays(2), guestName: 'Rhea Reschedule' };
  const id = await doneBooking(h, fields);
  await h.running.built.api.confirmCrew(id, lee);
  for (const userId of [lee, CAPTAIN]) expect((await h.requester.event(appHomeOpenedEvent({ userId }))).status).toBe(200);
  await h.running.built.home.idle();
  expect(lastHomeViewOf(h, lee)).toContain('you confirmed');
  expect(answerButtonsOf(lee)).toHaveLength(1);
  expect(answerButtonsOf(CAPTAIN)).toHaveLength(2);

  // The reschedule resets every answer; its SCC update fails, so the new calls are not posted.
  scc.down = true;
  const opId = await proposeChange(h, id, 'reschedule', { ...fields, date: inDays(3) });
  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  const failed = await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === opId)?.status === 'failed');
  expect(failed.operations?.find((o) => o.id === opId)?.steps?.crew_notice?.status).not.toBe('done');
  await settle(h);
  await h.running.built.home.flush();

  const crewTab = lastHomeViewOf(h, lee);
  expect(crewTab).toContain('being updated — your new call is on its way');
  expect(crewTab).not.toContain('please confirm');
  expect(answerButtonsOf(lee)).toEqual([]);
  const captainTab = lastHomeViewOf(h, CAPTAIN);
  expect(captainTab).toContain('Your call: :arrows_counterclockwise: being updated — your new call is on its way');
  expect(answerButtonsOf(CAPTAIN)).toEqual([]);

  // What the Home no longer offers is what the bot refuses.
  const click = blockActionPayload({ userId: lee, actionId: `crew_confirm:${lee}`, value: `${id}:${lee}`, channelId: '' });
  delete click.channel;
  await h.requester.interact(click);
  await h.slack.waitFor(() => h.slack.callsTo('chat.postMessage').some((c) => c.body.channel === lee && String(c.body.text).startsWith('The office is changing this charter')));
  expect((await h.running.built.api.get(id))?.confirmations[lee]).toBeUndefined();

  // Retry once SCC takes the update: the new calls go out, and the Home asks for answers again.
  scc.down = false;
  await clickInOps(h, 'booking_retry', id);
  await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === opId)?.status === 'done');
  await settle(h);
  await h.running.built.home.flush();
  expect(lastHomeViewOf(h, lee)).toContain('please confirm');
  expect(answerButtonsOf(lee)).toHaveLength(2);
  expect(lastHomeViewOf(h, CAPTAIN)).not.toContain('being updated — your new call');
  expect(answerButtonsOf(CAPTAIN)).toHaveLength(2);
});
