/**
 * Faults injected into the stand-ins, with the production step implementations: transient ones
 * (a lost response, a 503, a throttle) are retried to done with no duplicate; a permanent one (SCC
 * rejects the key) fails its step with the operator's fix while independent branches finish, and
 * Retry after the fix completes the booking without re-running what was done.
 */
import { createLogger } from '../../../src/log';
import { operationsOf } from '../../../src/pipeline/operations';
import { BookingService } from '../../../src/pipeline/service';
import type { SqliteBookingStore } from '../../../src/pipeline/sqlite-store';
import { type Standins } from '../../../src/sandbox/standins';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { type RecordingServer } from '../../fixtures/pipeline/recording-server';
import { sandboxSteps, type SandboxSteps } from '../../fixtures/pipeline/sandbox-steps';
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



async function approveAndSettle(on: BookingService = service): Promise<string> {
  const booking = await on.create(sampleNewBooking());
  expect((await on.approve(booking.id, 'U0APPROVER1')).won).toBe(true);
  await on.idle();
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

/** The dashboard at a closed port (9, discard, closed on the test host): every connection is refused, so nothing is ever sent. */
function refusedDashboard() {
  const steps = sandboxSteps({ ...world.env, DASHBOARD_URL: 'http://127.0.0.1:9/dash' });
  return { service: new BookingService({ store, steps: steps.steps, log, baseDelayMs: 5, maxDelayMs: 50, createQuietMs: 200 }), close: () => steps.close() };
}

const REFUSED = 'The dashboard could not be reached at 127.0.0.1:9 (connection refused) — check DASHBOARD_URL and that the service is up, then Retry.';

it('a dashboard URL nothing answers at fails with where and the setting to check, not "did not answer whether it was created"', async () => {
  const refused = refusedDashboard();
  try {
    const id = await approveAndSettle(refused.service);
    const calendar = (await refused.service.get(id))?.steps.calendar;
    // Attempts after the first still look up before creating; their refused lookups are reported as what they are.
    expect(calendar?.attempts).toBeGreaterThan(1);
    expect(calendar).toMatchObject({ status: 'failed', error: { code: 'DASHBOARD_UNREACHABLE', retryable: true } });
    expect(calendar?.error?.message).toBe(REFUSED);
  } finally {
    await refused.close();
  }
});

it('a Retry after a run refused before anything was sent, its lookup refused too, reads the refused error, not "may have been created"', async () => {
  const refused = refusedDashboard();
  try {
    const id = await approveAndSettle(refused.service);
    expect((await refused.service.get(id))?.steps.calendar).toMatchObject({ status: 'failed', error: { code: 'DASHBOARD_UNREACHABLE' } });

    expect((await refused.service.retry(id, 'U0APPROVER1')).won).toBe(true);
    await refused.service.idle();
    const calendar = (await refused.service.get(id))?.steps.calendar;
    // Still looked up first (outcomeUnknown), but nothing can have been created: the service's own error alone.
    expect(calendar?.error?.message).toBe(REFUSED);
    expect(calendar).toMatchObject({ status: 'failed', outcomeUnknown: true, retriedAfterRefusal: true, error: { code: 'DASHBOARD_UNREACHABLE', maybeProcessed: false } });

    // Once the URL is fixed, the Retry still looks the entry up before it creates it, and makes one.
    expect((await service.retry(id, 'U0APPROVER1')).won).toBe(true);
    await service.idle();
    expect((await service.get(id))?.state).toBe('done');
    const calls = standins.dashboard.recorder.requests.filter((r) => r.path === '/calendar' && (r.query.externalId === id || (r.body as { externalId?: string } | undefined)?.externalId === id));
    expect(calls.map((r) => r.method)).toEqual(['GET', 'POST']);
  } finally {
    await refused.close();
  }
});

it('a Retry after a run whose create timed out still says the entry may have been created when its lookup is refused', async () => {
  // One attempt (a tiny budget) whose POST is never answered: it may have been processed.
  standins.dashboard.faults.inject('POST /calendar', { kind: 'hang' }, { times: 1 });
  const timing = new BookingService({ store, steps: sandbox.steps, log, baseDelayMs: 5, maxDelayMs: 50, createQuietMs: 200, stepAttemptTimeoutMs: 500, stepBudgetMs: 1 });
  const id = await approveAndSettle(timing);
  expect((await timing.get(id))?.steps.calendar).toMatchObject({ status: 'failed', outcomeUnknown: true, error: { code: 'DASHBOARD_TIMEOUT', maybeProcessed: true } });

  const refused = refusedDashboard();
  try {
    expect((await refused.service.retry(id, 'U0APPROVER1')).won).toBe(true);
    await refused.service.idle();
    const calendar = (await refused.service.get(id))?.steps.calendar;
    expect(calendar?.retriedAfterRefusal).toBeUndefined();
    expect(calendar).toMatchObject({ status: 'failed', outcomeUnknown: true, error: { code: 'DASHBOARD_OUTCOME_UNKNOWN' } });
    expect(calendar?.error?.message).toBe(`${REFUSED} An earlier request may have created the entry: Retry looks it up first, so nothing is created twice.`);
  } finally {
    await refused.close();
  }
});

it('SCC answering 502 every time names the server error and that the event may exist, looked up on Retry', async () => {
  standins.scc.faults.inject('*', { kind: 'status', status: 502, body: { message: 'Bad Gateway' } });
  const id = await approveAndSettle();
  const event = (await service.get(id))?.steps.scc_event;
  // A 5xx to a create may have been processed (API Gateway, then the Lambda): the outcome stays unknown.
  expect(event).toMatchObject({ status: 'failed', outcomeUnknown: true, error: { code: 'SCC_OUTCOME_UNKNOWN', retryable: true } });
  expect(event?.error?.message).toBe(
    'SCC had a server error (502) — Retry; if it persists, check its logs. An earlier request may have created the event: Retry looks it up first, so nothing is created twice.',
  );
  standins.scc.faults.clear();
  expect((await service.retry(id, 'U0APPROVER1')).won).toBe(true);
  await service.idle();
  expect((await service.get(id))?.state).toBe('done');
  expect(standins.scc.events().filter((e) => e.externalId === id)).toHaveLength(1);
});

it('an attempt that runs out of time after SCC answered 503 twice says so, not "did not answer", and logs each 503', async () => {
  // Scaled as in production (quiet time 35 s, attempt 45 s): the second 503 comes inside the attempt,
  // and its quiet time outlasts it. One attempt only (a tiny budget), to read its message.
  standins.scc.faults.inject('POST /events', { kind: 'status', status: 503 }, { times: 2 });
  const lines: string[] = [];
  const capture = createLogger({ level: 'info', pretty: false, destination: { write: (l: string) => void lines.push(l) } as never });
  const scaled = sandboxSteps({ ...world.env, CHARTER_CREATE_QUIET_MS: '2000' });
  const postsBefore = standins.scc.recorder.find('POST', '/events').length;
  try {
    const on = new BookingService({ store, steps: scaled.steps, log: capture, baseDelayMs: 5, maxDelayMs: 50, createQuietMs: 2000, stepAttemptTimeoutMs: 3000, stepBudgetMs: 1 });
    const id = await approveAndSettle(on);
    expect(standins.scc.recorder.find('POST', '/events').length - postsBefore).toBe(2);
    const event = (await on.get(id))?.steps.scc_event;
    expect(event).toMatchObject({ status: 'failed', error: { code: 'SCC_TIMEOUT', retryable: true } });
    expect(event?.error?.message).toBe('SCC answered 503 Service Unavailable twice, then did not settle within 3 s — check its health, then Retry (nothing is created twice).');
    const retried = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'create answered 503 Service Unavailable; looking it up before any new create');
    expect(retried).toHaveLength(2);
    expect(retried[0]).toMatchObject({ level: 40, bookingId: id, step: 'scc_event', call: 'create', err: { status: 503 } });
  } finally {
    await scaled.close();
  }
});

it("a cancel's lookup of an event SCC may have made reports each 503 with the booking and step, and its timeout says SCC answered", async () => {
  // The create's POST was answered 503, so the event may still land for the quiet time; the cancel
  // looks it up until then, SCC answers every lookup 503, and the attempt runs out first.
  standins.scc.faults.inject('POST /events', { kind: 'status', status: 503 });
  const lines: string[] = [];
  const capture = createLogger({ level: 'info', pretty: false, destination: { write: (l: string) => void lines.push(l) } as never });
  const scaled = sandboxSteps({ ...world.env, CHARTER_CREATE_QUIET_MS: '6000' });
  try {
    const on = new BookingService({ store, steps: scaled.steps, log: capture, baseDelayMs: 5, maxDelayMs: 50, createQuietMs: 6000, stepAttemptTimeoutMs: 2000, stepBudgetMs: 1 });
    const id = await approveAndSettle(on);
    expect((await on.get(id))?.steps.scc_event).toMatchObject({ status: 'failed', outcomeUnknown: true });
    standins.scc.faults.inject('GET /events', { kind: 'status', status: 503 });
    const from = lines.length;
    expect((await on.cancel(id, 'U0APPROVER1')).won).toBe(true);
    await on.idle();
    const cancel = operationsOf((await on.get(id))!).at(-1);
    expect(cancel?.steps?.scc_cancel).toMatchObject({ status: 'failed', error: { code: 'SCC_TIMEOUT', retryable: true } });
    expect(cancel?.steps?.scc_cancel?.error?.message).toMatch(/^SCC answered 503 Service Unavailable( twice| \d+ times)?, then did not settle within 2 s — check its health, then Retry/);
    const looked = lines.slice(from).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'lookup answered 503 Service Unavailable; looking again');
    expect(looked.length).toBeGreaterThan(0);
    expect(looked[0]).toMatchObject({ level: 40, bookingId: id, step: 'scc_cancel', opId: cancel?.id, call: 'lookup', err: { status: 503 } });
  } finally {
    await scaled.close();
  }
});

it("an HTTP retry inside a step is logged with the booking and the step it was for", async () => {
  standins.dashboard.faults.inject('POST /calendar', { kind: 'throttle', retryAfterSeconds: 0 }, { times: 1 });
  const lines: string[] = [];
  const capture = createLogger({ level: 'warn', pretty: false, destination: { write: (l: string) => void lines.push(l) } as never });
  const retrying = sandboxSteps(world.env, { retries: 1, log: capture });
  try {
    const on = new BookingService({ store, steps: retrying.steps, log, baseDelayMs: 5, maxDelayMs: 50, createQuietMs: 200 });
    const id = await approveAndSettle(on);
    const retried = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'retrying HTTP request');
    expect(retried).toEqual([expect.objectContaining({ bookingId: id, step: 'calendar', attempt: 1, retry: expect.objectContaining({ method: 'POST', status: 429 }) })]);
  } finally {
    await retrying.close();
  }
});

it('CloudFront out of invalidation slots is waited out at the longest backoff, then fails with "wait a few minutes"', async () => {
  const lines: string[] = [];
  const captured = createLogger({ level: 'warn', pretty: false, destination: { write: (l: string) => void lines.push(l) } as never });
  const maxDelayMs = 50;
  const on = new BookingService({ store, steps: sandbox.steps, log: captured, baseDelayMs: 5, maxDelayMs, createQuietMs: 200 });
  standins.cloudfront.faults.inject('*', {
    kind: 'status',
    status: 400,
    headers: { 'content-type': 'text/xml' },
    body: '<?xml version="1.0"?><ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>Sender</Type><Code>TooManyInvalidationsInProgress</Code><Message>Your request contains too many invalidations.</Message></Error><RequestId>r1</RequestId></ErrorResponse>',
  });
  const id = await approveAndSettle(on);
  const cache = (await on.get(id))?.steps.guest_cache;
  expect(cache).toMatchObject({ status: 'failed', error: { code: 'CLOUDFRONT_INVALIDATIONS_BUSY', retryable: true } });
  expect(cache?.error?.message).toMatch(/wait a few minutes, then Retry/);
  // Each retry waited CloudFront's slot time, capped by the runner at its longest backoff (here 50 ms),
  // not the short exponential backoff of a blip (5, 10, 20, 40 ms ceilings).
  const delays = lines
    .map((l) => JSON.parse(l) as { bookingId?: string; step?: string; willRetry?: boolean; delayMs?: number })
    .filter((l) => l.bookingId === id && l.step === 'guest_cache' && l.willRetry === true)
    .map((l) => l.delayMs ?? 0);
  expect(delays.length).toBeGreaterThan(0);
  expect(Math.min(...delays)).toBeGreaterThanOrEqual(maxDelayMs);
});
