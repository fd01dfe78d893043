/**
 * Slack's user_change event, signed and sent to POST /slack/events as Slack sends it: what the bot
 * keeps of a member for 10 minutes (their users.info answer, their DM channel) is dropped, so a
 * deactivation shows at once — the form's inline error, a crew call refused instead of posted into
 * a DM nobody reads. Real HTTP throughout: the bot (HTTP receiver) against the Slack stand-in.
 */
import { buildApp, type RunningApp } from '../../../src/app';
import { createLogger } from '../../../src/log';
import { SqliteBookingStore } from '../../../src/pipeline/sqlite-store';
import type { BookingRecord } from '../../../src/pipeline/types';
import { appHomeOpenedEvent, bookingModalState, SlackRequester, userChangeEvent, viewSubmissionPayload } from '../../support/slack-requests';
import { APPROVER, approvalPosts, CAPTAIN, clickInOps, crewPostPayloadOf, doneBooking, heldCrewPosts, inDays, lastHomeViewOf, ORIGIN_CHANNEL, settle, SIGNING_SECRET, startHarness, submitBooking, submitChangeForm, VALID_FIELDS, waitForBooking, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  // A crew swap's change also PATCHes the calendar entry and the SCC event: scripted as done here.
  h = await startHarness({ deps: { stepOverrides: { calendar_update: async () => ({ updated: true }), scc_update: async () => ({ updated: true }) } } });
});
afterAll(async () => h.close());

let serial = 0;
function newMember(realName: string): string {
  serial += 1;
  const id = `U0UC${serial}`.padEnd(10, '0');
  h.slack.setUser({ id, realName, email: `${realName.split(' ')[0]!.toLowerCase()}@example.com` });
  return id;
}
const submit = (fields: Record<string, string | string[] | undefined>) =>
  h.requester.interact(viewSubmissionPayload({ userId: APPROVER, values: bookingModalState(fields), privateMetadata: JSON.stringify({ channel: ORIGIN_CHANNEL }) }));
const callsTo = (method: string) => h.slack.callsTo(method).length;

it('answers the event at once and calls nothing: Slack sends it for every member, status changes included', async () => {
  const who = newMember('Quiet Member');
  const before = h.slack.calls.length;
  const res = await h.requester.event(userChangeEvent({ userId: who, realName: 'Quiet Member' }));
  expect(res.status).toBe(200);
  await new Promise((r) => setTimeout(r, 100));
  expect(h.slack.calls.length).toBe(before);
});

it('a captain deactivated since the last form: refused at once after user_change, not 10 minutes later', async () => {
  const sam = newMember('Sam Leaving');
  const approvals = approvalPosts(h.slack).length;
  // the first form looks Sam up (users.info) and keeps the answer
  expect((await submit({ ...VALID_FIELDS, captain: sam })).json).toBeUndefined();
  await h.slack.waitFor(() => approvalPosts(h.slack).length > approvals);
  const lookups = callsTo('users.info');

  h.slack.setUser({ id: sam, realName: 'Sam Leaving', deleted: true });
  // without the event the kept answer stands: the form is accepted and nobody is asked
  expect((await submit({ ...VALID_FIELDS, captain: sam })).json).toBeUndefined();
  await h.slack.waitFor(() => approvalPosts(h.slack).length > approvals + 1);
  expect(callsTo('users.info')).toBe(lookups);

  expect((await h.requester.event(userChangeEvent({ userId: sam, realName: 'Sam Leaving', deleted: true }))).status).toBe(200);
  const res = await submit({ ...VALID_FIELDS, captain: sam });
  expect(res.json).toEqual({ response_action: 'errors', errors: { captain: "@Sam Leaving's Slack account is deactivated — pick someone else" } });
  expect(callsTo('users.info')).toBe(lookups + 1);
});

it('a renamed member: the next booking carries the new name', async () => {
  const lee = newMember('Lee Park');
  const first = await submitBooking(h, { ...VALID_FIELDS, crew: [lee] });
  expect((await h.running.built.api.get(first))?.roster.find((m) => m.slackUserId === lee)?.name).toBe('Lee Park');

  h.slack.setUser({ id: lee, realName: 'Lee Park-Ortiz', email: 'lee@example.com' });
  await h.requester.event(userChangeEvent({ userId: lee, realName: 'Lee Park-Ortiz' }));
  const second = await submitBooking(h, { ...VALID_FIELDS, crew: [lee] });
  expect((await h.running.built.api.get(second))?.roster.find((m) => m.slackUserId === lee)?.name).toBe('Lee Park-Ortiz');
});

it("a crew member deactivated after their DM was opened: the crew call is refused by name; one without the event is still posted into the kept DM", async () => {
  const lee = newMember('Lee Gone');
  const ana = newMember('Ana Gone');
  // a first booking opens both DMs, and the bot keeps them
  await doneBooking(h, { ...VALID_FIELDS, crew: [lee, ana] });
  const opens = callsTo('conversations.open');
  // the second booking is made while both are still active
  const id = await submitBooking(h, { ...VALID_FIELDS, crew: [lee, ana] });

  h.slack.setUser({ id: lee, realName: 'Lee Gone', deleted: true });
  h.slack.setUser({ id: ana, realName: 'Ana Gone', deleted: true });
  // Slack tells this process about Lee only (Ana's event went to another process, or was lost)
  expect((await h.requester.event(userChangeEvent({ userId: lee, realName: 'Lee Gone', deleted: true }))).status).toBe(200);

  await clickInOps(h, 'booking_approve', id);
  const failed: BookingRecord = await waitForBooking(h, id, (b) => b.state === 'failed', 10_000);
  await settle(h);
  expect(failed.steps.crew_notice.error).toMatchObject({ code: 'SLACK_USER_DISABLED', retryable: false });
  expect(failed.steps.crew_notice.error?.message).toContain('Slack cannot DM Lee Gone: their account is deactivated');
  // Lee's DM was opened afresh (and refused); Ana's kept DM was used as it is within DM_RECHECK_MS
  const newOpens = h.slack.callsTo('conversations.open').slice(opens).map((c) => c.body.users);
  expect(newOpens.filter((u) => u === lee)).toHaveLength(1);
  expect(newOpens.filter((u) => u === ana)).toHaveLength(0);
  const posted = heldCrewPosts(h.slack, id, 'crew_call').map((m) => crewPostPayloadOf(m).to);
  expect(posted.sort()).toEqual([CAPTAIN, ana].sort());
});

describe('a rostered member deactivated: the office of each charter ahead is told at once', () => {
  const linesFor = (id: string, userId: string) =>
    heldCrewPosts(h.slack, id, 'crew_reminder').filter((m) => String(crewPostPayloadOf(m).ordinal).startsWith(`deactivated:${userId}:`));

  it('one line in the thread of each charter they are on (awaiting approval or approved), none where they declined or the charter was cancelled; a redelivery adds nothing', async () => {
    const lee = newMember('Lee Leaving');
    // within the Home tab's 14 days, so the approver's tab lists it
    const done = await doneBooking(h, { ...VALID_FIELDS, date: inDays(3), crew: [lee] });
    const pending = await submitBooking(h, { ...VALID_FIELDS, captain: lee, crew: [] });
    const declined = await doneBooking(h, { ...VALID_FIELDS, crew: [lee] });
    await h.running.built.api.declineCrew(declined, lee, 'moving away');
    const cancelled = await submitBooking(h, { ...VALID_FIELDS, crew: [lee] });
    await h.running.built.api.cancel(cancelled, APPROVER);
    const other = await submitBooking(h, VALID_FIELDS);
    await settle(h);

    h.slack.setUser({ id: lee, realName: 'Lee Leaving', deleted: true });
    const event = userChangeEvent({ userId: lee, realName: 'Lee Leaving', deleted: true });
    expect((await h.requester.event(event)).status).toBe(200);
    await h.slack.waitFor(() => linesFor(done, lee).length === 1 && linesFor(pending, lee).length === 1);

    const [doneLine] = linesFor(done, lee);
    expect(doneLine?.text).toBe(`:warning: <@${lee}>'s Slack account was deactivated, and they are on the crew of this charter. Crew calls and reminders can no longer reach them. Change the crew (Edit) and approve the change.`);
    const doneRecord = (await h.running.built.api.get(done))!;
    expect(doneLine?.thread_ts).toBe(doneRecord.slack.approvalTs);
    expect(linesFor(pending, lee)[0]?.text).toBe(
      `:warning: <@${lee}>'s Slack account was deactivated, and they are the captain of this charter. Approved as it is, their crew call would reach nobody: approve it and change the crew (Edit), or cancel it and book again with someone else.`,
    );
    for (const id of [declined, cancelled, other]) expect(linesFor(id, lee)).toHaveLength(0);
    expect(doneRecord.reminders?.[`deactivated:${lee}`]?.sentAtMs).toBeGreaterThan(0);

    // the progress message's crew list says it too, and so does the approver's Home tab
    const progressShows = () => JSON.stringify(h.slack.messages(doneRecord.slack.channel).find((m) => m.ts === doneRecord.slack.progressTs) ?? {});
    await h.slack.waitFor(() => progressShows().includes(`<@${lee}> — :no_entry: Slack account deactivated: change the crew (Edit)`));
    const declinedRecord = (await h.running.built.api.get(declined))!;
    expect(JSON.stringify(h.slack.messages(declinedRecord.slack.channel).find((m) => m.ts === declinedRecord.slack.progressTs) ?? {})).not.toContain('deactivated');
    expect((await h.requester.event(appHomeOpenedEvent({ userId: APPROVER }))).status).toBe(200);
    await h.slack.waitFor(() => lastHomeViewOf(h, APPROVER).includes(`:no_entry: <@${lee}> (deactivated)`));
    // the request awaiting approval says it too, where the approver would click Approve
    expect(lastHomeViewOf(h, APPROVER)).toContain(`:no_entry: Slack account deactivated: <@${lee}> (captain) — see the request's thread`);

    // Slack delivers it again (a retry), and twice at once: nothing more is posted
    await h.requester.event(event, { retryNum: 1 });
    await Promise.all([h.requester.event(userChangeEvent({ userId: lee, realName: 'Lee Leaving', deleted: true })), h.requester.event(userChangeEvent({ userId: lee, realName: 'Lee Leaving', deleted: true }))]);
    await settle(h);
    expect(linesFor(done, lee)).toHaveLength(1);
    expect(linesFor(pending, lee)).toHaveLength(1);
  });

  it('three deliveries at once to one process, the first ever: still one line per charter', async () => {
    const ana = newMember('Ana Leaving');
    const ids = [await doneBooking(h, { ...VALID_FIELDS, crew: [ana] }), await doneBooking(h, { ...VALID_FIELDS, crew: [ana] })];
    h.slack.setUser({ id: ana, realName: 'Ana Leaving', deleted: true });
    const send = () => h.requester.event(userChangeEvent({ userId: ana, realName: 'Ana Leaving', deleted: true }));
    await Promise.all([send(), send(), send()]);
    await h.slack.waitFor(() => ids.every((id) => linesFor(id, ana).length > 0));
    await settle(h);
    for (const id of ids) expect(linesFor(id, ana)).toHaveLength(1);
  });

  it('reactivated: the flags go from every charter ahead, each thread that was told hears they are back, once, and a second deactivation tells again', async () => {
    const rio = newMember('Rio Back');
    const done = await doneBooking(h, { ...VALID_FIELDS, date: inDays(4), crew: [rio] });
    const pending = await submitBooking(h, { ...VALID_FIELDS, crew: [rio] });
    const gone = userChangeEvent({ userId: rio, realName: 'Rio Back', deleted: true });
    h.slack.setUser({ id: rio, realName: 'Rio Back', deleted: true });
    await h.requester.event(gone);
    await h.slack.waitFor(() => linesFor(done, rio).length === 1 && linesFor(pending, rio).length === 1);
    const record = (await h.running.built.api.get(done))!;
    const progressShows = () => JSON.stringify(h.slack.messages(record.slack.channel).find((m) => m.ts === record.slack.progressTs) ?? {});
    await h.slack.waitFor(() => progressShows().includes(`<@${rio}> — :no_entry: Slack account deactivated`));

    h.slack.setUser({ id: rio, realName: 'Rio Back' });
    const back = userChangeEvent({ userId: rio, realName: 'Rio Back' });
    await Promise.all([h.requester.event(back), h.requester.event(back, { retryNum: 1 })]);
    const backLines = (id: string) => heldCrewPosts(h.slack, id, 'crew_reminder').filter((m) => String(crewPostPayloadOf(m).ordinal).startsWith(`reactivated:${rio}:`));
    await h.slack.waitFor(() => backLines(done).length === 1 && backLines(pending).length === 1);
    await settle(h);
    expect(backLines(done)[0]?.text).toBe(`:white_check_mark: <@${rio}>'s Slack account is active again: crew calls and reminders reach them again.`);
    for (const id of [done, pending]) {
      expect(backLines(id)).toHaveLength(1);
      expect((await h.running.built.api.get(id))?.reminders?.[`deactivated:${rio}`]).toBeUndefined();
    }
    await h.slack.waitFor(() => progressShows().includes(`<@${rio}> — not confirmed yet`));

    // deactivated again: the office is told again (the flag was dropped, not kept as sent)
    await h.requester.event(gone);
    await h.slack.waitFor(() => linesFor(done, rio).length === 2);
  });

  it('a change to an active member (a new status, a new name) posts nothing', async () => {
    const kim = newMember('Kim Staying');
    const id = await doneBooking(h, { ...VALID_FIELDS, crew: [kim] });
    const before = h.slack.callsTo('chat.postMessage').length;
    await h.requester.event(userChangeEvent({ userId: kim, realName: 'Kim Staying' }));
    await settle(h);
    expect(h.slack.callsTo('chat.postMessage').length).toBe(before);
    expect(linesFor(id, kim)).toHaveLength(0);
  });
});

describe('two processes on one store', () => {
  let second: RunningApp;
  let secondStore: SqliteBookingStore;
  let secondRequester: SlackRequester;
  beforeAll(async () => {
    if (h.config.store.kind !== 'sqlite') throw new Error('expected the SQLite store');
    secondStore = SqliteBookingStore.open(h.config.store.path);
    const built = await buildApp(h.config, { log: createLogger({ level: 'silent' }), host: '127.0.0.1', store: secondStore, slackClientOptions: { retryConfig: { retries: 0 } } });
    second = await built.start();
    secondRequester = new SlackRequester({ url: second.url ?? '', signingSecret: SIGNING_SECRET });
  });
  afterAll(async () => {
    await second?.stop();
  });

  it('a crew call in a process the event never reached: the booking\'s flag makes it open the DM afresh, and Slack refuses it by name', async () => {
    const ana = newMember('Ana Elsewhere');
    // this process opens Ana's DM (and keeps it), then books her again while she is active
    await doneBooking(h, { ...VALID_FIELDS, crew: [ana] });
    const id = await submitBooking(h, { ...VALID_FIELDS, crew: [ana] });
    const opens = h.slack.callsTo('conversations.open').length;

    // Slack's user_change reaches the second process only: it tells the office and flags the booking
    h.slack.setUser({ id: ana, realName: 'Ana Elsewhere', deleted: true });
    expect((await secondRequester.event(userChangeEvent({ userId: ana, realName: 'Ana Elsewhere', deleted: true }))).status).toBe(200);
    await waitForBooking(h, id, (b) => b.reminders?.[`deactivated:${ana}`]?.sentAtMs !== undefined);

    // approved here, run here: the kept DM is not trusted
    await clickInOps(h, 'booking_approve', id);
    const failed = await waitForBooking(h, id, (b) => b.state === 'failed', 10_000);
    await settle(h);
    expect(failed.steps.crew_notice.error).toMatchObject({ code: 'SLACK_USER_DISABLED', retryable: false });
    expect(h.slack.callsTo('conversations.open').slice(opens).filter((c) => c.body.users === ana)).toHaveLength(1);
    expect(heldCrewPosts(h.slack, id, 'crew_call').map((m) => crewPostPayloadOf(m).to)).not.toContain(ana);
  });

  it('taken off the crew in a process the event never reached: no "you\'re off" note into the DM it still knows', async () => {
    const [gil, kim] = [newMember('Gil Gone'), newMember('Kim New')];
    const id = await doneBooking(h, { ...VALID_FIELDS, crew: [gil] });
    h.slack.setUser({ id: gil, realName: 'Gil Gone', deleted: true });
    await secondRequester.event(userChangeEvent({ userId: gil, realName: 'Gil Gone', deleted: true }));
    await waitForBooking(h, id, (b) => b.reminders?.[`deactivated:${gil}`]?.sentAtMs !== undefined);

    expect((await submitChangeForm(h, id, 'crew swap', { ...VALID_FIELDS, crew: [kim] })).status).toBe(200);
    const proposed = await waitForBooking(h, id, (r) => r.operations?.at(-1)?.requestTs !== undefined);
    const opId = proposed.operations!.at(-1)!.id;
    await clickInOps(h, 'change_approve', `${id}:${opId}`);
    const done = await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === opId)?.status === 'done', 10_000);
    await settle(h);
    expect(done.roster.map((m) => m.slackUserId)).toEqual([CAPTAIN, kim]);
    expect(heldCrewPosts(h.slack, id, 'crew_off')).toHaveLength(0);
    expect(heldCrewPosts(h.slack, id, 'crew_call').map((m) => crewPostPayloadOf(m).to)).toContain(kim);
  });

  it('the same event delivered to both at once: one line per charter (the claim in the booking record decides)', async () => {
    const pat = newMember('Pat Leaving');
    const ids = [await doneBooking(h, { ...VALID_FIELDS, crew: [pat] }), await doneBooking(h, { ...VALID_FIELDS, captain: pat, crew: [] }), await submitBooking(h, { ...VALID_FIELDS, crew: [pat] })];
    h.slack.setUser({ id: pat, realName: 'Pat Leaving', deleted: true });
    const event = userChangeEvent({ userId: pat, realName: 'Pat Leaving', deleted: true });
    const answers = await Promise.all([h.requester.event(event), secondRequester.event(event), h.requester.event(event, { retryNum: 1 }), secondRequester.event(event, { retryNum: 1 })]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    const lines = (id: string) => heldCrewPosts(h.slack, id, 'crew_reminder').filter((m) => String(crewPostPayloadOf(m).ordinal).startsWith(`deactivated:${pat}:`));
    await h.slack.waitFor(() => ids.every((id) => lines(id).length > 0));
    await settle(h);
    await new Promise((r) => setTimeout(r, 200));
    for (const id of ids) expect(lines(id)).toHaveLength(1);
  });
});
