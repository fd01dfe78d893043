/**
 * What a change request's message says once its fate is decided: approved (no stale run status),
 * replaced by a change approved after it, refused as older than an approved change that waits, or
 * dropped by a cancel (no buttons left, and an old click says why). Real Bolt receiver, signed
 * requests, the stand-ins.
 */
import { APPROVER, CREW, clickInOps, doneBooking, ephemeralsTo, OUTSIDER, proposeChange, settle, startHarness, submitChangeForm, VALID_FIELDS, waitForBooking, type Harness } from './harness';

jest.setTimeout(60_000);

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ real: true });
});
afterAll(async () => {
  await h.close();
});

const year = new Date().getUTCFullYear() + 1;
const ephemeralTo = (user: string) => ephemeralsTo(h, user);
const proposed = (id: string, label: string, fields: Record<string, string | string[] | undefined>) => proposeChange(h, id, label, fields);

/** A done booking with an approved change (party of 5) still running: SCC holds its PATCH 4 s. */
async function withChangeRunning(ref: string) {
  const fields = { ...VALID_FIELDS, boatsetterRef: ref };
  const id = await doneBooking(h, fields);
  const x = await proposed(id, 'edit', { ...fields, partySize: '5' });
  h.standins!.scc.faults.inject('PATCH *', { kind: 'latency', ms: 4000 }, { times: 1 });
  await clickInOps(h, 'change_approve', `${id}:${x}`);
  await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === x)?.status === 'running');
  return { id, fields: { ...fields, partySize: '5' } };
}

/** The last text the request message of `opId` was given (its decision line). */
async function requestText(id: string, opId: string): Promise<string> {
  const ts = (await h.running.built.api.get(id))?.operations?.find((o) => o.id === opId)?.requestTs;
  return JSON.stringify(h.slack.callsTo('chat.update').filter((c) => c.body.ts === ts).at(-1)?.body.blocks ?? []);
}

/** The decision line the request message of `opId` was last drawn with. */
async function verdictOf(id: string, opId: string): Promise<string | undefined> {
  const blocks = JSON.parse(await requestText(id, opId)) as { type: string; block_id?: string; elements?: { text?: string }[] }[];
  return blocks.find((b) => b.type === 'context' && b.block_id?.endsWith(`change-${opId}-decision`))?.elements?.[0]?.text;
}

it('an approved change that has run reads "Approved by … at …", with no run status to go stale', async () => {
  const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-MSG1' };
  const id = await doneBooking(h, fields);
  const op = await proposed(id, 'edit', { ...fields, partySize: '5' });
  await clickInOps(h, 'change_approve', `${id}:${op}`);
  await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === op)?.status === 'done');
  await settle(h);
  const text = await requestText(id, op);
  expect(text).toMatch(/:white_check_mark: Approved by <@U0APPROVE1> at [^"]*(PST|PDT)"/);
  expect(text).not.toMatch(/queued|running/);
});

it('while a change runs: approving an older request after a newer one is refused; the newer one runs', async () => {
  // A change that keeps running while the two requests are decided.
  const { id, fields } = await withChangeRunning('BS-MSG2');
  const a = await proposed(id, 'reschedule', { ...fields, date: `${year}-07-05` });
  const b = await proposed(id, 'crew swap', { ...fields, crew: [CREW[0], OUTSIDER] });
  await clickInOps(h, 'change_approve', `${id}:${b}`);
  await waitForBooking(h, id, (r) => r.operations?.find((o) => o.id === b)?.status === 'queued');
  await clickInOps(h, 'change_approve', `${id}:${a}`);
  await h.slack.waitFor(() => ephemeralTo(APPROVER).some((t) => t.includes('made before a later change was approved')));

  const done = await waitForBooking(h, id, (r) => r.operations?.find((o) => o.id === b)?.status === 'done', 20_000);
  await settle(h);
  expect(done.roster.map((m) => m.slackUserId)).toContain(OUTSIDER);
  expect(done.operations?.find((o) => o.id === a)?.status).toBe('superseded');
  expect(await requestText(id, a)).toContain('Not applied: it was made before a later change was approved');
  // The approver reads the reason the message shows, word for word.
  const told = ephemeralTo(APPROVER).find((t) => t.includes('made before a later change was approved'))!;
  expect(await verdictOf(id, a)).toBe(`:leftwards_arrow_with_hook: ${told}`);
});

it('a change made from the same form as an approved change that waits, and undoing it: the approver, the message and a later click give one reason', async () => {
  const { id, fields } = await withChangeRunning('BS-MSG5');
  // One person reschedules, another edits the notes from the same form: the notes edit would put the old date back.
  const a = await proposed(id, 'reschedule', { ...fields, date: `${year}-07-05` });
  const b = await proposed(id, 'edit', { ...fields, notes: 'other notes' });
  await clickInOps(h, 'change_approve', `${id}:${a}`);
  await waitForBooking(h, id, (r) => r.operations?.find((o) => o.id === a)?.status === 'queued');
  const start = ephemeralTo(APPROVER).length;
  await clickInOps(h, 'change_approve', `${id}:${b}`);
  await h.slack.waitFor(() => ephemeralTo(APPROVER).slice(start).some((t) => t.startsWith('Not applied')));
  const told = ephemeralTo(APPROVER).slice(start).find((t) => t.startsWith('Not applied'))!;
  await waitForBooking(h, id, (r) => r.operations?.find((o) => o.id === a)?.status === 'done', 20_000);
  await settle(h);
  expect(told).toBe(
    'Not applied: it was made from the same booking details as another approved change that had not run yet, and would have undone it. Once that change has been applied (see the progress message), open *Edit* on the booking again to make this one from the booking as it is then.',
  );
  expect(await verdictOf(id, b)).toBe(`:leftwards_arrow_with_hook: ${told}`);

  await clickInOps(h, 'change_approve', `${id}:${b}`);
  await h.slack.waitFor(() => ephemeralTo(APPROVER).slice(start).some((t) => t.startsWith('That change')));
  expect(ephemeralTo(APPROVER).slice(start).find((t) => t.startsWith('That change'))).toBe(told.replace(/^Not applied/, 'That change was not applied'));
});

it('a request the cancel dropped loses its buttons and says so; an old click is told why', async () => {
  const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-MSG3' };
  const id = await doneBooking(h, fields);
  const op = await proposed(id, 'reschedule', { ...fields, date: `${year}-07-06` });
  await clickInOps(h, 'booking_cancel', id);
  await waitForBooking(h, id, (b) => b.state === 'cancelled');
  await settle(h);
  const text = await requestText(id, op);
  expect(text).toContain(':x: Not applied: the charter was cancelled.');
  expect(text).not.toContain('change_approve');

  await clickInOps(h, 'change_approve', `${id}:${op}`);
  await h.slack.waitFor(() => ephemeralTo(APPROVER).includes('That change was not applied: the charter was cancelled.'));
});

it('approving a newer request while an older approved one waits replaces it, and both the message and the approver say so', async () => {
  const { id, fields } = await withChangeRunning('BS-MSG4');
  const a = await proposed(id, 'reschedule', { ...fields, date: `${year}-07-05` });
  await clickInOps(h, 'change_approve', `${id}:${a}`);
  await waitForBooking(h, id, (r) => r.operations?.find((o) => o.id === a)?.status === 'queued');
  const b = await proposed(id, 'crew swap', { ...fields, date: `${year}-07-05`, crew: [CREW[0], OUTSIDER] });
  await clickInOps(h, 'change_approve', `${id}:${b}`);
  await h.slack.waitFor(() => ephemeralTo(APPROVER).some((t) => t.startsWith('Approved. It replaces the earlier change that had not run yet (reschedule approved by <@U0APPROVE1>)')));
  await waitForBooking(h, id, (r) => r.operations?.find((o) => o.id === b)?.status === 'done', 20_000);
  await settle(h);
  expect(await requestText(id, a)).toMatch(/Approved by <@U0APPROVE1> at [^"]*, then replaced by a newer change before it ran/);
});

it('a sixth change request while five wait is refused in the form, naming what to do; deciding one makes room', async () => {
  const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-CRM9' };
  const id = await doneBooking(h, fields);
  const ops: string[] = [];
  for (let i = 1; i <= 5; i++) ops.push(await proposeChange(h, id, 'edit', { ...fields, partySize: String(i) }));
  const refused = await submitChangeForm(h, id, 'edit', { ...fields, partySize: '6', guestName: 'Six' });
  expect(refused.json).toEqual({ response_action: 'errors', errors: { guestName: `Booking \`${id}\` already has 5 change requests waiting: approve or reject one of them first (they are in the booking's thread).` } });
  expect((await h.running.built.api.get(id))!.operations!.filter((o) => o.status === 'proposed')).toHaveLength(5);
  await clickInOps(h, 'change_reject', `${id}:${ops[0]}`);
  await waitForBooking(h, id, (b) => b.operations?.find((o) => o.id === ops[0])?.status === 'rejected');
  await proposeChange(h, id, 'edit', { ...fields, partySize: '2', guestName: 'After room' });
});
