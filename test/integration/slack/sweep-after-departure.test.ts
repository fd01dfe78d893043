/**
 * The sweeper meets an approved booking whose run never started (its process died right after the
 * approval; on Lambda the stream invocation failed) only after the charter departed: it must not
 * make the calendar entry, SCC event and guest page of a trip that is over, nor call its crew. The
 * booking ends failed with Retry closed, and the progress message says so.
 * Real Bolt receiver, signed requests, the Slack stand-in; the app's clock is moved past the departure.
 */
import { charterInstants } from '../../../src/pipeline/approval-policy';
import { charterTimeSettings } from '../../../src/config';
import { blockActionPayload } from '../../support/slack-requests';
import { APPROVER, inDays, OPS_CHANNEL, settle, startHarness, stepCalls, submitBooking, VALID_FIELDS, waitForBooking, type Harness } from './harness';

jest.setTimeout(60_000);

const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs, setTo: (ms: number) => void (clock.offsetMs = ms - Date.now()) };
let h: Harness;
beforeAll(async () => {
  // autoRun false: the approval is written and nothing runs it until the sweeper does.
  h = await startHarness({ env: { CHARTER_SWEEP_MS: '600000' }, deps: { now: clock.now, autoRun: false } });
});
afterAll(async () => {
  await h.close();
});

it('an approved booking swept after its departure is failed with Retry closed: nothing is set up, nobody is called', async () => {
  const id = await submitBooking(h, { ...VALID_FIELDS, date: inDays(1), departureTime: '16:00', boatsetterRef: 'BS-SWEEP1' });
  await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'booking_approve', value: id, channelId: OPS_CHANNEL }));
  const approved = await waitForBooking(h, id, (b) => b.state === 'approved');
  const { departureAtMs } = charterInstants(approved.request, charterTimeSettings(h.config));

  clock.setTo(departureAtMs + 20 * 3_600_000);
  h.slack.clear();
  await h.running.built.periodic.runOnce();
  const failed = await waitForBooking(h, id, (b) => b.state === 'failed');
  await settle(h);

  expect(['calendar', 'scc_event', 'revenue_guard', 'guest_page', 'guest_cache', 'crew_notice'].map((s) => stepCalls(h, s as never))).toEqual([0, 0, 0, 0, 0, 0]);
  expect(h.slack.callsTo('chat.postMessage').filter((c) => String(c.body.channel).startsWith('D'))).toEqual([]);
  // The steps that would have run first say why they did not; the rest wait on them.
  expect(failed.steps.calendar).toMatchObject({ status: 'failed', attempts: 0, error: { code: 'PIPELINE_DEPARTED', retryable: false } });
  expect(failed.steps.calendar.error?.message).toMatch(/^Departed .*(PST|PDT) before this ran: Retry is closed$/);
  expect(failed.steps.crew_notice.status).toBe('pending');

  const progress = h.slack.calls.filter((c) => (c.method === 'chat.postMessage' || c.method === 'chat.update') && c.body.channel === OPS_CHANNEL && JSON.stringify(c.body.blocks ?? '').includes(`booking \`${id}\``)).at(-1);
  const drawn = JSON.stringify(progress?.body.blocks);
  expect(String(progress?.body.text)).toMatch(/^Needs attention/);
  expect(drawn).toMatch(/Departed [^"]*(PST|PDT): Retry is closed/);
  expect(drawn).not.toContain('booking_retry');

  // A second sweep finds nothing to do: the booking is no longer active.
  const settled = (await h.running.built.api.get(id))!;
  h.slack.clear();
  await h.running.built.periodic.runOnce();
  await settle(h);
  expect((await h.running.built.api.get(id))!).toMatchObject({ state: 'failed', steps: settled.steps });
  expect(h.slack.callsTo('chat.postMessage').filter((c) => String(c.body.channel).startsWith('D'))).toEqual([]);
});
