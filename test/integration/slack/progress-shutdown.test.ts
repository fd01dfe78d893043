/**
 * A graceful stop (SIGTERM: src/main.ts calls running.stop()) while a booking's run is still under
 * way: the run is let finish, and the thread gets its final update before the process exits.
 */
import { Writable } from 'node:stream';
import { LogLevel, WebClient, type Logger } from '@slack/web-api';
import { createLogger } from '../../../src/log';
import type { BookingApi } from '../../../src/pipeline/api';
import type { BookingRecord } from '../../../src/pipeline/types';
import { startSlackApiStandin } from '../../../src/sandbox/slack-api-standin';
import { postClaimRule } from '../../../src/slack/progress/post-claim';
import { ProgressPublisher } from '../../../src/slack/progress/publisher';
import { sampleRecord } from '../../fixtures/pipeline/booking';
import { APPROVER, clickInOps, startHarness, submitBooking, waitForBooking } from './harness';

it("a run that ends during a graceful stop still brings its thread to 'All set'", async () => {
  const h = await startHarness();
  h.steps.set('calendar', { delayMs: 1500 });
  const id = await submitBooking(h);
  await clickInOps(h, 'booking_approve', id, APPROVER);
  // The message is up and the guest page live; the calendar step is still running.
  const b = await waitForBooking(h, id, (r) => r.slack.progressTs !== undefined && r.steps.guest_cache.status === 'done');
  expect(b.steps.calendar.status).toBe('running');

  await h.close(); // running.stop(), then the stand-ins

  const sends = h.slack.calls.filter((c) => c.status === 200 && ((c.method === 'chat.update' && c.body.ts === b.slack.progressTs) || (c.method === 'chat.postMessage' && c.response.ts === b.slack.progressTs)));
  expect(String(sends.at(-1)?.body.text)).toMatch(/^All set: 6\/6 steps done/);
  expect(h.logLines.join('')).not.toContain('not up to date');
});

/** The WebClient warns when the stand-in drops the call it held; after the test, jest would complain. */
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} };

it('a stop waits for a hung Slack only as long as its deadline, and names the threads left behind', async () => {
  const slack = await startSlackApiStandin();
  const lines: string[] = [];
  const base = sampleRecord('HUNGSTOP0001');
  const record: BookingRecord = { ...base, state: 'done', slack: { channel: 'C0OPS00001', approvalTs: '1800000000.000100', progressTs: '1800000000.000200' } };
  const publisher = new ProgressPublisher({
    ownerId: 'test-host-1-0000aaaa',
    postClaim: postClaimRule({ callTimeoutMs: 10_000, postDeadlineMs: 24_000 }),
    client: new WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 }, timeout: 30_000, logger: quiet }),
    api: { get: async () => record } as unknown as BookingApi,
    log: createLogger({ level: 'info', destination: new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(chunk.toString()), cb()) }) }),
    render: (b) => ({ text: b.state, blocks: [] }),
  });
  try {
    slack.hang('chat.update');
    publisher.notify(record.id, { final: true, record });
    const startedAt = Date.now();
    await publisher.drain(300);
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    expect(lines.join('')).toMatch(/"bookingIds":\["HUNGSTOP0001"\].*not up to date/);
  } finally {
    await slack.close();
  }
});
