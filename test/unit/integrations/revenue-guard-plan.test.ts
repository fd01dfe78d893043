/**
 * planCleaning is pure: what the revenue guard would remove from an SCC item, without DynamoDB.
 * The integration test (test/integration/integrations/revenue-guard.test.ts) covers the writes.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { planCleaning } from '../../../src/integrations/revenue-guard';

const paths = (item: Record<string, AttributeValue>) => planCleaning(item).map((op) => ({ path: op.path, value: op.value }));

describe('planCleaning', () => {
  it.each(['total', 'charterTotal', 'grandTotal', 'payroll', 'compensation', 'crewCompensation', 'income', 'margin', 'fare', 'proceeds', 'discount'])(
    'removes a numeric value under %s, at the top and nested in a list of maps',
    (key) => {
      const item = { eventId: { S: 'e' }, externalId: { S: 'x' }, [key]: { N: '1200' }, crew: { L: [{ M: { name: { S: 'Lee' }, [key]: { N: '150' } } }] } };
      expect(paths(item)).toEqual([
        { path: [key], value: undefined },
        { path: ['crew', 0, key], value: undefined },
      ]);
    },
  );

  it('keeps counts that are totals of people or hours', () => {
    expect(paths({ eventId: { S: 'e' }, totalGuests: { N: '6' }, guestTotal: { N: '6' }, totalHours: { N: '4' }, partySize: { N: '6' } })).toEqual([]);
  });

  it('drops the note lines the audit found kept, and only those', () => {
    const notes = ['Collect 1200 at dock', 'Balance due 400 on arrival', 'tip ５００', 'Check in at 3:30 PM, dock B-12', 'Party of 6'].join('\n');
    expect(paths({ eventId: { S: 'e' }, notes: { S: notes }, checklist: { SS: ['Fuel', 'Ice 85.40', 'Ice'] } })).toEqual([
      { path: ['notes'], value: { S: 'Check in at 3:30 PM, dock B-12\nParty of 6' } },
      { path: ['checklist'], value: { SS: ['Fuel', 'Ice'] } },
    ]);
  });
});
