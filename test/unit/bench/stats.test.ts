import { median, percentile, spread } from '../../../bench/stats';

describe('bench summaries', () => {
  it('takes the median proper: the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    // P3c's six rounds: the lower middle (1.18) would flatter a goal of ≤ 1.3.
    expect(median([1.52, 1.03, 1.18, 1.4, 1.25, 1.1])).toBeCloseTo((1.18 + 1.25) / 2, 10);
    expect(median([])).toBeNaN();
  });

  it('reports a spread around that same median, whatever order the rounds came in', () => {
    expect(spread([1.4, 1.2, 1.3, 1.1], 2)).toBe('1.25 (1.1–1.4)');
    expect(spread([30, 10, 20])).toBe('20 (10–30)');
    expect(spread([])).toBe('—');
  });

  it('keeps percentiles nearest-rank: always one of the samples', () => {
    const acks = Array.from({ length: 300 }, (_, i) => i + 1);
    expect(percentile(acks, 99)).toBe(297);
    expect(percentile([5, 1, 9, 7], 50)).toBe(5);
  });
});
