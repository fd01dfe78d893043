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
import { doneBooking, startHarness } from './harness';

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
