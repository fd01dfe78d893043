/**
 * Revenue guard against dynalite, plus the money property: for random bookings, neither the SCC
 * request body nor the SCC item after the guard holds a money key or amount anywhere.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { computeCosts } from '../../../src/booking/costs';
import { formatCents } from '../../../src/booking/money';
import type { RosterMember } from '../../../src/booking/types';
import { loadConfig, type Config } from '../../../src/config';
import { createIntegrations, type Integrations } from '../../../src/integrations';
import { isMoneyLine, RevenueGuard } from '../../../src/integrations/revenue-guard';
import { createLogger } from '../../../src/log';
import { createStepImplementations } from '../../../src/pipeline/step-implementations';
import { newBookingRecord } from '../../../src/pipeline/state-machine';
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
const read = async (eventId: string) =>
  (await ddb.send(new GetItemCommand({ TableName: table(), Key: { eventId: { S: eventId } }, ConsistentRead: true }))).Item;
let seq = 0;
const put = async (item: Record<string, AttributeValue>) => {
  const eventId = `evt_test_${++seq}`;
  await ddb.send(new PutItemCommand({ TableName: table(), Item: { eventId: { S: eventId }, ...item } }));
  return eventId;
};

describe('revenue guard', () => {
  it('removes money attributes (nested too) and money lines of notes, keeps everything else, counts only', async () => {
    const eventId = await put({
      title: { S: 'Maria · JADA' },
      captainFee: { N: '15000' },
      Revenue: { N: '120000' },
      details: { M: { crewCost: { N: '25000' }, boat: { S: 'JADA' } } },
      notes: { S: 'Sunset sail for 6\nCaptain fee: $150.00\nBring sunscreen\nNet after fees 584 dollars' },
    });
    const result = await guard().guard(eventId);
    expect(result).toEqual({ removedAttributes: 3, removedNoteLines: 2, verified: true });
    expect(await read(eventId)).toEqual({
      eventId: { S: eventId },
      title: { S: 'Maria · JADA' },
      details: { M: { boat: { S: 'JADA' } } },
      notes: { S: 'Sunset sail for 6\nBring sunscreen' },
    });
    expect(JSON.stringify(result)).not.toMatch(/150|1200|584/);
  });

  it('is a no-op on a clean item', async () => {
    const eventId = await put({ notes: { S: 'Crew check-in 3:30 PM' } });
    await expect(guard().guard(eventId)).resolves.toEqual({ removedAttributes: 0, removedNoteLines: 0, verified: true });
  });

  it('waits for an item SCC writes late', async () => {
    standins.scc.setItemBehaviour({ itemDelayMs: 60 });
    try {
      const eventId = await integrations.scc.create({
        externalId: 'LATEITEM0001', title: 't', guestFirstName: 'A', partySize: 2, date: '2030-01-01', timezone: 'UTC',
        checkInTime: 'x', departureTime: 'y', returnTime: 'z', vessel: 'JADA', dock: 'd', roster: [], description: 'late', checklist: [],
      });
      expect(await read(eventId)).toBeUndefined();
      const result = await guard({ itemWait: { attempts: 5, delayMs: 40 } }).guard(eventId);
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
      operatorMessage: expect.stringContaining('SCC_EVENTS_TABLE'),
    });
  });

  it('fails clearly, without retrying, when the table does not exist', async () => {
    await expect(guard({ table: 'no-such-table' }).guard('evt_x')).rejects.toMatchObject({ code: 'SCC_TABLE_MISSING', retryable: false });
  });

  it('does not clobber a concurrent edit: the update is conditioned, the guard re-reads and keeps the edit', async () => {
    const eventId = await put({ captainFee: { N: '15000' }, notes: { S: 'Sunset sail\nRevenue $1,200' } });
    let edited = false;
    // A real second writer on dynalite, timed to land between our read and our update.
    const racing = {
      send: async (command: unknown) => {
        if (command instanceof UpdateItemCommand && !edited) {
          edited = true;
          await ddb.send(
            new UpdateItemCommand({
              TableName: table(), Key: { eventId: { S: eventId } },
              UpdateExpression: 'SET notes = :n', ExpressionAttributeValues: { ':n': { S: 'Sunset sail\nRevenue $1,200\nCaptain: bring the spare VHF' } },
            }),
          );
        }
        return ddb.send(command as never);
      },
    } as unknown as DynamoDBClient;
    const result = await guard({ dynamodb: racing }).guard(eventId);
    expect(edited).toBe(true);
    expect(result).toEqual({ removedAttributes: 1, removedNoteLines: 1, verified: true });
    expect((await read(eventId))?.notes).toEqual({ S: 'Sunset sail\nCaptain: bring the spare VHF' });
  });
});

describe('isMoneyLine', () => {
  it.each([
    ['Captain fee: $150.00', true],
    ['Revenue 1200', true],
    ['Net after fees 584 dollars', true],
    ['Crew pay 25/h', true],
    ['Port fees 18%', true],
    ['€40 tip', true],
    ['Bring sunscreen', false],
    ['Check in at 3:30 PM, dock B-12', false],
    ['Party of 6, 5 hours', false],
  ])('%s → %s', (line, expected) => {
    expect(isMoneyLine(line)).toBe(expected);
  });
});

describe('money never reaches SCC (property over random bookings)', () => {
  it('no money key or amount in any SCC request body or in the SCC item after the guard', async () => {
    const steps = createStepImplementations({ config, ...integrations });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(bookingRequestArb, async (generated) => {
        n += 1;
        const request = { ...generated, notes: `Guest pays ${formatCents(generated.priceCents)}; crew ${formatCents(generated.crewHours * 2500)}` };
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
        expect(findMoney(flat(await read(String(scc.eventId))), amounts)).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });
});
