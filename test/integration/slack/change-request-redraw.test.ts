/**
 * A change request's message after Approve change / Reject whose redraw Slack did not take: left
 * with its buttons, it asks for a decision already made. It must come to show the decision
 * (retried, then by the approval watch, as the approval message is), the approver must be told,
 * and a click on its stale buttons must be refused and redraw it. Real Bolt receiver, signed
 * requests, the Slack stand-in, scripted steps.
 */
import { createLogger } from '../../../src/log';
import type { StoredSlackMessage } from '../../../src/sandbox/slack-api-standin';
import { watchApprovals } from '../../../src/slack/approval-watch';
import { approvalsBehind } from '../../../src/slack/approvals-behind';
import { APPROVER, changeRequestPostingSlowly, clickInOps, doneBooking, ephemeralsTo, OPS_CHANNEL, proposeChange, settle, startHarness, VALID_FIELDS, waitForBooking, type Harness } from './harness';

jest.setTimeout(60_000);

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const HOUR = 3_600_000;
const messageAt = (ts: string): StoredSlackMessage => h.slack.messages(OPS_CHANNEL).find((m) => m.ts === ts)!;
const blocksOf = (ts: string) => JSON.stringify(messageAt(ts).blocks ?? []);
const behindIds = () => approvalsBehind(h.running.built.store).list();
const tick = (nowMs: number) => watchApprovals({ store: h.running.built.store, client: h.running.built.bolt.client, config: h.config, log: createLogger({ level: 'silent' }) }, nowMs);
const updatesOf = (ts: string) => h.slack.callsTo('chat.update').filter((c) => c.body.ts === ts).length;

/** A done booking with a change request waiting; returns the ids and where the request's message is. */
async function withRequest(ref: string): Promise<{ id: string; opId: string; requestTs: string; fields: Record<string, string | string[]> }> {
  const fields = { ...VALID_FIELDS, boatsetterRef: ref } as Record<string, string | string[]>;
  const id = await doneBooking(h, fields);
  const opId = await proposeChange(h, id, 'edit', { ...fields, partySize: '5' });
  const requestTs = (await h.running.built.api.get(id))!.operations!.find((o) => o.id === opId)!.requestTs!;
  expect(blocksOf(requestTs)).toContain('change_approve');
  return { id, opId, requestTs, fields };
}

it('Approve change while Slack fails every redraw of the request: the approver is told, and the next tick of the approval watch redraws it without its buttons', async () => {
  const { id, opId, requestTs } = await withRequest('BS-CRR1');
  h.slack.failNext('chat.update', 4, 'internal_error', (b) => b.ts === requestTs);
  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  const behind = await waitForBooking(h, id, (b) => b.slack.changeRequestsUndrawn?.[opId] !== undefined);
  await settle(h);
  // Every try failed: the message still asks for the decision made.
  expect(blocksOf(requestTs)).toContain('change_approve');
  expect(behind.slack.changeRequestsUndrawn?.[opId]).toMatchObject({ code: 'internal_error', refused: false });
  expect(await behindIds()).toContain(id);
  await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).some((t) => t.includes('change request message (edit) could not be updated')));
  const told = ephemeralsTo(h, APPROVER).find((t) => t.includes('change request message (edit) could not be updated'))!;
  expect(told).toContain('Approve change and Reject, so ignore its buttons');
  expect(told).toContain('Slack answered internal_error');
  expect(told).toContain('keeps trying');

  await tick(behind.slack.changeRequestsUndrawn![opId]!.atMs + 60_000);
  expect(blocksOf(requestTs)).not.toContain('change_approve');
  expect(blocksOf(requestTs)).toContain(':white_check_mark: Approved by <@U0APPROVE1>');
  expect((await h.running.built.api.get(id))!.slack.changeRequestsUndrawn).toBeUndefined();
  expect(await behindIds()).not.toContain(id);
  // Drawn: the next tick leaves it alone.
  const after = updatesOf(requestTs);
  await tick(behind.slack.changeRequestsUndrawn![opId]!.atMs + 2 * 60_000);
  expect(updatesOf(requestTs)).toBe(after);
});

it("a click on a stale request's buttons is refused with who decided it, changes nothing, and redraws the message", async () => {
  const { id, opId, requestTs } = await withRequest('BS-CRR2');
  h.slack.failNext('chat.update', 4, 'internal_error', (b) => b.ts === requestTs);
  await clickInOps(h, 'change_reject', `${id}:${opId}`);
  await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === opId)?.status === 'rejected' && b.slack.changeRequestsUndrawn?.[opId] !== undefined);
  await settle(h);
  expect(blocksOf(requestTs)).toContain('change_approve');

  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).includes('That change is already rejected by <@U0APPROVE1>.'));
  await settle(h);
  const b = (await h.running.built.api.get(id))!;
  expect(b.operations?.find((o) => o.id === opId)?.status).toBe('rejected');
  await h.slack.waitFor(() => !blocksOf(requestTs).includes('change_approve'));
  expect(blocksOf(requestTs)).toContain(':no_entry_sign: Rejected');
  await waitForBooking(h, id, (r) => r.slack.changeRequestsUndrawn === undefined);
  expect(await behindIds()).not.toContain(id);
});

/**
 * Reject clicked while the bot is out of the ops channel: the redraw is refused and marked. Returns
 * the mark; `whileOut` runs before the bot is let back in.
 */
async function rejectedOutOfChannel(id: string, opId: string, whileOut: () => Promise<unknown> = async () => undefined) {
  h.slack.setChannel(OPS_CHANNEL, { isMember: false });
  try {
    await clickInOps(h, 'change_reject', `${id}:${opId}`);
    const behind = await waitForBooking(h, id, (b) => b.slack.changeRequestsUndrawn?.[opId] !== undefined);
    await settle(h);
    await whileOut();
    return behind.slack.changeRequestsUndrawn![opId]!;
  } finally {
    h.slack.setChannel(OPS_CHANNEL, undefined);
  }
}

it('Reject with the bot removed from the channel: the approver is told the fix, and the watch redraws the request hourly until it lands', async () => {
  const { id, opId, requestTs } = await withRequest('BS-CRR3');
  const mark = await rejectedOutOfChannel(id, opId, () =>
    h.slack.waitFor(() => ephemeralsTo(h, APPROVER).some((t) => t.includes('change request message (edit) could not be updated') && t.includes('not_in_channel'))),
  );
  expect(mark).toMatchObject({ code: 'not_in_channel', refused: true });
  const atMs = mark.atMs;
  expect(ephemeralsTo(h, APPROVER).find((t) => t.includes('not_in_channel'))).toContain('Invite @charter-bot');
  const before = updatesOf(requestTs);
  await tick(atMs + 60_000);
  expect(updatesOf(requestTs)).toBe(before);
  await tick(atMs + HOUR);
  expect(blocksOf(requestTs)).toContain(':no_entry_sign: Rejected');
  expect(blocksOf(requestTs)).not.toContain('change_approve');
  expect(await behindIds()).not.toContain(id);
});

it("a cancel whose redraws of the approval message and a dropped request both fail: both marked, the canceller told of both, and the booking listed until the last is drawn", async () => {
  const { id, requestTs } = await withRequest('BS-CRR4');
  const approvalTs = (await h.running.built.api.get(id))!.slack.approvalTs!;
  h.slack.failNext('chat.update', 4, 'internal_error', (b) => b.ts === approvalTs);
  h.slack.failNext('chat.update', 4, 'internal_error', (b) => b.ts === requestTs);
  const toldBefore = ephemeralsTo(h, APPROVER).length;
  // The scripted steps undo nothing, so the cancel's own run fails: what this checks is drawn from the click.
  await clickInOps(h, 'booking_cancel', id);
  const behind = await waitForBooking(h, id, (b) => b.slack.approvalUndrawn !== undefined && Object.keys(b.slack.changeRequestsUndrawn ?? {}).length === 1, 20_000);
  await settle(h);
  await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).slice(toldBefore).some((t) => t.startsWith('Cancelling')));
  const told = ephemeralsTo(h, APPROVER).slice(toldBefore).find((t) => t.startsWith('Cancelling'))!;
  expect(told).toContain('The approval message could not be updated');
  expect(told).toContain('The change request message (edit) could not be updated: it still shows Approve change and Reject');
  expect(blocksOf(requestTs)).toContain('change_approve');
  expect(await behindIds()).toContain(id);

  // The request's redraw fails once more on the next tick: the approval message is drawn, the id stays listed.
  const atMs = behind.slack.approvalUndrawn!.atMs;
  h.slack.failNext('chat.update', 1, 'internal_error', (b) => b.ts === requestTs);
  await tick(atMs + 60_000);
  const half = (await h.running.built.api.get(id))!;
  expect(half.slack.approvalUndrawn).toBeUndefined();
  expect(Object.keys(half.slack.changeRequestsUndrawn ?? {})).toHaveLength(1);
  expect(await behindIds()).toContain(id);
  expect(blocksOf(requestTs)).toContain('change_approve');

  await tick(atMs + 2 * 60_000);
  expect(blocksOf(requestTs)).toContain(':x: Not applied: the charter was cancelled.');
  expect(blocksOf(requestTs)).not.toContain('change_approve');
  expect((await h.running.built.api.get(id))!.slack.changeRequestsUndrawn).toBeUndefined();
  expect(await behindIds()).not.toContain(id);
});

it('a marked request whose change was compacted before the watch came: the watch draws its verdict without buttons, and clears the mark', async () => {
  const { id, opId, requestTs, fields } = await withRequest('BS-CRR5');
  const { atMs } = await rejectedOutOfChannel(id, opId);
  // While the refused mark rests, four more requests push the rejected change out of the whole ones.
  for (const n of ['1', '2', '3', '4']) await proposeChange(h, id, 'edit', { ...fields, partySize: n });
  expect((await h.running.built.api.get(id))!.operations!.find((o) => o.id === opId)!.compacted).toBe(true);
  await tick(atMs + HOUR);
  expect(blocksOf(requestTs)).not.toContain('change_approve');
  expect(blocksOf(requestTs)).toContain(':no_entry_sign: Rejected by <@U0APPROVE1>');
  expect(blocksOf(requestTs)).toContain('no longer kept');
  expect((await h.running.built.api.get(id))!.slack.changeRequestsUndrawn).toBeUndefined();
  expect(await behindIds()).not.toContain(id);
});

it('a click on stale buttons whose redraw fails again: refused, and the clicker is told the message could not be updated', async () => {
  const { id, opId, requestTs } = await withRequest('BS-CRR6');
  h.slack.failNext('chat.update', 4, 'internal_error', (b) => b.ts === requestTs);
  const beforeReject = ephemeralsTo(h, APPROVER).length;
  await clickInOps(h, 'change_reject', `${id}:${opId}`);
  await waitForBooking(h, id, (b) => b.slack.changeRequestsUndrawn?.[opId] !== undefined);
  await settle(h);
  // The Reject's own word on the failed redraw comes after its retries: wait for it (earlier cases
  // told the same words), or under load it lands after `start` and reads as the second click's answer.
  await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).slice(beforeReject).some((t) => t.includes('change request message (edit) could not be updated')), 20_000);
  const start = ephemeralsTo(h, APPROVER).length;
  h.slack.failNext('chat.update', 4, 'internal_error', (b) => b.ts === requestTs);
  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).length > start, 20_000);
  const told = ephemeralsTo(h, APPROVER).slice(start);
  expect(told).toHaveLength(1);
  expect(told[0]).toMatch(/^That change is already rejected by <@U0APPROVE1>\. The change request message \(edit\) could not be updated: it still shows Approve change and Reject/);
  expect(blocksOf(requestTs)).toContain('change_approve');
  expect(await behindIds()).toContain(id);
  await tick(Date.now() + 60_000);
  expect(blocksOf(requestTs)).not.toContain('change_approve');
});

it('a cancel dropping two waiting requests whose redraws both fail: the canceller is told of both, by label', async () => {
  const { id, requestTs, fields } = await withRequest('BS-CRR7');
  const opId2 = await proposeChange(h, id, 'reschedule', { ...fields, partySize: '4' });
  const requestTs2 = (await h.running.built.api.get(id))!.operations!.find((o) => o.id === opId2)!.requestTs!;
  h.slack.failNext('chat.update', 4, 'internal_error', (b) => b.ts === requestTs);
  h.slack.failNext('chat.update', 4, 'internal_error', (b) => b.ts === requestTs2);
  const toldBefore = ephemeralsTo(h, APPROVER).length;
  await clickInOps(h, 'booking_cancel', id);
  await waitForBooking(h, id, (b) => Object.keys(b.slack.changeRequestsUndrawn ?? {}).length === 2, 20_000);
  await settle(h);
  await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).slice(toldBefore).some((t) => t.startsWith('Cancelling')));
  const told = ephemeralsTo(h, APPROVER).slice(toldBefore).find((t) => t.startsWith('Cancelling'))!;
  expect(told).toContain('The 2 change request messages (edit, reschedule) could not be updated: they still show Approve change and Reject, so ignore their buttons.');
  expect(told).toContain('charter-bot keeps trying to redraw them.');
});

it('Reject on a request Slack no longer lets the bot edit: the approver reads one plain sentence, with no second pair of brackets after the label', async () => {
  const { id, opId, requestTs } = await withRequest('BS-CRR13');
  h.slack.failNext('chat.update', 1, 'cant_update_message', (b) => b.ts === requestTs);
  const start = ephemeralsTo(h, APPROVER).length;
  await clickInOps(h, 'change_reject', `${id}:${opId}`);
  await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).slice(start).some((t) => t.includes('cant_update_message')));
  await settle(h);
  const told = ephemeralsTo(h, APPROVER).slice(start).find((t) => t.includes('cant_update_message'))!;
  expect(told).toBe(
    'Slack answered cant_update_message and no longer lets charter-bot edit the change request message (edit): it still shows Approve change and Reject, so ignore its buttons. It is not tried again.',
  );
  expect((await h.running.built.api.get(id))!.slack.changeRequestsUndrawn).toBeUndefined();
});

it("a click on a request whose approved change's run failed: told it is already approved, by whom, not that it 'is already failed by' them", async () => {
  const { id, opId } = await withRequest('BS-CRR16');
  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  // The scripted steps undo nothing and this harness's change runs fail.
  await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === opId)?.status === 'failed', 20_000);
  await settle(h);
  const start = ephemeralsTo(h, APPROVER).length;
  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).slice(start).some((t) => t.startsWith('That change')));
  expect(ephemeralsTo(h, APPROVER).slice(start)).toEqual(['That change is already approved by <@U0APPROVE1>.']);
});

it("a click on an approved change the charter's cancel stopped: told it was approved and the cancel stopped it, not that the approver 'stopped' it", async () => {
  const { id, opId, requestTs } = await withRequest('BS-CRR17');
  for (const s of ['calendar', 'scc_event', 'guest_page', 'guest_cache'] as const) h.steps.set(s, { delayMs: 4000 });
  // Its redraw fails, so the buttons stay to be clicked.
  h.slack.failNext('chat.update', 4, 'internal_error', (b) => b.ts === requestTs);
  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  await waitForBooking(h, id, (r) => r.operations?.find((o) => o.id === opId)?.status === 'running' && r.slack.changeRequestsUndrawn?.[opId] !== undefined, 20_000);
  await clickInOps(h, 'booking_cancel', id);
  await waitForBooking(h, id, (r) => r.operations?.find((o) => o.id === opId)?.status === 'stopping');
  const start = ephemeralsTo(h, APPROVER).length;
  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).slice(start).some((t) => t.startsWith('That change')), 20_000);
  for (const s of ['calendar', 'scc_event', 'guest_page', 'guest_cache'] as const) h.steps.set(s, {});
  await waitForBooking(h, id, (r) => r.operations?.find((o) => o.id === opId)?.status === 'stopped', 30_000);
  const mid = ephemeralsTo(h, APPROVER).length;
  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).slice(mid).some((t) => t.startsWith('That change')), 20_000);
  await settle(h);
  const told = ephemeralsTo(h, APPROVER).slice(start).filter((t) => t.startsWith('That change'));
  expect(told).toEqual([
    "That change was already approved by <@U0APPROVE1>, and the charter's cancel stopped it.",
    "That change was already approved by <@U0APPROVE1>, and the charter's cancel stopped it.",
  ]);
});

/** Approve change clicked twice at once on the request; returns what the approver was told after. */
async function doubleApproved(id: string, opId: string): Promise<string[]> {
  const start = ephemeralsTo(h, APPROVER).length;
  await Promise.all([clickInOps(h, 'change_approve', `${id}:${opId}`), clickInOps(h, 'change_approve', `${id}:${opId}`)]);
  // The loser's refusal comes once its redraw, if any, is done.
  await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).slice(start).some((t) => t.startsWith('That change is already')), 20_000);
  await waitForBooking(h, id, (b) => ['done', 'failed'].includes(b.operations?.find((o) => o.id === opId)?.status ?? '') && b.slack.changeRequestsUndrawn === undefined, 20_000);
  await settle(h);
  return ephemeralsTo(h, APPROVER).slice(start);
}

it("a double click on Approve change: the loser is refused and leaves alone the message the winner's redraw drew (one chat.update)", async () => {
  const { id, opId, requestTs } = await withRequest('BS-CRR14');
  const before = updatesOf(requestTs);
  const told = await doubleApproved(id, opId);
  expect(told).toHaveLength(1);
  expect(told[0]).toBe('That change is already approved by <@U0APPROVE1>.');
  expect(blocksOf(requestTs)).toContain(':white_check_mark: Approved by <@U0APPROVE1>');
  expect(updatesOf(requestTs) - before).toBe(1);
});

it("a double click on Approve change while Slack fails every try of the winner's redraw: the loser's redraw heals the message", async () => {
  const { id, opId, requestTs } = await withRequest('BS-CRR15');
  h.slack.failNext('chat.update', 4, 'internal_error', (b) => b.ts === requestTs);
  const told = await doubleApproved(id, opId);
  expect(blocksOf(requestTs)).not.toContain('change_approve');
  expect(blocksOf(requestTs)).toContain(':white_check_mark: Approved by <@U0APPROVE1>');
  // The winner says its redraw failed; the loser's landed, so its refusal says nothing more.
  expect(told.filter((t) => t.startsWith('That change'))).toEqual(['That change is already approved by <@U0APPROVE1>.']);
  expect(await behindIds()).not.toContain(id);
});

/**
 * An edit running slowly (its steps take 4 s), a reschedule approved behind it (queued), and a crew
 * swap proposed (`b`) whose approval will replace the reschedule (`a`). The steps are slow until
 * the caller sets them back.
 */
async function replacingChange(ref: string) {
  const fields = { ...VALID_FIELDS, boatsetterRef: ref } as Record<string, string | string[]>;
  const id = await doneBooking(h, fields);
  const x = await proposeChange(h, id, 'edit', { ...fields, partySize: '5' });
  for (const s of ['calendar', 'scc_event', 'guest_page', 'guest_cache'] as const) h.steps.set(s, { delayMs: 4000 });
  await clickInOps(h, 'change_approve', `${id}:${x}`);
  await waitForBooking(h, id, (r) => r.operations?.find((o) => o.id === x)?.status === 'running');
  const date = `${new Date().getUTCFullYear() + 1}-07-05`;
  const a = await proposeChange(h, id, 'reschedule', { ...fields, partySize: '5', date });
  await clickInOps(h, 'change_approve', `${id}:${a}`);
  await waitForBooking(h, id, (r) => r.operations?.find((o) => o.id === a)?.status === 'queued');
  const b = await proposeChange(h, id, 'crew swap', { ...fields, partySize: '5', date, notes: 'other notes' });
  return { id, a, b };
}

it('an approval replacing an earlier approved change, both redraws failing: the approver is told which message is which', async () => {
  const { id, a, b } = await replacingChange('BS-CRR8');
  const ops = (await h.running.built.api.get(id))!.operations!;
  const tsA = ops.find((o) => o.id === a)!.requestTs!;
  const tsB = ops.find((o) => o.id === b)!.requestTs!;
  h.slack.failNext('chat.update', 4, 'internal_error', (body) => body.ts === tsA);
  h.slack.failNext('chat.update', 4, 'internal_error', (body) => body.ts === tsB);
  const start = ephemeralsTo(h, APPROVER).length;
  await clickInOps(h, 'change_approve', `${id}:${b}`);
  await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).slice(start).some((t) => t.startsWith('Approved. It replaces')), 20_000);
  const told = ephemeralsTo(h, APPROVER).slice(start).find((t) => t.startsWith('Approved. It replaces'))!;
  for (const s of ['calendar', 'scc_event', 'guest_page', 'guest_cache'] as const) h.steps.set(s, {});
  await settle(h);
  expect(told).toContain('The change request message (crew swap) could not be updated: it still shows Approve change and Reject, so ignore its buttons.');
  expect(told).toContain('The message of the earlier change it replaces (reschedule) could not be updated: it still shows what was decided before.');
});

it('a second click on a request already replaced by a newer approved change: told which change replaced it and who approved it', async () => {
  const { id, a, b } = await replacingChange('BS-CRR9');
  await clickInOps(h, 'change_approve', `${id}:${b}`);
  await waitForBooking(h, id, (r) => r.operations?.find((o) => o.id === a)?.status === 'superseded');
  for (const s of ['calendar', 'scc_event', 'guest_page', 'guest_cache'] as const) h.steps.set(s, {});
  const start = ephemeralsTo(h, APPROVER).length;
  await clickInOps(h, 'change_approve', `${id}:${a}`);
  await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).slice(start).some((t) => t.startsWith('That change')));
  const told = ephemeralsTo(h, APPROVER).slice(start).find((t) => t.startsWith('That change'))!;
  await settle(h);
  expect(told).toMatch(/^That change was already replaced by a newer change \(crew swap\) approved by <@U0APPROVE1> on .+\.$/);
  expect(told).not.toContain('superseded');
});

/**
 * A change request submitted while Slack takes 1.5 s to post it, `decide` clicked before its message
 * is saved; then the message, once posted, is waited on to lose its buttons. Returns its blocks.
 */
async function decidedWhilePosting(ref: string, decide: (id: string, opId: string) => Promise<unknown>): Promise<string> {
  const { id, opId, proposed } = await changeRequestPostingSlowly(h, ref);
  expect(proposed.operations!.at(-1)!.requestTs).toBeUndefined();
  await decide(id, opId);
  const posted = await waitForBooking(h, id, (r) => r.operations?.find((o) => o.id === opId)?.requestTs !== undefined, 20_000);
  const ts = posted.operations!.find((o) => o.id === opId)!.requestTs!;
  await h.slack.waitFor(() => !blocksOf(ts).includes('change_approve'), 20_000);
  await settle(h);
  return blocksOf(ts);
}

it('Approve change while the request is still being posted: once posted, the message is redrawn without its buttons', async () => {
  // The Approve change of App Home, say: the request message is not saved yet.
  const blocks = await decidedWhilePosting('BS-CRR10', (id, opId) => clickInOps(h, 'change_approve', `${id}:${opId}`));
  expect(blocks).toContain(':white_check_mark: Approved by <@U0APPROVE1>');
});

it('a cancel while the request is still being posted: once posted, the message says the change was not applied', async () => {
  const blocks = await decidedWhilePosting('BS-CRR11', (id) => clickInOps(h, 'booking_cancel', id));
  expect(blocks).toContain(':x: Not applied: the charter was cancelled.');
});

it('a second click on a request not applied as outdated (its redraw failed): told why it was not applied, not "superseded"', async () => {
  const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-CRR12' } as Record<string, string | string[]>;
  const id = await doneBooking(h, fields);
  const a = await proposeChange(h, id, 'edit', { ...fields, partySize: '5' });
  const b = await proposeChange(h, id, 'edit', { ...fields, partySize: '4' });
  await clickInOps(h, 'change_approve', `${id}:${b}`);
  await waitForBooking(h, id, (r) => ['done', 'failed'].includes(r.operations?.find((o) => o.id === b)?.status ?? ''), 20_000);
  await settle(h);
  const tsA = (await h.running.built.api.get(id))!.operations!.find((o) => o.id === a)!.requestTs!;
  h.slack.failNext('chat.update', 4, 'internal_error', (body) => body.ts === tsA);
  const start = ephemeralsTo(h, APPROVER).length;
  await clickInOps(h, 'change_approve', `${id}:${a}`);
  await waitForBooking(h, id, (r) => r.slack.changeRequestsUndrawn?.[a] !== undefined, 20_000);
  await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).slice(start).some((t) => t.startsWith('Not applied')));
  await clickInOps(h, 'change_approve', `${id}:${a}`);
  await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).slice(start).some((t) => t.startsWith('That change')));
  await settle(h);
  const told = ephemeralsTo(h, APPROVER).slice(start).find((t) => t.startsWith('That change'))!;
  expect(told).toMatch(/^That change was not applied: it was made before a later change was approved/);
  expect(told).not.toContain('superseded');
});
