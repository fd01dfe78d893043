/**
 * A new charter request on an approver's open Home tab. Approvals are what the tab lists first, and
 * the request was saved through this very process: the tab is refreshed with it at once, as for any
 * other change (debounced), not only by the periodic refresh a minute later.
 */
import { appHomeOpenedEvent } from '../../support/slack-requests';
import { APPROVER, inDays, lastHomeViewOf, startHarness, submitBooking, VALID_FIELDS, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ deps: { homeDebounceMs: 50 } });
});
afterAll(async () => {
  await h.close();
});

it('an open approver tab lists a request submitted after it was opened', async () => {
  expect((await h.requester.event(appHomeOpenedEvent({ userId: APPROVER }))).status).toBe(200);
  await h.running.built.home.idle();
  expect(lastHomeViewOf(h, APPROVER)).not.toContain('Waiting for approval');

  const id = await submitBooking(h, { ...VALID_FIELDS, date: inDays(3), guestName: 'Nina Newrequest' });
  await h.running.built.home.idle();
  const shown = lastHomeViewOf(h, APPROVER);
  expect(shown).toContain('Waiting for approval (1)');
  expect(shown).toContain(`"value":"${id}"`);
});
