/**
 * Interactivity payloads Slack never sends, correctly signed (so only someone holding the signing
 * secret, or an approver editing a form's hidden fields, could send them) to the real Bolt receiver:
 * each is refused with an answer where there is a user, and nothing is stored.
 */
import { MALFORMED_REPLY, NO_BOOKING_IN_BUTTON_REPLY } from '../../../src/slack/malformed-requests';
import { blockActionPayload, bookingModalState, viewSubmissionPayload } from '../../support/slack-requests';
import { APPROVER, approvalPosts, CREW, doneBooking, ephemeralsTo, OPS_CHANNEL, settle, startHarness, submitBooking, submitChangeForm, VALID_FIELDS, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

describe('a change form whose hidden label was forged', () => {
  it('is refused inline, with nothing proposed and nothing posted', async () => {
    const id = await doneBooking(h);
    h.slack.clear();
    const res = await submitChangeForm(h, id, '<!channel> free champagne', { ...VALID_FIELDS, partySize: '5' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ response_action: 'errors', errors: { guestName: expect.stringContaining('open Edit again') } });
    await settle(h);
    expect((await h.running.built.api.get(id))?.operations ?? []).not.toContainEqual(expect.objectContaining({ kind: 'change' }));
    expect(h.slack.callsTo('chat.postMessage')).toEqual([]);
  });
});

/** What the bot logged at warn level and above since `from` (pino JSON lines). */
const problemsLoggedSince = (from: number) => h.logLines.slice(from).map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level >= 40);
/** Errors since `from`: a listener that threw is logged at error level by the app's Bolt error handler. */
const errorsLoggedSince = (from: number) => problemsLoggedSince(from).filter((l) => l.level >= 50);
/** Private answers to `user`: ephemerals, or a DM when the request had no channel. */
const answersTo = (user: string) => [...ephemeralsTo(h, user), ...h.slack.callsTo('chat.postMessage').filter((c) => c.body.channel === user).map((c) => String(c.body.text))];

const SECRET_IN_FORM = 'maria.secret@example.com';

describe('a view submission Slack would not send', () => {
  const forms = [
    ['the booking form', 'booking_modal', JSON.stringify({ channel: OPS_CHANNEL })],
    ['the change form', 'booking_change_modal', JSON.stringify({ channel: OPS_CHANNEL, bookingId: 'K7M2Q9TX4B1P', label: 'edit' })],
    ['the decline form', 'crew_decline', JSON.stringify({ bookingId: 'K7M2Q9TX4B1P', userId: CREW[0] })],
  ] as const;

  it.each(forms)('%s without view.state is acknowledged, the sender told, a warning logged without the form, nothing booked', async (_name, callbackId, privateMetadata) => {
    h.slack.clear();
    const from = h.logLines.length;
    const payload = viewSubmissionPayload({ userId: APPROVER, callbackId, values: {}, privateMetadata: `${privateMetadata.slice(0, -1)},"note":"${SECRET_IN_FORM}"}` });
    delete (payload.view as Record<string, unknown>).state;
    const res = await h.requester.interact(payload);
    expect(res.status).toBe(200);
    await h.slack.waitFor(() => answersTo(APPROVER).length > 0);
    expect(answersTo(APPROVER)).toEqual([MALFORMED_REPLY]);
    expect(problemsLoggedSince(from)).toContainEqual(expect.objectContaining({ level: 40, msg: 'refused a Slack request Slack would not send', missing: 'view.state.values' }));
    expect(errorsLoggedSince(from)).toEqual([]);
    expect(h.logLines.slice(from).join('')).not.toContain(SECRET_IN_FORM);
    expect(approvalPosts(h.slack)).toEqual([]);
  });

  it('a booking form whose inputs are not inputs (a number where Slack sends text) is refused the same way', async () => {
    h.slack.clear();
    const values = bookingModalState(VALID_FIELDS);
    values.guestName = { guestName: { type: 'plain_text_input', value: 42 } };
    const res = await h.requester.interact(viewSubmissionPayload({ userId: APPROVER, values, privateMetadata: JSON.stringify({ channel: OPS_CHANNEL }) }));
    expect(res.status).toBe(200);
    await h.slack.waitFor(() => answersTo(APPROVER).length > 0);
    expect(answersTo(APPROVER)).toEqual([MALFORMED_REPLY]);
    expect(approvalPosts(h.slack)).toEqual([]);
  });
});

describe('a button click Slack would not send', () => {
  it('with no action at all is acknowledged and the clicker told', async () => {
    h.slack.clear();
    const from = h.logLines.length;
    const payload = blockActionPayload({ userId: APPROVER, actionId: 'booking_approve', value: 'K7M2Q9TX4B1P', channelId: OPS_CHANNEL });
    payload.actions = [];
    const res = await h.requester.interact(payload);
    expect(res.status).toBe(200);
    await h.slack.waitFor(() => answersTo(APPROVER).length > 0);
    expect(answersTo(APPROVER)).toEqual([MALFORMED_REPLY]);
    expect(problemsLoggedSince(from)).toContainEqual(expect.objectContaining({ msg: 'refused a Slack request Slack would not send', missing: 'actions[0].action_id' }));
    expect(errorsLoggedSince(from)).toEqual([]);
  });

  const buttons = ['booking_approve', 'booking_cancel', 'booking_retry', 'booking_details', `crew_confirm:${CREW[0]}`, `crew_decline:${CREW[0]}`, 'crew_change', 'ical_reschedule', 'ical_cancel_charter', 'booking_edit', 'change_approve', 'change_reject'];
  it.each(buttons)('%s without a value, or with one no button of ours carries, is answered and nothing fails', async (actionId) => {
    for (const value of [undefined, '<!channel>']) {
      h.slack.clear();
      const from = h.logLines.length;
      const payload = blockActionPayload({ userId: APPROVER, actionId, value: value ?? '', channelId: OPS_CHANNEL });
      if (value === undefined) delete (payload.actions as Record<string, unknown>[])[0]!.value;
      const res = await h.requester.interact(payload);
      expect(res.status).toBe(200);
      await h.slack.waitFor(() => answersTo(APPROVER).length > 0);
      expect(answersTo(APPROVER)).toEqual([NO_BOOKING_IN_BUTTON_REPLY]);
      expect(problemsLoggedSince(from)).toContainEqual(expect.objectContaining({ level: 40, msg: 'refused a button click whose value names nothing of ours' }));
      expect(errorsLoggedSince(from)).toEqual([]);
    }
  });

  const unknownId = 'K7M2Q9TX4B1P';
  it.each([
    ['booking_approve', unknownId, 'nothing was approved'],
    ['booking_cancel', unknownId, 'nothing was cancelled'],
    ['booking_retry', unknownId, 'nothing was retried'],
    ['change_approve', `${unknownId}:op1`, 'nothing was changed'],
    ['change_reject', `${unknownId}:op1`, 'nothing was changed'],
    [`crew_confirm:${CREW[0]}`, `${unknownId}:${CREW[0]}`, 'This crew call no longer exists.'],
  ])('%s naming a booking that does not exist says so, and no listener fails', async (actionId, value, said) => {
    h.slack.clear();
    const from = h.logLines.length;
    const res = await h.requester.interact(blockActionPayload({ userId: APPROVER, actionId, value, channelId: OPS_CHANNEL }));
    expect(res.status).toBe(200);
    await h.slack.waitFor(() => answersTo(APPROVER).length > 0);
    expect(answersTo(APPROVER)).toEqual([expect.stringContaining(said)]);
    expect(errorsLoggedSince(from)).toEqual([]);
  });

  it('leaves the bot serving: a real booking after all of them is booked', async () => {
    await expect(submitBooking(h)).resolves.toMatch(/^[0-9A-Z]{12}$/);
  });
});
