/**
 * A crew member may change their answer until departure (the crew post offers Can't make it after
 * Confirm, and Confirm after all after Can't make it). Their Home must offer the same: a deckhand
 * who confirmed and then fell ill opens Home and finds a way to say so.
 */
import { appHomeOpenedEvent, homeActionPayload } from '../../support/slack-requests';
import { buttonValueOn, CREW, doneBooking, inDays, lastHomeViewOf, settle, startHarness, VALID_FIELDS, waitForBooking, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ deps: { homeDebounceMs: 50 } });
});
afterAll(async () => {
  await h.close();
});

it('after Confirm the Home offers Can’t make it, and after Can’t make it it offers Confirm', async () => {
  const lee = CREW[0];
  const id = await doneBooking(h, { ...VALID_FIELDS, date: inDays(2), guestName: 'Cora Change' });
  expect((await h.requester.event(appHomeOpenedEvent({ userId: lee }))).status).toBe(200);
  await h.running.built.home.idle();

  // Confirm from Home, with the value the tab's button carries (the call's revision with it).
  const value = buttonValueOn(lastHomeViewOf(h, lee), `crew_confirm:${lee}`);
  expect(value).toBe(`${id}:${lee}:r1`);
  h.slack.clear();
  await h.requester.interact(homeActionPayload({ userId: lee, actionId: `crew_confirm:${lee}`, value }));
  await h.slack.waitFor(() => lastHomeViewOf(h, lee).includes('you confirmed'));
  await settle(h);
  await h.running.built.home.idle();
  // The tab redrawn is the answer: no reply message (none about a "reminder"; Home has no channel for an ephemeral one).
  expect(h.slack.calls.filter((c) => ['chat.postMessage', 'chat.postEphemeral'].includes(c.method) && (c.body.channel === lee || c.body.user === lee))).toEqual([]);
  expect(lastHomeViewOf(h, lee)).toContain(`"action_id":"crew_decline:${lee}"`);
  expect(lastHomeViewOf(h, lee)).not.toContain(`"action_id":"crew_confirm:${lee}"`);

  await h.running.built.api.declineCrew(id, lee, 'flu');
  await waitForBooking(h, id, (b) => b.declines?.[lee] !== undefined);
  h.running.built.home.changed();
  await h.running.built.home.flush();
  expect(lastHomeViewOf(h, lee)).toContain('you declined');
  expect(lastHomeViewOf(h, lee)).toContain(`"action_id":"crew_confirm:${lee}"`);
  expect(lastHomeViewOf(h, lee)).not.toContain(`"action_id":"crew_decline:${lee}"`);
});
