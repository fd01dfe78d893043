/**
 * SCC may store a field in another shape than the PATCH sent it — text with other line endings,
 * times in UTC with milliseconds or as epoch milliseconds, the date as that day's midnight, a number
 * as text. A change's PATCH whose answer was lost after SCC applied it must still count as landed
 * when its repeat reads such an item (an SCC that ignores Idempotency-Key would e-mail the crew the
 * change twice); an item whose time really differs (SCC wrote the wall time as UTC) must not, and the
 * PATCH goes again. Real stand-ins over HTTP (SCC reshaping its item, ignoring Idempotency-Key), a
 * TCP fault proxy losing the PATCH's answer, dynalite, SQLite.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { SccStoredShape } from '../../../src/sandbox/scc-standin';
import { appliedPatches, expectFoundAppliedOnce, rescheduledLosingAnswer, sentPatches, useSccPatchWorld } from '../../fixtures/pipeline/scc-patch-world';

jest.setTimeout(60_000);
const world = useSccPatchWorld('scc-patch-reshaped');

afterEach(() => world.standins.scc.setItemBehaviour({ storeAs: false }));

const isoInstant = (v: unknown): v is string => typeof v === 'string' && /T\d{2}:\d{2}(:\d{2})?[+-]\d{2}:\d{2}$/.test(v);

/** An SCC that normalises what it stores: CRLF text, UTC times with ms, the check-in as epoch ms, the date as midnight UTC, numbers as text. */
const reshaped: SccStoredShape = (fields) =>
  Object.fromEntries(
    Object.entries(fields).map(([k, v]) => {
      if (k === 'checkInTime' && isoInstant(v)) return [k, Date.parse(v)];
      if (isoInstant(v)) return [k, new Date(v).toISOString()];
      if (k === 'date' && typeof v === 'string') return [k, `${v}T00:00:00.000Z`];
      if (typeof v === 'number') return [k, String(v)];
      if (typeof v === 'string') return [k, `${v.replace(/\n/g, '\r\n')}  `];
      return [k, v];
    }),
  );

/** The same SCC with a zone bug: the departure's wall time written as if it were UTC — another instant. */
const departureAsUtcWallTime: SccStoredShape = (fields) => {
  const stored = reshaped(fields);
  const departure = fields.departureTime;
  return isoInstant(departure) ? { ...stored, departureTime: `${departure.slice(0, 19)}.000Z` } : stored;
};

const applied = (eventId: string) => appliedPatches(world, eventId);
const sent = (eventId: string) => sentPatches(world, eventId);

async function storedItem(eventId: string) {
  const ddb = new DynamoDBClient({ endpoint: world.standins.dynamodb.endpoint, region: 'us-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    const { Item } = await ddb.send(new GetItemCommand({ TableName: world.standins.env.SCC_EVENTS_TABLE!, Key: { eventId: { S: eventId } }, ConsistentRead: true }));
    return Item!;
  } finally {
    ddb.destroy();
  }
}

it('a reschedule PATCH SCC applied and stored reshaped, whose answer was lost, is not sent again', async () => {
  const { r, eventId } = await rescheduledLosingAnswer(world, '2030-07-11', reshaped);

  expectFoundAppliedOnce(world, r, eventId);
  // The item really held the fields in other shapes than the PATCH sent them.
  const body = applied(eventId)[0]!.body;
  const item = await storedItem(eventId);
  expect(body.date).toBe('2030-07-11');
  expect(item.date?.S).toBe('2030-07-11T00:00:00.000Z');
  expect(item.checkInTime?.N).toBe(String(Date.parse(String(body.checkInTime))));
  expect(item.departureTime?.S).toBe(new Date(String(body.departureTime)).toISOString());
  expect(item.departureTime?.S).not.toBe(body.departureTime);
  expect(item.partySize?.S).toBe(String(body.partySize));
  expect(item.title?.S).not.toBe(body.title);
});

it('a repeat whose item SCC stored with a really different time sends the PATCH again', async () => {
  const { r, eventId } = await rescheduledLosingAnswer(world, '2030-07-12', departureAsUtcWallTime);

  const ran = r.operations?.at(-1);
  expect(ran?.status).toBe('done');
  expect(ran?.steps?.scc_update?.attempts).toBe(2);
  expect(ran?.steps?.scc_update?.result?.alreadyApplied).toBeUndefined();
  expect(sent(eventId)).toHaveLength(2);
  expect(applied(eventId).map((p) => p.body.date)).toEqual(['2030-07-12', '2030-07-12']);
});
