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
 * A member is never taken back below the revision a failed change drew for them, and a reminder
 * sent during a failed run is redrawn without buttons by the change that replaces its call, or by
 * a later one of the run when that change drew nothing; a reminder from before the run that the
 * settling change brings back is redrawn at the member's revision, so a click on it is taken.
 * A cancel finds each post's call after the run's older changes were compacted (each change stored
 * the revisions it gave); a post whose call it cannot find reads the newest call the run drew, never
 * a typo's date no post showed, and still gets its note.
 * DynamoDB (dynalite), the real crew step against the Slack Web API stand-in over HTTP; the
 * calendar refuses each failing change once its crew step has finished (they run side by side).
 */
import { WebClient } from '@slack/web-api';
import type { BookingRequest, RosterMember } from '../../../src/booking/types';
import { IntegrationError } from '../../../src/integrations/errors';
import { createLogger } from '../../../src/log';
import { CREW_CHANNEL_POST_KEY, type BookingRecord } from '../../../src/pipeline/types';
import { callFoundOn } from '../../../src/slack/crew-call-shown';
import { crewReminderTask } from '../../../src/slack/crew-reminders';
import { refreshCrewPosts } from '../../../src/slack/crew-redraw';
import { PostOnce } from '../../../src/slack/post-once';
import { sampleRoster } from '../../support/booking';
import { ANA, APPROVER, change, detailsWith, doneBooking, KAI, pause, startRefusingCalendarProcess, untilOp, withoutAna } from '../../fixtures/pipeline/crew-changes';
import { postPayloadOf, useCrewWorld, type CrewWorld } from '../../fixtures/pipeline/crew-process';

jest.setTimeout(90_000);

const log = createLogger({ level: 'silent', pretty: false });
const TABLE = 'charter-crew-off-failed-runs';
const world = useCrewWorld(TABLE);

type Config = CrewWorld['config'];
type Ref = { channel: string; ts: string };

/**
 * Process B, whose calendar refuses a change, once its crew step has finished, while
 * `refusing.calendar()`, and whose SCC refuses a change's PATCH for good while `refusing.scc()`:
 * that change fails before its crew step (which waits on the revenue guard).
 */
function processRefusing(refusing: { calendar: () => boolean; scc: () => boolean }, config: Config) {
  const scc_update = async () => {
    if (!refusing.scc()) return { eventId: 'evt_1', revision: 2 };
    throw new IntegrationError('SCC refused the change', { code: 'SCC_REJECTED', retryable: false, operatorMessage: 'SCC refused the change.', system: 'scc', status: 400 });
  };
  return startRefusingCalendarProcess({ name: 'B', endpoint: world.dynalite.endpoint, table: TABLE, slackUrl: world.slack.url, config, log, steps: { scc_update } }, refusing.calendar);
}

type Proc = ReturnType<typeof processRefusing>;
/** One test's process B, what it refuses now (both off at the start; a test flips them), and a Slack client for redraws. */
interface Run {
  B: Proc;
  refusing: { calendar: boolean; scc: boolean };
  client: WebClient;
  config: Config;
}

/**
 * Runs `body` against a fresh process B (with `config`, the world's by default), then stops
 * refusing, clears Slack and closes B's store once B is idle, whether or not `body` passed.
 */
async function withProcess(...args: [body: (run: Run) => Promise<void>] | [config: Config, body: (run: Run) => Promise<void>]): Promise<void> {
  const [config, body] = args.length === 1 ? [world.config, args[0]] : args;
  const refusing = { calendar: false, scc: false };
  const B = processRefusing({ calendar: () => refusing.calendar, scc: () => refusing.scc }, config);
  const client = new WebClient('xoxb-test-bot-token', { slackApiUrl: world.slack.url, retryConfig: { retries: 0 } });
  try {
    await body({ B, refusing, client, config });
  } finally {
    // Refusing nothing more lets whatever a failed assertion left running end, so B goes idle before its store closes.
    refusing.calendar = false;
    refusing.scc = false;
    world.slack.clear();
    await B.service.idle();
    await B.store.close();
  }
}

/** Proposes and approves a change through `B` and waits until it has failed; `crewNotice` is its crew step. */
async function failedChange(B: Proc, id: string, roster: RosterMember[], label: string, fields: Partial<BookingRequest> = {}) {
  const opId = await change(B, id, roster, label, fields);
  const record = await untilOp(B, id, opId, 'failed');
  return { opId, record, crewNotice: record.operations?.find((o) => o.id === opId)?.steps?.crew_notice };
}

/** A change whose calendar step refuses it once its crew step has told the crew. */
async function failsAfterCrewStep(run: Run, ...args: [id: string, roster: RosterMember[], label: string, fields?: Partial<BookingRequest>]) {
  run.refusing.calendar = true;
  const failed = await failedChange(run.B, ...args);
  run.refusing.calendar = false;
  return failed;
}

/** A change whose SCC PATCH is refused for good, so it fails before its crew step tells anyone. */
async function failsBeforeCrewStep(run: Run, ...args: [id: string, roster: RosterMember[], label: string, fields?: Partial<BookingRequest>]) {
  run.refusing.scc = true;
  const failed = await failedChange(run.B, ...args);
  run.refusing.scc = false;
  return failed;
}

/** Cancels the booking through `B` and waits until it is cancelled and `B` is idle. */
async function cancelled(B: Proc, id: string): Promise<void> {
  await B.service.cancel(id, APPROVER);
  while ((await B.read(id))?.state !== 'cancelled') await pause();
  await B.service.idle();
}

/** A crew answer's redraw of `record`'s crew posts, as the app runs it. */
const redraw = ({ B, client, config }: Run, record: BookingRecord) =>
  refreshCrewPosts(client, record, config, log, { get: (id) => B.read(id), updateSlackRefs: (id, mutate) => B.service.updateSlackRefs(id, mutate) });

const held = (id: string, post: string) => world.slack.messages().filter((m) => postPayloadOf(m).booking_id === id && postPayloadOf(m).post === post);
/** Who Slack holds a `post` of this booking for, in order. */
const recipients = (id: string, post: string) => held(id, post).map((m) => postPayloadOf(m).to);
const nowOn = (id: string, rev: number, to: string) =>
  held(id, 'crew_change_note').filter((m) => postPayloadOf(m).to === to && postPayloadOf(m).rev === rev && String(m.text).includes("You're now on this charter"));
/** The message at `ref` as Slack now holds it. */
const postAt = (ref: Ref) => world.slack.messages().find((m) => m.channel === ref.channel && m.ts === ref.ts);
/** The message at `ref` as its reader sees it: text and blocks. */
const drawn = (ref: Ref) => `${String(postAt(ref)?.text)} ${JSON.stringify(postAt(ref)?.blocks ?? [])}`;

/** The crew post at `ref` as Slack now shows it (text and blocks), and the cancel note under it. */
function readCancelled(id: string, ref: Ref): { post: string; note: string } {
  const notes = held(id, 'crew_cancel_note').filter((m) => m.channel === ref.channel && m.thread_ts === ref.ts);
  expect(notes).toHaveLength(1);
  return { post: drawn(ref), note: String(notes[0]?.text) };
}

/** The cancelled crew post at `ref` and its note read the call `shown` (a time range) will not sail, and never `never`. */
function expectCancelledReading(id: string, ref: Ref, shown: string, never: string): void {
  const { post, note } = readCancelled(id, ref);
  expect(post).toContain(`${shown} will not sail`);
  expect(note).toContain(shown);
  expect(`${post} ${note}`).not.toContain(never);
}

const SAM = sampleRoster[0]!.slackUserId;
const LEE = sampleRoster[1]!.slackUserId;

/** The 48-hour reminder task's run two days before the Jul 4 2030 trip; returns where Lee's reminder went. */
async function remindLee(run: Run, id: string): Promise<Ref> {
  const { B, client } = run;
  await crewReminderTask({ store: B.store, service: B.service, client, poster: new PostOnce({ client }), config: run.config, log, owner: 'test' }).run(Date.parse('2030-07-03T01:00:00Z'));
  const reminder = (await B.read(id))!.reminders?.[`dm48:${LEE}`]?.post;
  expect(reminder).toBeDefined();
  return reminder!;
}
const withCrewChannel = () => ({ ...world.config, slack: { ...world.config.slack, crewChannel: 'C0CREWCHAN' } });

it("a change takes Ana off and fails before telling her; the office cancels: her call is redrawn cancelled, no Confirm, and she gets the cancel note", () =>
  withProcess(async ({ B }) => {
    const booking = await doneBooking(B);
    const anaCall = booking.slack.crewPosts![ANA]!;
    // Slack refuses to redraw Ana's old call: the change's crew step fails before her "you're off".
    world.slack.failNext('chat.update', 1000, 'internal_error', (m) => m.ts === anaCall.ts);
    const { crewNotice } = await failedChange(B, booking.id, withoutAna, 'Ana off');
    expect(crewNotice?.status).toBe('failed');
    expect(held(booking.id, 'crew_off')).toEqual([]);
    world.slack.clear();

    await cancelled(B, booking.id);
    const anaPost = postAt(anaCall);
    expect(JSON.stringify(anaPost?.blocks ?? '')).not.toContain(`crew_confirm:${ANA}`);
    expect(String(anaPost?.text)).toMatch(/cancelled/i);
    expect(recipients(booking.id, 'crew_cancel_note')).toContain(ANA);
  }));

it("a change tells Ana she is off and fails; the office cancels: she is not told of a cancel, her post still says she is off", () =>
  withProcess(async (run) => {
    const booking = await doneBooking(run.B);
    await failsAfterCrewStep(run, booking.id, withoutAna, 'Ana off');
    expect(recipients(booking.id, 'crew_off')).toEqual([ANA]);
    world.slack.clear();

    await cancelled(run.B, booking.id);
    expect(recipients(booking.id, 'crew_cancel_note')).not.toContain(ANA);
    expect(held(booking.id, 'crew_cancel_note').length).toBeGreaterThan(0);
  }));

it("off, on, off (each told, each change failed), then a change puts Ana back for good: she reads You're now on", () =>
  withProcess(async (run) => {
    const { B } = run;
    const booking = await doneBooking(B);
    for (const [label, roster] of [
      ['Ana off', withoutAna],
      ['Ana back, Kai on', [...sampleRoster, KAI]],
      ['Ana off again', [...withoutAna, KAI]],
    ] as const) {
      const { crewNotice } = await failsAfterCrewStep(run, booking.id, [...roster], label);
      expect(crewNotice?.status).toBe('done');
    }
    expect(recipients(booking.id, 'crew_off')).toEqual([ANA, ANA]);

    const w = await change(B, booking.id, [...sampleRoster, KAI], 'Ana back for good');
    const done = await untilOp(B, booking.id, w, 'done');
    expect(nowOn(booking.id, done.revision!, ANA)).toHaveLength(1);
    expect(done.callRevisions?.[ANA]).toBe(done.revision);
  }));

it("a change tells Ana she is off and fails; the next keeps her off and fails too: one you're-off, and putting her back greets her as on", () =>
  withProcess(async (run) => {
    const { B } = run;
    const booking = await doneBooking(B);
    await failsAfterCrewStep(run, booking.id, withoutAna, 'Ana off');
    const y = await failsAfterCrewStep(run, booking.id, [...withoutAna, KAI], 'Kai on');
    expect(recipients(booking.id, 'crew_off')).toEqual([ANA]);
    // Ana's last word is still "you're off", now on Y's record too.
    expect(y.crewNotice?.result?.[`off:${ANA}`]).toBe(y.record.revision);

    const z = await change(B, booking.id, [...sampleRoster, KAI], 'Ana back');
    const done = await untilOp(B, booking.id, z, 'done');
    expect(nowOn(booking.id, done.revision!, ANA)).toHaveLength(1);
    expect(recipients(booking.id, 'crew_off')).toEqual([ANA]);
  }));

/**
 * Slack refuses every redraw of Ana's call and every look-up of her DM: the change's crew step fails
 * not knowing whether an earlier attempt's "you're off" reached her (her post may still show the call).
 */
function slackErrsOn(member: string, call: Ref): void {
  world.slack.failNext('chat.update', 1000, 'internal_error', (m) => m.ts === call.ts);
  world.slack.failNext('conversations.open', 1000, 'internal_error', (m) => String(m.users) === member);
  world.slack.failNext('conversations.history', 1000, 'internal_error', (m) => m.channel === call.channel);
}
const slackErrsOnAna = (anaCall: Ref) => slackErrsOn(ANA, anaCall);

it("a change takes Ana off and fails not knowing whether her you're-off went; the office cancels: her call is redrawn cancelled and she gets the cancel note", () =>
  withProcess(async ({ B }) => {
    const booking = await doneBooking(B);
    const anaCall = booking.slack.crewPosts![ANA]!;
    slackErrsOnAna(anaCall);
    const { record: failed, crewNotice: step } = await failedChange(B, booking.id, withoutAna, 'Ana off');
    expect(step?.status).toBe('failed');
    // The retried attempts looked her DM up first, and could not.
    expect(step?.attempts).toBeGreaterThan(1);
    world.slack.clear();

    await cancelled(B, booking.id);
    const anaPost = postAt(anaCall);
    expect(JSON.stringify(anaPost?.blocks ?? '')).not.toContain(`crew_confirm:${ANA}`);
    expect(String(anaPost?.text)).toMatch(/cancelled/i);
    expect(recipients(booking.id, 'crew_cancel_note')).toContain(ANA);
    // She was saved as maybe told, not told; the cancel's start dropped the record.
    expect(failed.slack.crewMaybeToldOff).toEqual({ [ANA]: failed.revision });
    expect(failed.slack.crewToldOff?.[ANA]).toBeUndefined();
    const after = (await B.read(booking.id))!;
    expect(after.operations?.find((o) => o.kind === 'cancel')?.crewMayHoldCall).toEqual([ANA]);
    expect(after.slack.crewMaybeToldOff).toBeUndefined();
  }));

it("a change takes Ana off and fails not knowing whether her you're-off went; the next keeps her off: it redraws her call and tells her", () =>
  withProcess(async ({ B }) => {
    const booking = await doneBooking(B);
    const anaCall = booking.slack.crewPosts![ANA]!;
    slackErrsOnAna(anaCall);
    await failedChange(B, booking.id, withoutAna, 'Ana off');
    world.slack.clear();

    const y = await change(B, booking.id, [...withoutAna, KAI], 'Kai on');
    const done = await untilOp(B, booking.id, y, 'done');
    expect(JSON.stringify(postAt(anaCall)?.blocks ?? '')).not.toContain(`crew_confirm:${ANA}`);
    expect(recipients(booking.id, 'crew_off')).toEqual([ANA]);
    expect(done.operations?.find((o) => o.id === y)?.crewToldOffBefore).toBeUndefined();
  }));

it("one failed change calls Kai, the next takes him off not knowing whether his you're-off went; a change keeping him off redraws his call and tells him", () =>
  withProcess(async (run) => {
    const { B } = run;
    const booking = await doneBooking(B);
    const { record: called } = await failsAfterCrewStep(run, booking.id, [...sampleRoster, KAI], 'Kai on');
    const kaiCall = called.slack.crewPosts![KAI.slackUserId]!;
    slackErrsOn(KAI.slackUserId, kaiCall);
    const { crewNotice } = await failedChange(B, booking.id, sampleRoster, 'Kai off');
    expect(crewNotice?.status).toBe('failed');
    world.slack.clear();

    const { op } = await B.service.proposeChange(booking.id, { details: { ...detailsWith(sampleRoster), request: { ...detailsWith(sampleRoster).request, crewNotes: 'Bring ice' } }, label: 'notes', userId: APPROVER });
    expect((await B.service.approveChange(booking.id, op.id, APPROVER)).won).toBe(true);
    await untilOp(B, booking.id, op.id, 'done');
    expect(JSON.stringify(postAt(kaiCall)?.blocks ?? '')).not.toContain(`crew_confirm:${KAI.slackUserId}`);
    expect(recipients(booking.id, 'crew_off')).toEqual([KAI.slackUserId]);
  }));

it('a change moving the charter to 6 PM fails before its crew step; the office cancels: each crew post and its note read the 4 PM the crew were called for', () =>
  withProcess(async (run) => {
    const booking = await doneBooking(run.B);
    const { record: failed, crewNotice } = await failsBeforeCrewStep(run, booking.id, sampleRoster, 'reschedule', { departureTime: '18:00' });
    expect(crewNotice?.status).toBe('pending');
    expect(failed.request.departureTime).toBe('18:00');
    world.slack.clear();

    await cancelled(run.B, booking.id);
    for (const m of sampleRoster) expectCancelledReading(booking.id, booking.slack.crewPosts![m.slackUserId]!, '4:00 PM PDT – 9:00 PM PDT', '6:00 PM');
  }));

it('a change to 5 PM reaches the crew and fails; the next, to 6 PM, redraws Sam and Lee before Slack refuses Ana; the office cancels: Sam and Lee read 6 PM, Ana 5 PM', () =>
  withProcess(async (run) => {
    const { B } = run;
    const booking = await doneBooking(B);
    const posts = booking.slack.crewPosts!;
    expect((await failsAfterCrewStep(run, booking.id, sampleRoster, 'reschedule', { departureTime: '17:00' })).crewNotice?.status).toBe('done');
    world.slack.failNext('chat.update', 1000, 'internal_error', (m) => m.ts === posts[ANA]!.ts);
    expect((await failedChange(B, booking.id, sampleRoster, 'reschedule', { departureTime: '18:00' })).crewNotice?.status).toBe('failed');
    world.slack.clear();

    await cancelled(B, booking.id);
    for (const m of sampleRoster) {
      const shown = m.slackUserId === ANA ? '5:00 PM PDT – 10:00 PM PDT' : '6:00 PM PDT – 11:00 PM PDT';
      expectCancelledReading(booking.id, posts[m.slackUserId]!, shown, '4:00 PM');
    }
  }));

it("with a crew channel: a change to 6 PM fails before its crew step, or after one to 5 PM that reached the channel; the office cancels: the channel's post and note read 4 PM, or 5 PM", () =>
  withProcess(withCrewChannel(), async (run) => {
    for (const reachedAt of [undefined, '17:00']) {
      const booking = await doneBooking(run.B);
      const channelPost = booking.slack.crewPosts![CREW_CHANNEL_POST_KEY]!;
      if (reachedAt) await failsAfterCrewStep(run, booking.id, sampleRoster, 'reschedule', { departureTime: reachedAt });
      await failsBeforeCrewStep(run, booking.id, sampleRoster, 'reschedule', { departureTime: '18:00' });
      world.slack.clear();

      await cancelled(run.B, booking.id);
      expectCancelledReading(booking.id, channelPost, reachedAt ? '5:00 PM PDT – 10:00 PM PDT' : '4:00 PM PDT – 9:00 PM PDT', '6:00 PM');
    }
  }));

it("a crew answer's redraw drawn from the booking before the cancel finds it cancelled: each post it called is drawn cancelled with the call it last showed", () =>
  withProcess(async (run) => {
    const booking = await doneBooking(run.B);
    const posts = booking.slack.crewPosts!;
    const { record: failed } = await failsBeforeCrewStep(run, booking.id, sampleRoster, 'reschedule', { departureTime: '18:00' });
    await cancelled(run.B, booking.id);
    world.slack.clear();

    // A redraw that read the booking before the cancel draws its 6 PM calls; Slack refuses Ana's.
    world.slack.failNext('chat.update', 1, 'internal_error', (m) => m.ts === posts[ANA]!.ts && String(m.text).startsWith('Crew call'));
    await redraw(run, failed);
    const drawnFor = (u: string) => drawn(posts[u]!);
    // Sam and Lee were just shown the 6 PM call; Ana still read 4 PM.
    for (const u of [sampleRoster[0]!.slackUserId, sampleRoster[1]!.slackUserId]) expect(drawnFor(u)).toContain('6:00 PM PDT – 11:00 PM PDT will not sail');
    expect(drawnFor(ANA)).toContain('4:00 PM PDT – 9:00 PM PDT will not sail');
    for (const u of sampleRoster.map((m) => m.slackUserId)) expect(drawnFor(u)).not.toContain('crew_confirm:');
  }));

it('with a crew channel: to 5 PM (reached the channel), back to 4 PM with a new guest name (reached it), to 6 PM (failed before its crew step); the office cancels: the channel reads 4 PM', () =>
  withProcess(withCrewChannel(), async (run) => {
    const booking = await doneBooking(run.B);
    const channelPost = booking.slack.crewPosts![CREW_CHANNEL_POST_KEY]!;
    await failsAfterCrewStep(run, booking.id, sampleRoster, 'reschedule', { departureTime: '17:00' });
    // A new guest name plans the calendar step, which refuses once the crew step has redrawn the channel.
    await failsAfterCrewStep(run, booking.id, sampleRoster, 'back', { departureTime: '16:00', guestName: 'Maria D' });
    await failsBeforeCrewStep(run, booking.id, sampleRoster, 'reschedule', { departureTime: '18:00' });
    world.slack.clear();

    await cancelled(run.B, booking.id);
    expectCancelledReading(booking.id, channelPost, '4:00 PM PDT – 9:00 PM PDT', '6:00 PM');
  }));

it("with a crew channel: Sam confirms a failed change's 5 PM, the next keeps his 5 PM and adds Kai: a click on his first call's r1 button is refused; after a change to 6 PM fails before its crew step, a cancel reads 5 PM", () =>
  withProcess(withCrewChannel(), async (run) => {
    const { B } = run;
    const booking = await doneBooking(B);
    const channelPost = booking.slack.crewPosts![CREW_CHANNEL_POST_KEY]!;
    const { record: f1 } = await failsAfterCrewStep(run, booking.id, sampleRoster, 'reschedule', { departureTime: '17:00' });
    const atX1 = f1.callRevisions![SAM]!;
    expect(atX1).toBe(f1.revision);
    const after = await B.service.confirmCrew(booking.id, SAM, { callRevision: atX1 });
    expect(after.confirmations[SAM]).toBeDefined();
    await redraw(run, after);
    const { record: f2 } = await failsAfterCrewStep(run, booking.id, [...sampleRoster, KAI], 'Kai on', { departureTime: '17:00' });
    // Sam still holds (and confirmed) x1's 5 PM: his call stays at x1's revision, and a button of
    // the 4 PM call he was first sent (r1: a reminder, an old Home tab) answers nothing.
    expect(f2.confirmations[SAM]).toBeDefined();
    expect(f2.callRevisions?.[SAM]).toBe(atX1);
    const stale = await B.service.declineCrew(booking.id, SAM, 'stale button', { callRevision: 1 });
    expect(stale.declines?.[SAM]).toBeUndefined();
    expect(stale.confirmations[SAM]).toBeDefined();

    await failsBeforeCrewStep(run, booking.id, [...sampleRoster, KAI], 'reschedule', { departureTime: '18:00' });
    world.slack.clear();

    await cancelled(B, booking.id);
    expectCancelledReading(booking.id, channelPost, '5:00 PM PDT – 10:00 PM PDT', '6:00 PM');
  }));

it("Ana's 48-hour reminder for Thu Jul 4 is out; a change to Fri Jul 5 fails before its crew step; the office cancels: the reminder is redrawn cancelled for Jul 4, as her post and note read", () =>
  withProcess(async (run) => {
    const { B } = run;
    const booking = await doneBooking(B);
    const anaCall = booking.slack.crewPosts![ANA]!;
    const sent = await run.client.chat.postMessage({ channel: anaCall.channel, text: 'Reminder: JADA, Thu, Jul 4, 2030, 4:00 PM' });
    expect((await B.service.claimReminder(booking.id, `dm48:${ANA}`, 'test', 60_000)).claimed).toBe(true);
    await B.service.markReminderSent(booking.id, `dm48:${ANA}`, 'test', undefined, { channel: anaCall.channel, ts: String(sent.ts) });
    await failsBeforeCrewStep(run, booking.id, sampleRoster, 'move', { date: '2030-07-05' });
    world.slack.clear();

    await cancelled(B, booking.id);
    const reminder = String(postAt({ channel: anaCall.channel, ts: String(sent.ts) })?.text);
    expect(reminder).toContain('cancelled');
    expect(reminder).toContain('Jul 4');
    expect(reminder).not.toContain('Jul 5');
    const { post, note } = readCancelled(booking.id, anaCall);
    expect(`${post} ${note}`).toContain('Jul 4');
  }));

it('a change moving the charter into the past by a typo fails before its crew step; the office cancels: each crew post reads its Jul 4 2030 call will not sail, and each member gets the note', () =>
  withProcess(async (run) => {
    const booking = await doneBooking(run.B);
    await failsBeforeCrewStep(run, booking.id, sampleRoster, 'typo', { date: '2026-12-01' });
    world.slack.clear();

    await cancelled(run.B, booking.id);
    for (const m of sampleRoster) {
      const { post, note } = readCancelled(booking.id, booking.slack.crewPosts![m.slackUserId]!);
      expect(post).toContain('will not sail');
      expect(post).toContain('Jul 4');
      expect(note).toContain('Jul 4');
    }
  }));

/**
 * Sam confirms a failed change's 5 PM; the next (5 PM, Kai on) fails after reaching the crew; two
 * change requests are rejected, which pushes the first change out of the four operations kept whole;
 * a change to `last` fails before its crew step. The office cancels.
 */
async function samConfirmedThenCompacted(run: Run, last: Partial<BookingRequest>): Promise<BookingRecord> {
  const { B } = run;
  const booking = await doneBooking(B);
  const { record: f1 } = await failsAfterCrewStep(run, booking.id, sampleRoster, 'reschedule', { departureTime: '17:00' });
  await redraw(run, await B.service.confirmCrew(booking.id, SAM, { callRevision: f1.callRevisions![SAM] }));
  await failsAfterCrewStep(run, booking.id, [...sampleRoster, KAI], 'Kai on', { departureTime: '17:00' });
  for (const label of ['no', 'no again']) {
    const { op } = await B.service.proposeChange(booking.id, { details: detailsWith([...sampleRoster, KAI], { departureTime: '19:00' }), label, userId: 'U0SOMEONE1' });
    await B.service.rejectChange(booking.id, op.id, APPROVER);
  }
  await failsBeforeCrewStep(run, booking.id, [...sampleRoster, KAI], 'typo', { departureTime: '17:00', ...last });
  const before = (await B.read(booking.id))!;
  expect(before.operations?.find((o) => o.id === f1.operations?.at(-1)?.id)?.compacted).toBe(true);
  // Each post's call is found by its digest, at the revisions each change stored: not a fallback.
  for (const [key, post] of Object.entries(before.slack.crewPosts ?? {})) {
    const found = callFoundOn(before, run.config, { key, call: post.call });
    expect([key, found.known, found.shown.request.departureTime]).toEqual([key, true, '17:00']);
  }
  world.slack.clear();
  await cancelled(B, booking.id);
  return booking;
}

it("Sam confirms a failed change's 5 PM, the next adds Kai at 5 PM and fails, two change requests are rejected (the first change is compacted), a typo to Dec 1 2026 fails before its crew step; the office cancels: Sam's post reads Jul 4 2030 and he gets the note", () =>
  withProcess(async (run) => {
    for (const last of [{ date: '2026-12-01' }, { departureTime: '18:00' }]) {
      const booking = await samConfirmedThenCompacted(run, last);
      const samPost = booking.slack.crewPosts![SAM]!;
      const { post, note } = readCancelled(booking.id, samPost);
      expect(post).toContain('Jul 4, 2030');
      expect(`${post} ${note}`).toContain('5:00 PM PDT – 10:00 PM PDT');
      expect(`${post} ${note}`).not.toMatch(/Dec 1|6:00 PM/);
    }
  }));

it('with a crew channel: the same run (the first change compacted) ends in a cancel: the channel reads 5 PM on Jul 4 2030 and gets the note', () =>
  withProcess(withCrewChannel(), async (run) => {
    for (const last of [{ date: '2026-12-01' }, { departureTime: '18:00' }]) {
      const booking = await samConfirmedThenCompacted(run, last);
      const { post, note } = readCancelled(booking.id, booking.slack.crewPosts![CREW_CHANNEL_POST_KEY]!);
      expect(post).toContain('Jul 4, 2030');
      expect(`${post} ${note}`).toContain('5:00 PM PDT – 10:00 PM PDT');
      expect(`${post} ${note}`).not.toMatch(/Dec 1|6:00 PM/);
    }
  }));

it("Lee's 48-hour reminder goes out for a failed change's 5 PM (r2); a change back to 4 PM reaches him (r3) and fails; a third settles 4 PM: the reminder is redrawn stale and its r2 button is refused", () =>
  withProcess(async (run) => {
    const { B } = run;
    const booking = await doneBooking(B);
    await failsAfterCrewStep(run, booking.id, sampleRoster, 'later', { departureTime: '17:00' });
    const reminder = await remindLee(run, booking.id);
    expect(JSON.stringify(postAt(reminder)?.blocks ?? [])).toContain(`crew_confirm:${LEE}`);
    const { record: back } = await failsAfterCrewStep(run, booking.id, sampleRoster, 'back', { departureTime: '16:00', guestName: 'Maria D' });
    expect(back.callRevisions?.[LEE]).toBe(back.revision);
    // The change that put 4 PM back redrew the 5 PM reminder: no live button on it.
    expect(JSON.stringify(postAt(reminder)?.blocks ?? [])).not.toContain(`crew_confirm:${LEE}`);
    const settled = await change(B, booking.id, sampleRoster, 'name', { departureTime: '16:00', guestName: 'Maria E' });
    const done = await untilOp(B, booking.id, settled, 'done');
    // Lee's post shows the call at the revision he holds: never below the r3 the run drew for him.
    expect(done.callRevisions?.[LEE]).toBe(back.revision);
    expect(drawn(booking.slack.crewPosts![LEE]!)).toContain(`:r${back.revision}`);
    expect((await B.service.confirmCrew(booking.id, LEE, { callRevision: 2 })).confirmations[LEE]).toBeUndefined();
    expect((await B.service.confirmCrew(booking.id, LEE, { callRevision: back.revision })).confirmations[LEE]).toBeDefined();
  }));

it("a change to 5 PM reaches the crew and fails, a typo to Dec 1 2026 fails before its crew step, and Sam's post kept no digest of its call; the office cancels: his post reads the 5 PM of Jul 4 2030 the run drew, and he gets the note", () =>
  withProcess(async (run) => {
    const { B } = run;
    const booking = await doneBooking(B);
    await failsAfterCrewStep(run, booking.id, sampleRoster, 'later', { departureTime: '17:00' });
    await failsBeforeCrewStep(run, booking.id, sampleRoster, 'typo', { date: '2026-12-01' });
    // Saved by a version that kept no digest: what the post shows is not known.
    await B.service.updateSlackRefs(booking.id, (slack) => ({ ...slack, crewPosts: { ...slack.crewPosts, [SAM]: { ...slack.crewPosts![SAM]!, call: undefined } } }));
    world.slack.clear();

    await cancelled(B, booking.id);
    const { post, note } = readCancelled(booking.id, booking.slack.crewPosts![SAM]!);
    expect(post).toContain('Jul 4, 2030');
    expect(`${post} ${note}`).toContain('5:00 PM PDT – 10:00 PM PDT');
    expect(`${post} ${note}`).not.toContain('Dec 1');
  }));

it("Lee's 48-hour reminder for 4 PM (r1) stands through two changes no post reached (to 5 PM, back to 4 PM with a new guest name); the change settling 4 PM redraws it with live buttons of his call as it stands", () =>
  withProcess(async (run) => {
    const { B } = run;
    const booking = await doneBooking(B);
    const reminder = await remindLee(run, booking.id);
    expect(JSON.stringify(postAt(reminder)?.blocks)).toContain(`${LEE}:r1`);
    // Slack refuses every redraw: neither change draws anything.
    world.slack.failNext('chat.update', 1000, 'internal_error');
    await failedChange(B, booking.id, sampleRoster, 'later', { departureTime: '17:00' });
    await failedChange(B, booking.id, sampleRoster, 'back', { departureTime: '16:00', guestName: 'Maria D' });
    world.slack.clear();
    const done = await untilOp(B, booking.id, await change(B, booking.id, sampleRoster, 'settle', { departureTime: '16:00', guestName: 'Maria D' }), 'done');
    const rev = done.callRevisions?.[LEE] ?? 1;
    // Whatever revision Lee now holds, the reminder that stands again carries it: his click is taken.
    expect(JSON.stringify(postAt(reminder)?.blocks)).toContain(`${LEE}:r${rev}`);
    expect(drawn(reminder)).toContain('4:00 PM');
    expect((await B.service.confirmCrew(booking.id, LEE, { callRevision: rev })).confirmations[LEE]).toBeDefined();
  }));

it("a 5 PM reminder sent while a change to 5 PM had failed is redrawn without buttons by the change settling 4 PM, when the change between (back to 4 PM) drew nothing", () =>
  withProcess(async (run) => {
    const { B } = run;
    const booking = await doneBooking(B);
    await failsAfterCrewStep(run, booking.id, sampleRoster, 'later', { departureTime: '17:00' });
    const reminder = await remindLee(run, booking.id);
    expect(JSON.stringify(postAt(reminder)?.blocks)).toContain(`crew_confirm:${LEE}`);
    world.slack.failNext('chat.update', 1000, 'internal_error');
    await failedChange(B, booking.id, sampleRoster, 'back', { departureTime: '16:00', guestName: 'Maria D' });
    world.slack.clear();
    await untilOp(B, booking.id, await change(B, booking.id, sampleRoster, 'settle', { departureTime: '16:00', guestName: 'Maria D' }), 'done');
    expect(JSON.stringify(postAt(reminder)?.blocks ?? [])).not.toContain(`crew_confirm:${LEE}`);
  }));
