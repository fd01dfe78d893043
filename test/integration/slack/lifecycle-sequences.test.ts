/**
 * Sequences of changes and cancels after approval, driven through signed Slack requests against
 * the real app and the local stand-ins: what the stand-ins (SCC, dashboard, guest site, Slack)
 * hold at the end. D1–D4 reproduce defects an audit found on 2026-12-04 (each failed before its
 * fix); D5, C1 and C2 held then and are kept as guards.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { BookingRecord } from '../../../src/pipeline/types';
import { blockActionPayload } from '../../support/slack-requests';
import { APPROVER, CAPTAIN, clickInOps, CREW, crewPostPayloadOf, doneBooking as doneBookingIn, heldCrewPosts, isCrewPost, OPS_CHANNEL, OUTSIDER, proposeChange, settle, startHarness, submitBooking, submitChangeForm, VALID_FIELDS, waitForBooking, type Harness } from './harness';

jest.setTimeout(120_000);

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ real: true });
});
afterAll(async () => {
  await h.close();
});

const click = (actionId: string, value: string, userId = APPROVER) => clickInOps(h, actionId, value, userId);
const year = new Date().getUTCFullYear() + 1;

const doneBooking = (fields: Record<string, string | string[] | undefined> = VALID_FIELDS) => doneBookingIn(h, fields);

/** Submits the change form and waits until the change request is posted; returns the op id. */
const propose = (id: string, label: string, fields: Record<string, string | string[] | undefined>) => proposeChange(h, id, label, fields);

/**
 * Proposes a change and approves it in the ops channel; once the change has ended `status` (for
 * 'done', the booking done too) and the app has settled: its op id and the booking then.
 */
async function approvedUntil(status: 'done' | 'failed', id: string, label: string, fields: Record<string, string | string[] | undefined>, timeoutMs = 20_000): Promise<[string, BookingRecord]> {
  const op = await propose(id, label, fields);
  await click('change_approve', `${id}:${op}`);
  const record = await waitForBooking(h, id, (r) => (status === 'failed' || r.state === 'done') && r.operations?.find((o) => o.id === op)?.status === status, timeoutMs);
  await settle(h);
  return [op, record];
}

const sccEvent = (id: string) => h.standins!.scc.events().find((e) => e.externalId === id);

describe('changes after approval', () => {
  it('D1: a change approved while a previous change is failed (Retry pending) brings SCC and crew to the latest details', async () => {
    const id = await doneBooking({ ...VALID_FIELDS, boatsetterRef: 'BS-D1' });
    // Change A (reschedule to Jul 5): SCC refuses its PATCH, so scc_update fails (and crew_notice never runs).
    h.standins!.scc.faults.inject('PATCH *', { kind: 'status', status: 400 });
    const a = await propose(id, 'reschedule', { ...VALID_FIELDS, boatsetterRef: 'BS-D1', date: `${year}-07-05` });
    await click('change_approve', `${id}:${a}`);
    const failed = await waitForBooking(h, id, (b) => b.state === 'failed');
    await settle(h);
    h.standins!.scc.faults.clear();
    expect(failed.operations?.find((o) => o.id === a)?.steps?.scc_update?.status).toBe('failed');
    h.slack.clear();

    // Change B, made from the form as it opens now (date already Jul 5), only adds a crew-safe note.
    const b = await propose(id, 'edit', { ...VALID_FIELDS, boatsetterRef: 'BS-D1', date: `${year}-07-05`, crewNotes: 'Birthday; bring the cake stand' });
    await click('change_approve', `${id}:${b}`);
    const done = await waitForBooking(h, id, (r) => r.state !== 'running' && r.operations?.find((o) => o.id === b)?.status !== 'queued' && r.operations?.find((o) => o.id === b)?.status !== 'running');
    await settle(h);
    expect(done.operations?.find((o) => o.id === a)?.status).toBe('superseded');
    expect(done.operations?.find((o) => o.id === b)?.status).toBe('done');
    const crewNotes = h.slack.callsTo('chat.postMessage').filter((c) => String(c.body.text).includes('Charter updated')).map((c) => String(c.body.text));
    expect(done.state).toBe('done');
    expect(done.request.date).toBe(`${year}-07-05`);
    // SCC (which e-mails the crew) must show the booking's date.
    expect(sccEvent(id)?.body.date).toBe(`${year}-07-05`);
    // The crew, whose confirmations A reset, must be told the charter moved to Jul 5.
    expect(crewNotes.some((t) => t.includes('Jul 5'))).toBe(true);
  });

  it('D2: two changes proposed from the same booking, approved one after the other: the second must not silently undo the first', async () => {
    const id = await doneBooking({ ...VALID_FIELDS, boatsetterRef: 'BS-D2' });
    const a = await propose(id, 'reschedule', { ...VALID_FIELDS, boatsetterRef: 'BS-D2', date: `${year}-07-05` });
    // A second approver opens Edit before A is approved: the form shows Jul 4; they swap a deckhand.
    const b = await propose(id, 'crew swap', { ...VALID_FIELDS, boatsetterRef: 'BS-D2', crew: [CREW[0], OUTSIDER] });
    await click('change_approve', `${id}:${a}`);
    await waitForBooking(h, id, (r) => r.operations?.find((o) => o.id === a)?.status === 'done');
    await settle(h);
    expect(sccEvent(id)?.body.date).toBe(`${year}-07-05`);
    h.slack.clear();
    const r = await click('change_approve', `${id}:${b}`);
    expect(r.status).toBe(200);
    await settle(h);
    // The approver is told why nothing happened, privately (the handler goes on after its ack).
    const told = () => h.slack.callsTo('chat.postEphemeral').some((c) => String(c.body.text).includes('made before a later change was approved'));
    await h.slack.waitFor(told).catch(() => undefined);
    expect(told()).toBe(true);
    const after = await waitForBooking(h, id, (x) => x.state !== 'running' && ['done', 'rejected', 'superseded', 'failed'].includes(x.operations?.find((o) => o.id === b)?.status ?? ''));
    await settle(h);
    // Either B is refused as stale, or it applies only what it changed (the crew): the reschedule stays.
    expect(after.request.date).toBe(`${year}-07-05`);
    expect(sccEvent(id)?.body.date).toBe(`${year}-07-05`);
  });

  it('D3: a notes-only change that crew see (crew-safe note) reaches the SCC description and the crew posts', async () => {
    const id = await doneBooking({ ...VALID_FIELDS, boatsetterRef: 'BS-D3' });
    const crewTs = (await h.running.built.api.get(id))!.slack.crewPosts?.[CAPTAIN]?.ts;
    h.slack.clear();
    const patchesBefore = h.standins!.scc.patches().length;
    const op = await propose(id, 'edit', { ...VALID_FIELDS, boatsetterRef: 'BS-D3', crewNotes: 'Birthday; meet at Dock C not Dock A' });
    await click('change_approve', `${id}:${op}`);
    const done = await waitForBooking(h, id, (r) => r.operations?.find((o) => o.id === op)?.status === 'done');
    await settle(h);
    expect(Object.keys(done.operations?.find((o) => o.id === op)?.steps ?? {})).toEqual(expect.arrayContaining(['scc_update', 'crew_notice']));
    expect(h.standins!.scc.patches().length).toBeGreaterThan(patchesBefore);
    const crewUpdate = h.slack.callsTo('chat.update').filter((c) => c.body.ts === crewTs).at(-1);
    expect(String(sccEvent(id)?.body.description)).toContain('Dock C');
    expect(JSON.stringify(crewUpdate?.body.blocks ?? null)).toContain('Dock C');
  });

  it('D4: crew removed by a change: their DM call is updated (no live Confirm) and they get no later change notes', async () => {
    const id = await doneBooking({ ...VALID_FIELDS, boatsetterRef: 'BS-D4' });
    const offPost = (await h.running.built.api.get(id))!.slack.crewPosts?.[CREW[1]];
    const swap = await propose(id, 'crew swap', { ...VALID_FIELDS, boatsetterRef: 'BS-D4', crew: [CREW[0], OUTSIDER] });
    h.slack.clear();
    await click('change_approve', `${id}:${swap}`);
    await waitForBooking(h, id, (r) => r.operations?.find((o) => o.id === swap)?.status === 'done');
    await settle(h);
    const offUpdates = h.slack.callsTo('chat.update').filter((c) => c.body.ts === offPost?.ts);
    h.slack.clear();
    const move = await propose(id, 'reschedule', { ...VALID_FIELDS, boatsetterRef: 'BS-D4', crew: [CREW[0], OUTSIDER], date: `${year}-07-06` });
    await click('change_approve', `${id}:${move}`);
    await waitForBooking(h, id, (r) => r.operations?.find((o) => o.id === move)?.status === 'done');
    await settle(h);
    const toRemoved = h.slack.calls.filter((c) => c.body.channel === offPost?.channel && c.method.startsWith('chat.'));
    // Their stale call (old date, Confirm button) should have been marked "off" at the swap.
    expect(offUpdates.length).toBeGreaterThan(0);
    // And they are off the charter: no "Charter updated … please confirm" for a later change.
    expect(toRemoved.filter((c) => String(c.body.text).includes('Charter updated'))).toHaveLength(0);
  });

  it('D6: a change approved while the create has failed: after Retry the crew get one call, with the changed details, and no change note', async () => {
    h.standins!.scc.faults.inject('POST /events', { kind: 'status', status: 400 });
    const id = await submitBooking(h, { ...VALID_FIELDS, boatsetterRef: 'BS-D6' });
    await click('booking_approve', id);
    await waitForBooking(h, id, (b) => b.state === 'failed');
    await settle(h);
    const move = await propose(id, 'reschedule', { ...VALID_FIELDS, boatsetterRef: 'BS-D6', date: `${year}-07-10` });
    await click('change_approve', `${id}:${move}`);
    await waitForBooking(h, id, (r) => r.operations?.find((o) => o.id === move)?.status === 'queued');
    h.standins!.scc.faults.clear();
    h.slack.clear();
    await click('booking_retry', id);
    const done = await waitForBooking(h, id, (r) => r.state === 'done' && r.operations?.find((o) => o.id === move)?.status === 'done', 20_000);
    await settle(h);
    const calls = heldCrewPosts(h.slack, id, 'crew_call');
    // One call per member, drawn once with the new date: not the old date's call and then a "moved" note.
    expect(calls.map((m) => crewPostPayloadOf(m).to).sort()).toEqual([CAPTAIN, ...CREW].sort());
    for (const m of calls) expect(JSON.stringify(m.blocks)).toContain('Jul 10');
    // Nothing sent to crew ever showed the old date (DMs: the sandbox's crew are called by DM).
    const toCrew = JSON.stringify(h.slack.calls.filter((c) => c.method.startsWith('chat.') && String(c.body.channel).startsWith('D')).map((c) => [c.body.text, c.body.blocks]));
    expect(toCrew).toContain('Jul 10');
    expect(toCrew).not.toContain('Jul 4');
    expect(heldCrewPosts(h.slack, id, 'crew_change_note')).toHaveLength(0);
    expect(heldCrewPosts(h.slack, id, 'crew_called')).toHaveLength(1);
    expect(sccEvent(id)?.body.date).toBe(`${year}-07-10`);
    // The thread says where the call went.
    const progress = h.slack.messages().find((m) => m.channel === OPS_CHANNEL && JSON.stringify(m.blocks ?? '').includes(`*All set* · booking \`${id}\``));
    expect(JSON.stringify(progress?.blocks)).toContain('Crew notified — by the change below, with its details');
    // The button on the call they hold answers it.
    const held = calls.find((m) => crewPostPayloadOf(m).to === CAPTAIN)!;
    const button = (held.blocks as { elements?: { action_id?: string; value?: string }[] }[]).flatMap((b) => b.elements ?? []).find((e) => e.action_id === `crew_confirm:${CAPTAIN}`)!;
    await h.requester.interact(blockActionPayload({ userId: CAPTAIN, actionId: button.action_id!, value: button.value!, channelId: held.channel }));
    const confirmed = await waitForBooking(h, id, (r) => r.confirmations[CAPTAIN] !== undefined);
    expect(confirmed.callRevisions?.[CAPTAIN]).toBe(done.revision);
  });

  it('D7: the create left its call to a change that failed before its crew step, then Cancel: nobody was called, and the thread says so', async () => {
    h.standins!.scc.faults.inject('POST /events', { kind: 'status', status: 400 });
    const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-D7' };
    const id = await submitBooking(h, fields);
    await click('booking_approve', id);
    await waitForBooking(h, id, (b) => b.state === 'failed');
    await settle(h);
    const move = await propose(id, 'reschedule', { ...fields, date: `${year}-07-10` });
    await click('change_approve', `${id}:${move}`);
    await waitForBooking(h, id, (r) => r.operations?.find((o) => o.id === move)?.status === 'queued');
    h.standins!.scc.faults.clear();
    // SCC now refuses the change's PATCH: the change fails before its crew step.
    h.standins!.scc.faults.inject('PATCH *', { kind: 'status', status: 400 });
    await click('booking_retry', id);
    const failed = await waitForBooking(h, id, (r) => r.state === 'failed' && r.operations?.find((o) => o.id === move)?.status === 'failed', 20_000);
    await settle(h);
    h.standins!.scc.faults.clear();
    expect(failed.steps.crew_notice.result?.callDeferredTo).toBe(move);
    expect(failed.operations?.find((o) => o.id === move)?.steps?.crew_notice?.status).toBe('pending');
    h.slack.clear();
    await click('booking_cancel', id);
    const cancelled = await waitForBooking(h, id, (r) => r.state === 'cancelled', 20_000);
    await settle(h);
    // The cancel tells no one the charter is off: no one was told it was on.
    const cancel = cancelled.operations?.find((o) => o.kind === 'cancel');
    expect(Object.keys(cancel?.steps ?? {})).not.toContain('crew_notice');
    expect(heldCrewPosts(h.slack, id, 'crew_call')).toHaveLength(0);
    const progress = h.slack.messages().filter((m) => m.channel === OPS_CHANNEL && JSON.stringify(m.blocks ?? '').includes(`*Cancelled* · booking \`${id}\``)).at(-1);
    const text = JSON.stringify(progress?.blocks);
    expect(text).toContain('Crew notified — not called: left to a change that did not run');
    expect(text).not.toContain('by the change below');
    expect(text).not.toContain(':white_check_mark: Crew notified\\n');
  });

  it('D8: a change putting 16:00 back after one that moved the calendar, SCC and guest page to 17:00 and failed at its crew step: all three say 16:00 again, the guest page tells of the move back, and the crew are told', async () => {
    const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-D8' };
    const id = await doneBooking(fields);
    // X moves the charter to 17:00; its crew step tells the captain and Lee, then Slack keeps refusing Ana's note.
    h.slack.failNext('chat.postMessage', 50, 'internal_error', isCrewPost(id, 'crew_change_note', { to: CREW[1] }));
    const [x, failed] = await approvedUntil('failed', id, 'reschedule', { ...fields, departureTime: '17:00' });
    h.slack.clear();
    const xSteps = failed.operations!.find((o) => o.id === x)!.steps!;
    expect([xSteps.calendar_update?.status, xSteps.scc_update?.status, xSteps.guest_page?.status, xSteps.crew_notice?.status]).toEqual(['done', 'done', 'done', 'failed']);
    expect(sccEvent(id)?.body.departureTime).toContain('T17:00:00');
    expect(heldCrewPosts(h.slack, id, 'crew_change_note').filter((m) => crewPostPayloadOf(m).to === CAPTAIN)).toHaveLength(1);

    // The office edits the booking back to 16:00 (change Y).
    const [, done] = await approvedUntil('done', id, 'reschedule', fields);
    expect(done.operations?.find((o) => o.id === x)?.status).toBe('superseded');
    expect(done.request.departureTime).toBe('16:00');

    expect(h.standins!.dashboard.entries().find((e) => e.externalId === id)?.body.start).toContain('T16:00:00');
    expect(sccEvent(id)?.body.departureTime).toContain('T16:00:00');
    // SCC's item (what its e-mails and reports read) too, after the revenue guard's clean-up.
    const ddb = new DynamoDBClient({ endpoint: h.standins!.env.AWS_ENDPOINT_URL_DYNAMODB, region: 'us-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    try {
      const eventId = String(done.steps.scc_event.result?.eventId ?? '');
      const item = (await ddb.send(new GetItemCommand({ TableName: h.standins!.env.SCC_EVENTS_TABLE, Key: { eventId: { S: eventId } }, ConsistentRead: true }))).Item;
      expect(item?.departureTime?.S).toContain('T16:00:00');
    } finally {
      ddb.destroy();
    }
    const page = await (await fetch(`${h.standins!.guestSite.url}/g/${id}`)).text();
    // The guest's page had shown X's 17:00, so it tells them of the move back, and 5:00 PM only there.
    expect(page).toMatch(/Now <strong>\w{3}, Jul 4, 4:00 PM PDT<\/strong> <span class="was">\(was \w{3}, Jul 4, 5:00 PM PDT\)<\/span>/);
    expect(page.split('5:00 PM')).toHaveLength(2);
    // Every crew post shows 16:00 again, and whoever X told 17:00 is told it is 16:00 and asked again.
    for (const post of heldCrewPosts(h.slack, id, 'crew_call')) expect(JSON.stringify(post.blocks)).not.toContain('5:00 PM');
    const notes = heldCrewPosts(h.slack, id, 'crew_change_note').filter((m) => crewPostPayloadOf(m).rev === done.revision);
    const toCaptain = notes.find((m) => crewPostPayloadOf(m).to === CAPTAIN);
    expect(toCaptain?.text).toContain('5:00 PM');
    expect(toCaptain?.text).toContain('4:00 PM');
    expect(toCaptain?.text).toContain('Please confirm again');
    expect(done.confirmations).toEqual({});
  });

  it('D9: everyone confirmed 16:00; SCC refuses the PATCH of a move to 17:00 (400) and that change fails; putting 16:00 back sends SCC nothing and the confirmations stand', async () => {
    const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-D9' };
    const id = await doneBooking(fields);
    const r1 = (await h.running.built.api.get(id))!;
    for (const u of [CAPTAIN, ...CREW]) {
      const post = r1.slack.crewPosts?.[u] ?? r1.slack.crewPosts?.['#crew-channel'];
      await h.requester.interact(blockActionPayload({ userId: u, actionId: `crew_confirm:${u}`, value: `${id}:${u}:r1`, channelId: post!.channel }));
    }
    const confirmed = await waitForBooking(h, id, (b) => Object.keys(b.confirmations).length === 3);
    await settle(h);
    h.standins!.scc.faults.inject('PATCH *', { kind: 'status', status: 400 });
    const [x, failed] = await approvedUntil('failed', id, 'reschedule', { ...fields, departureTime: '17:00' });
    h.standins!.scc.faults.clear();
    expect(failed.operations!.find((o) => o.id === x)!.steps!.crew_notice?.status).toBe('pending');
    const patchesBefore = h.standins!.scc.patches().length;
    h.slack.clear();

    const [y, done] = await approvedUntil('done', id, 'reschedule', fields);
    // SCC still shows 16:00: a PATCH would only have e-mailed the crew the same event again.
    expect(h.standins!.scc.patches().slice(patchesBefore)).toEqual([]);
    expect(sccEvent(id)?.body.departureTime).toContain('T16:00:00');
    // The calendar X moved goes back; the crew, who never saw 17:00, keep the answers they gave to 16:00.
    expect(h.standins!.dashboard.entries().find((e) => e.externalId === id)?.body.start).toContain('T16:00:00');
    expect(Object.keys(done.operations!.find((o) => o.id === y)!.steps!)).not.toEqual(expect.arrayContaining(['scc_update']));
    expect(Object.keys(done.operations!.find((o) => o.id === y)!.steps!)).not.toEqual(expect.arrayContaining(['crew_notice']));
    expect(done.confirmations).toEqual(confirmed.confirmations);
    expect(h.slack.callsTo('chat.update').filter((c) => JSON.stringify(c.body.blocks ?? []).includes('crew_confirm:'))).toEqual([]);
  });

  it('D10: a change calls Kai and fails on a note; the next takes him off and fails before telling him; an edit of the notes then tells Kai he is off', async () => {
    const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-D10' };
    const id = await doneBooking(fields);
    let refusing = true;
    h.slack.failNext('chat.postMessage', 200, 'internal_error', (b) => refusing && isCrewPost(id, 'crew_change_note', { to: CREW[1] })(b));
    try {
      await approvedUntil('failed', id, 'crew swap', { ...fields, crew: [CREW[0], CREW[1], OUTSIDER] });
      expect(heldCrewPosts(h.slack, id, 'crew_call').filter((m) => crewPostPayloadOf(m).to === OUTSIDER)).toHaveLength(1);
      // The office changes its mind: Kai off again. Ana's note still fails, before Kai's you're-off.
      await approvedUntil('failed', id, 'crew swap', fields);
      expect(heldCrewPosts(h.slack, id, 'crew_off')).toEqual([]);
    } finally {
      refusing = false;
    }
    const [, done] = await approvedUntil('done', id, 'edit', { ...fields, crewNotes: 'Bring ice' });
    expect(done.roster.map((m) => m.slackUserId)).not.toContain(OUTSIDER);
    expect(heldCrewPosts(h.slack, id, 'crew_off').map((m) => crewPostPayloadOf(m).to)).toEqual([OUTSIDER]);
    // His call post no longer offers Confirm.
    const kaiCall = heldCrewPosts(h.slack, id, 'crew_call').filter((m) => crewPostPayloadOf(m).to === OUTSIDER);
    expect(JSON.stringify(kaiCall.map((m) => m.blocks))).not.toContain(`crew_confirm:${OUTSIDER}`);
  });

  it('D11: Lee confirms the 17:00 a failed change showed him; an edit of the notes keeping 17:00 does not ask him again', async () => {
    const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-D11' };
    const id = await doneBooking(fields);
    let refusing = true;
    h.slack.failNext('chat.postMessage', 200, 'internal_error', (b) => refusing && isCrewPost(id, 'crew_change_note', { to: CREW[1] })(b));
    let failed: Awaited<ReturnType<typeof waitForBooking>>;
    try {
      const x = await propose(id, 'reschedule', { ...fields, departureTime: '17:00' });
      await click('change_approve', `${id}:${x}`);
      failed = await waitForBooking(h, id, (r) => r.operations?.find((o) => o.id === x)?.status === 'failed', 20_000);
      await settle(h);
    } finally {
      refusing = false;
    }
    await h.requester.interact(blockActionPayload({ userId: CREW[0], actionId: `crew_confirm:${CREW[0]}`, value: `${id}:${CREW[0]}:r${failed.revision}`, channelId: failed.slack.crewPosts![CREW[0]]!.channel }));
    const confirmed = await waitForBooking(h, id, (b) => b.confirmations[CREW[0]] !== undefined);
    await settle(h);
    h.slack.clear();

    const [, done] = await approvedUntil('done', id, 'edit', { ...fields, departureTime: '17:00', crewNotes: 'Bring ice' });
    expect(done.confirmations).toEqual(confirmed.confirmations);
    const notes = heldCrewPosts(h.slack, id, 'crew_change_note').filter((m) => crewPostPayloadOf(m).rev === done.revision);
    const toLee = notes.find((m) => crewPostPayloadOf(m).to === CREW[0]);
    expect(toLee?.text).toContain('Bring ice');
    expect(toLee?.text).not.toContain('4:00 PM');
    expect(toLee?.text).not.toContain('Please confirm again');
    // Ana never got X's note, and her answer was reset with it: she is told of 17:00 and asked.
    expect(notes.find((m) => crewPostPayloadOf(m).to === CREW[1])?.text).toContain('Please confirm again');
  });

  /**
   * A done booking (Boatsetter ref `ref`) whose move to 17:00 fails as Slack refuses Ana's redraw;
   * Lee confirms the 17:00 it drew him. Returns once that has settled, the Slack record cleared:
   * `confirmed` is the booking as his answer was saved.
   */
  async function leeConfirmsTheMoveThatFailedOnAna(ref: string) {
    const fields = { ...VALID_FIELDS, boatsetterRef: ref };
    const id = await doneBooking(fields);
    const start = (await h.running.built.api.get(id))!;
    const anaDm = start.slack.crewPosts![CREW[1]]!;
    const leeDm = start.slack.crewPosts![CREW[0]]!;
    h.slack.failNext('chat.update', 50, 'internal_error', (b) => b.channel === anaDm.channel);
    const [, failed] = await approvedUntil('failed', id, 'reschedule', { ...fields, departureTime: '17:00' });
    h.slack.clear();
    await h.requester.interact(blockActionPayload({ userId: CREW[0], actionId: `crew_confirm:${CREW[0]}`, value: `${id}:${CREW[0]}:r${failed.callRevisions![CREW[0]]}`, channelId: leeDm.channel }));
    const confirmed = await waitForBooking(h, id, (b) => b.confirmations[CREW[0]] !== undefined);
    await settle(h);
    h.slack.clear();
    return { id, fields, leeDm, confirmed };
  }

  it("D16: Slack refuses Ana's post redraw and the move to 17:00 fails; Lee confirms the 17:00 it showed him; a price change keeping 17:00 sends Lee no note, Ana hers", async () => {
    const { id, fields, confirmed } = await leeConfirmsTheMoveThatFailedOnAna('BS-D16');

    // The price is not on crew posts: Lee's call stays the 17:00 he confirmed.
    const [, done] = await approvedUntil('done', id, 'edit', { ...fields, departureTime: '17:00', priceCents: '1300' });
    expect(done.confirmations[CREW[0]]).toBe(confirmed.confirmations[CREW[0]]);
    const notes = heldCrewPosts(h.slack, id, 'crew_change_note').filter((m) => crewPostPayloadOf(m).rev === done.revision);
    // A heading with nothing under it ("Charter updated — …, 5:00 PM …") told him nothing.
    expect(notes.filter((m) => crewPostPayloadOf(m).to === CREW[0])).toEqual([]);
    // Ana's post kept 16:00 (its redraw was refused): she is told of the move, as is the captain.
    for (const to of [CREW[1], CAPTAIN]) expect(notes.find((m) => crewPostPayloadOf(m).to === to)?.text).toContain('4:00 PM PDT – 9:00 PM PDT → 5:00 PM PDT – 10:00 PM PDT');
    for (const note of notes) expect(String(note.text).split('\n').length).toBeGreaterThan(1);
  });

  /**
   * Slack refuses Ana's redraw and the move to 17:00 fails; Lee confirms the 17:00 it drew him; a
   * change adding a crew note then fails on Lee's redraw (his post keeps 17:00 without the note),
   * or with `refused: 'note'` redraws his post and fails on his note (it shows the note, untold).
   */
  async function leeHoldsTheCallBeforeTheNote(ref: string, refused: 'redraw' | 'note' = 'redraw') {
    const { id, fields, leeDm } = await leeConfirmsTheMoveThatFailedOnAna(ref);
    if (refused === 'redraw') h.slack.failNext('chat.update', 50, 'internal_error', (b) => b.channel === leeDm.channel);
    else h.slack.failNext('chat.postMessage', 50, 'internal_error', isCrewPost(id, 'crew_change_note', { to: CREW[0] }));
    const withRamp = { ...fields, departureTime: '17:00', crewNotes: 'Guest in a wheelchair: bring the boarding ramp' };
    await approvedUntil('failed', id, 'edit', withRamp);
    h.slack.clear();
    return { id, leeDm, withRamp };
  }

  /** The notes of the change that ended at `done`: Lee's hears of the note alone, Ana's and the captain's of the move too. */
  function expectNotesAfterTheRamp(id: string, done: BookingRecord): void {
    const notes = heldCrewPosts(h.slack, id, 'crew_change_note').filter((m) => crewPostPayloadOf(m).rev === done.revision);
    const toLee = notes.find((m) => crewPostPayloadOf(m).to === CREW[0])?.text;
    expect(toLee).toContain('boarding ramp');
    // He confirmed 5 PM already: only what his post did not show.
    expect(toLee).not.toContain('4:00 PM');
    // Ana's post kept 16:00 and the captain was never told: both hear of the move and the note.
    for (const to of [CREW[1], CAPTAIN]) {
      const text = notes.find((m) => crewPostPayloadOf(m).to === to)?.text;
      expect(text).toContain('4:00 PM PDT – 9:00 PM PDT → 5:00 PM PDT – 10:00 PM PDT');
      expect(text).toContain('boarding ramp');
      expect(text).toContain('Please confirm again');
    }
    expect(notes).toHaveLength(3);
  }

  it("D17: Slack refuses Ana's redraw and the move to 17:00 fails; Lee confirms it; a change adding a crew note fails on Lee's redraw; a price change after it tells Lee of the note (what his post showed), not of 17:00", async () => {
    const { id, leeDm, withRamp } = await leeHoldsTheCallBeforeTheNote('BS-D17');
    const [, done] = await approvedUntil('done', id, 'edit', { ...withRamp, priceCents: '1300' });
    expect(h.slack.callsTo('chat.update').some((c) => c.body.ts === leeDm.ts && JSON.stringify(c.body.blocks).includes('ramp'))).toBe(true);
    expectNotesAfterTheRamp(id, done);
  });

  it("D19: as D17, and Slack refuses Lee's note once after his post was redrawn with the crew note: the step's next attempt still tells him of it", async () => {
    const { id, withRamp } = await leeHoldsTheCallBeforeTheNote('BS-D19');
    h.slack.failNext('chat.postMessage', 1, 'internal_error', isCrewPost(id, 'crew_change_note', { to: CREW[0] }));
    // Its next attempt may look the refused note up in Slack's history before posting: allow for that wait.
    const [op, done] = await approvedUntil('done', id, 'edit', { ...withRamp, priceCents: '1300' }, 60_000);
    expect(done.operations?.find((o) => o.id === op)?.steps?.crew_notice?.attempts).toBeGreaterThan(1);
    expectNotesAfterTheRamp(id, done);
  });

  it("D20: as D17, but the change adding the crew note redraws Lee's post and fails on his note: the price change replacing it still tells him of the note", async () => {
    const { id, withRamp } = await leeHoldsTheCallBeforeTheNote('BS-D20', 'note');
    const [, done] = await approvedUntil('done', id, 'edit', { ...withRamp, priceCents: '1300' });
    const notes = heldCrewPosts(h.slack, id, 'crew_change_note').filter((m) => crewPostPayloadOf(m).rev === done.revision);
    const toLee = notes.find((m) => crewPostPayloadOf(m).to === CREW[0])?.text;
    expect(toLee).toContain('boarding ramp');
    expect(toLee).not.toContain('4:00 PM');
  });

  it("D21: as D17, and a price change redraws Lee's post with the crew note but fails on the captain's note before his; the price change replacing it tells Lee of the note", async () => {
    const { id, leeDm, withRamp } = await leeHoldsTheCallBeforeTheNote('BS-D21');
    h.slack.failNext('chat.postMessage', 50, 'internal_error', isCrewPost(id, 'crew_change_note', { to: CAPTAIN }));
    await approvedUntil('failed', id, 'edit', { ...withRamp, priceCents: '1300' });
    expect(h.slack.callsTo('chat.update').some((c) => c.body.ts === leeDm.ts && JSON.stringify(c.body.blocks).includes('ramp'))).toBe(true);
    h.slack.clear();
    const [, done] = await approvedUntil('done', id, 'edit', { ...withRamp, priceCents: '1400' });
    const notes = heldCrewPosts(h.slack, id, 'crew_change_note').filter((m) => crewPostPayloadOf(m).rev === done.revision);
    const toLee = notes.find((m) => crewPostPayloadOf(m).to === CREW[0])?.text;
    expect(toLee).toContain('boarding ramp');
    expect(toLee).not.toContain('4:00 PM');
  });

  it("D18: Lee confirms the 17:00 a failed change drew; a change putting 16:00 back fails on Lee's redraw; a price change after it tells Lee his post moved back to 4 PM", async () => {
    const { id, fields, leeDm } = await leeConfirmsTheMoveThatFailedOnAna('BS-D18');
    h.slack.failNext('chat.update', 50, 'internal_error', (b) => b.channel === leeDm.channel);
    await approvedUntil('failed', id, 'reschedule', fields);
    h.slack.clear();
    const [, done] = await approvedUntil('done', id, 'edit', { ...fields, priceCents: '1300' });
    const notes = heldCrewPosts(h.slack, id, 'crew_change_note').filter((m) => crewPostPayloadOf(m).rev === done.revision);
    // His post read the 17:00 he confirmed; the change moving it back never reached it, nor told him.
    const toLee = notes.find((m) => crewPostPayloadOf(m).to === CREW[0])?.text;
    expect(toLee).toContain('5:00 PM PDT – 10:00 PM PDT → 4:00 PM PDT – 9:00 PM PDT');
    // His answer went with the move back: his post asks again, and so does the note.
    expect(done.confirmations[CREW[0]]).toBeUndefined();
    expect(toLee).toContain('Please confirm again');
    // The captain's and Ana's posts read 4 PM before this change too: nothing to tell them.
    expect(notes.map((m) => crewPostPayloadOf(m).to)).toEqual([CREW[0]]);
  });

  it('D12: a change swapping Ana for Kai fails on a note before Ana is told she is off; swapping back does not greet Ana as newly on, and Kai is told he is off', async () => {
    const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-D12' };
    const id = await doneBooking(fields);
    let refusing = true;
    h.slack.failNext('chat.postMessage', 200, 'internal_error', (b) => refusing && isCrewPost(id, 'crew_change_note', { to: CREW[0] })(b));
    try {
      await approvedUntil('failed', id, 'crew swap', { ...fields, crew: [CREW[0], OUTSIDER] });
      expect(heldCrewPosts(h.slack, id, 'crew_off')).toEqual([]);
    } finally {
      refusing = false;
    }
    const [, done] = await approvedUntil('done', id, 'crew swap', fields);
    const notes = heldCrewPosts(h.slack, id, 'crew_change_note').filter((m) => crewPostPayloadOf(m).rev === done.revision);
    expect(notes.find((m) => crewPostPayloadOf(m).to === CREW[1])?.text ?? '').not.toContain("You're now on this charter");
    expect(heldCrewPosts(h.slack, id, 'crew_off').map((m) => crewPostPayloadOf(m).to)).toEqual([OUTSIDER]);
  });

  it('D13: a change taking Lee and Ana off for Kai tells Lee, then fails on Ana\'s you\'re-off; putting them back greets Lee as newly on, not Ana', async () => {
    const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-D13' };
    const id = await doneBooking(fields);
    let refusing = true;
    h.slack.failNext('chat.postMessage', 200, 'internal_error', (b) => refusing && isCrewPost(id, 'crew_off', { to: CREW[1] })(b));
    try {
      await approvedUntil('failed', id, 'crew swap', { ...fields, crew: [OUTSIDER] });
    } finally {
      refusing = false;
    }
    expect(heldCrewPosts(h.slack, id, 'crew_off').map((m) => crewPostPayloadOf(m).to)).toEqual([CREW[0]]);
    const [, done] = await approvedUntil('done', id, 'crew swap', fields);
    const notes = heldCrewPosts(h.slack, id, 'crew_change_note').filter((m) => crewPostPayloadOf(m).rev === done.revision);
    expect(notes.find((m) => crewPostPayloadOf(m).to === CREW[0])?.text).toContain("You're now on this charter");
    expect(notes.find((m) => crewPostPayloadOf(m).to === CREW[1])?.text ?? '').not.toContain("You're now on this charter");
  });

  it("D14: off, on, off — each change tells Ana and fails on the calendar; putting her back for good greets her \"You're now on\"", async () => {
    const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-D14' };
    const id = await doneBooking(fields);
    h.standins!.dashboard.faults.inject('PATCH *', { kind: 'status', status: 400 });
    try {
      for (const crew of [[CREW[0]], [CREW[0], CREW[1], OUTSIDER], [CREW[0], OUTSIDER]]) {
        const [x, failed] = await approvedUntil('failed', id, 'crew swap', { ...fields, crew });
        expect(failed.operations?.find((o) => o.id === x)?.steps?.crew_notice?.status).toBe('done');
      }
    } finally {
      h.standins!.dashboard.faults.clear();
    }
    // Her last word: "you're off".
    expect(heldCrewPosts(h.slack, id, 'crew_off').map((m) => crewPostPayloadOf(m).to)).toEqual([CREW[1], CREW[1]]);
    const [, done] = await approvedUntil('done', id, 'crew swap', { ...fields, crew: [CREW[0], CREW[1], OUTSIDER] });
    const notes = heldCrewPosts(h.slack, id, 'crew_change_note').filter((m) => crewPostPayloadOf(m).rev === done.revision);
    expect(notes.find((m) => crewPostPayloadOf(m).to === CREW[1])?.text).toContain("You're now on this charter");
  });

  it("D15: a change tells Ana she is off and fails on the calendar; the next keeps her off and fails too: one \"you're off\", and putting her back greets her as on", async () => {
    const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-D15' };
    const id = await doneBooking(fields);
    h.standins!.dashboard.faults.inject('PATCH *', { kind: 'status', status: 400 });
    try {
      for (const crew of [[CREW[0]], [CREW[0], OUTSIDER]]) {
        const [x, failed] = await approvedUntil('failed', id, 'crew swap', { ...fields, crew });
        expect(failed.operations?.find((o) => o.id === x)?.steps?.crew_notice?.status).toBe('done');
      }
    } finally {
      h.standins!.dashboard.faults.clear();
    }
    expect(heldCrewPosts(h.slack, id, 'crew_off').map((m) => crewPostPayloadOf(m).to)).toEqual([CREW[1]]);
    const [, done] = await approvedUntil('done', id, 'crew swap', { ...fields, crew: [CREW[0], CREW[1], OUTSIDER] });
    const notes = heldCrewPosts(h.slack, id, 'crew_change_note').filter((m) => crewPostPayloadOf(m).rev === done.revision);
    expect(notes.find((m) => crewPostPayloadOf(m).to === CREW[1])?.text).toContain("You're now on this charter");
    expect(heldCrewPosts(h.slack, id, 'crew_off').map((m) => crewPostPayloadOf(m).to)).toEqual([CREW[1]]);
  });

  it('D5: approve and reject clicked at once on one change: exactly one decision, booking ends stated', async () => {
    const id = await doneBooking({ ...VALID_FIELDS, boatsetterRef: 'BS-D5' });
    const op = await propose(id, 'reschedule', { ...VALID_FIELDS, boatsetterRef: 'BS-D5', date: `${year}-07-07` });
    await Promise.all([click('change_approve', `${id}:${op}`), click('change_reject', `${id}:${op}`)]);
    const end = await waitForBooking(h, id, (r) => r.state === 'done' && ['done', 'rejected'].includes(r.operations?.find((o) => o.id === op)?.status ?? ''));
    await settle(h);
    const status = end.operations!.find((o) => o.id === op)!.status;
    expect(end.request.date).toBe(status === 'done' ? `${year}-07-07` : `${year}-07-04`);
  });
});

describe('cancels', () => {
  it('C1: cancel of a booking whose create failed midway (SCC refused): everything made is undone, booking cancelled', async () => {
    h.standins!.scc.faults.inject('POST /events', { kind: 'unauthorized' });
    const id = await submitBooking(h, { ...VALID_FIELDS, boatsetterRef: 'BS-C1' });
    await click('booking_approve', id);
    const failed = await waitForBooking(h, id, (b) => b.state === 'failed');
    await settle(h);
    h.standins!.scc.faults.clear();
    await click('booking_cancel', id);
    const end = await waitForBooking(h, id, (b) => b.state === 'cancelled' || b.state === 'failed' && b.operations?.at(-1)?.kind === 'cancel' && b.operations.at(-1)?.status === 'failed');
    await settle(h);
    const calendarId = String(failed.steps.calendar.result?.calendarId);
    const page = await (await fetch(`${h.standins!.guestSite.url}/g/${id}`)).text();
    expect(end.state).toBe('cancelled');
    expect(h.standins!.dashboard.entries().some((e) => e.id === calendarId)).toBe(false);
    expect(h.standins!.scc.events().filter((e) => e.externalId === id && e.body.status !== 'cancelled')).toHaveLength(0);
    expect(page).not.toMatch(/confirmed/i);
  });

  it('C3: a change takes Ana off and fails before telling her; Cancel: her call is redrawn cancelled (no Confirm) and she gets the cancel note', async () => {
    const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-C3' };
    const id = await doneBooking(fields);
    const anaCall = (await h.running.built.api.get(id))!.slack.crewPosts![CREW[1]]!;
    // Slack refuses to redraw Ana's call: the change's crew step fails before her "you're off".
    let refusing = true;
    h.slack.failNext('chat.update', 200, 'internal_error', (b) => refusing && b.ts === anaCall.ts);
    try {
      await approvedUntil('failed', id, 'crew swap', { ...fields, crew: [CREW[0]] });
      expect(heldCrewPosts(h.slack, id, 'crew_off')).toEqual([]);
    } finally {
      refusing = false;
    }
    await click('booking_cancel', id);
    await waitForBooking(h, id, (b) => b.state === 'cancelled', 20_000);
    await settle(h);
    const anaPost = h.slack.messages().find((m) => m.channel === anaCall.channel && m.ts === anaCall.ts);
    expect(JSON.stringify(anaPost?.blocks ?? '')).not.toContain(`crew_confirm:${CREW[1]}`);
    expect(heldCrewPosts(h.slack, id, 'crew_cancel_note').map((m) => crewPostPayloadOf(m).to)).toContain(CREW[1]);
  });

  it('C4: a change to 6 PM fails before its crew step; Cancel: every crew post reads the 4 PM the crew were called for, also once a click on an old Confirm redraws it', async () => {
    const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-C4' };
    const id = await doneBooking(fields);
    h.standins!.scc.faults.inject('PATCH *', { kind: 'status', status: 400 });
    const [x, failed] = await approvedUntil('failed', id, 'reschedule', { ...fields, departureTime: '18:00' });
    h.standins!.scc.faults.clear();
    expect(failed.operations!.find((o) => o.id === x)!.steps!.crew_notice?.status).toBe('pending');
    await click('booking_cancel', id);
    await waitForBooking(h, id, (r) => r.state === 'cancelled', 20_000);
    await settle(h);
    const held = (post: { channel: string; ts: string }) => JSON.stringify(h.slack.messages().find((m) => m.channel === post.channel && m.ts === post.ts) ?? {});
    for (const u of [CAPTAIN, ...CREW]) {
      expect(held(failed.slack.crewPosts![u]!)).toContain('4:00 PM');
      expect(held(failed.slack.crewPosts![u]!)).not.toContain('6:00 PM');
    }
    // The captain clicks Confirm on a stale copy of his call: refused, and his post drawn again as the cancel drew it.
    const post = failed.slack.crewPosts![CAPTAIN]!;
    h.slack.clear();
    await h.requester.interact(blockActionPayload({ userId: CAPTAIN, actionId: `crew_confirm:${CAPTAIN}`, value: `${id}:${CAPTAIN}:r1`, channelId: post.channel, messageTs: post.ts }));
    await h.slack.waitFor(() => h.slack.callsTo('chat.update').some((c) => c.body.ts === post.ts), 15_000);
    const redrawn = h.slack.callsTo('chat.update').filter((c) => c.body.ts === post.ts).at(-1);
    expect(String(redrawn?.body.text)).toMatch(/^Cancelled: .*4:00 PM/);
    expect(JSON.stringify(redrawn?.body.blocks)).not.toContain('6:00 PM');
  });

  it('C2: cancel while a change is failed/running; a change proposed after the cancel is refused', async () => {
    const id = await doneBooking({ ...VALID_FIELDS, boatsetterRef: 'BS-C2' });
    h.standins!.scc.faults.inject('PATCH *', { kind: 'latency', ms: 1500 }, { times: 1 });
    const op = await propose(id, 'reschedule', { ...VALID_FIELDS, boatsetterRef: 'BS-C2', date: `${year}-07-08` });
    await click('change_approve', `${id}:${op}`);
    await waitForBooking(h, id, (r) => r.operations?.find((o) => o.id === op)?.steps?.scc_update?.status === 'running');
    await click('booking_cancel', id);
    const end = await waitForBooking(h, id, (b) => b.state === 'cancelled', 20_000);
    await settle(h);
    const ev = sccEvent(id);
    const page = await (await fetch(`${h.standins!.guestSite.url}/g/${id}`)).text();
    expect(ev?.body.status).toBe('cancelled');
    expect(page).toContain('This charter was cancelled');
    expect(h.standins!.dashboard.entries().some((e) => e.id === String(end.steps.calendar.result?.calendarId))).toBe(false);
    h.slack.clear();
    await submitChangeForm(h, id, 'edit', { ...VALID_FIELDS, date: `${year}-07-09` });
    const after = (await h.running.built.api.get(id))!;
    expect(after.operations?.filter((o) => o.kind === 'change')).toHaveLength(1);
  });
});
