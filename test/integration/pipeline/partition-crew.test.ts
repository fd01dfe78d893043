/**
 * Two processes share a DynamoDB state table. Process A runs the crew step and is cut off from the
 * table (a network partition: its requests hang) while Slack is slow to answer it. A's renewals
 * fail — they never say "lost" — and its lease runs out; B's sweeper takes the step over and calls
 * the crew. A must stop on its own before its lease lapses (self-fencing), not go on and call the
 * crew a second time when Slack finally answers it.
 * Scaled down: lease 1.5 s (production 15 s); A's DM opens answered 5 s late (production: a Slack
 * call that needs its retries, up to ~30 s within the 45 s attempt deadline).
 * dynalite (A behind a TCP proxy that hangs), the real crew step against the Slack Web API stand-in.
 */
import { createLogger } from '../../../src/log';
import { CREATE_OP } from '../../../src/pipeline/op-steps';
import type { BookingRecord } from '../../../src/pipeline/types';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { postPayloadOf, startCrewProcess, useCrewWorld } from '../../fixtures/pipeline/crew-process';

jest.setTimeout(60_000);

const logLines: string[] = [];
const log = createLogger({ level: 'info', pretty: false, destination: { write: (l: string) => void logLines.push(l) } as never });
const TABLE = 'charter-partition';
const world = useCrewWorld(TABLE);


it('a lease holder cut off from the store stops before its lease lapses: the crew are called once, by the process that took over', async () => {
  let partitionedAt = 0;
  const A = startCrewProcess({
    name: 'A',
    endpoint: world.proxy.url,
    table: TABLE,
    slackUrl: world.slack.url,
    config: world.config,
    log,
    onBoundary: (step, boundary, _id, opId) => {
      if (step !== 'crew_notice' || boundary !== 'before' || opId !== CREATE_OP || partitionedAt) return;
      partitionedAt = Date.now();
      world.proxy.hang();
      world.slack.slowNext('conversations.open', 3, 5000);
    },
  });
  const B = startCrewProcess({ name: 'B', endpoint: world.dynalite.endpoint, table: TABLE, slackUrl: world.slack.url, config: world.config, log });
  // B's sweeper, every 300 ms.
  const sweeping = setInterval(() => void B.service.resumeAll().catch(() => undefined), 300);
  try {
    const booking = await A.service.create(sampleNewBooking());
    await A.service.approve(booking.id, 'U0APPROVER1');
    let seen: BookingRecord | undefined;
    while ((seen = await B.read(booking.id))?.state !== 'done') {
      expect(seen?.state).not.toBe('failed');
      await new Promise((r) => setTimeout(r, 100));
    }
    // A's slow DM opens answer 5 s after the partition; it is still cut off, and must post nothing.
    await new Promise((r) => setTimeout(r, Math.max(0, partitionedAt + 6000 - Date.now())));
    const calls = world.slack.messages().filter((m) => postPayloadOf(m).booking_id === booking.id && postPayloadOf(m).post === 'crew_call');
    expect(calls.map((m) => postPayloadOf(m).to).sort()).toEqual(booking.roster.map((m) => m.slackUserId).sort());
    const fenced = logLines.map((l) => JSON.parse(l) as { msg: string; proc?: string }).filter((l) => l.proc === 'A' && /about to lapse/.test(l.msg));
    expect(fenced).toHaveLength(1);
    const done = (await B.read(booking.id))!;
    expect(done.steps.crew_notice).toMatchObject({ status: 'done', attempts: 2 });
  } finally {
    clearInterval(sweeping);
    world.proxy.heal();
    await A.service.idle();
    await B.service.idle();
    await A.store.close();
    await B.store.close();
  }
});
