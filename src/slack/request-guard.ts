/**
 * Checks on a Slack request before Bolt reads it:
 * - a body limit far below Bolt's 4 MB default. Bolt buffers the whole body before it checks the
 *   signature, so 100 unsigned 4 MB bodies cost ~320 MB. Measured by
 *   test/integration/slack/request-guard.test.ts: a click on the worst-case approval message
 *   (2,000 characters of `&<>` internal notes and 1,000 of notes for crew, 10 crew) is 34 KB, the
 *   booking modal submitted full 20 KB,
 *   a message shortcut on a 40,000-character message (Slack's longest) 100 KB. 256 KB is 2.5×
 *   the largest.
 *   A Content-Length over the limit is refused without reading a byte.
 * - a request timestamp more than 5 minutes in the future is refused like a stale one. Bolt
 *   refuses only the past; a signed request replayed from a skewed clock would pass.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { HTTPReceiver } from '@slack/bolt';

export const SLACK_BODY_LIMIT_BYTES = 256 * 1024;
export const MAX_TIMESTAMP_SKEW_SEC = 5 * 60;

type HeaderBag = Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  const direct = headers[name] ?? Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(direct) ? direct[0] : direct;
}

/** True when X-Slack-Request-Timestamp lies more than 5 minutes ahead of `nowMs`. */
export function isFromTheFuture(headers: HeaderBag, nowMs: number): boolean {
  const raw = header(headers, 'x-slack-request-timestamp');
  if (raw === undefined) return false; // Bolt refuses a missing timestamp itself
  const sec = Number(raw);
  return Number.isFinite(sec) && sec > Math.floor(nowMs / 1000) + MAX_TIMESTAMP_SKEW_SEC;
}

/**
 * Wraps the receiver's request listener: a POST to a Slack endpoint stamped in the future gets
 * 401 before Bolt reads the body, so no listener runs.
 */
export function guardSlackRequests(receiver: HTTPReceiver, opts: { endpoints: readonly string[]; now?: () => number; onRefused?: (reason: string) => void }): void {
  const inner: RequestListener = receiver.requestListener;
  const now = opts.now ?? Date.now;
  receiver.requestListener = (req: IncomingMessage, res: ServerResponse) => {
    // The path as Bolt routes it (dot segments resolved, fragment dropped), or `/slack/./events` walks past.
    const path = URL.canParse(req.url ?? '/', 'http://localhost') ? new URL(req.url ?? '/', 'http://localhost').pathname : '';
    if (req.method === 'POST' && opts.endpoints.includes(path) && isFromTheFuture(req.headers, now())) {
      opts.onRefused?.('timestamp more than 5 minutes in the future');
      res.writeHead(401).end();
      req.resume(); // drain without keeping the body
      return;
    }
    inner(req, res);
  };
}
