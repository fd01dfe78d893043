/**
 * The guest page link on a crew member's Home. A booking is on their Home from approval on, but its
 * guest page exists only once the guest_page and guest_cache steps are done: until then (or when
 * the upload failed and waits for Retry) the link would open an error page, which a deckhand may
 * well have forwarded to the guest. The approver's Home already leaves it out then.
 */
import { appHomeOpenedEvent } from '../../support/slack-requests';
import { clickInOps, CREW, inDays, lastHomeViewOf, startHarness, submitBooking, VALID_FIELDS, waitForBooking, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ deps: { homeDebounceMs: 50 } });
});
afterAll(async () => {
  await h.close();
});

it('a crew call whose guest page was never uploaded has no guest page link; it gets one once the page is live', async () => {
  h.steps.set('guest_page', { permanent: true });
  const id = await submitBooking(h, { ...VALID_FIELDS, date: inDays(2), guestName: 'Gina Guestless' });
  await clickInOps(h, 'booking_approve', id);
  await waitForBooking(h, id, (b) => b.state === 'failed');
  expect((await h.requester.event(appHomeOpenedEvent({ userId: CREW[0] }))).status).toBe(200);
  await h.running.built.home.idle();
  expect(lastHomeViewOf(h, CREW[0])).toContain('Gina');
  expect(lastHomeViewOf(h, CREW[0])).not.toContain(`/g/${id}`);

  h.steps.set('guest_page', {});
  await clickInOps(h, 'booking_retry', id);
  await waitForBooking(h, id, (b) => b.state === 'done');
  await h.running.built.home.flush();
  expect(lastHomeViewOf(h, CREW[0])).toContain(`/g/${id}|guest page>`);
});
