import { findConflicts, overlaps, type CharterWindow } from '../../../src/booking/conflicts';

const H = 3600_000;
const M = 60_000;
const T = Date.UTC(2030, 6, 4, 17); // 10:00 PDT

/** A charter from `start` for `hours`, crew checking in 30 min before. */
const charter = (id: string, start: number, hours: number, captain?: string, crew: string[] = []): CharterWindow => ({
  id,
  source: 'booking',
  startMs: start,
  endMs: start + hours * H,
  checkInMs: start - 30 * M,
  ...(captain ? { captain } : {}),
  crew,
});

describe('overlaps', () => {
  it('touching windows do not overlap; one minute does', () => {
    expect(overlaps({ startMs: 0, endMs: 10 * M }, { startMs: 10 * M, endMs: 20 * M })).toBe(false);
    expect(overlaps({ startMs: 0, endMs: 10 * M }, { startMs: 9 * M, endMs: 20 * M })).toBe(true);
    expect(overlaps({ startMs: 0, endMs: 10 * M }, { startMs: 2 * M, endMs: 3 * M })).toBe(true);
  });
});

describe('findConflicts', () => {
  const candidate = charter('NEW', T, 5, 'U0CAPTAIN1', ['U0CREW0001']);

  it('vessel: a charter returning exactly at departure is not a conflict, one minute later is', () => {
    expect(findConflicts(candidate, [{ ...charter('A', T - 3 * H, 3), checkInMs: T - 3 * H }])).toEqual([]);
    const late = { ...charter('B', T - 3 * H + M, 3), checkInMs: T - 3 * H + M };
    expect(findConflicts(candidate, [late])).toEqual([{ kind: 'vessel', other: late }]);
    // and at the other edge: the next charter leaving at our return
    expect(findConflicts(candidate, [{ ...charter('C', T + 5 * H, 2), checkInMs: T + 5 * H }])).toEqual([]);
    expect(findConflicts(candidate, [{ ...charter('D', T + 5 * H - M, 2), checkInMs: T + 5 * H - M }]).map((c) => c.kind)).toEqual(['vessel']);
  });

  it('captain and crew: their window runs from check-in to return', () => {
    // returns 30 min before our departure, exactly when our check-in starts: touching, no conflict
    const touching = charter('E', T - 3.5 * H, 3, 'U0CAPTAIN1');
    expect(findConflicts(candidate, [touching])).toEqual([]);
    const minuteOver = charter('F', T - 3.5 * H + M, 3, 'U0CAPTAIN1', ['U0CREW0001']);
    expect(findConflicts(candidate, [minuteOver])).toEqual([
      { kind: 'captain', other: minuteOver, userId: 'U0CAPTAIN1' },
      { kind: 'crew', other: minuteOver, userId: 'U0CREW0001' },
    ]);
  });

  it('a person who is crew here and captain there is a crew conflict; others aboard are not conflicts', () => {
    const other = charter('G', T + H, 2, 'U0CREW0001', ['U0SOMEONE1']);
    expect(findConflicts(candidate, [other]).map((c) => [c.kind, c.userId])).toEqual([['vessel', undefined], ['crew', 'U0CREW0001']]);
  });

  it('iCal busy blocks are vessel conflicts only; the candidate itself is skipped', () => {
    const block: CharterWindow = { id: 'uid-1@boatsetter.com', source: 'ical', startMs: T + 4 * H, endMs: T + 6 * H, label: 'Boatsetter' };
    expect(findConflicts(candidate, [block, { ...candidate }])).toEqual([{ kind: 'vessel', other: block }]);
  });
});
