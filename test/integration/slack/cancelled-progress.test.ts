/**
 * What the progress message and `/charter status` say once a booking is cancelled (review s53 L8,
 * L9): a request cancelled before approval has no steps to list, and after a failed setup the
 * create's leftover steps are not work to do, nor is the fix its failed step's error gave. Real
 * Bolt receiver, signed requests, the Slack stand-in, the real steps against the integration stand-ins.
 */
import { blocksToText } from '../../../src/slack/blocks/to-text';
import { APPROVER, clickInOps, OPS_CHANNEL, settle, startHarness, submitBooking, VALID_FIELDS, waitForBooking, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  // The real steps against the stand-ins: a cancel runs the lifecycle steps, which scripted steps lack.
  h = await startHarness({ real: true });
});
afterAll(async () => {
  await h.close();
});

async function progressText(id: string): Promise<string> {
  const ts = (await h.running.built.api.get(id))?.slack.progressTs;
  const message = h.slack.messages(OPS_CHANNEL).find((m) => m.ts === ts);
  return blocksToText((message?.blocks ?? []) as never);
}

async function statusOf(id: string): Promise<string> {
  const before = h.slack.callsTo('chat.postEphemeral').length;
  await h.requester.command({ user_id: APPROVER, channel_id: OPS_CHANNEL, text: `status ${id}` });
  await h.slack.waitFor((calls) => calls.filter((c) => c.method === 'chat.postEphemeral').length > before);
  return String(h.slack.callsTo('chat.postEphemeral')[before]?.body.text);
}

it('a request cancelled before approval: its progress message and status say nothing was booked, with no step rows', async () => {
  const id = await submitBooking(h, { ...VALID_FIELDS, boatsetterRef: 'BS-L8-0001' });
  await clickInOps(h, 'booking_cancel', id);
  await waitForBooking(h, id, (b) => b.state === 'cancelled' && b.slack.progressTs !== undefined);
  await settle(h);

  const progress = await progressText(id);
  expect(progress).toContain('Cancelled before approval: nothing was booked, so there is nothing to undo.');
  expect(progress).not.toMatch(/not run|Calendar entry|Crew notified/);
  const status = await statusOf(id);
  expect(status).toContain('*Steps* — none: cancelled before approval, nothing was booked');
  expect(status).not.toMatch(/not tried yet|pending/);
});

it('a charter cancelled after its setup failed: the steps it never ran are not needed, and the failed step gives no fix to act on', async () => {
  // SCC refuses the service key: the create fails at its SCC event, and the error says what to check.
  h.standins?.scc.faults.inject('POST /events', { kind: 'unauthorized' });
  try {
    const id = await submitBooking(h, { ...VALID_FIELDS, boatsetterRef: 'BS-L9-0001' });
    await clickInOps(h, 'booking_approve', id);
    const failed = await waitForBooking(h, id, (b) => b.state === 'failed');
    await settle(h);
    const fix = failed.steps.scc_event.error?.message ?? '';
    expect(await progressText(id)).toContain(fix);

    await clickInOps(h, 'booking_cancel', id);
    await waitForBooking(h, id, (b) => b.state === 'cancelled');
    await settle(h);

    const progress = await progressText(id);
    expect(progress).toContain(`:x: SCC event — failed before the cancel (\`${failed.steps.scc_event.error?.code}\`)`);
    expect(progress).toContain(':white_circle: Money removed from SCC — not needed, cancelled');
    expect(progress).toContain(':white_circle: Crew notified — not needed, cancelled');
    expect(progress).not.toContain(fix);
    expect(progress).not.toMatch(/— not run|waiting|needs /);
    const status = await statusOf(id);
    expect(status).toContain('• Money removed from SCC: not needed, cancelled\n');
    expect(status).toContain('• Crew notified: not needed, cancelled\n');
    expect(status).not.toContain('not tried yet');
  } finally {
    h.standins?.scc.faults.clear();
  }
});
