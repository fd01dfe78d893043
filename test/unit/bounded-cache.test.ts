import { BoundedCache } from '../../src/bounded-cache';

describe('BoundedCache', () => {
  it('computes a key once and answers it from memory after', () => {
    const cache = new BoundedCache<string, number>(10);
    let computed = 0;
    const compute = () => ++computed;
    expect(cache.get('a', compute)).toBe(1);
    expect(cache.get('a', compute)).toBe(1);
    expect(computed).toBe(1);
  });

  it('remembers falsy answers too', () => {
    const cache = new BoundedCache<string, boolean>(10);
    let computed = 0;
    cache.get('x', () => (computed++, false));
    expect(cache.get('x', () => (computed++, true))).toBe(false);
    expect(computed).toBe(1);
  });

  it('forgets the oldest key once full and never holds more than max', () => {
    const cache = new BoundedCache<number, number>(3);
    for (let i = 0; i < 10; i++) cache.get(i, () => i * 10);
    expect(cache.size).toBe(3);
    let recomputed = false;
    expect(cache.get(9, () => ((recomputed = true), -1))).toBe(90);
    expect(recomputed).toBe(false);
    expect(cache.get(0, () => -1)).toBe(-1);
  });

  it('refuses a ceiling that is not a positive integer', () => {
    expect(() => new BoundedCache(0)).toThrow(RangeError);
    expect(() => new BoundedCache(1.5)).toThrow(RangeError);
  });
});
