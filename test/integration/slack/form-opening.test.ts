/**
 * How forms open. The change form opens at once as a placeholder, before the store is read (the
 * trigger expires 3 s after the click), and is then filled in or replaced by why not.
 * When Slack will not open a form (views.open answers expired_trigger_id: the bot took more than
 * 3 s, or Slack did), every way in tells the user, where they asked, that the form did not open,
 * why, and that nothing they gave was lost. Real Bolt receiver, signed requests, the Slack stand-in.
 */
import { blockActionPayload, bookingModalState, messageShortcutPayload, viewSubmissionPayload } from '../../support/slack-requests';
import { APPROVER, doneBooking, OPS_CHANNEL, ORIGIN_CHANNEL, shownChangeForm, startHarness, submitBooking, VALID_FIELDS, type Harness } from './harness';

let h: Harness;
let id: string;
beforeAll(async () => {
  h = await startHarness();
  id = await doneBooking(h);
});
afterAll(async () => {
  await h.close();
});
afterEach(() => {
  jest.restoreAllMocks();
});

const PASTE = 'Guest: Jane Doe & family\nDate: July 4, 2027\nTime: 4pm';
const slackEscaped = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The one ephemeral reply `send` gets when its views.open fails, after checking there was one try. */
async function replyWhenFormFails(send: () => Promise<unknown>): Promise<{ channel: unknown; text: string }> {
  h.slack.clear();
  h.slack.failNext('views.open', 1, 'expired_trigger_id');
  await send();
  await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'));
  expect(h.slack.callsTo('views.open')).toHaveLength(1);
  const replies = h.slack.callsTo('chat.postEphemeral');
  expect(replies).toHaveLength(1);
  expect(replies[0]?.body.user).toBe(APPROVER);
  return { channel: replies[0]?.body.channel, text: String(replies[0]?.body.text) };
}

const TOO_SLOW = 'Slack took too long to hand it over (a form has to open within 3 seconds of the click or command). Please try again.';

it('bare /charter: the booking form did not open, why, run it again', async () => {
  const reply = await replyWhenFormFails(() => h.requester.command({ user_id: APPROVER, channel_id: OPS_CHANNEL, text: '' }));
  expect(reply).toEqual({ channel: OPS_CHANNEL, text: `:warning: The booking form could not open: ${TOO_SLOW}\nNothing had been entered yet: run \`/charter\` again.` });
});

it('/charter with a pasted confirmation: the paste comes back, as typed', async () => {
  const reply = await replyWhenFormFails(() => h.requester.command({ user_id: APPROVER, channel_id: OPS_CHANNEL, text: slackEscaped(PASTE) }));
  expect(reply.channel).toBe(OPS_CHANNEL);
  expect(reply.text).toContain(`The booking form could not open: ${TOO_SLOW}`);
  // Escaped once for mrkdwn: Slack shows "Jane Doe & family" again, not "&amp;".
  expect(reply.text).toContain(`Your pasted text is not lost — here it is; run \`/charter\` with it again:\n\`\`\`${slackEscaped(PASTE)}\`\`\``);
});

it('the message shortcut: the message is unchanged, use the shortcut again', async () => {
  const reply = await replyWhenFormFails(() => h.requester.interact(messageShortcutPayload({ userId: APPROVER, channelId: OPS_CHANNEL, callbackId: 'new_charter_from_message', message: { text: PASTE } })));
  expect(reply).toEqual({ channel: OPS_CHANNEL, text: `:warning: The booking form could not open: ${TOO_SLOW}\nThe message is unchanged: use *New charter from this message* on it again.` });
});

it.each([
  ['/charter edit', () => h.requester.command({ user_id: APPROVER, channel_id: OPS_CHANNEL, text: `edit ${id}` })],
  ['the Edit button', () => h.requester.interact(blockActionPayload({ userId: APPROVER, actionId: 'booking_edit', value: `${id}:edit`, channelId: OPS_CHANNEL }))],
])('%s: the change form did not open, the booking is unchanged', async (_name, send) => {
  const reply = await replyWhenFormFails(send);
  expect(reply).toEqual({ channel: OPS_CHANNEL, text: `:warning: The change form could not open: ${TOO_SLOW}\nBooking \`${id}\` is unchanged: open the form again.` });
});

describe('the change form', () => {
  const placeholderText = (n = 0) => (h.slack.callsTo(n === 0 ? 'views.open' : 'views.update')[0]?.body.view as { blocks: { text: { text: string } }[] }).blocks[0]?.text.text;

  it('opens before the booking is read from the store, then is filled in', async () => {
    h.slack.clear();
    const api = h.running.built.api;
    const read = api.get.bind(api);
    const formsOpenAtRead: number[] = [];
    jest.spyOn(api, 'get').mockImplementation((bookingId) => {
      formsOpenAtRead.push(h.slack.callsTo('views.open').length);
      return read(bookingId);
    });
    await h.requester.command({ user_id: APPROVER, channel_id: OPS_CHANNEL, text: `edit ${id}` });
    const form = await shownChangeForm(h);
    expect(formsOpenAtRead[0]).toBe(1);
    expect(placeholderText()).toBe(`Loading booking \`${id}\`…`);
    expect(JSON.parse(form.private_metadata)).toMatchObject({ bookingId: id, label: 'edit' });
    expect(h.slack.callsTo('chat.postEphemeral')).toEqual([]);
  });

  it('a booking that cannot be changed: why replaces the placeholder, with no second reply', async () => {
    const pending = await submitBooking(h, { ...VALID_FIELDS, boatsetterRef: 'BS-PENDING1' });
    h.slack.clear();
    await h.requester.command({ user_id: APPROVER, channel_id: OPS_CHANNEL, text: `reschedule ${pending}` });
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'views.update'));
    expect(placeholderText(1)).toBe(`:warning: Booking \`${pending}\` is not approved yet — change it by cancelling and running /charter again, or approve it first.`);
    expect(h.slack.callsTo('chat.postEphemeral')).toEqual([]);
  });

  it('a store that does not answer: the placeholder says so instead of loading for ever', async () => {
    h.slack.clear();
    jest.spyOn(h.running.built.api, 'get').mockRejectedValue(new Error('store timed out'));
    await h.requester.command({ user_id: APPROVER, channel_id: OPS_CHANNEL, text: `edit ${id}` });
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'views.update'));
    expect(placeholderText(1)).toBe(`:warning: The booking could not be read just now (the bot's store did not answer). Booking \`${id}\` is unchanged: open the form again.`);
  });
});

it('a name the form accepts opens again in its change form; one Slack would refuse there is refused at once (review 2026-12-07)', async () => {
  const tooLong = await h.requester.interact(viewSubmissionPayload({ userId: APPROVER, values: bookingModalState({ ...VALID_FIELDS, guestName: '🚤'.repeat(60) }), privateMetadata: JSON.stringify({ channel: ORIGIN_CHANNEL }) }));
  expect(tooLong.json).toEqual({ response_action: 'errors', errors: { guestName: 'Keep the name under 100 characters.' } });
  const boats = await doneBooking(h, { ...VALID_FIELDS, guestName: '🚤'.repeat(50), boatsetterRef: 'BS-BOATS01', notes: '🚤'.repeat(1000) });
  h.slack.clear();
  await h.requester.command({ user_id: APPROVER, channel_id: OPS_CHANNEL, text: `edit ${boats}` });
  const form = await shownChangeForm(h);
  expect(form.blocks.find((b) => b.block_id === 'guestName')?.element).toMatchObject({ max_length: 100, initial_value: '🚤'.repeat(50) });
  expect(h.slack.callsTo('views.update').map((c) => (c.response as { ok?: boolean }).ok)).toEqual([true]);
});
