/** When a write after a draw leaves the drawn message showing the record as it is (the mark may move onto it). */
import type { BookingRecord } from '../../../src/pipeline/types';
import { onlyProgressRefsChanged, redrawDue, TICK_FAILURES_BEFORE_HOURLY, UNDRAWN_RETRY_EVERY_MS } from '../../../src/slack/progress/drawn-mark';
import { sampleRecord } from '../../fixtures/pipeline/booking';

const drawn: BookingRecord = { ...sampleRecord('DONE0DRAWN01'), state: 'done', version: 7, slack: { channel: 'C0OPS00001', approvalTs: '1800000000.000100' } };
const next = (r: BookingRecord, slack: BookingRecord['slack']): BookingRecord => ({ ...r, slack, version: r.version + 1, updatedAtMs: r.updatedAtMs + 5, writeToken: `w.${r.version + 1}` });

it('the post claim, then its ts saved over it (the claim cleared), change nothing the message shows', () => {
  const claimed = next(drawn, { ...drawn.slack, progressClaim: { owner: 'lambda-1', atMs: 1 } });
  expect(onlyProgressRefsChanged(drawn, claimed)).toBe(true);
  const saved = next(claimed, { ...claimed.slack, progressTs: '1800000000.000200', progressClaim: undefined });
  expect(onlyProgressRefsChanged(claimed, saved)).toBe(true);
  // As read back from the store: no key left holding undefined.
  expect(onlyProgressRefsChanged(claimed, JSON.parse(JSON.stringify(saved)) as BookingRecord)).toBe(true);
});

it('a change joined to that write (the runner’s group commit), or a write between, is not the message’s', () => {
  const withCrewRef = next(drawn, { ...drawn.slack, progressClaim: { owner: 'lambda-1', atMs: 1 }, crewCalledTs: '1800000000.000300' });
  expect(onlyProgressRefsChanged(drawn, withCrewRef)).toBe(false);
  const cancelled = { ...next(drawn, { ...drawn.slack, progressTs: '1800000000.000200' }), state: 'cancelled' as const };
  expect(onlyProgressRefsChanged(drawn, cancelled)).toBe(false);
  const twoOn = next(next(drawn, drawn.slack), { ...drawn.slack, progressTs: '1800000000.000200' });
  expect(onlyProgressRefsChanged(drawn, twoOn)).toBe(false);
});

it('the tick asks for a message behind every minute until its redraw has failed a few ticks, then once an hour; never for one drawn', () => {
  const atMs = 1_800_000_000_000;
  const failed = (ticks: number, refused = false): BookingRecord => ({ ...drawn, slack: { ...drawn.slack, progressDrawn: 3, progressUndrawn: { atMs, code: 'restricted_action', refused, ticks } } });
  expect(redrawDue(drawn, atMs)).toBe(true);
  expect(redrawDue({ ...drawn, slack: { ...drawn.slack, progressDrawn: drawn.version - 1 } }, atMs)).toBe(false);
  expect(redrawDue(failed(TICK_FAILURES_BEFORE_HOURLY - 1), atMs + 60_000)).toBe(true);
  expect(redrawDue(failed(TICK_FAILURES_BEFORE_HOURLY), atMs + 60_000)).toBe(false);
  expect(redrawDue(failed(TICK_FAILURES_BEFORE_HOURLY), atMs + UNDRAWN_RETRY_EVERY_MS)).toBe(true);
  expect(redrawDue(failed(0, true), atMs + 60_000)).toBe(false);
  expect(redrawDue(failed(0, true), atMs + UNDRAWN_RETRY_EVERY_MS)).toBe(true);
});
