/**
 * No CHARTER_OPS_CHANNEL, /charter from an approver's DM: the approval goes to that DM. Slack posts
 * to a user id but edits and reads only by the DM's own id (D…), so every later chat.update and
 * history read must use the DM's id — the booking keeps the channel Slack answered, never the user
 * id. Signed Slack requests to the real app; the Slack stand-in refuses a user id where Slack does.
 */
import { blockActionPayload, bookingModalState, viewSubmissionPayload } from '../../support/slack-requests';
import { APPROVE_ACTION_ID } from '../../../src/slack/blocks/approval';
import { APPROVER, approvalPosts, settle, startHarness, VALID_FIELDS, waitForBooking, type Harness } from './harness';

const APPROVER_DM = 'D0APPROVE1';
/** What Slack refuses a user id for (chat.update's docs: "ensure that this value is a DM ID"). */
const DM_ID_ONLY = ['chat.update', 'chat.delete', 'conversations.history', 'conversations.replies'];

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { CHARTER_OPS_CHANNEL: '' } });
});
afterAll(async () => h.close());

it("an approval posted in an approver's DM is kept, updated and threaded by the DM's id through to done", async () => {
  await h.requester.interact(viewSubmissionPayload({ userId: APPROVER, values: bookingModalState(VALID_FIELDS), privateMetadata: JSON.stringify({ channel: APPROVER_DM }) }));
  await h.slack.waitFor(() => approvalPosts(h.slack).length === 1);
  const post = approvalPosts(h.slack)[0]!;
  const id = (post.body.metadata as { event_payload: { booking_id: string } }).event_payload.booking_id;
  const posted = await waitForBooking(h, id, (b) => b.slack.approvalTs !== undefined);
  expect(posted.slack.channel).toBe(APPROVER_DM);

  await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: APPROVE_ACTION_ID, value: id, channelId: APPROVER_DM, messageTs: posted.slack.approvalTs }));
  const done = await waitForBooking(h, id, (b) => b.state === 'done' || b.state === 'failed');
  await settle(h);
  expect(done.state).toBe('done');

  const edits = h.slack.calls.filter((c) => DM_ID_ONLY.includes(c.method));
  expect(edits.length).toBeGreaterThan(0);
  expect(edits.filter((c) => c.response.ok !== true).map((c) => `${c.method} ${String(c.body.channel)}: ${String(c.response.error)}`)).toEqual([]);
  // The approval message is kept in the DM and edited there (it no longer offers Approve).
  expect(h.slack.messages(APPROVER_DM).map((m) => m.ts)).toContain(posted.slack.approvalTs);
  const approvalEdits = h.slack.callsTo('chat.update').filter((c) => c.body.ts === posted.slack.approvalTs);
  expect(approvalEdits.length).toBeGreaterThan(0);
  expect(new Set(approvalEdits.map((c) => c.body.channel))).toEqual(new Set([APPROVER_DM]));
  // Every post about it landed in the DM: the progress thread under the approval among them.
  const posts = h.slack.callsTo('chat.postMessage').filter((c) => c.body.thread_ts === posted.slack.approvalTs);
  expect(posts.length).toBeGreaterThan(0);
  expect(posts.map((c) => c.response.channel)).toEqual(posts.map(() => APPROVER_DM));
});
