/**
 * Stand-in for the JADA dashboard Lambda, implementing DESIGN's assumed contract:
 * POST /calendar → {id}; GET /calendar?externalId=X → {items:[{id}]}; X-Dashboard-Token or 401;
 * changes: PATCH /calendar/{id} (partial JSON, merged) → {id}; DELETE /calendar/{id} → 204, and 404
 * once it is gone (which the adapter counts as done). A PATCH or DELETE repeating an Idempotency-Key
 * gets the first answer again and changes nothing (an upstream that honours the key).
 */
import { randomUUID } from 'node:crypto';
import { startHttpStandin, type RouteReply, type RunningStandin } from './http-standin';

export interface DashboardEntry {
  id: string;
  externalId: string;
  body: Record<string, unknown>;
}

export interface DashboardStandin extends RunningStandin {
  token: string;
  /** Calendar entries that exist now, in creation order (deleted ones are gone). */
  entries(): DashboardEntry[];
  /** Entries deleted so far, as they were when deleted. */
  deleted(): DashboardEntry[];
  /** Changes that took effect (a replayed Idempotency-Key is not one), in order. */
  changes(): { method: 'PATCH' | 'DELETE'; id: string; body?: Record<string, unknown> }[];
}

export async function startDashboardStandin(opts: { token?: string } = {}): Promise<DashboardStandin> {
  const token = opts.token ?? `dash-${randomUUID()}`;
  const entries: DashboardEntry[] = [];
  const deleted: DashboardEntry[] = [];
  const changes: { method: 'PATCH' | 'DELETE'; id: string; body?: Record<string, unknown> }[] = [];
  const replies = new Map<string, RouteReply>();
  const changeEntry = (method: string, id: string, body: unknown): RouteReply => {
    const index = entries.findIndex((e) => e.id === id);
    if (index < 0) return { status: 404, body: { message: `no calendar entry ${id}` } };
    const entry = entries[index]!;
    if (method === 'PATCH') {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return { status: 400, body: { message: 'JSON object body required' } };
      const { externalId: _ignored, ...patch } = body as Record<string, unknown>;
      entries[index] = { ...entry, body: { ...entry.body, ...patch } };
      changes.push({ method: 'PATCH', id, body: patch });
      return { status: 200, body: { id } };
    }
    if (method === 'DELETE') {
      entries.splice(index, 1);
      deleted.push(entry);
      changes.push({ method: 'DELETE', id });
      return { status: 204 };
    }
    return { status: 405, body: { message: 'Method Not Allowed' } };
  };
  const standin = await startHttpStandin((req) => {
    const item = /^\/calendar\/([^/]+)$/.exec(req.path);
    if (req.path !== '/calendar' && !item) return { status: 404, body: { message: 'Not Found' } };
    if (req.headers['x-dashboard-token'] !== token) return { status: 401, body: { message: 'Unauthorized' } };
    if (item) {
      const key = req.headers['idempotency-key'];
      const replay = key ? replies.get(`${req.method} ${key}`) : undefined;
      if (replay) return replay;
      const reply = changeEntry(req.method, decodeURIComponent(item[1] ?? ''), req.body);
      if (key && reply.status < 500) replies.set(`${req.method} ${key}`, reply);
      return reply;
    }
    if (req.method === 'GET') {
      const externalId = req.query.externalId;
      const items = entries.filter((e) => externalId === undefined || e.externalId === externalId).map((e) => ({ id: e.id }));
      return { status: 200, body: { items } };
    }
    if (req.method === 'POST') {
      const body = req.body;
      if (typeof body !== 'object' || body === null) return { status: 400, body: { message: 'JSON body required' } };
      const b = body as Record<string, unknown>;
      const missing = ['externalId', 'title', 'start', 'end'].filter((k) => typeof b[k] !== 'string' || b[k] === '');
      if (missing.length > 0) return { status: 400, body: { message: `missing ${missing.join(', ')}` } };
      const entry = { id: `cal_${randomUUID()}`, externalId: b.externalId as string, body: b };
      entries.push(entry);
      return { status: 201, body: { id: entry.id } };
    }
    return { status: 405, body: { message: 'Method Not Allowed' } };
  }, 'dashboard');
  return { ...standin, token, entries: () => [...entries], deleted: () => [...deleted], changes: () => [...changes] };
}
