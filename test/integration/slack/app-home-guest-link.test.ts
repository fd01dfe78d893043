/**
 * The guest page link on a crew member's Home. Its guest page exists only once the guest_page and
 * guest_cache steps are done: until then (or when the upload failed and waits for Retry) the link
 * would open an error page, which a deckhand may well have forwarded to the guest. A charter is on
 * a crew member's Home once their crew call went out, and the set-up calls the crew only after the
 * page is live: a set-up stopped at the guest page shows them neither the charter nor a dead link.
 * The approver's Home leaves the link out too.
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

it('a charter whose guest page was never uploaded is not on a crew Home (no call yet, no dead link); it is, with its link, once the page is live and the call out', async () => {
  h.steps.set('guest_page', { permanent: true });
  const id = await submitBooking(h, { ...VALID_FIELDS, date: inDays(2), guestName: 'Gina Guestless' });
  await clickInOps(h, 'booking_approve', id);
  await waitForBooking(h, id, (b) => b.state === 'failed');
  expect((await h.requester.event(appHomeOpenedEvent({ userId: CREW[0] }))).status).toBe(200);
  await h.running.built.home.idle();
  expect(lastHomeViewOf(h, CREW[0])).not.toContain('Gina');
  expect(lastHomeViewOf(h, CREW[0])).not.toContain(`/g/${id}`);

  h.steps.set('guest_page', {});
  await clickInOps(h, 'booking_retry', id);
  await waitForBooking(h, id, (b) => b.state === 'done');
  await h.running.built.home.flush();
  expect(lastHomeViewOf(h, CREW[0])).toContain('Gina');
  expect(lastHomeViewOf(h, CREW[0])).toContain(`/g/${id}|guest page>`);
});
