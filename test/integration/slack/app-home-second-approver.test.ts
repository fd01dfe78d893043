/**
 * App Home with CHARTER_REQUIRE_SECOND_APPROVER=true: the creator of a request may not approve it
 * (the service refuses the click). Their Home must not offer them an Approve that can only be
 * refused; it says another approver is needed, as the approval message does. Other approvers
 * still get Approve.
 */
import { appHomeOpenedEvent } from '../../support/slack-requests';
import { APPROVER, inDays, lastHomeViewOf, startHarness, submitBooking, VALID_FIELDS, type Harness } from './harness';

const SECOND = 'U0APPROVE2';
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { CHARTER_APPROVERS: `${APPROVER},${SECOND}`, CHARTER_REQUIRE_SECOND_APPROVER: 'true' }, deps: { homeDebounceMs: 50 } });
});
afterAll(async () => {
  await h.close();
});

it('the creator sees their request without Approve, saying another approver is needed; the other approver gets Approve', async () => {
  const id = await submitBooking(h, { ...VALID_FIELDS, date: inDays(3), guestName: 'Sara Second' }); // created by APPROVER
  for (const userId of [APPROVER, SECOND]) expect((await h.requester.event(appHomeOpenedEvent({ userId }))).status).toBe(200);
  await h.running.built.home.idle();
  const creator = lastHomeViewOf(h, APPROVER);
  expect(creator).toContain('Sara');
  expect(creator).not.toContain(`"action_id":"booking_approve","style":"primary","text":{"type":"plain_text","text":"Approve"},"value":"${id}"`);
  expect(creator).toContain('needs an approver other than you');
  expect(creator).toContain(`"action_id":"booking_details","text":{"type":"plain_text","text":"Details"},"value":"${id}"`);
  expect(lastHomeViewOf(h, SECOND)).toContain(`"action_id":"booking_approve","style":"primary","text":{"type":"plain_text","text":"Approve"},"value":"${id}"`);
});
