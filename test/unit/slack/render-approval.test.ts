/** The approval message rendered from a booking record: after changes, what it names and which warnings it carries. */
import { loadConfig } from '../../../src/config';
import { approveChange, detailsOf, proposeChange, startOperation } from '../../../src/pipeline/operations';
import type { BookingRecord } from '../../../src/pipeline/types';
import { renderApproval } from '../../../src/slack/render';
import { sampleRecord } from '../../fixtures/pipeline/booking';
import { validEnv } from '../../support/env';

const loaded = loadConfig(validEnv());
if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
const config = loaded.config;
const T = 1_800_000_000_000;

function changed(times: number, warnings: string[] = []): BookingRecord {
  let r: BookingRecord = { ...sampleRecord(), state: 'done', warnings: ['Double booking: another charter on Sat, Jan 16 at 4:00 PM'] };
  for (let i = 0; i < times; i++) {
    const d = detailsOf(r);
    const p = proposeChange(r, { details: { ...d, request: { ...d.request, notes: `Edit ${i + 1}` } }, label: `edit ${i + 1}`, userId: 'U0CREW0001', nowMs: T + i * 1000, warnings });
    r = startOperation(approveChange(p.record, p.op.id, 'U0APPROVE2', T + i * 1000), p.op.id, T + i * 1000);
  }
  return r;
}
const shown = (r: BookingRecord) => JSON.stringify(renderApproval(r, config).blocks);

it('names no change, and keeps intake\'s warnings, before any change', () => {
  const text = shown(changed(0));
  expect(text).not.toContain('Changed since');
  expect(text).toContain('Double booking');
});

it('names the changes applied (the last three, counting the earlier ones) and carries the latest change\'s warnings, not intake\'s', () => {
  const text = shown(changed(5, ['Another charter overlaps Sun, Jan 17']));
  expect(text).toMatch(/Changed since: edit 3 \(approved by <@U0APPROVE2>, [^)]+\) · edit 4 \([^)]+\) · edit 5 \([^)]+\) · and 2 earlier\./);
  expect(text).toContain('Another charter overlaps Sun, Jan 17');
  expect(text).not.toContain('Double booking');
  expect(shown(changed(1))).not.toContain(':warning:');
});
