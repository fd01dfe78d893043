/**
 * An iCal-fed charter whose request expired unapproved holds nothing (review s47). Its expired
 * message tells the office to make a new request if the charter is rescheduled, so when the
 * platform moves the trip (same UID) the watcher offers it as a new booking to make, not a
 * [Reschedule] of the request no one can approve; and once a new request with the same reference
 * exists, the platform's cancel reaches that charter, not the expired request. Nor does it hold a
 * slot, a captain or crew for the approval's double-booking checks. Real Bolt receiver
 * with signed requests, the Slack stand-in, the iCal feed stand-in over HTTP, SQLite on disk; the
 * app's clock is moved.
 */
import { DateTime } from 'luxon';
import { startIcalFeedStandin, type IcalFeedStandin, type StandinEvent } from '../../../src/sandbox/ical-feed-standin';
import type { RecordedSlackCall } from '../../../src/sandbox/slack-api-standin';
import { blockActionPayload, bookingModalState, viewSubmissionPayload } from '../../support/slack-requests';
import { APPROVER, approvalPosts, OPS_CHANNEL, settle, startHarness, submitBooking, VALID_FIELDS, waitForBooking, type Harness } from '../slack/harness';

jest.setTimeout(60_000);

const TZ = 'America/Los_Angeles';
let feed: IcalFeedStandin;
const running: Harness[] = [];
const zdate = (iso: string) => DateTime.fromISO(iso, { zone: TZ }).toJSDate();

beforeAll(async () => {
  feed = await startIcalFeedStandin();
});
afterAll(async () => {
  for (const h of running.splice(0)) await h.close();
  await feed.close();
});

const EVENT: StandinEvent = { uid: 'bs-7777@boatsetter.com', start: zdate('2027-03-05T10:00'), end: zdate('2027-03-05T14:00'), summary: 'Boatsetter booking: Kim Lee (4 guests)', description: 'Booking ID: BS-7777' };
const MOVED: StandinEvent = { ...EVENT, start: zdate('2027-03-12T10:00'), end: zdate('2027-03-12T14:00') };
const blocksOf = (c: RecordedSlackCall | undefined) => (typeof c?.body.blocks === 'string' ? c.body.blocks : JSON.stringify(c?.body.blocks ?? []));
/** The watcher's notices: every post but approval requests and progress messages. */
const notices = (h: Harness) => h.slack.callsTo('chat.postMessage').filter((c) => !blocksOf(c).includes('booking_approve') && !String(c.body.text).startsWith('Charter for'));
const buttonValue = (c: RecordedSlackCall | undefined, actionId: string) =>
  (JSON.parse(blocksOf(c)) as { elements?: { action_id: string; value: string }[] }[]).flatMap((b) => b.elements ?? []).find((e) => e.action_id === actionId)?.value;

/** A bot on a Boatsetter feed (its own stand-in path) whose Kim Lee request for Mar 5 expired unapproved. */
async function expiredRequest(feedName: string): Promise<{ h: Harness; clock: { setTo: (iso: string) => void }; expiredId: string }> {
  const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs, setTo: (iso: string) => void (clock.offsetMs = DateTime.fromISO(iso, { zone: TZ }).toMillis() - Date.now()) };
  clock.setTo('2027-03-01T09:00');
  feed.setEvents(feedName, [EVENT]);
  const h = await startHarness({ env: { CHARTER_ICAL_FEEDS: `Boatsetter=${feed.feedUrl(feedName)}`, CHARTER_SWEEP_MS: '600000' }, deps: { now: clock.now } });
  running.push(h);
  await h.running.built.periodic.runOnce();
  const expiredId = await submitBooking(h, { ...VALID_FIELDS, guestName: 'Kim Lee', date: '2027-03-05', departureTime: '10:00', durationHours: '4', boatsetterRef: 'BS-7777' });
  // Nobody approves; the departure passes and the approval watch closes the request.
  clock.setTo('2027-03-05T10:05');
  await h.running.built.periodic.runOnce();
  await waitForBooking(h, expiredId, (b) => b.approvalNotices?.expiredAtMs !== undefined);
  await settle(h);
  h.slack.clear();
  return { h, clock, expiredId };
}

it('a trip moved after its request expired is offered as a new booking naming that request, and the charter made from it is no duplicate', async () => {
  const { h, clock, expiredId } = await expiredRequest('moved-after-expiry');
  const expiredTs = (await h.running.built.api.get(expiredId))?.slack.approvalTs;

  feed.setEvents('moved-after-expiry', [MOVED]);
  clock.setTo('2027-03-05T11:00');
  await h.running.built.periodic.runOnce();

  const posted = notices(h);
  expect(posted).toHaveLength(1);
  const notice = posted[0];
  // In the ops channel, not the expired request's thread; no [Reschedule] of a request no one can approve.
  expect(notice?.body.channel).toBe(OPS_CHANNEL);
  expect(notice?.body.thread_ts).not.toBe(expiredTs);
  expect(notice?.body.thread_ts).toBeUndefined();
  expect(notice?.body.text).toBe('New Boatsetter booking · Fri, Mar 12, 10:00 AM – 2:00 PM PST');
  expect(blocksOf(notice)).not.toContain('ical_reschedule');
  expect(blocksOf(notice)).toContain(`Its earlier request \`${expiredId}\` (Fri, Mar 5, 10:00 AM – 2:00 PM PST) expired unapproved and booked nothing`);

  // [Create charter] opens the form for the new date with the trip's reference...
  const ts = String(notice?.response?.ts);
  await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'ical_create_charter', value: buttonValue(notice, 'ical_create_charter') ?? '', channelId: OPS_CHANNEL, messageTs: ts, messageText: String(notice?.body.text), messageBlocks: JSON.parse(blocksOf(notice)) as unknown[] }));
  await h.slack.waitFor((calls) => calls.some((c) => c.method === 'views.open'));
  const view = h.slack.callsTo('views.open')[0]?.body.view;
  const shown = typeof view === 'string' ? view : JSON.stringify(view);
  expect(shown).toContain('"initial_date":"2027-03-12"');
  expect(shown).toContain('"initial_value":"BS-7777"');

  // ...and the request made from it is neither a duplicate of the expired one nor a double booking of its own event.
  const n = approvalPosts(h.slack).length;
  const metadata = String((typeof view === 'string' ? JSON.parse(view) : view).private_metadata);
  await h.requester.interact(viewSubmissionPayload({ userId: APPROVER, values: bookingModalState({ ...VALID_FIELDS, guestName: 'Kim Lee', date: '2027-03-12', departureTime: '10:00', durationHours: '4', boatsetterRef: undefined, platform: 'Boatsetter', platformRef: 'BS-7777' } as never), privateMetadata: metadata }));
  await h.slack.waitFor(() => approvalPosts(h.slack).length > n);
  const newId = (approvalPosts(h.slack)[n]?.body.metadata as { event_payload?: { booking_id?: string } } | undefined)?.event_payload?.booking_id ?? '';
  expect(newId).not.toBe(expiredId);
  expect((await h.running.built.api.get(newId))?.warnings ?? []).toEqual([]);
  await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.update' && c.body.ts === ts));
  expect(JSON.stringify(h.slack.messages(OPS_CHANNEL).find((m) => m.ts === ts)?.blocks)).toContain(`Charter \`${newId}\` created`);
});

it('a cancel of the trip after its request expired and a new one ran reaches the new charter, not the expired request', async () => {
  const { h, clock, expiredId } = await expiredRequest('cancelled-after-rebooking');
  const expiredTs = (await h.running.built.api.get(expiredId))?.slack.approvalTs;

  // The office does as the expired message says: a new request for Mar 12 with the same reference, approved and run.
  feed.setEvents('cancelled-after-rebooking', [MOVED]);
  const liveId = await submitBooking(h, { ...VALID_FIELDS, guestName: 'Kim Lee', date: '2027-03-12', departureTime: '10:00', durationHours: '4', boatsetterRef: 'BS-7777' });
  await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'booking_approve', value: liveId, channelId: OPS_CHANNEL }));
  await waitForBooking(h, liveId, (b) => b.state === 'done');
  clock.setTo('2027-03-05T11:00');
  await h.running.built.periodic.runOnce();
  await settle(h);
  const liveTs = (await h.running.built.api.get(liveId))?.slack.approvalTs;
  h.slack.clear();

  feed.setEvents('cancelled-after-rebooking', [{ ...MOVED, status: 'CANCELLED' } as StandinEvent]);
  clock.setTo('2027-03-06T09:00');
  await h.running.built.periodic.runOnce();

  const posted = notices(h);
  expect(posted).toHaveLength(1);
  expect(posted[0]?.body.thread_ts).toBe(liveTs);
  expect(posted[0]?.body.thread_ts).not.toBe(expiredTs);
  expect(posted[0]?.body.text).toBe('Boatsetter marked it cancelled (Fri, Mar 12, 10:00 AM – 2:00 PM PST).');
  expect(buttonValue(posted[0], 'ical_cancel_charter')).toBe(liveId);

  // [Cancel charter] hands over to the command for the live charter.
  await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'ical_cancel_charter', value: liveId, channelId: OPS_CHANNEL }));
  await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'));
  expect(String(h.slack.callsTo('chat.postEphemeral').at(-1)?.body.text)).toContain(`/charter cancel ${liveId}`);
});

it('a request that expired unapproved hides no feed booking from the double-booking check, and holds neither the boat nor its crew', async () => {
  const { h, clock, expiredId } = await expiredRequest('checks-after-expiry');
  feed.setEvents('checks-after-expiry', [MOVED]);
  clock.setTo('2027-03-05T11:00');
  await h.running.built.periodic.runOnce();

  // Another guest in the moved trip's slot: the feed's booking is in no charter (its only request expired).
  const clash = await submitBooking(h, { ...VALID_FIELDS, guestName: 'Other Guest', date: '2027-03-12', departureTime: '11:00', durationHours: '2', boatsetterRef: undefined });
  expect((await h.running.built.api.get(clash))?.warnings).toEqual(['Overlaps a Boatsetter booking not yet in charter-bot (Fri, Mar 12, 10:00 AM – 2:00 PM PST).']);

  // The expired request's own slot, later that day, with the same captain and crew: free.
  const sameDay = await submitBooking(h, { ...VALID_FIELDS, guestName: 'Walk Up', date: '2027-03-05', departureTime: '12:00', durationHours: '2', boatsetterRef: undefined });
  const warnings = (await h.running.built.api.get(sameDay))?.warnings ?? [];
  expect(warnings.filter((w) => w.includes(expiredId))).toEqual([]);
  expect(warnings).toEqual([]);
});
