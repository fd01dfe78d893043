/**
 * Shared pieces of the benchmarks: percentiles, a latency proxy for the stand-ins that cannot
 * inject latency themselves (s3rver, dynalite, the Slack stand-in), child processes with peak RSS,
 * the app's environment pointed at the stand-ins, and booking fixtures. Loopback only; every loop
 * is bounded by a count or a deadline.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { sampleRequest as exampleRequest } from '../test/support/booking';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { computeCosts } from '../src/booking/costs';
import { newSessionId } from '../src/booking/session-id';
import type { BookingRequest } from '../src/booking/types';
import type { NewBooking } from '../src/pipeline/api';
import { newBookingRecord } from '../src/pipeline/state-machine';
import type { BookingRecord } from '../src/pipeline/types';

export const ROOT = join(__dirname, '..');

/** The bot as `npm start` runs it: the compiled build (prestart runs `npm run build`). */
export const BOT_SCRIPT = 'dist/main.js';
/** The bare Bolt baseline, compiled the same way (plain JavaScript, no loader hook) by buildForBench. */
export const BARE_BOLT_SCRIPT = 'dist/bench/bare-bolt.js';
/** P3's floor, compiled the same way: under tsx its errors paid for source-map stack traces the bot never pays. */
export const FLOOR_SCRIPT = 'dist/bench/floor.js';

/**
 * Builds what the benchmarks start: the bot (`npm run build`, as `npm start` does first), the bare
 * Bolt app and the floor (esbuild, one file each with what they take from src/, packages left to
 * node_modules), so all run as plain JS.
 */
export async function buildForBench(): Promise<void> {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const { build } = await import('esbuild');
  for (const [entry, outfile] of [['bench/bare-bolt.ts', BARE_BOLT_SCRIPT], ['bench/floor.ts', FLOOR_SCRIPT]] as const) {
    await build({ absWorkingDir: ROOT, entryPoints: [entry], outfile, platform: 'node', format: 'cjs', target: 'node20', bundle: true, packages: 'external', logLevel: 'error' });
  }
}

export interface BenchResult {
  id: string;
  what: string;
  /** What the ratio divides by, measured in the same run. */
  baseline: { label: string; value: number; unit: string } | null;
  measured: { label: string; value: number; unit: string };
  /** measured / baseline; null for report-only figures. */
  ratio: number | null;
  goal: string | null;
  /** null when there is no goal. */
  pass: boolean | null;
  /** Other absolute numbers worth printing. */
  extra: Record<string, number | string>;
  notes: string[];
}

export { median, percentile, round } from './stats';
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, everyMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Runs `task` over `count` items with at most `concurrency` in flight. */
export async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      out[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return out;
}

export interface ProxiedCall {
  method: string;
  path: string;
  startMs: number;
  endMs: number;
  status: number;
  /** The request body as text (what the floor baseline replays) and the headers that name the operation. */
  body: string;
  contentType?: string;
  amzTarget?: string;
}

/**
 * A reverse proxy that holds every request `delayMs` before forwarding it (as the stand-ins' own
 * latency fault does) and records each call's interval. Headers pass through unchanged, so
 * s3rver's SigV4 check still sees the Host the SDK signed.
 */
export interface LatencyProxy {
  url: string;
  delayMs: number;
  calls: ProxiedCall[];
  close(): Promise<void>;
}

export async function startLatencyProxy(target: string): Promise<LatencyProxy> {
  const to = new URL(target);
  const proxy: LatencyProxy = { url: '', delayMs: 0, calls: [], close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const startMs = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const forward = () => {
        const upstream = httpRequest(
          { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
          (up) => {
            // Hop-by-hop headers stay on their hop (RFC 9110 §7.6.1): the stand-ins' short keep-alive
            // would otherwise make every client open a new connection per call, which real AWS and
            // Slack endpoints do not.
            const { connection: _connection, 'keep-alive': _keepAlive, ...headers } = up.headers;
            res.writeHead(up.statusCode ?? 502, headers);
            up.pipe(res);
            up.on('end', () =>
              proxy.calls.push({
                method: req.method ?? 'GET',
                path: req.url ?? '/',
                startMs,
                endMs: Date.now(),
                status: up.statusCode ?? 0,
                body: Buffer.concat(chunks).toString(),
                ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
                ...(typeof req.headers['x-amz-target'] === 'string' ? { amzTarget: req.headers['x-amz-target'] } : {}),
              }),
            );
          },
        );
        upstream.on('error', () => {
          if (!res.headersSent) res.writeHead(502);
          res.end();
        });
        upstream.end(Buffer.concat(chunks));
      };
      if (proxy.delayMs > 0) setTimeout(forward, proxy.delayMs);
      else forward();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}

/**
 * How many injected latencies lie one after another in a set of calls: the longest chain of
 * calls each starting after the previous one's delay had passed (parallel calls count once).
 */
export function latencyDepth(startTimesMs: readonly number[], delayMs: number): number {
  const sorted = [...startTimesMs].sort((a, b) => a - b);
  let depth = 0;
  let chainStart = Number.NEGATIVE_INFINITY;
  for (const t of sorted) {
    if (t >= chainStart + delayMs * 0.9) {
      depth += 1;
      chainStart = t;
    }
  }
  return depth;
}

export interface Child {
  proc: ChildProcess;
  startedAtMs: number;
  stdout: string[];
  stderr: string[];
  /** Peak resident set size so far (Linux VmHWM), in MB; NaN where /proc is missing. */
  peakRssMb(): number;
  /** CPU time used so far (user + system, Linux /proc), in ms; NaN where /proc is missing. */
  cpuMs(): number;
  /** cpuMs() with its parts, each /proc file read once; subtract two with cpuSince(). */
  cpuTimes(): CpuTimes;
  stop(): Promise<void>;
}

export function spawnNode(script: string, env: Record<string, string>, extraArgs: string[] = []): Child {
  const startedAtMs = Date.now();
  // BENCH_CPU_PROF=DIR profiles every spawned process (node --cpu-prof): how a missed goal is diagnosed.
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  // BENCH_NODE_ARGS="--trace-gc …" passes node flags to every spawned process (diagnosis only).
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  // Compiled scripts run as they are; TypeScript ones through tsx's CommonJS hook.
  const loader = script.endsWith('.js') ? [] : ['--require', 'tsx/cjs'];
  const proc = spawn(process.execPath, [...profile, ...nodeArgs, ...extraArgs, ...loader, script], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  proc.stdout?.on('data', (c: Buffer) => stdout.push(c.toString()));
  // BENCH_CHILD_LOG_DIR=DIR copies each spawned process's stdout to DIR/<script>.<pid>.log (diagnosis: --trace-deopt and the like).
  if (process.env.BENCH_CHILD_LOG_DIR) proc.stdout?.pipe(createWriteStream(join(process.env.BENCH_CHILD_LOG_DIR, `${basename(script)}.${proc.pid}.log`)));
  proc.stderr?.on('data', (c: Buffer) => stderr.push(c.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    proc,
    startedAtMs,
    stdout,
    stderr,
    peakRssMb() {
      try {
        const status = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
        const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
        return kb ? Number(kb) / 1024 : Number.NaN;
      } catch {
        return Number.NaN;
      }
    },
    cpuMs: () => procCpuMs(`/proc/${proc.pid}/stat`).totalMs,
    cpuTimes: () => {
      const whole = procCpuMs(`/proc/${proc.pid}/stat`);
      return { ...whole, mainThreadMs: procCpuMs(`/proc/${proc.pid}/task/${proc.pid}/stat`).totalMs };
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    },
  };
}

export interface CpuTimes {
  /** User + system, all threads. */
  totalMs: number;
  /** The kernel's part (stime): system calls, page faults, and the receiving side of loopback TCP. */
  systemMs: number;
  /** The JavaScript thread alone: the rest is V8's GC and compiler threads and libuv's pool. */
  mainThreadMs: number;
}

/** What a process (or thread) used between two cpuTimes() readings. */
export function cpuSince(before: CpuTimes, after: CpuTimes): CpuTimes {
  return { totalMs: after.totalMs - before.totalMs, systemMs: after.systemMs - before.systemMs, mainThreadMs: after.mainThreadMs - before.mainThreadMs };
}

function procCpuMs(path: string): { totalMs: number; systemMs: number } {
  try {
    // fields after the parenthesised command name: state is [0], utime [11], stime [12], in clock ticks (100/s on Linux)
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { totalMs: (Number(fields[11]) + Number(fields[12])) * 10, systemMs: Number(fields[12]) * 10 };
  } catch {
    return { totalMs: Number.NaN, systemMs: Number.NaN };
  }
}

/** The `port` of the first pino line saying the app listens. */
export function listeningPort(child: Child): number | undefined {
  for (const line of child.stdout.join('').split('\n')) {
    const m = /"port":(\d+)/.exec(line);
    if (m && line.includes('listening')) return Number(m[1]);
  }
  return undefined;
}

/** Polls GET url until it answers 200; returns the time of that answer. */
/** A port free on loopback right now, for a child told to listen on it. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export async function firstOk(url: string, child: Child, timeoutMs: number): Promise<number> {
  return waitUntil(
    `200 from ${url}`,
    async () => {
      if (child.proc.exitCode !== null) throw new Error(`child exited ${child.proc.exitCode}: ${child.stderr.join('')}`);
      try {
        const res = await fetch(url);
        await res.arrayBuffer();
        return res.status === 200 ? Date.now() : undefined;
      } catch {
        return undefined;
      }
    },
    timeoutMs,
    2,
  );
}

export const SIGNING_SECRET = 'bench-signing-secret-0123456789';
export const BOT_TOKEN = 'xoxb-bench-bot-token';
export const APPROVER = 'U0APPROVE1';
export const OPS_CHANNEL = 'C0OPS00001';
export const CREW_CHANNEL = 'C0CREW0001';

/** DESIGN's configuration contract for the app process, pointed at the stand-ins. */
export function appEnv(standinEnv: Record<string, string>, o: { slackApiUrl: string; storePath: string; port?: number }): Record<string, string> {
  return {
    ...standinEnv,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: o.slackApiUrl,
    PORT: String(o.port ?? 0),
    CHARTER_APPROVERS: APPROVER,
    CHARTER_OPS_CHANNEL: OPS_CHANNEL,
    CHARTER_CREW_CHANNEL: CREW_CHANNEL,
    CHARTER_STORE: `sqlite:${o.storePath}`,
    CHARTER_TIMEZONE: 'America/Los_Angeles',
    LOG_LEVEL: 'info',
    // BENCH_BOT_ENV="CHARTER_MAX_CONCURRENT_RUNS=32 LOG_LEVEL=warn" overrides the bot's settings (diagnosis only).
    ...Object.fromEntries((process.env.BENCH_BOT_ENV ?? '').split(' ').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
  };
}

/** The operator's worked example (test/support/booking.ts), one distinct guest per booking. */
export function sampleRequest(n: number): BookingRequest {
  return exampleRequest({
    guestName: `Guest Number${n}`,
    guestEmail: `guest${n}@example.com`,
    date: `${new Date().getUTCFullYear() + 1}-07-04`,
    boatsetterRef: `BS-${40000 + n}`,
    notes: 'Birthday',
  });
}

/** A pending booking record as the modal submission would have stored it. */
export function pendingBooking(n: number, nowMs = Date.now()): BookingRecord {
  const request = sampleRequest(n);
  const input: NewBooking = {
    id: newSessionId(),
    request,
    roster: [
      { slackUserId: 'U0CAPTAIN1', name: 'Sam Ortiz', email: 'sam@example.com', role: 'captain' },
      { slackUserId: 'U0CREW0001', name: 'Lee Park', email: 'lee@example.com', role: 'crew' },
      { slackUserId: 'U0CREW0002', name: 'Ana Cruz', email: 'ana@example.com', role: 'crew' },
    ],
    costs: computeCosts(
      { grossCents: request.priceCents, crewCount: request.crew.length, crewHours: request.crewHours, captainHours: request.captainHours },
      { crewRateCentsPerHour: 2500, captainRateCentsPerHour: 5000, portFeeBasisPoints: 1800, checkInLeadMinutes: 30 },
    ),
    createdBy: APPROVER,
    slack: { channel: OPS_CHANNEL, approvalTs: `1800000000.${String(n).padStart(6, '0')}` },
  };
  return newBookingRecord(input, nowMs);
}

/** When the last step of a done booking finished (the app's clock: same machine). */
export function doneAtMs(b: BookingRecord): number {
  return Math.max(...Object.values(b.steps).map((s) => s.finishedAtMs ?? Number.NaN));
}
