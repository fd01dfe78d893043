/**
 * What a member taken off by changes that failed last read, and what the next operation tells them.
 * A run of failed changes each made its roster the booking's; who they told "you're off" (and in
 * which order) decides who still holds a call:
 * - taken off and never told, then the charter is cancelled: the cancel reaches them too;
 * - off, on, off (each told), then put back for good: "You're now on", as her last word was off;
 * - told off by one change, kept off by the next: one "you're off", not two.
 * - a failed change that could not learn whether her "you're off" went (Slack erred on her post and
 *   on every look-up of her DM): a cancel still reaches her, and a change keeping her off tells her,
 *   also when an earlier failed change of the run is what called her.
 * DynamoDB (dynalite), the real crew step against the Slack Web API stand-in over HTTP; the
 * calendar refuses each failing change once its crew step has finished (they run side by side).
 */
import { createLogger } from '../../../src/log';
import { sampleRoster } from '../../support/booking';
import { ANA, APPROVER, change, detailsWith, doneBooking, KAI, pause, startRefusingCalendarProcess, untilOp, withoutAna } from '../../fixtures/pipeline/crew-changes';
import { postPayloadOf, useCrewWorld } from '../../fixtures/pipeline/crew-process';

jest.setTimeout(90_000);

const log = createLogger({ level: 'silent', pretty: false });
const TABLE = 'charter-crew-off-failed-runs';
const world = useCrewWorld(TABLE);

/** Process B, whose calendar refuses a change, once its crew step has finished, while `refusing()`. */
const processRefusingCalendar = (refusing: () => boolean) =>
  startRefusingCalendarProcess({ name: 'B', endpoint: world.dynalite.endpoint, table: TABLE, slackUrl: world.slack.url, config: world.config, log }, refusing);

const held = (id: string, post: string) => world.slack.messages().filter((m) => postPayloadOf(m).booking_id === id && postPayloadOf(m).post === post);
const nowOn = (id: string, rev: number, to: string) =>
  held(id, 'crew_change_note').filter((m) => postPayloadOf(m).to === to && postPayloadOf(m).rev === rev && String(m.text).includes("You're now on this charter"));

it("a change takes Ana off and fails before telling her; the office cancels: her call is redrawn cancelled, no Confirm, and she gets the cancel note", async () => {
  const B = processRefusingCalendar(() => false);
  try {
    const booking = await doneBooking(B);
    const anaCall = booking.slack.crewPosts![ANA]!;
    // Slack refuses to redraw Ana's old call: the change's crew step fails before her "you're off".
    world.slack.failNext('chat.update', 1000, 'internal_error', (m) => m.ts === anaCall.ts);
    const x = await change(B, booking.id, withoutAna, 'Ana off');
    const failed = await untilOp(B, booking.id, x, 'failed');
    expect(failed.operations?.find((o) => o.id === x)?.steps?.crew_notice?.status).toBe('failed');
    expect(held(booking.id, 'crew_off')).toEqual([]);
    world.slack.clear();

    await B.service.cancel(booking.id, APPROVER);
    while ((await B.read(booking.id))?.state !== 'cancelled') await pause();
    await B.service.idle();
    const anaPost = world.slack.messages().find((m) => m.channel === anaCall.channel && m.ts === anaCall.ts);
    expect(JSON.stringify(anaPost?.blocks ?? '')).not.toContain(`crew_confirm:${ANA}`);
    expect(String(anaPost?.text)).toMatch(/cancelled/i);
    expect(held(booking.id, 'crew_cancel_note').map((m) => postPayloadOf(m).to)).toContain(ANA);
  } finally {
    world.slack.clear();
    await B.service.idle();
    await B.store.close();
  }
});

it("a change tells Ana she is off and fails; the office cancels: she is not told of a cancel, her post still says she is off", async () => {
  let refusing = true;
  const B = processRefusingCalendar(() => refusing);
  try {
    refusing = false;
    const booking = await doneBooking(B);
    refusing = true;
    const x = await change(B, booking.id, withoutAna, 'Ana off');
    await untilOp(B, booking.id, x, 'failed');
    expect(held(booking.id, 'crew_off').map((m) => postPayloadOf(m).to)).toEqual([ANA]);
    refusing = false;
    world.slack.clear();

    await B.service.cancel(booking.id, APPROVER);
    while ((await B.read(booking.id))?.state !== 'cancelled') await pause();
    await B.service.idle();
    expect(held(booking.id, 'crew_cancel_note').map((m) => postPayloadOf(m).to)).not.toContain(ANA);
    expect(held(booking.id, 'crew_cancel_note').length).toBeGreaterThan(0);
  } finally {
    refusing = false;
    world.slack.clear();
    await B.service.idle();
    await B.store.close();
  }
});

it("off, on, off (each told, each change failed), then a change puts Ana back for good: she reads You're now on", async () => {
  let refusing = false;
  const B = processRefusingCalendar(() => refusing);
  try {
    const booking = await doneBooking(B);
    refusing = true;
    for (const [label, roster] of [
      ['Ana off', withoutAna],
      ['Ana back, Kai on', [...sampleRoster, KAI]],
      ['Ana off again', [...withoutAna, KAI]],
    ] as const) {
      const opId = await change(B, booking.id, [...roster], label);
      const failed = await untilOp(B, booking.id, opId, 'failed');
      expect(failed.operations?.find((o) => o.id === opId)?.steps?.crew_notice?.status).toBe('done');
    }
    expect(held(booking.id, 'crew_off').map((m) => postPayloadOf(m).to)).toEqual([ANA, ANA]);
    refusing = false;

    const w = await change(B, booking.id, [...sampleRoster, KAI], 'Ana back for good');
    const done = await untilOp(B, booking.id, w, 'done');
    expect(nowOn(booking.id, done.revision!, ANA)).toHaveLength(1);
    expect(done.callRevisions?.[ANA]).toBe(done.revision);
  } finally {
    refusing = false;
    world.slack.clear();
    await B.service.idle();
    await B.store.close();
  }
});

it("a change tells Ana she is off and fails; the next keeps her off and fails too: one you're-off, and putting her back greets her as on", async () => {
  let refusing = false;
  const B = processRefusingCalendar(() => refusing);
  try {
    const booking = await doneBooking(B);
    refusing = true;
    const x = await change(B, booking.id, withoutAna, 'Ana off');
    await untilOp(B, booking.id, x, 'failed');
    const y = await change(B, booking.id, [...withoutAna, KAI], 'Kai on');
    const yFailed = await untilOp(B, booking.id, y, 'failed');
    expect(held(booking.id, 'crew_off').map((m) => postPayloadOf(m).to)).toEqual([ANA]);
    // Ana's last word is still "you're off", now on Y's record too.
    expect(yFailed.operations?.find((o) => o.id === y)?.steps?.crew_notice?.result?.[`off:${ANA}`]).toBe(yFailed.revision);
    refusing = false;

    const z = await change(B, booking.id, [...sampleRoster, KAI], 'Ana back');
    const done = await untilOp(B, booking.id, z, 'done');
    expect(nowOn(booking.id, done.revision!, ANA)).toHaveLength(1);
    expect(held(booking.id, 'crew_off').map((m) => postPayloadOf(m).to)).toEqual([ANA]);
  } finally {
    refusing = false;
    world.slack.clear();
    await B.service.idle();
    await B.store.close();
  }
});

/**
 * Slack refuses every redraw of Ana's call and every look-up of her DM: the change's crew step fails
 * not knowing whether an earlier attempt's "you're off" reached her (her post may still show the call).
 */
function slackErrsOn(member: string, call: { channel: string; ts: string }): void {
  world.slack.failNext('chat.update', 1000, 'internal_error', (m) => m.ts === call.ts);
  world.slack.failNext('conversations.open', 1000, 'internal_error', (m) => String(m.users) === member);
  world.slack.failNext('conversations.history', 1000, 'internal_error', (m) => m.channel === call.channel);
}
const slackErrsOnAna = (anaCall: { channel: string; ts: string }) => slackErrsOn(ANA, anaCall);

it("a change takes Ana off and fails not knowing whether her you're-off went; the office cancels: her call is redrawn cancelled and she gets the cancel note", async () => {
  const B = processRefusingCalendar(() => false);
  try {
    const booking = await doneBooking(B);
    const anaCall = booking.slack.crewPosts![ANA]!;
    slackErrsOnAna(anaCall);
    const x = await change(B, booking.id, withoutAna, 'Ana off');
    const failed = await untilOp(B, booking.id, x, 'failed');
    const step = failed.operations?.find((o) => o.id === x)?.steps?.crew_notice;
    expect(step?.status).toBe('failed');
    // The retried attempts looked her DM up first, and could not.
    expect(step?.attempts).toBeGreaterThan(1);
    world.slack.clear();

    await B.service.cancel(booking.id, APPROVER);
    while ((await B.read(booking.id))?.state !== 'cancelled') await pause();
    await B.service.idle();
    const anaPost = world.slack.messages().find((m) => m.channel === anaCall.channel && m.ts === anaCall.ts);
    expect(JSON.stringify(anaPost?.blocks ?? '')).not.toContain(`crew_confirm:${ANA}`);
    expect(String(anaPost?.text)).toMatch(/cancelled/i);
    expect(held(booking.id, 'crew_cancel_note').map((m) => postPayloadOf(m).to)).toContain(ANA);
    // She was saved as maybe told, not told; the cancel's start dropped the record.
    expect(failed.slack.crewMaybeToldOff).toEqual({ [ANA]: failed.revision });
    expect(failed.slack.crewToldOff?.[ANA]).toBeUndefined();
    const cancelled = (await B.read(booking.id))!;
    expect(cancelled.operations?.find((o) => o.kind === 'cancel')?.crewMayHoldCall).toEqual([ANA]);
    expect(cancelled.slack.crewMaybeToldOff).toBeUndefined();
  } finally {
    world.slack.clear();
    await B.service.idle();
    await B.store.close();
  }
});

it("a change takes Ana off and fails not knowing whether her you're-off went; the next keeps her off: it redraws her call and tells her", async () => {
  const B = processRefusingCalendar(() => false);
  try {
    const booking = await doneBooking(B);
    const anaCall = booking.slack.crewPosts![ANA]!;
    slackErrsOnAna(anaCall);
    const x = await change(B, booking.id, withoutAna, 'Ana off');
    await untilOp(B, booking.id, x, 'failed');
    world.slack.clear();

    const y = await change(B, booking.id, [...withoutAna, KAI], 'Kai on');
    const done = await untilOp(B, booking.id, y, 'done');
    const anaPost = world.slack.messages().find((m) => m.channel === anaCall.channel && m.ts === anaCall.ts);
    expect(JSON.stringify(anaPost?.blocks ?? '')).not.toContain(`crew_confirm:${ANA}`);
    expect(held(booking.id, 'crew_off').map((m) => postPayloadOf(m).to)).toEqual([ANA]);
    expect(done.operations?.find((o) => o.id === y)?.crewToldOffBefore).toBeUndefined();
  } finally {
    world.slack.clear();
    await B.service.idle();
    await B.store.close();
  }
});

it("one failed change calls Kai, the next takes him off not knowing whether his you're-off went; a change keeping him off redraws his call and tells him", async () => {
  let refusing = false;
  const B = processRefusingCalendar(() => refusing);
  try {
    const booking = await doneBooking(B);
    refusing = true;
    const x1 = await change(B, booking.id, [...sampleRoster, KAI], 'Kai on');
    const called = await untilOp(B, booking.id, x1, 'failed');
    const kaiCall = called.slack.crewPosts![KAI.slackUserId]!;
    refusing = false;
    slackErrsOn(KAI.slackUserId, kaiCall);
    const x2 = await change(B, booking.id, sampleRoster, 'Kai off');
    const failed = await untilOp(B, booking.id, x2, 'failed');
    expect(failed.operations?.find((o) => o.id === x2)?.steps?.crew_notice?.status).toBe('failed');
    world.slack.clear();

    const { op } = await B.service.proposeChange(booking.id, { details: { ...detailsWith(sampleRoster), request: { ...detailsWith(sampleRoster).request, crewNotes: 'Bring ice' } }, label: 'notes', userId: APPROVER });
    expect((await B.service.approveChange(booking.id, op.id, APPROVER)).won).toBe(true);
    await untilOp(B, booking.id, op.id, 'done');
    const kaiPost = world.slack.messages().find((m) => m.channel === kaiCall.channel && m.ts === kaiCall.ts);
    expect(JSON.stringify(kaiPost?.blocks ?? '')).not.toContain(`crew_confirm:${KAI.slackUserId}`);
    expect(held(booking.id, 'crew_off').map((m) => postPayloadOf(m).to)).toEqual([KAI.slackUserId]);
  } finally {
    refusing = false;
    world.slack.clear();
    await B.service.idle();
    await B.store.close();
  }
});
