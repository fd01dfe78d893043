/**
 * The SQLite store is locked by another process (a backup, a stuck admin session) from the moment
 * the crew step starts, for longer than twice the store retry budget. The crew calls go out; saving
 * where they are fails, then so does recording the failed attempt, and the run stops. The sweeper in
 * the same process takes its own step up again once the lock is gone: that attempt must find the
 * calls it made, not call every crew member a second time.
 * The real app (HTTP receiver, real crew step and PostOnce) against the Slack Web API stand-in; the
 * lock is a real EXCLUSIVE transaction held by a child process.
 * Scaled down: store retry budget 3 s (production 60 s), sweep every 500 ms (production 5 s).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CREATE_OP } from '../../../src/pipeline/op-steps';
import { spawnWorker } from '../../fixtures/pipeline/spawn-worker';
import { clickInOps, crewPostPayloadOf, settle, startHarness, submitBooking, waitForBooking, type Harness } from './harness';

jest.setTimeout(60_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-store-lock-crew-'));
let h: Harness | undefined;
afterAll(async () => {
  await h?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('a store locked past twice the retry budget mid crew step: each crew member gets one crew call, the ops thread one line', async () => {
  const dbFile = path.join(dir, 'charter.db');
  const locker = spawnWorker('sqlite-locker.ts', { DB_FILE: dbFile, HOLD_MS: '15000' });
  let locked = false;
  try {
    const harness = await startHarness({
      env: { CHARTER_STORE: `sqlite:${dbFile}`, CHARTER_SWEEP_MS: '500' },
      deps: {
        runner: {
          baseDelayMs: 5,
          maxDelayMs: 20,
          maxAttempts: 2,
          storeRetry: { budgetMs: 3000 },
          onBoundary: async (step, boundary, _id, opId) => {
            if (step !== 'crew_notice' || boundary !== 'before' || opId !== CREATE_OP || locked) return;
            locked = true;
            locker.child.stdin?.write('lock\n');
            expect(await locker.nextLine()).toBe('locked');
          },
        },
      },
    });
    h = harness;
    expect(await locker.nextLine()).toBe('ready');

    const id = await submitBooking(harness);
    await clickInOps(harness, 'booking_approve', id);
    const b = await waitForBooking(harness, id, (r) => r.state === 'done' || r.state === 'failed', 45_000);
    await settle(harness);
    expect(await locker.exited).toBe(0);

    const posts = (kind: string) => harness.slack.callsTo('chat.postMessage').filter((c) => crewPostPayloadOf(c.body).booking_id === id && crewPostPayloadOf(c.body).post === kind);
    const calledTo = posts('crew_call').map((c) => String(crewPostPayloadOf(c.body).to));
    expect(b.state).toBe('done');
    expect(b.steps.crew_notice.attempts).toBeGreaterThan(1); // the run did stop mid step
    expect(calledTo.sort()).toEqual(b.roster.map((m) => m.slackUserId).sort());
    expect(posts('crew_called')).toHaveLength(1);
    // The second attempt adopted the calls it found and saved where they are.
    for (const m of b.roster) expect(b.slack.crewPosts?.[m.slackUserId]?.ts).toBeDefined();
  } finally {
    locker.child.kill();
  }
});
