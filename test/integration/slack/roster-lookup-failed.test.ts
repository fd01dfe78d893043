/**
 * users.info failing while a booking or change form is answered (review 2026-12-07, intake #1): the
 * app's client rejects a 429 at once rather than wait, and Slack sometimes answers `ok: false`. Before,
 * one such lookup closed the form and then dropped the booking ("could not be created … try again",
 * everything typed gone). Now a lookup that fails within the form's budget keeps the form open with
 * an inline error, and one that fails after the answer still makes the booking, with a warning. Real
 * HTTP throughout: signed requests to the bot's HTTP receiver, the Slack stand-in answering users.info.
 */
import { bookingModalState, userChangeEvent, viewSubmissionPayload } from '../../support/slack-requests';
import { APPROVER, approvalPosts, doneBooking, ephemeralsTo, ORIGIN_CHANNEL, proposeChange, startHarness, submitChangeForm, VALID_FIELDS, waitForBooking, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.close());

/** A member this process never looked up, so the form's users.info call for them really goes out. */
let serial = 0;
function freshMember(realName: string): string {
  serial += 1;
  const id = `U0LK${serial}`.padEnd(10, '0');
  h.slack.setUser({ id, realName, email: `${realName.split(' ')[0]!.toLowerCase()}@example.com` });
  return id;
}

const submit = (fields: Record<string, string | string[] | undefined>, viewId?: string) =>
  h.requester.interact(viewSubmissionPayload({ userId: APPROVER, values: bookingModalState(fields), privateMetadata: JSON.stringify({ channel: ORIGIN_CHANNEL }), ...(viewId ? { viewId } : {}) }));
const lookupOf = (id: string) => (body: Record<string, unknown>) => body.user === id;
const bookingIdOf = (post: { body: Record<string, unknown> } | undefined) => (post?.body.metadata as { event_payload?: { booking_id?: string } } | undefined)?.event_payload?.booking_id ?? '';

describe('the booking form, when Slack does not answer for the roster in time', () => {
  it('a 429 for the captain: the form stays open with an inline error, nothing is booked; submitting again books it with their name', async () => {
    const kai = freshMember('Kai Rate');
    h.slack.rateLimitNext('users.info', 1, 1);
    const before = approvalPosts(h.slack).length;
    const fields = { ...VALID_FIELDS, captain: kai };

    const res = await submit(fields, 'V0LOOKUP429');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ response_action: 'errors', errors: { captain: 'Slack did not answer when the bot looked up the captain — submit again' } });
    await new Promise((r) => setTimeout(r, 100));
    expect(approvalPosts(h.slack)).toHaveLength(before);
    expect(ephemeralsTo(h, APPROVER).filter((t) => t.includes('could not be created'))).toEqual([]);

    // the same form (same view), submitted again
    const again = await submit(fields, 'V0LOOKUP429');
    expect(again.json).toBeUndefined();
    await h.slack.waitFor(() => approvalPosts(h.slack).length > before);
    const booking = await waitForBooking(h, bookingIdOf(approvalPosts(h.slack)[before]), () => true);
    expect(booking.roster.find((m) => m.role === 'captain')).toEqual({ slackUserId: kai, role: 'captain', name: 'Kai Rate', email: 'kai@example.com' });
  });

  it('ok:false for one crew member: the inline error is on the crew field, the captain has none', async () => {
    const kim = freshMember('Kim Error');
    h.slack.failNext('users.info', 1, 'internal_error', lookupOf(kim));
    const before = approvalPosts(h.slack).length;
    const res = await submit({ ...VALID_FIELDS, crew: ['U0CREW0001', kim] });
    expect(res.json).toEqual({ response_action: 'errors', errors: { crew: 'Slack did not answer when the bot looked up a crew member — submit again' } });
    await new Promise((r) => setTimeout(r, 100));
    expect(approvalPosts(h.slack)).toHaveLength(before);
  });

  it('a lookup failing only after the form was answered: the booking is made anyway, the approval says whose name and e-mail are missing', async () => {
    const lee = freshMember('Lee Late');
    // answered after the form's 2 s budget, and then with an error
    h.slack.loseNext('users.info', 1, { effect: 'never', answer: { afterMs: 2300 }, when: lookupOf(lee) });
    const before = approvalPosts(h.slack).length;
    const res = await submit({ ...VALID_FIELDS, crew: [lee] });
    expect(res.status).toBe(200);
    expect(res.json).toBeUndefined();
    await h.slack.waitFor(() => approvalPosts(h.slack).length > before, 10_000);

    const post = approvalPosts(h.slack)[before];
    expect(JSON.stringify(post?.body.blocks)).toContain(`Slack did not answer when the bot looked up ${lee}: their name and e-mail are missing here, so SCC cannot e-mail them their link.`);
    const booking = await waitForBooking(h, bookingIdOf(post), () => true);
    expect(booking.roster.find((m) => m.slackUserId === lee)).toEqual({ slackUserId: lee, role: 'crew', name: lee });
    expect(ephemeralsTo(h, APPROVER).filter((t) => t.includes('could not be created'))).toEqual([]);
  });
});

describe('the change form', () => {
  it('Slack not answering for a member already on the booking: their stored name is kept, the change is proposed', async () => {
    const sam = freshMember('Sam Steady');
    const id = await doneBooking(h, { ...VALID_FIELDS, captain: sam });
    // Slack says Sam changed (status, say): the bot forgets him, so the change form asks users.info again
    await h.requester.event(userChangeEvent({ userId: sam, realName: 'Sam Steady', email: 'sam@example.com' }));
    h.slack.failNext('users.info', 1, 'internal_error', lookupOf(sam));

    const opId = await proposeChange(h, id, 'reschedule', { ...VALID_FIELDS, captain: sam, departureTime: '17:00' });
    expect(h.slack.callsTo('users.info').filter((c) => c.body.user === sam).at(-1)?.response).toEqual({ ok: false, error: 'internal_error' });
    const b = (await h.running.built.api.get(id))!;
    const op = b.operations!.find((o) => o.id === opId)!;
    expect(JSON.stringify(op)).toContain('Sam Steady');
    expect(JSON.stringify(op)).not.toContain('Slack did not answer');
  });

  it('Slack not answering for a member new to the booking: an inline error on their field, nothing proposed', async () => {
    const id = await doneBooking(h);
    const ana = freshMember('Ana New');
    h.slack.failNext('users.info', 1, 'internal_error', lookupOf(ana));
    const opsBefore = (await h.running.built.api.get(id))?.operations?.length ?? 0;
    const res = await submitChangeForm(h, id, 'crew swap', { ...VALID_FIELDS, crew: ['U0CREW0001', ana] });
    expect(res.json).toEqual({ response_action: 'errors', errors: { crew: 'Slack did not answer when the bot looked up a crew member — submit again' } });
    await new Promise((r) => setTimeout(r, 100));
    expect((await h.running.built.api.get(id))?.operations?.length ?? 0).toBe(opsBefore);
  });
});
