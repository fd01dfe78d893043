/**
 * What the progress message and `/charter status` say once a booking is cancelled (review s53 L8,
 * L9): a request cancelled before approval has no steps to list, and after a failed setup the
 * create's leftover steps are not work to do, nor is the fix its failed step's error gave. Real
 * Bolt receiver, signed requests, the Slack stand-in, the real steps against the integration stand-ins.
 */
import { blocksToText } from '../../../src/slack/blocks/to-text';
import { APPROVER, clickInOps, doneBooking, OPS_CHANNEL, proposeChange, settle, startHarness, submitBooking, VALID_FIELDS, waitForBooking, type Harness } from './harness';

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

it('a change a cancel stops mid-run: while the cancel runs, the change steps that will never run read as not needed', async () => {
  const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-O2-0001' };
  const id = await doneBooking(h, fields);
  const opId = await proposeChange(h, id, 'edit', { ...fields, partySize: '5' });
  // SCC holds the change's PATCH until the message has been drawn "stopping": the change is mid-run
  // when the cancel is asked, and stops there (a fixed latency could end before a busy machine draws it).
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  h.standins?.scc.faults.inject('PATCH *', { kind: 'hold', until: held }, { times: 1 });
  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === opId)?.steps?.scc_update?.status === 'running');
  const progressTs = (await h.running.built.api.get(id))!.slack.progressTs;
  const before = h.slack.calls.length;
  await clickInOps(h, 'booking_cancel', id);
  const stopping = await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === opId)?.status === 'stopping');
  const neverRun = Object.entries(stopping.operations!.find((o) => o.id === opId)!.steps ?? {}).filter(([, s]) => s?.status === 'pending');
  expect(neverRun.map(([name]) => name)).toContain('crew_notice');

  const status = await statusOf(id);
  const isStoppingDraw = (c: { method: string; body: Record<string, unknown> }) => c.method === 'chat.update' && c.body.ts === progressTs && blocksToText(c.body.blocks as never).includes('— stopping');
  try {
    await h.slack.waitFor((calls) => calls.slice(before).some(isStoppingDraw));
  } finally {
    release();
  }
  const progress = blocksToText(h.slack.calls.slice(before).filter(isStoppingDraw).at(-1)!.body.blocks as never);
  // A change the cancel stops is not being applied any more: the message is about the cancel.
  expect(progress).toMatch(/^\*Cancelling\* · booking/);
  for (const text of [progress, status]) {
    expect(text).toContain(':white_circle: Crew notified — not needed, cancelled');
    expect(text).not.toMatch(/— not run|— waiting/);
  }
  await waitForBooking(h, id, (b) => b.state === 'cancelled');
  await settle(h);
});
