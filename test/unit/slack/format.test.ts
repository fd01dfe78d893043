/** The text helpers every message builder fits typed text with. */
import { escapeMrkdwn, fitLines, fitPlain, sliceWhole, splitText } from '../../../src/slack/blocks/format';

describe('splitText', () => {
  it('never makes a piece longer than the limit, even with a line break exactly at it (was max + 1)', () => {
    const text = `${'a'.repeat(3000)}\nsecond line`;
    const pieces = splitText(text, 3000, 5);
    expect(pieces.map((p) => p.length)).toEqual([3000, 12]);
    expect(pieces.join('')).toBe(text);
  });

  it('holds 2,000 typed characters escaped to five each in 5 sections, whatever the line lengths', () => {
    for (let line = 290; line <= 700; line += 7) {
      const notes = Array.from({ length: 40 }, () => '&'.repeat(line)).join('\n').slice(0, 2000);
      const text = `*Notes*\n${escapeMrkdwn(notes)}`;
      const pieces = splitText(text, 3000, 5);
      expect(pieces.join('')).toBe(text);
      for (const p of pieces) expect(p.length).toBeLessThanOrEqual(3000);
    }
  });
});

describe('fitLines', () => {
  const lines = Array.from({ length: 11 }, (_, i) => `• <@U0CREW${String(i).padStart(4, '0')}> — ${'x'.repeat(400)}`);

  it('keeps whole lines and says how many did not fit, never half a mention', () => {
    const text = fitLines(lines, 3000);
    expect(text.length).toBeLessThanOrEqual(3000);
    const kept = text.split('\n');
    expect(kept.at(-1)).toMatch(/^_…and \d+ more_$/);
    for (const line of kept.slice(0, -1)) expect(lines).toContain(line);
    expect(kept.length - 1 + Number(kept.at(-1)?.match(/\d+/)?.[0])).toBe(lines.length);
  });

  it('returns the lines unchanged when they fit, and fits a single line longer than the room', () => {
    expect(fitLines(['a', 'b'], 10)).toBe('a\nb');
    const one = fitLines(['y'.repeat(5000)], 3000);
    expect(one.length).toBeLessThanOrEqual(3000);
    expect(one.endsWith('…')).toBe(true);
  });
});

it('sliceWhole never leaves half a surrogate pair', () => {
  expect(sliceWhole('ab😀', 3)).toBe('ab');
  expect(sliceWhole('ab😀', 4)).toBe('ab😀');
  expect(sliceWhole('abc', 5)).toBe('abc');
});

it('fitPlain fits plain text as Slack stores it, with & < > escaped, and never halves an emoji', () => {
  const name = 'Smith & Jones <VIP> '.repeat(5);
  const fitted = fitPlain(name, 75);
  expect(escapeMrkdwn(fitted).length).toBeLessThanOrEqual(75);
  expect(fitted.endsWith('…')).toBe(true);
  expect(name.startsWith(fitted.slice(0, -1))).toBe(true);
  expect(fitPlain('😀'.repeat(50), 75)).toBe(`${'😀'.repeat(37)}…`);
  expect(fitPlain('short & sweet', 75)).toBe('short & sweet');
});
