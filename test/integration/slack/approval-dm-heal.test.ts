/**
 * Bookings stored before approvals in an approver's DM were kept by the DM's id hold the
 * approver's user id (U…) as their approval channel. Slack (and the stand-in) refuse a user id for
 * chat.update, so every later edit of such an approval failed. The first edit now resolves the DM
 * (conversations.open), edits there, and writes the D… id back into the record, once.
 * The old record is seeded into the SQLite file on disk by a second connection, as a process of an
 * older version left it; the actions come as signed requests to the app's Bolt receiver.
 */
import { SqliteBookingStore } from '../../../src/pipeline/sqlite-store';
import { updateWithRetry } from '../../../src/pipeline/store';
import { APPROVE_ACTION_ID, CANCEL_ACTION_ID } from '../../../src/slack/blocks/approval';
import { RETRY_ACTION_ID } from '../../../src/slack/blocks/progress';
import { blockActionPayload, bookingModalState, viewSubmissionPayload } from '../../support/slack-requests';
import { APPROVER, approvalPosts, settle, startHarness, VALID_FIELDS, waitForBooking, type Harness } from './harness';

const APPROVER_DM = 'D0APPROVE1';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { CHARTER_OPS_CHANNEL: '' } });
});
afterAll(async () => h.close());

/** /charter from the approver's DM: its approval is posted there. Returns the booking id. */
async function requestInDm(guestName: string): Promise<string> {
  const before = approvalPosts(h.slack).length;
  await h.requester.interact(viewSubmissionPayload({ userId: APPROVER, values: bookingModalState({ ...VALID_FIELDS, guestName }), privateMetadata: JSON.stringify({ channel: APPROVER_DM }) }));
  await h.slack.waitFor(() => approvalPosts(h.slack).length > before);
  const id = (approvalPosts(h.slack)[before]!.body.metadata as { event_payload: { booking_id: string } }).event_payload.booking_id;
  await waitForBooking(h, id, (b) => b.slack.approvalTs !== undefined);
  return id;
}

/** The record as the older version stored it: the approver's user id where the DM's id is now. */
async function storeWithUserIdChannel(id: string): Promise<void> {
  if (h.config.store.kind !== 'sqlite') throw new Error('the harness runs on SQLite');
  const older = SqliteBookingStore.open(h.config.store.path);
  try {
    await updateWithRetry(older, id, (r) => ({ ...r, slack: { ...r.slack, channel: APPROVER } }));
  } finally {
    await older.close();
  }
  expect((await h.running.built.api.get(id))?.slack.channel).toBe(APPROVER);
}

const refusedEdits = () => h.slack.callsTo('chat.update').filter((c) => c.response.ok !== true).map((c) => `${String(c.body.channel)}: ${String(c.response.error)}`);
const healLines = (id: string) => h.logLines.filter((l) => l.includes('approval channel stored as a user id') && l.includes(id));

it('Retry on a failed booking stored with a U… approval channel: the progress message is edited in the DM, and the record keeps the D… id', async () => {
  h.steps.set('scc_event', { permanent: true });
  const id = await requestInDm('Retry Heal');
  const posted = await waitForBooking(h, id, (b) => b.slack.approvalTs !== undefined);
  await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: APPROVE_ACTION_ID, value: id, channelId: APPROVER_DM, messageTs: posted.slack.approvalTs }));
  const failed = await waitForBooking(h, id, (b) => b.state === 'failed' && b.slack.progressTs !== undefined);
  await settle(h);
  await storeWithUserIdChannel(id);
  h.steps.set('scc_event', {});
  h.slack.clear();

  await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: RETRY_ACTION_ID, value: id, channelId: APPROVER_DM, messageTs: failed.slack.progressTs }));
  const done = await waitForBooking(h, id, (b) => b.state === 'done');
  await settle(h);

  expect(refusedEdits()).toEqual([]);
  const progressEdits = h.slack.callsTo('chat.update').filter((c) => c.body.ts === failed.slack.progressTs);
  expect(progressEdits.length).toBeGreaterThan(0);
  expect(new Set(progressEdits.map((c) => c.body.channel))).toEqual(new Set([APPROVER_DM]));
  const shown = h.slack.messages(APPROVER_DM).find((m) => m.ts === failed.slack.progressTs);
  expect(JSON.stringify(shown?.blocks)).toContain('All set');
  expect((await h.running.built.api.get(id))?.slack.channel).toBe(APPROVER_DM);
  expect(done.slack.channel).toBe(APPROVER_DM);
  // Resolved and written once, whichever path (progress, crew step) met it first.
  expect(healLines(id)).toHaveLength(1);
});

it('Cancel on a pending request stored with a U… approval channel: the approval message is closed in the DM, and the record keeps the D… id', async () => {
  const id = await requestInDm('Cancel Heal');
  const pending = await waitForBooking(h, id, (b) => b.slack.approvalTs !== undefined);
  await storeWithUserIdChannel(id);
  h.slack.clear();

  await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: CANCEL_ACTION_ID, value: id, channelId: APPROVER_DM, messageTs: pending.slack.approvalTs }));
  await waitForBooking(h, id, (b) => b.state === 'cancelled');
  await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.update' && c.body.ts === pending.slack.approvalTs));
  await settle(h);

  expect(refusedEdits()).toEqual([]);
  const approvalEdits = h.slack.callsTo('chat.update').filter((c) => c.body.ts === pending.slack.approvalTs);
  expect(approvalEdits.map((c) => c.body.channel)).toEqual(approvalEdits.map(() => APPROVER_DM));
  const shown = h.slack.messages(APPROVER_DM).find((m) => m.ts === pending.slack.approvalTs);
  expect(JSON.stringify(shown?.blocks)).not.toContain(APPROVE_ACTION_ID);
  expect((await h.running.built.api.get(id))?.slack.channel).toBe(APPROVER_DM);
  expect(healLines(id)).toHaveLength(1);
});
