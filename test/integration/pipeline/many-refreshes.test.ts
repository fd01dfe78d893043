/**
 * A guest page refreshed many times (an office that refreshes after every template tweak). Each
 * refresh is an operation with its step results and an audit entry: kept for ever, the record grew
 * ~0.86 KB a refresh toward DynamoDB's 400 KB item, the 120-entry audit bound then dropped a
 * captain's Confirm at once, and four refreshes pushed a reschedule out of the progress message.
 * Real stand-ins (s3rver, the guest site, CloudFront), SQLite on disk.
 */
import { createLogger } from '../../../src/log';
import { BookingService } from '../../../src/pipeline/service';
import type { BookingRecord } from '../../../src/pipeline/types';
import { operationsLines } from '../../../src/slack/blocks/lifecycle';
import { progressMessage } from '../../../src/slack/blocks/progress';
import { trailLines } from '../../../src/slack/blocks/status';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { useSandboxWorld } from '../../fixtures/pipeline/sandbox-world';

jest.setTimeout(120_000);

const APPROVER = 'U0APPROVER1';
const log = createLogger({ level: 'silent', pretty: false });
const world = useSandboxWorld('many-refreshes');

async function refreshed(s: BookingService, id: string, times: number): Promise<BookingRecord> {
  let r: BookingRecord | undefined;
  for (let i = 0; i < times; i++) {
    await s.requestRefresh(id, APPROVER);
    r = await s.run(id);
    expect(r.state).toBe('done');
  }
  return r!;
}

it('forty refreshes after a reschedule: the record stops growing, ids stay unique, and the reschedule stays in the thread', async () => {
  const { store, sandbox } = world;
  const s = new BookingService({ store, steps: sandbox.steps, log, autoRun: false, ownerId: 'many' });
  const b = await s.create(sampleNewBooking());
  await s.approve(b.id, APPROVER);
  const done = await s.run(b.id);
  const details = { request: { ...done.request, date: '2030-07-05', departureTime: '10:30' }, roster: done.roster, costs: done.costs };
  const { op } = await s.proposeChange(b.id, { details, label: 'reschedule', userId: APPROVER });
  await s.approveChange(b.id, op.id, APPROVER);
  expect((await s.run(b.id)).state).toBe('done');

  const afterTen = await refreshed(s, b.id, 10);
  const r = await refreshed(s, b.id, 30);
  // The operations take as much room after forty refreshes as after ten: older settled ones are
  // folded (the audit has its own bound of 120 entries).
  expect(JSON.stringify(r.operations).length - JSON.stringify(afterTen.operations).length).toBeLessThan(50);
  const refreshes = r.operations!.filter((o) => o.kind === 'refresh');
  expect(refreshes).toHaveLength(2);
  expect(r.refreshesFolded).toBe(38);
  // Operation ids are never reused: a change request's buttons name theirs.
  const ids = r.operations!.map((o) => o.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(refreshes.at(-1)?.id).toBe('op42');
  expect(r.operations!.find((o) => o.id === op.id)?.status).toBe('done');

  const thread = JSON.stringify(progressMessage(r, { guestUrl: 'https://example.test/g', timezone: 'America/Los_Angeles' }).blocks);
  expect(thread).toContain('*Change (reschedule)* — done');
  expect(thread.match(/\*Guest page refresh\*/g)).toHaveLength(1);
  const status = operationsLines(r, 'America/Los_Angeles');
  expect(status[0]).toBe('• 38 earlier guest page refreshes, all settled (only the last two are listed)');
  expect(status.filter((l) => l.includes('Guest page refresh —'))).toHaveLength(2);

  // A change after the folding gets an id no operation ever had.
  const again = await s.proposeChange(b.id, { details: { ...details, request: { ...details.request, departureTime: '11:00' } }, label: 'reschedule', userId: APPROVER });
  expect(again.op.id).toBe('op43');
});

it('a captain\'s Confirm after 120 refreshes stays in the trail: refreshes are dropped first', async () => {
  const { store, sandbox } = world;
  const s = new BookingService({ store, steps: sandbox.steps, log, autoRun: false, ownerId: 'audit' });
  const b = await s.create(sampleNewBooking());
  await s.approve(b.id, APPROVER);
  const done = await s.run(b.id);
  const captain = done.roster.find((m) => m.role === 'captain')!.slackUserId;
  await s.confirmCrew(b.id, captain);
  await refreshed(s, b.id, 120);
  const r = (await s.get(b.id))!;
  expect(r.audit.filter((a) => a.action === 'confirmed')).toHaveLength(1);
  expect(r.audit.filter((a) => a.action === 'approved')).toHaveLength(1);
  expect(r.auditDropped).toBeGreaterThan(0);
  const trail = trailLines(r).map((l) => l.text);
  expect(trail.some((t) => t.includes('confirmed'))).toBe(true);
});
