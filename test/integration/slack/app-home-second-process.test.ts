/**
 * App Home across processes (several instances, or Lambda, where every cold instance starts with
 * nothing in memory): a process refreshes the tabs every process recorded in the store. A process
 * that never published a tab must still not send it again when it would show exactly what its user
 * already sees — views.publish is Tier 4 (about 100 a minute per workspace), and a burst of cold
 * instances, each republishing every recorded tab, would spend it on nothing and draw 429s.
 * Nor may a process leave a tab stale because its new view equals the one it sent itself: another
 * process may have published in between.
 */
import { createLogger } from '../../../src/log';
import { buildApp, type BuiltApp } from '../../../src/app';
import { computeCosts } from '../../../src/booking/costs';
import { SqliteBookingStore } from '../../../src/pipeline/sqlite-store';
import type { RecordedSlackCall } from '../../../src/sandbox/slack-api-standin';
import { RATES, sampleRequest, sampleRoster } from '../../support/booking';
import { appHomeOpenedEvent } from '../../support/slack-requests';
import { APPROVER, clickInOps, CREW, doneBooking, inDays, OPS_CHANNEL, startHarness, VALID_FIELDS, waitForBooking, type Harness } from './harness';

const OUTSIDERS = Array.from({ length: 10 }, (_, i) => `U0OUTS${String(i).padStart(4, '0')}`);

let h: Harness;
let second: BuiltApp;
let secondStore: SqliteBookingStore;
beforeAll(async () => {
  h = await startHarness({ deps: { homeDebounceMs: 50 } });
  if (h.config.store.kind !== 'sqlite') throw new Error('expected the SQLite store');
  // A second process on the same store file, with a Home publisher that has published nothing.
  secondStore = SqliteBookingStore.open(h.config.store.path);
  second = await buildApp(h.config, { log: createLogger({ level: 'silent' }), store: secondStore, homeDebounceMs: 50, slackClientOptions: { retryConfig: { retries: 0 } } });
});
afterAll(async () => {
  second?.home.stop();
  await secondStore?.close();
  await h?.close();
});

const publishes = () => h.slack.callsTo('views.publish');
const lastViewOf = (userId: string) => JSON.stringify(publishes().filter((c: RecordedSlackCall) => c.body.user_id === userId).at(-1)?.body.view ?? {});

it('a process that never published a tab does not republish it unchanged, and does publish what changed', async () => {
  await doneBooking(h, { ...VALID_FIELDS, date: inDays(2), guestName: 'Pia Process' });
  for (const userId of [APPROVER, CREW[0], ...OUTSIDERS]) expect((await h.requester.event(appHomeOpenedEvent({ userId }))).status).toBe(200);
  await h.running.built.home.idle();

  h.slack.clear();
  const before = second.home.stats.published;
  const reads = jest.spyOn(secondStore, 'getMeta');
  // What the periodic refresh (or the end of a Lambda invocation) does in the second process.
  second.home.changed();
  await second.home.flush();
  expect(publishes().map((c) => c.body.user_id)).toEqual([]);
  expect(second.home.stats.published).toBe(before);
  // What the tabs show is read once for the refresh: each shard once, not once per tab.
  const tabReads = reads.mock.calls.map(([key]) => key).filter((key) => key.startsWith('home:tabs:'));
  expect(tabReads.length).toBeGreaterThan(0);
  expect(tabReads).toEqual([...new Set(tabReads)]);
  reads.mockRestore();

  // A real change still reaches the tabs it changes, and only those.
  await h.running.built.api.confirmCrew((await h.running.built.store.listByStates(['done']))[0]!.id, CREW[0]);
  second.home.changed();
  await second.home.flush();
  expect(second.home.stats.published - before).toBe(2);
  expect([...new Set(publishes().map((c) => c.body.user_id))].sort()).toEqual([APPROVER, CREW[0]].sort());
  expect(lastViewOf(CREW[0])).toContain('you confirmed');
});

it('a tab another process changed is put right when this process’s view returns to what it last sent itself', async () => {
  // This process publishes the approver's tab: nothing waiting for approval.
  expect((await h.requester.event(appHomeOpenedEvent({ userId: APPROVER }))).status).toBe(200);
  await h.running.built.home.idle();
  expect(lastViewOf(APPROVER)).not.toContain('Waiting for approval');

  // A new request saved by the second process (as its /charter would), which refreshes the tab.
  const id = 'RQSTAAAAAAAA';
  const request = sampleRequest({ date: inDays(3), guestName: 'Rita Request' });
  const costs = computeCosts({ grossCents: request.priceCents, crewCount: 2, crewHours: 5, captainHours: 3 }, RATES);
  await second.api.create({ id, request, roster: sampleRoster, costs, createdBy: APPROVER, slack: { channel: OPS_CHANNEL } });
  second.home.changed();
  await second.home.flush();
  expect(lastViewOf(APPROVER)).toContain(`"action_id":"booking_approve","style":"primary","text":{"type":"plain_text","text":"Approve"},"value":"${id}"`);

  // This process cancels the request: its view is again the one it sent itself, but not what the tab shows.
  await clickInOps(h, 'booking_cancel', id);
  await waitForBooking(h, id, (b) => b.state === 'cancelled');
  await h.running.built.home.flush();
  h.running.built.home.changed();
  await h.running.built.home.flush();
  expect(lastViewOf(APPROVER)).not.toContain('Rita');
  expect(lastViewOf(APPROVER)).not.toContain('booking_approve');
});
