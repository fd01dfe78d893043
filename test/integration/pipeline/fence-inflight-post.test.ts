/**
 * Two processes share a DynamoDB state table; A runs the crew step and is cut off from the table
 * while Slack is slow. A fences itself before its lease lapses, but a chat.postMessage it already
 * sent cannot be called back: Slack may store it seconds later. B takes the step over and must not
 * prove the post absent before it could have landed, or the crew member gets two crew calls and
 * only one is ever updated (after a cancel the other still says "please confirm", with buttons).
 * Scaled down: lease 1.5 s (production 15 s); A's DM stored 2.5 s after it is sent (within the
 * 10 s call deadline). dynalite (A behind a TCP proxy that hangs), the real crew step against the
 * Slack Web API stand-in.
 */
import { createLogger } from '../../../src/log';
import { CREATE_OP } from '../../../src/pipeline/op-steps';
import type { BookingRecord } from '../../../src/pipeline/types';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { postPayloadOf, startCrewProcess, useCrewWorld } from '../../fixtures/pipeline/crew-process';

jest.setTimeout(90_000);

const logLines: string[] = [];
const log = createLogger({ level: 'info', pretty: false, destination: { write: (l: string) => void logLines.push(l) } as never });
const TABLE = 'charter-fence-inflight';
const ANA = 'U0CREW0002';
const ANA_DM = 'D0CREW0002';
const world = useCrewWorld(TABLE);

const logged = (bookingId: string) => logLines.map((l) => JSON.parse(l) as { msg: string; bookingId?: string; proc?: string; via?: string; recipient?: string }).filter((l) => l.bookingId === bookingId);

/** A and B on one table, A cut off from it as its crew step starts (`whenCut` sets up Slack's side); B sweeps every 300 ms. */
async function partitionedRun(whenCut: () => void, after?: (B: ReturnType<typeof startCrewProcess>, booking: BookingRecord) => Promise<void>): Promise<{ booking: BookingRecord; done: BookingRecord }> {
  const { slack, dynalite, proxy, config } = world;
  let partitionedAt = 0;
  const A = startCrewProcess({
    name: 'A',
    endpoint: proxy.url,
    table: TABLE,
    slackUrl: slack.url,
    config,
    log,
    onBoundary: (step, boundary, _id, opId) => {
      if (step !== 'crew_notice' || boundary !== 'before' || opId !== CREATE_OP || partitionedAt) return;
      partitionedAt = Date.now();
      proxy.hang();
      whenCut();
    },
  });
  const B = startCrewProcess({ name: 'B', endpoint: dynalite.endpoint, table: TABLE, slackUrl: slack.url, config, log });
  const sweeping = setInterval(() => void B.service.resumeAll().catch(() => undefined), 300);
  try {
    const booking = await A.service.create(sampleNewBooking());
    await A.service.approve(booking.id, 'U0APPROVER1');
    let seen = await B.read(booking.id);
    while (seen?.state !== 'done') {
      expect(seen?.state).not.toBe('failed');
      await new Promise((r) => setTimeout(r, 100));
      seen = await B.read(booking.id);
    }
    // Whatever A sent has landed by now; a second post would show.
    await slack.lateEffectsLanded();
    await after?.(B, booking);
    return { booking, done: seen };
  } finally {
    clearInterval(sweeping);
    proxy.heal();
    await A.service.idle();
    await B.service.idle();
    await A.store.close();
    await B.store.close();
  }
}

it("a crew DM and the crew-called line in flight when A fences are found by B, not posted again; the saved posts are the live ones", async () => {
  const { slack } = world;
  let afterCancel: BookingRecord | undefined;
  const { booking, done } = await partitionedRun(
    () => {
      // A's call to Ana and its "Crew called" line: Slack stores each 2.5 s after it is sent and answers at 4 s.
      slack.loseNext('chat.postMessage', 1, { effect: 2500, answer: { afterMs: 4000 }, when: (b) => b.channel === ANA_DM });
      slack.loseNext('chat.postMessage', 1, { effect: 2500, answer: { afterMs: 4000 }, when: (b) => postPayloadOf(b).post === 'crew_called' });
    },
    async (B, created) => {
      // Then the office cancels the charter: every crew call it saved is redrawn as cancelled.
      await B.service.cancel(created.id, 'U0APPROVER1');
      while ((afterCancel = await B.read(created.id))?.state !== 'cancelled') {
        expect(afterCancel?.state).not.toBe('failed');
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  );

  const calls = slack.messages().filter((m) => postPayloadOf(m).booking_id === booking.id && postPayloadOf(m).post === 'crew_call');
  expect(calls.map((m) => postPayloadOf(m).to).sort()).toEqual(booking.roster.map((m) => m.slackUserId).sort());
  // A's late post is the one B found, saved and kept up to date.
  const anas = calls.filter((m) => postPayloadOf(m).to === ANA);
  expect(done.slack.crewPosts?.[ANA]).toMatchObject({ channel: ANA_DM, ts: anas[0]!.ts });
  expect(logged(booking.id).some((l) => l.proc === 'B' && l.msg === 'crew call posted' && l.recipient === ANA && l.via === 'earlier-attempt')).toBe(true);

  const lines = slack.messages().filter((m) => postPayloadOf(m).booking_id === booking.id && postPayloadOf(m).post === 'crew_called');
  expect(lines).toHaveLength(1);
  expect(done.slack.crewCalledTs).toBe(lines[0]!.ts);

  // No crew call is left asking anyone to confirm.
  for (const m of slack.messages().filter((x) => postPayloadOf(x).booking_id === booking.id && postPayloadOf(x).post === 'crew_call')) {
    expect(String(m.text)).toMatch(/^Cancelled/);
    expect(JSON.stringify(m.blocks ?? [])).not.toMatch(/crew_confirm|crew_decline/);
  }
});

it('a takeover whose earlier holder never sent the crew calls still posts each one, exactly once', async () => {
  const { slack } = world;
  // A's DM opens answer 5 s late, after it fenced: it sends no crew call at all.
  const { booking, done } = await partitionedRun(() => slack.slowNext('conversations.open', 3, 5000));
  await new Promise((r) => setTimeout(r, 500));
  await slack.lateEffectsLanded();

  const calls = slack.messages().filter((m) => postPayloadOf(m).booking_id === booking.id && postPayloadOf(m).post === 'crew_call');
  expect(calls.map((m) => postPayloadOf(m).to).sort()).toEqual(booking.roster.map((m) => m.slackUserId).sort());
  for (const m of calls) expect(done.slack.crewPosts?.[String(postPayloadOf(m).to)]).toMatchObject({ channel: m.channel, ts: m.ts });
  const posted = logged(booking.id).filter((l) => l.msg === 'crew call posted');
  expect(posted.filter((l) => l.proc === 'A')).toHaveLength(0);
  expect(done.steps.crew_notice).toMatchObject({ status: 'done', attempts: 2 });
});
