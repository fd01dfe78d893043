/** Bolt logs through pino; its info is request noise, so it goes out at debug. */
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../log';

/** One hint a minute at most: a flood of forged requests must not flood the log. */
const SECRET_HINT_EVERY_MS = 60_000;

/**
 * Bolt says only "signature mismatch" when a request was signed with another secret; the usual
 * cause is ours (the Client Secret pasted for the Signing Secret), so the log says where to look.
 */
function signatureHint(child: Logger, now: () => number): (msg: string) => void {
  let lastMs = -Infinity;
  let unreported = 0;
  return (msg) => {
    if (!/signature mismatch/i.test(msg)) return;
    unreported += 1;
    if (now() - lastMs < SECRET_HINT_EVERY_MS) return;
    lastMs = now();
    child.warn(
      { requests: unreported },
      'Slack request refused: its signature does not match SLACK_SIGNING_SECRET. If every request is refused, set SLACK_SIGNING_SECRET to the Signing Secret under Basic Information → App Credentials in the Slack app (not the Client Secret); otherwise the request was not from Slack',
    );
    unreported = 0;
  };
}

export function boltLogger(log: Logger, now: () => number = Date.now): BoltLogger {
  const child = log.child({ component: 'bolt' });
  const hint = signatureHint(child, now);
  let level = LogLevel.INFO;
  const text = (msg: unknown[]) => msg.map(String).join(' ');
  return {
    debug: (...msg) => child.debug(text(msg)),
    info: (...msg) => child.debug(text(msg)),
    warn: (...msg) => {
      child.warn(text(msg));
      hint(text(msg));
    },
    error: (...msg) => {
      child.error(text(msg));
      hint(text(msg));
    },
    setLevel: (l) => void (level = l),
    getLevel: () => level,
    setName: () => undefined,
  };
}
