/**
 * A request signed with another secret (the Client Secret pasted for the Signing Secret is the usual
 * slip) is refused by Bolt with "signature mismatch"; the log then says which setting to check and
 * where Slack shows the right value — once a minute at most, and never the secret itself. Every
 * other kind of forged or stale request is logged once a minute at most too, each kind on its own.
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

it('a flood of forged, stale and unsigned requests logs one line per kind, not one per request', async () => {
  const from = h.logLines.length;
  const now = Math.floor(Date.now() / 1000);
  const command = { user_id: 'U0SOMEONE1', channel_id: OPS_CHANNEL, text: 'help' };
  const unsigned = () => fetch(`${h.running.url}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'command=%2Fcharter&text=help' });
  for (let i = 0; i < 10; i++) {
    const statuses = [
      (await h.requester.command(command, { signingSecret: WRONG_SECRET })).status,
      (await h.requester.command(command, { timestampSec: now + 3600 })).status,
      (await h.requester.command(command, { timestampSec: now - 3600 })).status,
      (await unsigned()).status,
    ];
    expect(statuses).toEqual([401, 401, 401, 401]);
  }
  const warnings = h.logLines.slice(from).map((l) => JSON.parse(l) as { level: number; msg: string; reason?: string });
  const perKind = new Map<string, number>();
  for (const w of warnings.filter((l) => l.level >= 40)) perKind.set(w.reason ?? w.msg, (perKind.get(w.reason ?? w.msg) ?? 0) + 1);
  // The mismatch was hinted at by the test above, within the minute; the other three kinds get one line each.
  expect([...perKind.values()]).toEqual([1, 1, 1]);
  expect([...perKind.keys()].sort()).toEqual([
    expect.stringContaining('header x-slack-signature did not have the expected type'),
    expect.stringContaining('x-slack-request-timestamp must differ from system time'),
    'timestamp more than 5 minutes in the future',
  ]);
});
