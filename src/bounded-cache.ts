/**
 * A memo with a ceiling: values computed once per key, the oldest key dropped once `max` are held,
 * so a long-running process stays flat however many distinct keys it meets. For pure answers that
 * are costly to compute and asked again and again (zone names, schedules, money checks of the same
 * text).
 */
export class BoundedCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`BoundedCache max must be a positive integer, got ${max}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached value of `key`, or `compute()` remembered under it. */
  get(key: K, compute: () => V): V {
    if (this.entries.has(key)) return this.entries.get(key) as V;
    const value = compute();
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as K);
    this.entries.set(key, value);
    return value;
  }
}
