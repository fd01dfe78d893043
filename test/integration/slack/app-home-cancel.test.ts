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
import { appHomeOpenedEvent } from '../../support/slack-requests';
import { APPROVER, clickInOps, CREW, doneBooking, inDays, lastHomeViewOf, startHarness, VALID_FIELDS, waitForBooking, type Harness } from './harness';

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
});
