/**
 * The clock-driven tasks on the DynamoDB store, which lists them from its sparse index of current
 * bookings: a done charter still ahead is reminded and shown on App Home; once it is two days past,
 * it comes off the index and stays readable by id. The real app over signed HTTP, the Slack
 * stand-in, dynalite, and an injectable clock.
 */
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { CURRENT_INDEX, CURRENT_KEY, DynamoBookingStore } from '../../../src/pipeline/dynamodb-store';
import { startDynalite, type RunningDynalite } from '../../../src/sandbox/dynalite';
import { checkInMsOf } from '../../../src/slack/crew-reminders';
import { appHomeOpenedEvent } from '../../support/slack-requests';
import { CAPTAIN, CREW, doneBooking, lastHomeViewOf, startHarness, type Harness } from './harness';

const HOUR = 3_600_000;
const TABLE = 'slack-listings';

/** A clock that runs with real time, shifted by `offsetMs` (moved by tests). */
function shiftedClock() {
  const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs, setTo: (ms: number) => void (clock.offsetMs = ms - Date.now()) };
  return clock;
}

let dynalite: RunningDynalite;
let client: DynamoDBClient;
let store: DynamoBookingStore;
let h: Harness;
const clock = shiftedClock();

beforeAll(async () => {
  dynalite = await startDynalite();
  client = new DynamoDBClient({ endpoint: dynalite.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  store = new DynamoBookingStore({ client, table: TABLE });
  await store.ensureTable({ create: true });
  h = await startHarness({ deps: { store, now: clock.now, ownerId: 'listings-process' } });
});
afterAll(async () => {
  await h?.close();
  await store?.close();
  client?.destroy();
  await dynalite?.close();
});

async function indexed(): Promise<string[]> {
  const out = await client.send(new QueryCommand({ TableName: TABLE, IndexName: CURRENT_INDEX, KeyConditionExpression: '#k = :v', ExpressionAttributeNames: { '#k': CURRENT_KEY }, ExpressionAttributeValues: { ':v': { S: 'current' } } }));
  return (out.Items ?? []).map((i) => i.id!.S!);
}

const reminderDms = () => h.slack.callsTo('chat.postMessage').filter((c) => String(c.body.channel).startsWith('D') && /^Reminder/.test(String(c.body.text)));

it('a done charter still ahead is reminded and on Home; two days after it, it is off the index and still readable by id', async () => {
  const id = await doneBooking(h);
  const booking = (await h.running.built.api.get(id))!;
  expect(booking.state).toBe('done');
  const checkIn = checkInMsOf(booking, h.config);

  // 47 h before check-in nobody has answered: each of the three is reminded, once.
  clock.setTo(checkIn - 47 * HOUR);
  h.slack.clear();
  await h.running.built.periodic.runOnce();
  await h.running.built.periodic.runOnce();
  expect(reminderDms().map((c) => c.body.channel).sort()).toEqual([CAPTAIN, ...CREW].map((u) => `D${u.slice(1)}`).sort());
  expect(await h.requester.event(appHomeOpenedEvent({ userId: CREW[0] }))).toMatchObject({ status: 200 });
  await h.running.built.home.idle();
  expect(lastHomeViewOf(h, CREW[0])).toContain(id);

  // Three days after the charter: nothing lists it, and the first listing took it off the index.
  clock.setTo(checkIn + 72 * HOUR);
  expect(await indexed()).toContain(id);
  h.slack.clear();
  await h.running.built.periodic.runOnce();
  expect(await indexed()).not.toContain(id);
  expect(reminderDms()).toEqual([]);
  expect((await h.running.built.api.get(id))?.state).toBe('done');
  expect(await h.requester.event(appHomeOpenedEvent({ userId: CREW[0] }))).toMatchObject({ status: 200 });
  await h.running.built.home.idle();
  expect(lastHomeViewOf(h, CREW[0])).not.toContain(id);
});
