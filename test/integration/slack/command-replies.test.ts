/**
 * /charter's private replies where Slack refuses an ephemeral message (a DM between two people, a
 * channel the app is not in), and /charter cancel of a charter already cancelled. Real Bolt
 * receiver, signed requests, the Slack stand-in.
 */
import { APPROVER, ORIGIN_CHANNEL, OPS_CHANNEL, settle, startHarness, submitBooking, VALID_FIELDS, waitForBooking, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const A_DM_BETWEEN_TWO_PEOPLE = 'D0TWOPEOPLE';

it.each([
  ['channel_not_found', A_DM_BETWEEN_TWO_PEOPLE],
  ['not_in_channel', 'C0NOTINVITED'],
])('answers in the user’s DM with the app when Slack refuses the ephemeral reply (%s)', async (error, channel) => {
  h.slack.clear();
  h.slack.failNext('chat.postEphemeral', 1, error);
  await h.requester.command({ user_id: APPROVER, channel_id: channel, text: 'help' });
  await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage'));
  const dm = h.slack.callsTo('chat.postMessage');
  expect(dm).toHaveLength(1);
  expect(dm[0]?.body).toMatchObject({ channel: APPROVER });
  expect(String(dm[0]?.body.text)).toContain('/charter');
});

it('/charter cancel of a cancelled request says so, with no second Cancel button', async () => {
  const id = await submitBooking(h, { ...VALID_FIELDS, boatsetterRef: 'BS-CANCEL2' });
  await h.requester.command({ user_id: APPROVER, channel_id: OPS_CHANNEL, text: `cancel ${id}` });
  await waitForBooking(h, id, (b) => b.state === 'cancelled');
  await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral' && String(c.body.text).startsWith('Cancelled the request')));
  await settle(h);
  h.slack.clear();
  await h.requester.command({ user_id: APPROVER, channel_id: OPS_CHANNEL, text: `cancel ${id}` });
  await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'));
  const reply = h.slack.callsTo('chat.postEphemeral')[0]?.body;
  expect(String(reply?.text)).toBe(`This charter is already cancelled (by <@${APPROVER}>): there is nothing left to undo.`);
  expect(reply?.blocks).toBeUndefined();
});

it('/charter when charter-bot is not in the ops channel: the form opens first (the trigger expires) and is replaced by why', async () => {
  h.slack.setChannel(OPS_CHANNEL, { isMember: false });
  try {
    h.slack.clear();
    await h.requester.command({ user_id: APPROVER, channel_id: ORIGIN_CHANNEL, trigger_id: '1.2.trigger' });
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'views.update'));
    expect(h.slack.calls.map((c) => c.method).filter((m) => m.startsWith('views.'))).toEqual(['views.open', 'views.update']);
    expect(h.slack.calls[0]?.method).toBe('views.open');
    const shown = (h.slack.callsTo('views.update')[0]?.body.view as { blocks: { text: { text: string } }[] }).blocks[0]?.text.text;
    expect(shown).toBe(`:warning: The approval message would go to the ops channel <#${OPS_CHANNEL}>, and charter-bot is not a member there, so it could not post it: nothing was created. Ask someone there to \`/invite @charter-bot\`.`);
  } finally {
    h.slack.setChannel(OPS_CHANNEL, undefined);
  }
  h.slack.clear();
  await h.requester.command({ user_id: APPROVER, channel_id: ORIGIN_CHANNEL, trigger_id: '1.3.trigger' });
  await h.slack.waitFor((calls) => calls.some((c) => c.method === 'views.open'));
  await new Promise((r) => setTimeout(r, 100));
  expect(h.slack.callsTo('views.update')).toEqual([]);
});

it.each(['constructor', '__proto__', 'toString'])('/charter %s is no subcommand: the help, not a crash', async (name) => {
  h.slack.clear();
  await h.requester.command({ user_id: APPROVER, channel_id: ORIGIN_CHANNEL, text: name });
  await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'));
  expect(String(h.slack.callsTo('chat.postEphemeral')[0]?.body.text)).toContain(`I don't know \`${name}\``);
});
