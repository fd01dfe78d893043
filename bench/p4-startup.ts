/**
 * P4: process start → ready to serve, i.e. spawn `node dist/main.js` (what `npm start` runs, after
 * its build) until the first GET /healthz answers 200, against a bare Bolt app compiled the same way
 * (bench/bare-bolt.ts → dist/bench/bare-bolt.js): both plain JavaScript. Plus each Lambda bundle's size and
 * its cold require (a fresh `node` requiring index.js: what a Lambda cold start pays before the
 * handler runs), median of COLD_RUNS.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { SlackApiStandin } from '../src/sandbox/slack-api-standin';
import { appEnv, BARE_BOLT_SCRIPT, type BenchResult, BOT_SCRIPT, BOT_TOKEN, firstOk, freePort, median, ROOT, round, SIGNING_SECRET, spawnNode } from './harness';
import { spread } from './stats';

const RUNS = 3;
/** Fresh processes per function: one require takes ~0.15 s, and the VM's speed swings from one second to the next. */
const COLD_RUNS = 11;
const BUNDLE_LIMIT_BYTES = 2 * 1024 * 1024;
const COLD_REQUIRE_GOAL_MS = 150;

/**
 * Wall and CPU ms to require `file` in a fresh node process, timed inside it. CPU is reported too:
 * on a machine shared with other work the wall time includes waiting for a core, the CPU time not.
 */
function coldRequire(file: string): { wallMs: number; cpuMs: number } {
  const script = `const c = process.cpuUsage(); const t = performance.now(); require(${JSON.stringify(file)}); const w = performance.now() - t; const u = process.cpuUsage(c); process.stdout.write(JSON.stringify({ wallMs: w, cpuMs: (u.user + u.system) / 1000 }));`;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' }, timeout: 30_000 });
  return JSON.parse(out.toString()) as { wallMs: number; cpuMs: number };
}

async function timeToReady(script: string, env: Record<string, string>): Promise<number> {
  const port = await freePort();
  const child = spawnNode(script, { ...env, PORT: String(port) });
  try {
    const okAtMs = await firstOk(`http://127.0.0.1:${port}/healthz`, child, 30_000);
    return okAtMs - child.startedAtMs;
  } finally {
    await child.stop();
  }
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

interface FunctionBundle {
  /** The function's folder (or .zip), from the repository root. */
  path: string;
  bytes: number;
  /** What a cold start requires: index.js in the folder (or the .zip). */
  entry: string;
}

/**
 * Runs the Lambda build if it exists; each function is a folder it wrote under dist/ (a .zip if
 * any): its code is every .js in it (index.js, and lazy.js which loads on first use).
 */
async function bundleSize(): Promise<{ largestBytes: number; functions: FunctionBundle[] } | string> {
  if (!existsSync(join(ROOT, 'scripts', 'build-lambda.ts'))) return 'not yet built (scripts/build-lambda.ts does not exist)';
  const startedMs = Date.now() - 1000;
  const failed = await new Promise<string | undefined>((resolve) =>
    execFile('npm', ['run', '--silent', 'build:lambda'], { cwd: ROOT, timeout: 120_000 }, (err, _out, stderr) => resolve(err ? `build:lambda failed: ${stderr.slice(-300) || err.message}` : undefined)),
  );
  if (failed) return failed;
  const fresh = filesUnder(join(ROOT, 'dist')).filter((f) => statSync(f).mtimeMs >= startedMs);
  const zips = fresh.filter((f) => f.endsWith('.zip'));
  const rel = (f: string) => f.slice(ROOT.length + 1);
  const byFolder = new Map<string, string[]>();
  for (const f of fresh.filter((f) => /\.(m|c)?js$/.test(f))) byFolder.set(dirname(f), [...(byFolder.get(dirname(f)) ?? []), f]);
  const functions: FunctionBundle[] =
    zips.length > 0
      ? zips.map((f) => ({ path: rel(f), bytes: statSync(f).size, entry: rel(f) }))
      : [...byFolder].map(([dir, files]) => ({
          path: rel(dir),
          bytes: files.reduce((sum, f) => sum + statSync(f).size, 0),
          entry: rel(files.find((f) => /\/index\.(m|c)?js$/.test(f)) ?? files[0] ?? dir),
        }));
  if (functions.length === 0) return 'build:lambda wrote no .zip or .js under dist/';
  return { largestBytes: Math.max(...functions.map((f) => f.bytes)), functions };
}

export async function benchStartup(ctx: { standinEnv: Record<string, string>; slack: SlackApiStandin }): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-p4-'));
  const botEnv = appEnv(ctx.standinEnv, { slackApiUrl: ctx.slack.url, storePath: join(dir, 'charter.db') });
  const bareEnv = { SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: ctx.slack.url };
  const botMs: number[] = [];
  const bareMs: number[] = [];
  try {
    // one unmeasured start each warms the page cache
    await timeToReady(BOT_SCRIPT, botEnv);
    await timeToReady(BARE_BOLT_SCRIPT, bareEnv);
    for (let i = 0; i < RUNS; i++) {
      botMs.push(await timeToReady(BOT_SCRIPT, botEnv));
      bareMs.push(await timeToReady(BARE_BOLT_SCRIPT, bareEnv));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const bot = median(botMs);
  const bare = median(bareMs);
  const ratio = bot / bare;
  const bundle = await bundleSize();
  return [
    {
      id: 'P4',
      what: `start → first 200 from GET /healthz (median of ${RUNS})`,
      baseline: { label: 'bare Bolt', value: round(bare, 0), unit: 'ms' },
      measured: { label: 'bot', value: round(bot, 0), unit: 'ms' },
      ratio: round(ratio, 3),
      goal: 'ratio ≤ 1.5',
      pass: ratio <= 1.5,
      extra: { bot_runs_ms: botMs.map((m) => round(m, 0)).join('/'), bare_runs_ms: bareMs.map((m) => round(m, 0)).join('/') },
      notes: [],
    },
    ...(typeof bundle === 'string'
      ? [{ id: 'P4-bundle', what: 'Lambda bundle size', baseline: null, measured: { label: 'bundle', value: Number.NaN, unit: 'MB' }, ratio: null, goal: '≤ 2 MB', pass: null, extra: {}, notes: [bundle] } satisfies BenchResult]
      : bundleResults(bundle)),
  ];
}

function bundleResults(bundle: { largestBytes: number; functions: FunctionBundle[] }): BenchResult[] {
  const js = bundle.functions.filter((f) => f.entry.endsWith('.js')).map((f) => ({ path: f.entry, samples: [] as { wallMs: number; cpuMs: number }[] }));
  // Alternating between the functions, so a slow minute of the machine falls on both alike.
  for (let i = 0; i < COLD_RUNS; i++) for (const f of js) f.samples.push(coldRequire(join(ROOT, f.path)));
  const cold = js.map(({ path, samples }) => {
    const runs = samples.map((x) => x.wallMs);
    const cpu = samples.map((x) => x.cpuMs);
    return { path, runs, cpu, median: median(runs) };
  });
  const slowest = cold.length > 0 ? Math.max(...cold.map((c) => c.median)) : Number.NaN;
  return [
    {
      id: 'P4-bundle',
      what: 'Lambda bundle size (largest function)',
      baseline: { label: 'limit', value: 2, unit: 'MB' },
      measured: { label: 'largest', value: round(bundle.largestBytes / 2 ** 20, 2), unit: 'MB' },
      ratio: round(bundle.largestBytes / BUNDLE_LIMIT_BYTES, 3),
      goal: '≤ 2 MB',
      pass: bundle.largestBytes <= BUNDLE_LIMIT_BYTES,
      extra: Object.fromEntries(bundle.functions.map((f) => [f.path, `${round(f.bytes / 2 ** 20, 2)} MB`])),
      notes: ['Each folder is one Lambda function’s code (index.js and lazy.js); the limit applies per function.'],
    },
    {
      id: 'P4-cold',
      what: `Lambda bundle cold require, slowest function (median of ${COLD_RUNS} fresh processes)`,
      baseline: { label: 'goal', value: COLD_REQUIRE_GOAL_MS, unit: 'ms' },
      measured: { label: 'require', value: round(slowest, 0), unit: 'ms' },
      ratio: round(slowest / COLD_REQUIRE_GOAL_MS, 3),
      goal: `≤ ${COLD_REQUIRE_GOAL_MS} ms`,
      pass: slowest <= COLD_REQUIRE_GOAL_MS,
      extra: Object.fromEntries(cold.flatMap((c) => [[`${c.path} wall_ms`, spread(c.runs, 0)], [`${c.path} cpu_ms`, spread(c.cpu, 0)]])),
      notes: ['Timed inside a fresh node process: require(index.js) only, no handler call (the handler builds the app on its first event; lazy.js loads when a step first runs).'],
    },
  ];
}
