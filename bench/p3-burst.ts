/**
 * P3: CPU per booking, 100 bookings approved at once (100 concurrent Approve clicks) with 200 ms on
 * every outside call, the bot against the floor (bench/floor.ts: the same outside calls with the same
 * clients, no framework, no store), both as child processes of this bench, measured round by round
 * (bot then floor) so both see the same machine. Each round the floor makes as many progress updates
 * per booking as the bot just did. Also counts artifacts for duplicates and reads the bot's peak RSS
 * and its Slack call rates.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newSessionId } from '../src/booking/session-id';
import { DEFAULT_LIVENESS } from '../src/config';
import { APPROVE_ACTION_ID } from '../src/slack/blocks/approval';
import type { RecordedSlackCall } from '../src/sandbox/slack-api-standin';
import { blockActionPayload, SlackRequester } from '../src/sandbox/slack-requests';
import { APPROVER, type BenchResult, BOT_TOKEN, type Child, type CpuTimes, cpuSince, CREW_CHANNEL, doneAtMs, FLOOR_SCRIPT, median, OPS_CHANNEL, round, SIGNING_SECRET, sleep, spawnNode, waitUntil } from './harness';
import { captureFloorTemplate, templateCallCounts, writeFloorTemplate, type FloorTemplate } from './floor-template';
import { LATENCY_MS } from './p2-critical-path';
import type { PipelineRig } from './pipeline-rig';
import { spread } from './stats';
import { stepSpread } from './timeline';

const BOOKINGS = 100;
const ROUNDS = Number(process.env.BENCH_P3_ROUNDS ?? 5);
/** Diagnosis rounds with bot and floor side by side (pairedRound); 0 skips them. */
const PAIRED_ROUNDS = Number(process.env.BENCH_P3_PAIRED_ROUNDS ?? 3);
/** After the last booking is done, its final progress update is still on the wire: wait it out on both sides. */
const TRAIL_MS = 1500;

/** Most calls seen inside any 1-second window. */
export function peakPerSecond(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= 1000) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

function bookingOf(call: RecordedSlackCall): string | undefined {
  const meta = call.body.metadata as { event_payload?: { booking_id?: string } } | undefined;
  return meta?.event_payload?.booking_id;
}

/** Artifacts per booking in the stand-ins since the last clearCalls: what is missing, how many extra. */
export function artifactCheck(rig: PipelineRig, ids: readonly string[]): { missing: string[]; duplicates: number } {
  const idSet = new Set(ids);
  const countPer = (keys: readonly string[]) => {
    const counts = new Map<string, number>();
    for (const k of keys) if (idSet.has(k)) counts.set(k, (counts.get(k) ?? 0) + 1);
    return counts;
  };
  const { dashboard, scc, cloudfront } = rig.standins;
  const artifacts = {
    calendar: countPer(dashboard.entries().map((e) => e.externalId)),
    scc_event: countPer(scc.events().map((e) => e.externalId)),
    guest_page: countPer(rig.s3.calls.filter((c) => c.method === 'PUT' && c.path.includes('.html')).map((c) => /jada-guest-([a-z0-9]+)\.html/.exec(c.path)?.[1]?.toUpperCase() ?? '')),
    // One invalidation per booking, its paths `/g/{ID}*` and `/jada-guest-{id}.*`: count the `/g/` one.
    guest_cache: countPer(cloudfront.invalidations().flatMap((inv) => inv.paths.flatMap((p) => /^\/g\/([A-Z0-9]+)\*?$/.exec(p)?.[1] ?? []))),
    crew_notice: countPer(rig.slack.callsTo('chat.postMessage').filter((c) => c.body.channel === CREW_CHANNEL).map((c) => bookingOf(c) ?? '')),
  };
  const missing = Object.entries(artifacts).filter(([, m]) => m.size !== ids.length).map(([k, m]) => `${k} ${m.size}/${ids.length}`);
  const duplicates = Object.values(artifacts).reduce((n, m) => n + [...m.values()].filter((c) => c > 1).reduce((a, c) => a + c - 1, 0), 0);
  return { missing, duplicates };
}

/** Slack traffic since `sentAtMs`, per method: calls, average and peak rates. */
export function slackRates(calls: readonly RecordedSlackCall[], sentAtMs: number): { windowS: number; limited: number; updatePerMinute: number; rates: Record<string, string> } {
  const windowS = Math.max(1, (Math.max(...calls.map((c) => c.atMs)) - sentAtMs) / 1000);
  const methods = [...new Set(calls.map((c) => c.method))].sort();
  const rates = Object.fromEntries(
    methods.map((m) => {
      const ofMethod = calls.filter((c) => c.method === m);
      const perChannel = new Map<string, number[]>();
      for (const c of ofMethod) perChannel.set(String(c.body.channel), [...(perChannel.get(String(c.body.channel)) ?? []), c.atMs]);
      const channelPeak = Math.max(...[...perChannel.values()].map(peakPerSecond));
      return [`slack ${m}`, `${ofMethod.length} calls, avg ${round(ofMethod.length / windowS, 1)}/s, peak ${peakPerSecond(ofMethod.map((c) => c.atMs))}/s, peak ${channelPeak}/s in one channel`];
    }),
  );
  const updates = calls.filter((c) => c.method === 'chat.update').length;
  return { windowS, limited: calls.filter((c) => c.status === 429).length, updatePerMinute: updates / (windowS / 60), rates };
}

interface Floor {
  child: Child;
  requester: SlackRequester;
  stats(): Promise<{ done: number; failed: number; errors: string[] }>;
  settings(settings: { updatesPerBooking?: number; maxConcurrent?: number }): Promise<void>;
}

async function startFloor(template: FloorTemplate, dir: string, standinEnv: Record<string, string>): Promise<Floor> {
  const file = join(dir, 'floor-template.json');
  writeFloorTemplate(file, template);
  const child = spawnNode(FLOOR_SCRIPT, {
    FLOOR_TEMPLATE: file,
    // FLOOR_DEADLINES=0 npm run bench: the floor without its clients' deadlines (diagnosis; bench/floor.ts).
    FLOOR_DEADLINES: process.env.FLOOR_DEADLINES ?? '1',
    PORT: '0',
    SLACK_BOT_TOKEN: BOT_TOKEN,
    AWS_REGION: standinEnv.AWS_REGION ?? 'us-west-2',
    AWS_ACCESS_KEY_ID: standinEnv.AWS_ACCESS_KEY_ID ?? 'local',
    AWS_SECRET_ACCESS_KEY: standinEnv.AWS_SECRET_ACCESS_KEY ?? 'local',
  });
  const port = await waitUntil('floor listening', () => {
    if (child.proc.exitCode !== null) throw new Error(`floor exited: ${child.stderr.join('')}`);
    return /"floor":"listening","port":(\d+)/.exec(child.stdout.join(''))?.[1];
  }, 30_000);
  const base = `http://127.0.0.1:${port}`;
  return {
    child,
    requester: new SlackRequester({ url: base, signingSecret: SIGNING_SECRET }),
    stats: async () => (await (await fetch(`${base}/stats`)).json()) as { done: number; failed: number; errors: string[] },
    settings: async (settings) => {
      await fetch(`${base}/settings`, { method: 'POST', body: JSON.stringify(settings) });
    },
  };
}

/** Clicks Approve on `count` fresh floor bookings at once; resolves when all are done. */
async function floorBookings(floor: Floor, count: number): Promise<void> {
  const before = await floor.stats();
  const ids = Array.from({ length: count }, () => newSessionId());
  const answers = await Promise.all(ids.map((id) => floor.requester.interact(blockActionPayload({ userId: APPROVER, actionId: APPROVE_ACTION_ID, value: id, channelId: OPS_CHANNEL }))));
  if (answers.some((a) => a.status !== 200)) throw new Error('floor refused an Approve click');
  await waitUntil(`floor: ${count} bookings`, async () => {
    const s = await floor.stats();
    if (s.failed > before.failed) throw new Error(`floor booking failed: ${s.errors.join('; ')}`);
    return s.done - before.done >= count ? true : undefined;
  }, 120_000, 20);
}

/** Approves `count` fresh floor bookings at once; the floor's CPU for them (all threads, and the JavaScript thread alone), trailing calls included. */
async function floorRound(floor: Floor, count: number): Promise<CpuTimes> {
  const before = floor.child.cpuTimes();
  await floorBookings(floor, count);
  await sleep(TRAIL_MS);
  return cpuSince(before, floor.child.cpuTimes());
}

/**
 * A paired round, for diagnosis: the bot's and the floor's bookings approved at the same moment,
 * the floor held to the bot's run cap, so both run side by side for the whole round and see the
 * same machine. On a VM whose speed drifts by the second this ratio is steadier than P3's; it is
 * reported beside P3, not in its place (P3's floor runs all its bookings at once).
 */
async function pairedRound(rig: PipelineRig, floor: Floor, updatesPerBooking: number): Promise<number> {
  await sleep(TRAIL_MS);
  const records = await rig.createPending(BOOKINGS);
  const ids = records.map((r) => r.id);
  await floor.settings({ updatesPerBooking, maxConcurrent: DEFAULT_LIVENESS.maxConcurrentRuns });
  const bot0 = rig.child.cpuMs();
  const floor0 = floor.child.cpuMs();
  try {
    await Promise.all([rig.approveAll(ids).then(() => rig.waitDone(ids, 120_000)), floorBookings(floor, BOOKINGS)]);
    await sleep(TRAIL_MS);
  } finally {
    await floor.settings({ maxConcurrent: 0 });
  }
  return (rig.child.cpuMs() - bot0) / (floor.child.cpuMs() - floor0);
}

export interface FloorCapture {
  template: FloorTemplate;
}

/** One booking through the bot with the calls cleared before: the template the floor replays. */
export async function captureTemplate(rig: PipelineRig): Promise<FloorTemplate> {
  await sleep(TRAIL_MS);
  rig.clearCalls();
  const [b] = await rig.createPending(1);
  await rig.approveAll([b!.id]);
  await rig.waitDone([b!.id], 30_000);
  await sleep(TRAIL_MS);
  return captureFloorTemplate(rig, b!.id);
}

export async function benchBurst(rig: PipelineRig, singleMakespansMs: readonly number[], standinEnv: Record<string, string>): Promise<BenchResult> {
  rig.setLatency(LATENCY_MS);
  const template = await captureTemplate(rig);
  const dir = mkdtempSync(join(tmpdir(), 'bench-floor-'));
  const floor = await startFloor(template, dir, standinEnv);
  try {
    await floorRound(floor, 10); // warm-up: the bot has run P2's bookings already
    const botPer: number[] = [];
    const floorPer: number[] = [];
    const ratios: number[] = [];
    const mainRatios: number[] = [];
    const botMainShare: number[] = [];
    const floorMainShare: number[] = [];
    const botSysPer: number[] = [];
    const floorSysPer: number[] = [];
    const walls: number[] = [];
    const updatesPer: number[] = [];
    let first: { missing: string[]; duplicates: number; log: string; peakRssMb: number; steps: string; slack: ReturnType<typeof slackRates>; busyPct: number } | undefined;
    for (let round_ = 0; round_ < ROUNDS; round_++) {
      await sleep(TRAIL_MS);
      const records = await rig.createPending(BOOKINGS);
      const ids = records.map((r) => r.id);
      const approvalTs = new Set(records.map((r) => r.slack.approvalTs));
      rig.clearCalls();
      const stdoutChunks = rig.child.stdout.length;
      const before = rig.child.cpuTimes();
      const sentAtMs = await rig.approveAll(ids);
      const done = await rig.waitDone(ids, 120_000);
      const wallMs = Math.max(...done.map(doneAtMs)) - sentAtMs;
      await sleep(TRAIL_MS);
      const { totalMs: botCpuMs, mainThreadMs: botMainMs, systemMs: botSysMs } = cpuSince(before, rig.child.cpuTimes());
      const progressUpdates = rig.slack.callsTo('chat.update').filter((c) => !approvalTs.has(String(c.body.ts))).length;
      const updates = progressUpdates / BOOKINGS;
      if (!first) {
        const check = artifactCheck(rig, ids);
        const logged = rig.child.stdout.slice(stdoutChunks).join('');
        const logLines = logged.split('\n').filter(Boolean);
        const perMessage = new Map<string, number>();
        for (const line of logLines) {
          const msg = /"msg":"([^"]*)"/.exec(line)?.[1] ?? '?';
          perMessage.set(msg, (perMessage.get(msg) ?? 0) + 1);
        }
        const topMessages = [...perMessage].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([m, n]) => `${m} ${round(n / BOOKINGS, 1)}`).join('; ');
        const log = `${round(logLines.length / BOOKINGS, 1)} lines, ${round(logged.length / BOOKINGS / 1024, 1)} KB (${topMessages})`;
        first = { ...check, log, peakRssMb: rig.child.peakRssMb(), steps: stepSpread(done, sentAtMs), slack: slackRates(rig.slack.calls, sentAtMs), busyPct: (100 * botCpuMs) / wallMs };
      }
      await floor.settings({ updatesPerBooking: updates });
      const { totalMs: floorCpuMs, mainThreadMs: floorMainMs, systemMs: floorSysMs } = await floorRound(floor, BOOKINGS);
      botSysPer.push(botSysMs / BOOKINGS);
      floorSysPer.push(floorSysMs / BOOKINGS);
      mainRatios.push(botMainMs / floorMainMs);
      botMainShare.push(botMainMs / botCpuMs);
      floorMainShare.push(floorMainMs / floorCpuMs);
      botPer.push(botCpuMs / BOOKINGS);
      floorPer.push(floorCpuMs / BOOKINGS);
      ratios.push(botCpuMs / floorCpuMs);
      walls.push(wallMs);
      updatesPer.push(updates);
    }
    const paired: number[] = [];
    for (let round_ = 0; round_ < PAIRED_ROUNDS; round_++) paired.push(await pairedRound(rig, floor, median(updatesPer)));
    const ratio = median(ratios);
    return {
      id: 'P3',
      what: `CPU per booking, ${BOOKINGS} approved at once, ${LATENCY_MS} ms per outside call, bot / floor (median of ${ROUNDS} rounds)`,
      baseline: { label: 'floor CPU/booking', value: round(median(floorPer), 1), unit: 'ms' },
      measured: { label: 'bot CPU/booking', value: round(median(botPer), 1), unit: 'ms' },
      ratio: round(ratio, 3),
      goal: 'ratio ≤ 1.25',
      pass: ratio <= 1.25 && first!.missing.length === 0 && first!.duplicates === 0,
      extra: {
        ratio_spread: spread(ratios, 3),
        // Round by round, in order: whether the gap shrinks as V8 finishes tiering both processes up.
        ratio_by_round: ratios.map((r) => round(r, 2)).join('/'),
        cpu_ms_per_booking_by_round_bot_floor: `${botPer.map((c) => round(c, 1)).join('/')} / ${floorPer.map((c) => round(c, 1)).join('/')}`,
        ...(paired.length > 0 ? { paired_ratio_same_cap_side_by_side: spread(paired, 3) } : {}),
        main_thread_ratio: spread(mainRatios, 3),
        main_thread_share_bot_floor: `${spread(botMainShare, 2)} / ${spread(floorMainShare, 2)}`,
        bot_cpu_ms_per_booking_spread: spread(botPer, 1),
        system_cpu_ms_per_booking_bot_floor: `${spread(botSysPer, 1)} / ${spread(floorSysPer, 1)}`,
        floor_cpu_ms_per_booking_spread: spread(floorPer, 1),
        calls_per_booking: templateCallCounts(template),
        progress_updates_per_booking_in_burst: updatesPer.map((u) => round(u, 2)).join('/'),
        wall_ms: spread(walls, 0),
        wall_vs_one_booking: round(median(walls) / median(singleMakespansMs), 2),
        duplicates: first!.duplicates,
        missing_artifacts: first!.missing.join(', ') || 'none',
        log_per_booking: first!.log,
        peak_rss_mb: round(first!.peakRssMb, 1),
        bot_cpu_busy_pct: round(first!.busyPct, 0),
        steps_ms: first!.steps,
        slack_429s: first!.slack.limited,
        chat_update_per_min: round(first!.slack.updatePerMinute, 0),
        ...first!.slack.rates,
      },
      notes: [
        'Floor = bench/floor.ts: the calls the bot made for one booking (captured this run), replayed per booking with the same clients (undici, AWS SDK v3, WebClient) and their per-call deadlines, no framework, no store; it verifies and parses the same signed Approve click.',
        'CPU is user+system from /proc/PID/stat of each child process, including the trailing final update (1.5 s after the last booking is done).',
        'Spreads are min–max over rounds; figures are medians.',
        'system_cpu (diagnosis): the kernel\'s part (stime) of each process\'s CPU per booking; the rest is user time.',
        'main_thread_ratio (diagnosis): the same ratio for the JavaScript thread alone (/proc/PID/task/PID/stat); main_thread_share is that thread\'s part of each process\'s CPU, the rest being V8\'s GC and compiler threads.',
        `paired_ratio_same_cap_side_by_side (diagnosis, not the goal): ${PAIRED_ROUNDS} more rounds with the bot's and the floor's ${BOOKINGS} approved at the same moment and the floor held to the bot's run cap (${DEFAULT_LIVENESS.maxConcurrentRuns}), so both see the same machine for the whole round.`,
      ],
    };
  } finally {
    await floor.child.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
