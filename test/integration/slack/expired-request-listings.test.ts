/**
 * A request that expired unapproved, and a booking that failed and whose Retry closed at departure,
 * stop being listed by the clock-driven listings two days after their charter (as done and
 * cancelled ones do), and stay readable by id. The new request the expired message asks for (same
 * platform reference) is not flagged as its duplicate. Real Bolt receiver, signed requests, the
 * Slack stand-in, SQLite on disk; the app's clock is moved.
 */
import { DateTime } from 'luxon';
import { blockActionPayload } from '../../support/slack-requests';
import { APPROVER, approvalPosts, OPS_CHANNEL, settle, startHarness, submitBooking, VALID_FIELDS, waitForBooking, type Harness } from './harness';

jest.setTimeout(60_000);

const TZ = 'America/Los_Angeles';
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs, setTo: (ms: number) => void (clock.offsetMs = ms - Date.now()) };
const at = (iso: string) => DateTime.fromISO(iso, { zone: TZ }).toMillis();
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { CHARTER_SWEEP_MS: '600000' }, deps: { now: clock.now } });
});
afterAll(async () => {
  await h.close();
});

it('an expired request and a failed booking past departure leave the listings; the rebooked request is no duplicate', async () => {
  clock.setTo(at('2027-07-01T09:00'));
  const expired = await submitBooking(h, { ...VALID_FIELDS, date: '2027-07-03', departureTime: '16:00', boatsetterRef: 'BS-EXP77', guestName: 'Ed Expired' });
  const failed = await submitBooking(h, { ...VALID_FIELDS, date: '2027-07-03', departureTime: '10:00', boatsetterRef: 'BS-FAIL77', guestName: 'Fay Failed' });
  h.steps.set('scc_event', { permanent: true });
  await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'booking_approve', value: failed, channelId: OPS_CHANNEL }));
  await waitForBooking(h, failed, (b) => b.state === 'failed');
  await settle(h);
  h.steps.set('scc_event', {});

  clock.setTo(at('2027-07-03T17:00'));
  await h.running.built.periodic.runOnce();
  await settle(h);
  expect((await h.running.built.api.get(expired))?.approvalNotices?.expiredAtMs).toBeDefined();

  // "Nothing was booked; create a new request if the charter is rescheduled."
  const rebooked = await submitBooking(h, { ...VALID_FIELDS, date: '2027-07-10', departureTime: '16:00', boatsetterRef: 'BS-EXP77', guestName: 'Ed Expired' });
  const post = approvalPosts(h.slack).find((c) => JSON.stringify(c.body.metadata ?? {}).includes(rebooked));
  expect(JSON.stringify(post?.body.blocks)).not.toContain('duplicate');
  expect((await h.running.built.api.get(rebooked))?.warnings ?? []).toEqual([]);

  const listed = async (nowMs: number) => (await h.running.built.store.listCurrent(['pending_approval', 'failed'], nowMs)).map((b) => b.id).filter((id) => [expired, failed, rebooked].includes(id));
  // The day after: still listed (the same two days done and cancelled ones get).
  expect((await listed(at('2027-07-04T17:00'))).sort()).toEqual([expired, failed, rebooked].sort());
  // A week on, only the request still to come; the others are read by id.
  expect(await listed(at('2027-07-08T09:00'))).toEqual([rebooked]);
  expect(await listed(at('2028-07-03T17:00'))).toEqual([]);
  expect((await h.running.built.api.get(expired))?.state).toBe('pending_approval');
  expect((await h.running.built.api.get(failed))?.state).toBe('failed');
});
