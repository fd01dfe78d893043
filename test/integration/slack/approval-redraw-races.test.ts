/**
 * The approval message when two decisions' redraws cross: the watch's draw of "Approved" answered
 * late while a cancel's redraw fails, and a Cancel on the approval message racing the Approve. The
 * message must come to show the booking as it stands (a cancelled charter never reads "Approved"
 * for good), and the approval message's Cancel ("Nothing has been booked yet") never cancels a
 * charter approved a moment before. Real Bolt receiver, signed requests, the Slack stand-in, the
 * integration stand-ins, and a SQLite store whose reads can be held (holding-store.ts).
 */
import { createLogger } from '../../../src/log';
import type { BookingRecord } from '../../../src/pipeline/types';
import { watchApprovals } from '../../../src/slack/approval-watch';
import { APPROVALS_BEHIND_KEY, approvalsBehind } from '../../../src/slack/approvals-behind';
import { holdingStore, type HoldingStore } from '../../fixtures/pipeline/holding-store';
import { blockActionPayload } from '../../support/slack-requests';
import { APPROVER, clickInOps, ephemeralsTo, OPS_CHANNEL, settle, startHarness, submitBooking, waitForBooking, type Harness } from './harness';

jest.setTimeout(90_000);

const SECOND = 'U0APPROVE2';
let held: HoldingStore;
let h: Harness;
beforeAll(async () => {
  held = holdingStore();
  h = await startHarness({ real: true, deps: { store: held.store }, env: { ...held.env, CHARTER_APPROVERS: `${APPROVER},${SECOND}` } });
});
afterAll(async () => {
  await h.close();
  held.close();
});

const MINUTE = 60_000;
const tick = (nowMs: number) => watchApprovals({ store: held.store, client: h.running.built.bolt.client, config: h.config, log: createLogger({ level: 'silent' }) }, nowMs);
const blocksOf = (ts: string) => JSON.stringify(h.slack.messages(OPS_CHANNEL).find((m) => m.ts === ts)?.blocks ?? []);
const listed = async (id: string) => (await approvalsBehind(held.store).list()).includes(id);
const cancelFromProgress = (b: BookingRecord) => h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'booking_cancel', value: b.id, channelId: OPS_CHANNEL, messageTs: b.slack.progressTs! }));

/** An approved charter whose approval message still shows Approve and Cancel: every redraw of the Approve failed. */
async function approvedBehind(): Promise<{ id: string; approvalTs: string; done: BookingRecord }> {
  const id = await submitBooking(h);
  const approvalTs = (await h.running.built.api.get(id))!.slack.approvalTs!;
  h.slack.failNext('chat.update', 4, 'internal_error', (b) => b.ts === approvalTs);
  await clickInOps(h, 'booking_approve', id);
  const done = await waitForBooking(h, id, (b) => b.state === 'done' && b.slack.approvalUndrawn !== undefined && b.slack.progressTs !== undefined);
  await settle(h);
  return { id, approvalTs, done };
}

/** After a few more ticks of the watch: the message shows the cancel, and nothing is left marked or listed. */
async function expectShowsCancelled(id: string, approvalTs: string, fromMs: number): Promise<void> {
  for (let i = 2; i < 5; i++) await tick(fromMs + i * MINUTE);
  const shown = blocksOf(approvalTs);
  expect(shown).not.toContain(':white_check_mark: Approved');
  expect(shown).toMatch(/[Cc]ancelled/);
  const b = (await h.running.built.api.get(id))!;
  expect(b.state).toBe('cancelled');
  expect(b.slack.approvalUndrawn).toBeUndefined();
  expect(await listed(id)).toBe(false);
}

it("the watch's draw of \"Approved\" answered late while a cancel's redraw fails: the message comes to read cancelled", async () => {
  const { id, approvalTs, done } = await approvedBehind();
  // The watch's draw lands at once but is answered 9 s later (inside the 10 s call timeout).
  h.slack.slowNext('chat.update', 1, 9_000);
  const watch = tick(done.slack.approvalUndrawn!.atMs + MINUTE);
  await h.slack.waitFor(() => blocksOf(approvalTs).includes(':white_check_mark: Approved'));
  // Meanwhile the charter is cancelled from its progress message, and that redraw fails every try.
  h.slack.failNext('chat.update', 4, 'internal_error', (b) => b.ts === approvalTs);
  await cancelFromProgress(done);
  await waitForBooking(h, id, (b) => b.state === 'cancelled' && b.slack.approvalUndrawn !== undefined, 20_000);
  await watch;
  await settle(h);
  // The late draw did not clear the cancel's mark: marked or drawn, never unmarked over "Approved".
  const after = (await h.running.built.api.get(id))!;
  if (after.slack.approvalUndrawn) expect(await listed(id)).toBe(true);
  else expect(blocksOf(approvalTs)).not.toContain(':white_check_mark: Approved');
  await expectShowsCancelled(id, approvalTs, done.slack.approvalUndrawn!.atMs);
});

it("a cancel's failed redraw marked while the watch was taking the id off the list: the id is listed again and the message redrawn", async () => {
  const { id, approvalTs, done } = await approvedBehind();
  // The watch's remove, after its draw of "Approved": the list's read before the compare-and-set (the tick's own list() goes by).
  const remove = held.hold('getMeta', (key) => key === APPROVALS_BEHIND_KEY, 1);
  const watch = tick(done.slack.approvalUndrawn!.atMs + MINUTE);
  await remove.entered;
  h.slack.failNext('chat.update', 4, 'internal_error', (b) => b.ts === approvalTs);
  await cancelFromProgress(done);
  await waitForBooking(h, id, (b) => b.state === 'cancelled' && b.slack.approvalUndrawn !== undefined, 20_000);
  remove.release();
  await watch;
  await settle(h);
  // Marked, so listed: the watch comes back to it.
  expect((await h.running.built.api.get(id))!.slack.approvalUndrawn).toBeDefined();
  expect(await listed(id)).toBe(true);
  expect(ephemeralsTo(h, APPROVER).filter((t) => t.startsWith('Cancelling')).at(-1)).toContain('charter-bot keeps trying to redraw it');
  await expectShowsCancelled(id, approvalTs, done.slack.approvalUndrawn!.atMs);
});

it("the approval message's Cancel read \"pending\" just before another approver's Approve landed: nothing is cancelled, and the canceller is told it was approved", async () => {
  const id = await submitBooking(h);
  await settle(h);
  const approvalTs = (await h.running.built.api.get(id))!.slack.approvalTs!;
  // The Cancel's first read of the booking (pending) answers only after the Approve has landed.
  const staleRead = held.hold('get', (key) => key === id);
  const cancelClick = h.requester.interact(blockActionPayload({ userId: SECOND, actionId: 'booking_cancel', value: id, channelId: OPS_CHANNEL, messageTs: approvalTs }));
  await staleRead.entered;
  await clickInOps(h, 'booking_approve', id);
  await waitForBooking(h, id, (b) => b.state !== 'pending_approval');
  staleRead.release();
  await cancelClick;
  await waitForBooking(h, id, (b) => b.state === 'done', 30_000);
  await settle(h);
  const b = (await h.running.built.api.get(id))!;
  expect(b.state).toBe('done');
  expect((b.operations ?? []).some((o) => o.kind === 'cancel')).toBe(false);
  await h.slack.waitFor(() => ephemeralsTo(h, SECOND).some((t) => t.startsWith('Nothing was cancelled')));
  const told = ephemeralsTo(h, SECOND).find((t) => t.startsWith('Nothing was cancelled'))!;
  expect(told).toContain(`this charter was approved at`);
  expect(told).toContain(`by <@${APPROVER}>`);
  expect(told).toContain('*Cancel charter* on its progress message');
});

it('/charter cancel of a request read as waiting, approved before its cancel: nothing is cancelled, and the approver is told to run it again', async () => {
  const id = await submitBooking(h);
  await settle(h);
  // The command's read of the booking (pending) answers only after the Approve has landed.
  const toldBefore = ephemeralsTo(h, SECOND).length;
  const staleRead = held.hold('get', (key) => key === id);
  const command = h.requester.command({ user_id: SECOND, channel_id: OPS_CHANNEL, text: `cancel ${id}` });
  await staleRead.entered;
  await clickInOps(h, 'booking_approve', id);
  await waitForBooking(h, id, (b) => b.state !== 'pending_approval');
  staleRead.release();
  await command;
  await waitForBooking(h, id, (b) => b.state === 'done', 30_000);
  await settle(h);
  const b = (await h.running.built.api.get(id))!;
  expect((b.operations ?? []).some((o) => o.kind === 'cancel')).toBe(false);
  await h.slack.waitFor(() => ephemeralsTo(h, SECOND).length > toldBefore);
  const told = ephemeralsTo(h, SECOND).slice(toldBefore).join('\n');
  expect(told).toContain('Nothing was cancelled');
  expect(told).toContain(`by <@${APPROVER}>`);
  expect(told).toContain(`Run \`/charter cancel ${id}\` again`);
});
