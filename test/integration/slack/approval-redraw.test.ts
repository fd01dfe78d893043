/**
 * The approval message after a decision whose redraw Slack did not take: it must come to show the
 * decision (retried, then by the approval watch), the rest of the click's work must go on, the
 * approver must be told, and its stale Cancel ("Nothing has been booked yet") must never cancel a
 * live charter. Real Bolt receiver, signed requests, the Slack stand-in, scripted steps.
 */
import { charterTimeSettings } from '../../../src/config';
import { createLogger } from '../../../src/log';
import { charterInstants } from '../../../src/pipeline/approval-policy';
import type { StoredSlackMessage } from '../../../src/sandbox/slack-api-standin';
import { updateWithRetry } from '../../../src/pipeline/store';
import { storeSlackRefs } from '../../../src/slack/approval-dm';
import { APPROVAL_REDRAW_GIVE_UP_AFTER_DEPARTURE_MS, drawApproval } from '../../../src/slack/approval-redraw';
import { watchApprovals } from '../../../src/slack/approval-watch';
import { approvalsBehind } from '../../../src/slack/approvals-behind';
import { blockActionPayload } from '../../support/slack-requests';
import { APPROVER, clickInOps, doneBooking, OPS_CHANNEL, settle, startHarness, submitBooking, waitForBooking, type Harness } from './harness';

jest.setTimeout(60_000);

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const HOUR = 3_600_000;
const approvalOf = (ts: string): StoredSlackMessage => h.slack.messages(OPS_CHANNEL).find((m) => m.ts === ts)!;
const blocksOf = (m: StoredSlackMessage) => JSON.stringify(m.blocks ?? []);
/** What the approver was told privately: ephemerals, and the DMs they fall back to where the bot cannot post. */
const toldApprover = () => [
  ...h.slack.callsTo('chat.postEphemeral').filter((c) => c.body.user === APPROVER),
  ...h.slack.callsTo('chat.postMessage').filter((c) => c.body.channel === APPROVER),
].map((c) => String(c.body.text));
const behindIds = () => approvalsBehind(h.running.built.store).list();
const tick = (nowMs: number) => watchApprovals({ store: h.running.built.store, client: h.running.built.bolt.client, config: h.config, log: createLogger({ level: 'silent' }) }, nowMs);

/** A booking submitted, then approved while Slack fails the next `times` updates of its approval message. */
async function approveWhileUpdatesFail(times: number, in_: Harness = h): Promise<{ id: string; approvalTs: string }> {
  const id = await submitBooking(in_);
  const approvalTs = (await in_.running.built.api.get(id))!.slack.approvalTs!;
  in_.slack.failNext('chat.update', times, 'internal_error', (b) => b.ts === approvalTs);
  await clickInOps(in_, 'booking_approve', id);
  return { id, approvalTs };
}

it('one chat.update refused on Approve: the approval message is redrawn all the same, and the progress message still posted', async () => {
  const { id, approvalTs } = await approveWhileUpdatesFail(1);
  const done = await waitForBooking(h, id, (b) => b.state === 'done' && b.slack.progressTs !== undefined);
  await settle(h);
  await h.slack.waitFor(() => !blocksOf(approvalOf(approvalTs)).includes('booking_approve'));
  const shown = blocksOf(approvalOf(approvalTs));
  expect(shown).toContain(':white_check_mark: Approved');
  expect(shown).not.toContain('booking_cancel');
  expect(done.slack.progressTs).toBeDefined();
  // Drawn on the retry: nothing recorded for the watch, nobody told.
  expect((await h.running.built.api.get(id))?.slack.approvalUndrawn).toBeUndefined();
  expect(toldApprover().filter((t) => t.includes('approval message could not be updated'))).toEqual([]);
});

it('the bot removed from the ops channel: the approver is told, and the approval watch redraws the message once it can', async () => {
  const id = await submitBooking(h);
  const approvalTs = (await h.running.built.api.get(id))!.slack.approvalTs!;
  h.slack.setChannel(OPS_CHANNEL, { isMember: false });
  try {
    await clickInOps(h, 'booking_approve', id);
    await waitForBooking(h, id, (b) => b.state === 'done' || b.state === 'failed');
    await settle(h);
    await h.slack.waitFor(() => toldApprover().some((t) => t.includes('approval message could not be updated')));
  } finally {
    h.slack.setChannel(OPS_CHANNEL, undefined);
  }
  const told = toldApprover().find((t) => t.includes('approval message could not be updated'))!;
  expect(told).toContain('Approved');
  expect(told).toContain('not_in_channel');
  expect(told).toContain('Invite @charter-bot to the ops channel');
  expect(told).toContain('ignore its buttons');
  const undrawn = (await h.running.built.api.get(id))?.slack.approvalUndrawn;
  expect(undrawn).toMatchObject({ code: 'not_in_channel', refused: true });
  expect(await behindIds()).toContain(id);
  expect(blocksOf(approvalOf(approvalTs))).toContain('booking_approve');

  // Refused until someone acts: tried once an hour, not every tick.
  const updates = () => h.slack.callsTo('chat.update').filter((c) => c.body.ts === approvalTs).length;
  const before = updates();
  await tick(undrawn!.atMs + 60_000);
  expect(updates()).toBe(before);
  await tick(undrawn!.atMs + HOUR);
  const shown = blocksOf(approvalOf(approvalTs));
  expect(shown).toContain(':white_check_mark: Approved');
  expect(shown).not.toContain('booking_cancel');
  expect((await h.running.built.api.get(id))?.slack.approvalUndrawn).toBeUndefined();
  expect(await behindIds()).not.toContain(id);
  // Drawn: the next tick leaves it alone.
  const after = updates();
  await tick(undrawn!.atMs + 2 * HOUR);
  expect(updates()).toBe(after);
});

it('Slack failing every try on Approve: the approver is told, and the next tick of the approval watch redraws it', async () => {
  const { id, approvalTs } = await approveWhileUpdatesFail(4);
  const behind = await waitForBooking(h, id, (b) => b.state === 'done' && b.slack.approvalUndrawn !== undefined);
  await settle(h);
  expect(behind.slack.approvalUndrawn).toMatchObject({ code: 'internal_error', refused: false });
  await h.slack.waitFor(() => toldApprover().some((t) => t.includes('Slack answered internal_error')));
  expect(toldApprover().find((t) => t.includes('Slack answered internal_error'))).toContain('ignore its buttons');
  expect(blocksOf(approvalOf(approvalTs))).toContain('booking_approve');
  // Not a refusal: tried on the very next tick, not an hour on.
  await tick(behind.slack.approvalUndrawn!.atMs + 60_000);
  expect(blocksOf(approvalOf(approvalTs))).toContain(':white_check_mark: Approved');
  expect(blocksOf(approvalOf(approvalTs))).not.toContain('booking_cancel');
  expect(await behindIds()).not.toContain(id);
});

it("a Cancel clicked on the approval message of an approved charter is refused privately, cancels nothing, and redraws the message", async () => {
  const id = await submitBooking(h);
  const approvalTs = (await h.running.built.api.get(id))!.slack.approvalTs!;
  const pending = approvalOf(approvalTs);
  // The approval message as it stood before the approval: its Cancel button, and the dialog it shows.
  expect(blocksOf(pending)).toContain('Nothing has been booked yet');
  h.slack.failNext('chat.update', 4, 'internal_error', (b) => b.ts === approvalTs);
  await clickInOps(h, 'booking_approve', id);
  await waitForBooking(h, id, (b) => b.state === 'done' && b.slack.approvalUndrawn !== undefined);
  await settle(h);
  expect(blocksOf(approvalOf(approvalTs))).toContain('booking_cancel');

  await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'booking_cancel', value: id, channelId: OPS_CHANNEL, messageTs: approvalTs }));
  await h.slack.waitFor(() => toldApprover().some((t) => t.includes('Nothing was cancelled')));
  await settle(h);
  const booking = await h.running.built.api.get(id);
  expect(booking?.state).toBe('done');
  expect((booking?.operations ?? []).some((o) => o.kind === 'cancel')).toBe(false);
  const told = toldApprover().find((t) => t.includes('Nothing was cancelled'))!;
  expect(told).toContain('this charter was approved at');
  expect(told).toContain('*Cancel charter* on its progress message');
  await h.slack.waitFor(() => !blocksOf(approvalOf(approvalTs)).includes('booking_cancel'));
  expect(blocksOf(approvalOf(approvalTs))).toContain(':white_check_mark: Approved');
  // Drawn: what the watch would have redrawn is cleared.
  await waitForBooking(h, id, (b) => b.slack.approvalUndrawn === undefined);
});

it('the approval message deleted in Slack: Approve tries it once, says so plainly, and nothing tries again', async () => {
  const id = await submitBooking(h);
  const approvalTs = (await h.running.built.api.get(id))!.slack.approvalTs!;
  h.slack.deleteMessage(OPS_CHANNEL, approvalTs);
  await clickInOps(h, 'booking_approve', id);
  await waitForBooking(h, id, (b) => b.state === 'done');
  await settle(h);
  await h.slack.waitFor(() => toldApprover().some((t) => t.includes('approval message was deleted')));
  const told = toldApprover().find((t) => t.includes('approval message was deleted'))!;
  expect(told).not.toContain('ignore its buttons');
  expect(told).not.toContain('keeps trying');
  const updates = () => h.slack.callsTo('chat.update').filter((c) => c.body.ts === approvalTs).length;
  expect(updates()).toBe(1);
  const b = (await h.running.built.api.get(id))!;
  expect(b.slack.approvalUndrawn).toBeUndefined();
  expect(await behindIds()).not.toContain(id);
  for (let day = 0; day < 3; day++) await tick(Date.now() + day * 24 * HOUR + 60_000);
  expect(updates()).toBe(1);
});

it('an approval message behind its booking, then deleted: the watch tries it once and drops it', async () => {
  const { id, approvalTs } = await approveWhileUpdatesFail(4);
  const behind = await waitForBooking(h, id, (b) => b.state === 'done' && b.slack.approvalUndrawn !== undefined);
  await settle(h);
  expect(await behindIds()).toContain(id);
  h.slack.deleteMessage(OPS_CHANNEL, approvalTs);
  const updates = () => h.slack.callsTo('chat.update').filter((c) => c.body.ts === approvalTs).length;
  const before = updates();
  await tick(behind.slack.approvalUndrawn!.atMs + 60_000);
  expect(updates()).toBe(before + 1);
  expect((await h.running.built.api.get(id))!.slack.approvalUndrawn).toBeUndefined();
  expect(await behindIds()).not.toContain(id);
  await tick(behind.slack.approvalUndrawn!.atMs + 2 * 60_000);
  expect(updates()).toBe(before + 1);
});

it('an approval message Slack keeps refusing is listed until a day after departure, then dropped', async () => {
  const id = await submitBooking(h);
  const approvalTs = (await h.running.built.api.get(id))!.slack.approvalTs!;
  h.slack.setChannel(OPS_CHANNEL, { isMember: false });
  try {
    await clickInOps(h, 'booking_approve', id);
    const behind = await waitForBooking(h, id, (b) => b.slack.approvalUndrawn !== undefined);
    await settle(h);
    const updates = () => h.slack.callsTo('chat.update').filter((c) => c.body.ts === approvalTs).length;
    const { departureAtMs } = charterInstants(behind.request, charterTimeSettings(h.config));
    // A day after departure, still tried (hourly) and listed.
    let before = updates();
    await tick(departureAtMs + APPROVAL_REDRAW_GIVE_UP_AFTER_DEPARTURE_MS);
    expect(updates()).toBe(before + 1);
    expect(await behindIds()).toContain(id);
    // Past it: dropped without another try, and never tried again.
    before = updates();
    await tick(departureAtMs + APPROVAL_REDRAW_GIVE_UP_AFTER_DEPARTURE_MS + HOUR + 1);
    expect(updates()).toBe(before);
    expect(await behindIds()).not.toContain(id);
    expect((await h.running.built.api.get(id))!.slack.approvalUndrawn).toBeUndefined();
  } finally {
    h.slack.setChannel(OPS_CHANNEL, undefined);
  }
});

it('a booking that keeps changing under its redraw: drawn 3 times, then marked for the watch, which draws it once it settles', async () => {
  const id = await doneBooking(h);
  const approvalTs = (await h.running.built.api.get(id))!.slack.approvalTs!;
  const store = h.running.built.store;
  const updates = () => h.slack.callsTo('chat.update').filter((c) => c.body.ts === approvalTs).length;
  const before = updates();
  // Another process's write lands after each draw, before its read: each read shows another guest name.
  let moves = 0;
  const readAfterAMove = async () => {
    moves += 1;
    await updateWithRetry(store, id, (r) => ({ ...r, request: { ...r.request, guestName: `Moved ${moves}` } }));
    return store.get(id);
  };
  const log = createLogger({ level: 'silent' });
  const deps = { client: h.running.built.bolt.client, refs: storeSlackRefs(store), config: h.config, log, now: Date.now, behind: approvalsBehind(store) };
  await drawApproval(deps, (await store.get(id))!, readAfterAMove);
  expect(updates()).toBe(before + 3);
  // The third draw showed "Moved 2"; the booking now reads "Moved 3".
  expect(JSON.stringify(approvalOf(approvalTs).blocks)).toContain('Moved 2');
  const marked = (await store.get(id))!;
  expect(marked.slack.approvalUndrawn).toMatchObject({ code: 'booking_kept_changing', refused: false });
  expect(await behindIds()).toContain(id);

  await tick(marked.slack.approvalUndrawn!.atMs + 60_000);
  expect(JSON.stringify(approvalOf(approvalTs).blocks)).toContain('Moved 3');
  expect((await store.get(id))!.slack.approvalUndrawn).toBeUndefined();
  expect(await behindIds()).not.toContain(id);
});

describe('one try in the handler (Lambda: Slack waits 3 s for the click\'s answer, which waits for the handler)', () => {
  let lambdaLike: Harness;
  beforeAll(async () => {
    lambdaLike = await startHarness({ deps: { approvalRedrawTries: 1 } });
  });
  afterAll(async () => {
    await lambdaLike.close();
  });

  it('a failed redraw is not retried in the handler: recorded and told at once, for the minute tick', async () => {
    const { id, approvalTs } = await approveWhileUpdatesFail(1, lambdaLike);
    const behind = await waitForBooking(lambdaLike, id, (b) => b.slack.approvalUndrawn !== undefined);
    await settle(lambdaLike);
    expect(behind.slack.approvalUndrawn).toMatchObject({ code: 'internal_error', refused: false });
    expect(lambdaLike.slack.callsTo('chat.update').filter((c) => c.body.ts === approvalTs)).toHaveLength(1);
    await lambdaLike.slack.waitFor(() => lambdaLike.slack.callsTo('chat.postEphemeral').some((c) => String(c.body.text).includes('Slack answered internal_error')));
    expect(await approvalsBehind(lambdaLike.running.built.store).list()).toContain(id);
  });
});
