/**
 * The WebClient's HTTP transport in a long-running process: undici's request API on one pool per
 * Slack origin, under the same whole-call deadline the WebClient's `timeout` sets, as one timer
 * cleared when the answer is read.
 *
 * Why not the WebClient's own (the global fetch with `AbortSignal.timeout`): every call then pays
 * for WHATWG streams around a body of a few hundred bytes, and its deadline timer outlives the call
 * by the whole deadline (10 s), then builds a DOMException and runs fetch's abort listeners for a
 * request long done. Measured 2026-12-06, 4,000 chat.postMessage calls 20 at a time against a local
 * server in the same process: ~405 µs of CPU a call with the WebClient's fetch, ~215 µs with this.
 *
 * The WebClient reads `status`, `statusText`, `headers`, `url`, `text()` and `arrayBuffer()` of what
 * fetch returns; this returns a real Response made from the body already read. Multipart bodies
 * (file uploads, which the bot does not make) take the global fetch.
 *
 * Lambda keeps the global fetch: a cold Slack function would load undici on its first call, which
 * is the ack of the /charter that cold-started it (src/lambda-app.ts passes no transport).
 */
import { Pool } from 'undici';

export interface SlackFetch {
  /** For WebClientOptions.fetch; give the WebClient `timeout: 0`, this carries the deadline. */
  fetch: typeof fetch;
  /** Closes the pools' sockets (idle ones are unreferenced and never hold the process). */
  close(): Promise<void>;
}

/**
 * Named as AbortSignal.timeout()'s DOMException is, so callers that classify errors read it the
 * same (src/doctor/network.ts); an Error, so the WebClient keeps it as the request error's `original`.
 */
function timeoutError(ms: number): Error {
  return Object.assign(new Error(`no answer from Slack within ${ms} ms`), { name: 'TimeoutError' });
}

/** Statuses a Response may not carry a body with. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

function toHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.append(name, value);
  }
  return headers;
}

export function createSlackFetch(opts: { timeoutMs: number }): SlackFetch {
  const pools = new Map<string, Pool>();
  const poolFor = (origin: string): Pool => {
    let pool = pools.get(origin);
    if (!pool) {
      // Unlimited connections, as fetch's global agent has: the WebClient bounds its own concurrency.
      pool = new Pool(origin);
      pools.set(origin, pool);
    }
    return pool;
  };

  const slackFetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const body = init.body ?? undefined;
    const callerSignal = init.signal ?? undefined;
    if (input instanceof Request || (body !== undefined && typeof body !== 'string')) {
      const deadline = AbortSignal.timeout(opts.timeoutMs);
      return fetch(input, { ...init, signal: callerSignal ? AbortSignal.any([callerSignal, deadline]) : deadline });
    }
    const url = new URL(input);
    const control = new AbortController();
    const timer = setTimeout(() => control.abort(timeoutError(opts.timeoutMs)), opts.timeoutMs);
    const passOn = () => control.abort(callerSignal?.reason);
    if (callerSignal?.aborted) passOn();
    else callerSignal?.addEventListener('abort', passOn, { once: true });
    try {
      const res = await poolFor(url.origin).request({
        method: (init.method ?? 'GET') as 'GET',
        path: `${url.pathname}${url.search}`,
        headers: init.headers instanceof Headers ? Object.fromEntries(init.headers) : ((init.headers ?? {}) as Record<string, string>),
        ...(body === undefined ? {} : { body }),
        signal: control.signal,
      });
      const text = await res.body.text();
      return new Response(NULL_BODY.has(res.statusCode) ? null : text, { status: res.statusCode, headers: toHeaders(res.headers) });
    } finally {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', passOn);
    }
  };

  return {
    fetch: slackFetch as typeof fetch,
    async close() {
      const all = [...pools.values()];
      pools.clear();
      await Promise.all(all.map((p) => p.close()));
    },
  };
}
