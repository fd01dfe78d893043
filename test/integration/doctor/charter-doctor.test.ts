/** `/charter doctor` in the running app: approvers get the table as an ephemeral reply; others are refused. */
import { APPROVER, ORIGIN_CHANNEL, OUTSIDER, startHarness, type Harness } from '../slack/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ real: true });
});
afterAll(async () => {
  await h.close();
});

async function doctorReply(userId: string): Promise<string> {
  const before = h.slack.callsTo('chat.postEphemeral').length;
  const res = await h.requester.command({ user_id: userId, channel_id: ORIGIN_CHANNEL, text: 'doctor' });
  expect(res.status).toBe(200);
  await h.slack.waitFor(() => h.slack.callsTo('chat.postEphemeral').length > before);
  const reply = h.slack.callsTo('chat.postEphemeral')[before];
  expect(reply?.body.user).toBe(userId);
  return String(reply?.body.text);
}

it('answers an approver with every check green against the stand-ins', async () => {
  const text = await doctorReply(APPROVER);
  for (const name of ['Configuration', 'Slack', 'Dashboard', 'SCC key', 'S3 bucket', 'CloudFront', 'SCC events table', 'State store']) {
    expect(text).toMatch(new RegExp(`✅ ${name}\\s`));
  }
  expect(text).toContain('All checks passed.');
});

it('shows a broken system as ❌ with its fix', async () => {
  h.standins?.dashboard.faults.inject('GET /calendar', { kind: 'unauthorized' }, { times: 1 });
  const text = await doctorReply(APPROVER);
  expect(text).toMatch(/❌ Dashboard\s+token refused/);
  expect(text).toContain('fix: DASHBOARD_TOKEN is wrong');
});

it('refuses someone who is not an approver', async () => {
  expect(await doctorReply(OUTSIDER)).toContain('Only approvers');
});
