/**
 * On Lambda a progress update an invocation could not send before it was cut off (timed out,
 * frozen, killed) is redrawn by the one-minute schedule's tick: the handlers are the factories
 * src/lambda.ts and src/lambda-pipeline.ts export, the store is dynalite, Slack the stand-in over
 * HTTP. A cut-off invocation is one whose progress publisher stops (what Lambda's freeze does to
 * its queue) at the run's first step event; the run itself goes on to done.
 */
import type { SlackLambda } from '../../../src/lambda';
import type { PipelineLambda } from '../../../src/lambda-pipeline';
import { createLogger } from '../../../src/log';
import type { BookingRecord } from '../../../src/pipeline/types';
import { drawnUpToDate, UNDRAWN_RETRY_EVERY_MS } from '../../../src/slack/progress/drawn-mark';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { blockActionPayload, interactivityBody, SlackRequester } from '../../support/slack-requests';
import { functionUrlEvent, streamRecord } from './support';
import { useLambdaWorld } from './world';

jest.setTimeout(60_000);

const SIGNING_SECRET = 'lambda-redraw-signing-secret-012';
const APPROVER = 'U0APPROVE1';
const OPS_CHANNEL = 'C0OPS00001';
const TABLE = 'charter-bookings-redraw';
const TICK = { charterTick: 'periodic' } as const;

let slackFn: SlackLambda;
let pipelineFn: PipelineLambda;
const requester = new SlackRequester({ url: 'http://unused.invalid', signingSecret: SIGNING_SECRET });

// A call's deadline and the post's scaled down, so a claim a cut-off Slack function left lapses in seconds (2 × (0.5 + 1) s), not a minute.
const world = useLambdaWorld({ table: TABLE, signingSecret: SIGNING_SECRET, approver: APPROVER, opsChannel: OPS_CHANNEL, callTimeoutMs: 1000 });

beforeAll(async () => {
  slackFn = await world.slackFunction();
  pipelineFn = await world.pipelineFunction();
});




/** An instance whose progress updates stop at the run's first event: Lambda froze or killed it with them queued. */
async function cutOff<T extends SlackLambda | PipelineLambda>(fn: T, at: 'now' | 'first event'): Promise<T> {
  if (at === 'now') fn.app.built.progress.stop();
  else fn.app.built.service.onProgress(() => fn.app.built.progress.stop());
  return fn;
}


const streamOf = async (id: string) => ({ Records: [streamRecord(await world.rawItem(id))] });
const approveClick = (id: string) => interactivityBody(blockActionPayload({ userId: APPROVER, actionId: 'booking_approve', value: id, channelId: OPS_CHANNEL }));
const get = (id: string) => pipelineFn.app.built.service.get(id) as Promise<BookingRecord>;
const guestUrl = (id: string) => `${pipelineFn.app.config.guest.siteUrl}/g/${id}`;

async function approve(fn: SlackLambda, id: string): Promise<void> {
  const body = approveClick(id);
  expect((await fn.handle(functionUrlEvent(body, requester.headers(body)), {})).statusCode).toBe(200);
}

/** What the thread's progress message shows now, as Slack keeps it. */
function shown(booking: BookingRecord): string {
  const message = world.slackApi.messages(OPS_CHANNEL).find((m) => m.ts === booking.slack.progressTs);
  return String(message?.text ?? '');
}

const progressCalls = (id: string) => world.slackApi.calls.filter((c) => (c.method === 'chat.update' || c.method === 'chat.postMessage') && JSON.stringify(c.body).includes(id) && !JSON.stringify(c.body.blocks ?? []).includes('crew_confirm'));

/** A tick with every progress message drawn asks Slack nothing. */
async function expectQuietTick(): Promise<void> {
  world.slackApi.clear();
  await expect(pipelineFn.handle(TICK, {})).resolves.toEqual({ batchItemFailures: [] });
  expect(world.slackApi.calls.map((c) => c.method)).toEqual([]);
}

it('a run whose invocation was cut off before its progress updates: the next tick draws done with the guest URL, and a quiet tick makes no Slack call', async () => {
  // One booking run whole: its final draw is marked, and no tick redraws it.
  const whole = await slackFn.app.built.service.create(sampleNewBooking());
  await approve(slackFn, whole.id);
  await expect(pipelineFn.handle(await streamOf(whole.id), {})).resolves.toEqual({ batchItemFailures: [] });
  const wholeDone = await get(whole.id);
  expect(wholeDone.state).toBe('done');
  expect(shown(wholeDone)).toContain(guestUrl(whole.id));

  const booking = await slackFn.app.built.service.create(sampleNewBooking());
  await approve(slackFn, booking.id);
  const cut = await cutOff(await world.pipelineFunction(), 'first event');
  await expect(cut.handle(await streamOf(booking.id), {})).resolves.toEqual({ batchItemFailures: [] });
  const done = await get(booking.id);
  expect(done.state).toBe('done');
  // The thread still shows the message the approval posted: the run's updates never left.
  expect(shown(done)).not.toContain('6/6 steps done');
  expect(shown(done)).not.toContain(guestUrl(booking.id));
  expect(done.slack.progressDrawn).toBeUndefined();

  world.slackApi.clear();
  await expect(pipelineFn.handle(TICK, {})).resolves.toEqual({ batchItemFailures: [] });
  const redrawn = await get(booking.id);
  expect(shown(redrawn)).toContain('6/6 steps done');
  expect(shown(redrawn)).toContain(guestUrl(booking.id));
  expect(progressCalls(booking.id).map((c) => c.method)).toEqual(['chat.update']);
  expect(progressCalls(whole.id)).toEqual([]);
  // Each marked as drawn by its last write: what the quiet tick below goes by.
  expect(redrawn.slack.progressDrawn).toBe(redrawn.version - 1);
  expect(wholeDone.slack.progressDrawn).toBe(wholeDone.version - 1);

  await expectQuietTick();
});

it('a progress message never posted (the approving Slack function was cut off before its post, the run too): the tick posts it once the claim lapses', async () => {
  const booking = await slackFn.app.built.service.create(sampleNewBooking());
  await approve(await cutOff(await world.slackFunction(), 'now'), booking.id);
  const cut = await cutOff(await world.pipelineFunction(), 'first event');
  await expect(cut.handle(await streamOf(booking.id), {})).resolves.toEqual({ batchItemFailures: [] });
  const done = await get(booking.id);
  expect(done.state).toBe('done');
  expect(done.slack.progressTs).toBeUndefined();
  expect(done.slack.progressClaim).toBeDefined();

  world.slackApi.clear();
  await expect(pipelineFn.handle(TICK, {})).resolves.toEqual({ batchItemFailures: [] });
  const posted = await get(booking.id);
  expect(posted.slack.progressTs).toBeDefined();
  expect(progressCalls(booking.id).map((c) => c.method)).toEqual(['chat.postMessage']);
  expect(shown(posted)).toContain('6/6 steps done');
  expect(shown(posted)).toContain(guestUrl(booking.id));
  expect(posted.slack.progressDrawn).toBe(posted.version - 1);

  await expectQuietTick();
});

/** An hour passes for the tick's rest after failed draws: the failure's time moved back (the store's record, as a test can). */
async function anHourLater(id: string): Promise<void> {
  await pipelineFn.app.built.service.updateSlackRefs(id, (s) => (s.progressUndrawn ? { ...s, progressUndrawn: { ...s.progressUndrawn, atMs: s.progressUndrawn.atMs - UNDRAWN_RETRY_EVERY_MS } } : undefined));
}

it('a final update Slack refuses for good (the channel archived) is recorded, not marked: the tick leaves it for an hour, then heals the thread once the channel is back', async () => {
  const booking = await slackFn.app.built.service.create(sampleNewBooking());
  await approve(slackFn, booking.id);
  world.slackApi.failNext('chat.update', 1, 'is_archived', (body) => JSON.stringify(body).includes(booking.id) && String(body.text ?? '').includes('6/6 steps done'));
  await expect(pipelineFn.handle(await streamOf(booking.id), {})).resolves.toEqual({ batchItemFailures: [] });
  const done = await get(booking.id);
  expect(done.state).toBe('done');
  // Refused: the thread never showed done; the record says so, and is not marked drawn.
  expect(shown(done)).not.toContain('6/6 steps done');
  expect(drawnUpToDate(done)).toBe(false);
  expect(done.slack.progressUndrawn).toMatchObject({ code: 'is_archived', refused: true });

  // Within the hour the tick does not ask Slack again.
  world.slackApi.clear();
  await expect(pipelineFn.handle(TICK, {})).resolves.toEqual({ batchItemFailures: [] });
  expect(progressCalls(booking.id)).toEqual([]);

  // The operator unarchived the channel (the stand-in takes updates again); an hour on, the tick draws done.
  await anHourLater(booking.id);
  await expect(pipelineFn.handle(TICK, {})).resolves.toEqual({ batchItemFailures: [] });
  const healed = await get(booking.id);
  expect(progressCalls(booking.id).map((c) => c.method)).toEqual(['chat.update']);
  expect(shown(healed)).toContain('6/6 steps done');
  expect(drawnUpToDate(healed)).toBe(true);
  expect(healed.slack.progressUndrawn).toBeUndefined();

  world.slackApi.clear();
  await expect(pipelineFn.handle(TICK, {})).resolves.toEqual({ batchItemFailures: [] });
  expect(progressCalls(booking.id)).toEqual([]);
});

it('a redraw Slack keeps failing with an error it does not call a refusal: one try per tick, hourly after three failed ticks, logged once with what to check', async () => {
  const booking = await slackFn.app.built.service.create(sampleNewBooking());
  await approve(slackFn, booking.id);
  const approved = await get(booking.id);
  const restricted = () => world.slackApi.failNext('chat.update', 1000, 'restricted_action', (b) => b.ts === approved.slack.progressTs);
  const cut = await cutOff(await world.pipelineFunction(), 'first event');
  await expect(cut.handle(await streamOf(booking.id), {})).resolves.toEqual({ batchItemFailures: [] });
  expect((await get(booking.id)).state).toBe('done');

  const lines: string[] = [];
  const logged = createLogger({ level: 'info', pretty: false, destination: { write: (l: string) => void lines.push(l) } as never });
  const updates = () => world.slackApi.calls.filter((c) => c.method === 'chat.update' && c.body.ts === approved.slack.progressTs).length;
  for (let tick = 1; tick <= 4; tick++) {
    world.slackApi.clear();
    restricted();
    // A fresh instance each tick, as Lambda may give; it returns without waiting out a backoff.
    const fn = await world.pipelineFunction({ log: logged });
    await expect(fn.handle(TICK, {})).resolves.toEqual({ batchItemFailures: [] });
    // Three ticks try it once each; the fourth leaves it for the hour.
    expect(updates()).toBe(tick <= 3 ? 1 : 0);
    expect((await get(booking.id)).slack.progressUndrawn).toMatchObject({ code: 'restricted_action', refused: false, ticks: Math.min(tick, 3) });
  }
  const told = lines.filter((l) => l.includes('progress message not redrawn: Slack answered restricted_action'));
  expect(told).toHaveLength(1);
  expect(told[0]).toContain('once an hour');

  // Slack takes it again; an hour on, the tick draws done and marks it.
  world.slackApi.clear();
  await anHourLater(booking.id);
  await expect(pipelineFn.handle(TICK, {})).resolves.toEqual({ batchItemFailures: [] });
  const healed = await get(booking.id);
  expect(updates()).toBe(1);
  expect(shown(healed)).toContain('6/6 steps done');
  expect(drawnUpToDate(healed)).toBe(true);
  expect(healed.slack.progressUndrawn).toBeUndefined();
});
