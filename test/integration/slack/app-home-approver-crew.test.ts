/**
 * An approver who is also on a roster (the owner who captains): their Home is the approver's view,
 * and their own unanswered crew call there must still offer Confirm and Can't make it, as a crew
 * member's Home does. Otherwise the one person who sees every charter cannot answer for their own.
 */
import { appHomeOpenedEvent, homeActionPayload } from '../../support/slack-requests';
import { APPROVER, buttonValueOn, CAPTAIN, doneBooking, inDays, lastHomeViewOf, startHarness, VALID_FIELDS, waitForBooking, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { CHARTER_APPROVERS: `${APPROVER},${CAPTAIN}` }, deps: { homeDebounceMs: 50 } });
});
afterAll(async () => {
  await h.close();
});

it('an approver who captains a charter can confirm it from Home, and no one else gets their button', async () => {
  const id = await doneBooking(h, { ...VALID_FIELDS, date: inDays(2), guestName: 'Olive Owner' });
  for (const userId of [APPROVER, CAPTAIN]) expect((await h.requester.event(appHomeOpenedEvent({ userId }))).status).toBe(200);
  await h.running.built.home.idle();
  const captainView = lastHomeViewOf(h, CAPTAIN);
  expect(captainView).toContain('Charters — next 14 days'); // the approver's view
  expect(captainView).toContain(`"action_id":"crew_confirm:${CAPTAIN}"`);
  expect(captainView).toContain(`"action_id":"crew_decline:${CAPTAIN}"`);
  expect(lastHomeViewOf(h, APPROVER)).not.toContain('crew_confirm');

  // Their buttons carry the revision of the call shown, as a crew member's do: a tab left behind by a change is refused.
  const value = buttonValueOn(captainView, `crew_confirm:${CAPTAIN}`, id);
  expect([value, buttonValueOn(captainView, `crew_decline:${CAPTAIN}`, id)]).toEqual([`${id}:${CAPTAIN}:r1`, `${id}:${CAPTAIN}:r1`]);
  expect((await h.requester.interact(homeActionPayload({ userId: CAPTAIN, actionId: `crew_confirm:${CAPTAIN}`, value }))).status).toBe(200);
  await waitForBooking(h, id, (b) => b.confirmations[CAPTAIN] !== undefined);
  // The answer refreshes open tabs: theirs ends up without the buttons.
  await h.slack.waitFor(() => lastHomeViewOf(h, CAPTAIN).includes(':white_check_mark: <@U0CAPTAIN1> (captain)'));
  expect(lastHomeViewOf(h, CAPTAIN)).not.toContain(`"action_id":"crew_confirm:${CAPTAIN}"`);
});
