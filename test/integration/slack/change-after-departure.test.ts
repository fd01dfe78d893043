/**
 * A change request approved after the charter departed: refused when the charter it describes has
 * departed (no SCC PATCH, no crew called), applied when it moves the charter to a later day.
 * Real Bolt receiver, signed requests, the stand-ins; the app's clock is moved past the departure.
 */
import { APPROVER, clickInOps, CREW, doneBooking, ephemeralsTo, OUTSIDER, proposeChange, settle, startHarness, VALID_FIELDS, waitForBooking, type Harness } from './harness';

jest.setTimeout(60_000);

const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ real: true, deps: { now: clock.now } });
});
afterAll(async () => {
  await h.close();
});
afterEach(() => {
  clock.offsetMs = 0;
});

const DAY = 86_400_000;
const dayIn = (days: number) => new Date(Date.now() + days * DAY).toLocaleDateString('en-CA', { timeZone: 'America/Los_Angeles' });
const ephemeralTo = (user: string) => ephemeralsTo(h, user);

it('a crew swap approved after the departure is refused: nothing is patched, nobody is called', async () => {
  const date = dayIn(2);
  const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-PAST1', date };
  const id = await doneBooking(h, fields);
  const opId = await proposeChange(h, id, 'crew swap', { ...fields, crew: [CREW[0], OUTSIDER] });
  clock.offsetMs = 4 * DAY;
  const patches = h.standins!.scc.patches().length;
  h.slack.clear();

  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  await h.slack.waitFor(() => ephemeralTo(APPROVER).some((t) => t.includes('can no longer be approved')));
  await settle(h);

  const booking = (await h.running.built.api.get(id))!;
  expect(booking.operations?.find((o) => o.id === opId)?.status).toBe('proposed');
  expect(booking.roster.map((m) => m.slackUserId)).not.toContain(OUTSIDER);
  expect(h.standins!.scc.patches().length).toBe(patches);
  expect(h.slack.callsTo('chat.postMessage').filter((c) => String(c.body.channel).startsWith('D'))).toEqual([]);
  expect(ephemeralTo(APPROVER).find((t) => t.includes('can no longer be approved'))).toMatch(/departed .*(PST|PDT).*open \*Edit\* and reschedule/);
});

it('a reschedule to a later day, approved after the old departure, is applied', async () => {
  const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-PAST2', date: dayIn(2) };
  const id = await doneBooking(h, fields);
  const later = dayIn(9);
  const opId = await proposeChange(h, id, 'reschedule', { ...fields, date: later });
  clock.offsetMs = 4 * DAY;

  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  const booking = await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === opId)?.status === 'done');
  await settle(h);
  expect(booking.request.date).toBe(later);
});

it('a cancel after the departure redraws the crew posts in the past tense and pings nobody; one before it still says it will not sail', async () => {
  const past = await doneBooking(h, { ...VALID_FIELDS, boatsetterRef: 'BS-PAST3', date: dayIn(2) });
  const ahead = await doneBooking(h, { ...VALID_FIELDS, boatsetterRef: 'BS-PAST4', date: dayIn(6) });
  clock.offsetMs = 4 * DAY;
  h.slack.clear();
  for (const id of [past, ahead]) {
    await clickInOps(h, 'booking_cancel', id);
    await waitForBooking(h, id, (b) => b.state === 'cancelled');
  }
  await settle(h);
  const toCrew = (id: string) => h.slack.calls.filter((c) => String(c.body.channel).startsWith('D') && JSON.stringify(c.body).includes(id));
  const text = (id: string, method: string) => toCrew(id).filter((c) => c.method === method).map((c) => JSON.stringify(c.body.blocks ?? c.body.text));
  expect(text(past, 'chat.update').length).toBeGreaterThan(0);
  for (const t of text(past, 'chat.update')) {
    expect(t).toContain('was cancelled* after its date');
    expect(t).not.toContain('will not sail');
  }
  // No "Charter cancelled — … You don't need to come in" under the posts for a trip gone by.
  expect(text(past, 'chat.postMessage')).toEqual([]);
  for (const t of text(ahead, 'chat.update')) expect(t).toContain('will not sail');
  expect(text(ahead, 'chat.postMessage').length).toBeGreaterThan(0);
});
