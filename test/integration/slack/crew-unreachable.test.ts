/**
 * A crew member Slack cannot reach (deactivated after the booking was made, or a bot): the crew step
 * fails at once naming them (no minute of retries), the others' calls still go out once, and the ops
 * thread's "Crew called" line says who was not reached — until a Retry after the crew was fixed
 * brings the full line back, with nobody called twice. Real HTTP throughout: the bot (HTTP receiver,
 * signed requests) against the Slack stand-in, which refuses DMs as Slack does.
 */
import type { BookingRecord } from '../../../src/pipeline/types';
import { shownDigest } from '../../../src/slack/crew-notice';
import { bookingModalState, viewSubmissionPayload } from '../../support/slack-requests';
import { APPROVER, approvalPosts, CAPTAIN, clickInOps, crewPostPayloadOf, doneBooking, heldCrewPosts, ORIGIN_CHANNEL, settle, startHarness, submitBooking, submitChangeForm, VALID_FIELDS, waitForBooking, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  // A crew swap's change also PATCHes the calendar entry and the SCC event: scripted as done here.
  h = await startHarness({ deps: { stepOverrides: { calendar_update: async () => ({ updated: true }), scc_update: async () => ({ updated: true }) } } });
});
afterAll(async () => h.close());

/**
 * Each test calls its own crew (the bot keeps the DM channels it opened for DM_RECHECK_MS, as Slack
 * keeps a DM's id): a person deactivated after the bot once DMed them is not refused by Slack, only
 * a new open of the DM is (dm-recheck.test.ts).
 */
let serial = 0;
function newCrew(names: string[]): string[] {
  serial += 1;
  return names.map((realName, i) => {
    const id = `U0T${serial}M${i}`.padEnd(10, '0');
    h.slack.setUser({ id, realName, email: `${realName.split(' ')[0]!.toLowerCase()}@example.com` });
    return id;
  });
}

const calls = (id: string) => heldCrewPosts(h.slack, id, 'crew_call');
const callsTo = (id: string, userId: string) => calls(id).filter((m) => crewPostPayloadOf(m).to === userId);
const line = (id: string) => {
  const lines = heldCrewPosts(h.slack, id, 'crew_called');
  expect(lines).toHaveLength(1);
  return String(lines[0]?.text);
};
/** What the progress message shows now (its kept text and blocks). */
const progressText = (b: BookingRecord) => JSON.stringify(h.slack.messages(b.slack.channel).find((m) => m.ts === b.slack.progressTs) ?? {});

async function approveAndWait(id: string, state: BookingRecord['state'], timeoutMs = 20_000): Promise<BookingRecord> {
  await clickInOps(h, 'booking_approve', id);
  await waitForBooking(h, id, (r) => r.state === state, timeoutMs);
  await settle(h);
  return (await h.running.built.api.get(id))!;
}

describe('a crew member deactivated after the booking was made', () => {
  it('fails the crew step at once naming them; the others are called once; the ops line says who was not reached; Retry after reactivation calls only them', async () => {
    const [lee, ana] = newCrew(['Lee Park', 'Ana Cruz']) as [string, string];
    const id = await submitBooking(h, { ...VALID_FIELDS, crew: [lee, ana] });
    h.slack.setUser({ id: lee, realName: 'Lee Park', email: 'lee@example.com', deleted: true });

    const started = Date.now();
    const failed = await approveAndWait(id, 'failed', 8000);
    expect(Date.now() - started).toBeLessThan(5000);
    const step = failed.steps.crew_notice;
    expect(step.status).toBe('failed');
    expect(step.attempts).toBe(1);
    expect(step.error).toMatchObject({ code: 'SLACK_USER_DISABLED', retryable: false });
    expect(step.error?.message).toBe('Slack cannot DM Lee Park: their account is deactivated. Change the crew (Edit) and approve the change, then press Retry.');
    // the progress message shows it, by name
    expect(progressText(failed)).toContain('Slack cannot DM Lee Park: their account is deactivated');

    // Sam and Ana got their calls, once, and they are saved; Lee has none
    expect(calls(id).map((m) => crewPostPayloadOf(m).to).sort()).toEqual([CAPTAIN, ana].sort());
    expect(Object.keys(failed.slack.crewPosts ?? {}).sort()).toEqual([CAPTAIN, ana].sort());
    const notReached = `Crew called: <@${CAPTAIN}> (captain), <@${ana}> — each by DM. Not reached yet: <@${lee}> — see the progress message`;
    expect(line(id)).toBe(notReached);
    expect(failed.slack.crewCalledShown).toBe(shownDigest({ text: notReached }));

    // reactivated in Slack, then Retry
    h.slack.setUser({ id: lee, realName: 'Lee Park', email: 'lee@example.com' });
    const before = h.slack.calls.length;
    await clickInOps(h, 'booking_retry', id);
    const done = await waitForBooking(h, id, (b) => b.state === 'done', 20_000);
    await settle(h);

    const full = `Crew called: <@${CAPTAIN}> (captain), <@${lee}>, <@${ana}> — each by DM`;
    expect(line(id)).toBe(full);
    expect((await h.running.built.api.get(id))?.slack.crewCalledShown).toBe(shownDigest({ text: full }));
    for (const who of [CAPTAIN, lee, ana]) expect(callsTo(id, who)).toHaveLength(1);
    expect(Object.keys(done.slack.crewPosts ?? {}).sort()).toEqual([CAPTAIN, lee, ana].sort());
    // the Retry posted only Lee's call (Sam's and Ana's DMs got nothing new)
    const retryPosts = h.slack.calls.slice(before).filter((c) => c.method === 'chat.postMessage' && crewPostPayloadOf(c.body).post === 'crew_call');
    expect(retryPosts.map((c) => crewPostPayloadOf(c.body).to)).toEqual([lee]);
  });

  it('names every member Slack will not DM — a deactivated one and a bot — in one failure, at once', async () => {
    const [lee, ana] = newCrew(['Lee Park', 'Deck Bot']) as [string, string];
    const id = await submitBooking(h, { ...VALID_FIELDS, crew: [lee, ana] });
    h.slack.setUser({ id: lee, realName: 'Lee Park', deleted: true });
    h.slack.setUser({ id: ana, realName: 'Deck Bot', isBot: true });

    const failed = await approveAndWait(id, 'failed', 8000);
    const step = failed.steps.crew_notice;
    expect(step.attempts).toBe(1);
    expect(step.error?.retryable).toBe(false);
    expect(step.error?.message).toBe('Slack cannot DM Lee Park (their account is deactivated), Deck Bot (it is a bot, not a person). Change the crew (Edit) and approve the change, then press Retry.');
    expect(calls(id).map((m) => crewPostPayloadOf(m).to)).toEqual([CAPTAIN]);
    expect(line(id)).toBe(`Crew called: <@${CAPTAIN}> (captain) — each by DM. Not reached yet: <@${lee}>, <@${ana}> — see the progress message`);
  });
});

describe('the crew changed instead (the account stays deactivated)', () => {
  it('Edit swaps the member, the change is approved, Retry: done, the new member called, nobody twice, the full line', async () => {
    const [lee, ana, kim] = newCrew(['Lee Park', 'Ana Cruz', 'Kim Vo']) as [string, string, string];
    const id = await submitBooking(h, { ...VALID_FIELDS, crew: [lee, ana] });
    h.slack.setUser({ id: lee, realName: 'Lee Park', deleted: true });
    await approveAndWait(id, 'failed', 8000);

    const res = await submitChangeForm(h, id, 'crew swap', { ...VALID_FIELDS, crew: [kim, ana] });
    expect(res.status).toBe(200);
    const proposed = await waitForBooking(h, id, (r) => r.operations?.at(-1)?.requestTs !== undefined);
    const opId = proposed.operations!.at(-1)!.id;
    await clickInOps(h, 'change_approve', `${id}:${opId}`);
    await settle(h);
    await clickInOps(h, 'booking_retry', id);
    const done = await waitForBooking(h, id, (b) => b.state === 'done', 20_000);
    await settle(h);

    expect(done.operations?.find((o) => o.id === opId)?.status).toBe('done');
    expect(done.roster.map((m) => m.slackUserId)).toEqual([CAPTAIN, kim, ana]);
    for (const who of [CAPTAIN, kim, ana]) expect(callsTo(id, who)).toHaveLength(1);
    expect(callsTo(id, lee)).toHaveLength(0);
    expect(line(id)).toBe(`Crew called: <@${CAPTAIN}> (captain), <@${kim}>, <@${ana}> — each by DM`);
  });
});


describe('the crew channel post failing', () => {
  const CREW_CHANNEL = 'C0CREWCH01';
  let hc: Harness;
  beforeAll(async () => {
    hc = await startHarness({ env: { CHARTER_CREW_CHANNEL: CREW_CHANNEL } });
  });
  afterAll(async () => hc.close());

  it('the ops line says the crew was not called yet, and reads "Crew called" again after the Retry that posts it', async () => {
    const id = await submitBooking(hc);
    hc.slack.failNext('chat.postMessage', 1, 'not_in_channel', (body) => body.channel === CREW_CHANNEL);
    await clickInOps(hc, 'booking_approve', id);
    const failed = await waitForBooking(hc, id, (b) => b.state === 'failed');
    await settle(hc);
    expect(failed.steps.crew_notice.error?.code).toBe('SLACK_NOT_IN_CHANNEL');
    const lineOf = () => heldCrewPosts(hc.slack, id, 'crew_called').map((m) => String(m.text));
    const notCalled = `Crew not called yet: the post in <#${CREW_CHANNEL}> failed — see the progress message`;
    expect(lineOf()).toEqual([notCalled]);
    expect((await hc.running.built.api.get(id))?.slack.crewCalledShown).toBe(shownDigest({ text: notCalled }));

    await clickInOps(hc, 'booking_retry', id);
    await waitForBooking(hc, id, (b) => b.state === 'done', 20_000);
    await settle(hc);
    expect(lineOf()).toEqual([`Crew called: <@${CAPTAIN}> (captain), <@U0CREW0001>, <@U0CREW0002> — in <#${CREW_CHANNEL}>`]);
    expect(heldCrewPosts(hc.slack, id, 'crew_call').map((m) => m.channel)).toEqual([CREW_CHANNEL]);
  });
});

describe('the booking form refuses whom the bot could never call', () => {
  const submit = (fields: Record<string, string | string[] | undefined>) =>
    h.requester.interact(viewSubmissionPayload({ userId: APPROVER, values: bookingModalState(fields), privateMetadata: JSON.stringify({ channel: ORIGIN_CHANNEL }) }));
  const nothingPosted = async (approvalsBefore: number) => {
    await new Promise((r) => setTimeout(r, 100));
    expect(approvalPosts(h.slack)).toHaveLength(approvalsBefore);
  };

  it('a deactivated captain: an inline error on the captain field naming them, nothing booked', async () => {
    const [sam] = newCrew(['Sam Gone']) as [string];
    h.slack.setUser({ id: sam, realName: 'Sam Gone', deleted: true });
    const before = approvalPosts(h.slack).length;
    const res = await submit({ ...VALID_FIELDS, captain: sam });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ response_action: 'errors', errors: { captain: "@Sam Gone's Slack account is deactivated — pick someone else" } });
    await nothingPosted(before);
  });

  it('a bot and Slackbot among the crew: one inline error on the crew field naming both', async () => {
    const [bot] = newCrew(['Deck Bot']) as [string];
    h.slack.setUser({ id: bot, realName: 'Deck Bot', isBot: true });
    // users.info answers is_bot: false for Slackbot; it is still no one to call
    h.slack.setUser({ id: 'USLACKBOT', realName: 'Slackbot' });
    const before = approvalPosts(h.slack).length;
    const res = await submit({ ...VALID_FIELDS, crew: ['U0CREW0001', bot, 'USLACKBOT'] });
    expect(res.json).toEqual({ response_action: 'errors', errors: { crew: '@Deck Bot is a bot, not a person — pick someone else; @Slackbot is a bot, not a person — pick someone else' } });
    await nothingPosted(before);
  });

  it('the change form (Edit, Change crew) refuses a deactivated crew member the same way, and proposes nothing', async () => {
    const id = await doneBooking(h);
    const [gone] = newCrew(['Lee Gone']) as [string];
    h.slack.setUser({ id: gone, realName: 'Lee Gone', deleted: true });
    const opsBefore = (await h.running.built.api.get(id))?.operations?.length ?? 0;
    const res = await submitChangeForm(h, id, 'crew swap', { ...VALID_FIELDS, crew: ['U0CREW0002', gone] });
    expect(res.json).toEqual({ response_action: 'errors', errors: { crew: "@Lee Gone's Slack account is deactivated — pick someone else" } });
    await new Promise((r) => setTimeout(r, 100));
    expect((await h.running.built.api.get(id))?.operations?.length ?? 0).toBe(opsBefore);
  });

  it('a form refused for its price names a deactivated crew member in the same answer, and on the change form too', async () => {
    const [gone] = newCrew(['Dee Gone']) as [string];
    h.slack.setUser({ id: gone, realName: 'Dee Gone', deleted: true });
    const before = approvalPosts(h.slack).length;
    const res = await submit({ ...VALID_FIELDS, priceCents: '-5', crew: ['U0CREW0001', gone] });
    expect(res.json).toEqual({ response_action: 'errors', errors: { priceCents: expect.any(String), crew: "@Dee Gone's Slack account is deactivated — pick someone else" } });
    await nothingPosted(before);

    const id = await doneBooking(h);
    const change = await submitChangeForm(h, id, 'crew swap', { ...VALID_FIELDS, partySize: '0', crew: ['U0CREW0002', gone] });
    expect(change.json).toEqual({ response_action: 'errors', errors: { partySize: expect.any(String), crew: "@Dee Gone's Slack account is deactivated — pick someone else" } });
  });

  it('answers within Slack\'s 3 s when users.info is slow: the booking is made, and the approver is told whom the call cannot reach', async () => {
    const [gone, ana] = newCrew(['Lee Gone', 'Ana Slow']) as [string, string];
    h.slack.setUser({ id: gone, realName: 'Lee Gone', deleted: true });
    h.slack.slowNext('users.info', 2, 2600);
    const before = approvalPosts(h.slack).length;
    const started = Date.now();
    const res = await submit({ ...VALID_FIELDS, crew: [gone, ana] });
    expect(Date.now() - started).toBeLessThan(2800);
    expect(res.status).toBe(200);
    expect(res.json).toBeUndefined();
    await h.slack.waitFor(() => approvalPosts(h.slack).length > before);
    expect(JSON.stringify(approvalPosts(h.slack)[before]?.body.blocks)).toContain("Lee Gone's Slack account is deactivated: the crew call cannot reach them.");
  });
});
