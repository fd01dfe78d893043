/**
 * sccItemShows is pure: whether SCC's item already holds what a PATCH sets, compared as the revenue
 * guard leaves the item. The pipeline test (test/integration/pipeline/scc-patch-repeat.test.ts)
 * covers the read and the skipped repeat against the stand-in and dynalite.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { sccItemShows } from '../../../src/integrations/scc-item';

const patch = {
  title: 'Dana · Sat, Jul 11 · Wind Dancer',
  partySize: 6,
  description: "Dana's charter aboard Wind Dancer.\n\nNotes from the office:\nBring ice",
  roster: [
    { name: 'Sam', role: 'captain', email: 'sam@example.com' },
    { name: 'Lee', role: 'crew' },
  ],
  checklist: [{ text: 'Fuel' }, { text: 'Ice' }],
};

/** The item as SCC writes it on a PATCH: the fields, plus money the revenue guard has not removed yet. */
function storedItem(overrides: Record<string, AttributeValue> = {}): Record<string, AttributeValue> {
  return {
    eventId: { S: 'evt_1' },
    externalId: { S: 'B1' },
    createdAt: { S: '2030-07-01T00:00:00Z' },
    title: { S: patch.title },
    partySize: { N: '6' },
    description: { S: `${patch.description}\nGuest paid $1,200 on Boatsetter` },
    notes: { S: 'Captain fee: $150.00' },
    captainFee: { N: '15000' },
    roster: {
      L: [
        { M: { name: { S: 'Sam' }, role: { S: 'captain' }, email: { S: 'sam@example.com' }, crewPay: { N: '12500' } } },
        { M: { name: { S: 'Lee' }, role: { S: 'crew' }, crewPay: { N: '12500' } } },
      ],
    },
    checklist: { L: [{ M: { text: { S: 'Fuel' } } }, { M: { text: { S: 'Ice' } } }] },
    ...overrides,
  };
}

describe('sccItemShows', () => {
  it('an item SCC wrote with the PATCH shows it, before and after the guard removed its money', () => {
    expect(sccItemShows(storedItem(), patch)).toBe(true);
    const cleaned = storedItem({
      description: { S: patch.description },
      roster: { L: [{ M: { name: { S: 'Sam' }, role: { S: 'captain' }, email: { S: 'sam@example.com' } } }, { M: { name: { S: 'Lee' }, role: { S: 'crew' } } }] },
    });
    delete cleaned.captainFee;
    expect(sccItemShows(cleaned, patch)).toBe(true);
  });

  it.each<[string, Record<string, AttributeValue>]>([
    ['another title', { title: { S: 'Dana · Fri, Jul 10 · Wind Dancer' } }],
    ['another party size', { partySize: { N: '5' } }],
    ['a description with another line', { description: { S: `${patch.description}\nBring a jacket` } }],
    ['a crew member who still has an e-mail the PATCH removes', { roster: { L: [{ M: { name: { S: 'Sam' }, role: { S: 'captain' }, email: { S: 'sam@example.com' } } }, { M: { name: { S: 'Lee' }, role: { S: 'crew' }, email: { S: 'lee@example.com' } } }] } }],
    ['one checklist item fewer', { checklist: { L: [{ M: { text: { S: 'Fuel' } } }] } }],
    ['a number stored as text', { partySize: { S: '6' } }],
  ])('an item with %s does not show the PATCH', (_what, overrides) => {
    expect(sccItemShows(storedItem(overrides), patch)).toBe(false);
  });

  it('a field the item lacks does not show, unless the PATCH leaves it empty (SCC stores no empty string)', () => {
    const { title: _title, ...withoutTitle } = storedItem();
    expect(sccItemShows(withoutTitle, patch)).toBe(false);
    expect(sccItemShows(withoutTitle, { ...patch, title: '' })).toBe(true);
  });

  it("a cancel shows once the item's status is cancelled", () => {
    expect(sccItemShows(storedItem({ status: { S: 'cancelled' } }), { status: 'cancelled' })).toBe(true);
    expect(sccItemShows(storedItem(), { status: 'cancelled' })).toBe(false);
  });
});
