/**
 * A cancel after the create's crew step posted the crew calls and never saved where they are. The
 * step saves its posts in one write once they have all settled; process A posts the three crew calls
 * and is then cut off from the DynamoDB table for good (what a crash, a Lambda timeout or a partition
 * at that moment leaves). An approver cancels through process B. The crew must learn the charter is
 * cancelled: every call they hold is redrawn as cancelled (no Confirm left) with a note under it, and
 * nothing is posted to them twice.
 * Two BookingServices on one DynamoDB table (dynalite; A's client behind a TCP proxy that hangs), the
 * real crew step against the Slack Web API stand-in over HTTP.
 */
import { createLogger } from '../../../src/log';
import type { BookingRecord } from '../../../src/pipeline/types';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { postPayloadOf, startCrewProcess, useCrewWorld } from '../../fixtures/pipeline/crew-process';

jest.setTimeout(60_000);

const log = createLogger({ level: 'silent', pretty: false });
const TABLE = 'charter-cancel-unsaved';
const world = useCrewWorld(TABLE);

const startProcess = (name: string, endpoint: string) => startCrewProcess({ name, endpoint, table: TABLE, slackUrl: world.slack.url, config: world.config, log });


it('a cancel reaches the crew whose calls were posted and never saved: each call reads cancelled, with one note under it', async () => {
  const A = startProcess('A', world.proxy.url);
  const B = startProcess('B', world.dynalite.endpoint);
  let cut = false;
  const stopWatching = world.slack.onCall((call) => {
    if (call.method !== 'chat.postMessage' || postPayloadOf(call.body).post !== 'crew_call' || cut) return;
    // A never reaches the table again once it starts calling the crew: the posts land, their refs are never saved.
    cut = true;
    world.proxy.hang();
    stopWatching();
  });
  try {
    const booking = await A.service.create(sampleNewBooking());
    await A.service.approve(booking.id, 'U0APPROVER1');
    const crewCalls = () => world.slack.messages().filter((m) => postPayloadOf(m).booking_id === booking.id && postPayloadOf(m).post === 'crew_call');
    while (crewCalls().length < booking.roster.length) await new Promise((r) => setTimeout(r, 20));

    const out = await B.service.cancel(booking.id, 'U0APPROVER1');
    expect(out.won).toBe(true);
    let seen: BookingRecord | undefined;
    while ((seen = await B.read(booking.id))?.state !== 'cancelled') {
      expect(seen?.state).not.toBe('failed');
      await new Promise((r) => setTimeout(r, 100));
    }
    await B.service.idle();
    const record = (await B.read(booking.id))!;

    expect(record.slack.crewPosts ?? {}).toEqual({}); // the record never learned where the calls are
    const calls = crewCalls();
    expect(calls.map((m) => postPayloadOf(m).to).sort()).toEqual(booking.roster.map((m) => m.slackUserId).sort());
    // Every call the crew hold reads cancelled: no Confirm button left.
    expect(calls.filter((m) => JSON.stringify(m.blocks ?? []).includes('crew_confirm'))).toEqual([]);
    // One cancel note under each call, and nothing else sent to the crew.
    const notes = world.slack.messages().filter((m) => postPayloadOf(m).booking_id === booking.id && postPayloadOf(m).post === 'crew_cancel_note');
    expect(notes.map((m) => `${m.channel}/${m.thread_ts}`).sort()).toEqual(calls.map((m) => `${m.channel}/${m.ts}`).sort());
    const cancelOp = record.operations?.find((o) => o.kind === 'cancel');
    expect(cancelOp?.steps?.crew_notice?.result).toMatchObject({ posts: booking.roster.length, notesPosted: true });
  } finally {
    // A gets the table back and finishes what it was doing; nothing it does reaches the crew again.
    world.proxy.heal();
    await A.service.idle();
    await A.store.close();
    await B.store.close();
  }
});

it("a crew call Slack stores after the cancel stopped the create's crew step is found and cancelled too, not left asking to confirm", async () => {
  const A = startProcess('A', world.proxy.url);
  const B = startProcess('B', world.dynalite.endpoint);
  const ANA = 'U0CREW0002';
  let cut = false;
  const stopWatching = world.slack.onCall((call) => {
    if (call.method !== 'chat.postMessage' || postPayloadOf(call.body).post !== 'crew_call' || cut) return;
    cut = true;
    world.proxy.hang();
    stopWatching();
  });
  // A's call to Ana is stored 4 s after it is sent (within a call's 10 s deadline) and answered at 6 s.
  world.slack.loseNext('chat.postMessage', 1, { effect: 4000, answer: { afterMs: 6000 }, when: (b) => postPayloadOf(b).post === 'crew_call' && postPayloadOf(b).to === ANA });
  try {
    const booking = await A.service.create(sampleNewBooking());
    await A.service.approve(booking.id, 'U0APPROVER1');
    const crewCalls = () => world.slack.messages().filter((m) => postPayloadOf(m).booking_id === booking.id && postPayloadOf(m).post === 'crew_call');
    // The others' calls are in Slack; Ana's is still on its way.
    while (crewCalls().length < booking.roster.length - 1) await new Promise((r) => setTimeout(r, 20));

    expect((await B.service.cancel(booking.id, 'U0APPROVER1')).won).toBe(true);
    let seen: BookingRecord | undefined;
    while ((seen = await B.read(booking.id))?.state !== 'cancelled') {
      expect(seen?.state).not.toBe('failed');
      await new Promise((r) => setTimeout(r, 100));
    }
    await B.service.idle();
    await world.slack.lateEffectsLanded();

    const calls = crewCalls();
    expect(calls.map((m) => postPayloadOf(m).to).sort()).toEqual(booking.roster.map((m) => m.slackUserId).sort());
    expect(calls.filter((m) => JSON.stringify(m.blocks ?? []).includes('crew_confirm'))).toEqual([]);
    const notes = world.slack.messages().filter((m) => postPayloadOf(m).booking_id === booking.id && postPayloadOf(m).post === 'crew_cancel_note');
    expect(notes.map((m) => `${m.channel}/${m.thread_ts}`).sort()).toEqual(calls.map((m) => `${m.channel}/${m.ts}`).sort());
  } finally {
    world.proxy.heal();
    await A.service.idle();
    await A.store.close();
    await B.store.close();
  }
});
