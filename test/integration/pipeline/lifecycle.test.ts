/**
 * Operations after approval against the real local servers (dashboard and SCC stand-ins over HTTP,
 * dynalite for SCC's item, s3rver, the CloudFront stand-in, the guest site through the edge function):
 * cancel after done, cancel while the create runs, reschedule, two changes in a row, a change approved
 * while the create runs. The steps are the production ones except crew_notice (Slack's; here a
 * recording server with lookup-before-post, one notice per operation).
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { computeCosts } from '../../../src/booking/costs';
import type { BookingRequest } from '../../../src/booking/types';
import { IntegrationError } from '../../../src/integrations/errors';
import { createLogger } from '../../../src/log';
import { operationsOf } from '../../../src/pipeline/operations';
import { BookingService } from '../../../src/pipeline/service';
import type { SqliteBookingStore } from '../../../src/pipeline/sqlite-store';
import type { BookingDetails, BookingRecord } from '../../../src/pipeline/types';
import { type Standins } from '../../../src/sandbox/standins';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { type RecordingServer } from '../../fixtures/pipeline/recording-server';
import { type SandboxSteps } from '../../fixtures/pipeline/sandbox-steps';
import { useSandboxWorld } from '../../fixtures/pipeline/sandbox-world';
import { RATES, sampleRequest, sampleRoster } from '../../support/booking';

jest.setTimeout(120_000);

const APPROVER = 'U0APPROVER1';
const log = createLogger({ level: 'silent', pretty: false });
const world = useSandboxWorld('lifecycle');
let standins: Standins;
let notices: RecordingServer;
let store: SqliteBookingStore;
let sandbox: SandboxSteps;
let ddb: DynamoDBClient;

beforeAll(() => {
  ({ standins, notices, store, sandbox } = world);
  ddb = new DynamoDBClient({ endpoint: standins.env.AWS_ENDPOINT_URL_DYNAMODB, region: 'us-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});

afterAll(() => {
  ddb.destroy();
});

const service = (ownerId = 'test') => new BookingService({ store, steps: sandbox.steps, log, autoRun: false, ownerId, leaseMs: 2000, baseDelayMs: 5 });

/** The production steps, but the guest page upload is refused while `refused()` says so (S3 denying the write). */
function serviceRefusingPage(refused: () => boolean) {
  const steps = {
    ...sandbox.steps,
    guest_page: async (ctx: Parameters<SandboxSteps['steps']['guest_page']>[0]) => {
      if (refused()) throw new IntegrationError('S3 refused the upload', { code: 'S3_ACCESS_DENIED', retryable: false, system: 'S3', operatorMessage: 'S3 refused the upload' });
      return sandbox.steps.guest_page(ctx);
    },
  };
  return new BookingService({ store, steps, log, autoRun: false, ownerId: 'page-refused', leaseMs: 2000, baseDelayMs: 5 });
}

/** The cancelled notice's opening sentence, as text. */
const lede = (html: string) => /<p class="lede">([\s\S]*?)<\/p>/.exec(html)?.[1]?.replace(/<[^>]+>/g, '') ?? '';

async function doneBooking(): Promise<BookingRecord> {
  const s = service();
  const booking = await s.create(sampleNewBooking());
  await s.approve(booking.id, APPROVER);
  const done = await s.run(booking.id);
  expect(done.state).toBe('done');
  return done;
}

function details(overrides: Partial<BookingRequest>, roster = sampleRoster): BookingDetails {
  const request = sampleRequest({ ...overrides, crew: roster.filter((m) => m.role === 'crew').map((m) => m.slackUserId) });
  return { request, roster, costs: computeCosts({ grossCents: request.priceCents, crewCount: request.crew.length, crewHours: request.crewHours, captainHours: request.captainHours }, RATES) };
}

/** What each outside system holds or received for one booking. */
async function artifacts(record: BookingRecord) {
  const id = record.id;
  const calendarId = record.steps.calendar.result?.calendarId;
  const eventId = String(record.steps.scc_event.result?.eventId ?? '');
  const item = (await ddb.send(new GetItemCommand({ TableName: standins.env.SCC_EVENTS_TABLE, Key: { eventId: { S: eventId } }, ConsistentRead: true }))).Item;
  const page = await fetch(`${standins.guestSite.url}/g/${id}`);
  const ics = await fetch(`${standins.guestSite.url}/g/${id}.ics`);
  return {
    calendarEntries: standins.dashboard.entries().filter((e) => e.externalId === id),
    calendarPatches: standins.dashboard.changes().filter((c) => c.id === calendarId && c.method === 'PATCH'),
    calendarDeletes: standins.dashboard.changes().filter((c) => c.id === calendarId && c.method === 'DELETE'),
    sccEvents: standins.scc.events().filter((e) => e.externalId === id),
    sccPatches: standins.scc.patches().filter((p) => p.eventId === eventId),
    sccItem: item,
    invalidations: standins.cloudfront.invalidations().filter((i) => i.callerReference.startsWith(id)),
    page: { status: page.status, html: await page.text() },
    ics: await ics.text(),
    notices: notices.effects.filter((e) => String(e.body.externalId).startsWith(id)),
  };
}

const MONEY_ATTRIBUTES = ['captainFee', 'crewCost', 'revenue', 'netRevenue', 'portFees'];

describe('cancel', () => {
  it('after done: one DELETE, one SCC cancel PATCH (then a clean item), the cancelled notice at the guest URL, one new invalidation, one crew notice — repeated clicks change nothing', async () => {
    const done = await doneBooking();
    const before = await artifacts(done);
    expect(before.page.html).toContain('Ahoy');

    // Double clicks in two processes and a Slack retry: one cancel operation, one winner.
    const [a, b, c] = await Promise.all([service('p1').cancel(done.id, APPROVER), service('p2').cancel(done.id, APPROVER), service('p1').cancel(done.id, 'U0APPROVER2')]);
    expect([a, b, c].filter((o) => o.won)).toHaveLength(1);
    expect([a, b, c].filter((o) => !o.won).every((o) => !o.won && o.reason === 'already_done')).toBe(true);

    const cancelled = await service('p1').run(done.id);
    expect(cancelled.state).toBe('cancelled');
    // Running again (a sweeper, a stream redelivery) finds nothing to do.
    await service('p3').run(done.id);
    expect((await service().cancel(done.id, APPROVER)).won).toBe(false);

    const after = await artifacts((await store.get(done.id))!);
    expect(after.calendarEntries).toHaveLength(0);
    expect(after.calendarDeletes).toHaveLength(1);
    expect(after.sccPatches).toEqual([{ eventId: expect.any(String), body: { status: 'cancelled' } }]);
    expect(after.sccEvents[0]?.body.status).toBe('cancelled');
    for (const attr of MONEY_ATTRIBUTES) expect(after.sccItem?.[attr]).toBeUndefined();
    expect(after.sccItem?.status?.S).toBe('cancelled');
    expect(after.page.status).toBe(200);
    expect(after.page.html).toContain('This charter was cancelled');
    expect(after.page.html).not.toContain('Ahoy');
    expect(after.ics).toContain('STATUS:CANCELLED');
    expect(after.invalidations).toHaveLength(before.invalidations.length + 1);
    expect(after.notices.map((n) => n.body.kind)).toEqual(['create', 'cancel']);

    const ops = operationsOf(cancelled);
    expect(ops.map((o) => [o.kind, o.status])).toEqual([
      ['create', 'done'],
      ['cancel', 'done'],
    ]);
    expect(ops[1]).toMatchObject({ requestedBy: APPROVER, approvedBy: APPROVER, revision: 2 });
  });

  it('made after the departure (how a past trip is undone): the page and the .ics say it was cancelled, not that it will not sail', async () => {
    let skewMs = 0;
    const s = new BookingService({ store, steps: sandbox.steps, log, autoRun: false, ownerId: 'past', leaseMs: 2000, baseDelayMs: 5, now: () => Date.now() + skewMs });
    const booking = await s.create(sampleNewBooking());
    await s.approve(booking.id, APPROVER);
    const done = await s.run(booking.id);
    // The morning after the charter (Thu, Jul 4, 2030, 4:00 PM PDT).
    skewMs = Date.parse('2030-07-05T16:00:00Z') - Date.now();
    expect((await s.cancel(done.id, APPROVER)).won).toBe(true);
    const cancelled = await s.run(done.id);
    expect(cancelled.state).toBe('cancelled');
    const after = await artifacts(cancelled);
    expect(after.page.html).toContain('this was your charter aboard <strong>JADA</strong> on <strong>Thu, Jul 4, 2030, 4:00 PM PDT</strong>.');
    expect(after.page.html).not.toMatch(/will not sail/);
    expect(after.ics).toContain('STATUS:CANCELLED');
    // Unfolded (RFC 5545 §3.1): the description is longer than one line.
    expect(after.ics.replace(/\r\n /g, '')).toContain('DESCRIPTION:This charter on Thu\\, Jul 4\\, 2030 at 4:00 PM PDT was cancelled.');
    expect(after.ics).not.toMatch(/will not/);
  });

  it('after a reschedule: the notice names the trip as the guest last saw it, date, time and zone, and the departure it had moved from', async () => {
    const done = await doneBooking();
    const s = service();
    const move = await s.proposeChange(done.id, { details: details({ date: '2030-07-10', departureTime: '10:00' }), label: 'reschedule', userId: APPROVER });
    await s.approveChange(done.id, move.op.id, APPROVER);
    expect((await s.run(done.id)).state).toBe('done');
    expect((await s.cancel(done.id, APPROVER)).won).toBe(true);
    const after = await artifacts(await s.run(done.id));
    expect(lede(after.page.html)).toBe('Maria, we’re sorry — your charter aboard JADA on Wed, Jul 10, 2030, 10:00 AM PDT (moved from Thu, Jul 4, 4:00 PM PDT) will not sail.');
    expect(after.page.html).toContain('<title>Charter cancelled · JADA · Wed, Jul 10, 2030</title>');
    expect(after.ics).toContain('STATUS:CANCELLED');
  });

  it('after a change whose page never went up: the notice names the trip the guest’s page still showed, not the change’s date; the .ics still cancels the same event', async () => {
    let refused = false;
    const s = serviceRefusingPage(() => refused);
    const booking = await s.create(sampleNewBooking());
    await s.approve(booking.id, APPROVER);
    expect((await s.run(booking.id)).state).toBe('done');
    const created = await artifacts((await store.get(booking.id))!);
    refused = true;
    const move = await s.proposeChange(booking.id, { details: details({ date: '2030-07-10', departureTime: '10:00' }), label: 'reschedule', userId: APPROVER });
    await s.approveChange(booking.id, move.op.id, APPROVER);
    const failed = await s.run(booking.id);
    expect(operationsOf(failed)[1]?.steps?.guest_page?.status).toBe('failed');
    expect((await artifacts(failed)).page.html).toContain('Thu, Jul 4, 2030');
    refused = false;
    expect((await s.cancel(booking.id, APPROVER)).won).toBe(true);
    const after = await artifacts(await s.run(booking.id));
    expect(lede(after.page.html)).toBe('Maria, we’re sorry — your charter aboard JADA on Thu, Jul 4, 2030, 4:00 PM PDT will not sail.');
    expect(after.page.html).not.toContain('Jul 10');
    const uid = /^UID:.*$/m.exec(created.ics)?.[0];
    expect(uid).toBeDefined();
    expect(after.ics).toContain(uid!);
    expect(after.ics).toContain('STATUS:CANCELLED');
    // The .ics cancels the event the guest imported: its times and words are the Jul 4 trip's, never the change's.
    const unfolded = after.ics.replace(/\r\n /g, '');
    expect(unfolded).toContain('DTSTART;TZID=America/Los_Angeles:20300704T160000');
    expect(unfolded).toContain('DTEND;TZID=America/Los_Angeles:20300704T210000');
    expect(unfolded).toContain('DESCRIPTION:This charter was cancelled: it will not sail on Thu\\, Jul 4\\, 2030 at 4:00 PM PDT.');
    expect(unfolded).not.toMatch(/20300710|Jul 10/);
  });

  it('after a change to a past hour whose page never went up: the trip the guest still holds is ahead, so it "will not sail", page and .ics alike', async () => {
    let refused = false;
    const s = serviceRefusingPage(() => refused);
    const booking = await s.create(sampleNewBooking());
    await s.approve(booking.id, APPROVER);
    expect((await s.run(booking.id)).state).toBe('done');
    refused = true;
    const move = await s.proposeChange(booking.id, { details: details({ date: '2025-07-02', departureTime: '10:00' }), label: 'reschedule', userId: APPROVER });
    await s.approveChange(booking.id, move.op.id, APPROVER);
    expect(operationsOf(await s.run(booking.id))[1]?.steps?.guest_page?.status).toBe('failed');
    refused = false;
    expect((await s.cancel(booking.id, APPROVER)).won).toBe(true);
    const after = await artifacts(await s.run(booking.id));
    expect(lede(after.page.html)).toBe('Maria, we’re sorry — your charter aboard JADA on Thu, Jul 4, 2030, 4:00 PM PDT will not sail.');
    const unfolded = after.ics.replace(/\r\n /g, '');
    expect(unfolded).toContain('DESCRIPTION:This charter was cancelled: it will not sail on Thu\\, Jul 4\\, 2030 at 4:00 PM PDT.');
    expect(unfolded).not.toMatch(/2025|was cancelled\./);
  });

  it('while the create runs: no new create step is claimed, then everything made is undone and nothing is left behind', async () => {
    const s = new BookingService({ store, steps: sandbox.steps, log, autoRun: false, ownerId: 'runner', leaseMs: 2000, baseDelayMs: 5 });
    const booking = await s.create(sampleNewBooking());
    await s.approve(booking.id, APPROVER);
    // SCC answers slowly: the cancel lands while scc_event is in flight and crew_notice has not started.
    standins.scc.faults.inject('POST /events', { kind: 'latency', ms: 1500 }, { times: 1 });
    const run = s.run(booking.id);
    for (;;) {
      const r = await store.get(booking.id);
      if (r?.steps.calendar.status === 'done' && r.steps.scc_event.status === 'running') break;
      await new Promise((res) => setTimeout(res, 20));
    }
    const outcome = await service('p2').cancel(booking.id, APPROVER);
    expect(outcome.won).toBe(true);
    const final = await run;
    expect(final.state).toBe('cancelled');

    const ops = operationsOf(final);
    expect(ops.map((o) => [o.kind, o.status])).toEqual([
      ['create', 'stopped'],
      ['cancel', 'done'],
    ]);
    // The create never reached its last step; the cancel did not post a notice for a post that never existed.
    expect(final.steps.crew_notice.status).toBe('pending');
    expect(ops[1]?.steps?.crew_notice).toBeUndefined();

    const after = await artifacts(final);
    expect(after.calendarEntries).toHaveLength(0);
    expect(after.calendarDeletes).toHaveLength(1);
    // The in-flight SCC create finished and was then cancelled: no live SCC event is left.
    expect(after.sccEvents.length).toBe(1);
    expect(after.sccEvents.every((e) => e.body.status === 'cancelled')).toBe(true);
    expect(after.notices).toHaveLength(0);
    if (final.steps.guest_page.status !== 'pending') expect(after.page.html).toContain('This charter was cancelled');
  });
});

describe('cancel a failed booking', () => {
  it('undoes what the create made before it failed; the step that never ran needs nothing', async () => {
    const s = service();
    const booking = await s.create(sampleNewBooking());
    await s.approve(booking.id, APPROVER);
    standins.cloudfront.faults.inject('*', { kind: 'status', status: 403, body: '<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>' });
    const failed = await s.run(booking.id);
    standins.cloudfront.faults.clear();
    expect(failed.state).toBe('failed');
    expect(failed.steps.guest_cache.status).toBe('failed');
    expect(failed.steps.crew_notice.status).toBe('pending');

    expect((await s.cancel(booking.id, APPROVER)).won).toBe(true);
    const cancelled = await s.run(booking.id);
    expect(cancelled.state).toBe('cancelled');
    const ops = operationsOf(cancelled);
    expect(ops.map((o) => [o.kind, o.status])).toEqual([
      ['create', 'stopped'],
      ['cancel', 'done'],
    ]);
    expect(Object.keys(ops[1]?.steps ?? {})).toEqual(['calendar_delete', 'scc_cancel', 'revenue_guard', 'guest_page', 'guest_cache']);
    const after = await artifacts(cancelled);
    expect(after.calendarEntries).toHaveLength(0);
    expect(after.sccEvents[0]?.body.status).toBe('cancelled');
    expect(after.page.html).toContain('This charter was cancelled');
    expect(after.notices).toHaveLength(0);
  });
});

describe('change', () => {
  it('reschedule after done: one calendar PATCH, one SCC PATCH then a clean item, the new date on the page and in the .ics, a new invalidation, crew asked again', async () => {
    const done = await doneBooking();
    const s = service();
    await s.confirmCrew(done.id, 'U0CREW0001');
    const before = await artifacts(done);
    const { op } = await s.proposeChange(done.id, { details: details({ date: '2030-07-05', departureTime: '10:30' }), label: 'reschedule', userId: 'U0CREW0002' });
    expect((await s.approveChange(done.id, op.id, APPROVER)).won).toBe(true);
    // A second click on Approve change loses and says who won.
    const again = await s.approveChange(done.id, op.id, 'U0APPROVER2');
    expect(again).toMatchObject({ won: false, byUserId: APPROVER });

    const changed = await s.run(done.id);
    expect(changed.state).toBe('done');
    expect(changed.request.date).toBe('2030-07-05');
    expect(changed.revision).toBe(2);
    // Everyone's call moved: the earlier confirmation is reset.
    expect(changed.confirmations).toEqual({});

    const after = await artifacts(changed);
    expect(after.calendarPatches).toHaveLength(1);
    expect(after.calendarPatches[0]?.body?.start).toBe('2030-07-05T10:30:00-07:00');
    expect(after.sccPatches).toHaveLength(1);
    expect(after.sccPatches[0]?.body.departureTime).toBe('2030-07-05T10:30:00-07:00');
    for (const attr of MONEY_ATTRIBUTES) expect(after.sccItem?.[attr]).toBeUndefined();
    expect(after.sccItem?.notes?.S ?? '').not.toMatch(/\$/);
    expect(after.page.html).toContain('Jul 5, 2030');
    expect(after.page.html).toContain('10:30');
    expect(after.ics).toContain('DTSTART;TZID=America/Los_Angeles:20300705T103000');
    expect(after.ics).toContain('SEQUENCE:1');
    expect(after.invalidations).toHaveLength(before.invalidations.length + 1);
    expect(after.notices.map((n) => n.body.kind)).toEqual(['create', 'change']);
    const ops = operationsOf(changed);
    expect(ops[1]).toMatchObject({ kind: 'change', status: 'done', label: 'reschedule', requestedBy: 'U0CREW0002', approvedBy: APPROVER, previous: { request: { date: '2030-07-04' } } });
  });

  it('the rescheduled .ics is stamped when the change was made, not when the booking was; a refresh republishes the same bytes', async () => {
    // A clock the test moves: the change comes two hours after the booking.
    let laterMs = 0;
    const s = new BookingService({ store, steps: sandbox.steps, log, autoRun: false, ownerId: 'stamp', leaseMs: 2000, baseDelayMs: 5, now: () => Date.now() + laterMs });
    const booking = await s.create(sampleNewBooking());
    await s.approve(booking.id, APPROVER);
    const done = await s.run(booking.id);
    const stamp = (ics: string) => /\r\nDTSTAMP:(\d{8}T\d{6}Z)\r\n/.exec(ics)?.[1];
    const utc = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
    expect(stamp((await artifacts(done)).ics)).toBe(utc(done.createdAtMs));

    laterMs = 2 * 3_600_000;
    const { op } = await s.proposeChange(done.id, { details: details({ date: '2030-07-05', departureTime: '10:30' }), label: 'reschedule', userId: APPROVER });
    await s.approveChange(done.id, op.id, APPROVER);
    const changed = await s.run(done.id);
    const startedAtMs = operationsOf(changed)[1]!.startedAtMs!;
    const after = await artifacts(changed);
    expect(after.ics).toContain('SEQUENCE:1');
    expect(stamp(after.ics)).toBe(utc(startedAtMs));
    expect(startedAtMs - done.createdAtMs).toBeGreaterThanOrEqual(laterMs);

    // A refresh an hour later renders revision 2 again: the same bytes, so the same content hash.
    laterMs += 3_600_000;
    const refresh = await s.requestRefresh(done.id, APPROVER);
    const ran = await s.run(done.id);
    const refreshed = await artifacts(changed);
    expect(refreshed.ics).toBe(after.ics);
    expect(refreshed.page.html).toBe(after.page.html);
    expect(operationsOf(ran).find((o) => o.id === refresh.op.id)?.steps?.guest_page?.result?.contentHash).toBe(changed.operations![1]!.steps!.guest_page!.result?.contentHash);
  });

  it('after a reschedule the guest page says at the top that the charter moved, from when to when; an edit and a refresh after it keep saying so', async () => {
    const done = await doneBooking();
    const s = service();
    expect((await artifacts(done)).page.html).not.toContain('has moved');
    const move = await s.proposeChange(done.id, { details: details({ date: '2030-07-05', departureTime: '10:30' }), label: 'reschedule', userId: APPROVER });
    await s.approveChange(done.id, move.op.id, APPROVER);
    const moved = await s.run(done.id);
    const notice = (html: string) => /<section class="card moved"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    const after = await artifacts(moved);
    expect(notice(after.page.html)).toContain('Now <strong>Fri, Jul 5, 10:30 AM PDT</strong> <span class="was">(was Thu, Jul 4, 4:00 PM PDT)</span>.');
    expect(notice(after.page.html)).toContain('Pacific Time (America/Los_Angeles)');

    // A party-size edit re-renders the page; the date it moved from is still the news.
    const edit = await s.proposeChange(done.id, { details: details({ date: '2030-07-05', departureTime: '10:30', partySize: 4 }), label: 'edit', userId: APPROVER });
    await s.approveChange(done.id, edit.op.id, APPROVER);
    const edited = await s.run(done.id);
    expect(Object.keys(operationsOf(edited)[2]?.steps ?? {})).toContain('guest_page');
    const afterEdit = await artifacts(edited);
    expect(afterEdit.page.html).toContain('4 guests');
    expect(notice(afterEdit.page.html)).toContain('(was Thu, Jul 4, 4:00 PM PDT)');

    // A refresh is its own operation, with no change in hand: the record tells of the move.
    await s.requestRefresh(done.id, APPROVER);
    await s.run(done.id);
    expect(notice((await artifacts(edited)).page.html)).toContain('(was Thu, Jul 4, 4:00 PM PDT)');
  });

  it('a notes-only change updates the calendar, SCC and the crew posts (their crew-safe lines), not the guest page', async () => {
    const done = await doneBooking();
    const s = service();
    const { op } = await s.proposeChange(done.id, { details: details({ notes: 'Anniversary, bring a cake' }), label: 'edit', userId: 'U0CREW0002' });
    await s.approveChange(done.id, op.id, APPROVER);
    const changed = await s.run(done.id);
    const ran = Object.keys(operationsOf(changed)[1]?.steps ?? {});
    expect(ran).toEqual(['calendar_update', 'scc_update', 'revenue_guard', 'crew_notice']);
    const after = await artifacts(changed);
    expect(after.calendarPatches).toHaveLength(1);
    expect(after.sccPatches).toHaveLength(1);
    expect(after.notices.map((n) => n.body.kind)).toEqual(['create', 'change']);
  });

  it('two changes approved one after another: the artifacts end at the second', async () => {
    const done = await doneBooking();
    const s = service();
    const first = await s.proposeChange(done.id, { details: details({ date: '2030-07-06' }), label: 'reschedule', userId: APPROVER });
    await s.approveChange(done.id, first.op.id, APPROVER);
    const second = await s.proposeChange(done.id, { details: details({ date: '2030-07-07', departureTime: '09:00' }), label: 'reschedule', userId: APPROVER });
    await s.approveChange(done.id, second.op.id, APPROVER);
    const final = await s.run(done.id);
    expect(final.state).toBe('done');
    expect(operationsOf(final).map((o) => o.status)).toEqual(['done', 'superseded', 'done']);

    // And a third after the second has run: applied on top.
    const third = await s.proposeChange(done.id, { details: details({ date: '2030-07-08', departureTime: '09:00' }), label: 'reschedule', userId: APPROVER });
    await s.approveChange(done.id, third.op.id, APPROVER);
    const last = await s.run(done.id);
    expect(last.request.date).toBe('2030-07-08');
    const after = await artifacts(last);
    expect(after.calendarEntries[0]?.body.start).toBe('2030-07-08T09:00:00-07:00');
    expect(after.sccEvents[0]?.body.date).toBe('2030-07-08');
    expect(after.ics).toContain('DTSTART;TZID=America/Los_Angeles:20300708T090000');
  });

  it('a change approved while the create still runs is applied after it, nothing lost', async () => {
    const s = new BookingService({ store, steps: sandbox.steps, log, autoRun: false, ownerId: 'runner', leaseMs: 2000, baseDelayMs: 5 });
    const booking = await s.create(sampleNewBooking());
    await s.approve(booking.id, APPROVER);
    standins.scc.faults.inject('POST /events', { kind: 'latency', ms: 800 }, { times: 1 });
    const run = s.run(booking.id);
    for (;;) {
      const r = await store.get(booking.id);
      if (r?.steps.scc_event.status === 'running') break;
      await new Promise((res) => setTimeout(res, 20));
    }
    const { op } = await service('p2').proposeChange(booking.id, { details: details({ date: '2030-07-09', departureTime: '11:00' }), label: 'reschedule', userId: APPROVER });
    await service('p2').approveChange(booking.id, op.id, APPROVER);
    const final = await run;
    expect(final.state).toBe('done');
    expect(operationsOf(final).map((o) => [o.kind, o.status])).toEqual([
      ['create', 'done'],
      ['change', 'done'],
    ]);
    // The create made everything with the old details first; the change then moved it all.
    expect(final.steps.crew_notice.status).toBe('done');
    const after = await artifacts(final);
    expect(after.calendarEntries).toHaveLength(1);
    expect(after.calendarEntries[0]?.body.start).toBe('2030-07-09T11:00:00-07:00');
    expect(after.sccEvents).toHaveLength(1);
    expect(after.sccEvents[0]?.body.date).toBe('2030-07-09');
    expect(after.ics).toContain('DTSTART;TZID=America/Los_Angeles:20300709T110000');
  });
});

describe('a failed change', () => {
  it('fails the booking with a Retry that re-runs only the change’s failed steps, then finishes', async () => {
    const done = await doneBooking();
    const s = service();
    standins.dashboard.faults.inject('PATCH *', { kind: 'unauthorized' });
    const { op } = await s.proposeChange(done.id, { details: details({ date: '2030-07-10' }), label: 'reschedule', userId: APPROVER });
    await s.approveChange(done.id, op.id, APPROVER);
    const failed = await s.run(done.id);
    expect(failed.state).toBe('failed');
    const change = operationsOf(failed)[1]!;
    expect(change.status).toBe('failed');
    expect(change.steps?.calendar_update).toMatchObject({ status: 'failed', error: { code: 'DASHBOARD_UNAUTHORIZED' } });
    // The other artifacts already moved; the create's own steps are untouched.
    expect(change.steps?.scc_update?.status).toBe('done');
    expect(failed.steps.calendar.status).toBe('done');

    standins.dashboard.faults.clear();
    expect((await s.retry(done.id, APPROVER)).won).toBe(true);
    const retried = await s.run(done.id);
    expect(retried.state).toBe('done');
    expect(operationsOf(retried)[1]?.status).toBe('done');
    const after = await artifacts(retried);
    expect(after.calendarEntries[0]?.body.start).toBe('2030-07-10T16:00:00-07:00');
    expect(after.sccPatches).toHaveLength(1);
  });
});

describe('the moved notice after a failed change', () => {
  it('says the charter moved from the departure the guest’s page last showed, though the change that put it up failed and was replaced', async () => {
    const done = await doneBooking();
    const s = service();
    const notice = async (record: BookingRecord) => /<section class="card moved"[\s\S]*?<\/section>/.exec((await artifacts(record)).page.html)?.[0] ?? '';
    // Its page goes up (Wed, Jul 10, was Thu, Jul 4); its calendar PATCH is refused, so it fails.
    standins.dashboard.faults.inject('PATCH *', { kind: 'unauthorized' });
    const first = await s.proposeChange(done.id, { details: details({ date: '2030-07-10', departureTime: '10:00' }), label: 'reschedule', userId: APPROVER });
    await s.approveChange(done.id, first.op.id, APPROVER);
    const failed = await s.run(done.id);
    standins.dashboard.faults.clear();
    expect(operationsOf(failed)[1]?.steps?.guest_page?.status).toBe('done');
    expect(await notice(failed)).toContain('(was Thu, Jul 4, 4:00 PM PDT)');
    // The change replacing it moves the charter again: the guest last read Wed, Jul 10.
    const second = await s.proposeChange(done.id, { details: details({ date: '2030-07-12', departureTime: '10:00' }), label: 'reschedule', userId: APPROVER });
    await s.approveChange(done.id, second.op.id, APPROVER);
    const moved = await s.run(done.id);
    expect(operationsOf(moved)[1]?.status).toBe('superseded');
    expect(await notice(moved)).toContain('Now <strong>Fri, Jul 12, 10:00 AM PDT</strong> <span class="was">(was Wed, Jul 10, 10:00 AM PDT)</span>.');
  });
});

describe('records written before operations existed', () => {
  it('load as one create operation, and can be cancelled', async () => {
    const done = await doneBooking();
    // The shape an older version stored: no revision, no operations.
    const { revision: _r, operations: _o, ...legacy } = done;
    const stored = await store.get(done.id);
    await store.put({ ...legacy, version: stored!.version } as BookingRecord, stored!.version);
    const loaded = (await store.get(done.id))!;
    expect(loaded.operations).toBeUndefined();
    expect(operationsOf(loaded)).toEqual([expect.objectContaining({ id: 'create', kind: 'create', status: 'done', approvedBy: APPROVER })]);
    expect((await service().cancel(done.id, APPROVER)).won).toBe(true);
    expect((await service().run(done.id)).state).toBe('cancelled');
  });
});
