/**
 * Warnings about refused Slack requests, one a minute at most per kind. Anyone on the internet can
 * send requests to the bot's URL: a flood of forged ones must not flood the log (nor its bill), and
 * the one line a minute says how many it stands for. Every such warning goes through here: the
 * request guard's and Lambda's refusals (refusedRequestWarner), Bolt's, and the signing secret hint
 * (bolt-logger.ts).
 */
import type { Logger } from '../log';

export const REFUSAL_LOG_EVERY_MS = 60_000;
/** Kinds are few (our reasons, Bolt's messages with their numbers dropped); a bound all the same. */
const MAX_KINDS = 64;

/**
 * `limit(kind, write)`: calls `write(suppressed)` at most once a minute for `kind`, where
 * `suppressed` counts the refusals of that kind not logged since its last line.
 */
export type RefusalLimiter = (kind: string, write: (suppressed: number) => void) => void;

export function refusalLimiter(now: () => number = Date.now): RefusalLimiter {
  const kinds = new Map<string, { lastMs: number; suppressed: number }>();
  return (kind, write) => {
    let seen = kinds.get(kind);
    if (!seen) {
      if (kinds.size >= MAX_KINDS) kinds.clear();
      seen = { lastMs: -Infinity, suppressed: 0 };
      kinds.set(kind, seen);
    }
    if (now() - seen.lastMs < REFUSAL_LOG_EVERY_MS) {
      seen.suppressed += 1;
      return;
    }
    write(seen.suppressed);
    seen.lastMs = now();
    seen.suppressed = 0;
  };
}

/**
 * "refused a Slack request" for a request refused before Bolt saw it (src/slack/request-guard.ts,
 * a Lambda event from the future), the reason as its kind. The real clock by default: Bolt's own
 * staleness check uses it, whatever clock a test gives the app.
 */
export function refusedRequestWarner(log: Logger, now: () => number = Date.now): (reason: string) => void {
  const limit = refusalLimiter(now);
  return (reason) => limit(reason, (suppressed) => log.warn({ reason, ...(suppressed > 0 ? { refusedUnlogged: suppressed } : {}) }, 'refused a Slack request'));
}
