/**
 * Self-fencing must stop a cut-off process, never a healthy run on a slow store. A review found
 * that a store answering every call in ~3.5–4 s (at a 15 s lease) fenced every attempt of a long
 * step: the first renewal went out a third of a lease after the claim's answer, not its sending,
 * and landed after the fence. Here every store call answers late (SQLite behind a delaying proxy),
 * at 1/10 scale: a 1.5 s lease, store calls of 300 and 400 ms (4 s at full scale; a write is a read and a put, 8 s), a 2.5 s step.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../../src/log';
import type { ProgressEvent } from '../../../src/pipeline/api';
import { BookingService } from '../../../src/pipeline/service';
import { SqliteBookingStore } from '../../../src/pipeline/sqlite-store';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { ScriptedSteps } from '../../fixtures/pipeline/scripted-steps';

jest.setTimeout(60_000);

const log = createLogger({ level: process.env.FENCE_DEBUG ? 'debug' : 'silent', pretty: false });
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fence-slow-'));
afterAll(() => fs.rmSync(tmpDir, { recursive: true, force: true }));

/** Every promise the store returns settles `ms` later: a store that answers, slowly. */
function answeringLate<T extends object>(target: T, ms: number): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      const value: unknown = Reflect.get(t, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const out = (value as (...a: unknown[]) => unknown).apply(t, args);
        return out instanceof Promise ? out.then(async (v) => (await new Promise((r) => setTimeout(r, ms)), v)) : out;
      };
    },
  });
}

it.each([300, 400])('a 2.5 s step with a 1.5 s lease on a store answering each call in %i ms runs once and is never fenced', async (latencyMs) => {
  const store = SqliteBookingStore.open(path.join(tmpDir, `s${latencyMs}.db`));
  const steps = new ScriptedSteps({ scc_event: { delayMs: 2500 } });
  const service = new BookingService({ store: answeringLate(store, latencyMs), steps: steps.implementations, log, leaseMs: 1500, baseDelayMs: 10, maxDelayMs: 50, createQuietMs: 50 });
  const failures: string[] = [];
  service.onProgress((e: ProgressEvent) => {
    if (e.type === 'step_failed') failures.push(`${(e as { step: string }).step}: ${(e as { error?: { code?: string } }).error?.code ?? '?'}`);
  });
  const booking = await service.create(sampleNewBooking());
  await service.approve(booking.id, 'U0APPROVER1');
  await service.idle();
  const record = await service.get(booking.id);
  await store.close();
  expect({ state: record?.state, failures, sccCalls: steps.calls.scc_event }).toEqual({ state: 'done', failures: [], sccCalls: 1 });
});
