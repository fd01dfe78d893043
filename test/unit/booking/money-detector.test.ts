/**
 * The shared money detector: a fixed corpus of tricky lines judged both ways, field names, and
 * properties over generated notes and generated nested items (maps and lists, any depth).
 */
import fc from 'fast-check';
import { findMoney, isMoneyKey, isMoneyLine, nameParts, withoutMoneyLines } from '../../../src/booking/money-detector';
import { crewNotesMoneyError } from '../../../src/booking/schema';
import corpus from '../../fixtures/money/tricky-lines.json';
import operatorNotes from '../../fixtures/money/operator-notes.json';
import { moneyLine, safeLine } from '../../support/money-lines';

describe('isMoneyLine on the fixed corpus', () => {
  it.each(corpus.money)('money: %s', (line) => {
    expect(isMoneyLine(line)).toBe(true);
  });
  it.each(corpus.notMoney)('not money: %s', (line) => {
    expect(isMoneyLine(line)).toBe(false);
  });
});

/** [group, line] pairs of one side of operator-notes.json: the group's name says why its lines are judged so. */
const byGroup = (side: Record<string, string[]>) => Object.entries(side).flatMap(([why, lines]) => lines.map((line) => [why, line] as const));

describe('isMoneyLine on the adversarial corpus of operator notes', () => {
  it.each(byGroup(operatorNotes.money))('money — %s: %s', (_why, line) => {
    expect(isMoneyLine(line)).toBe(true);
  });
  it.each(byGroup(operatorNotes.notMoney))('not money — %s: %s', (_why, line) => {
    expect(isMoneyLine(line)).toBe(false);
  });
});

describe('long lines', () => {
  // Some of these shapes made patterns of the detector backtrack for minutes at 2 KB. No timing is
  // asserted: the answer is, so the detector runs to the end, and a pattern that backtracks without
  // end hangs this test instead of passing it.
  const spaces = ' '.repeat(10_000);
  it.each([
    ['digits and slashes', '1/2/'.repeat(2500), false],
    ['digits and slashes in threes', '12/34/56/'.repeat(1200), false],
    ['dates after "split"', `split ${'12/5 '.repeat(2000)}`, false],
    ['a digit list with commas', '1,'.repeat(5000), false],
    ['a digit list with dots', '1.'.repeat(5000), false],
    ['digits and dashes', '1-'.repeat(5000), false],
    ['ratios with no split word', '70/30-60:40 '.repeat(900), false],
    ['a money word, spaces, no number', `tip${spaces}x`, false],
    ['a party, spaces, a dash', `owner${spaces}-`, false],
    ['a digit, spaces, a percent sign', `5${spaces}%`, false],
    ['a label, spaces, a colon, spaces, a digit', `dock${spaces}:${spaces}7`, false],
    ['times after "at"', 'at 1 '.repeat(2000), false],
    ['a money word, spaces, an amount', `tip${spaces}500`, true],
    ['a party, spaces, an amount', `owner${spaces}55`, true],
    ['a split after many ratios', `${'70/30 '.repeat(1600)}split`, true],
  ])('%s (10 KB)', (_shape, line, money) => {
    expect(line.length).toBeGreaterThanOrEqual(9000);
    expect(isMoneyLine(line)).toBe(money);
  });
});

describe('field names', () => {
  it('splits camelCase, snake_case, kebab-case and acronyms into word parts', () => {
    expect(nameParts('captainPay')).toEqual(['captain', 'pay']);
    expect(nameParts('crew_pay_cents')).toEqual(['crew', 'pay', 'cents']);
    expect(nameParts('TIPAmount')).toEqual(['tip', 'amount']);
    expect(nameParts('port-fee2')).toEqual(['port', 'fee', '2']);
  });

  it.each(['captainPay', 'crewPay', 'tip', 'Tip', 'amount', 'fee', 'payout', 'rate', 'price', 'cost', 'revenue', 'net', 'gross', 'deposit', 'netRevenue', 'crew_pay', 'PORT_FEES', 'totalCost', 'tipAmount', 'hourlyRate', 'captainFeeCents'])(
    '%s is a money field',
    (name) => expect(isMoneyKey(name)).toBe(true),
  );

  it.each(['eventId', 'externalId', 'title', 'description', 'notes', 'roster', 'partySize', 'checkInTime', 'returnTime', 'network', 'display', 'coffee', 'pirate', 'cabinet', 'dock', 'vessel', 'checklist', 'timezone'])(
    '%s is not a money field',
    (name) => expect(isMoneyKey(name)).toBe(false),
  );

  it.each(['total', 'charterTotal', 'grandTotal', 'TOTAL_PRICE', 'payroll', 'compensation', 'crewCompensation', 'income', 'margin', 'fare', 'fares', 'proceeds', 'discount', 'discountCents'])(
    '%s is a money field (audit P3)',
    (name) => expect(isMoneyKey(name)).toBe(true),
  );

  it.each(['captainHourly', 'crewHourly', 'stipend', 'captainStipend', 'grat', 'gratAmt'])('%s is a money field (pay by another name)', (name) => expect(isMoneyKey(name)).toBe(true));

  it.each(['ownerSplit', 'revenue_share', 'splitPct', 'splitPercent', 'splitRatio', 'captainCut', 'ownerCut', 'houseCut', 'platformCut', 'take_home', 'takeHome', 'captainTakeHome', 'ownerTake', 'payoutCents', 'ownerShare', 'crewShare', 'sharePct', 'revShare', 'rev_share', 'revSplit', 'ownerPct', 'crewPercent', 'captainPercentage', 'salesTax', 'taxes', 'fuelSurcharge', 'expenses', 'reimbursement', 'payable', 'owed', 'penalty', 'rebate', 'billing', 'ledger', 'financials', 'currency', 'currencyCode', 'budget', 'holdback'])(
    '%s is a money field (a party\'s part, or what is added to, held from or owed on a price)',
    (name) => expect(isMoneyKey(name)).toBe(true),
  );

  it.each(['split', 'share', 'cut', 'take', 'pct', 'percent', 'splitGroup', 'groupSplit', 'splitScreen', 'shareUrl', 'shareLink', 'shareWithCrew', 'cutoff', 'cutoffTime', 'shortcut', 'takeoff', 'takeover', 'owner', 'ownerId', 'crewCount', 'crewRatio', 'percentComplete', 'progressPct', 'batteryPct', 'fuelPercent', 'comp', 'complimentary'])(
    '%s is not a money field (share words alone or beside no party, gauges)',
    (name) => expect(isMoneyKey(name)).toBe(false),
  );

  it.each(['totalGuests', 'guestTotal', 'totalHours', 'total_pax', 'totalPeople'])('%s counts people or hours: not a money field', (name) => expect(isMoneyKey(name)).toBe(false));

  it('honours an explicit list for names that are not split into words', () => {
    expect(isMoneyKey('captainfee')).toBe(false);
    expect(isMoneyKey('CaptainFee'.toLowerCase(), new Set(['captainfee']))).toBe(true);
  });
});

// ---- generated notes --------------------------------------------------------------------------

describe('withoutMoneyLines over generated notes', () => {
  it('drops every money line and keeps every other line in order', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(moneyLine.map((text) => ({ text, money: true })), safeLine.map((text) => ({ text, money: false }))), { maxLength: 12 }), (lines) => {
        const out = withoutMoneyLines(lines.map((l) => l.text).join('\n'));
        const expected = lines.filter((l) => !l.money).map((l) => l.text);
        expect(out.text).toBe(expected.join('\n'));
        expect(out.removedLines).toBe(lines.length - expected.length);
      }),
      { numRuns: 500 },
    );
  });
});

describe('a label and its value on two lines', () => {
  it('drops both when together they state money, and keeps a label whose next line is harmless', () => {
    expect(withoutMoneyLines('Birthday sail\nOwner split:\n\n70/30\nBring ice')).toEqual({ text: 'Birthday sail\n\nBring ice', removedLines: 2 });
    expect(withoutMoneyLines('Bring:\nice and the banner\nDock:\n7')).toEqual({ text: 'Bring:\nice and the banner\nDock:\n7', removedLines: 0 });
    expect(findMoney({ notes: 'Crew pay:\n150' })).toEqual([{ path: '$.notes', why: 'money text' }]);
  });

  it('the crew notes field names both lines', () => {
    expect(crewNotesMoneyError('Birthday sail\nOwner split:\n70/30')).toBe('Lines 2 and 3 look like money (line 2: “Owner split:”). Crew see this field: move them to Internal notes.');
  });
});

describe('Notes for crew refuses what a review saw reach crew DMs (2026-12-07)', () => {
  // The form is where such a line is stopped before any crew post: each came through it.
  it.each(['Captain gets 1.250,50', 'Crew split 1.250,50', 'Owner 1.250,50', 'Guest paid 1.250,50', 'Balance due at dock: 900', 'Balance due at the dock: 900', 'Due at dock: 900', '1200 paid in full', '1,200 paid in full'])(
    '%s',
    (line) => {
      expect(crewNotesMoneyError(`Dock 3 at 9:00\n${line}`)).toBe(`Line 2 looks like money (“${line}”). Crew see this field: move it to Internal notes.`);
      expect(withoutMoneyLines(`Slip B-12\n${line}\n2 coolers`)).toEqual({ text: 'Slip B-12\n2 coolers', removedLines: 1 });
    },
  );
});

// ---- generated items --------------------------------------------------------------------------

const safeKey = fc.constantFrom('title', 'notes', 'description', 'roster', 'name', 'role', 'dock', 'vessel', 'checklist', 'text', 'partySize', 'details', 'meta');
const moneyKey = fc.constantFrom('captainPay', 'crewPay', 'tip', 'amount', 'fee', 'payout', 'rate', 'price', 'cost', 'revenue', 'net', 'gross', 'deposit', 'crew_pay', 'portFees', 'TipAmount');
type Json = string | number | boolean | Json[] | { [k: string]: Json };
const safeLeaf: fc.Arbitrary<Json> = fc.oneof(safeLine, fc.integer({ min: 0, max: 20 }), fc.boolean());
const { tree } = fc.letrec<{ tree: Json }>((t) => ({
  tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, safeLeaf, fc.array(t('tree'), { maxLength: 3 }), fc.dictionary(safeKey, t('tree'), { maxKeys: 3 })),
}));

/** Puts `money` at a random place (inside maps and lists) of `base`; returns the new tree. */
function plant(base: Json, path: number[], key: string, money: Json): Json {
  if (Array.isArray(base) && base.length > 0 && path.length > 0) {
    const i = path[0]! % base.length;
    return base.map((v, j) => (j === i ? plant(v, path.slice(1), key, money) : v));
  }
  if (base && typeof base === 'object' && !Array.isArray(base)) {
    const keys = Object.keys(base);
    if (keys.length > 0 && path.length > 0 && path[0]! % 2 === 0) {
      const k = keys[path[0]! % keys.length]!;
      return { ...base, [k]: plant(base[k]!, path.slice(1), key, money) };
    }
    return { ...base, [key]: money };
  }
  return { wrapped: base, [key]: money };
}

describe('findMoney over generated items', () => {
  it('finds nothing in items with only crew-safe fields and lines', () => {
    fc.assert(fc.property(tree, (item) => expect(findMoney(item)).toEqual([])), { numRuns: 300 });
  });

  it('finds a money field or a money line planted at any depth, in maps or lists', () => {
    fc.assert(
      fc.property(tree, fc.array(fc.nat(), { maxLength: 5 }), fc.oneof(moneyKey.map((k) => ({ k, v: 15000 as Json })), moneyLine.map((line) => ({ k: 'description', v: `Sunset sail\n${line}` as Json }))), (item, path, planted) => {
        const withMoney = plant(item, path, planted.k, planted.v);
        expect(findMoney(withMoney).length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it('names the path of money inside lists', () => {
    expect(findMoney({ roster: [{ name: 'Sam' }, { name: 'Lee', crewPay: 12500 }], description: 'Sunset\nPaid $1,200' })).toEqual([
      { path: '$.roster[1].crewPay', why: 'money field' },
      { path: '$.description', why: 'money text' },
    ]);
  });
});

describe('what the bot generates is never money', () => {
  it('a booking id of digits then a word that may follow an amount ("…90PP", "…78EA") is an id; the amount it looks like is not', () => {
    for (const id of ['0000000000PP', '1234567890PP', '12345678EACH', '12345BETWEEN', '123456789PER'])
      for (const line of [id, `Booking ${id} for Maria Delgado`, `booking \`${id}\``]) expect([line, isMoneyLine(line)]).toEqual([line, false]);
    for (const line of ['1200PP', '85pp', 'Total 1200PP', '$12345678']) expect([line, isMoneyLine(line)]).toEqual([line, true]);
  });

  // The guest page and the SCC event are refused for good when they carry money, and both carry
  // the booking ID: an ID read as an amount ("…60MXP", "NET10…", "RS4…") would fail its booking.
  it('booking IDs, alone, in a sentence or in the guest URL', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...'0123456789ABCDEFGHJKMNPQRSTVWXYZ'), { minLength: 12, maxLength: 12 }), (chars) => {
        const id = chars.join('');
        for (const line of [id, `Booking ${id} for Maria Delgado`, `https://queenofsandiego.com/g/${id}`, `booking \`${id}\``]) expect(isMoneyLine(line)).toBe(false);
      }),
      { numRuns: 20_000 },
    );
  });

  it.each(['7DR9BZZ60MXP', 'NET10SR1VNF1', 'RS4AP4P41KRA', 'HKD3KC2JEGPC', 'PAY9QD05RH36', 'FEE4T8K3NQ74', 'RMB12RJHX5FX'])('%s (IDs the widened detector read as money)', (id) => {
    expect(isMoneyLine(`Booking ${id} for Maria Delgado`)).toBe(false);
  });
});

describe('identifiers', () => {
  // Found by the revenue guard's property test: random SCC event ids read as CAD or a fee.
  it.each([
    'evt_88211b20-cad6-4659-9a89-f28767f75c19',
    'evt_00031ac5-fee6-4d60-aeaf-ac3e2a669afc',
    'evt_8494a47d-db4f-4cad-bd37-5f0a15f6ec3e',
    'evt_50018e14-fee2-4193-b0ff-8ac9f5ec9a3c',
    'cal_795ca4cb-1cad-4713-8f7b-7b8c7548481d',
    'content hash 3b8844d5cad7540e1fee',
  ])('a UUID or a hash is not an amount: %s', (line) => {
    expect(isMoneyLine(line)).toBe(false);
  });

  it('an amount beside an id still is', () => {
    expect(isMoneyLine('evt_88211b20-cad6-4659-9a89-f28767f75c19 captain fee 150')).toBe(true);
    expect(isMoneyLine('CAD 500 for evt_88211b20-cad6-4659-9a89-f28767f75c19')).toBe(true);
  });
});

describe('links', () => {
  // CHARTER_DOCK_MAP_URL is on every guest page, which is refused for good when it holds money.
  it.each([
    'https://maps.apple.com/?ll=32.72,-117.19&q=Dock%20B',
    'https://www.google.com/maps/place/Harbor+Island+West+Marina/@32.7237,-117.1989,17z',
    'Map: https://maps.google.com/?q=32.7157,-117.1611',
  ])('a link’s digits are not an amount: %s', (line) => {
    expect(isMoneyLine(line)).toBe(false);
  });

  it('an amount beside a link still is', () => {
    expect(isMoneyLine('Deposit $200 paid, receipt https://pay.example.com/r/123')).toBe(true);
  });
});
