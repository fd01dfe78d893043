/**
 * `npm run bench`: every benchmark in one run on this machine, one table, bench/results.json.
 * Each figure is a ratio to a baseline measured in this same run. `BENCH_ONLY=P1,P4` runs a subset.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { startSlackApiStandin } from '../src/sandbox/slack-api-standin';
import { startStandins } from '../src/sandbox/standins';
import { type BenchResult, buildForBench, ROOT, round } from './harness';
import { benchAck } from './p1-ack';
import { benchCriticalPath } from './p2-critical-path';
import { benchBurst } from './p3-burst';
import { benchBurst300 } from './p3b-burst300';
import { benchDynamoStore } from './p3c-dynamodb';
import { startPipelineRig } from './pipeline-rig';
import { benchStartup } from './p4-startup';
import { benchIntake } from './intake';
import { benchRender } from './render';
import { benchStore } from './store';

function table(results: BenchResult[]): string {
  const rows = results.map((r) => [
    r.id,
    r.what,
    r.baseline ? `${r.baseline.label} ${r.baseline.value} ${r.baseline.unit}` : '—',
    `${r.measured.label} ${r.measured.value} ${r.measured.unit}`,
    r.ratio === null ? '—' : r.ratio.toFixed(2),
    r.goal ?? 'report only',
    r.pass === null ? '—' : r.pass ? 'PASS' : 'MISS',
  ]);
  const head = ['id', 'what', 'baseline (same run)', 'measured', 'ratio', 'goal', 'result'];
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim().toUpperCase());
  const wanted = (id: string) => !only || only.includes(id);
  const started = Date.now();
  const machine = { nproc: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryGb: round(totalmem() / 2 ** 30, 1), node: process.version, platform: `${process.platform} ${process.arch}` };
  console.log(`machine: ${machine.nproc} cores (${machine.cpu}), ${machine.memoryGb} GB, node ${machine.node}`);

  // The bot and the bare Bolt baseline run compiled, as `npm start` runs the bot.
  await buildForBench();
  const standins = await startStandins();
  const slack = await startSlackApiStandin();
  const results: BenchResult[] = [];
  const run = async (id: string, f: () => Promise<BenchResult | BenchResult[]>) => {
    if (!wanted(id)) return;
    const t0 = Date.now();
    process.stdout.write(`${id} … `);
    try {
      const out = await f();
      const list = Array.isArray(out) ? out : [out];
      results.push(...list);
      console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${list.map((r) => `${r.id} ${r.measured.value} ${r.measured.unit}${r.ratio === null ? '' : ` ratio ${r.ratio}`}`).join('; ')}`);
    } catch (err) {
      console.log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      results.push({ id, what: 'failed to run', baseline: null, measured: { label: 'error', value: Number.NaN, unit: '' }, ratio: null, goal: null, pass: false, extra: {}, notes: [String(err)] });
    }
  };
  try {
    await run('P1', () => benchAck({ standinEnv: standins.env, slack }));
    if (wanted('P2') || wanted('P3')) {
      const rig = await startPipelineRig(standins, slack);
      try {
        let single: number[] = [];
        // P3's baseline is P2's single-booking makespan, so P3 alone still runs P2
        await run(wanted('P2') ? 'P2' : 'P3', async () => {
          const outcome = await benchCriticalPath(rig);
          single = outcome.makespansMs;
          return outcome.results;
        });
        await run('P3', () => benchBurst(rig, single, standins.env));
      } finally {
        await rig.close();
      }
    }
    await run('P3B', () => benchBurst300({ standins, slack }));
    await run('P3C', () => benchDynamoStore({ standins, slack }));
    await run('P4', () => benchStartup({ standinEnv: standins.env, slack }));
    await run('RENDER', () => benchRender({ standinEnv: standins.env }));
    await run('INTAKE', async () => benchIntake());
    await run('STORE', () => benchStore({ dynamodbEndpoint: standins.dynamodb.endpoint }));
  } finally {
    await slack.close();
    await standins.close();
  }

  const totalSeconds = round((Date.now() - started) / 1000, 1);
  console.log(`\n${table(results)}\n`);
  for (const r of results) {
    const extras = Object.entries(r.extra).map(([k, v]) => `${k}=${v}`).join(', ');
    if (extras) console.log(`${r.id}: ${extras}`);
    for (const n of r.notes) console.log(`${r.id}: ${n}`);
  }
  console.log(`\ntotal ${totalSeconds} s`);
  const file = join(ROOT, 'bench', 'results.json');
  writeFileSync(file, `${JSON.stringify({ ranAt: new Date().toISOString(), machine, totalSeconds, results }, null, 2)}\n`);
  console.log(`wrote ${file}`);
  process.exitCode = results.some((r) => r.pass === false && r.measured.label === 'error') ? 1 : 0;
}

void main();
