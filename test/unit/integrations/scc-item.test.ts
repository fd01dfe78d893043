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
    ['a number stored as other text', { partySize: { S: '6 guests' } }],
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

/** A reschedule's PATCH with the times and date SCC may store in other shapes. */
const timed = {
  title: 'Dana · Sat, Jul 11 · Wind Dancer',
  guestFirstName: 'Dana',
  partySize: 6,
  date: '2030-07-11',
  timezone: 'America/Los_Angeles',
  checkInTime: '2030-07-11T09:00:00-07:00',
  departureTime: '2030-07-11T09:30:00-07:00',
  returnTime: '2030-07-11T13:30:00-07:00',
  description: "Dana's charter aboard Wind Dancer: 6 guests.\n\nNotes from the office:\nBring ice",
  roster: [
    { name: 'Sam', role: 'captain', email: 'sam@example.com' },
    { name: 'Lee', role: 'crew' },
  ],
  checklist: [{ text: 'Fuel' }],
};
const DEPARTURE_MS = Date.UTC(2030, 6, 11, 16, 30);

/** The item holding `timed` as sent, every value as the PATCH had it. */
function timedItem(overrides: Record<string, AttributeValue> = {}): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = { eventId: { S: 'evt_2' }, externalId: { S: 'B2' } };
  for (const [k, v] of Object.entries(timed)) {
    if (typeof v === 'string') item[k] = { S: v };
    else if (typeof v === 'number') item[k] = { N: String(v) };
  }
  item.roster = { L: [{ M: { name: { S: 'Sam' }, role: { S: 'captain' }, email: { S: 'sam@example.com' } } }, { M: { name: { S: 'Lee' }, role: { S: 'crew' } } }] };
  item.checklist = { L: [{ M: { text: { S: 'Fuel' } } }] };
  return { ...item, ...overrides };
}

describe('sccItemShows on an item SCC stored in another shape than the PATCH sent', () => {
  it('the item as sent shows the PATCH', () => {
    expect(sccItemShows(timedItem(), timed)).toBe(true);
  });

  it.each<[string, Record<string, AttributeValue>]>([
    ['text trimmed', { title: { S: `  ${timed.title}\n` } }],
    ['whitespace collapsed or widened', { title: { S: 'Dana ·  Sat,\tJul 11 · Wind Dancer' } }],
    ['CRLF line endings and trailing spaces', { description: { S: timed.description.replace(/\n/g, '  \r\n') } }],
    ['a time in UTC with milliseconds', { departureTime: { S: '2030-07-11T16:30:00.000Z' } }],
    ['a time in UTC as +00:00', { departureTime: { S: '2030-07-11T16:30:00+00:00' } }],
    ["a time in the operator's offset with milliseconds", { departureTime: { S: '2030-07-11T09:30:00.000-07:00' } }],
    ['a time in another offset without seconds', { departureTime: { S: '2030-07-11T12:30-0400' } }],
    ['a time as epoch milliseconds', { departureTime: { N: String(DEPARTURE_MS) } }],
    ['a time as epoch seconds', { departureTime: { N: String(DEPARTURE_MS / 1000) } }],
    ["a date as that day's midnight", { date: { S: '2030-07-11T00:00:00.000Z' } }],
    ['a number as a numeral', { partySize: { S: ' 6 ' } }],
    ["a crew member's e-mail in other letter case", { roster: { L: [{ M: { name: { S: 'Sam' }, role: { S: 'captain' }, email: { S: ' Sam@Example.COM' } } }, { M: { name: { S: 'Lee' }, role: { S: 'crew' } } }] } }],
    ["a crew member's unset e-mail as NULL", { roster: { L: [{ M: { name: { S: 'Sam' }, role: { S: 'captain' }, email: { S: 'sam@example.com' } } }, { M: { name: { S: 'Lee' }, role: { S: 'crew' }, email: { NULL: true } } }] } }],
    ["a crew member's unset e-mail as blank text", { roster: { L: [{ M: { name: { S: 'Sam' }, role: { S: 'captain' }, email: { S: 'sam@example.com' } } }, { M: { name: { S: ' Lee ' }, role: { S: 'crew' }, email: { S: '' } } }] } }],
  ])('an item with %s shows the PATCH', (_what, overrides) => {
    expect(sccItemShows(timedItem(overrides), timed)).toBe(true);
  });

  it('a field the PATCH leaves empty shows as absent, NULL, blank or an empty list', () => {
    const emptied = { ...timed, guestFirstName: ' ', checklist: [] };
    const { guestFirstName: _g, checklist: _c, ...without } = timedItem();
    expect(sccItemShows(without, emptied)).toBe(true);
    expect(sccItemShows(timedItem({ guestFirstName: { NULL: true }, checklist: { L: [] } }), emptied)).toBe(true);
    expect(sccItemShows(timedItem({ guestFirstName: { S: '  ' }, checklist: { L: [{ M: { text: { S: ' ' } } }] } }), emptied)).toBe(true);
    // The item still holding what the PATCH empties is a change not landed.
    expect(sccItemShows(timedItem({ guestFirstName: { S: '  ' } }), emptied)).toBe(false);
    expect(sccItemShows(timedItem({ checklist: { L: [] } }), emptied)).toBe(false);
  });

  it.each<[string, Record<string, AttributeValue>]>([
    ['a time an hour later', { departureTime: { S: '2030-07-11T17:30:00.000Z' } }],
    ['a time a minute later as epoch seconds', { departureTime: { N: String(DEPARTURE_MS / 1000 + 60) } }],
    ['a time a second later as epoch milliseconds', { departureTime: { N: String(DEPARTURE_MS + 1000) } }],
    ['a time without an offset (any zone)', { departureTime: { S: '2030-07-11T09:30:00' } }],
    ['the same wall time in another offset', { departureTime: { S: '2030-07-11T09:30:00Z' } }],
    ['another date', { date: { S: '2030-07-12' } }],
    ["a date as another hour than that day's midnight", { date: { S: '2030-07-11T07:00:00Z' } }],
    ['a date as epoch milliseconds', { date: { N: String(Date.UTC(2030, 6, 11)) } }],
    ['another name', { title: { S: 'Dina · Sat, Jul 11 · Wind Dancer' } }],
    ['a name in other case', { title: { S: 'dana · Sat, Jul 11 · Wind Dancer' } }],
    ['two lines joined into one', { description: { S: timed.description.replace('office:\n', 'office: ') } }],
    ['the crew in another order', { roster: { L: [{ M: { name: { S: 'Lee' }, role: { S: 'crew' } } }, { M: { name: { S: 'Sam' }, role: { S: 'captain' }, email: { S: 'sam@example.com' } } }] } }],
    ['another e-mail address', { roster: { L: [{ M: { name: { S: 'Sam' }, role: { S: 'captain' }, email: { S: 'sam@example.org' } } }, { M: { name: { S: 'Lee' }, role: { S: 'crew' } } }] } }],
    ['an e-mail address with its dot taken out', { roster: { L: [{ M: { name: { S: 'Sam' }, role: { S: 'captain' }, email: { S: 'sam@examplecom' } } }, { M: { name: { S: 'Lee' }, role: { S: 'crew' } } }] } }],
    ['one crew member fewer', { roster: { L: [{ M: { name: { S: 'Sam' }, role: { S: 'captain' }, email: { S: 'sam@example.com' } } }] } }],
    ['another party size as a numeral', { partySize: { S: '5' } }],
    ['the time zone blank', { timezone: { S: ' ' } }],
  ])('an item with %s does not show the PATCH', (_what, overrides) => {
    expect(sccItemShows(timedItem(overrides), timed)).toBe(false);
  });
});
