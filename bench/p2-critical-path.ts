/**
 * P2: Approve → booking done with 200 ms on every outside call, against the DAG's critical path
 * computed from the latencies actually injected (how many of them each step met one after another).
 * Runs one booking at a time, after one unmeasured warm-up booking.
 */
import type { StepName } from '../src/pipeline/types';
import { type BenchResult, doneAtMs, median, round } from './harness';
import { stepTimeline } from './timeline';
import { criticalPathMs, type PipelineRig } from './pipeline-rig';

export const LATENCY_MS = 200;
const RUNS = 3;

export interface CriticalPathOutcome {
  result: BenchResult;
  /** One booking's approve → done, per run (P3's baseline). */
  makespansMs: number[];
}

export async function benchCriticalPath(rig: PipelineRig): Promise<CriticalPathOutcome> {
  // The first booking warms up; the next ones give the makespan with no injected latency at all:
  // the bot's and the stand-ins' own service time, which P2's residual above the critical path is made of.
  rig.setLatency(0);
  const floorMs: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const [b] = await rig.createPending(1);
    const sentAtMs = await rig.approveAll([b!.id]);
    const [done] = await rig.waitDone([b!.id], 30_000);
    if (i > 0) floorMs.push(doneAtMs(done!) - sentAtMs);
  }

  rig.setLatency(LATENCY_MS);
  const makespansMs: number[] = [];
  const pathsMs: number[] = [];
  const firstStepMs: number[] = [];
  const timelines: string[] = [];
  let depths: Record<StepName, number> | undefined;
  for (let i = 0; i < RUNS; i++) {
    // let the previous booking's trailing Slack updates drain so they do not land in this run's calls
    await new Promise((r) => setTimeout(r, 1500));
    rig.clearCalls();
    const [b] = await rig.createPending(1);
    const sentAtMs = await rig.approveAll([b!.id]);
    const [done] = await rig.waitDone([b!.id], 30_000);
    makespansMs.push(doneAtMs(done!) - sentAtMs);
    depths = rig.stepDepths();
    timelines.push(stepTimeline(done!, sentAtMs));
    pathsMs.push(criticalPathMs(depths, LATENCY_MS));
    firstStepMs.push(Math.min(...Object.values(done!.steps).map((s) => s.startedAtMs ?? Number.POSITIVE_INFINITY)) - sentAtMs);
  }
  const measured = median(makespansMs);
  const baseline = median(pathsMs);
  const ratio = measured / baseline;
  return {
    makespansMs,
    result: {
      id: 'P2',
      what: `Approve → done, ${LATENCY_MS} ms on every outside call (median of ${RUNS})`,
      baseline: { label: 'critical path', value: baseline, unit: 'ms' },
      measured: { label: 'makespan', value: round(measured, 0), unit: 'ms' },
      ratio: round(ratio, 3),
      goal: 'ratio ≤ 1.15',
      pass: ratio <= 1.15,
      extra: {
        makespan_no_latency_ms: round(median(floorMs), 0),
        makespans_ms: makespansMs.map((m) => round(m, 0)).join('/'),
        approve_to_first_step_ms: round(median(firstStepMs), 0),
        last_run_steps_ms: timelines.at(-1) ?? '',
        latencies_per_step: depths ? Object.entries(depths).map(([k, v]) => `${k}:${v}`).join(' ') : '',
      },
      notes: ['Latency is injected by the dashboard, SCC and CloudFront stand-ins and by a proxy in front of s3rver, dynalite and the Slack stand-in (they cannot inject it themselves).'],
    },
  };
}
