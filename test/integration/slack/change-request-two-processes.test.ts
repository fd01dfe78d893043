/**
 * A change request decided in one process while another is still posting it (two instances, or
 * Lambda containers). The deciding process's redraw finds no message yet and draws nothing; the
 * posting process then draws the verdict and may fail. A later click on the buttons left showing
 * must heal the message even when it reaches the deciding process, which must not take its empty
 * redraw for one that drew the verdict.
 */
import { buildApp, type RunningApp } from '../../../src/app';
import { createLogger } from '../../../src/log';
import { SqliteBookingStore } from '../../../src/pipeline/sqlite-store';
import { blockActionPayload, SlackRequester } from '../../support/slack-requests';
import { APPROVER, changeRequestPostingSlowly, ephemeralsTo, OPS_CHANNEL, settle, startHarness, waitForBooking, type Harness } from './harness';

jest.setTimeout(90_000);

let h: Harness;
let second: RunningApp;
let secondStore: SqliteBookingStore;
let toSecond: SlackRequester;
beforeAll(async () => {
  h = await startHarness();
  if (h.config.store.kind !== 'sqlite') throw new Error('expected the SQLite store');
  secondStore = SqliteBookingStore.open(h.config.store.path);
  const built = await buildApp(h.config, { log: createLogger({ level: 'silent' }), store: secondStore, host: '127.0.0.1', slackClientOptions: { retryConfig: { retries: 0 } } });
  second = await built.start();
  toSecond = new SlackRequester({ url: second.url ?? '', signingSecret: h.config.slack.signingSecret! });
});
afterAll(async () => {
  await second?.stop();
  await h?.close();
});

const approveOnSecond = (value: string) => toSecond.interact(blockActionPayload({ userId: APPROVER, actionId: 'change_approve', value, channelId: OPS_CHANNEL }));
const blocksOf = (ts: string) => JSON.stringify(h.slack.messages(OPS_CHANNEL).find((m) => m.ts === ts)?.blocks ?? []);
const updatesOf = (ts: string) => h.slack.callsTo('chat.update').filter((c) => c.body.ts === ts).length;

it("a click on buttons left showing reaches the process that decided while the request was being posted: it redraws them away", async () => {
  const { id, opId } = await changeRequestPostingSlowly(h, 'BS-TWO1');
  // The posting process's redraw of the verdict fails every try: the buttons stay, marked for the watch.
  h.slack.failNext('chat.update', 4, 'internal_error', (b) => JSON.stringify(b.blocks ?? '').includes(`change-${opId}-decision`));
  await approveOnSecond(`${id}:${opId}`);
  const posted = await waitForBooking(h, id, (r) => r.operations?.find((o) => o.id === opId)?.requestTs !== undefined && r.slack.changeRequestsUndrawn?.[opId] !== undefined, 20_000);
  await settle(h);
  const ts = posted.operations!.find((o) => o.id === opId)!.requestTs!;
  expect(blocksOf(ts)).toContain('change_approve');

  const updatesBefore = updatesOf(ts);
  const start = ephemeralsTo(h, APPROVER).length;
  await approveOnSecond(`${id}:${opId}`);
  await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).slice(start).some((t) => t.startsWith('That change')), 20_000);
  await settle(h);
  expect(updatesOf(ts) - updatesBefore).toBe(1);
  expect(blocksOf(ts)).not.toContain('change_approve');
  expect(blocksOf(ts)).toContain(':white_check_mark: Approved by <@U0APPROVE1>');
});
