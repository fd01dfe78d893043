/**
 * App Home over real HTTP: a signed app_home_opened event in, views.publish out to the Slack
 * stand-in. Approver and crew views, no money for crew (the money search used for crew posts),
 * refresh when a booking changes, and the 100-block limit with 60 upcoming charters.
 */
import { computeCosts } from '../../../src/booking/costs';
import { newBookingRecord } from '../../../src/pipeline/state-machine';
import { STEP_NAMES } from '../../../src/pipeline/types';
import { ThreadPrinter } from '../../../src/sandbox/printer';
import type { RecordedSlackCall } from '../../../src/sandbox/slack-api-standin';
import { appHomeOpenedEvent, blockActionPayload } from '../../support/slack-requests';
import { amountsOf, findMoney } from '../../support/money-search';
import { RATES, sampleRequest, sampleRoster } from '../../support/booking';
import { APPROVER, CAPTAIN, CREW, inDays, OPS_CHANNEL, OUTSIDER, settle, startHarness, submitBooking, VALID_FIELDS, waitForBooking, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ deps: { homeDebounceMs: 50 } });
});
afterAll(async () => {
  await h.close();
});

const publishesTo = (userId: string) => h.slack.callsTo('views.publish').filter((c) => c.body.user_id === userId);
const viewOf = (call: RecordedSlackCall | undefined) => (call?.body.view ?? {}) as { type?: string; blocks?: unknown[] };
const open = async (userId: string, tab: 'home' | 'messages' = 'home') => {
  const res = await h.requester.event(appHomeOpenedEvent({ userId, tab }));
  expect(res.status).toBe(200);
};

function printed(call: RecordedSlackCall): string {
  let out = '';
  const users = new Map([
    [APPROVER, 'Alex Approver'],
    [CAPTAIN, 'Sam Ortiz'],
    [CREW[0], 'Lee Park'],
    [CREW[1], 'Ana Cruz'],
  ]);
  new ThreadPrinter({ write: (t) => (out += t), startMs: call.atMs, users, channels: {} }).print(call);
  return out;
}

/** A date within the next 14 days in the operator's zone. */

describe('App Home', () => {
  let pendingId: string;
  let doneId: string;
  let otherCrewId: string;

  beforeAll(async () => {
    pendingId = await submitBooking(h, { ...VALID_FIELDS, date: inDays(3), guestName: 'Paula Pending' });
    doneId = await submitBooking(h, { ...VALID_FIELDS, date: inDays(2), guestName: 'Maria Delgado' });
    otherCrewId = await submitBooking(h, { ...VALID_FIELDS, date: inDays(4), guestName: 'Olga Other', crew: [CREW[1]] });
    for (const id of [doneId, otherCrewId]) {
      await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'booking_approve', value: id, channelId: OPS_CHANNEL }));
      await waitForBooking(h, id, (b) => b.state === 'done');
    }
    await settle(h);
  });

  it('an approver sees pending approvals first, then upcoming charters with crew marks and buttons', async () => {
    h.slack.clear();
    await open(APPROVER);
    await h.slack.waitFor(() => publishesTo(APPROVER).length === 1);
    const call = publishesTo(APPROVER)[0]!;
    const view = viewOf(call);
    expect(view.type).toBe('home');
    const text = printed(call);
    process.stdout.write(`\n--- App Home as the sandbox prints it ---${text}`);
    expect(text).toContain('App Home of Alex Approver published');
    expect(text.indexOf('Waiting for approval (1)')).toBeLessThan(text.indexOf('Maria'));
    expect(text).toMatch(/Paula · party of 6 · net \$584\.00/);
    expect(text).toMatch(/Maria · party of 6 · ✅ all set/);
    expect(text).toContain('❓ @Lee Park');
    expect(text).toContain(`guest page (https://queenofsandiego.com/g/${doneId})`);
    expect(JSON.stringify(view)).toContain(`"action_id":"booking_approve","style":"primary","text":{"type":"plain_text","text":"Approve"},"value":"${pendingId}"`);
    expect(view.blocks!.length).toBeLessThanOrEqual(100);
  });

  it('a crew member sees only their own calls, with Confirm, and no money anywhere; confirming refreshes their Home', async () => {
    h.slack.clear();
    await open(CREW[0]);
    await h.slack.waitFor(() => publishesTo(CREW[0]).length === 1);
    const view = viewOf(publishesTo(CREW[0])[0]);
    const done = await h.running.built.api.get(doneId);
    expect(findMoney(view, amountsOf(done!.costs))).toEqual([]);
    const text = printed(publishesTo(CREW[0])[0]!);
    process.stdout.write(`\n--- App Home (crew) ---${text}`);
    expect(text).toContain('Maria, party of 6 · ❓ please confirm');
    expect(text).not.toContain('Olga'); // CREW[0] is not on that roster
    expect(text).not.toContain('Paula'); // not approved yet: no call
    expect(text).not.toMatch(/net|\$/);

    await h.requester.interact(blockActionPayload({ userId: CREW[0], actionId: `crew_confirm:${CREW[0]}`, value: `${doneId}:${CREW[0]}`, channelId: 'D0HOME0001' }));
    await h.slack.waitFor(() => publishesTo(CREW[0]).length >= 2);
    await h.running.built.home.idle();
    const after = viewOf(publishesTo(CREW[0]).at(-1));
    expect(JSON.stringify(after)).toContain('you confirmed');
    expect(findMoney(after, amountsOf(done!.costs))).toEqual([]);
    // The approver's open Home was refreshed by the same change (debounced), showing the ✅.
    await h.slack.waitFor(() => publishesTo(APPROVER).some((c) => printed(c).includes('✅ @Lee Park')));
  });

  it('debounces a burst of changes per user, and does not republish a view that did not change', async () => {
    const home = h.running.built.home;
    await home.idle();
    h.slack.clear();
    const before = { ...home.stats };
    for (let i = 0; i < 50; i++) home.changed();
    await home.idle();
    // Two users have Home open (the approver and the deckhand): one rebuild each, nothing changed, nothing sent.
    expect(home.stats.skippedUnchanged - before.skippedUnchanged).toBe(2);
    expect(home.stats.published).toBe(before.published);
    expect(h.slack.callsTo('views.publish')).toHaveLength(0);
  });

  it('ignores the Messages tab, and someone on no roster sees an empty schedule', async () => {
    h.slack.clear();
    await open(OUTSIDER, 'messages');
    await open(OUTSIDER);
    await h.slack.waitFor(() => publishesTo(OUTSIDER).length >= 1);
    await h.running.built.home.idle();
    expect(publishesTo(OUTSIDER)).toHaveLength(1);
    expect(printed(publishesTo(OUTSIDER)[0]!)).toContain('Nothing on your schedule in the next 14 days.');
  });

  it('stays within 100 blocks with 60 more upcoming charters, listing every one (the builder summarises beyond that: see home.test.ts)', async () => {
    for (let i = 0; i < 60; i++) {
      const request = sampleRequest({ date: inDays(1 + (i % 13)), departureTime: `${String(8 + (i % 10)).padStart(2, '0')}:00` });
      const costs = computeCosts({ grossCents: request.priceCents, crewCount: 2, crewHours: 5, captainHours: 3 }, RATES);
      const record = newBookingRecord({ id: `HME${String(i).padStart(9, '0')}`, request, roster: sampleRoster, costs, createdBy: APPROVER, slack: { channel: OPS_CHANNEL } }, Date.now());
      record.state = 'done';
      for (const s of STEP_NAMES) record.steps[s] = { status: 'done', attempts: 1, result: {} };
      await h.running.built.store.create(record);
    }
    // A refresh still debounced from the previous test (read before these were written) must not
    // count as this open's view: let it land first, then look at what the tab ends up showing.
    await h.running.built.home.idle();
    h.slack.clear();
    await open(APPROVER);
    await h.slack.waitFor(() => publishesTo(APPROVER).length >= 1);
    await h.running.built.home.idle();
    const last = publishesTo(APPROVER).at(-1)!;
    const view = viewOf(last);
    expect(view.blocks!.length).toBeLessThanOrEqual(100);
    const text = printed(last);
    expect(text.match(/\/g\/HME\d{9}/g)).toHaveLength(60);
    expect(text).not.toContain('more charters through');
  });
});
