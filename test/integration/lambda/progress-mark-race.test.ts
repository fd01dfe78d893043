/**
 * Two Slack-function instances redraw one finished booking's progress message for two crew
 * answers, and the older answer's update reaches Slack after the newer one's, which was marked
 * drawn. The late draw takes that mark back, so the next minute tick draws the thread as it is.
 * Handlers as src/lambda.ts and src/lambda-pipeline.ts export them; dynalite; Slack the stand-in
 * over HTTP, whose loseNext makes an update take effect late.
 */
import type { SlackLambda } from '../../../src/lambda';
import type { BookingRecord } from '../../../src/pipeline/types';
import { drawnUpToDate } from '../../../src/slack/progress/drawn-mark';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { blockActionPayload, interactivityBody, SlackRequester } from '../../support/slack-requests';
import { functionUrlEvent, streamRecord } from './support';
import { useLambdaWorld } from './world';

jest.setTimeout(90_000);

const SIGNING_SECRET = 'lambda-redraw-signing-secret-012';
const APPROVER = 'U0APPROVE1';
const OPS_CHANNEL = 'C0OPS00001';
const TABLE = 'charter-bookings-mark-race';
const TICK = { charterTick: 'periodic' } as const;
const LEE = 'U0CREW0001';
const ANA = 'U0CREW0002';

const requester = new SlackRequester({ url: 'http://unused.invalid', signingSecret: SIGNING_SECRET });

// A call's deadline long enough for the update below that answers 6 s late.
const world = useLambdaWorld({ table: TABLE, signingSecret: SIGNING_SECRET, approver: APPROVER, opsChannel: OPS_CHANNEL, callTimeoutMs: 10000 });





const streamOf = async (id: string) => ({ Records: [streamRecord(await world.rawItem(id))] });

async function click(fn: SlackLambda, payload: ReturnType<typeof blockActionPayload>): Promise<number> {
  const body = interactivityBody(payload);
  return (await fn.handle(functionUrlEvent(body, requester.headers(body)), {})).statusCode;
}

/** The thread's progress message as Slack keeps it. */
function shown(booking: BookingRecord): string {
  const message = world.slackApi.messages(OPS_CHANNEL).find((m) => m.ts === booking.slack.progressTs);
  return JSON.stringify(message?.blocks ?? message?.text ?? '');
}

const confirmedLine = (who: string) => `<@${who}> — :white_check_mark: confirmed`;

it('an older crew answer\'s redraw that lands after the newer one was marked: the next tick draws both answers', async () => {
  const slackA = await world.slackFunction();
  const slackB = await world.slackFunction();
  const pipelineFn = await world.pipelineFunction();
  const get = (id: string) => pipelineFn.app.built.service.get(id) as Promise<BookingRecord>;
  const booking = await slackA.app.built.service.create(sampleNewBooking());
  expect(await click(slackA, blockActionPayload({ userId: APPROVER, actionId: 'booking_approve', value: booking.id, channelId: OPS_CHANNEL }))).toBe(200);
  await pipelineFn.handle(await streamOf(booking.id), {});
  const done = await get(booking.id);
  expect(done.state).toBe('done');
  const leePost = done.slack.crewPosts![LEE]!;
  const anaPost = done.slack.crewPosts![ANA]!;

  // Lee's answer in instance A: its progress update takes effect 6 s late, and answers after that.
  let leeDrawSent = false;
  world.slackApi.loseNext('chat.update', 1, { effect: 6000, answer: { afterMs: 6100 }, when: (b) => (leeDrawSent ||= b.channel === OPS_CHANNEL && b.ts === done.slack.progressTs) });
  const leeClick = click(slackA, blockActionPayload({ userId: LEE, actionId: `crew_confirm:${LEE}`, value: `${booking.id}:${LEE}:r1`, channelId: leePost.channel, messageTs: leePost.ts }));
  // Ana answers once Lee's update has reached Slack (drawn before her answer).
  for (let i = 0; i < 200 && !leeDrawSent; i++) await new Promise((r) => setTimeout(r, 20));
  expect(leeDrawSent).toBe(true);
  // Ana's answer in instance B meanwhile: drawn at once, and marked.
  expect(await click(slackB, blockActionPayload({ userId: ANA, actionId: `crew_confirm:${ANA}`, value: `${booking.id}:${ANA}:r1`, channelId: anaPost.channel, messageTs: anaPost.ts }))).toBe(200);
  await slackB.app.built.settle();
  expect(await leeClick).toBe(200);
  await slackA.app.built.settle();
  await world.slackApi.lateEffectsLanded();

  const after = await get(booking.id);
  expect(Object.keys(after.confirmations).sort()).toEqual([LEE, ANA]);
  // Lee's older draw took effect last: the thread shows Ana not confirmed, and nothing says it is drawn.
  expect(shown(after)).toContain(confirmedLine(LEE));
  expect(shown(after)).not.toContain(confirmedLine(ANA));
  expect(drawnUpToDate(after)).toBe(false);

  world.slackApi.clear();
  await (await world.pipelineFunction()).handle(TICK, {});
  const healed = await get(booking.id);
  expect(shown(healed)).toContain(confirmedLine(LEE));
  expect(shown(healed)).toContain(confirmedLine(ANA));
  expect(drawnUpToDate(healed)).toBe(true);
  expect(world.slackApi.calls.filter((c) => c.method === 'chat.update' && c.body.ts === done.slack.progressTs)).toHaveLength(1);

  // Bounded: drawn and marked, the next tick leaves it alone.
  world.slackApi.clear();
  await (await world.pipelineFunction()).handle(TICK, {});
  expect(world.slackApi.calls.filter((c) => c.body.ts === done.slack.progressTs)).toEqual([]);
});
