/**
 * The dashboard's /calendar and SCC's /events share one contract: POST creates and answers the new
 * id; GET ?externalId=X answers {items:[…]}. Keeping it in one place keeps the lookup-before-create
 * rule (what makes a lost response safe to retry) identical for both.
 */
import { createOnce } from './create-once';
import { UpstreamRejectedError } from './errors';
import type { HttpClient, HttpMethod } from './http';

/** What one create attempt knows: see createOnce. */
export interface EnsureOptions {
  /** An earlier attempt may already have created it: look up before any POST. */
  outcomeUnknown: boolean;
  /** Whether that earlier attempt may really have created it (see createOnce); words a failed lookup only. */
  earlierMayHaveCreated?: boolean;
  /** An earlier attempt's POST may land upstream until then (ms since epoch). */
  quietUntilMs?: number;
  /** How long an unanswered POST may still land (default 35 s). */
  quietMs?: number;
  /** Pause between lookups while waiting (default 1 s). */
  pollMs?: number;
  /** The step attempt's deadline. */
  signal?: AbortSignal;
  /** Sent as `Idempotency-Key` so an upstream that honours it deduplicates: `{bookingId}:{step}:{revision}`. */
  idempotencyKey?: string;
}

export class ExternalIdCollection<Body extends { externalId: string }> {
  constructor(
    private readonly http: HttpClient,
    private readonly headers: Record<string, string>,
    private readonly path: string,
    /** The id's property name in responses: `id` for the dashboard, `eventId` for SCC. */
    private readonly idField: string,
    /** What a create makes, in operator messages: "entry", "event". */
    private readonly noun: string,
  ) {}

  async findByExternalId(externalId: string, opts: { signal?: AbortSignal; noRetry?: boolean } = {}): Promise<string | undefined> {
    const req = { method: 'GET' as const, path: this.path, query: { externalId } };
    const res = await this.http.request({ ...req, headers: this.headers, ...opts });
    const items = (res.body as { items?: unknown } | undefined)?.items;
    if (!Array.isArray(items)) throw this.http.contractError(req, 'no items array');
    const first = items[0] as Record<string, unknown> | undefined;
    if (first === undefined) return undefined;
    return this.idOf(first, req, `item without ${this.idField}`);
  }

  async create(body: Body, opts: { signal?: AbortSignal; idempotencyKey?: string } = {}): Promise<string> {
    const req = { method: 'POST' as const, path: this.path };
    const headers = opts.idempotencyKey ? { ...this.headers, 'idempotency-key': opts.idempotencyKey } : this.headers;
    const res = await this.http.request({ ...req, headers, json: body, ...(opts.signal ? { signal: opts.signal } : {}) });
    // Accepted, and the answer lost on the way (a body cut off): what it made is looked up (ensure), not
    // failed for good as a wrong service would be. A readable answer without the id is a contract break.
    if (res.body === null || typeof res.body !== 'object') throw this.http.unreadableAnswerError(req, res.status);
    return this.idOf(res.body as Record<string, unknown>, req, `no ${this.idField} in the response`);
  }

  /** Creates unless it exists; never POSTs again while an earlier POST may still land. */
  ensure(body: Body, opts: EnsureOptions): Promise<{ value: string; created: boolean }> {
    const { signal, idempotencyKey } = opts;
    return createOnce({
      lookup: () => this.findByExternalId(body.externalId, { noRetry: true, ...(signal ? { signal } : {}) }),
      create: () => this.create(body, { ...(signal ? { signal } : {}), ...(idempotencyKey ? { idempotencyKey } : {}) }),
      outcomeUnknown: opts.outcomeUnknown,
      ...(opts.earlierMayHaveCreated !== undefined ? { earlierMayHaveCreated: opts.earlierMayHaveCreated } : {}),
      system: this.http.system,
      displayName: this.http.displayName,
      noun: this.noun,
      ...(opts.quietUntilMs !== undefined ? { quietUntilMs: opts.quietUntilMs } : {}),
      ...(opts.quietMs !== undefined ? { quietMs: opts.quietMs } : {}),
      ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
      ...(signal ? { signal } : {}),
    });
  }

  /**
   * PATCH {path}/{id} with a partial body. A partial PATCH of absolute values is idempotent, so a
   * repeat after a crash sets the same values again; `idempotencyKey` lets an upstream that honours
   * it deduplicate as well.
   */
  async update(id: string, patch: Record<string, unknown>, idempotencyKey: string, opts: { signal?: AbortSignal } = {}): Promise<string> {
    const req = { method: 'PATCH' as const, path: `${this.path}/${encodeURIComponent(id)}` };
    const res = await this.http.request({ ...req, headers: { ...this.headers, 'idempotency-key': idempotencyKey }, json: patch, ...(opts.signal ? { signal: opts.signal } : {}) });
    return this.idOf(res.body as Record<string, unknown> | undefined, req, `no ${this.idField} in the response`);
  }

  /** DELETE {path}/{id}; 404 means it is already gone, which is what was asked: `deleted: false`. */
  async remove(id: string, idempotencyKey: string, opts: { signal?: AbortSignal } = {}): Promise<{ deleted: boolean }> {
    try {
      await this.http.request({ method: 'DELETE', path: `${this.path}/${encodeURIComponent(id)}`, headers: { ...this.headers, 'idempotency-key': idempotencyKey }, ...(opts.signal ? { signal: opts.signal } : {}) });
      return { deleted: true };
    } catch (err) {
      if (err instanceof UpstreamRejectedError && err.status === 404) return { deleted: false };
      throw err;
    }
  }

  private idOf(value: Record<string, unknown> | undefined, req: { method: HttpMethod; path: string }, what: string): string {
    const id = value?.[this.idField];
    if (typeof id !== 'string' || id === '') throw this.http.contractError(req, what);
    return id;
  }
}
