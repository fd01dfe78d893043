/**
 * Retry after the departure of a failed change: refused like approving that change now would be
 * (no PATCH, nobody called), the clicker told privately, the progress message redrawn without
 * Retry. A failed cancel stays retryable: it is how a past trip's artifacts are undone.
 * Real Bolt receiver, signed requests, the stand-ins; the app's clock is moved past the departure.
 */
import { charterInstants } from '../../../src/pipeline/approval-policy';
import { charterTimeSettings } from '../../../src/config';
import { APPROVER, clickInOps, CREW, doneBooking, ephemeralsTo, inDays, OUTSIDER, proposeChange, settle, startHarness, VALID_FIELDS, waitForBooking, type Harness } from './harness';

jest.setTimeout(60_000);

const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs, setTo: (ms: number) => void (clock.offsetMs = ms - Date.now()) };
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ real: true, env: { CHARTER_SWEEP_MS: '600000' }, deps: { now: clock.now } });
});
afterAll(async () => {
  await h.close();
});
/** Slack refuses the faults below while this is set (a fault left unconsumed stays registered). */
let slackRefusing = false;
afterEach(() => {
  slackRefusing = false;
  clock.offsetMs = 0;
});

const dms = () => h.slack.calls.filter((c) => (c.method === 'chat.postMessage' || c.method === 'chat.update') && String(c.body.channel).startsWith('D'));

it('Retry of a failed crew swap after the departure is refused: nobody is called, the clicker is told, the message loses Retry', async () => {
  const fields = { ...VALID_FIELDS, date: inDays(2), departureTime: '16:00', boatsetterRef: 'BS-CHRETRY' };
  const id = await doneBooking(h, fields);
  const opId = await proposeChange(h, id, 'crew swap', { ...fields, crew: [CREW[0], OUTSIDER] });
  // The new member's crew call fails until the runner gives up: the change ends failed, with Retry.
  slackRefusing = true;
  h.slack.failNext('chat.postMessage', 20, 'fatal_error', (b) => slackRefusing && String(b.channel) === `D${OUTSIDER.slice(1)}`);
  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  const failed = await waitForBooking(h, id, (b) => b.state === 'failed', 30_000);
  await settle(h);
  expect(failed.operations?.find((o) => o.id === opId)?.steps?.crew_notice?.status).toBe('failed');
  slackRefusing = false;

  const { departureAtMs } = charterInstants(failed.request, charterTimeSettings(h.config));
  clock.setTo(departureAtMs + 20 * 3_600_000);
  const patches = h.standins!.scc.patches().length;
  h.slack.clear();
  await clickInOps(h, 'booking_retry', id);
  await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).length === 1);
  await settle(h);

  expect(ephemeralsTo(h, APPROVER)[0]).toMatch(/^This change can no longer be retried: the charter it leaves departed \w{3}, \w{3} \d+, \d{4}, 4:00 PM (PST|PDT)\. .*\*Cancel charter\*/);
  expect(dms()).toEqual([]);
  expect(h.standins!.scc.patches().length).toBe(patches);
  const after = (await h.running.built.api.get(id))!;
  expect(after.state).toBe('failed');
  expect(after.version).toBe(failed.version);
  const redrawn = h.slack.callsTo('chat.update').filter((c) => c.body.ts === failed.slack.progressTs).at(-1);
  const blocks = JSON.stringify(redrawn?.body.blocks);
  expect(blocks).not.toContain('booking_retry');
  expect(blocks).toMatch(/Departed [^"]*4:00 PM (PST|PDT): Retry is closed/);
  expect(blocks).toContain('booking_cancel');
});

it('a cancel that failed stays retryable after the departure', async () => {
  const fields = { ...VALID_FIELDS, date: inDays(2), departureTime: '16:00', boatsetterRef: 'BS-CXRETRY' };
  const id = await doneBooking(h, fields);
  // Slack refuses the crew posts' redraw until the runner gives up: the cancel ends failed.
  slackRefusing = true;
  h.slack.failNext('chat.update', 40, 'fatal_error', (b) => slackRefusing && String(b.channel).startsWith('D'));
  await clickInOps(h, 'booking_cancel', id);
  const failed = await waitForBooking(h, id, (b) => b.state === 'failed', 30_000);
  await settle(h);
  slackRefusing = false;

  clock.setTo(charterInstants(failed.request, charterTimeSettings(h.config)).departureAtMs + 20 * 3_600_000);
  await clickInOps(h, 'booking_retry', id);
  await waitForBooking(h, id, (b) => b.state === 'cancelled', 30_000);
  await settle(h);
});
