/**
 * A guest page refresh that failed (CloudFront refusing) and a change approved after it, against
 * the real S3, CloudFront, SCC and dashboard stand-ins: the change must not wait behind the failed
 * refresh (a reschedule would reach neither calendar, SCC nor crew until someone retried the
 * refresh). The change takes the refresh over and uploads the page itself, even when its own
 * fields do not show on the page.
 */
import { APPROVER, clickInOps, CREW, doneBooking, ephemeralsTo, OPS_CHANNEL, proposeChange, settle, startHarness, VALID_FIELDS, waitForBooking, type Harness } from './harness';

jest.setTimeout(60_000);

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ real: true });
});
afterAll(async () => {
  await h.close();
});

const refresh = (id: string) => h.requester.command({ user_id: APPROVER, channel_id: OPS_CHANNEL, text: `refresh ${id}` });
const invalidationsOf = (id: string) => h.standins!.cloudfront.invalidations().filter((i) => i.callerReference.startsWith(id));
const progressOf = (id: string) =>
  h.slack
    .messages()
    .filter((m) => m.channel === OPS_CHANNEL && JSON.stringify(m.blocks ?? '').includes(`booking \`${id}\``))
    .map((m) => String(m.text))
    .at(-1);

async function failedRefresh(fields: typeof VALID_FIELDS): Promise<string> {
  const id = await doneBooking(h, fields);
  h.standins!.cloudfront.faults.inject('*', { kind: 'status', status: 403, body: '<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>' });
  h.slack.clear();
  await refresh(id);
  await h.slack.waitFor(() => ephemeralsTo(h, APPROVER).length === 1);
  expect(ephemeralsTo(h, APPROVER)[0]).toMatch(/^Refresh failed/);
  await settle(h);
  // CloudFront is back by the time the office changes the trip.
  h.standins!.cloudfront.faults.clear();
  return id;
}

it('a reschedule approved after a failed refresh runs at once: calendar, SCC and crew get the new time', async () => {
  const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-RTC1' };
  const id = await failedRefresh(fields);
  const opId = await proposeChange(h, id, 'reschedule', { ...fields, departureTime: '17:00' });
  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  const done = await waitForBooking(h, id, (b) => b.state === 'done');
  await settle(h);
  expect(done.request.departureTime).toBe('17:00');
  const ops = done.operations ?? [];
  expect(ops.find((o) => o.kind === 'refresh')).toMatchObject({ status: 'superseded', note: `replaced by ${opId}` });
  expect(ops.find((o) => o.id === opId)).toMatchObject({ status: 'done' });
  expect(Object.values(ops.find((o) => o.id === opId)?.steps ?? {}).every((s) => s.status === 'done')).toBe(true);
  const sccEvent = h.standins!.scc.events().find((e) => e.externalId === id);
  const calendarEntry = h.standins!.dashboard.entries().find((e) => e.externalId === id);
  expect(h.standins!.scc.patches().filter((p) => p.eventId === sccEvent?.eventId)).toHaveLength(1);
  expect(h.standins!.dashboard.changes().filter((c) => c.id === calendarEntry?.id && c.method === 'PATCH')).toHaveLength(1);
  expect(String(sccEvent?.body.departureTime)).toContain('T17:00');
  expect(String(calendarEntry?.body.start)).toContain('T17:00');
  expect(progressOf(id)).toMatch(/^All set/);
});

it('a crew swap (nothing the page shows) approved after a failed refresh also puts the page up again, with a new invalidation', async () => {
  const fields = { ...VALID_FIELDS, boatsetterRef: 'BS-RTC2' };
  const id = await failedRefresh(fields);
  const before = invalidationsOf(id).length;
  const opId = await proposeChange(h, id, 'crew swap', { ...fields, crew: [CREW[0]] });
  await clickInOps(h, 'change_approve', `${id}:${opId}`);
  const done = await waitForBooking(h, id, (b) => b.state === 'done');
  await settle(h);
  const change = done.operations?.find((o) => o.id === opId);
  expect(change?.status).toBe('done');
  expect(Object.keys(change?.steps ?? {})).toEqual(expect.arrayContaining(['scc_update', 'crew_notice', 'guest_page', 'guest_cache']));
  expect(change?.steps?.guest_cache?.status).toBe('done');
  expect(invalidationsOf(id).length).toBe(before + 1);
  expect(done.operations?.find((o) => o.kind === 'refresh')).toMatchObject({ status: 'superseded', note: `replaced by ${opId}` });
});
