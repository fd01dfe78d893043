/**
 * Runs after the departure, against the real local servers (dashboard and SCC stand-ins over HTTP,
 * dynalite, s3rver, the CloudFront stand-in) and SQLite on disk: a run that would start or resume
 * a create or change once its charter has left ends it failed instead (nothing made, nobody called),
 * while a run under way at the departure finishes what it started. A cancel still runs.
 */
import { DateTime } from 'luxon';
import { computeCosts } from '../../../src/booking/costs';
import type { RosterMember } from '../../../src/booking/types';
import { createLogger } from '../../../src/log';
import { BookingService } from '../../../src/pipeline/service';
import type { SqliteBookingStore } from '../../../src/pipeline/sqlite-store';
import { updateWithRetry } from '../../../src/pipeline/store';
import type { BookingDetails, StepContext, StepImplementations } from '../../../src/pipeline/types';
import { type Standins } from '../../../src/sandbox/standins';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { type RecordingServer } from '../../fixtures/pipeline/recording-server';
import { type SandboxSteps } from '../../fixtures/pipeline/sandbox-steps';
import { useSandboxWorld } from '../../fixtures/pipeline/sandbox-world';
import { RATES, sampleRequest, sampleRoster } from '../../support/booking';

jest.setTimeout(60_000);

const TZ = 'America/Los_Angeles';
const APPROVER = 'U0APPROVER1';
const log = createLogger({ level: 'silent', pretty: false });
const world = useSandboxWorld('departed-runs');
let standins: Standins;
let notices: RecordingServer;
let store: SqliteBookingStore;
let sandbox: SandboxSteps;

beforeAll(() => {
  ({ standins, notices, store, sandbox } = world);
});

const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs, setTo: (iso: string) => void (clock.offsetMs = DateTime.fromISO(iso, { zone: TZ }).toMillis() - Date.now()) };
// sampleRequest: Thu, Jul 4, 2030, 4:00 PM PDT.
const service = (steps: StepImplementations = sandbox.steps, ownerId = 'test') =>
  new BookingService({ store, steps, log, autoRun: false, ownerId, now: clock.now, approvalPolicy: { requireSecondApprover: false, timezone: TZ, checkInLeadMinutes: 30 }, leaseMs: 2000, baseDelayMs: 5 });

const swapped: RosterMember[] = [...sampleRoster.slice(0, 2), { slackUserId: 'U0NEWCREW1', name: 'Otto Outsider', role: 'crew' }];
function details(roster: RosterMember[], date = '2030-07-04'): BookingDetails {
  const request = sampleRequest({ date, crew: roster.filter((m) => m.role === 'crew').map((m) => m.slackUserId) });
  return { request, roster, costs: computeCosts({ grossCents: request.priceCents, crewCount: request.crew.length, crewHours: request.crewHours, captainHours: request.captainHours }, RATES) };
}

const outside = (id: string) => ({
  calendar: standins.dashboard.entries().filter((e) => e.externalId === id).length,
  scc: standins.scc.events().filter((e) => e.externalId === id).length,
  invalidations: standins.cloudfront.invalidations().filter((i) => i.callerReference.startsWith(id)).length,
  notices: notices.effects.filter((e) => String(e.body.externalId).startsWith(id)).map((e) => String(e.body.externalId)),
});

it('a create cut off before the departure is not resumed after it: what it made stays for a cancel, nothing more is made', async () => {
  clock.setTo('2030-07-04T15:00');
  const s = service();
  const { id } = await s.create(sampleNewBooking());
  await s.approve(id, APPROVER);
  // What a process that died mid-run leaves: the calendar entry made, the SCC create sent, its lease run out.
  await updateWithRetry(store, id, (r) => ({
    ...r,
    state: 'running',
    steps: {
      ...r.steps,
      calendar: { status: 'done', attempts: 1, result: { calendarId: 'cal-cut-off' } },
      scc_event: { status: 'running', attempts: 1, lease: { owner: 'gone-host-1-dead', leaseExpiresAtMs: clock.now() + 60_000 } },
    },
  }));

  clock.setTo('2030-07-04T17:00');
  await s.resumeAll();
  await s.idle();

  const b = (await store.get(id))!;
  expect(b.state).toBe('failed');
  expect(b.steps.calendar.status).toBe('done');
  expect(b.steps.scc_event).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'PIPELINE_DEPARTED', message: 'Departed Thu, Jul 4, 2030, 4:00 PM PDT before this ran: Retry is closed' } });
  expect(b.steps.scc_event.lease).toBeUndefined();
  expect(b.steps.guest_page.status).toBe('failed');
  expect([b.steps.revenue_guard.status, b.steps.guest_cache.status, b.steps.crew_notice.status]).toEqual(['pending', 'pending', 'pending']);
  expect(outside(id)).toEqual({ calendar: 0, scc: 0, invalidations: 0, notices: [] });

  // A cancel still runs after the departure: it undoes what the cut-off run may have made.
  await s.cancel(id, APPROVER);
  const cancelled = await s.run(id);
  expect(cancelled.state).toBe('cancelled');
});

it('a create under way at the departure finishes; a change queued behind it does not start', async () => {
  clock.setTo('2030-07-04T15:00');
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let reached!: () => void;
  const atCrewStep = new Promise<void>((r) => (reached = r));
  const steps: StepImplementations = {
    ...sandbox.steps,
    crew_notice: async (ctx: StepContext) => {
      if (!ctx.operation) {
        reached();
        await released;
      }
      return sandbox.steps.crew_notice(ctx);
    },
  };
  const s = service(steps);
  const { id } = await s.create(sampleNewBooking());
  await s.approve(id, APPROVER);
  const run = s.run(id);
  await atCrewStep;
  const { op } = await s.proposeChange(id, { details: details(swapped), label: 'crew swap', userId: APPROVER });
  expect((await s.approveChange(id, op.id, APPROVER)).won).toBe(true);
  const patchesBefore = standins.scc.patches().length;

  clock.setTo('2030-07-04T16:05');
  release();
  const b = await run;

  // The crew step was running when the boat left: it finished, and the create is done.
  expect(Object.values(b.steps).map((st) => st.status)).toEqual(['done', 'done', 'done', 'done', 'done', 'done']);
  expect(outside(id).notices).toEqual([id]);
  // The crew swap approved at 3 PM waited behind it and would have started at 4:05 PM: it fails as it stands.
  const change = b.operations?.find((o) => o.id === op.id);
  expect(change).toMatchObject({ status: 'failed', note: 'Departed Thu, Jul 4, 2030, 4:00 PM PDT before this ran: Retry is closed' });
  expect(change?.startedAtMs).toBeUndefined();
  expect(b.state).toBe('failed');
  expect(b.roster.map((m) => m.slackUserId)).not.toContain('U0NEWCREW1');
  expect(standins.scc.patches().length).toBe(patchesBefore);
});

it('a reschedule to a later day waiting behind a create that never ran: the create still runs after the old departure', async () => {
  clock.setTo('2030-07-04T15:00');
  const s = service();
  const { id } = await s.create(sampleNewBooking());
  await s.approve(id, APPROVER);
  const { op } = await s.proposeChange(id, { details: details(sampleRoster, '2030-07-11'), label: 'reschedule', userId: APPROVER });
  expect((await s.approveChange(id, op.id, APPROVER)).won).toBe(true);

  clock.setTo('2030-07-04T17:00');
  await s.resumeAll();
  await s.idle();

  const b = (await store.get(id))!;
  expect(b.state).toBe('done');
  expect(b.request.date).toBe('2030-07-11');
  expect(b.operations?.find((o) => o.id === op.id)?.status).toBe('done');
});
