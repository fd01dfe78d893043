/**
 * The server bounds how far its heap grows between full collections (src/heap-growth.ts), unless
 * node was started with its own heap sizing. Checked in fresh processes on a heap that behaves like
 * a burst of bookings: garbage that lives long enough to be promoted.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { HEAP_GROWING_PERCENT, heapGrowthFlag } from '../../../src/heap-growth';

const ROOT = path.resolve(__dirname, '../../..');
const FIXTURE = path.join(ROOT, 'test/fixtures/heap/promoted-garbage.ts');

interface Run {
  flag: string | null;
  majors: number;
  peakHeapMb: number;
}

function run(env: Record<string, string>): Run {
  const out = execFileSync(process.execPath, ['--require', 'tsx/cjs', FIXTURE], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(out.trim().split('\n').pop()!) as Run;
}

jest.setTimeout(90_000);

describe('heap growth bound', () => {
  it('collects sooner and peaks lower than V8 left to size the heap by the host', () => {
    const free = run({});
    const bound = run({ BOUND: '1' });
    expect(bound.flag).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    expect(bound.majors).toBeGreaterThan(free.majors);
    expect(bound.peakHeapMb).toBeLessThan(free.peakHeapMb * 0.75);
  });

  it('leaves the heap as sized by whoever started node', () => {
    expect(run({ BOUND: '1', NODE_OPTIONS: '--max-old-space-size=4096' }).flag).toBeNull();
    expect(heapGrowthFlag(['--max_old_space_size=512'], undefined)).toBeUndefined();
    expect(heapGrowthFlag([], '--enable-source-maps --heap-growing-percent=20')).toBeUndefined();
    expect(heapGrowthFlag(['--max-semi-space-size=16', '--enable-source-maps'], '')).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  });
});
