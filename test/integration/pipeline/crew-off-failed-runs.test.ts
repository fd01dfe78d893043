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
 * And what a cancel after failed changes draws on each crew post and says under it: the call that
 * post last showed (4 PM after a change to 6 PM that failed before its crew step; 6 PM for a member
 * it did reach; after two failed in a row, the latest that reached the post), in DMs and in the
 * crew channel, and as a crew answer's redraw that finds the charter cancelled draws it; a reminder
 * still out names that call's date, and after a failed move into the past (a typo) the crew of a
 * trip still to come are told it will not sail. A member who answered a failed change's call and
 * keeps it through the next change keeps that call's revision (an older button is refused).
 * DynamoDB (dynalite), the real crew step against the Slack Web API stand-in over HTTP; the
 * calendar refuses each failing change once its crew step has finished (they run side by side).
 */
import { WebClient } from '@slack/web-api';
import { IntegrationError } from '../../../src/integrations/errors';
import { createLogger } from '../../../src/log';
import { CREW_CHANNEL_POST_KEY } from '../../../src/pipeline/types';
import { refreshCrewPosts } from '../../../src/slack/crew-redraw';
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

/**
 * Process B as processRefusingCalendar makes it, whose SCC also refuses a change's PATCH for good
 * while `sccRefusing()`: that change fails before its crew step (which waits on the revenue guard).
 */
function processRefusing(refusing: { calendar: () => boolean; scc: () => boolean }, config = world.config) {
  const scc_update = async () => {
    if (!refusing.scc()) return { eventId: 'evt_1', revision: 2 };
    throw new IntegrationError('SCC refused the change', { code: 'SCC_REJECTED', retryable: false, operatorMessage: 'SCC refused the change.', system: 'scc', status: 400 });
  };
  return startRefusingCalendarProcess({ name: 'B', endpoint: world.dynalite.endpoint, table: TABLE, slackUrl: world.slack.url, config, log, steps: { scc_update } }, refusing.calendar);
}

/** Cancels the booking through `B` and waits until it is cancelled and `B` is idle. */
async function cancelled(B: ReturnType<typeof processRefusing>, id: string): Promise<void> {
  await B.service.cancel(id, APPROVER);
  while ((await B.read(id))?.state !== 'cancelled') await pause();
  await B.service.idle();
}

/** The crew post at `ref` as Slack now shows it (text and blocks), and the cancel note under it. */
function readCancelled(id: string, ref: { channel: string; ts: string }): { post: string; note: string } {
  const post = world.slack.messages().find((m) => m.channel === ref.channel && m.ts === ref.ts);
  const notes = held(id, 'crew_cancel_note').filter((m) => m.channel === ref.channel && m.thread_ts === ref.ts);
  expect(notes).toHaveLength(1);
  return { post: `${String(post?.text)} ${JSON.stringify(post?.blocks ?? [])}`, note: String(notes[0]?.text) };
}

it('a change moving the charter to 6 PM fails before its crew step; the office cancels: each crew post and its note read the 4 PM the crew were called for', async () => {
  let sccRefusing = false;
  const B = processRefusing({ calendar: () => false, scc: () => sccRefusing });
  try {
    const booking = await doneBooking(B);
    sccRefusing = true;
    const x = await change(B, booking.id, sampleRoster, 'reschedule', { departureTime: '18:00' });
    const failed = await untilOp(B, booking.id, x, 'failed');
    sccRefusing = false;
    expect(failed.operations?.find((o) => o.id === x)?.steps?.crew_notice?.status).toBe('pending');
    expect(failed.request.departureTime).toBe('18:00');
    world.slack.clear();

    await cancelled(B, booking.id);
    for (const m of sampleRoster) {
      const { post, note } = readCancelled(booking.id, booking.slack.crewPosts![m.slackUserId]!);
      expect(post).toContain('4:00 PM PDT – 9:00 PM PDT will not sail');
      expect(note).toContain('4:00 PM PDT – 9:00 PM PDT');
      expect(`${post} ${note}`).not.toContain('6:00 PM');
    }
  } finally {
    sccRefusing = false;
    world.slack.clear();
    await B.service.idle();
    await B.store.close();
  }
});

it('a change to 5 PM reaches the crew and fails; the next, to 6 PM, redraws Sam and Lee before Slack refuses Ana; the office cancels: Sam and Lee read 6 PM, Ana 5 PM', async () => {
  let calendarRefusing = false;
  const B = processRefusing({ calendar: () => calendarRefusing, scc: () => false });
  try {
    const booking = await doneBooking(B);
    const posts = booking.slack.crewPosts!;
    calendarRefusing = true;
    const x1 = await change(B, booking.id, sampleRoster, 'reschedule', { departureTime: '17:00' });
    expect((await untilOp(B, booking.id, x1, 'failed')).operations?.find((o) => o.id === x1)?.steps?.crew_notice?.status).toBe('done');
    calendarRefusing = false;
    world.slack.failNext('chat.update', 1000, 'internal_error', (m) => m.ts === posts[ANA]!.ts);
    const x2 = await change(B, booking.id, sampleRoster, 'reschedule', { departureTime: '18:00' });
    expect((await untilOp(B, booking.id, x2, 'failed')).operations?.find((o) => o.id === x2)?.steps?.crew_notice?.status).toBe('failed');
    world.slack.clear();

    await cancelled(B, booking.id);
    for (const m of sampleRoster) {
      const { post, note } = readCancelled(booking.id, posts[m.slackUserId]!);
      const shown = m.slackUserId === ANA ? '5:00 PM PDT – 10:00 PM PDT' : '6:00 PM PDT – 11:00 PM PDT';
      expect(post).toContain(`${shown} will not sail`);
      expect(note).toContain(shown);
      expect(`${post} ${note}`).not.toContain('4:00 PM');
    }
  } finally {
    calendarRefusing = false;
    world.slack.clear();
    await B.service.idle();
    await B.store.close();
  }
});

it("with a crew channel: a change to 6 PM fails before its crew step, or after one to 5 PM that reached the channel; the office cancels: the channel's post and note read 4 PM, or 5 PM", async () => {
  let calendarRefusing = false;
  let sccRefusing = false;
  const B = processRefusing({ calendar: () => calendarRefusing, scc: () => sccRefusing }, { ...world.config, slack: { ...world.config.slack, crewChannel: 'C0CREWCHAN' } });
  try {
    for (const reachedAt of [undefined, '17:00']) {
      const booking = await doneBooking(B);
      const channelPost = booking.slack.crewPosts![CREW_CHANNEL_POST_KEY]!;
      if (reachedAt) {
        calendarRefusing = true;
        const x1 = await change(B, booking.id, sampleRoster, 'reschedule', { departureTime: reachedAt });
        await untilOp(B, booking.id, x1, 'failed');
        calendarRefusing = false;
      }
      sccRefusing = true;
      const x = await change(B, booking.id, sampleRoster, 'reschedule', { departureTime: '18:00' });
      await untilOp(B, booking.id, x, 'failed');
      sccRefusing = false;
      world.slack.clear();

      await cancelled(B, booking.id);
      const { post, note } = readCancelled(booking.id, channelPost);
      const shown = reachedAt ? '5:00 PM PDT – 10:00 PM PDT' : '4:00 PM PDT – 9:00 PM PDT';
      expect(post).toContain(`${shown} will not sail`);
      expect(note).toContain(shown);
      expect(`${post} ${note}`).not.toContain('6:00 PM');
    }
  } finally {
    calendarRefusing = false;
    sccRefusing = false;
    world.slack.clear();
    await B.service.idle();
    await B.store.close();
  }
});

it("a crew answer's redraw drawn from the booking before the cancel finds it cancelled: each post it called is drawn cancelled with the call it last showed", async () => {
  let sccRefusing = false;
  const B = processRefusing({ calendar: () => false, scc: () => sccRefusing });
  const client = new WebClient('xoxb-test-bot-token', { slackApiUrl: world.slack.url, retryConfig: { retries: 0 } });
  try {
    const booking = await doneBooking(B);
    const posts = booking.slack.crewPosts!;
    sccRefusing = true;
    const x = await change(B, booking.id, sampleRoster, 'reschedule', { departureTime: '18:00' });
    const failed = await untilOp(B, booking.id, x, 'failed');
    sccRefusing = false;
    await cancelled(B, booking.id);
    world.slack.clear();

    // A redraw that read the booking before the cancel draws its 6 PM calls; Slack refuses Ana's.
    world.slack.failNext('chat.update', 1, 'internal_error', (m) => m.ts === posts[ANA]!.ts && String(m.text).startsWith('Crew call'));
    await refreshCrewPosts(client, failed, world.config, log, { get: (id) => B.read(id), updateSlackRefs: (id, mutate) => B.service.updateSlackRefs(id, mutate) });
    const held = (u: string) => {
      const m = world.slack.messages().find((p) => p.channel === posts[u]!.channel && p.ts === posts[u]!.ts);
      return `${String(m?.text)} ${JSON.stringify(m?.blocks ?? [])}`;
    };
    // Sam and Lee were just shown the 6 PM call; Ana still read 4 PM.
    for (const u of [sampleRoster[0]!.slackUserId, sampleRoster[1]!.slackUserId]) expect(held(u)).toContain('6:00 PM PDT – 11:00 PM PDT will not sail');
    expect(held(ANA)).toContain('4:00 PM PDT – 9:00 PM PDT will not sail');
    for (const u of sampleRoster.map((m) => m.slackUserId)) expect(held(u)).not.toContain('crew_confirm:');
  } finally {
    sccRefusing = false;
    world.slack.clear();
    await B.service.idle();
    await B.store.close();
  }
});

const SAM = sampleRoster[0]!.slackUserId;
const withCrewChannel = () => ({ ...world.config, slack: { ...world.config.slack, crewChannel: 'C0CREWCHAN' } });

it('with a crew channel: to 5 PM (reached the channel), back to 4 PM with a new guest name (reached it), to 6 PM (failed before its crew step); the office cancels: the channel reads 4 PM', async () => {
  let calendarRefusing = false;
  let sccRefusing = false;
  const B = processRefusing({ calendar: () => calendarRefusing, scc: () => sccRefusing }, withCrewChannel());
  try {
    const booking = await doneBooking(B);
    const channelPost = booking.slack.crewPosts![CREW_CHANNEL_POST_KEY]!;
    calendarRefusing = true;
    const x1 = await change(B, booking.id, sampleRoster, 'reschedule', { departureTime: '17:00' });
    await untilOp(B, booking.id, x1, 'failed');
    // A new guest name plans the calendar step, which refuses once the crew step has redrawn the channel.
    const x2 = await change(B, booking.id, sampleRoster, 'back', { departureTime: '16:00', guestName: 'Maria D' });
    await untilOp(B, booking.id, x2, 'failed');
    calendarRefusing = false;
    sccRefusing = true;
    const x3 = await change(B, booking.id, sampleRoster, 'reschedule', { departureTime: '18:00' });
    await untilOp(B, booking.id, x3, 'failed');
    sccRefusing = false;
    world.slack.clear();

    await cancelled(B, booking.id);
    const { post, note } = readCancelled(booking.id, channelPost);
    expect(post).toContain('4:00 PM PDT – 9:00 PM PDT will not sail');
    expect(note).toContain('4:00 PM PDT – 9:00 PM PDT');
    expect(`${post} ${note}`).not.toContain('6:00 PM');
  } finally {
    calendarRefusing = false;
    sccRefusing = false;
    world.slack.clear();
    await B.service.idle();
    await B.store.close();
  }
});

it("with a crew channel: Sam confirms a failed change's 5 PM, the next keeps his 5 PM and adds Kai: a click on his first call's r1 button is refused; after a change to 6 PM fails before its crew step, a cancel reads 5 PM", async () => {
  let calendarRefusing = false;
  let sccRefusing = false;
  const config = withCrewChannel();
  const B = processRefusing({ calendar: () => calendarRefusing, scc: () => sccRefusing }, config);
  const client = new WebClient('xoxb-test-bot-token', { slackApiUrl: world.slack.url, retryConfig: { retries: 0 } });
  try {
    const booking = await doneBooking(B);
    const channelPost = booking.slack.crewPosts![CREW_CHANNEL_POST_KEY]!;
    calendarRefusing = true;
    const x1 = await change(B, booking.id, sampleRoster, 'reschedule', { departureTime: '17:00' });
    const f1 = await untilOp(B, booking.id, x1, 'failed');
    const atX1 = f1.callRevisions![SAM]!;
    expect(atX1).toBe(f1.revision);
    const after = await B.service.confirmCrew(booking.id, SAM, { callRevision: atX1 });
    expect(after.confirmations[SAM]).toBeDefined();
    await refreshCrewPosts(client, after, config, log, { get: (id) => B.read(id), updateSlackRefs: (id, mutate) => B.service.updateSlackRefs(id, mutate) });
    const x2 = await change(B, booking.id, [...sampleRoster, KAI], 'Kai on', { departureTime: '17:00' });
    const f2 = await untilOp(B, booking.id, x2, 'failed');
    calendarRefusing = false;
    // Sam still holds (and confirmed) x1's 5 PM: his call stays at x1's revision, and a button of
    // the 4 PM call he was first sent (r1: a reminder, an old Home tab) answers nothing.
    expect(f2.confirmations[SAM]).toBeDefined();
    expect(f2.callRevisions?.[SAM]).toBe(atX1);
    const stale = await B.service.declineCrew(booking.id, SAM, 'stale button', { callRevision: 1 });
    expect(stale.declines?.[SAM]).toBeUndefined();
    expect(stale.confirmations[SAM]).toBeDefined();

    sccRefusing = true;
    const x3 = await change(B, booking.id, [...sampleRoster, KAI], 'reschedule', { departureTime: '18:00' });
    await untilOp(B, booking.id, x3, 'failed');
    sccRefusing = false;
    world.slack.clear();

    await cancelled(B, booking.id);
    const { post, note } = readCancelled(booking.id, channelPost);
    expect(post).toContain('5:00 PM PDT – 10:00 PM PDT will not sail');
    expect(note).toContain('5:00 PM PDT – 10:00 PM PDT');
    expect(`${post} ${note}`).not.toContain('6:00 PM');
  } finally {
    calendarRefusing = false;
    sccRefusing = false;
    world.slack.clear();
    await B.service.idle();
    await B.store.close();
  }
});

it("Ana's 48-hour reminder for Thu Jul 4 is out; a change to Fri Jul 5 fails before its crew step; the office cancels: the reminder is redrawn cancelled for Jul 4, as her post and note read", async () => {
  let sccRefusing = false;
  const B = processRefusing({ calendar: () => false, scc: () => sccRefusing });
  const client = new WebClient('xoxb-test-bot-token', { slackApiUrl: world.slack.url, retryConfig: { retries: 0 } });
  try {
    const booking = await doneBooking(B);
    const anaCall = booking.slack.crewPosts![ANA]!;
    const sent = await client.chat.postMessage({ channel: anaCall.channel, text: 'Reminder: JADA, Thu, Jul 4, 2030, 4:00 PM' });
    expect((await B.service.claimReminder(booking.id, `dm48:${ANA}`, 'test', 60_000)).claimed).toBe(true);
    await B.service.markReminderSent(booking.id, `dm48:${ANA}`, 'test', undefined, { channel: anaCall.channel, ts: String(sent.ts) });
    sccRefusing = true;
    const x = await change(B, booking.id, sampleRoster, 'move', { date: '2030-07-05' });
    await untilOp(B, booking.id, x, 'failed');
    sccRefusing = false;
    world.slack.clear();

    await cancelled(B, booking.id);
    const reminder = String(world.slack.messages().find((m) => m.channel === anaCall.channel && m.ts === String(sent.ts))?.text);
    expect(reminder).toContain('cancelled');
    expect(reminder).toContain('Jul 4');
    expect(reminder).not.toContain('Jul 5');
    const { post, note } = readCancelled(booking.id, anaCall);
    expect(`${post} ${note}`).toContain('Jul 4');
  } finally {
    sccRefusing = false;
    world.slack.clear();
    await B.service.idle();
    await B.store.close();
  }
});

it('a change moving the charter into the past by a typo fails before its crew step; the office cancels: each crew post reads its Jul 4 2030 call will not sail, and each member gets the note', async () => {
  let sccRefusing = false;
  const B = processRefusing({ calendar: () => false, scc: () => sccRefusing });
  try {
    const booking = await doneBooking(B);
    sccRefusing = true;
    const x = await change(B, booking.id, sampleRoster, 'typo', { date: '2026-12-01' });
    await untilOp(B, booking.id, x, 'failed');
    sccRefusing = false;
    world.slack.clear();

    await cancelled(B, booking.id);
    for (const m of sampleRoster) {
      const { post, note } = readCancelled(booking.id, booking.slack.crewPosts![m.slackUserId]!);
      expect(post).toContain('will not sail');
      expect(post).toContain('Jul 4');
      expect(note).toContain('Jul 4');
    }
  } finally {
    sccRefusing = false;
    world.slack.clear();
    await B.service.idle();
    await B.store.close();
  }
});
