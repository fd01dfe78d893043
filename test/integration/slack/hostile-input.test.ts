/**
 * Hostile typed input end to end: the approval real Slack would accept (the stand-in enforces its
 * limits), no ping or link from a guest name in any text, and a truthful message when the approval
 * cannot be posted after the booking was saved.
 */
import { bookingModalState, viewSubmissionPayload } from '../../support/slack-requests';
import { APPROVER, OPS_CHANNEL, ORIGIN_CHANNEL, startHarness, submitBooking, VALID_FIELDS, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const HOSTILE_NAME = '<!channel> <!here> <https://evil.example|click>';
const HOSTILE_NOTES = '&<>'.repeat(700).slice(0, 2000);

it('posts the approval for a hostile name and 2,000 characters of & < > notes, within Slack\'s limits, escaped in blocks, fallback text and /charter status', async () => {
  h.slack.clear();
  const id = await submitBooking(h, { ...VALID_FIELDS, guestName: HOSTILE_NAME, notes: HOSTILE_NOTES });
  const post = h.slack.callsTo('chat.postMessage').find((c) => c.body.metadata !== undefined);
  expect(post?.response).toMatchObject({ ok: true });
  expect(String(post?.body.text)).toContain('&lt;!channel&gt;');
  // plain_text (the header) shows `<!channel>` literally; every mrkdwn text must carry it escaped.
  const mrkdwn = JSON.stringify(post?.body.blocks).match(/"type":"mrkdwn","text":"[^"]*"/g) ?? [];
  expect(mrkdwn.length).toBeGreaterThan(3);
  for (const text of [String(post?.body.text), ...mrkdwn]) expect(text).not.toMatch(/<!(channel|here)>|<https:/);

  await h.requester.command({ user_id: APPROVER, channel_id: OPS_CHANNEL, text: `status ${id}` });
  await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'));
  const status = String(h.slack.callsTo('chat.postEphemeral')[0]?.body.text);
  expect(status).toContain(id);
  expect(status).toContain('&lt;https://evil.example|click&gt;');
  expect(status).not.toMatch(/<!(channel|here)>|<https:/);
});

it('says the booking is saved (not "Nothing was booked") when the approval message cannot be posted', async () => {
  h.slack.clear();
  h.slack.failNext('chat.postMessage', 1, 'channel_not_found');
  const res = await h.requester.interact(viewSubmissionPayload({ userId: APPROVER, values: bookingModalState(VALID_FIELDS), privateMetadata: JSON.stringify({ channel: ORIGIN_CHANNEL }) }));
  expect(res.status).toBe(200);
  await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'));
  const told = String(h.slack.callsTo('chat.postEphemeral')[0]?.body.text);
  const id = /saved as `([0-9A-Z]{12})`/.exec(told)?.[1];
  expect(told).not.toContain('Nothing was booked');
  expect(told).toContain('channel_not_found');
  expect(told).toContain('do not book it again');
  expect(id).toBeDefined();
  expect(await h.running.built.api.get(id ?? '')).toMatchObject({ state: 'pending_approval' });
});
