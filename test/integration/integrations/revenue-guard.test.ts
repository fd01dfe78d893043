/**
 * Revenue guard against dynalite, plus the money property: for random bookings, neither the SCC
 * request body nor the SCC item after the guard holds a money key or amount anywhere.
 */
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '../../support/dynamo-json';
import fc from 'fast-check';
import { computeCosts } from '../../../src/booking/costs';
import { formatCents } from '../../../src/booking/money';
import type { RosterMember } from '../../../src/booking/types';
import { loadConfig, type Config } from '../../../src/config';
import { createIntegrations, type Integrations } from '../../../src/integrations';
import { findMoney as detectMoney } from '../../../src/booking/money-detector';
import { createAwsClients } from '../../../src/integrations/aws-clients';
import { RevenueGuard } from '../../../src/integrations/revenue-guard';
import { CREW_MAY_SEE_AMOUNTS } from '../../../src/integrations/revenue-guard-note';
import { createLogger } from '../../../src/log';
import { createStepImplementations } from '../../../src/pipeline/step-implementations';
import { newBookingRecord } from '../../../src/pipeline/state-machine';
import { startFaultProxy } from '../../../src/sandbox/fault-proxy';
import { startStandins, type Standins } from '../../../src/sandbox/standins';
import { bookingRequestArb, RATES } from '../../support/booking';
import { validEnv } from '../../support/env';
import { amountsOf, findMoney } from '../../support/money-search';

let standins: Standins;
let config: Config;
let integrations: Integrations;
let ddb: DynamoDBClient;
const log = createLogger({ level: 'silent' });

beforeAll(async () => {
  standins = await startStandins();
  const loaded = loadConfig(validEnv(standins.env));
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  config = loaded.config;
  integrations = createIntegrations(config, { env: standins.env, itemWait: { attempts: 3, delayMs: 20 } });
  ddb = integrations.aws.dynamodb;
});
afterAll(async () => {
  await integrations?.close();
  await standins?.close();
});

const table = () => config.scc.eventsTable;
const guard = (overrides: Partial<ConstructorParameters<typeof RevenueGuard>[0]> = {}) =>
  new RevenueGuard({ dynamodb: ddb, table: table(), moneyAttributes: config.scc.moneyAttributes, itemWait: { attempts: 3, delayMs: 20 }, ...overrides });
const read = async (eventId: string, tableName = table()) =>
  (await ddb.send(new GetItemCommand({ TableName: tableName, Key: { eventId: { S: eventId } }, ConsistentRead: true }))).Item;
let seq = 0;
const put = async (item: Record<string, AttributeValue>, tableName = table()) => {
  const eventId = `evt_test_${++seq}`;
  await ddb.send(new PutItemCommand({ TableName: tableName, Item: { eventId: { S: eventId }, ...item } }));
  return eventId;
};
/** A DynamoDB client that records the command names it sends (the critical path's call count). */
function counting(client: DynamoDBClient = ddb) {
  const sent: string[] = [];
  const wrapped = { send: (command: { constructor: { name: string } }) => (sent.push(command.constructor.name.replace(/Command$/, '')), client.send(command as never)) } as unknown as DynamoDBClient;
  return { client: wrapped, sent };
}
const S = (s: string): AttributeValue => ({ S: s });
const N = (n: number): AttributeValue => ({ N: String(n) });

describe('revenue guard', () => {
  it('removes money fields (nested too) and money lines of notes, keeps everything else, counts only', async () => {
    const eventId = await put({
      title: S('Maria · JADA'),
      captainFee: N(15000),
      Revenue: N(120000),
      details: { M: { crewCost: N(25000), boat: S('JADA') } },
      notes: S('Sunset sail for 6\nCaptain fee: $150.00\nBring sunscreen\nNet after fees 584 dollars'),
    });
    const result = await guard().guard(eventId);
    expect(result).toEqual({ removedAttributes: 3, removedNoteLines: 2, items: 1, verified: true });
    expect(await read(eventId)).toEqual({
      eventId: S(eventId),
      title: S('Maria · JADA'),
      details: { M: { boat: S('JADA') } },
      notes: S('Sunset sail for 6\nBring sunscreen'),
    });
    expect(JSON.stringify(result)).not.toMatch(/150|1200|584/);
  });

  it('misses no shape: lists of maps, captainPay/tip/amount/fee/payout, description, USD and bucks — and keeps lines that only mention a money word', async () => {
    const externalId = 'SHAPES000001';
    const eventId = await put({
      externalId: S(externalId),
      captainPay: N(15000), tip: N(5000), amount: N(120000), fee: N(2000), payout: N(58400), crew_pay: N(12500),
      roster: { L: [{ M: { name: S('Sam'), role: S('captain'), captainPay: N(15000) } }, { M: { name: S('Lee'), role: S('crew'), crewPay: N(12500) } }] },
      checklist: { L: [{ M: { text: S('Ice the cooler') } }, { M: { text: S('Collect $50 deposit') } }], },
      tags: { L: [S('sunset'), S('paid 1200'), S('birthday')] },
      description: S('Sunset sail for 6\nGuest paid USD 1200\nCrew split 1200 bucks'),
      notes: S('Pay attention: tide turns at 3 pm\nTip: bring a jacket\nNet bag on the bow\nParty of 6, dock 7, call 619-555-0100'),
    });
    const result = await guard().guard({ eventId, externalId });
    expect(result).toMatchObject({ removedAttributes: 8, removedNoteLines: 4, items: 1, verified: true });
    const after = unmarshall((await read(eventId))!);
    expect(after).toEqual({
      eventId, externalId,
      roster: [{ name: 'Sam', role: 'captain' }, { name: 'Lee', role: 'crew' }],
      checklist: [{ text: 'Ice the cooler' }],
      tags: ['sunset', 'birthday'],
      description: 'Sunset sail for 6',
      notes: 'Pay attention: tide turns at 3 pm\nTip: bring a jacket\nNet bag on the bow\nParty of 6, dock 7, call 619-555-0100',
    });
    expect(detectMoney(after)).toEqual([]);
  });

  it('cleans every item carrying the externalId (an SCC duplicate too), and nothing of another booking', async () => {
    const externalId = 'DUPLICATE001';
    const ours = await put({ externalId: S(externalId), captainFee: N(15000), notes: S('ok') });
    const duplicate = await put({ externalId: S(externalId), revenue: N(120000), notes: S('Sunset\nnet 584') });
    const other = await put({ externalId: S('OTHERBOOKING'), revenue: N(99900) });
    const result = await guard().guard({ eventId: ours, externalId });
    expect(result).toEqual({ removedAttributes: 2, removedNoteLines: 1, items: 2, verified: true });
    expect(await read(duplicate)).toEqual({ eventId: S(duplicate), externalId: S(externalId), notes: S('Sunset') });
    expect((await read(other))?.revenue).toEqual(N(99900));
  });

  it('finds duplicates across Scan pages, and refuses (never reports clean) when the scan bound is reached', async () => {
    const externalId = 'PAGED0000001';
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await put({ externalId: S(externalId), tip: N(1000 + i) }));
    const result = await guard({ scanPageLimit: 2 }).guard({ eventId: ids[0]!, externalId });
    expect(result).toMatchObject({ items: 3, removedAttributes: 3, verified: true });
    for (const id of ids) expect((await read(id))?.tip).toBeUndefined();
    const again = await put({ externalId: S(externalId), tip: N(1) });
    await expect(guard({ scanPageLimit: 1, maxScanPages: 2 }).guard({ eventId: again, externalId })).rejects.toMatchObject({ code: 'REVENUE_GUARD_SCAN_BOUND', retryable: false });
  });

  it('uses a GSI on externalId when configured (Query instead of Scan)', async () => {
    const gsiTable = 'scc-events-with-gsi';
    await ddb.send(
      new CreateTableCommand({
        TableName: gsiTable,
        AttributeDefinitions: [{ AttributeName: 'eventId', AttributeType: 'S' }, { AttributeName: 'externalId', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'eventId', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [{ IndexName: 'byExternalId', KeySchema: [{ AttributeName: 'externalId', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' }, ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } }],
        ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
      }),
    );
    const externalId = 'GSIBOOKING01';
    const a = await put({ externalId: S(externalId), fee: N(2000) }, gsiTable);
    const b = await put({ externalId: S(externalId), payout: N(58400) }, gsiTable);
    const { client, sent } = counting();
    const result = await guard({ dynamodb: client, table: gsiTable, externalIdIndex: 'byExternalId' }).guard({ eventId: a, externalId });
    expect(result).toMatchObject({ items: 2, removedAttributes: 2, verified: true });
    expect(sent).toContain('Query');
    expect(sent).not.toContain('Scan');
    expect((await read(b, gsiTable))?.payout).toBeUndefined();
  });

  it('verifies from UpdateItem ALL_NEW: a dirty item costs Scan + UpdateItem, no read-back', async () => {
    const externalId = 'CALLCOUNT001';
    const eventId = await put({ externalId: S(externalId), captainPay: N(15000), notes: S('Sunset\nPaid $1,200') });
    const { client, sent } = counting();
    await expect(guard({ dynamodb: client }).guard({ eventId, externalId })).resolves.toMatchObject({ verified: true });
    expect(sent).toEqual(['Scan', 'UpdateItem']);
  });

  it('is a no-op on a clean item', async () => {
    const eventId = await put({ notes: S('Crew check-in 3:30 PM') });
    await expect(guard().guard(eventId)).resolves.toEqual({ removedAttributes: 0, removedNoteLines: 0, items: 1, verified: true });
  });

  it('waits for an item SCC writes late', async () => {
    standins.scc.setItemBehaviour({ itemDelayMs: 60 });
    try {
      const eventId = await integrations.scc.create({
        externalId: 'LATEITEM0001', title: 't', guestFirstName: 'A', partySize: 2, date: '2030-01-01', timezone: 'UTC',
        checkInTime: 'x', departureTime: 'y', returnTime: 'z', vessel: 'JADA', dock: 'd', roster: [], description: 'late', checklist: [],
      });
      expect(await read(eventId)).toBeUndefined();
      const result = await guard({ itemWait: { attempts: 5, delayMs: 40 } }).guard({ eventId, externalId: 'LATEITEM0001' });
      expect(result.removedAttributes).toBeGreaterThan(0);
    } finally {
      standins.scc.setItemBehaviour({ itemDelayMs: 0 });
      await standins.scc.settled();
    }
  });

  it('gives up on an item that never appears with a retryable error naming the table', async () => {
    await expect(guard().guard('evt_never')).rejects.toMatchObject({
      code: 'SCC_ITEM_MISSING',
      retryable: true,
      operatorMessage: expect.stringMatching(new RegExp(`SCC_EVENTS_TABLE.*${CREW_MAY_SEE_AMOUNTS}`)),
    });
  });

  it('fails clearly, without retrying, when the table does not exist, warning that crew may see amounts meanwhile', async () => {
    await expect(guard({ table: 'no-such-table' }).guard({ eventId: 'evt_x', externalId: 'X' })).rejects.toMatchObject({
      code: 'SCC_TABLE_MISSING',
      retryable: false,
      // Lambda reserves AWS_REGION: the fix there is where the stack is deployed.
      operatorMessage: expect.stringMatching(new RegExp(`on Lambda, the stack's region: deploy it there.*${CREW_MAY_SEE_AMOUNTS}`)),
    });
  });

  it('a DynamoDB answering 500 is retryable and warns that crew may see amounts until the guard succeeds', async () => {
    const proxy = await startFaultProxy(standins.env.AWS_ENDPOINT_URL_DYNAMODB!);
    const failing = createAwsClients({ aws: { region: config.aws.region } }, { ...standins.env, AWS_ENDPOINT_URL_DYNAMODB: proxy.url });
    try {
      proxy.fail();
      const err = await guard({ dynamodb: failing.dynamodb }).guard({ eventId: 'evt_x', externalId: 'X' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'SCC_TABLE_UNAVAILABLE', retryable: true });
      const message = (err as { operatorMessage: string }).operatorMessage;
      expect(message).toContain(CREW_MAY_SEE_AMOUNTS);
      expect(message).not.toContain('created twice');
    } finally {
      failing.destroy();
      await proxy.close();
    }
  });

  it('does not clobber a concurrent edit: the update is conditioned, the guard re-reads and keeps the edit', async () => {
    const eventId = await put({ captainFee: N(15000), notes: S('Sunset sail\nRevenue $1,200') });
    let edited = false;
    // A real second writer on dynalite, timed to land between our read and our update.
    const racing = {
      send: async (command: unknown) => {
        if (command instanceof UpdateItemCommand && !edited) {
          edited = true;
          await ddb.send(
            new UpdateItemCommand({
              TableName: table(), Key: { eventId: S(eventId) },
              UpdateExpression: 'SET notes = :n', ExpressionAttributeValues: { ':n': S('Sunset sail\nRevenue $1,200\nCaptain: bring the spare VHF') },
            }),
          );
        }
        return ddb.send(command as never);
      },
    } as unknown as DynamoDBClient;
    const result = await guard({ dynamodb: racing }).guard(eventId);
    expect(edited).toBe(true);
    expect(result).toMatchObject({ removedAttributes: 1, removedNoteLines: 1, verified: true });
    expect((await read(eventId))?.notes).toEqual(S('Sunset sail\nCaptain: bring the spare VHF'));
  });

  it('cleans money a writer adds to OTHER attributes between read and update (seen in ALL_NEW), and refuses when it never stops', async () => {
    const once = await put({ captainFee: N(15000) });
    let added = 0;
    const sneaky = (times: number, eventId: () => string) =>
      ({
        send: async (command: unknown) => {
          if (command instanceof UpdateItemCommand && added < times) {
            added += 1;
            await ddb.send(new UpdateItemCommand({ TableName: table(), Key: { eventId: S(eventId()) }, UpdateExpression: 'SET #t = :t', ExpressionAttributeNames: { '#t': `tip${added}` }, ExpressionAttributeValues: { ':t': N(500) } }));
          }
          return ddb.send(command as never);
        },
      }) as unknown as DynamoDBClient;
    await expect(guard({ dynamodb: sneaky(1, () => once) }).guard(once)).resolves.toMatchObject({ removedAttributes: 2, verified: true });
    expect(await read(once)).toEqual({ eventId: S(once) });

    added = 0;
    const forever = await put({ captainFee: N(15000) });
    await expect(guard({ dynamodb: sneaky(100, () => forever), maxConflicts: 3 }).guard(forever)).rejects.toMatchObject({ code: 'REVENUE_GUARD_UNVERIFIED', retryable: true });
  });
});

describe('money never reaches SCC (property over random bookings)', () => {
  it('no money key or amount in any SCC request body or in the SCC item after the guard', async () => {
    const steps = createStepImplementations({ config, ...integrations });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(bookingRequestArb, async (generated) => {
        n += 1;
        const request = { ...generated, notes: `Birthday sunset sail\nGuest pays ${formatCents(generated.priceCents)}; crew ${formatCents(generated.crewHours * 2500)}\nnet ${generated.priceCents / 100}\nPay attention: tide turns at 3 pm` };
        const roster: RosterMember[] = [
          { slackUserId: request.captain, name: 'Sam Ortiz', email: 'sam@example.com', role: 'captain' },
          ...request.crew.map((id, i) => ({ slackUserId: id, name: `Crew ${i}`, role: 'crew' as const })),
        ];
        const costs = computeCosts({ grossCents: request.priceCents, crewCount: request.crew.length, crewHours: request.crewHours, captainHours: request.captainHours }, RATES);
        const id = `PROP${String(n).padStart(8, '0')}`;
        const booking = newBookingRecord({ id, request, roster, costs, createdBy: 'U0CREATOR1', slack: { channel: 'C0OPS00001' } }, 1_800_000_000_000);
        const ctx = { booking, results: {}, attempt: 1, log };
        const scc = await steps.scc_event(ctx);
        const amounts = amountsOf(costs);
        const flat = (item: Record<string, AttributeValue> | undefined) =>
          Object.fromEntries(Object.entries(item ?? {}).map(([k, v]) => [k, v.S ?? v.N ?? v.L ?? v.M ?? v.BOOL]));
        // The stand-in seeds money like SCC's sync does, so the search has something to miss if the guard fails.
        expect(findMoney(flat(await read(String(scc.eventId))), amounts).length).toBeGreaterThan(0);
        await steps.revenue_guard({ ...ctx, results: { scc_event: scc } });
        const body = standins.scc.recorder.find('POST', '/events').find((r) => (r.body as { externalId?: string }).externalId === id)?.body;
        expect(body).toBeDefined();
        expect(findMoney(body, amounts)).toEqual([]);
        expect(detectMoney(body)).toEqual([]);
        const after = await read(String(scc.eventId));
        expect(findMoney(flat(after), amounts)).toEqual([]);
        expect(detectMoney(unmarshall(after!))).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });
});
