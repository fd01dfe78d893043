/**
 * The approval watch re-surfaces a request still pending 24 h before check-in, once. A request made
 * inside those 24 h (a next-morning charter booked in the evening) was just posted: it is not posted
 * again a minute later. One made before them still is. A check-in in the small hours is named by the
 * night it falls in, as everywhere else. Real Bolt receiver, the Slack stand-in; the app's clock is moved.
 */
import { DateTime } from 'luxon';
import { OPS_CHANNEL, startHarness, submitBooking, VALID_FIELDS, type Harness } from './harness';

jest.setTimeout(60_000);

const TZ = 'America/Los_Angeles';
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs, setTo: (iso: string) => void (clock.offsetMs = DateTime.fromISO(iso, { zone: TZ }).toMillis() - Date.now()) };
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { CHARTER_SWEEP_MS: '600000' }, deps: { now: clock.now } });
});
afterAll(async () => {
  await h.close();
});

const stillWaiting = () => h.slack.callsTo('chat.postMessage').filter((c) => c.body.channel === OPS_CHANNEL && String(c.body.text).startsWith('Still waiting for approval'));

it('a request for tomorrow 10 AM made at 7 PM is not posted again; one made two days ahead is, once', async () => {
  clock.setTo('2027-02-08T10:00');
  await submitBooking(h, { ...VALID_FIELDS, date: '2027-02-11', departureTime: '09:00', durationHours: '3', boatsetterRef: 'BS-EARLY1', guestName: 'Early Booker' });
  clock.setTo('2027-02-10T19:00');
  await submitBooking(h, { ...VALID_FIELDS, date: '2027-02-11', departureTime: '10:00', durationHours: '3', boatsetterRef: 'BS-LATE1', guestName: 'Late Booker' });

  h.slack.clear();
  for (const minute of ['19:01', '19:02', '23:00']) {
    clock.setTo(`2027-02-10T${minute}`);
    await h.running.built.periodic.runOnce();
  }
  expect(stillWaiting().map((c) => String(c.body.text))).toEqual(['Still waiting for approval: Early Booker, guests check in Thu, Feb 11, 2027, 8:30 AM PST']);
});

it('the re-surface of a 12:30 AM New Year departure says check-in is on Thursday night', async () => {
  clock.setTo('2026-12-27T10:00');
  await submitBooking(h, { ...VALID_FIELDS, date: '2027-01-01', departureTime: '00:30', durationHours: '2', boatsetterRef: 'BS-NYE3', guestName: 'Pat Pending' });
  h.slack.clear();
  clock.setTo('2026-12-31T08:00');
  await h.running.built.periodic.runOnce();
  const [post] = stillWaiting();
  expect(String(post?.body.text)).toBe('Still waiting for approval: Pat Pending, guests check in Fri, Jan 1, 2027, 12:00 AM PST (Thu night)');
  expect(JSON.stringify(post?.body.blocks)).toContain('guests check in *Fri, Jan 1, 2027, 12:00 AM PST (Thu night)*');
});
