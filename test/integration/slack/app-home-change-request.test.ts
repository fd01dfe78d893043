/**
 * A change request (reschedule, edit, crew swap) waits for an approver like a new request does, so
 * it belongs under "Waiting for approval" on an approver's Home, saying what it changes. With
 * CHARTER_REQUIRE_SECOND_APPROVER its requester gets no Approve change (the bot would refuse it);
 * another approver does, and it works from the Home. Tabs are refreshed when a change is proposed,
 * approved or rejected, without waiting for the periodic refresh. Real Bolt receiver, signed
 * requests, the Slack stand-in.
 */
import { homeViewText } from '../../../src/sandbox/printer';
import { appHomeOpenedEvent, blockActionPayload } from '../../support/slack-requests';
import { APPROVER, CAPTAIN, clickInOps, CREW, inDays, lastHomeViewOf, proposeChange, settle, startHarness, submitBooking, VALID_FIELDS, waitForBooking, type Harness } from './harness';

const SECOND = 'U0APPROVE2';
let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    env: { CHARTER_APPROVERS: `${APPROVER},${SECOND}`, CHARTER_REQUIRE_SECOND_APPROVER: 'true' },
    // The periodic refresh never comes within a test: only the listeners' own refreshes reach the tabs.
    deps: { homeDebounceMs: 50, stepOverrides: { calendar_update: async () => ({ updated: true }), scc_update: async () => ({ updated: true }) } },
  });
});
afterAll(async () => {
  await h.close();
});

const names = new Map([
  [APPROVER, 'Alex Approver'],
  [SECOND, 'Bea Second'],
  [CAPTAIN, 'Sam Ortiz'],
  [CREW[0], 'Lee Park'],
  [CREW[1], 'Ana Cruz'],
]);
const publishedTo = (userId: string) => h.slack.callsTo('views.publish').filter((c) => c.body.user_id === userId).length;
const approveChangeButton = (id: string, opId: string) => `"action_id":"change_approve","style":"primary","text":{"type":"plain_text","text":"Approve change"},"value":"${id}:${opId}"`;

it('lists a change request for approvers, with Approve change only for one who may approve it, and drops it once decided', async () => {
  const fields = { ...VALID_FIELDS, date: inDays(2), guestName: 'Cleo Change' };
  const id = await approvedBooking(fields);
  for (const userId of [APPROVER, SECOND, CREW[0]]) expect((await h.requester.event(appHomeOpenedEvent({ userId }))).status).toBe(200);
  await h.running.built.home.idle();
  expect(lastHomeViewOf(h, SECOND)).not.toContain('Waiting for approval');

  // Proposed by APPROVER: both approvers' tabs are refreshed with it.
  const before = publishedTo(SECOND);
  const opId = await proposeChange(h, id, 'reschedule', { ...fields, date: inDays(5), partySize: '4' });
  await h.slack.waitFor(() => publishedTo(SECOND) > before && publishedTo(APPROVER) > 0 && lastHomeViewOf(h, APPROVER).includes('change (reschedule)'));
  await h.running.built.home.idle();
  const second = lastHomeViewOf(h, SECOND);
  const secondText = homeViewText(JSON.parse(second) as { blocks: unknown }, names);
  process.stdout.write(`\n--- App Home (the other approver, a change request waiting) ---\n${secondText}\n`);
  expect(secondText).toContain('Waiting for approval (1)');
  expect(secondText).toMatch(/· Cleo · \*change \(reschedule\)\* · requested by @Alex Approver\n\*Date\*: .+ → .+\n\*Party size\*: 6 → 4\n\[ Approve change \]\(primary\) {2}\[ Details \]/);
  expect(secondText).toContain('change waiting for approval');
  expect(second).toContain(approveChangeButton(id, opId));
  const requester = lastHomeViewOf(h, APPROVER);
  expect(requester).toContain('change (reschedule)');
  expect(requester).toContain('This change needs an approver other than you.');
  expect(requester).not.toContain('"action_id":"change_approve"');
  // Crew see no change request (and no money).
  expect(lastHomeViewOf(h, CREW[0])).not.toMatch(/change|approv|\$/i);

  // Approve change from the other approver's Home (a Home click carries no channel): it runs, and the request leaves the tabs.
  const click = blockActionPayload({ userId: SECOND, actionId: 'change_approve', value: `${id}:${opId}`, channelId: '' });
  delete click.channel;
  expect((await h.requester.interact(click)).status).toBe(200);
  await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === opId)?.status === 'done');
  await settle(h);
  await h.running.built.home.flush();
  for (const userId of [APPROVER, SECOND]) expect(lastHomeViewOf(h, userId)).not.toContain('change (reschedule)');
  expect(lastHomeViewOf(h, SECOND)).toContain('party of 4');
});

it('a rejected change request leaves the tabs at once, though nothing runs', async () => {
  const fields = { ...VALID_FIELDS, date: inDays(3), guestName: 'Rory Reject' };
  const id = await approvedBooking(fields);
  const opId = await proposeChange(h, id, 'edit', { ...fields, partySize: '5' });
  await h.slack.waitFor(() => lastHomeViewOf(h, SECOND).includes(approveChangeButton(id, opId)));
  await h.running.built.home.idle();

  await clickInOps(h, 'change_reject', `${id}:${opId}`, SECOND);
  await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === opId)?.status === 'rejected');
  await h.slack.waitFor(() => !lastHomeViewOf(h, SECOND).includes('change (edit)'));
  expect(lastHomeViewOf(h, SECOND)).not.toContain('Waiting for approval');
  expect(lastHomeViewOf(h, APPROVER)).not.toContain('change (edit)');
});

/** A booking created by APPROVER, approved by SECOND (the second-approver rule) and run to done. */
async function approvedBooking(fields: typeof VALID_FIELDS): Promise<string> {
  const id = await submitBooking(h, fields);
  await clickInOps(h, 'booking_approve', id, SECOND);
  await waitForBooking(h, id, (b) => b.state === 'done');
  await settle(h);
  return id;
}
