/**
 * Lambda's follow-up to a crew answer's redraw: the one-minute tick redraws the crew posts saved
 * as showing something other than what their booking draws now. There an answer's redraw starts no
 * round after its first second (Slack waits for the click's answer), so an update of it that
 * reached Slack late (over a change's newer call, or "you're off" over a member put back on), or
 * one Slack refused, is left behind with no later round to find it. Each draw is saved with a
 * digest of what it made the post show, so the tick finds those posts by comparing digests, and a
 * quiet tick makes no Slack call.
 *
 * The same goes for a member a change took off while the answer's redraw drew their call: its call
 * may land after the change's "you're off", and should Slack refuse the redraw's own "you're off"
 * they would keep a live call whose clicks are refused. Their post is then saved with a call other
 * than the one the change drew "you're off" over (offPostsHoldingCall in ./crew-redraw.ts), so the
 * tick draws "you're off" over it, naming the charter as they were called for it.
 *
 * Only bookings at rest (done, no change or cancel under way): a change's crew step draws its own
 * posts and answers are refused until it has (crew-answers.ts, callBeingChanged), which a redraw of
 * the new call ahead of it would undo. At most `maxPerTick` bookings a tick, the most recently
 * changed first: chat.update is Tier 3, about 50 a minute for the whole workspace. A post Slack
 * refused for good (saved `refused`) is left alone.
 */
import type { WebClient } from '@slack/web-api';
import type { Config } from '../config';
import type { Logger } from '../log';
import type { BookingApi } from '../pipeline/api';
import { operationsOf } from '../pipeline/operations';
import type { PeriodicTask } from '../pipeline/periodic';
import type { BookingStore } from '../pipeline/store';
import type { BookingRecord } from '../pipeline/types';
import { offPostsHoldingCall, postsBehind, refreshCrewPosts } from './crew-redraw';
import { REDRAW_CHANGED_WITHIN_MS } from './progress/redraw-at-start';

export const CREW_REDRAW_BEHIND_PER_TICK = 5;

export interface CrewRedrawBehindDeps {
  store: Pick<BookingStore, 'listCurrent'>;
  client: WebClient;
  api: Pick<BookingApi, 'get' | 'updateSlackRefs'>;
  config: Config;
  log: Logger;
  /** The redraw's budget of rounds (src/lambda-app.ts): a tick's invocation has others to run. */
  withinMs?: number;
  maxPerTick?: number;
}

const IN_FLIGHT = new Set(['pending', 'running', 'stopping', 'failed']);

function atRest(b: BookingRecord): boolean {
  return b.state === 'done' && !operationsOf(b).some((o) => IN_FLIGHT.has(o.status));
}

/** Redraws the crew posts left behind on bookings at rest; returns how many bookings it redrew. */
export async function redrawCrewPostsBehind(deps: CrewRedrawBehindDeps, nowMs: number): Promise<number> {
  const since = nowMs - REDRAW_CHANGED_WITHIN_MS;
  const listed = await deps.store.listCurrent(['done'], nowMs);
  const behind = listed
    .filter((b) => b.updatedAtMs >= since && atRest(b) && (postsBehind(b, deps.config).length > 0 || offPostsHoldingCall(b).length > 0))
    .sort((a, b) => b.updatedAtMs - a.updatedAtMs)
    .slice(0, deps.maxPerTick ?? CREW_REDRAW_BEHIND_PER_TICK);
  if (behind.length === 0) return 0;
  deps.log.info({ bookingIds: behind.map((b) => b.id) }, 'redrawing crew posts an answer left behind the booking');
  for (const booking of behind) {
    await refreshCrewPosts(deps.client, booking, deps.config, deps.log, deps.api, { onlyBehind: true, ...(deps.withinMs !== undefined ? { withinMs: deps.withinMs } : {}) });
  }
  return behind.length;
}

/** The periodic task (Lambda's schedule runs it every minute; a store error is logged by the scheduler). */
export function crewRedrawBehindTask(deps: CrewRedrawBehindDeps): PeriodicTask {
  return {
    name: 'crew-redraw-behind',
    everyMs: 60_000,
    run: async (nowMs) => {
      await redrawCrewPostsBehind(deps, nowMs);
    },
  };
}
