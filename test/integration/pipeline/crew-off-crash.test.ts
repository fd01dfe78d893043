/**
 * A crew swap's "you're off" DM and the record of it. Process A runs a change taking Ana off; the
 * moment it sends her you're-off DM it is cut off from the DynamoDB table (what a crash, a Lambda
 * timeout or a partition there leaves): the DM is in Slack, the record of it is not. Process B takes
 * the step over and fails it before it reaches Ana again (Slack keeps refusing to redraw her old
 * call). The office then puts Ana back: she read "you're off", so she must read "You're now on" —
 * once — and get no second "you're off".
 * Also: a plain swap records who was told with the crew step's completion, not a write of its own.
 * Two BookingServices on one DynamoDB table (dynalite; A's client behind a TCP proxy that hangs), the
 * real crew step against the Slack Web API stand-in over HTTP.
 */
import { createLogger } from '../../../src/log';
import { sampleRoster } from '../../support/booking';
import { ANA, change, doneBooking, KAI, pause, startRefusingCalendarProcess, untilOp, withoutAna } from '../../fixtures/pipeline/crew-changes';
import { postPayloadOf, startCrewProcess, useCrewWorld } from '../../fixtures/pipeline/crew-process';

jest.setTimeout(90_000);

const log = createLogger({ level: 'silent', pretty: false });
const TABLE = 'charter-crew-off-crash';
const world = useCrewWorld(TABLE);

const held = (id: string, post: string) => world.slack.messages().filter((m) => postPayloadOf(m).booking_id === id && postPayloadOf(m).post === post);

it("a you're-off DM sent just before its process lost the table, on a change that then failed: putting the member back tells her she is on, once, with no second you're-off", async () => {
  const A = startCrewProcess({ name: 'A', endpoint: world.proxy.url, table: TABLE, slackUrl: world.slack.url, config: world.config, log });
  const B = startCrewProcess({ name: 'B', endpoint: world.dynalite.endpoint, table: TABLE, slackUrl: world.slack.url, config: world.config, log });
  const sweeping = setInterval(() => void B.service.resumeAll().catch(() => undefined), 300);
  let cut = false;
  try {
    const booking = await doneBooking(B);
    const anaCall = booking.slack.crewPosts![ANA]!;
    const stopWatching = world.slack.onCall((call) => {
      if (cut || call.method !== 'chat.postMessage' || postPayloadOf(call.body).post !== 'crew_off' || postPayloadOf(call.body).to !== ANA) return;
      // A never reaches the table again once it has sent Ana her you're-off: the DM lands, its record does not.
      cut = true;
      world.proxy.hang();
      // Slack then refuses to redraw Ana's old call, so the process taking the step over fails it
      // before it gets back to Ana (and the change fails).
      world.slack.failNext('chat.update', 1000, 'internal_error', (b) => b.ts === anaCall.ts);
      stopWatching();
    });
    const x = await change(A, booking.id, withoutAna, 'Ana off');
    while (!cut) await pause();
    const failed = await untilOp(B, booking.id, x, 'failed');
    expect(failed.operations?.find((o) => o.id === x)?.steps?.crew_notice?.status).toBe('failed');
    expect(held(booking.id, 'crew_off').map((m) => postPayloadOf(m).to)).toEqual([ANA]);
    world.slack.clear();

    const y = await change(B, booking.id, sampleRoster, 'Ana back');
    const done = await untilOp(B, booking.id, y, 'done');
    const toAna = held(booking.id, 'crew_change_note').filter((m) => postPayloadOf(m).to === ANA && postPayloadOf(m).rev === done.revision);
    expect(toAna).toHaveLength(1);
    expect(toAna.filter((m) => String(m.text).includes("You're now on this charter"))).toHaveLength(1);
    expect(held(booking.id, 'crew_off').map((m) => postPayloadOf(m).to)).toEqual([ANA]);
    // Her answers start over with the call she is back on.
    expect(done.callRevisions?.[ANA]).toBe(done.revision);
  } finally {
    clearInterval(sweeping);
    world.proxy.heal();
    world.slack.clear();
    await A.service.idle();
    await B.service.idle();
    await A.store.close();
    await B.store.close();
  }
});

it('a plain crew swap records who was told they are off with the crew step it rides on: no write of its own, nothing left on the booking', async () => {
  const B = startCrewProcess({ name: 'B', endpoint: world.dynalite.endpoint, table: TABLE, slackUrl: world.slack.url, config: world.config, log });
  try {
    // The same change twice but for taking Ana off: adding Kai, and swapping Ana for Kai.
    const adding = await doneBooking(B);
    const add = await change(B, adding.id, [...sampleRoster, KAI], 'Kai on');
    const added = await untilOp(B, adding.id, add, 'done');
    const swapping = await doneBooking(B);
    const swap = await change(B, swapping.id, [...withoutAna, KAI], 'Ana for Kai');
    const swapped = await untilOp(B, swapping.id, swap, 'done');

    expect(held(swapping.id, 'crew_off').map((m) => postPayloadOf(m).to)).toEqual([ANA]);
    expect(swapped.version - swapping.version).toBe(added.version - adding.version);
    expect(swapped.slack.crewToldOff).toBeUndefined();
    expect(swapped.operations?.find((o) => o.id === swap)?.steps?.crew_notice?.result?.[`off:${ANA}`]).toBe(swapped.revision);
  } finally {
    await B.service.idle();
    await B.store.close();
  }
});

it("a change whose crew step told Ana she is off and finished, while its calendar update failed: putting her back tells her she is on", async () => {
  let failing = true;
  // The calendar refuses the change for good once its crew step has finished: the change fails with
  // Ana told she is off, which only its crew step's result records.
  const B = startRefusingCalendarProcess({ name: 'B', endpoint: world.dynalite.endpoint, table: TABLE, slackUrl: world.slack.url, config: world.config, log }, () => failing);
  try {
    const booking = await doneBooking(B);
    const x = await change(B, booking.id, withoutAna, 'Ana off');
    const failed = await untilOp(B, booking.id, x, 'failed');
    expect(failed.operations?.find((o) => o.id === x)?.steps?.crew_notice?.status).toBe('done');
    expect(failed.slack.crewToldOff).toBeUndefined();
    expect(held(booking.id, 'crew_off').map((m) => postPayloadOf(m).to)).toEqual([ANA]);
    failing = false;
    world.slack.clear();

    const y = await change(B, booking.id, sampleRoster, 'Ana back');
    const done = await untilOp(B, booking.id, y, 'done');
    const toAna = held(booking.id, 'crew_change_note').filter((m) => postPayloadOf(m).to === ANA && postPayloadOf(m).rev === done.revision);
    expect(toAna.filter((m) => String(m.text).includes("You're now on this charter"))).toHaveLength(1);
    expect(held(booking.id, 'crew_off').map((m) => postPayloadOf(m).to)).toEqual([ANA]);
  } finally {
    failing = false;
    world.slack.clear();
    await B.service.idle();
    await B.store.close();
  }
});
