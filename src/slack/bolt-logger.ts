/** Bolt logs through pino; its info is request noise, so it goes out at debug. */
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../log';
import { refusalLimiter } from './refusal-log';

/**
 * The Web API client's line for each failed attempt (a hung Slack: one per retry). Whoever made the
 * call logs its failure once, with the booking it was for, so this one goes out at debug.
 */
const ATTEMPT_FAILED = /^http request failed\b/;

/** Bolt's words for a request it refused as not from Slack (a bad signature, a stale timestamp…). */
const REFUSED_REQUEST = /Failed to verify authenticity|signature mismatch/i;

/**
 * Bolt says only "signature mismatch" when a request was signed with another secret; the usual
 * cause is ours (the Client Secret pasted for the Signing Secret), so the log says where to look,
 * one hint a minute at most (a flood of forged requests must not flood the log).
 */
function signatureHint(child: Logger, now: () => number): (msg: string) => boolean {
  // A limiter of its own: the refusals' kinds, however many, never clear the hint's minute.
  const limit = refusalLimiter(now);
  return (msg) => {
    if (!/signature mismatch/i.test(msg)) return false;
    limit('signature mismatch', (suppressed) =>
      child.warn(
        { requests: suppressed + 1 },
        'Slack request refused: its signature does not match SLACK_SIGNING_SECRET. If every request is refused, set SLACK_SIGNING_SECRET to the Signing Secret under Basic Information → App Credentials in the Slack app (not the Client Secret); otherwise the request was not from Slack',
      ),
    );
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
