/**
 * App Home opened while the booking store does not answer (a DynamoDB blip: every request 500,
 * through a fault proxy in front of dynalite). Someone looking at the tab right then must not get
 * an empty tab, or an old one that looks current: they are told it could not be loaded and to
 * reopen it, and the next refresh after the store is back shows their charters. An approver whose
 * click cannot be saved hears so and is asked to click again.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoBookingStore } from '../../../src/pipeline/dynamodb-store';
import { startDynalite, type RunningDynalite } from '../../../src/sandbox/dynalite';
import { startFaultProxy, type FaultProxy } from '../../../src/sandbox/fault-proxy';
import type { RecordedSlackCall } from '../../../src/sandbox/slack-api-standin';
import { appHomeOpenedEvent } from '../../support/slack-requests';
import { APPROVER, clickInOps, CREW, doneBooking, ephemeralsTo, inDays, startHarness, submitBooking, VALID_FIELDS, waitForBooking, waitForLog, type Harness } from './harness';

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
  // The service retries a store call for its budget (60 s by default) before giving up on a click.
  h = await startHarness({ deps: { store, homeDebounceMs: 50, runner: { storeRetry: { budgetMs: 1000 } } } });
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

it('Approve clicked while the store does not answer: the approver is told it may not have gone through, and the log names the click', async () => {
  const id = await submitBooking(h, { ...VALID_FIELDS, date: inDays(4), guestName: 'Ursula Unsaved' });
  h.slack.clear();
  const logFrom = h.logLines.length;
  proxy.fail();
  try {
    expect((await clickInOps(h, 'booking_approve', id)).status).toBe(200);
    await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).length > 0);
  } finally {
    proxy.heal();
  }
  expect(ephemeralsTo(h, APPROVER)).toEqual(['Your click on Approve may not have gone through: the bot could not reach its booking store. Click Approve again — if the first one counted, the bot says so, and nothing happens twice.']);
  const failed = h.logLines.slice(logFrom).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => String(l.msg).startsWith('Approve click failed'));
  expect(failed).toMatchObject({ bookingId: id, userId: APPROVER, action: 'booking_approve', err: { type: 'StoreUnavailableError' } });
  // So do the store's own retry warnings while the click waited.
  const waited = h.logLines.slice(logFrom).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'state store unavailable; retrying' && (l.what === 'get' || l.what === 'put'));
  expect(waited.length).toBeGreaterThan(0);
  for (const line of waited) expect(line).toMatchObject({ bookingId: id, userId: APPROVER, action: 'booking_approve', requestType: 'block_actions' });
  expect((await h.running.built.api.get(id))?.state).toBe('pending_approval');

  // Clicked again once the store answers, it approves.
  await clickInOps(h, 'booking_approve', id);
  await waitForBooking(h, id, (b) => b.state !== 'pending_approval');
}, 30_000);

it('any other listener failing logs who clicked what, not just "slack listener failed"', async () => {
  const id = await submitBooking(h, { ...VALID_FIELDS, date: inDays(5), guestName: 'Lou Listener' });
  proxy.fail();
  try {
    expect((await clickInOps(h, 'booking_details', id)).status).toBe(200);
    const line = JSON.parse(await waitForLog(h, /slack listener failed/)) as Record<string, unknown>;
    expect(line).toMatchObject({ userId: APPROVER, requestType: 'block_actions', action: 'booking_details', actionValue: id, err: { type: 'StoreUnavailableError' } });
  } finally {
    proxy.heal();
  }
}, 30_000);
