/**
 * A tiny HTTP server base for the local stand-ins: routes, a request recorder and per-route fault
 * injection (5xx, 429 + Retry-After, latency, connection reset, 401). Tests and the sandbox drive
 * the same servers, so a fault injected here is seen by the real HTTP client exactly as in production.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback';

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  /** Lower-case header names, as Node parses them. */
  headers: Record<string, string>;
  /** Parsed JSON when the body is JSON, the raw text otherwise, undefined when empty. */
  body: unknown;
  rawBody: string;
  atMs: number;
}

export type Fault =
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'throttle'; retryAfterSeconds?: number }
  | { kind: 'unauthorized' }
  /** Waits `ms`, then processes and answers: a slow upstream whose side effect lands late. */
  | { kind: 'latency'; ms: number }
  /**
   * Waits until `until` settles, then processes and answers: a side effect that lands late, at a
   * moment the test picks (after what it must land behind) rather than after a delay load can eat.
   */
  | { kind: 'hold'; until: Promise<unknown> }
  | { kind: 'reset' }
  /** Reads the request and never answers (nor processes it): a hung upstream. */
  | { kind: 'hang' }
  /** Handles the request (its effect happens), then resets the connection: a lost response. */
  | { kind: 'lose_response' };

export interface FaultOptions {
  /** How many matching requests get the fault; omitted = every request until cleared. */
  times?: number;
}

export interface FaultControl {
  /** `route` is "METHOD /path" (path without query, e.g. "POST /events"), "METHOD *" or "*". */
  inject(route: string, fault: Fault, options?: FaultOptions): void;
  clear(): void;
}

export interface Recorder {
  readonly requests: readonly RecordedRequest[];
  /** Requests whose method matches and whose path starts with `pathPrefix`. */
  find(method: string, pathPrefix?: string): RecordedRequest[];
  clear(): void;
}

export interface RouteReply {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings as-is (set content-type in headers). */
  body?: unknown;
}

export type RouteHandler = (req: RecordedRequest) => RouteReply | Promise<RouteReply>;

export interface RunningStandin {
  url: string;
  recorder: Recorder;
  faults: FaultControl;
  close(): Promise<void>;
}

interface ActiveFault {
  route: string;
  fault: Fault;
  remaining: number;
}

/** Faults that answer the request themselves, as opposed to delaying or following its processing. */
function answersItself(fault: Fault): boolean {
  return fault.kind !== 'latency' && fault.kind !== 'hold' && fault.kind !== 'lose_response';
}

function routeMatches(route: string, method: string, path: string): boolean {
  if (route === '*') return true;
  const [m, p] = route.split(' ');
  if (m !== method) return false;
  return p === '*' || p === path;
}

function parseBody(raw: string, contentType: string | undefined): unknown {
  if (raw === '') return undefined;
  if (contentType?.includes('json')) {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      return raw;
    }
  }
  return raw;
}

function send(res: ServerResponse, reply: RouteReply): void {
  const headers = { ...(reply.headers ?? {}) };
  let payload = '';
  if (typeof reply.body === 'string') payload = reply.body;
  else if (reply.body !== undefined) {
    payload = JSON.stringify(reply.body);
    headers['content-type'] ??= 'application/json';
  }
  res.writeHead(reply.status, { ...headers, 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

export async function startHttpStandin(handler: RouteHandler, name = 'standin'): Promise<RunningStandin> {
  const requests: RecordedRequest[] = [];
  const faults: ActiveFault[] = [];

  const takeFaults = (method: string, path: string): Fault[] => {
    // Every matching latency or hold applies; of the faults that answer, only the oldest one does, so
    // "503 once, then 429 once" plays out over two requests.
    const taken: Fault[] = [];
    let answered = false;
    for (const f of faults) {
      if (f.remaining <= 0 || !routeMatches(f.route, method, path)) continue;
      if (answersItself(f.fault)) {
        if (answered) continue;
        answered = true;
      }
      f.remaining -= 1;
      taken.push(f.fault);
    }
    const answers = (f: Fault) => Number(answersItself(f));
    taken.sort((a, b) => answers(a) - answers(b));
    for (let i = faults.length - 1; i >= 0; i--) if (faults[i]!.remaining <= 0) faults.splice(i, 1);
    return taken;
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://standin');
        const rawBody = Buffer.concat(chunks).toString('utf8');
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        const recorded: RecordedRequest = {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers,
          body: parseBody(rawBody, headers['content-type']),
          rawBody,
          atMs: Date.now(),
        };
        requests.push(recorded);
        try {
          let loseResponse = false;
          for (const fault of takeFaults(recorded.method, recorded.path)) {
            switch (fault.kind) {
              case 'latency':
                await new Promise((r) => setTimeout(r, fault.ms));
                break;
              case 'hold':
                await fault.until.catch(() => undefined);
                break;
              case 'reset':
                req.socket.destroy();
                return;
              case 'hang':
                return; // never answered; close() drops the socket
              case 'unauthorized':
                send(res, { status: 401, body: { message: 'Unauthorized' } });
                return;
              case 'throttle':
                send(res, {
                  status: 429,
                  headers: fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) },
                  body: { message: 'Too Many Requests' },
                });
                return;
              case 'lose_response':
                loseResponse = true;
                break;
              case 'status':
                send(res, { status: fault.status, ...(fault.headers ? { headers: fault.headers } : {}), body: fault.body ?? { message: `injected ${fault.status}` } });
                return;
            }
          }
          const reply = await handler(recorded);
          if (loseResponse) {
            req.socket.destroy();
            return;
          }
          send(res, reply);
        } catch (err) {
          send(res, { status: 500, body: { message: `${name} stand-in error: ${err instanceof Error ? err.message : String(err)}` } });
        }
      })();
    });
  });
  // Keep-alive is what the real client uses; make sure idle sockets do not outlive close().
  server.keepAliveTimeout = 5000;
  const listener = await listenOnLoopback(server);

  return {
    url: listener.url,
    recorder: {
      get requests() {
        return requests;
      },
      find: (method, pathPrefix = '') => requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix)),
      clear: () => {
        requests.length = 0;
      },
    },
    faults: {
      inject: (route, fault, options = {}) => {
        faults.push({ route, fault, remaining: options.times ?? Number.POSITIVE_INFINITY });
      },
      clear: () => {
        faults.length = 0;
      },
    },
    close: listener.close,
  };
}
