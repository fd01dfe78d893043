/**
 * App Home across processes (several instances, or Lambda, where every cold instance starts with
 * nothing in memory): a process refreshes the tabs every process recorded in the store. A process
 * that never published a tab must still not send it again when it would show exactly what its user
 * already sees — views.publish is Tier 4 (about 100 a minute per workspace), and a burst of cold
 * instances, each republishing every recorded tab, would spend it on nothing and draw 429s.
 */
import { createLogger } from '../../../src/log';
import { buildApp, type BuiltApp } from '../../../src/app';
import { SqliteBookingStore } from '../../../src/pipeline/sqlite-store';
import type { RecordedSlackCall } from '../../../src/sandbox/slack-api-standin';
import { appHomeOpenedEvent } from '../../support/slack-requests';
import { APPROVER, CREW, doneBooking, inDays, startHarness, VALID_FIELDS, type Harness } from './harness';

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
  // What the periodic refresh (or the end of a Lambda invocation) does in the second process.
  second.home.changed();
  await second.home.flush();
  expect(publishes().map((c) => c.body.user_id)).toEqual([]);
  expect(second.home.stats.published).toBe(before);

  // A real change still reaches the tabs it changes, and only those.
  await h.running.built.api.confirmCrew((await h.running.built.store.listByStates(['done']))[0]!.id, CREW[0]);
  second.home.changed();
  await second.home.flush();
  expect(second.home.stats.published - before).toBe(2);
  expect([...new Set(publishes().map((c) => c.body.user_id))].sort()).toEqual([APPROVER, CREW[0]].sort());
  expect(lastViewOf(CREW[0])).toContain('you confirmed');
});
