/** Pure parts of the liveness work: the run queue's bound, dead-owner recognition, the stated bound, store outages in a step. */
import { DEFAULT_LIVENESS, failureBoundMs, loadConfig } from '../../../src/config';
import { StoreUnavailableError } from '../../../src/pipeline/errors';
import { parseOwnerId, sameHostOwnerDead } from '../../../src/pipeline/owner-liveness';
import { toStepError } from '../../../src/pipeline/runner';
import { RunQueue } from '../../../src/pipeline/run-queue';
import { validEnv } from '../../support/env';

describe('RunQueue', () => {
  it('never runs more than its limit at once and runs everything, in order of arrival', async () => {
    const queue = new RunQueue(3);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const jobs = Array.from({ length: 20 }, (_, i) =>
      queue.run(async () => {
        started.push(i);
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5 + (i % 3)));
        running -= 1;
        return i;
      }),
    );
    expect(await Promise.all(jobs)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(peak).toBe(3);
    expect(started).toEqual([...started].sort((a, b) => a - b));
    expect(queue.size).toEqual({ active: 0, waiting: 0 });
  });

  it('frees the slot when a run throws', async () => {
    const queue = new RunQueue(1);
    await expect(queue.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(queue.run(async () => 'next')).resolves.toBe('next');
  });
});

describe('owner liveness', () => {
  it('parses {host}-{pid}-{random}, hosts with dashes included', () => {
    expect(parseOwnerId('ip-10-0-0-1-4242-0a1b2c3d')).toEqual({ host: 'ip-10-0-0-1', pid: 4242 });
    expect(parseOwnerId('restart-calendar:before')).toBeUndefined();
  });

  it('a dead pid on this host is dead; another host, a live pid, or an unparsable owner counts as alive', () => {
    const dead = sameHostOwnerDead('me-1-00000000', 'box', 1);
    expect(dead('box-99999999-0a1b2c3d')).toBe(true);
    expect(dead(`box-${process.pid}-0a1b2c3d`)).toBe(false);
    expect(dead('other-99999999-0a1b2c3d')).toBe(false);
    expect(dead('not-an-owner-id')).toBe(false);
    // Our own pid under another id is a previous incarnation (a container restarted as pid 1).
    expect(dead('box-1-ffffffff')).toBe(true);
    expect(dead('me-1-00000000')).toBe(false);
  });
});

describe('the stated bound', () => {
  it('defaults fail a hung system within 2 minutes, and the variables move it', () => {
    expect(failureBoundMs(DEFAULT_LIVENESS)).toBe(105_000);
    const loaded = loadConfig(validEnv({ CHARTER_STEP_BUDGET_MS: '30000', CHARTER_STEP_TIMEOUT_MS: '20000' }));
    if (!loaded.ok) throw new Error(loaded.problems.join('; '));
    expect(failureBoundMs(loaded.config.liveness)).toBe(50_000);
    const bad = loadConfig(validEnv({ CHARTER_LEASE_MS: 'soon' }));
    expect(bad.ok ? [] : bad.problems).toEqual([expect.stringMatching(/^CHARTER_LEASE_MS must be a whole number/)]);
  });
});

describe('a store outage inside a step', () => {
  it('reads as the state store being unavailable, with the fix and Retry, never as a bug', () => {
    const locked = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    expect(toStepError('crew_notice', locked)).toEqual({ code: 'STORE_UNAVAILABLE', retryable: true, message: expect.stringMatching(/SQLite file in CHARTER_STORE\) was locked .* then press Retry/) });
    const throttled = new StoreUnavailableError('DynamoDB table charter: ProvisionedThroughputExceededException', undefined, { transient: true });
    expect(toStepError('crew_notice', throttled)).toEqual({ code: 'STORE_UNAVAILABLE', retryable: true, message: expect.stringMatching(/DynamoDB table in CHARTER_STORE\) was throttling or unavailable .* then press Retry/) });
    // A store that is misconfigured is not waited out: its own message says what to fix.
    const missing = new StoreUnavailableError('DynamoDB table charter: ResourceNotFoundException', undefined, { transient: false });
    expect(toStepError('crew_notice', missing)).toMatchObject({ code: 'PIPELINE_STORE_UNAVAILABLE', retryable: false });
    expect(toStepError('crew_notice', new TypeError('x is undefined')).message).toMatch(/This is a bug in charter-bot/);
  });
});
