/**
 * Faults injected into the stand-ins, with the production step implementations: transient ones
 * (a lost response, a 503, a throttle) are retried to done with no duplicate; a permanent one (SCC
 * rejects the key) fails its step with the operator's fix while independent branches finish, and
 * Retry after the fix completes the booking without re-running what was done.
 */
import { createLogger } from '../../../src/log';
import { BookingService } from '../../../src/pipeline/service';
import type { SqliteBookingStore } from '../../../src/pipeline/sqlite-store';
import { type Standins } from '../../../src/sandbox/standins';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { type RecordingServer } from '../../fixtures/pipeline/recording-server';
import { type SandboxSteps } from '../../fixtures/pipeline/sandbox-steps';
import { useSandboxWorld } from '../../fixtures/pipeline/sandbox-world';

jest.setTimeout(60_000);

const log = createLogger({ level: 'silent', pretty: false });
const world = useSandboxWorld('faults');
let standins: Standins;
let notices: RecordingServer;
let store: SqliteBookingStore;
let sandbox: SandboxSteps;
let service: BookingService;

beforeAll(() => {
  ({ standins, notices, store, sandbox } = world);
  service = new BookingService({ store, steps: sandbox.steps, log, baseDelayMs: 5, maxDelayMs: 50, createQuietMs: 200 });
});

afterEach(() => {
  for (const s of [standins.dashboard, standins.scc, standins.cloudfront]) s.faults.clear();
});



async function approveAndSettle(): Promise<string> {
  const booking = await service.create(sampleNewBooking());
  expect((await service.approve(booking.id, 'U0APPROVER1')).won).toBe(true);
  await service.idle();
  return booking.id;
}

it('transient faults in each outside system are retried to done, without duplicates', async () => {
  standins.dashboard.faults.inject('POST /calendar', { kind: 'lose_response' }, { times: 1 });
  // A 503 may have been processed, so each step attempt POSTs at most twice, with lookups for the
  // quiet time in between: four 503s take the runner's third attempt.
  standins.scc.faults.inject('POST /events', { kind: 'status', status: 503 }, { times: 4 });
  standins.cloudfront.faults.inject('POST *', { kind: 'throttle', retryAfterSeconds: 0 }, { times: 1 });
  const id = await approveAndSettle();
  const record = await service.get(id);
  expect(record?.state).toBe('done');
  console.log(`transient faults: attempts ${JSON.stringify(Object.fromEntries(Object.entries(record?.steps ?? {}).map(([s, st]) => [s, st.attempts])))}, calendar created=${String(record?.steps.calendar.result?.created)}`);
  // The lost calendar response is recovered by lookup (in the adapter or on the runner's next attempt), never by a second POST.
  expect(record?.steps.scc_event.attempts).toBe(3);
  expect(standins.scc.recorder.find('POST', '/events')).toHaveLength(5);
  expect(standins.dashboard.entries().filter((e) => e.externalId === id)).toHaveLength(1);
  expect(standins.scc.events().filter((e) => e.externalId === id)).toHaveLength(1);
  expect(standins.cloudfront.invalidations().filter((i) => i.callerReference.startsWith(id))).toHaveLength(1);
});

it('a permanent fault fails its step with the fix; dependents wait; Retry after the fix finishes without re-running done steps', async () => {
  standins.scc.faults.inject('POST /events', { kind: 'unauthorized' });
  const id = await approveAndSettle();
  const failed = await service.get(id);
  expect(failed?.state).toBe('failed');
  expect(failed?.steps.scc_event).toMatchObject({ status: 'failed', attempts: 1, error: { retryable: false } });
  expect(failed?.steps.scc_event.error?.message).toMatch(/SCC_SERVICE_KEY/);
  expect([failed?.steps.revenue_guard.status, failed?.steps.crew_notice.status]).toEqual(['pending', 'pending']);
  expect([failed?.steps.calendar.status, failed?.steps.guest_page.status, failed?.steps.guest_cache.status]).toEqual(['done', 'done', 'done']);

  standins.scc.faults.clear();
  const calendarPosts = standins.dashboard.recorder.find('POST', '/calendar').length;
  const invalidations = standins.cloudfront.invalidations().length;
  expect((await service.retry(id, 'U0APPROVER1')).won).toBe(true);
  await service.idle();
  const done = await service.get(id);
  expect(done?.state).toBe('done');
  expect(standins.dashboard.recorder.find('POST', '/calendar')).toHaveLength(calendarPosts);
  expect(standins.cloudfront.invalidations()).toHaveLength(invalidations);
  expect(standins.scc.events().filter((e) => e.externalId === id)).toHaveLength(1);
  expect(done?.steps.revenue_guard.result?.verified).toBe(true);
  expect(notices.effects.filter((e) => e.body.externalId === id)).toHaveLength(1);
});
