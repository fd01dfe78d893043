/**
 * Interactivity payloads Slack never sends, correctly signed (so only someone holding the signing
 * secret, or an approver editing a form's hidden fields, could send them) to the real Bolt receiver:
 * each is refused with an answer where there is a user, and nothing is stored.
 */
import { doneBooking, settle, startHarness, submitChangeForm, VALID_FIELDS, type Harness } from './harness';

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
