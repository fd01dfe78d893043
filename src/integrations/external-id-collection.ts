/**
 * The dashboard's /calendar and SCC's /events share one contract: POST creates and answers the new
 * id; GET ?externalId=X answers {items:[…]}. Keeping it in one place keeps the lookup-before-create
 * rule (what makes a lost response safe to retry) identical for both.
 */
import { createOnce } from './create-once';
import { UpstreamRejectedError } from './errors';
import type { HttpClient, HttpMethod } from './http';

export class ExternalIdCollection<Body extends { externalId: string }> {
  constructor(
    private readonly http: HttpClient,
    private readonly headers: Record<string, string>,
    private readonly path: string,
    /** The id's property name in responses: `id` for the dashboard, `eventId` for SCC. */
    private readonly idField: string,
  ) {}

  async findByExternalId(externalId: string): Promise<string | undefined> {
    const req = { method: 'GET' as const, path: this.path, query: { externalId } };
    const res = await this.http.request({ ...req, headers: this.headers });
    const items = (res.body as { items?: unknown } | undefined)?.items;
    if (!Array.isArray(items)) throw this.http.contractError(req, 'no items array');
    const first = items[0] as Record<string, unknown> | undefined;
    if (first === undefined) return undefined;
    return this.idOf(first, req, `item without ${this.idField}`);
  }

  async create(body: Body): Promise<string> {
    const req = { method: 'POST' as const, path: this.path };
    const res = await this.http.request({ ...req, headers: this.headers, json: body });
    return this.idOf(res.body as Record<string, unknown> | undefined, req, `no ${this.idField} in the response`);
  }

  /** Creates unless it exists; looks up first when an earlier attempt's outcome is unknown. */
  ensure(body: Body, opts: { outcomeUnknown: boolean }): Promise<{ value: string; created: boolean }> {
    return createOnce({
      lookup: () => this.findByExternalId(body.externalId),
      create: () => this.create(body),
      outcomeUnknown: opts.outcomeUnknown,
    });
  }

  /**
   * PATCH {path}/{id} with a partial body. A partial PATCH of absolute values is idempotent, so a
   * repeat after a crash sets the same values again; `idempotencyKey` lets an upstream that honours
   * it deduplicate as well.
   */
  async update(id: string, patch: Record<string, unknown>, idempotencyKey: string): Promise<string> {
    const req = { method: 'PATCH' as const, path: `${this.path}/${encodeURIComponent(id)}` };
    const res = await this.http.request({ ...req, headers: { ...this.headers, 'idempotency-key': idempotencyKey }, json: patch });
    return this.idOf(res.body as Record<string, unknown> | undefined, req, `no ${this.idField} in the response`);
  }

  /** DELETE {path}/{id}; 404 means it is already gone, which is what was asked: `deleted: false`. */
  async remove(id: string, idempotencyKey: string): Promise<{ deleted: boolean }> {
    try {
      await this.http.request({ method: 'DELETE', path: `${this.path}/${encodeURIComponent(id)}`, headers: { ...this.headers, 'idempotency-key': idempotencyKey } });
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
