/**
 * Where each process's CPU went, from `perf` samples: what P3's gap is made of. `node --cpu-prof`
 * cannot answer that: its samples are wall-clock ticks while the thread is busy, so a process
 * that waits for a core (the floor, running 100 bookings at once beside busy stand-ins) is charged
 * for the wait: the floor's profile read ~1.35× its /proc CPU on 2026-12-03, the bot's ~1.0×.
 * `perf record -e cpu-clock` samples only on-CPU time, every thread, and the kernel.
 *
 *   BENCH_NODE_ARGS=--perf-basic-prof BENCH_ONLY=P3 BENCH_P3_PAIRED_ROUNDS=0 npm run bench &
 *   # once `ps` shows dist/main.js and dist/bench/floor.js (their pids), during P3's rounds:
 *   perf record -e cpu-clock -F 997 -a -g -o /tmp/perf.data -- sleep 60
 *   perf script -i /tmp/perf.data -F pid,tid,ip,sym,dso > /tmp/perf.txt
 *   npx tsx bench/perf-split.ts /tmp/perf.txt BOT_PID:BOOKINGS FLOOR_PID:BOOKINGS
 *
 * BOOKINGS is how many bookings each process ran while perf recorded (P3: 100 a round; the floor
 * also runs a 10-booking warm-up). Each main-thread sample is charged to its innermost JavaScript
 * frame's module (node's own modules by file), or, with no JavaScript frame, to what the native
 * leaf is; other threads are V8's optimising compiler, its GC helpers, or the rest. The bot is one
 * bundle (dist/main.js, zod inside it), so all its own frames are charged to `app main.js`; perf's
 * output still names each frame's function, which is where to look for a finer split.
 */
import { readFileSync } from 'node:fs';

const HZ = Number(process.env.PERF_HZ ?? 997);

export interface Sample {
  pid: string;
  main: boolean;
  frames: string[];
}

export function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  let current: Sample | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (!line.startsWith('\t')) {
      const m = /^\s*(\d+)\/(\d+)/.exec(line);
      current = m ? { pid: m[1]!, main: m[1] === m[2], frames: [] } : undefined;
      if (current) samples.push(current);
    } else current?.frames.push(line.trim());
  }
  return samples;
}

/** `JS:*name /path/file.js:1:2 (/tmp/perf-N.map)` → the module it belongs to; undefined for native frames. */
function jsModule(frame: string): string | undefined {
  if (!frame.includes('(/tmp/perf-')) return undefined;
  const where = /\s(\S+):\d+:\d+ \(\/tmp\/perf-/.exec(frame)?.[1] ?? '';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(where)?.[1];
  if (pkg) return pkg;
  if (where.startsWith('node:')) return where;
  const app = /\/dist\/(.+)$/.exec(where)?.[1];
  return app ? `app ${app}` : 'JS (other)';
}

function nativeKind(frames: readonly string[]): string {
  const all = frames.join(' ');
  if (/OptimizingCompileDispatcher|compiler::Pipeline|Maglev/.test(all)) return 'V8 optimising compiler';
  if (/Scavenge/.test(all)) return 'GC (young)';
  if (/MarkCompact|Marking|Sweep|Evacuat|Heap::/.test(all)) return 'GC (old)';
  if (/kernel/.test(frames[0] ?? '')) return 'kernel (no JS frame)';
  return 'native (no JS frame)';
}

/** Coarse groups for the side-by-side table: what the bot has that the floor does not, and what both have. */
const GROUPS: [string, RegExp][] = [
  ['bot: its own code', /^app (?!bench\/)/],
  ['bot: logging (pino, write(2))', /^(pino|sonic-boom|thread-stream|node:fs)$/],
  ['bot: Bolt, luxon, Handlebars, zod', /^(@slack\/bolt|luxon|handlebars|zod)$/],
  ['floor: its own code', /^app bench\//],
  ['AWS SDK', /^(@aws-sdk|@smithy)\//],
  ['undici and fetch', /^(undici|node:internal\/deps\/undici\/undici|node:internal\/webstreams\/.*)$/],
  ['WebClient', /^(@slack\/web-api|p-queue|p-retry|retry|eventemitter3)$/],
  ['timers, AbortSignal, events', /^node:(internal\/)?(timers|abort_controller|event_target|per_context\/domexception|priority_queue)$/],
  ['node net, http, streams', /^node:(net|_http_.*|internal\/stream_base_commons|internal\/streams\/.*|http|stream)$/],
  ['promise jobs (task queues)', /^node:internal\/process\/(task_queues|promises)$/],
  ['GC and native, main thread', /^(GC|native|kernel)/],
];

function group(key: string): string {
  return GROUPS.find(([, re]) => re.test(key))?.[0] ?? 'other';
}

/** One process's samples: other threads by kind, the main thread by module and by group. */
export function split(samples: readonly Sample[], pid: string) {
  const threads = new Map<string, number>();
  const mainKeys = new Map<string, number>();
  for (const s of samples) {
    if (s.pid !== pid) continue;
    if (!s.main) {
      const native = nativeKind(s.frames);
      const kind = native.startsWith('V8') || native.startsWith('GC') ? native : 'other threads';
      threads.set(kind, (threads.get(kind) ?? 0) + 1);
      continue;
    }
    const key = s.frames.map(jsModule).find((m) => m !== undefined) ?? nativeKind(s.frames);
    mainKeys.set(key, (mainKeys.get(key) ?? 0) + 1);
  }
  const groups = new Map<string, number>();
  for (const [k, n] of mainKeys) groups.set(group(k), (groups.get(group(k)) ?? 0) + n);
  return { threads, mainKeys, groups };
}

function main(): void {
  const [file, ...procs] = process.argv.slice(2);
  if (!file || procs.length === 0) throw new Error('usage: perf-split.ts perf.txt PID:BOOKINGS [PID:BOOKINGS]');
  const samples = parse(readFileSync(file, 'utf8'));
  const msPer = 1000 / HZ;
  const sides = procs.map((p) => {
    const [pid, bookings] = p.split(':');
    return { pid: pid!, bookings: Number(bookings ?? 1), ...split(samples, pid!) };
  });
  const perBooking = (n: number, bookings: number) => ((n * msPer) / bookings).toFixed(2).padStart(7);
  const table = (title: string, pick: (s: (typeof sides)[number]) => Map<string, number>, limit: number) => {
    const keys = [...new Set(sides.flatMap((s) => [...pick(s).keys()]))];
    const value = (s: (typeof sides)[number], k: string) => pick(s).get(k) ?? 0;
    // sorted by the first process's excess over the second when there are two
    const weight = (k: string) => value(sides[0]!, k) / sides[0]!.bookings - (sides[1] ? value(sides[1], k) / sides[1].bookings : 0);
    keys.sort((a, b) => weight(b) - weight(a));
    console.log(`\n${title} (ms per booking: ${sides.map((s) => `pid ${s.pid}`).join(' | ')}${sides.length === 2 ? ' | difference' : ''})`);
    for (const k of keys.slice(0, limit)) {
      const cols = sides.map((s) => perBooking(value(s, k), s.bookings));
      const diff = sides.length === 2 ? (weight(k) * msPer).toFixed(2).padStart(7) : '';
      console.log(`${cols.join(' ')} ${diff}  ${k}`);
    }
  };
  for (const s of sides) {
    const main = [...s.mainKeys.values()].reduce((a, b) => a + b, 0);
    const other = [...s.threads.values()].reduce((a, b) => a + b, 0);
    console.log(`pid ${s.pid}: ${s.bookings} bookings, ${perBooking(main + other, s.bookings).trim()} ms CPU a booking (main thread ${perBooking(main, s.bookings).trim()}, other threads ${perBooking(other, s.bookings).trim()})`);
  }
  table('Other threads', (s) => s.threads, 10);
  table('Main thread by group', (s) => s.groups, GROUPS.length + 1);
  table('Main thread by module', (s) => s.mainKeys, Number(process.env.PERF_TOP ?? 30));
}

if (require.main === module) main();
