import fc from 'fast-check';
import { computeCosts } from '../../../src/booking/costs';
import { formatCents, mulDivRound, parseDollarsToCents } from '../../../src/booking/money';
import { RATES } from '../../support/booking';

describe('computeCosts', () => {
  it("matches the operator's worked example", () => {
    const c = computeCosts({ grossCents: 120000, crewCount: 2, crewHours: 5, captainHours: 3 }, RATES);
    expect(c.crewCents).toBe(25000);
    expect(c.captainCents).toBe(15000);
    expect(c.portFeeCents).toBe(21600);
    expect(c.netCents).toBe(58400);
    expect(c.warnings).toEqual([]);
  });

  it('rounds port fees half away from zero to the cent', () => {
    // 18% of $0.25 = 4.5¢ → 5¢; 18% of $0.36 = 6.48¢ → 6¢
    expect(computeCosts({ grossCents: 25, crewCount: 0, crewHours: 0, captainHours: 0 }, RATES).portFeeCents).toBe(5);
    expect(computeCosts({ grossCents: 36, crewCount: 0, crewHours: 0, captainHours: 0 }, RATES).portFeeCents).toBe(6);
  });

  it('handles half hours at odd-cent rates without fractional cents', () => {
    const c = computeCosts({ grossCents: 100000, crewCount: 3, crewHours: 2.5, captainHours: 0.5 }, { ...RATES, crewRateCentsPerHour: 2501, captainRateCentsPerHour: 5001 });
    expect(c.crewCents).toBe(18758); // 3 × 25.01 × 2.5 = 187.575 → 187.58
    expect(c.captainCents).toBe(2501); // 50.01 × 0.5 = 25.005 → 25.01
    expect(Number.isInteger(c.netCents)).toBe(true);
  });

  it('flags a negative net but still computes it', () => {
    const c = computeCosts({ grossCents: 10000, crewCount: 4, crewHours: 8, captainHours: 8 }, RATES);
    expect(c.netCents).toBeLessThan(0);
    expect(c.warnings.join(' ')).toMatch(/negative/i);
  });

  it('parts always sum back to gross, all integers', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000_00 }),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 0, max: 48 }),
        fc.integer({ min: 0, max: 48 }),
        fc.integer({ min: 0, max: 10000 }),
        fc.integer({ min: 0, max: 100000 }),
        (gross, crewCount, crewHalfHours, captainHalfHours, bps, rate) => {
          const c = computeCosts(
            { grossCents: gross, crewCount, crewHours: crewHalfHours / 2, captainHours: captainHalfHours / 2 },
            { ...RATES, portFeeBasisPoints: bps, crewRateCentsPerHour: rate },
          );
          const parts = [c.crewCents, c.captainCents, c.portFeeCents, c.netCents];
          return parts.every(Number.isInteger) && parts.reduce((a, b) => a + b, 0) === gross;
        },
      ),
    );
  });
});

describe('money helpers', () => {
  it.each([
    ['1200', 120000],
    ['1,200.00', 120000],
    ['$1,200.5', 120050],
    ['0.07', 7],
    [' 99.99 ', 9999],
  ])('parses %s as %i cents', (text, cents) => expect(parseDollarsToCents(text)).toBe(cents));

  it.each(['', 'abc', '12.345', '-5', '1,20.00', '1e3'])('rejects %p', (text) => expect(parseDollarsToCents(text)).toBeUndefined());

  it('formats cents as dollars', () => {
    expect(formatCents(58400)).toBe('$584.00');
    expect(formatCents(123456789)).toBe('$1,234,567.89');
    expect(formatCents(-1205)).toBe('−$12.05');
  });

  it('groups dollars exactly as en-US number formatting does', () => {
    const asLocale = (cents: number) => `$${Math.floor(cents / 100).toLocaleString('en-US')}.${String(cents % 100).padStart(2, '0')}`;
    for (const cents of [0, 99, 100, 99_999, 100_000, 123_456, 99_999_999, 100_000_000, Number.MAX_SAFE_INTEGER]) expect(formatCents(cents)).toBe(asLocale(cents));
    fc.assert(fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (cents) => formatCents(cents) === asLocale(cents)));
  });

  it('mulDivRound rounds halves away from zero', () => {
    expect(mulDivRound(5, 1, 2)).toBe(3);
    expect(mulDivRound(-5, 1, 2)).toBe(-3);
    expect(mulDivRound(7, 1, 3)).toBe(2);
  });
});
