/**
 * The ops thread's 24 h line says the hours actually left when it goes out late (the process was
 * down when the window opened), and is not posted when its only news is a decline the thread was
 * told of as it came, on the morning of the trip. Real Bolt receiver, signed requests, the Slack
 * stand-in; the app's clock is moved.
 */
import { DateTime } from 'luxon';
import { checkInMsOf } from '../../../src/slack/crew-reminders';
import { blockActionPayload, viewSubmissionPayload } from '../../support/slack-requests';
import { APPROVER, CAPTAIN, CREW, OPS_CHANNEL, settle, startHarness, submitBooking, VALID_FIELDS, waitForBooking, type Harness } from './harness';

jest.setTimeout(60_000);

const TZ = 'America/Los_Angeles';
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs, setTo: (ms: number) => void (clock.offsetMs = ms - Date.now()) };
const at = (iso: string) => DateTime.fromISO(iso, { zone: TZ }).toMillis();
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { CHARTER_SWEEP_MS: '600000' }, deps: { now: clock.now, crewPostOnce: { now: clock.now } } });
});
afterAll(async () => {
  await h.close();
});

async function doneBooking(date: string, ref: string) {
  const id = await submitBooking(h, { ...VALID_FIELDS, date, departureTime: '16:00', boatsetterRef: ref });
  await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'booking_approve', value: id, channelId: OPS_CHANNEL }));
  const b = await waitForBooking(h, id, (r) => r.state === 'done');
  await settle(h);
  return b;
}
const threadLines = (threadTs: string | undefined) => h.slack.callsTo('chat.postMessage').filter((c) => c.body.channel === OPS_CHANNEL && c.body.thread_ts === threadTs).map((c) => String(c.body.text));

it('back from a day and a half down at 5:30 AM, check-in 3:30 PM: the line and the DMs say about 10 h', async () => {
  clock.setTo(at('2027-04-01T09:00'));
  const b = await doneBooking('2027-04-05', 'BS-DOWN1');
  clock.setTo(checkInMsOf(b, h.config) - 50 * 3_600_000);
  await h.running.built.periodic.runOnce();
  await settle(h);

  h.slack.clear();
  clock.setTo(at('2027-04-05T05:30'));
  for (let i = 0; i < 3; i++) await h.running.built.periodic.runOnce();
  await settle(h);

  expect(threadLines(b.slack.approvalTs)).toEqual([`:warning: Check-in Mon, Apr 5, 2027, 3:30 PM PDT is about 10 h away — not confirmed yet: <@${CAPTAIN}>, <@${CREW[0]}>, <@${CREW[1]}>`]);
  const dms = h.slack.callsTo('chat.postMessage').filter((c) => String(c.body.channel).startsWith('D'));
  expect(dms).toHaveLength(3);
  for (const dm of dms) expect(JSON.stringify(dm.body.blocks)).toContain('Check-in is in about 10 h');
});

it('everyone confirmed at the 24 h mark; Lee declines 5 h before check-in: the thread hears the decline, and no 24 h line after it', async () => {
  clock.setTo(at('2027-05-01T09:00'));
  const b = await doneBooking('2027-05-04', 'BS-OPS24');
  const id = b.id;
  for (const u of [CAPTAIN, ...CREW]) {
    await h.requester.interact(blockActionPayload({ userId: u, actionId: `crew_confirm:${u}`, value: `${id}:${u}`, channelId: b.slack.crewPosts![u]!.channel }));
    await waitForBooking(h, id, (r) => r.confirmations[u] !== undefined);
  }
  await settle(h);
  const checkIn = checkInMsOf(b, h.config);
  clock.setTo(checkIn - 23 * 3_600_000);
  await h.running.built.periodic.runOnce();

  clock.setTo(checkIn - 5 * 3_600_000);
  h.slack.clear();
  await h.requester.interact(viewSubmissionPayload({ userId: CREW[0], callbackId: 'crew_decline', privateMetadata: JSON.stringify({ bookingId: id, userId: CREW[0] }), values: { reason: { reason: { type: 'plain_text_input', value: 'flu' } } } }));
  await waitForBooking(h, id, (r) => r.declines?.[CREW[0]] !== undefined);
  await h.slack.waitFor(() => threadLines(b.slack.approvalTs).some((t) => t.includes(`<@${CREW[0]}> can't make it — flu`)));
  await settle(h);
  await h.running.built.periodic.runOnce();
  await settle(h);

  expect(threadLines(b.slack.approvalTs).filter((t) => t.includes('Check-in'))).toEqual([]);
  expect((await h.running.built.api.get(id))!.reminders?.ops24).toBeUndefined();
});
