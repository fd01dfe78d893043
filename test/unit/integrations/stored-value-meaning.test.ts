/**
 * The pure comparisons sccItemShows uses to tell a value SCC stored in another shape from one SCC
 * stores differently: only shapes that cannot mean anything else are equated.
 */
import { instantMs, sameDate, sameInstant, sameNumber, sameNumeral, textMeaning } from '../../../src/integrations/stored-value-meaning';

const AT = Date.UTC(2030, 6, 11, 16, 30);

describe('instantMs', () => {
  it.each(['2030-07-11T09:30:00-07:00', '2030-07-11T09:30:00.000-07:00', '2030-07-11T16:30:00Z', '2030-07-11T16:30:00.000Z', '2030-07-11T16:30:00+00:00', '2030-07-11t16:30z', '2030-07-11 16:30:00+0000', '2030-07-11T22:00:00+05:30', '2030-07-11T16:30:00.000000Z', ' 2030-07-11T16:30:00Z '])(
    '%s is the instant',
    (text) => {
      expect(instantMs(text)).toBe(AT);
    },
  );

  it.each(['2030-07-11T09:30:00', '2030-07-11', '2030-02-30T09:30:00Z', '2030-07-11T24:30:00Z', '2030-07-11T16:30:00.0001Z', 'Sat, Jul 11 2030 9:30 AM', String(AT)])('%s names no instant', (text) => {
    expect(instantMs(text)).toBeUndefined();
  });
});

describe('sameInstant', () => {
  it('an epoch number is taken as milliseconds or seconds, exactly', () => {
    expect(sameInstant('2030-07-11T09:30:00-07:00', { number: AT })).toBe(true);
    expect(sameInstant('2030-07-11T09:30:00-07:00', { number: AT / 1000 })).toBe(true);
    expect(sameInstant('2030-07-11T09:30:00-07:00', { number: AT + 1 })).toBe(false);
    expect(sameInstant('2030-07-11T09:30:00-07:00', { number: AT / 1000 + 1 })).toBe(false);
  });

  it('the same wall time in another zone, or a time with no zone, is not the same instant', () => {
    expect(sameInstant('2030-07-11T09:30:00-07:00', { text: '2030-07-11T09:30:00Z' })).toBe(false);
    expect(sameInstant('2030-07-11T09:30:00-07:00', { text: '2030-07-11T09:30:00' })).toBe(false);
  });
});

describe('sameDate', () => {
  it("a date is the same text or that day's midnight", () => {
    expect(sameDate('2030-07-11', '2030-07-11')).toBe(true);
    expect(sameDate('2030-07-11', '2030-07-11T00:00:00.000Z')).toBe(true);
    expect(sameDate('2030-07-11', '2030-07-11T00:00-07:00')).toBe(true);
    expect(sameDate('2030-07-11', '2030-07-11T07:00:00Z')).toBe(false);
    expect(sameDate('2030-07-11', '2030-07-10T00:00:00Z')).toBe(false);
    expect(sameDate('2030-07-11', '07/11/2030')).toBe(false);
  });
});

describe('textMeaning', () => {
  it('trims, collapses spaces and tabs, and unifies line endings, keeping the lines', () => {
    expect(textMeaning('  Bring  ice\r\nFuel\t\r\n\r\n')).toBe('Bring ice\nFuel');
    expect(textMeaning('a\rb')).toBe('a\nb');
    expect(textMeaning('Bring ice\nFuel')).not.toBe(textMeaning('Bring ice Fuel'));
    expect(textMeaning('Sam')).not.toBe(textMeaning('sam'));
  });
});

describe('numbers', () => {
  it('a number stored as a plain numeral is the number; other text is not', () => {
    expect(sameNumber(6, { text: '6' })).toBe(true);
    expect(sameNumber(6, { text: ' 6.0 ' })).toBe(true);
    expect(sameNumber(6, { number: 6 })).toBe(true);
    expect(sameNumber(6, { text: '6 guests' })).toBe(false);
    expect(sameNumber(6, { text: '0x6' })).toBe(false);
    expect(sameNumber(6, { text: '' })).toBe(false);
  });

  it('a numeral stored as a number is the same only if it writes back as that numeral', () => {
    expect(sameNumeral('7', 7)).toBe(true);
    expect(sameNumeral('007', 7)).toBe(false);
    expect(sameNumeral('Dock 7', 7)).toBe(false);
  });
});
