/**
 * P3: 100 bookings approved at once (100 concurrent Approve clicks) with the same latency as P2,
 * against one booking's makespan measured in the same run. Counts artifacts in the stand-ins'
 * recorders for duplicates, reads the bot process's peak RSS, and the Slack calls per second.
 */
import type { RecordedSlackCall } from '../src/sandbox/slack-api-standin';
import { type BenchResult, CREW_CHANNEL, doneAtMs, median, round } from './harness';
import { LATENCY_MS } from './p2-critical-path';
import type { PipelineRig } from './pipeline-rig';
import { stepSpread } from './timeline';

const BOOKINGS = 100;

/** Most calls seen inside any 1-second window. */
function peakPerSecond(times: readonly number[]): number {
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

export async function benchBurst(rig: PipelineRig, singleMakespansMs: readonly number[]): Promise<BenchResult> {
  rig.setLatency(LATENCY_MS);
  await new Promise((r) => setTimeout(r, 1500));
  const records = await rig.createPending(BOOKINGS);
  const ids = records.map((r) => r.id);
  rig.clearCalls();
  const botCpu0 = rig.child.cpuMs();
  const benchCpu0 = process.cpuUsage();
  const sentAtMs = await rig.approveAll(ids);
  const done = await rig.waitDone(ids, 120_000);
  const wallMs = Math.max(...done.map(doneAtMs)) - sentAtMs;
  const botCpuMs = rig.child.cpuMs() - botCpu0;
  const benchCpu = process.cpuUsage(benchCpu0);
  const benchCpuMs = (benchCpu.user + benchCpu.system) / 1000;
  // trailing progress updates belong to the burst's Slack traffic too
  await new Promise((r) => setTimeout(r, 2000));
  const peakRssMb = rig.child.peakRssMb();

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
    guest_cache: countPer(cloudfront.invalidations().flatMap((inv) => inv.paths.map((p) => p.replace(/^\/g\//, '')))),
    crew_notice: countPer(rig.slack.callsTo('chat.postMessage').filter((c) => c.body.channel === CREW_CHANNEL).map((c) => bookingOf(c) ?? '')),
  };
  const missing = Object.entries(artifacts).filter(([, m]) => m.size !== BOOKINGS).map(([k, m]) => `${k} ${m.size}/${BOOKINGS}`);
  const duplicates = Object.values(artifacts).reduce((n, m) => n + [...m.values()].filter((c) => c > 1).reduce((a, c) => a + c - 1, 0), 0);

  const slackCalls = rig.slack.calls;
  const windowS = Math.max(1, (Math.max(...slackCalls.map((c) => c.atMs)) - sentAtMs) / 1000);
  const limited = slackCalls.filter((c) => c.status === 429).length;
  const methods = [...new Set(slackCalls.map((c) => c.method))].sort();
  const rates = Object.fromEntries(methods.map((m) => {
    const calls = slackCalls.filter((c) => c.method === m);
    const perChannel = new Map<string, number[]>();
    for (const c of calls) perChannel.set(String(c.body.channel), [...(perChannel.get(String(c.body.channel)) ?? []), c.atMs]);
    const channelPeak = Math.max(...[...perChannel.values()].map(peakPerSecond));
    return [m, `${calls.length} calls, avg ${round(calls.length / windowS, 1)}/s, peak ${peakPerSecond(calls.map((c) => c.atMs))}/s, peak ${channelPeak}/s in one channel`];
  }));
  const single = median(singleMakespansMs);
  const ratio = wallMs / single;
  // Slack's published limits: chat.postMessage ≈ 1/s per channel (short bursts tolerated),
  // chat.update Tier 3 ≈ 50/min per workspace. The stand-in does not enforce them, so the rates are compared here.
  const updates = slackCalls.filter((c) => c.method === 'chat.update').length;
  const updatePerMinute = updates / (windowS / 60);
  const withinLimits = limited === 0 && updatePerMinute <= 50;
  const pass = missing.length === 0 && duplicates === 0 && ratio <= 2 && peakRssMb <= 250 && withinLimits;
  return {
    id: 'P3',
    what: `${BOOKINGS} bookings approved at once, ${LATENCY_MS} ms per outside call`,
    baseline: { label: 'one booking makespan', value: round(single, 0), unit: 'ms' },
    measured: { label: 'wall', value: round(wallMs, 0), unit: 'ms' },
    ratio: round(ratio, 3),
    goal: 'all done, 0 dup, ratio ≤ 2, RSS ≤ 250 MB, Slack in limits',
    pass,
    extra: {
      done: `${done.length}/${BOOKINGS}`,
      steps_ms: stepSpread(done, sentAtMs),
      duplicates,
      missing_artifacts: missing.join(', ') || 'none',
      peak_rss_mb: round(peakRssMb, 1),
      bot_cpu_ms_per_booking: round(botCpuMs / BOOKINGS, 1),
      bot_cpu_busy_pct: round((100 * botCpuMs) / wallMs, 0),
      standins_cpu_busy_pct: round((100 * benchCpuMs) / wallMs, 0),
      slack_429s: limited,
      slack_window_s: round(windowS, 1),
      chat_update_per_min: round(updatePerMinute, 0),
      ...Object.fromEntries(Object.entries(rates).map(([m, v]) => [`slack ${m}`, v])),
    },
    notes: [
      `peak RSS is the bot process's VmHWM (whole life of the process, including tsx).`,
      `Slack stand-in does not enforce rate limits; 429s counted = ${limited}. Judged against Slack's published limits: chat.update Tier 3 (~50/min per workspace), chat.postMessage ~1/s per channel.`,
    ],
  };
}
