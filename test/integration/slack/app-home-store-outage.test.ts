/**
 * App Home opened while the booking store does not answer (a DynamoDB blip: every request 500,
 * through a fault proxy in front of dynalite). Someone looking at the tab right then must not get
 * an empty tab, or an old one that looks current: they are told it could not be loaded and to
 * reopen it, and the next refresh after the store is back shows their charters.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoBookingStore } from '../../../src/pipeline/dynamodb-store';
import { startDynalite, type RunningDynalite } from '../../../src/sandbox/dynalite';
import { startFaultProxy, type FaultProxy } from '../../../src/sandbox/fault-proxy';
import type { RecordedSlackCall } from '../../../src/sandbox/slack-api-standin';
import { appHomeOpenedEvent } from '../../support/slack-requests';
import { APPROVER, CREW, doneBooking, inDays, startHarness, VALID_FIELDS, type Harness } from './harness';

let dynalite: RunningDynalite;
let proxy: FaultProxy;
let client: DynamoDBClient;
let h: Harness;
beforeAll(async () => {
  dynalite = await startDynalite();
  proxy = await startFaultProxy(dynalite.endpoint);
  client = new DynamoDBClient({ endpoint: proxy.url, region: 'us-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 2 });
  const store = new DynamoBookingStore({ client, table: 'charter-home-outage' });
  await store.ensureTable({ create: true });
  h = await startHarness({ deps: { store, homeDebounceMs: 50 } });
}, 30_000);
afterAll(async () => {
  await h?.close();
  client?.destroy();
  await proxy?.close();
  await dynalite?.close();
});

const publishesTo = (userId: string) => h.slack.callsTo('views.publish').filter((c: RecordedSlackCall) => c.body.user_id === userId);

/** `userId` opens Home while the store's connection fails; the store is healed after. */
async function openHomeDuringOutage(userId: string): Promise<void> {
  proxy.fail();
  try {
    expect((await h.requester.event(appHomeOpenedEvent({ userId }))).status).toBe(200);
    await h.running.built.home.idle();
  } finally {
    proxy.heal();
  }
}

it.each([
  ['a crew member', CREW[0]],
  ['an approver', APPROVER],
])('%s opening Home during a store outage is told it could not be loaded, not left with an empty tab', async (_who, userId) => {
  await doneBooking(h, { ...VALID_FIELDS, date: inDays(2), guestName: 'Dora Dynamo' });
  h.slack.clear();
  await openHomeDuringOutage(userId);
  const shown = JSON.stringify(publishesTo(userId).at(-1)?.body.view ?? null);
  expect(shown).toContain('could not be loaded');
  expect(shown).not.toContain('Dora');

  // Once the store answers, the next refresh replaces it with their charters.
  h.running.built.home.changed();
  await h.running.built.home.flush();
  expect(JSON.stringify(publishesTo(userId).at(-1)?.body.view)).toContain('Dora');
}, 30_000);

it('a tab that showed "could not be loaded" is put right though the store still records the view before it', async () => {
  const userId = CREW[1];
  await doneBooking(h, { ...VALID_FIELDS, date: inDays(3), guestName: 'Olga Outage' });
  expect((await h.requester.event(appHomeOpenedEvent({ userId }))).status).toBe(200);
  await h.running.built.home.idle();
  expect(JSON.stringify(publishesTo(userId).at(-1)?.body.view)).toContain('Olga');

  // Reopened during the outage: the notice is published, and its record cannot be written.
  await openHomeDuringOutage(userId);
  expect(JSON.stringify(publishesTo(userId).at(-1)?.body.view)).toContain('could not be loaded');

  // The store's digest is the view before the notice, which is what the refresh builds again.
  h.running.built.home.changed();
  await h.running.built.home.flush();
  expect(JSON.stringify(publishesTo(userId).at(-1)?.body.view)).toContain('Olga');
}, 30_000);
