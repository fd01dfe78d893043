/** The runner and BookingService over a real SQLite store, with fault-injecting step implementations. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../../src/log';
import type { ProgressEvent } from '../../../src/pipeline/api';
import { IllegalTransitionError } from '../../../src/pipeline/errors';
import { PipelineRunner } from '../../../src/pipeline/runner';
import { BookingService, type BookingServiceOptions } from '../../../src/pipeline/service';
import { SqliteBookingStore } from '../../../src/pipeline/sqlite-store';
import { claimStep } from '../../../src/pipeline/state-machine';
import { STEP_NAMES, type BookingRecord, type StepName } from '../../../src/pipeline/types';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { ScriptedSteps, type StepScript } from '../../fixtures/pipeline/scripted-steps';

const log = createLogger({ level: 'silent', pretty: false });
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-runner-'));
let store: SqliteBookingStore;

beforeAll(() => {
  store = SqliteBookingStore.open(path.join(tmpDir, 'runner.db'));
});

afterAll(async () => {
  await store.close();
  fs.rmSync(tmpDir, { recursive: true, force: true });
});

const FAST = { baseDelayMs: 1, maxDelayMs: 5, leaseMs: 5_000 };

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function setup(scripts: Partial<Record<StepName, StepScript>> = {}, options: Partial<BookingServiceOptions> = {}) {
  const steps = new ScriptedSteps(scripts);
  const service = new BookingService({ store, steps: steps.implementations, log, ...FAST, ...options });
  const events: ProgressEvent[] = [];
  service.onProgress((e) => events.push(e));
  return { steps, service, events };
}

async function approvedAndRun(service: BookingService) {
  const booking = await service.create(sampleNewBooking());
  const outcome = await service.approve(booking.id, 'U0APPROVER1');
  expect(outcome.won).toBe(true);
  await service.idle();
  const record = await service.get(booking.id);
  if (!record) throw new Error('booking vanished');
  return record;
}

describe('PipelineRunner', () => {
  it('runs every step once in dependency order, passing results downstream, and ends done', async () => {
    const { steps, service, events } = setup();
    const record = await approvedAndRun(service);
    expect(record.state).toBe('done');
    expect(steps.calls).toEqual({ calendar: 1, scc_event: 1, revenue_guard: 1, guest_page: 1, guest_cache: 1, crew_notice: 1 });
    for (const s of STEP_NAMES) expect(record.steps[s]).toMatchObject({ status: 'done', attempts: 1, result: { id: `${s}-${record.id}` } });
    expect(record.steps.calendar.lease).toBeUndefined();
    expect(steps.contexts.revenue_guard?.[0]?.results.scc_event).toEqual({ id: `scc_event-${record.id}`, call: 1 });
    expect(Object.keys(steps.contexts.crew_notice?.[0]?.results ?? {}).sort()).toEqual([...STEP_NAMES].filter((s) => s !== 'crew_notice').sort());
    expect(events.filter((e) => e.type === 'step_done')).toHaveLength(6);
    expect(events.at(-1)).toEqual({ type: 'booking_done', bookingId: record.id });
  });

  it('writes the booking once per step: the start claims the first steps, each completion claims what it made ready, the last one finishes', async () => {
    const calls = { get: 0, put: 0 };
    const counting = new Proxy(store, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if ((prop === 'get' || prop === 'put') && typeof value === 'function') {
          return (...args: unknown[]) => {
            calls[prop] += 1;
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const steps = new ScriptedSteps({});
    const service = new BookingService({ store: counting, steps: steps.implementations, log, ...FAST });
    const booking = await service.create(sampleNewBooking());
    calls.get = 0;
    calls.put = 0;
    expect((await service.approve(booking.id, 'U0APPROVER1')).won).toBe(true);
    await service.idle();
    const record = (await store.get(booking.id))!;
    expect(record.state).toBe('done');
    for (const s of STEP_NAMES) expect(record.steps[s]).toMatchObject({ status: 'done', attempts: 1 });
    // The approval, then start + first claims, then at most one per step (the last also finishes):
    // 8 stored versions at most, not 2 per step + 3; fewer when steps finish while a write is in
    // flight (they go out together, next test).
    expect(record.version - booking.version).toBeLessThanOrEqual(1 + 1 + STEP_NAMES.length);
    // This process's writes queue behind each other, so steps finishing together lose no compare-and-set
    // (every put is a stored version), and each write starts from the record this process wrote last:
    // no reads at all.
    expect(calls.put).toBe(record.version - booking.version);
    expect(calls.get).toBe(0);
  });

  it('steps that finish while a write of their booking is in flight are written together, each claiming what it made ready', async () => {
    // An armed gate holds the next put until opened: a write in flight, as a slow DynamoDB's would be.
    const gate = { armed: false, waiting: deferred(), open: deferred() };
    const puts: BookingRecord[] = [];
    const gated = new Proxy(store, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (prop === 'put') {
          return async (next: BookingRecord, expectedVersion: number) => {
            if (gate.armed) {
              gate.armed = false;
              gate.waiting.resolve();
              await gate.open.promise;
            }
            puts.push(next);
            return target.put(next, expectedVersion);
          };
        }
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const roots = ['calendar', 'scc_event', 'guest_page'] as const;
    const entered = Object.fromEntries(roots.map((s) => [s, deferred()])) as Record<(typeof roots)[number], Deferred>;
    const finish = Object.fromEntries(roots.map((s) => [s, deferred()])) as Record<(typeof roots)[number], Deferred>;
    const scripted = new ScriptedSteps({});
    const implementations = { ...scripted.implementations };
    for (const step of roots) {
      implementations[step] = async (ctx) => {
        entered[step].resolve();
        await finish[step].promise;
        return { id: `${step}-${ctx.booking.id}` };
      };
    }
    const service = new BookingService({ store: gated, steps: implementations, log, ...FAST });
    const booking = await service.create(sampleNewBooking());
    expect((await service.approve(booking.id, 'U0APPROVER1')).won).toBe(true);
    await Promise.all(roots.map((s) => entered[s].promise));

    const before = puts.length;
    gate.armed = true;
    finish.calendar.resolve();
    await gate.waiting.promise; // calendar's completion is in flight
    finish.scc_event.resolve();
    finish.guest_page.resolve();
    await new Promise((r) => setImmediate(r)); // their completions are asked for meanwhile
    gate.open.resolve();
    await service.idle();

    const record = (await store.get(booking.id))!;
    expect(record.state).toBe('done');
    expect(scripted.calls).toMatchObject({ revenue_guard: 1, guest_cache: 1, crew_notice: 1 });
    const statuses = (r: BookingRecord | undefined) => Object.fromEntries(STEP_NAMES.map((s) => [s, r?.steps[s]?.status]));
    const [held, next] = puts.slice(before);
    // The held write is calendar's alone; the next has both others done, and each one's dependant claimed.
    expect(statuses(held)).toMatchObject({ calendar: 'done', scc_event: 'running', guest_page: 'running' });
    expect(statuses(next)).toMatchObject({ scc_event: 'done', guest_page: 'done', revenue_guard: 'running', guest_cache: 'running' });
  });

  it('runs independent steps concurrently: makespan is the critical path (3 waves), not 6', async () => {
    // Each barrier opens only when all its parties are inside their side effect at the same time.
    const wave1 = { barrier: { name: 'roots', parties: 3 } };
    const { steps, service } = setup({
      calendar: wave1,
      scc_event: wave1,
      guest_page: wave1,
      revenue_guard: { barrier: { name: 'second', parties: 2 } },
      guest_cache: { barrier: { name: 'second', parties: 2 } },
    });
    const record = await approvedAndRun(service);
    expect(record.state).toBe('done');
    // Waves from the timeline: a step's wave is 1 + the wave of the latest step that ended before it started.
    const wave: Partial<Record<StepName, number>> = {};
    const ended: StepName[] = [];
    for (const entry of steps.timeline) {
      if (entry.event === 'start') wave[entry.step] = 1 + Math.max(0, ...ended.map((s) => wave[s] ?? 0));
      else ended.push(entry.step);
    }
    console.log('pipeline waves', JSON.stringify(wave));
    expect(wave).toEqual({ calendar: 1, scc_event: 1, guest_page: 1, revenue_guard: 2, guest_cache: 2, crew_notice: 3 });
  });

  it('retries transient failures with backoff and counts the attempts', async () => {
    const { steps, service, events } = setup({ calendar: { transientFailures: 2 }, guest_cache: { transientFailures: 1, retryAfterMs: 2 } });
    const record = await approvedAndRun(service);
    expect(record.state).toBe('done');
    expect(record.steps.calendar).toMatchObject({ status: 'done', attempts: 3 });
    expect(record.steps.calendar.error).toBeUndefined();
    expect(record.steps.guest_cache).toMatchObject({ status: 'done', attempts: 2 });
    expect(steps.calls.calendar).toBe(3);
    expect(steps.contexts.calendar?.map((c) => c.attempt)).toEqual([1, 2, 3]);
    const retries = events.filter((e) => e.type === 'step_failed');
    expect(retries.map((e) => e.type === 'step_failed' && [e.step, e.willRetry])).toEqual(
      expect.arrayContaining([['calendar', true], ['calendar', true], ['guest_cache', true]]),
    );
    expect(retries).toHaveLength(3);
  });

  it('gives up after maxAttempts on a persistent transient failure, marking it retryable', async () => {
    const { steps, service } = setup({ guest_page: { transientFailures: 99 } }, { maxAttempts: 3 });
    const record = await approvedAndRun(service);
    expect(record.state).toBe('failed');
    expect(steps.calls.guest_page).toBe(3);
    expect(record.steps.guest_page).toMatchObject({ status: 'failed', attempts: 3, error: { code: 'TEST_UNAVAILABLE', retryable: true } });
    expect(record.steps.guest_cache.status).toBe('pending');
  });

  it('waits out 429s past maxAttempts (back-pressure, not failure); the failures after them still get every attempt', async () => {
    const { steps, service } = setup({ guest_page: { rateLimited: 6, transientFailures: 2 } }, { maxAttempts: 3 });
    const record = await approvedAndRun(service);
    expect(record.state).toBe('done');
    // six refusals, two 503s, then success: nine calls, where the attempt limit alone allows three
    expect(steps.calls.guest_page).toBe(9);
    expect(record.steps.guest_page).toMatchObject({ status: 'done', attempts: 9 });
  });

  it('ends a step that is only ever refused with 429 when its time budget runs out, retryable', async () => {
    const { steps, service } = setup({ guest_page: { rateLimited: 10_000, retryAfterMs: 20 } }, { maxAttempts: 3, stepBudgetMs: 400 });
    const record = await approvedAndRun(service);
    expect(record.state).toBe('failed');
    expect(steps.calls.guest_page).toBeGreaterThan(3);
    expect(steps.calls.guest_page).toBeLessThan(10_000);
    expect(record.steps.guest_page).toMatchObject({ status: 'failed', throttled: steps.calls.guest_page, error: { code: 'TEST_RATE_LIMITED', retryable: true } });
  });

  it('fails a permanent error at once; dependents wait, independent branches finish', async () => {
    const { steps, service, events } = setup({ scc_event: { permanent: true } });
    const record = await approvedAndRun(service);
    expect(record.state).toBe('failed');
    expect(steps.calls.scc_event).toBe(1);
    expect(record.steps.scc_event).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'SCC_UNAUTHORIZED', retryable: false, message: expect.stringContaining('check SCC_SERVICE_KEY') },
    });
    expect([record.steps.revenue_guard.status, record.steps.crew_notice.status]).toEqual(['pending', 'pending']);
    expect([record.steps.calendar.status, record.steps.guest_page.status, record.steps.guest_cache.status]).toEqual(['done', 'done', 'done']);
    expect(steps.calls.revenue_guard + steps.calls.crew_notice).toBe(0);
    expect(events.at(-1)).toEqual({ type: 'booking_failed', bookingId: record.id, failedSteps: ['scc_event'] });
  });

  it('an unexpected exception is a failed step with a bug report, not a retry loop', async () => {
    const { steps, service } = setup({ calendar: { bug: true } });
    const record = await approvedAndRun(service);
    expect(steps.calls.calendar).toBe(1);
    expect(record.steps.calendar.error).toMatchObject({ code: 'STEP_UNEXPECTED', retryable: false });
  });

  it('retry after the fault is cleared finishes without re-running finished steps', async () => {
    const { steps, service } = setup({ scc_event: { permanent: true } });
    const failed = await approvedAndRun(service);
    steps.set('scc_event', {});
    const outcome = await service.retry(failed.id, 'U0RETRIER1');
    expect(outcome.won).toBe(true);
    await service.idle();
    const record = await service.get(failed.id);
    expect(record?.state).toBe('done');
    expect(steps.calls).toEqual({ calendar: 1, scc_event: 2, revenue_guard: 1, guest_page: 1, guest_cache: 1, crew_notice: 1 });
    expect(record?.steps.scc_event).toMatchObject({ status: 'done', attempts: 1 });
    expect(record?.audit.map((a) => a.action)).toEqual(['created', 'approved', 'retried']);
    const again = await service.retry(failed.id, 'U0SECOND01');
    expect(again).toMatchObject({ won: false, reason: 'already_done', byUserId: 'U0RETRIER1' });
  });

  it('running a finished booking again is a no-op', async () => {
    const { steps, service } = setup();
    const record = await approvedAndRun(service);
    const again = await service.run(record.id);
    expect(again.version).toBe(record.version);
    expect(Object.values(steps.calls).reduce((a, b) => a + b, 0)).toBe(6);
  });

  it('never runs a step another owner holds under a live lease; takes it over once the lease expires', async () => {
    let clock = 1_900_000_000_000;
    // The monotonic clock follows the test's: under load the wait below outlasted the lease watch's
    // real-time threshold (leaseMs + 2 × maxDelayMs), and it took the live lease over.
    const { steps, service, events } = setup({}, { now: () => clock, monotonicNow: () => clock, leaseMs: 100 });
    const booking = await service.create(sampleNewBooking());
    // Another process claimed scc_event and (so far) is alive.
    const current = await store.get(booking.id);
    if (!current) throw new Error('missing');
    await store.put(claimStep({ ...current, state: 'approved' }, 'scc_event', 'other-process', clock, 60_000), current.version);
    const run = service.run(booking.id);
    // Wait until everything not blocked by scc_event is done.
    await new Promise<void>((resolve) => {
      const check = () => (events.filter((e) => e.type === 'step_done').length === 3 ? resolve() : setTimeout(check, 5));
      check();
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(steps.calls.scc_event).toBe(0);
    expect((await store.get(booking.id))?.steps.scc_event.lease?.owner).toBe('other-process');
    clock += 60_000; // the other process died: its lease runs out
    const record = await run;
    expect(record.state).toBe('done');
    expect(steps.calls.scc_event).toBe(1);
    expect(record.steps.scc_event.attempts).toBe(2);
  });

  it('two runners on one booking run each step exactly once, even when steps outlast the lease (heartbeat)', async () => {
    const slow = { delayMs: 120 };
    const steps = new ScriptedSteps({ calendar: slow, scc_event: slow, revenue_guard: slow, guest_page: slow, guest_cache: slow, crew_notice: slow });
    const a = new PipelineRunner({ store, steps: steps.implementations, log, ownerId: 'runner-a', ...FAST, leaseMs: 60 });
    const b = new PipelineRunner({ store, steps: steps.implementations, log, ownerId: 'runner-b', ...FAST, leaseMs: 60 });
    const service = new BookingService({ store, steps: steps.implementations, log, autoRun: false });
    const booking = await service.create(sampleNewBooking());
    await service.approve(booking.id, 'U0APPROVER1');
    const [ra, rb] = await Promise.all([a.run(booking.id), b.run(booking.id)]);
    expect([ra.state, rb.state]).toEqual(['done', 'done']);
    expect(steps.calls).toEqual({ calendar: 1, scc_event: 1, revenue_guard: 1, guest_page: 1, guest_cache: 1, crew_notice: 1 });
  });
});

describe('BookingService', () => {
  it('of concurrent approvals in one process exactly one wins; the rest are told who', async () => {
    const { steps, service } = setup();
    const booking = await service.create(sampleNewBooking());
    const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => service.approve(booking.id, `U0APPR${String(i).padStart(4, '0')}`)));
    await service.idle();
    const winners = outcomes.filter((o) => o.won);
    expect(winners).toHaveLength(1);
    const winnerId = winners[0]?.booking.audit.find((a) => a.action === 'approved')?.userId;
    for (const o of outcomes.filter((x) => !x.won)) expect(o).toMatchObject({ reason: 'already_done', byUserId: winnerId });
    expect(steps.calls.calendar).toBe(1);
  });

  it('cancel before approval closes the request; after approval it starts one cancel operation; losers hear who won', async () => {
    const { service } = setup();
    const booking = await service.create(sampleNewBooking());
    expect((await service.cancel(booking.id, 'U0CANCEL01')).won).toBe(true);
    expect(await service.approve(booking.id, 'U0APPROVER1')).toMatchObject({ won: false, reason: 'not_allowed', byUserId: 'U0CANCEL01' });
    expect(await service.cancel(booking.id, 'U0CANCEL02')).toMatchObject({ won: false, reason: 'already_done', byUserId: 'U0CANCEL01' });
    const approved = await service.create(sampleNewBooking());
    await service.approve(approved.id, 'U0APPROVER1');
    await service.idle();
    expect(await service.retry(approved.id, 'U0RETRIER1')).toMatchObject({ won: false, reason: 'not_allowed' });
    // Issue 15: a done booking can be cancelled — once (lifecycle.test.ts runs the cancel itself).
    expect(await service.cancel(approved.id, 'U0CANCEL01')).toMatchObject({ won: true, booking: { state: 'running' } });
    expect(await service.cancel(approved.id, 'U0CANCEL02')).toMatchObject({ won: false, reason: 'already_done', byUserId: 'U0CANCEL01' });
    await service.idle();
  });

  it('a guest page refresh is an operation: it re-runs guest_page and guest_cache of a done booking, audited, and the booking is done again', async () => {
    const { steps, service } = setup();
    const done = await approvedAndRun(service);
    const calls = { ...steps.calls };
    const asked = await service.requestRefresh(done.id, 'U0APPROVER1');
    expect(asked).toMatchObject({ outcome: 'queued', booking: { state: 'running' }, op: { kind: 'refresh', status: 'queued', requestedBy: 'U0APPROVER1' } });
    const after = await asked.finished;
    expect(steps.calls).toEqual({ ...calls, guest_page: 2, guest_cache: 2 });
    expect(after?.state).toBe('done');
    expect(after?.operations?.find((o) => o.id === asked.op.id)).toMatchObject({ status: 'done', steps: { guest_page: { status: 'done' }, guest_cache: { status: 'done', result: { id: `guest_cache-${done.id}`, call: 2 } } } });
    // The create's own results stay what they were: the ids a cancel acts on.
    expect(after?.steps.guest_cache).toEqual(done.steps.guest_cache);
    expect(steps.contexts.guest_cache?.[1]?.operation).toMatchObject({ id: asked.op.id, kind: 'refresh', revision: 1 });
    expect(after?.audit.at(-1)).toMatchObject({ action: 'refreshed', userId: 'U0APPROVER1' });
  });

  it('a second ask joins the refresh under way; a failed refresh leaves the booking failed (Retry) with the create untouched, and asking again runs it again', async () => {
    const { steps, service } = setup();
    const done = await approvedAndRun(service);
    steps.set('guest_page', { permanent: true, delayMs: 200 });
    const asked = await service.requestRefresh(done.id, 'U0APPROVER1');
    const second = await service.requestRefresh(done.id, 'U0APPROVER2');
    expect(second).toMatchObject({ outcome: 'joined', op: { id: asked.op.id, requestedBy: 'U0APPROVER1' } });
    const failed = await asked.finished;
    expect((await second.finished)?.version).toBe(failed?.version);
    expect(failed?.state).toBe('failed');
    expect(failed?.operations?.find((o) => o.id === asked.op.id)).toMatchObject({ status: 'failed', steps: { guest_page: { status: 'failed', error: { code: 'SCC_UNAUTHORIZED' } }, guest_cache: { status: 'pending' } } });
    expect(failed?.steps.guest_page).toEqual(done.steps.guest_page);
    expect(steps.calls.guest_cache).toBe(1);

    steps.set('guest_page', {});
    const again = await service.requestRefresh(done.id, 'U0APPROVER1');
    expect(again).toMatchObject({ outcome: 'retried', op: { id: asked.op.id } });
    expect((await again.finished)?.state).toBe('done');
    expect(steps.calls.guest_cache).toBe(2);
    const pending = await service.create(sampleNewBooking());
    await expect(service.requestRefresh(pending.id, 'U0APPROVER1')).rejects.toThrow(IllegalTransitionError);
  });

  it('confirmCrew records each person once; setSlackRefs merges', async () => {
    const { service } = setup();
    const booking = await service.create(sampleNewBooking());
    const once = await service.confirmCrew(booking.id, 'U0CREW0001');
    const twice = await service.confirmCrew(booking.id, 'U0CREW0001');
    expect(twice.version).toBe(once.version);
    expect(Object.keys(twice.confirmations)).toEqual(['U0CREW0001']);
    const refs = await service.setSlackRefs(booking.id, { progressTs: '1700000000.000200' });
    expect(refs.slack).toEqual({ channel: 'C0OPS00001', approvalTs: '1700000000.000100', progressTs: '1700000000.000200' });
  });

  it('resumeAll picks up an approved booking nobody started', async () => {
    // Its own file: resumeAll sees every active booking in the store.
    const own = SqliteBookingStore.open(path.join(tmpDir, 'resume.db'));
    const approver = new BookingService({ store: own, steps: new ScriptedSteps().implementations, log, autoRun: false });
    const booking = await approver.create(sampleNewBooking());
    await approver.approve(booking.id, 'U0APPROVER1');
    const steps = new ScriptedSteps();
    const service = new BookingService({ store: own, steps: steps.implementations, log, ...FAST });
    await service.resumeAll();
    await service.idle();
    expect((await own.get(booking.id))?.state).toBe('done');
    expect(steps.calls.crew_notice).toBe(1);
    await own.close();
  });
});
