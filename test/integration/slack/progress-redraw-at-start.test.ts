/**
 * A process that stopped before a finished booking's last progress update went out (a crash, a
 * kill, or a graceful stop whose drain Slack outlasted) leaves the thread showing an older state.
 * The next process to start redraws it from the stored record.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { startSlackApiStandin } from '../../../src/sandbox/slack-api-standin';
import { clickInOps, doneBooking, startHarness, submitBooking, waitForBooking } from './harness';

it("a restarted process brings a finished booking's stale thread to 'All set'", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'charter-redraw-'));
  const env = { CHARTER_STORE: `sqlite:${join(dir, 'charter.db')}` };
  const slack = await startSlackApiStandin();
  try {
    const first = await startHarness({ env, slack });
    const id = await doneBooking(first);
    const done = await first.running.built.store.get(id);
    await first.close();
    const { channel, progressTs } = done!.slack;
    expect(progressTs).toBeDefined();
    // What the thread showed when the process stopped: its last update never went out.
    await new WebClient('xoxb-test-bot-token', { slackApiUrl: slack.url }).chat.update({ channel, ts: progressTs!, text: 'Setting up: 4/6 steps done', blocks: [] });
    expect(slack.messages(channel).find((m) => m.ts === progressTs)?.text).toMatch(/^Setting up/);
    slack.clear();

    const second = await startHarness({ env, slack });
    try {
      await slack.waitFor((calls) => calls.some((c) => c.method === 'chat.update' && c.status === 200 && c.body.ts === progressTs));
      expect(slack.messages(channel).find((m) => m.ts === progressTs)?.text).toMatch(/^All set: 6\/6 steps done/);
      // Redrawn in place: no second progress message in the thread.
      expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
    } finally {
      await second.close();
    }
  } finally {
    await slack.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

it('a restarted process posts the progress message of a finished booking that Slack refused to post until the process stopped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'charter-redraw-'));
  const env = { CHARTER_STORE: `sqlite:${join(dir, 'charter.db')}` };
  const slack = await startSlackApiStandin();
  const isProgress = (body: Record<string, unknown>) => (body.metadata as { event_payload?: { post?: string } } | undefined)?.event_payload?.post === 'progress';
  try {
    const first = await startHarness({ env, slack });
    slack.failNext('chat.postMessage', 10_000, 'internal_error', isProgress);
    const id = await submitBooking(first);
    await clickInOps(first, 'booking_approve', id);
    const done = await waitForBooking(first, id, (b) => b.state === 'done');
    await first.close();
    expect(done.slack.progressTs).toBeUndefined();
    expect(done.slack.progressClaim).toBeDefined();
    slack.clear();

    const second = await startHarness({ env, slack });
    try {
      const posted = await waitForBooking(second, id, (b) => b.slack.progressTs !== undefined);
      const progress = slack.messages(done.slack.channel).filter((m) => m.ts === posted.slack.progressTs);
      expect(progress).toHaveLength(1);
      expect(progress[0]?.text).toMatch(/^All set: 6\/6 steps done/);
      expect(progress[0]?.thread_ts).toBe(done.slack.approvalTs);
    } finally {
      await second.close();
    }
  } finally {
    await slack.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
