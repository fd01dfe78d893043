/**
 * The one HTTP client for the operator's own services (dashboard, SCC), on undici 7: a keep-alive
 * Pool per origin with connect/headers/body timeouts, wrapped in undici's RetryAgent with our own
 * retry decision (exponential backoff with full jitter, Retry-After honoured). Every failure becomes
 * a typed error with an operator message; no secret ever reaches an error (values are scrubbed from
 * anything echoed back).
 *
 * Only requests that cannot have taken effect are retried here for non-idempotent methods (POST):
 * 429 and connection refused / connect timeout. A POST that failed with a 5xx or a reset MAY have
 * been processed; the adapter decides (lookup by externalId, then maybe create again).
 */
import { Pool, RetryAgent, type Dispatcher } from 'undici';
import type RetryHandler from 'undici/types/retry-handler';
import { secretTextScrubber } from '../secret-text';
import { logContextOf } from '../log-context';
import { UpstreamAuthError, UpstreamContractError, UpstreamRejectedError, UpstreamUnavailableError } from './errors';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RetryPolicy {
  /** Retries after the first attempt (default 2). */
  maxRetries: number;
  /** Backoff ceiling of the first retry; doubles per retry (default 200 ms). */
  minDelayMs: number;
  /** Largest wait between attempts, Retry-After included (default 5 s). A longer Retry-After is handed to the caller instead. */
  maxDelayMs: number;
}

export interface RetryEvent {
  method: string;
  path: string;
  /** 1 for the first retry. */
  retry: number;
  delayMs: number;
  status?: number;
  errorCode?: string;
  /** The request's log fields (bookingId, step), found through its signal: see log-context.ts. */
  context: Record<string, unknown>;
}

/**
 * API Gateway (REST) refusing a request that matched no resource, method or stage: known by the
 * error type API Gateway stamps on its own answers. Not by the body: the service behind it (the
 * dashboard Lambda, SCC) can answer its own 403 with `{"message":"Missing Authentication Token"}`
 * for a missing or wrong token, and that one must be reported as the token, not the URL.
 */
function isApiGatewayNoRoute(res: HttpResponse): boolean {
  const type = res.headers['x-amzn-errortype'];
  return typeof type === 'string' && type.startsWith('MissingAuthenticationTokenException');
}

export interface HttpClientOptions {
  /** Stable prefix of error codes, e.g. "SCC" → SCC_UNAUTHORIZED. */
  system: string;
  /** How operators name it in messages, e.g. "SCC", "The dashboard". */
  displayName: string;
  /** Base URL; its path (e.g. an API Gateway stage) prefixes every request path. */
  baseUrl: string;
  /** Operator message for 401/403: what to check. */
  authFix: string;
  /** The setting that holds baseUrl, named in messages about the URL (e.g. "SCC_API_URL"). */
  urlSetting?: string;
  /** Values scrubbed from anything an upstream echoes back. */
  secrets?: readonly string[];
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Injectable for tests of the jitter; defaults to Math.random. */
  random?: () => number;
  onRetry?: (event: RetryEvent) => void;
}

export interface HttpRequest {
  method: HttpMethod;
  /** Path below the base URL, e.g. "/events". */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  json?: unknown;
  /** Aborts the request and its retries (a step attempt's deadline). */
  signal?: AbortSignal;
  /** One attempt only: the caller polls in its own loop (a lookup while a create may land). */
  noRetry?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or the text when the body is not JSON; undefined when empty. */
  body: unknown;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 2, minDelayMs: 200, maxDelayMs: 5000 };

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
/** Errors after which the server never saw the request. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** Errors after which the request may or may not have been processed. */
const AMBIGUOUS_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED']);
/** undici's own deadlines (connect, headers, body). */
export const UNDICI_TIMEOUT_CODES: ReadonlySet<string> = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

const isIdempotent = (method: string) => method !== 'POST' && method !== 'PATCH';

/** Retry-After as ms: delta-seconds or an HTTP date; undefined when absent or unparseable. */
export function parseRetryAfterMs(value: string | string[] | undefined, nowMs = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  if (/^\d+$/.test(raw.trim())) return Number(raw.trim()) * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** What a transport error code means, in the operator's words. */
const TRANSPORT_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'DNS lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  UND_ERR_SOCKET: 'connection closed',
  UND_ERR_CLOSED: 'connection closed',
};

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export class HttpClient {
  private readonly pool: Pool;
  private readonly idempotent: RetryAgent;
  private readonly nonIdempotent: RetryAgent;
  private readonly base: URL;
  private readonly policy: RetryPolicy;
  private readonly scrub: (text: string) => string;

  get system(): string {
    return this.options.system;
  }

  get displayName(): string {
    return this.options.displayName;
  }

  constructor(private readonly options: HttpClientOptions) {
    this.base = new URL(options.baseUrl);
    this.policy = { ...DEFAULT_RETRY_POLICY, ...(options.retry ?? {}) };
    this.scrub = secretTextScrubber(options.secrets ?? []);
    this.pool = new Pool(this.base.origin, {
      connectTimeout: options.connectTimeoutMs ?? 5000,
      headersTimeout: options.headersTimeoutMs ?? 10_000,
      bodyTimeout: options.bodyTimeoutMs ?? 10_000,
      keepAliveTimeout: 4000,
      connections: 16,
    });
    this.idempotent = new RetryAgent(this.pool, this.retryOptions(true));
    this.nonIdempotent = new RetryAgent(this.pool, this.retryOptions(false));
  }

  private retryOptions(idempotent: boolean): RetryHandler.RetryOptions {
    const policy = this.policy;
    const random = this.options.random ?? Math.random;
    return {
      // Hand the last response to us after the final attempt, so it is classified like any other.
      throwOnError: false,
      maxRetries: policy.maxRetries,
      methods: ['GET', 'HEAD', 'PUT', 'DELETE', 'POST', 'PATCH', 'OPTIONS'],
      retry: (err, { state, opts }, cb) => {
        const status = (err as { statusCode?: number }).statusCode;
        const code = errorCode(err);
        const retryable =
          status !== undefined
            ? status === 429 || (idempotent && RETRYABLE_STATUS.has(status))
            : code !== undefined && (NOT_SENT_CODES.has(code) || (idempotent && AMBIGUOUS_CODES.has(code)));
        if (!retryable || state.counter > policy.maxRetries) return cb(err);
        const retryAfterMs = parseRetryAfterMs((err as { headers?: Record<string, string | string[] | undefined> }).headers?.['retry-after']);
        if (retryAfterMs !== undefined && retryAfterMs > policy.maxDelayMs) return cb(err);
        const ceiling = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** (state.counter - 1));
        const delayMs = retryAfterMs ?? Math.round(random() * ceiling);
        this.options.onRetry?.({
          method: opts.method,
          path: opts.path,
          retry: state.counter,
          delayMs,
          ...(status !== undefined ? { status } : {}),
          ...(code !== undefined && status === undefined ? { errorCode: code } : {}),
          // undici hands the request's own options here, its signal included (not in its types).
          context: logContextOf((opts as { signal?: AbortSignal }).signal),
        });
        setTimeout(() => cb(null), delayMs);
      },
    };
  }

  /** Sends one request (with retries); resolves on 2xx, throws a typed IntegrationError otherwise. */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const basePath = this.base.pathname.replace(/\/+$/, '');
    const search = req.query ? `?${new URLSearchParams(req.query).toString()}` : '';
    const path = `${basePath}${req.path}${search}`;
    const dispatcher = req.noRetry ? this.pool : isIdempotent(req.method) ? this.idempotent : this.nonIdempotent;
    const headers: Record<string, string> = { accept: 'application/json', ...(req.headers ?? {}) };
    let body: string | undefined;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] = 'application/json';
    }
    let res: Dispatcher.ResponseData;
    try {
      res = await dispatcher.request({
        origin: this.base.origin,
        method: req.method,
        path,
        headers,
        ...(body === undefined ? {} : { body }),
        ...(req.signal ? { signal: req.signal } : {}),
      });
    } catch (err) {
      throw this.transportError(req, err);
    }
    const text = await res.body.text().catch((err: unknown) => {
      throw this.transportError(req, err);
    });
    let parsed: unknown = undefined;
    if (text !== '') {
      try {
        parsed = JSON.parse(text) as unknown;
      } catch {
        parsed = text;
      }
    }
    const response: HttpResponse = { status: res.statusCode, headers: res.headers, body: parsed };
    if (res.statusCode >= 200 && res.statusCode < 300) return response;
    throw this.statusError(req, response, text);
  }

  /** A 2xx whose body broke the assumed contract. */
  contractError(req: Pick<HttpRequest, 'method' | 'path'>, what: string): UpstreamContractError {
    const { system, displayName } = this.options;
    return new UpstreamContractError(`${system} ${req.method} ${req.path}: ${what}`, {
      code: `${system}_CONTRACT`,
      retryable: false,
      system,
      operatorMessage: `${displayName} answered ${req.method} ${req.path} in an unexpected shape (${what}) — check that the URL points at the right service and version.`,
    });
  }

  /**
   * A 2xx whose body could not be read (cut off, not JSON): the request was processed, its answer
   * was lost on the way, as with a reset. Retryable, and "may have been processed", so a create
   * looks up what it made before anything is sent again.
   */
  unreadableAnswerError(req: Pick<HttpRequest, 'method' | 'path'>, status: number): UpstreamUnavailableError {
    const { system, displayName } = this.options;
    return new UpstreamUnavailableError(`${system} ${req.method} ${req.path} → ${status} with a body that is not JSON`, {
      system,
      status,
      code: `${system}_ANSWER_UNREADABLE`,
      retryable: true,
      maybeProcessed: true,
      operatorMessage: `${displayName} accepted ${req.method} ${req.path} but its answer could not be read — Retry (what it made is looked up first, nothing is created twice).`,
    });
  }

  private statusError(req: HttpRequest, res: HttpResponse, text: string) {
    const { system, displayName } = this.options;
    const where = `${req.method} ${req.path}`;
    const snippet = this.scrub(text.slice(0, 200));
    const base = { system, status: res.status };
    if (res.status === 403 && isApiGatewayNoRoute(res)) {
      // API Gateway's answer for a path or stage it does not serve, worded as if about a token:
      // "fix the token" would send the operator the wrong way (a base URL without /prod, say).
      return new UpstreamRejectedError(`${system} ${where} → 403: no such route`, {
        ...base,
        code: `${system}_NO_ROUTE`,
        retryable: false,
        operatorMessage: `${displayName} has no route for ${where} (API Gateway answers "Missing Authentication Token" for a path it does not serve) — check that ${this.options.urlSetting ?? 'its URL'} ends in the API's stage, e.g. …/prod.`,
      });
    }
    if (res.status === 401 || res.status === 403) {
      return new UpstreamAuthError(`${system} ${where} → ${res.status}`, {
        ...base,
        code: `${system}_UNAUTHORIZED`,
        retryable: false,
        operatorMessage: this.options.authFix,
      });
    }
    if (RETRYABLE_STATUS.has(res.status)) {
      const retryAfterMs = parseRetryAfterMs(res.headers['retry-after']);
      const throttled = res.status === 429;
      return new UpstreamUnavailableError(`${system} ${where} → ${res.status}: ${snippet}`, {
        ...base,
        code: throttled ? `${system}_THROTTLED` : `${system}_UNAVAILABLE`,
        retryable: true,
        maybeProcessed: !throttled,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        operatorMessage: throttled
          ? `${displayName} is rate-limiting requests (429) — Retry after a minute.`
          : `${displayName} had a server error (${res.status}) — Retry; if it persists, check its logs.`,
      });
    }
    return new UpstreamRejectedError(`${system} ${where} → ${res.status}: ${snippet}`, {
      ...base,
      code: res.status === 404 ? `${system}_NOT_FOUND` : `${system}_REJECTED`,
      retryable: false,
      operatorMessage: `${displayName} rejected ${where} with ${res.status}${snippet ? ` (${snippet})` : ''} — check the URL and that the service's contract has not changed.`,
    });
  }

  private transportError(req: HttpRequest, err: unknown) {
    const { system, displayName } = this.options;
    const code = errorCode(err);
    const timeout = code !== undefined && UNDICI_TIMEOUT_CODES.has(code);
    const notSent = code !== undefined && NOT_SENT_CODES.has(code);
    const reason = (code !== undefined ? TRANSPORT_REASONS[code] : undefined) ?? code ?? 'network error';
    return new UpstreamUnavailableError(`${system} ${req.method} ${req.path} failed: ${code ?? 'network error'}`, {
      system,
      code: timeout ? `${system}_TIMEOUT` : `${system}_UNREACHABLE`,
      retryable: true,
      maybeProcessed: !notSent,
      cause: err,
      operatorMessage: timeout
        ? `${displayName} did not answer in time — Retry; if it persists, check the service's health.`
        : notSent
          ? `${displayName} could not be reached at ${this.base.host} (${reason}) — check ${this.options.urlSetting ?? 'its URL'} and that the service is up, then Retry.`
          : code !== undefined && AMBIGUOUS_CODES.has(code)
            ? `${displayName} dropped the connection to ${this.base.host} (${reason}) — Retry; if it persists, check the service's health.`
            : `${displayName} could not be reached at ${this.base.host} (${reason}) — check ${this.options.urlSetting ?? 'its URL'} and the service's health, then Retry.`,
    });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
