/**
 * A request signed with another secret (the Client Secret pasted for the Signing Secret is the usual
 * slip) is refused by Bolt with "signature mismatch"; the log then says which setting to check and
 * where Slack shows the right value — once a minute at most, and never the secret itself.
 */
import { OPS_CHANNEL, SIGNING_SECRET, startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const WRONG_SECRET = 'client-secret-pasted-by-mistake-0123';

it('names SLACK_SIGNING_SECRET and where to find it, once for a burst of refused requests', async () => {
  for (let i = 0; i < 3; i++) {
    const res = await h.requester.command({ user_id: 'U0SOMEONE1', channel_id: OPS_CHANNEL, text: 'help' }, { signingSecret: WRONG_SECRET });
    expect(res.status).toBe(401);
  }
  const hints = h.logLines.filter((l) => l.includes('SLACK_SIGNING_SECRET'));
  expect(hints).toHaveLength(1);
  expect(hints[0]).toContain('Basic Information → App Credentials');
  expect(hints[0]).toContain('"level":40');
  for (const line of h.logLines) {
    expect(line).not.toContain(SIGNING_SECRET);
    expect(line).not.toContain(WRONG_SECRET);
  }
  // A correctly signed request still goes through.
  const ok = await h.requester.command({ user_id: 'U0SOMEONE1', channel_id: OPS_CHANNEL, text: 'help' });
  expect(ok.status).toBe(200);
});
