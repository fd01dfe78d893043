/**
 * Answers before the crew call: a set-up that failed before its crew step (SCC refused the event)
 * called nobody, so a crew member has nothing to answer. Their Home does not list the charter, an
 * approver who captains it sees "not sent yet" where their buttons would be, and an answer that
 * arrives anyway (a Home tab drawn before this rule, a forged payload) is refused and recorded
 * nowhere: an answer to a call never sent would read as "✅ confirmed" in the ops thread, and a
 * cancel tells crew under their calls — someone with no call would hear nothing. A DM clicked while
 * the crew step is still saving its posts is the call itself: it is taken, and the step draws it on
 * the post once saved (the answer's own redraw found no saved post to draw on).
 * Real integration stand-ins, Bolt receiver, signed requests.
 */
import { appHomeOpenedEvent, blockActionPayload, homeActionPayload, viewSubmissionPayload } from '../../support/slack-requests';
import { postsBehind } from '../../../src/slack/crew-redraw';
import { APPROVER, CAPTAIN, clickInOps, CREW, crewPostPayloadOf, doneBooking, ephemeralsTo, heldCrewPosts, inDays, lastHomeViewOf, settle, startHarness, submitBooking, VALID_FIELDS, waitForBooking, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ real: true, env: { CHARTER_APPROVERS: `${APPROVER},${CAPTAIN}` }, deps: { homeDebounceMs: 50 } });
});
afterAll(async () => {
  await h.close();
});
afterEach(() => {
  h.standins!.scc.faults.clear();
});

const lee = CREW[0];

/** A booking 5 days out approved while SCC refuses the service key: it fails before calling the crew. */
async function failedBeforeCall(guestName: string): Promise<string> {
  h.standins!.scc.faults.inject('POST /events', { kind: 'unauthorized' });
  const id = await submitBooking(h, { ...VALID_FIELDS, date: inDays(5), guestName, boatsetterRef: `BS-${guestName.split(' ')[0]}` });
  await clickInOps(h, 'booking_approve', id);
  const failed = await waitForBooking(h, id, (b) => b.state === 'failed');
  expect(failed.steps.crew_notice.status).toBe('pending');
  expect(failed.slack.crewPosts).toBeUndefined();
  await settle(h);
  h.standins!.scc.faults.clear();
  return id;
}

/** What the bot told `userId` on its own (a DM, or an ephemeral where they clicked). */
const toldTo = (userId: string) => [...h.slack.callsTo('chat.postMessage').filter((c) => c.body.channel === userId), ...h.slack.callsTo('chat.postEphemeral').filter((c) => c.body.user === userId)].map((c) => String(c.body.text));

it('lists no charter on a deckhand’s Home before their call; an approver who captains it sees "not sent yet", no answer buttons', async () => {
  const id = await failedBeforeCall('Maria Precall');
  for (const userId of [lee, CAPTAIN]) expect((await h.requester.event(appHomeOpenedEvent({ userId }))).status).toBe(200);
  await h.running.built.home.idle();

  const crewTab = lastHomeViewOf(h, lee);
  expect(crewTab).not.toContain('Maria');
  expect(crewTab).not.toContain(id);
  const captainTab = lastHomeViewOf(h, CAPTAIN);
  expect(captainTab).toContain('Maria');
  expect(captainTab).toContain('Your call: :hourglass_flowing_sand: not sent yet');
  expect(captainTab).not.toContain(`crew_confirm:${CAPTAIN}`);
  expect(captainTab).not.toContain(`crew_decline:${CAPTAIN}`);
});

it('refuses Confirm and Can’t make it before the call, from a Home tab or a message, and records nothing', async () => {
  const id = await failedBeforeCall('Maria Forged');
  const before = (await h.running.built.api.get(id))!;
  const threadLines = () => h.slack.callsTo('chat.postMessage').filter((c) => c.body.thread_ts === before.slack.approvalTs).map((c) => String(c.body.text));
  const linesBefore = threadLines().length;

  await h.requester.interact(homeActionPayload({ userId: lee, actionId: `crew_confirm:${lee}`, value: `${id}:${lee}:r1` }));
  await h.slack.waitFor(() => toldTo(lee).some((t) => t.includes("hasn't gone out yet")));
  await h.requester.interact(homeActionPayload({ userId: lee, actionId: `crew_decline:${lee}`, value: `${id}:${lee}:r1` }));
  await h.requester.interact(blockActionPayload({ userId: CREW[1], actionId: `crew_confirm:${CREW[1]}`, value: `${id}:${CREW[1]}:r1`, channelId: 'D0CREW0002' }));
  await h.slack.waitFor(() => toldTo(lee).filter((t) => t.includes("hasn't gone out yet")).length === 2 && toldTo(CREW[1]).some((t) => t.includes("hasn't gone out yet")));
  await settle(h);

  const after = (await h.running.built.api.get(id))!;
  expect(after.confirmations).toEqual({});
  expect(after.declines ?? {}).toEqual({});
  expect(after.audit.filter((e) => e.action === 'confirmed' || e.action === 'declined')).toEqual([]);
  expect(h.slack.callsTo('views.open')).toEqual([]); // no decline form for a call never sent
  expect(threadLines().slice(linesBefore).filter((t) => /confirmed|can't make it/i.test(t))).toEqual([]);
  // The refused Home click republished Lee's tab: still nothing to answer there.
  expect(lastHomeViewOf(h, lee)).not.toContain(id);
});

it('takes a Confirm clicked on a DM the crew step posted and has not saved yet', async () => {
  const { id, call } = await callLandedUnsaved('Nora Quick');
  const unsaved = (await h.running.built.api.get(id))!;
  expect(unsaved.slack.crewPosts?.[lee]).toBeUndefined();
  expect(unsaved.steps.crew_notice.status).toBe('running');

  await h.requester.interact(blockActionPayload({ userId: lee, actionId: `crew_confirm:${lee}`, value: `${id}:${lee}:r1`, channelId: call.channel, messageTs: call.ts }));
  const confirmed = await waitForBooking(h, id, (b) => b.confirmations[lee] !== undefined && b.state === 'done', 20_000);
  expect(confirmed.slack.crewPosts?.[lee]?.ts).toBe(call.ts);
  await settle(h);
  expect(toldTo(lee).filter((t) => t.includes("hasn't gone out yet"))).toEqual([]);
});

/**
 * A booking approved while every post takes effect at once and is answered late: Lee's
 * DM lands and the crew step saves it only once every post has settled. Resolves once the DM is in.
 */
async function callLandedUnsaved(guestName: string): Promise<{ id: string; call: { channel: string; ts: string } }> {
  const id = await submitBooking(h, { ...VALID_FIELDS, date: inDays(8), guestName, boatsetterRef: `BS-${guestName.split(' ')[0]}` });
  h.slack.clear();
  h.slack.slowNext('chat.postMessage', 20, 1500);
  await clickInOps(h, 'booking_approve', id);
  const isLeesCall = (m: { metadata?: unknown }) => crewPostPayloadOf(m).booking_id === id && crewPostPayloadOf(m).post === 'crew_call' && crewPostPayloadOf(m).to === lee;
  await h.slack.waitFor(() => h.slack.messages().some(isLeesCall), 15_000);
  const call = h.slack.messages().find(isLeesCall)!;
  return { id, call: { channel: call.channel, ts: call.ts } };
}

/** Lee's DM as Slack holds it now. */
const heldCall = (call: { channel: string; ts: string }) => JSON.stringify(h.slack.messages(call.channel).find((m) => m.ts === call.ts));

/** The redraw saved what it drew: nothing is left behind for a later redraw to mend. */
async function nothingBehind(id: string): Promise<void> {
  expect(postsBehind((await h.running.built.api.get(id))!, h.config)).toEqual([]);
}

describe('an answer on a DM the crew step has posted and not saved yet', () => {
  it('a Confirm shows on the DM once the step saves it, and the reply calls it no reminder', async () => {
    const { id, call } = await callLandedUnsaved('Gil Quick');
    await h.requester.interact(blockActionPayload({ userId: lee, actionId: `crew_confirm:${lee}`, value: `${id}:${lee}:r1`, channelId: call.channel, messageTs: call.ts }));
    await waitForBooking(h, id, (b) => b.confirmations[lee] !== undefined && b.state === 'done', 20_000);
    await settle(h);
    await h.slack.waitFor(() => heldCall(call).includes(':white_check_mark: confirmed'), 15_000);
    expect(heldCall(call)).not.toContain(`crew_confirm:${lee}`);
    expect(ephemeralsTo(h, lee).filter((t) => t.includes('reminder'))).toEqual([]);
    await nothingBehind(id);
  }, 60000);

  it("a Can't make it sent from its form shows on the DM once the step saves it", async () => {
    const { id, call } = await callLandedUnsaved('Gil Decline');
    await h.requester.interact(blockActionPayload({ userId: lee, actionId: `crew_decline:${lee}`, value: `${id}:${lee}:r1`, channelId: call.channel, messageTs: call.ts }));
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'views.open'), 15_000);
    const modal = h.slack.callsTo('views.open').at(-1)?.body.view as { private_metadata: string };
    await h.requester.interact(viewSubmissionPayload({ userId: lee, callbackId: 'crew_decline', privateMetadata: modal.private_metadata, values: { reason: { reason: { type: 'plain_text_input', value: 'Boat show' } } } }));
    const declined = await waitForBooking(h, id, (b) => b.declines?.[lee] !== undefined && b.state === 'done', 20_000);
    expect(declined.steps.crew_notice.status).toBe('done');
    await settle(h);
    await h.slack.waitFor(() => heldCall(call).includes(":x: can't make it — Boat show"), 15_000);
    await nothingBehind(id);
  }, 60000);
});

describe('an answer changed while the crew step draws the answers taken meanwhile (review s53)', () => {
  it("Confirm on two DMs, then Lee's Can't make it while the step's redraw waits on Slack: every post ends on the decline", async () => {
    const max = CREW[1];
    const { id, call } = await callLandedUnsaved('Stale Redraw');
    const callOf = (to: string) => h.slack.messages().find((m) => crewPostPayloadOf(m).booking_id === id && crewPostPayloadOf(m).post === 'crew_call' && crewPostPayloadOf(m).to === to);
    await h.slack.waitFor(() => callOf(max) !== undefined, 15_000);
    const maxCall = callOf(max)!;
    await h.requester.interact(blockActionPayload({ userId: lee, actionId: `crew_confirm:${lee}`, value: `${id}:${lee}:r1`, channelId: call.channel, messageTs: call.ts }));
    await h.requester.interact(blockActionPayload({ userId: max, actionId: `crew_confirm:${max}`, value: `${id}:${max}:r1`, channelId: maxCall.channel, messageTs: maxCall.ts }));
    // Each redraw takes effect at once and is answered late: the step's redraw is still under way when Lee changes his mind.
    h.slack.slowNext('chat.update', 50, 2000);
    await waitForBooking(h, id, (b) => Object.keys(b.slack.crewPosts ?? {}).length >= 3, 20_000);
    await h.requester.interact(blockActionPayload({ userId: lee, actionId: `crew_decline:${lee}`, value: `${id}:${lee}:r1`, channelId: call.channel, messageTs: call.ts }));
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'views.open'), 15_000);
    const modal = h.slack.callsTo('views.open').at(-1)?.body.view as { private_metadata: string };
    await h.requester.interact(viewSubmissionPayload({ userId: lee, callbackId: 'crew_decline', privateMetadata: modal.private_metadata, values: { reason: { reason: { type: 'plain_text_input', value: 'Boat show' } } } }));
    await waitForBooking(h, id, (b) => b.declines?.[lee] !== undefined && b.state === 'done', 30_000);
    await settle(h);
    await h.slack.lateEffectsLanded();
    expect(heldCall(call)).toContain(":x: can't make it — Boat show");
    expect(heldCall(maxCall)).not.toContain(`<@${lee}> — :white_check_mark: confirmed`);
    expect(heldCall(maxCall)).toContain(`<@${lee}> — :x: can't make it`);
    await nothingBehind(id);
  }, 90_000);
});

describe('a cancel of a charter whose crew call never went out', () => {
  it('tells a member whose answer was recorded before the call (an old record) by DM, and the progress message says so', async () => {
    const id = await failedBeforeCall('Maria Oldrecord');
    // As the bot recorded a Home Confirm before answers waited for the call.
    await h.running.built.api.confirmCrew(id, lee);
    h.slack.clear();
    await clickInOps(h, 'booking_cancel', id);
    await waitForBooking(h, id, (b) => b.state === 'cancelled', 20_000);
    await settle(h);

    const notes = heldCrewPosts(h.slack, id, 'crew_cancel_note');
    expect(notes.map((m) => crewPostPayloadOf(m).to)).toEqual([lee]);
    expect(String(notes[0]?.text)).toContain("Charter cancelled* — ");
    expect(String(notes[0]?.text)).toContain("You don't need to come in.");
    expect(notes[0]?.thread_ts).toBeUndefined(); // a DM of its own: there is no call to reply under
    expect(heldCrewPosts(h.slack, id, 'crew_call')).toEqual([]);
    const progress = h.slack.callsTo('chat.update').filter((c) => JSON.stringify(c.body.blocks ?? []).includes(`booking \`${id}\``)).at(-1);
    expect(JSON.stringify(progress?.body.blocks)).toContain('never called; who had answered was told the charter is cancelled');
    expect(JSON.stringify(progress?.body.blocks)).toContain(`<@${lee}> — :white_check_mark: confirmed`);
  });

  it('while the cancel is under way or failed, a member it never called does not see the charter on Home ("cancelled" would be news to them)', async () => {
    const id = await failedBeforeCall('Maria Cancelfails');
    // The dashboard refuses the calendar delete: the cancel fails and waits for Retry.
    h.standins!.dashboard.faults.inject('DELETE *', { kind: 'status', status: 400 });
    try {
      await clickInOps(h, 'booking_cancel', id);
      await waitForBooking(h, id, (b) => b.state === 'failed' && b.operations?.some((o) => o.kind === 'cancel' && o.status === 'failed') === true, 20_000);
      await settle(h);
    } finally {
      h.standins!.dashboard.faults.clear();
    }
    expect((await h.requester.event(appHomeOpenedEvent({ userId: lee }))).status).toBe(200);
    await h.running.built.home.idle();
    expect(lastHomeViewOf(h, lee)).not.toContain('Maria');
  });

  it('the approver’s reply names only what the set-up made: no crew post', async () => {
    const id = await failedBeforeCall('Maria Replied');
    h.slack.clear();
    await clickInOps(h, 'booking_cancel', id);
    await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).some((t) => t.startsWith('Cancelling Maria')));
    const reply = ephemeralsTo(h, APPROVER).find((t) => t.startsWith('Cancelling Maria'));
    expect(reply).toBe("Cancelling Maria Replied's charter: the calendar entry, the SCC event and the guest page are being updated — progress is in the booking's thread.");
    await waitForBooking(h, id, (b) => b.state === 'cancelled', 20_000);
    await settle(h);
    expect(heldCrewPosts(h.slack, id, 'crew_cancel_note')).toEqual([]);
  });
});

it('the approver’s reply to Cancel of a charter set up in full names the crew posts too', async () => {
  const id = await doneBooking(h, { ...VALID_FIELDS, date: inDays(5), guestName: 'Maria Full', boatsetterRef: 'BS-Full' });
  h.slack.clear();
  await clickInOps(h, 'booking_cancel', id);
  await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).some((t) => t.startsWith('Cancelling Maria')));
  expect(ephemeralsTo(h, APPROVER).find((t) => t.startsWith('Cancelling Maria'))).toBe("Cancelling Maria Full's charter: the calendar entry, the SCC event, the guest page and the crew posts are being updated — progress is in the booking's thread.");
  await waitForBooking(h, id, (b) => b.state === 'cancelled', 20_000);
  await settle(h);
});
