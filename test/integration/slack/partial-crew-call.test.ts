/**
 * The create's crew call reached two of three members and failed on the third (Slack refused that
 * one DM until the runner gave up): the booking waits for Retry. The two who were called are
 * reminded at 48 h and 24 h like anyone called, and the ops thread gets its 24 h line; the one
 * never called gets no reminder. Real Bolt receiver, the Slack stand-in; the app's clock is moved.
 */
import { DateTime } from 'luxon';
import { checkInMsOf } from '../../../src/slack/crew-reminders';
import { blockActionPayload } from '../../support/slack-requests';
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

const dm = (user: string) => `D${user.slice(1)}`;

it('a crew call that failed on one member: the others are reminded at 48 h and 24 h, the ops thread gets its 24 h line', async () => {
  clock.setTo(at('2027-06-01T09:00'));
  const id = await submitBooking(h, { ...VALID_FIELDS, date: '2027-06-05', departureTime: '16:00', boatsetterRef: 'BS-PART1' });
  let refusing = true;
  h.slack.failNext('chat.postMessage', 50, 'fatal_error', (b) => refusing && String(b.channel) === dm(CREW[1]));
  await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'booking_approve', value: id, channelId: OPS_CHANNEL }));
  const failed = await waitForBooking(h, id, (r) => r.state === 'failed', 30_000);
  await settle(h);
  refusing = false;
  expect(failed.steps.crew_notice.status).toBe('failed');
  expect(Object.keys(failed.slack.crewPosts ?? {}).sort()).toEqual([CAPTAIN, CREW[0]].sort());

  const checkIn = checkInMsOf(failed, h.config);
  const tick = async (hoursBefore: number) => {
    clock.setTo(checkIn - hoursBefore * 3_600_000);
    h.slack.clear();
    await h.running.built.periodic.runOnce();
    await settle(h);
    return h.slack.callsTo('chat.postMessage');
  };

  const at47 = await tick(47);
  expect(at47.map((c) => c.body.channel).sort()).toEqual([dm(CAPTAIN), dm(CREW[0])].sort());
  expect(at47.every((c) => /Check-in is in about 47 h/.test(JSON.stringify(c.body.blocks)))).toBe(true);

  const at23 = await tick(23);
  expect(at23.filter((c) => String(c.body.channel).startsWith('D')).map((c) => c.body.channel).sort()).toEqual([dm(CAPTAIN), dm(CREW[0])].sort());
  const line = at23.filter((c) => c.body.channel === OPS_CHANNEL && c.body.thread_ts === failed.slack.approvalTs);
  expect(line).toHaveLength(1);
  expect(String(line[0]?.body.text)).toContain(`not confirmed yet: <@${CAPTAIN}>, <@${CREW[0]}>, <@${CREW[1]}>`);

  // Nothing more is due: each reminder went once.
  expect(await tick(2)).toEqual([]);
  const after = (await h.running.built.api.get(id))!;
  expect(Object.keys(after.reminders ?? {}).sort()).toEqual([`dm24:${CAPTAIN}`, `dm24:${CREW[0]}`, `dm48:${CAPTAIN}`, `dm48:${CREW[0]}`, 'ops24'].sort());
});
