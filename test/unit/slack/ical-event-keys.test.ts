/** keyEvents: a UID the feed repeats keeps each copy under the key it had, so nothing reads as a move that was not one. */
import type { IcalEvent } from '../../../src/integrations/ical-feed';
import { keyEvents, type KnownEvent } from '../../../src/slack/intake/ical-state';

const ev = (uid: string, startMs: number): IcalEvent => ({ uid, startMs, endMs: startMs + 10, allDay: false });
const known = (startMs: number): KnownEvent => ({ startMs, endMs: startMs + 10, cancelled: false });
const keys = (events: IcalEvent[], before: Record<string, KnownEvent> = {}) => Object.fromEntries([...keyEvents(events, before).keyed].map(([k, e]) => [k, e.startMs]));

it('a UID listed once is its key, wherever it moves', () => {
  expect(keys([ev('x', 200)], { x: known(100) })).toEqual({ x: 200 });
});

it('copies of a repeated UID: the earliest new one takes the UID, the others UID and start', () => {
  expect(keys([ev('dup', 200), ev('dup', 100)])).toEqual({ dup: 100, 'dup|200': 200 });
  expect([...keyEvents([ev('dup', 200), ev('dup', 100), ev('y', 5)], {}).repeated]).toEqual(['dup']);
});

it('a copy keeps its key when another appears before it or the other goes', () => {
  expect(keys([ev('dup', 100), ev('dup', 50)], { dup: known(100) })).toEqual({ dup: 100, 'dup|50': 50 });
  expect(keys([ev('dup', 200)], { dup: known(100), 'dup|200': { ...known(200), uid: 'dup' } })).toEqual({ 'dup|200': 200 });
});

it('the same UID twice at the same start is one trip, not a repeat', () => {
  const twice = keyEvents([ev('x', 100), { ...ev('x', 100), summary: 'later copy' }], {});
  expect([...twice.keyed].map(([k, e]) => [k, e.summary])).toEqual([['x', 'later copy']]);
  expect(twice.repeated.size).toBe(0);
});

it('once a UID is listed once again, its lone copy is carried to the plain UID, also when it moved', () => {
  const lone = { 'dup|200': { ...known(200), uid: 'dup' } };
  expect(keys([ev('dup', 200)], lone)).toEqual({ dup: 200 });
  expect(keys([ev('dup', 300)], lone)).toEqual({ dup: 300 });
  expect([...keyEvents([ev('dup', 300)], lone).carried]).toEqual([['dup', 'dup|200']]);
  // two stored copies and the one left at a new time: which one moved is not known, nothing carried
  expect(keys([ev('dup', 300)], { ...lone, 'dup|250': { ...known(250), uid: 'dup' } })).toEqual({ dup: 300 });
  expect(keyEvents([ev('dup', 300)], { ...lone, 'dup|250': { ...known(250), uid: 'dup' } }).carried.size).toBe(0);
});

