/**
 * P3c: the DynamoDB store against the SQLite one. Two bots side by side (one per store, dynalite for
 * DynamoDB), no injected latency, the same bookings approved at once in alternating rounds: the bot's
 * CPU per booking on each, and how many DynamoDB calls per booking the store made (counted at the
 * proxy in front of dynalite, by table, so the revenue guard's calls on the SCC table are apart).
 */
import type { SlackApiStandin } from '../src/sandbox/slack-api-standin';
import type { Standins } from '../src/sandbox/standins';
import { type BenchResult, median, round, sleep } from './harness';
import { type PipelineRig, startPipelineRig } from './pipeline-rig';
import { spread } from './stats';

const BOOKINGS = Number(process.env.BENCH_P3C_BOOKINGS ?? 30);
/** Rounds, each one batch on each store; the order alternates so drift in the VM's speed falls on both alike. */
const ROUNDS = Number(process.env.BENCH_P3C_ROUNDS ?? 6);
const TABLE = 'bench-charter-bookings';

async function cpuPerBooking(rig: PipelineRig, count: number): Promise<number> {
  const records = await rig.createPending(count);
  const ids = records.map((r) => r.id);
  rig.clearCalls();
  const cpu0 = rig.child.cpuMs();
  await rig.approveAll(ids);
  await rig.waitDone(ids, 120_000);
  await sleep(1500); // the final progress updates
  return (rig.child.cpuMs() - cpu0) / count;
}

function storeCalls(rig: PipelineRig): { total: number; byOperation: Record<string, number> } {
  const byOperation: Record<string, number> = {};
  let total = 0;
  for (const c of rig.dynamodb.calls) {
    let table: string | undefined;
    try {
      table = (JSON.parse(c.body) as { TableName?: string }).TableName;
    } catch {
      table = undefined;
    }
    if (table !== TABLE) continue;
    total += 1;
    const op = (c.amzTarget ?? '?').split('.').pop() ?? '?';
    byOperation[op] = (byOperation[op] ?? 0) + 1;
  }
  return { total, byOperation };
}

export async function benchDynamoStore(ctx: { standins: Standins; slack: SlackApiStandin }): Promise<BenchResult> {
  const sqlite = await startPipelineRig(ctx.standins, ctx.slack);
  let dynamo: PipelineRig | undefined;
  try {
    dynamo = await startPipelineRig(ctx.standins, ctx.slack, { dynamodbTable: TABLE });
    await cpuPerBooking(sqlite, 5); // warm-up, both
    await cpuPerBooking(dynamo, 5);
    // calls per booking: one booking alone (nothing to collide with), then the burst rounds
    await cpuPerBooking(dynamo, 1);
    const single = storeCalls(dynamo);
    const sqliteCpu: number[] = [];
    const dynamoCpu: number[] = [];
    const ratios: number[] = [];
    const callsPer: number[] = [];
    let byOperation: Record<string, number> = {};
    for (let i = 0; i < ROUNDS; i++) {
      let s: number;
      let d: number;
      if (i % 2 === 0) {
        s = await cpuPerBooking(sqlite, BOOKINGS);
        d = await cpuPerBooking(dynamo, BOOKINGS);
      } else {
        d = await cpuPerBooking(dynamo, BOOKINGS);
        s = await cpuPerBooking(sqlite, BOOKINGS);
      }
      const calls = storeCalls(dynamo);
      sqliteCpu.push(s);
      dynamoCpu.push(d);
      ratios.push(d / s);
      callsPer.push(calls.total / BOOKINGS);
      byOperation = calls.byOperation;
    }
    const calls = median(callsPer);
    const ratio = median(ratios);
    return {
      id: 'P3c',
      what: `DynamoDB store vs SQLite store, ${BOOKINGS} approved at once, no latency (median of ${ROUNDS} rounds)`,
      baseline: { label: 'SQLite bot CPU/booking', value: round(median(sqliteCpu), 1), unit: 'ms' },
      measured: { label: 'DynamoDB bot CPU/booking', value: round(median(dynamoCpu), 1), unit: 'ms' },
      ratio: round(ratio, 3),
      goal: '≤ 20 store calls per booking; CPU ratio ≤ 1.3',
      pass: calls <= 20 && ratio <= 1.3,
      extra: {
        store_calls_per_booking: spread(callsPer, 1),
        store_calls_one_booking_alone: `${single.total} (${Object.entries(single.byOperation).map(([k, v]) => `${k} ${v}`).join(', ')})`,
        store_calls_by_operation_last_round: Object.entries(byOperation).map(([k, v]) => `${k} ${round(v / BOOKINGS, 1)}`).join(', '),
        cpu_ratio: spread(ratios, 3),
        sqlite_cpu_ms_per_booking: spread(sqliteCpu, 1),
        dynamodb_cpu_ms_per_booking: spread(dynamoCpu, 1),
      },
      notes: [
        'Store calls are counted at a proxy in front of dynalite, by TableName; the bench reads the store directly, not through it.',
        `Each round runs one batch on each store, SQLite first in even rounds and DynamoDB first in odd ones; the ratio is the median of the ${ROUNDS} rounds' ratios.`,
      ],
    };
  } finally {
    await dynamo?.close();
    await sqlite.close();
  }
}
