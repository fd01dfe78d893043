/**
 * App Home while a change has reset the crew's answers and not yet posted their new calls (here the
 * SCC update failed, so the crew step waits for Retry): the bot refuses answers then
 * (crew-answers.ts), so the Home must not offer Confirm / Can't make it — to a deckhand, or to an
 * approver who captains. It says the call is being updated, and offers the buttons again once the
 * new call is out. Once the change is done, a tab still showing the call it replaced (Slack refused
 * the republish, or the debounce has not run) answers nothing: its buttons carry the revision of
 * the call they show, as the crew post's do. Real Bolt receiver, signed requests, the Slack stand-in.
 */
import { UpstreamRejectedError } from '../../../src/integrations/errors';
import { appHomeOpenedEvent, blockActionPayload, homeActionPayload } from '../../support/slack-requests';
import { APPROVER, buttonValueOn, CAPTAIN, clickInOps, CREW, doneBooking, inDays, lastHomeViewOf, proposeChange, settle, startHarness, VALID_FIELDS, waitForBooking, type Harness } from './harness';

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

const STALE_CALL_REPLY = 'Your crew call was updated since this message was sent';
/** On Home there is no message: the reply says the tab was behind and is drawn again. */
const STALE_HOME_REPLY = 'That answer was not taken: your Home tab was drawn for your crew call before it last changed';
const dmsTo = (userId: string) => h.slack.callsTo('chat.postMessage').filter((c) => c.body.channel === userId).map((c) => String(c.body.text));
const publishedTo = (userId: string) => h.slack.callsTo('views.publish').filter((c) => c.body.user_id === userId && c.response.ok === true);

async function reschedule(id: string, fields: typeof VALID_FIELDS & { date: string }, departureTime: string): Promise<number> {
  const opId = await proposeChange(h, id, 'reschedule', { ...fields, departureTime });
  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === opId)?.status === 'done');
  await settle(h);
  await h.running.built.home.flush();
  return (await h.running.built.api.get(id))!.callRevisions![lee]!;
}

it('a tab Slack left showing the call a reschedule replaced neither confirms nor declines the new one: refused as a stale crew post is, and drawn afresh', async () => {
  const fields = { ...VALID_FIELDS, date: inDays(4), guestName: 'Stella Stale' };
  const id = await doneBooking(h, fields);
  expect((await h.requester.event(appHomeOpenedEvent({ userId: lee }))).status).toBe(200);
  await h.running.built.home.idle();
  const shown = lastHomeViewOf(h, lee);
  const oldConfirm = buttonValueOn(shown, `crew_confirm:${lee}`, id);
  const oldDecline = buttonValueOn(shown, `crew_decline:${lee}`, id);
  expect([oldConfirm, oldDecline]).toEqual([`${id}:${lee}:r1`, `${id}:${lee}:r1`]);

  // Slack refuses every republish of Lee's tab while the reschedule runs: it keeps showing 4:00 PM.
  let refusing = true;
  h.slack.failNext('views.publish', 1000, 'internal_error', (b) => refusing && b.user_id === lee);
  const revision = await reschedule(id, fields, '18:00');
  refusing = false;
  expect(revision).toBeGreaterThan(1);

  h.slack.clear();
  await h.requester.interact(homeActionPayload({ userId: lee, actionId: `crew_confirm:${lee}`, value: oldConfirm }));
  await h.slack.waitFor(() => dmsTo(lee).some((t) => t.startsWith(STALE_HOME_REPLY)) && publishedTo(lee).length > 0);
  await settle(h);
  expect((await h.running.built.api.get(id))?.confirmations[lee]).toBeUndefined();
  expect(h.slack.callsTo('chat.postMessage').filter((c) => String(c.body.text).includes(`<@${lee}> confirmed`))).toEqual([]);
  // The refusal put the tab right: the new time, and buttons for the new call.
  const redrawn = lastHomeViewOf(h, lee);
  expect(redrawn).toContain('6:00 PM');
  const newConfirm = buttonValueOn(redrawn, `crew_confirm:${lee}`, id);
  expect(newConfirm).toBe(`${id}:${lee}:r${revision}`);

  // Can't make it on the old tab is refused too: no form opens for a call it never showed.
  await h.requester.interact(homeActionPayload({ userId: lee, actionId: `crew_decline:${lee}`, value: oldDecline }));
  await h.slack.waitFor(() => dmsTo(lee).filter((t) => t.startsWith(STALE_HOME_REPLY)).length === 2);
  expect(h.slack.callsTo('views.open')).toEqual([]);

  // The tab as drawn now answers the new call.
  await h.requester.interact(homeActionPayload({ userId: lee, actionId: `crew_confirm:${lee}`, value: newConfirm }));
  await waitForBooking(h, id, (b) => b.confirmations[lee] !== undefined);
  await settle(h);
});

it('a button drawn before buttons carried a revision answers the first call only: after a reschedule it is refused, on Home and on a crew post', async () => {
  const fields = { ...VALID_FIELDS, date: inDays(5), guestName: 'Olive Oldbutton' };
  const id = await doneBooking(h, fields);
  await reschedule(id, fields, '18:00');
  const post = (await h.running.built.api.get(id))!.slack.crewPosts![lee]!;

  h.slack.clear();
  // A tab published before this version (no revision), clicked in the seconds before it is republished.
  await h.requester.interact(homeActionPayload({ userId: lee, actionId: `crew_confirm:${lee}`, value: `${id}:${lee}` }));
  await h.slack.waitFor(() => dmsTo(lee).some((t) => t.startsWith(STALE_HOME_REPLY)));
  await h.slack.waitFor(() => publishedTo(lee).length > 0);
  // A crew post of that age whose redraw did not land: refused, and redrawn with the call as it is.
  await h.requester.interact(blockActionPayload({ userId: lee, actionId: `crew_confirm:${lee}`, value: `${id}:${lee}`, channelId: post.channel, messageTs: post.ts }));
  await h.slack.waitFor(() => h.slack.callsTo('chat.postEphemeral').some((c) => c.body.user === lee && String(c.body.text).startsWith(STALE_CALL_REPLY)));
  await h.slack.waitFor(() => h.slack.callsTo('chat.update').some((c) => c.body.ts === post.ts));
  await settle(h);
  expect((await h.running.built.api.get(id))?.confirmations[lee]).toBeUndefined();
});
