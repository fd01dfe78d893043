/**
 * The same booking form reaching the bot more than once — Slack's redelivery (X-Slack-Retry-Num),
 * a double submit, two deliveries racing — makes one booking and one approval message (issue 12).
 */
import { viewSubmissionPayload, bookingModalState } from '../../support/slack-requests';
import { APPROVER, ORIGIN_CHANNEL, VALID_FIELDS, approvalPosts, settle, startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

async function bookingsNamed(guestName: string) {
  const all = await h.running.built.store.listByStates(['pending_approval', 'approved', 'running', 'done', 'failed', 'cancelled']);
  return all.filter((b) => b.request.guestName === guestName);
}

it('one view_submission delivered three times, in sequence and with retry headers: one booking, one approval', async () => {
  const fields = { ...VALID_FIELDS, guestName: 'Redelivered Sequential' };
  const payload = viewSubmissionPayload({ userId: APPROVER, values: bookingModalState(fields), privateMetadata: JSON.stringify({ channel: ORIGIN_CHANNEL }) });
  const before = approvalPosts(h.slack).length;
  for (const retryNum of [undefined, 1, 2]) {
    const res = await h.requester.interact(payload, retryNum === undefined ? {} : { retryNum });
    expect(res.status).toBe(200);
  }
  await h.slack.waitFor(() => approvalPosts(h.slack).length > before);
  await settle(h);
  expect(await bookingsNamed(fields.guestName)).toHaveLength(1);
  expect(approvalPosts(h.slack).filter((c) => JSON.stringify(c.body.blocks).includes(fields.guestName))).toHaveLength(1);
});

it('three deliveries at once (two instances, a double click): one booking, one approval', async () => {
  const fields = { ...VALID_FIELDS, guestName: 'Redelivered Concurrent' };
  const payload = viewSubmissionPayload({ userId: APPROVER, values: bookingModalState(fields), privateMetadata: JSON.stringify({ channel: ORIGIN_CHANNEL }) });
  const before = approvalPosts(h.slack).length;
  const answers = await Promise.all([h.requester.interact(payload), h.requester.interact(payload, { retryNum: 1 }), h.requester.interact(payload)]);
  expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
  await h.slack.waitFor(() => approvalPosts(h.slack).length > before);
  await settle(h);
  expect(await bookingsNamed(fields.guestName)).toHaveLength(1);
  expect(approvalPosts(h.slack).filter((c) => JSON.stringify(c.body.blocks).includes(fields.guestName))).toHaveLength(1);
});

it('two different modals with the same details are two bookings (the view id, not the content, is the key)', async () => {
  const fields = { ...VALID_FIELDS, guestName: 'Two Real Bookings' };
  for (let i = 0; i < 2; i++) {
    await h.requester.interact(viewSubmissionPayload({ userId: APPROVER, values: bookingModalState(fields), privateMetadata: JSON.stringify({ channel: ORIGIN_CHANNEL }) }));
  }
  await h.slack.waitFor(() => approvalPosts(h.slack).filter((c) => JSON.stringify(c.body.blocks).includes(fields.guestName)).length === 2);
  expect(await bookingsNamed(fields.guestName)).toHaveLength(2);
});
