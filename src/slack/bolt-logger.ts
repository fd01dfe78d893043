/** Bolt logs through pino; its info is request noise, so it goes out at debug. */
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../log';
import { REFUSAL_LOG_EVERY_MS, refusalLimiter } from './refusal-log';

/** One hint a minute at most: a flood of forged requests must not flood the log. */
const SECRET_HINT_EVERY_MS = REFUSAL_LOG_EVERY_MS;

/**
 * The Web API client's line for each failed attempt (a hung Slack: one per retry). Whoever made the
 * call logs its failure once, with the booking it was for, so this one goes out at debug.
 */
const ATTEMPT_FAILED = /^http request failed\b/;

/** Bolt's words for a request it refused as not from Slack (a bad signature, a stale timestamp…). */
const REFUSED_REQUEST = /Failed to verify authenticity|signature mismatch/i;

/**
 * Bolt says only "signature mismatch" when a request was signed with another secret; the usual
 * cause is ours (the Client Secret pasted for the Signing Secret), so the log says where to look.
 */
function signatureHint(child: Logger, now: () => number): (msg: string) => boolean {
  let lastMs = -Infinity;
  let unreported = 0;
  return (msg) => {
    if (!/signature mismatch/i.test(msg)) return false;
    unreported += 1;
    if (now() - lastMs < SECRET_HINT_EVERY_MS) return true;
    lastMs = now();
    child.warn(
      { requests: unreported },
      'Slack request refused: its signature does not match SLACK_SIGNING_SECRET. If every request is refused, set SLACK_SIGNING_SECRET to the Signing Secret under Basic Information → App Credentials in the Slack app (not the Client Secret); otherwise the request was not from Slack',
    );
    unreported = 0;
    return true;
  };
}

export function boltLogger(log: Logger, now: () => number = Date.now): BoltLogger {
  const child = log.child({ component: 'bolt' });
  const hint = signatureHint(child, now);
  const limit = refusalLimiter(now);
  /**
   * A refused request is logged once a minute at most per kind, with how many it stands for; a
   * signature mismatch only as the hint, which says more than Bolt's line.
   */
  const write = (level: 'warn' | 'error', msg: string) => {
    if (hint(msg)) return;
    if (ATTEMPT_FAILED.test(msg)) return child.debug(msg);
    if (!REFUSED_REQUEST.test(msg)) return child[level](msg);
    limit(msg.replace(/\d+/g, 'N'), (suppressed) => child[level](suppressed > 0 ? { refusedUnlogged: suppressed } : {}, msg));
  };
  let level = LogLevel.INFO;
  const text = (msg: unknown[]) => msg.map(String).join(' ');
  return {
    debug: (...msg) => child.debug(text(msg)),
    info: (...msg) => child.debug(text(msg)),
    warn: (...msg) => write('warn', text(msg)),
    error: (...msg) => write('error', text(msg)),
    setLevel: (l) => void (level = l),
    getLevel: () => level,
    setName: () => undefined,
  };
}
