/**
 * The iCal watcher where a feed's news is easy to get wrong: another platform's booking in the
 * same slot, a feed that comes back empty for a moment, and an event cancelled, re-added and
 * cancelled again. Real HTTP feeds, the Slack stand-in, the app's own periodic scheduler.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { startIcalFeedStandin, type IcalFeedStandin, type StandinEvent } from '../../../src/sandbox/ical-feed-standin';
import type { RecordedSlackCall } from '../../../src/sandbox/slack-api-standin';
import { APPROVER, clickInOps, startHarness, submitBooking, VALID_FIELDS, waitForBooking, type Harness } from '../slack/harness';

let feed: IcalFeedStandin;
let dir: string;
let h: Harness;

const LA = 'America/Los_Angeles';
const base = DateTime.now().setZone(LA).startOf('day').plus({ days: 40 });
const local = (weeks: number, time: string) => DateTime.fromISO(`${base.plus({ weeks }).toISODate()}T${time}`, { zone: LA });
const at = (weeks: number, from: string, to: string): Pick<StandinEvent, 'start' | 'end'> => ({ start: local(weeks, from).toJSDate(), end: local(weeks, to).toJSDate() });
const isoDate = (weeks: number) => local(weeks, '00:00').toISODate() ?? '';

const notices = (): RecordedSlackCall[] => h.slack.callsTo('chat.postMessage').filter((c) => /^(New |Boatsetter |GetMyBoat )/.test(String(c.body.text)));
const poll = () => h.running.built.periodic.runOnce();

beforeAll(async () => {
  feed = await startIcalFeedStandin();
  dir = mkdtempSync(join(tmpdir(), 'charter-ical-rounds-'));
  feed.setEvents('boatsetter', []);
  feed.setEvents('getmyboat', []);
  h = await startHarness({ env: { CHARTER_ICAL_FEEDS: `Boatsetter=${feed.feedUrl('boatsetter')},GetMyBoat=${feed.feedUrl('getmyboat')}`, CHARTER_STORE: `sqlite:${join(dir, 'charter.db')}` } });
  await poll();
});
afterAll(async () => {
  await h.close();
  await feed.close();
  rmSync(dir, { recursive: true, force: true });
});

it('a GetMyBoat booking in the slot of a Boatsetter charter is news, not that charter', async () => {
  await submitBooking(h, { ...VALID_FIELDS, date: isoDate(0), departureTime: '10:00', durationHours: '4', boatsetterRef: undefined, platform: 'Boatsetter', platformRef: 'BS-7001' } as never);
  h.slack.clear();
  feed.setEvents('getmyboat', [{ uid: 'gmb-77781@getmyboat.com', ...at(0, '10:00', '13:00'), summary: 'GetMyBoat trip' }]);
  await poll();
  expect(notices().map((c) => String(c.body.text))).toEqual([expect.stringMatching(/^New GetMyBoat booking · .*10:00 AM – 1:00 PM P[SD]T$/)]);
});

it('a feed that comes back empty once posts nothing; empty again, its charters hear they are no longer listed', async () => {
  const trip: StandinEvent = { uid: 'bs-7101@boatsetter.com', ...at(1, '10:00', '14:00'), summary: 'Boatsetter booking', description: 'Booking ID: BS-7101' };
  const id = await submitBooking(h, { ...VALID_FIELDS, date: isoDate(1), departureTime: '10:00', durationHours: '4', boatsetterRef: undefined, platform: 'Boatsetter', platformRef: 'BS-7101' } as never);
  feed.setEvents('boatsetter', [trip]);
  await poll();
  h.slack.clear();

  feed.setEvents('boatsetter', []);
  await poll();
  expect(notices()).toEqual([]);
  // Back to normal: still nothing to say.
  feed.setEvents('boatsetter', [trip]);
  await poll();
  expect(notices()).toEqual([]);

  feed.setEvents('boatsetter', []);
  await poll();
  await poll();
  const booking = await h.running.built.api.get(id);
  expect(notices().map((c) => [String(c.body.text), c.body.thread_ts])).toEqual([[expect.stringMatching(/^Boatsetter no longer lists it/), booking?.slack.approvalTs]]);
});

it('an empty answer, then the feed as it was (a 304): the next lone empty answer is held again', async () => {
  const trip: StandinEvent = { uid: 'bs-7151@boatsetter.com', ...at(1, '15:00', '18:00'), summary: 'Boatsetter booking', description: 'Booking ID: BS-7151' };
  await submitBooking(h, { ...VALID_FIELDS, date: isoDate(1), departureTime: '15:00', durationHours: '3', boatsetterRef: undefined, platform: 'Boatsetter', platformRef: 'BS-7151' } as never);
  feed.setEvents('boatsetter', [trip]);
  await poll();
  h.slack.clear();
  feed.setEvents('boatsetter', []);
  await poll(); // held
  feed.setEvents('boatsetter', [trip]);
  await poll(); // as it was: answered 304 to the validators of the state before the blip
  await poll();
  feed.setEvents('boatsetter', []);
  await poll(); // a new blip, days later: held too
  expect(notices()).toEqual([]);
  feed.setEvents('boatsetter', [trip]);
  await poll();
});

it('an event cancelled, re-added and cancelled again is news each time', async () => {
  const trip: StandinEvent = { uid: 'bs-7201@boatsetter.com', ...at(2, '10:00', '14:00'), summary: 'Boatsetter booking', description: 'Booking ID: BS-7201' };
  const other: StandinEvent = { uid: 'bs-7299@boatsetter.com', ...at(5, '10:00', '12:00'), summary: 'Boatsetter booking' };
  const charter = async () => submitBooking(h, { ...VALID_FIELDS, date: isoDate(2), departureTime: '10:00', durationHours: '4', boatsetterRef: undefined, platform: 'Boatsetter', platformRef: 'BS-7201' } as never);
  h.slack.clear();
  feed.setEvents('boatsetter', [trip, other]);
  await poll();
  expect(notices().filter((c) => String(c.body.text).includes('10:00 AM – 2:00 PM'))).toHaveLength(1);

  const first = await charter();
  feed.setEvents('boatsetter', [{ ...trip, status: 'CANCELLED' }, other]);
  await poll();
  expect(notices().filter((c) => String(c.body.text).startsWith('Boatsetter marked it cancelled'))).toHaveLength(1);
  await clickInOps(h, 'booking_cancel', first, APPROVER);
  await waitForBooking(h, first, (b) => b.state === 'cancelled');

  // Re-added with the same UID and times: a new booking to make.
  h.slack.clear();
  feed.setEvents('boatsetter', [trip, other]);
  await poll();
  expect(notices().map((c) => String(c.body.text))).toEqual([expect.stringMatching(/^New Boatsetter booking · .*10:00 AM – 2:00 PM/)]);

  // Made again, and cancelled again: the new charter hears it.
  const second = await charter();
  h.slack.clear();
  feed.setEvents('boatsetter', [{ ...trip, status: 'CANCELLED' }, other]);
  await poll();
  const again = notices();
  expect(again.map((c) => String(c.body.text))).toEqual([expect.stringMatching(/^Boatsetter marked it cancelled/)]);
  expect(again[0]?.body.thread_ts).toBe((await h.running.built.api.get(second))?.slack.approvalTs);
});
