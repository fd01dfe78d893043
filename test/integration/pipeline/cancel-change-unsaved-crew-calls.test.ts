/**
 * A cancel after a change's crew step posted a crew call and never saved where it is. The change
 * adds Ana; process A runs its crew step, sends Ana's call and is then cut off from the DynamoDB table
 * (what a crash, a Lambda timeout or a partition at that moment leaves). An approver cancels through
 * process B. Ana must learn the charter is cancelled as the others do: her call redrawn as cancelled
 * (no Confirm left) with a note under it.
 * Two BookingServices on one DynamoDB table (dynalite; A's client behind a TCP proxy that hangs), the
 * real crew step against the Slack Web API stand-in over HTTP.
 */
import { createLogger } from '../../../src/log';
import type { BookingRecord } from '../../../src/pipeline/types';
import { sampleRoster } from '../../support/booking';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { ANA, APPROVER, detailsWith, pause, withoutAna } from '../../fixtures/pipeline/crew-changes';
import { postPayloadOf, startCrewProcess, useCrewWorld } from '../../fixtures/pipeline/crew-process';

jest.setTimeout(90_000);

const log = createLogger({ level: 'silent', pretty: false });
const TABLE = 'charter-cancel-change-unsaved';
const world = useCrewWorld(TABLE);

/** A booking created without Ana, its crew called and saved (process B). */
async function createdWithoutAna(B: ReturnType<typeof startCrewProcess>): Promise<BookingRecord> {
  const booking = await B.service.create({ ...sampleNewBooking(), ...detailsWith(withoutAna) });
  await B.service.approve(booking.id, APPROVER);
  while ((await B.read(booking.id))?.state !== 'done') await pause();
  await B.service.idle();
  return booking;
}

async function untilCancelled(B: ReturnType<typeof startCrewProcess>, id: string): Promise<BookingRecord> {
  let seen: BookingRecord | undefined;
  while ((seen = await B.read(id))?.state !== 'cancelled') {
    expect(seen?.state).not.toBe('failed');
    await pause();
  }
  await B.service.idle();
  return (await B.read(id))!;
}

const crewCallsOf = (id: string) => world.slack.messages().filter((m) => postPayloadOf(m).booking_id === id && postPayloadOf(m).post === 'crew_call');
const live = (id: string) => crewCallsOf(id).filter((m) => JSON.stringify(m.blocks ?? []).includes('crew_confirm'));

it.each([
  { when: 'Slack stores it after the cancel stopped the step', delayed: true },
  { when: 'it landed at once and only the save was lost', delayed: false },
])("a crew call a change's crew step posted and never saved is cancelled with a note when $when", async ({ delayed }) => {
  const A = startCrewProcess({ name: 'A', endpoint: world.proxy.url, table: TABLE, slackUrl: world.slack.url, config: world.config, log });
  const B = startCrewProcess({ name: 'B', endpoint: world.dynalite.endpoint, table: TABLE, slackUrl: world.slack.url, config: world.config, log });
  try {
    const booking = await createdWithoutAna(B);
    let cut = false;
    const stopWatching = world.slack.onCall((call) => {
      if (call.method !== 'conversations.open' || call.body.users !== ANA || cut) return;
      // A never reaches the table again from the moment it opens Ana's DM to send her call: the call
      // lands, its ref is never saved.
      cut = true;
      world.proxy.hang();
      stopWatching();
    });
    // Stored 8 s after it is sent (within a call's 10 s deadline), answered at 9 s: after the cancel
    // stopped A's step and reached its own crew step, so only waiting out A's call finds it.
    if (delayed) world.slack.loseNext('chat.postMessage', 1, { effect: 8000, answer: { afterMs: 9000 }, when: (b) => postPayloadOf(b).post === 'crew_call' && postPayloadOf(b).to === ANA });
    const { op } = await A.service.proposeChange(booking.id, { details: detailsWith(sampleRoster), label: 'add Ana', userId: APPROVER });
    await A.service.approveChange(booking.id, op.id, APPROVER);
    while (!cut) await pause();

    expect((await B.service.cancel(booking.id, APPROVER)).won).toBe(true);
    const record = await untilCancelled(B, booking.id);
    await world.slack.lateEffectsLanded();

    const change = record.operations?.find((o) => o.id === op.id);
    expect(change?.steps?.crew_notice).toMatchObject({ status: 'failed', error: { code: 'PIPELINE_STOPPED' } });
    expect(record.slack.crewPosts?.[ANA]).toBeUndefined(); // the record never learned where Ana's call is
    const calls = crewCallsOf(booking.id);
    expect(calls.map((m) => postPayloadOf(m).to).sort()).toEqual(sampleRoster.map((m) => m.slackUserId).sort());
    // Every call the crew hold reads cancelled, Ana's included: no Confirm button left.
    expect(live(booking.id)).toEqual([]);
    // One cancel note under each call.
    const notes = world.slack.messages().filter((m) => postPayloadOf(m).booking_id === booking.id && postPayloadOf(m).post === 'crew_cancel_note');
    expect(notes.map((m) => `${m.channel}/${m.thread_ts}`).sort()).toEqual(calls.map((m) => `${m.channel}/${m.ts}`).sort());
    expect(record.operations?.find((o) => o.kind === 'cancel')?.steps?.crew_notice?.result).toMatchObject({ posts: sampleRoster.length, notesPosted: true });

    // A gets the table back and finishes what it was doing; nothing it does makes a call live again.
    world.proxy.heal();
    await A.service.idle();
    await B.service.idle();
    expect(live(booking.id)).toEqual([]);
  } finally {
    world.proxy.heal();
    await A.service.idle();
    await A.store.close();
    await B.store.close();
  }
});

it("a cancel after a change whose crew step never ran looks nothing up in Slack's history", async () => {
  // The change is held in its SCC update, before its crew step, until the cancel is in.
  let release = () => {};
  const released = new Promise<void>((r) => (release = r));
  const heldSccUpdate = async () => {
    await released;
    return { eventId: 'evt_1', revision: 2 };
  };
  const B = startCrewProcess({ name: 'B', endpoint: world.dynalite.endpoint, table: TABLE, slackUrl: world.slack.url, config: world.config, log, steps: { scc_update: heldSccUpdate } });
  try {
    const booking = await createdWithoutAna(B);
    const { op } = await B.service.proposeChange(booking.id, { details: detailsWith(sampleRoster), label: 'add Ana', userId: APPROVER });
    await B.service.approveChange(booking.id, op.id, APPROVER);
    while ((await B.read(booking.id))?.operations?.find((o) => o.id === op.id)?.steps?.scc_update?.status !== 'running') await pause();

    const lookupsBefore = world.slack.calls.filter((c) => c.method === 'conversations.history' || c.method === 'conversations.replies').length;
    expect((await B.service.cancel(booking.id, APPROVER)).won).toBe(true);
    release();
    const record = await untilCancelled(B, booking.id);

    expect(record.operations?.find((o) => o.id === op.id)?.steps?.crew_notice).toMatchObject({ status: 'pending', attempts: 0 });
    expect(world.slack.calls.filter((c) => c.method === 'conversations.history' || c.method === 'conversations.replies').length).toBe(lookupsBefore);
    // Ana was never called; the crew who were have their calls cancelled, each with a note.
    const calls = crewCallsOf(booking.id);
    expect(calls.map((m) => postPayloadOf(m).to).sort()).toEqual(withoutAna.map((m) => m.slackUserId).sort());
    expect(live(booking.id)).toEqual([]);
    const notes = world.slack.messages().filter((m) => postPayloadOf(m).booking_id === booking.id && postPayloadOf(m).post === 'crew_cancel_note');
    expect(notes.map((m) => `${m.channel}/${m.thread_ts}`).sort()).toEqual(calls.map((m) => `${m.channel}/${m.ts}`).sort());
  } finally {
    release();
    await B.service.idle();
    await B.store.close();
  }
});
