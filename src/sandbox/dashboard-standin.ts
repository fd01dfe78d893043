/**
 * Stand-in for the JADA dashboard Lambda, implementing DESIGN's assumed contract:
 * POST /calendar → {id}; GET /calendar?externalId=X → {items:[{id}]}; X-Dashboard-Token or 401.
 */
import { randomUUID } from 'node:crypto';
import { startHttpStandin, type RunningStandin } from './http-standin';

export interface DashboardEntry {
  id: string;
  externalId: string;
  body: Record<string, unknown>;
}

export interface DashboardStandin extends RunningStandin {
  token: string;
  /** Calendar entries created so far, in order. */
  entries(): DashboardEntry[];
}

export async function startDashboardStandin(opts: { token?: string } = {}): Promise<DashboardStandin> {
  const token = opts.token ?? `dash-${randomUUID()}`;
  const entries: DashboardEntry[] = [];
  const standin = await startHttpStandin((req) => {
    if (req.path !== '/calendar') return { status: 404, body: { message: 'Not Found' } };
    if (req.headers['x-dashboard-token'] !== token) return { status: 401, body: { message: 'Unauthorized' } };
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
  return { ...standin, token, entries: () => [...entries] };
}
