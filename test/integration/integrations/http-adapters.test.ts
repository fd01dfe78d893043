/**
 * Dashboard and SCC adapters over real HTTP against the stand-ins: exact headers, lookups, retry
 * counts under injected 5xx / 429 / resets / timeouts, create-at-most-once, and typed errors.
 */
import { DashboardCalendar, DASHBOARD_AUTH_FIX, type CalendarEntry } from '../../../src/integrations/calendar';
import { UpstreamAuthError, UpstreamUnavailableError } from '../../../src/integrations/errors';
import type { RetryEvent } from '../../../src/integrations/http';
import { SccClient, SCC_AUTH_FIX, type SccEventPayload } from '../../../src/integrations/scc';
import { startStandins, type Standins } from '../../../src/sandbox/standins';

let standins: Standins;
let calendar: DashboardCalendar;
let scc: SccClient;
const retries: RetryEvent[] = [];
const fast = { retry: { maxRetries: 3, minDelayMs: 5, maxDelayMs: 2000 }, headersTimeoutMs: 250, onRetry: (e: RetryEvent) => retries.push(e) };

beforeAll(async () => {
  standins = await startStandins({ sccSeedMoney: false });
  calendar = new DashboardCalendar({ url: standins.env.DASHBOARD_URL!, token: standins.env.DASHBOARD_TOKEN!, http: fast });
  scc = new SccClient({ apiUrl: standins.env.SCC_API_URL!, serviceKey: standins.env.SCC_SERVICE_KEY!, http: fast });
});
afterAll(async () => {
  await calendar?.close();
  await scc?.close();
  await standins?.close();
});
beforeEach(() => {
  retries.length = 0;
  standins.dashboard.faults.clear();
  standins.scc.faults.clear();
  standins.dashboard.recorder.clear();
  standins.scc.recorder.clear();
});

let n = 0;
const entry = (): CalendarEntry => ({
  externalId: `CAL${++n}XXXXXXXX`,
  title: 'Charter',
  start: '2030-07-04T16:00:00-07:00',
  end: '2030-07-04T21:00:00-07:00',
  timezone: 'America/Los_Angeles',
  crew: [{ slackUserId: 'U0CAPTAIN1', name: 'Sam Ortiz', role: 'captain' }],
  notes: 'Boatsetter: BS-1',
});
const payload = (): SccEventPayload => ({
  externalId: `SCC${++n}XXXXXXXX`,
  title: 'Maria · Thu, Jul 4, 2030 · JADA',
  guestFirstName: 'Maria',
  partySize: 6,
  date: '2030-07-04',
  timezone: 'America/Los_Angeles',
  checkInTime: '2030-07-04T15:30:00-07:00',
  departureTime: '2030-07-04T16:00:00-07:00',
  returnTime: '2030-07-04T21:00:00-07:00',
  vessel: 'JADA',
  dock: 'Harbor Island',
  roster: [{ name: 'Sam Ortiz', role: 'captain' }],
  description: 'Sunset sail',
  checklist: [{ text: 'Life jackets' }],
});

describe('dashboard calendar', () => {
  it('sends X-Dashboard-Token and JSON, and finds the entry by externalId', async () => {
    const e = entry();
    const { calendarId, created } = await calendar.ensure(e, { outcomeUnknown: false });
    expect(created).toBe(true);
    const [post] = standins.dashboard.recorder.find('POST', '/calendar');
    expect(post?.headers['x-dashboard-token']).toBe(standins.env.DASHBOARD_TOKEN);
    expect(post?.headers['content-type']).toBe('application/json');
    expect(post?.headers.authorization).toBeUndefined();
    expect(post?.body).toEqual(e);
    await expect(calendar.findByExternalId(e.externalId)).resolves.toBe(calendarId);
    await expect(calendar.findByExternalId('NOPE')).resolves.toBeUndefined();
    expect(standins.dashboard.recorder.find('GET', '/calendar').map((r) => r.query)).toEqual([{ externalId: e.externalId }, { externalId: 'NOPE' }]);
  });

  it('looks up before creating when the outcome of an earlier attempt is unknown', async () => {
    const e = entry();
    const first = await calendar.ensure(e, { outcomeUnknown: false });
    const again = await calendar.ensure(e, { outcomeUnknown: true });
    expect(again).toEqual({ calendarId: first.calendarId, created: false });
    expect(standins.dashboard.recorder.requests.map((r) => r.method)).toEqual(['POST', 'GET']);
  });

  it('retries a GET through two 503s (3 requests) and gives up after 1 + 3 retries with a retryable error', async () => {
    standins.dashboard.faults.inject('GET /calendar', { kind: 'status', status: 503 }, { times: 2 });
    await expect(calendar.findByExternalId('X')).resolves.toBeUndefined();
    expect(standins.dashboard.recorder.find('GET')).toHaveLength(3);
    expect(retries.map((r) => r.status)).toEqual([503, 503]);

    standins.dashboard.recorder.clear();
    standins.dashboard.faults.inject('GET /calendar', { kind: 'status', status: 502 });
    const err = await calendar.findByExternalId('X').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamUnavailableError);
    expect(err).toMatchObject({ code: 'DASHBOARD_UNAVAILABLE', retryable: true, status: 502 });
    expect(standins.dashboard.recorder.find('GET')).toHaveLength(4);
  });

  it('honours Retry-After on 429, and hands a long Retry-After to the caller instead of waiting', async () => {
    standins.dashboard.faults.inject('POST /calendar', { kind: 'throttle', retryAfterSeconds: 1 }, { times: 1 });
    await calendar.create(entry());
    expect(retries).toEqual([expect.objectContaining({ method: 'POST', status: 429, delayMs: 1000 })]);
    expect(standins.dashboard.recorder.find('POST')).toHaveLength(2);

    standins.dashboard.recorder.clear();
    standins.dashboard.faults.inject('POST /calendar', { kind: 'throttle', retryAfterSeconds: 60 }, { times: 1 });
    await expect(calendar.create(entry())).rejects.toMatchObject({ code: 'DASHBOARD_THROTTLED', retryable: true, retryAfterMs: 60_000, maybeProcessed: false });
    expect(standins.dashboard.recorder.find('POST')).toHaveLength(1);
  });

  it('retries a GET after a connection reset and after a headers timeout', async () => {
    standins.dashboard.faults.inject('GET /calendar', { kind: 'reset' }, { times: 1 });
    await expect(calendar.findByExternalId('X')).resolves.toBeUndefined();
    // undici's headers timer has ~0.5 s resolution: a 2.5 s stall against a 0.5 s timeout is unambiguous.
    standins.dashboard.faults.inject('GET /calendar', { kind: 'latency', ms: 2500 }, { times: 1 });
    const impatient = new DashboardCalendar({ url: standins.env.DASHBOARD_URL!, token: standins.env.DASHBOARD_TOKEN!, http: { ...fast, headersTimeoutMs: 500 } });
    try {
      await expect(impatient.findByExternalId('X')).resolves.toBeUndefined();
    } finally {
      await impatient.close();
    }
    expect(retries.map((r) => r.errorCode)).toEqual([expect.stringMatching(/UND_ERR_SOCKET|ECONNRESET/), 'UND_ERR_HEADERS_TIMEOUT']);
    expect(standins.dashboard.recorder.find('GET')).toHaveLength(4);
  });

  it('never repeats a POST blindly: a 5xx is followed by lookups for the quiet time, then one new POST', async () => {
    const e = entry();
    standins.dashboard.faults.inject('POST /calendar', { kind: 'status', status: 500 }, { times: 1 });
    const result = await calendar.ensure(e, { outcomeUnknown: false, quietMs: 300, pollMs: 100, idempotencyKey: `${e.externalId}:calendar:1` });
    expect(result.created).toBe(true);
    const methods = standins.dashboard.recorder.requests.map((r) => r.method);
    expect(methods[0]).toBe('POST');
    expect(methods.at(-1)).toBe('POST');
    expect(methods.slice(1, -1).every((m) => m === 'GET') && methods.length >= 3).toBe(true);
    const posts = standins.dashboard.recorder.find('POST');
    // (That the second POST waits out the quiet time, measured from the client's send, is the
    // createOnce unit test's; server-side stamps in this same busy process are too coarse for it.)
    expect(posts.map((p) => p.headers['idempotency-key'])).toEqual([`${e.externalId}:calendar:1`, `${e.externalId}:calendar:1`]);
    expect(standins.dashboard.entries().filter((x) => x.externalId === e.externalId)).toHaveLength(1);
  });

  it('a create the dashboard processes for longer than our deadline lands once: no second POST while it may land', async () => {
    const e = entry();
    // Answers (and creates) only after 1.2 s; the client gives up at 250 ms.
    standins.dashboard.faults.inject('POST /calendar', { kind: 'latency', ms: 1200 }, { times: 1 });
    const result = await calendar.ensure(e, { outcomeUnknown: false, quietMs: 2000, pollMs: 100 });
    expect(result.created).toBe(false);
    expect(standins.dashboard.recorder.find('POST')).toHaveLength(1);
    expect(standins.dashboard.entries().filter((x) => x.externalId === e.externalId)).toHaveLength(1);
  });

  it("an earlier attempt's quiet end that reads an hour away (its clock ran fast) holds the create for the quiet time, not the hour", async () => {
    const e = entry();
    const result = await calendar.ensure(e, { outcomeUnknown: true, quietUntilMs: Date.now() + 3_600_000, quietMs: 300, pollMs: 100 });
    expect(result.created).toBe(true);
    const methods = standins.dashboard.recorder.requests.map((r) => r.method);
    expect(methods.at(-1)).toBe('POST');
    expect(methods.slice(0, -1).every((m) => m === 'GET') && methods.length >= 3).toBe(true);
    expect(standins.dashboard.entries().filter((x) => x.externalId === e.externalId)).toHaveLength(1);
  });

  it('a lost response (created, then connection reset) is recovered by lookup, with no second entry', async () => {
    const e = entry();
    standins.dashboard.faults.inject('POST /calendar', { kind: 'lose_response' }, { times: 1 });
    const result = await calendar.ensure(e, { outcomeUnknown: false });
    expect(result.created).toBe(false);
    expect(standins.dashboard.recorder.requests.map((r) => r.method)).toEqual(['POST', 'GET']);
    expect(standins.dashboard.entries().filter((x) => x.externalId === e.externalId)).toHaveLength(1);
  });

  it('a wrong token is a non-retryable typed error naming DASHBOARD_TOKEN, without the token', async () => {
    const wrong = new DashboardCalendar({ url: standins.env.DASHBOARD_URL!, token: 'wrong-token-value', http: fast });
    try {
      const err = await wrong.create(entry()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UpstreamAuthError);
      expect(err).toMatchObject({ code: 'DASHBOARD_UNAUTHORIZED', retryable: false, status: 401, operatorMessage: DASHBOARD_AUTH_FIX });
      expect(DASHBOARD_AUTH_FIX).toContain('check DASHBOARD_TOKEN');
      expect(JSON.stringify({ ...(err as object), message: (err as Error).message })).not.toContain('wrong-token-value');
      expect(standins.dashboard.recorder.find('POST')).toHaveLength(1);
    } finally {
      await wrong.close();
    }
  });
});

describe('SCC client', () => {
  it('sends Authorization: Bearer {key} to /events and finds the event by externalId', async () => {
    const p = payload();
    const { eventId } = await scc.ensure(p, { outcomeUnknown: false });
    const [post] = standins.scc.recorder.find('POST', '/events');
    expect(post?.headers.authorization).toBe(`Bearer ${standins.env.SCC_SERVICE_KEY}`);
    expect(post?.headers['x-dashboard-token']).toBeUndefined();
    expect(post?.body).toEqual(p);
    await expect(scc.findByExternalId(p.externalId)).resolves.toBe(eventId);
  });

  it('a bad key gives the operator the exact fix, and the key appears nowhere in the error', async () => {
    const key = 'definitely-the-wrong-key';
    const wrong = new SccClient({ apiUrl: standins.env.SCC_API_URL!, serviceKey: key, http: fast });
    try {
      const err = await wrong.ensure(payload(), { outcomeUnknown: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UpstreamAuthError);
      expect((err as UpstreamAuthError).operatorMessage).toBe(
        "SCC rejected the service key — check SCC_SERVICE_KEY against SERVICE_KEY_HASH in the SCC Lambda's environment",
      );
      expect(err).toMatchObject({ code: 'SCC_UNAUTHORIZED', retryable: false, operatorMessage: SCC_AUTH_FIX });
      expect(`${(err as Error).message} ${(err as UpstreamAuthError).operatorMessage} ${(err as Error).stack}`).not.toContain(key);
    } finally {
      await wrong.close();
    }
  });

  it('an answer that echoes the key, or the start of it, shows neither in the error', async () => {
    const key = standins.env.SCC_SERVICE_KEY!;
    standins.scc.faults.inject('POST /events', { kind: 'status', status: 400, body: { message: `Authorization: Bearer ${key.slice(0, 12)}... malformed; was ${key}` } });
    const err = await scc.ensure(payload(), { outcomeUnknown: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const text = `${(err as Error).message} ${String((err as { operatorMessage?: string }).operatorMessage)} ${(err as Error).stack}`;
    expect(text).toContain('malformed');
    expect(text).not.toContain(key.slice(0, 8));
  });

  it('API Gateway\'s no-route 403 (its error type set) is SCC_NO_ROUTE; SCC\'s own 403 in the same words is the key', async () => {
    const body = { message: 'Missing Authentication Token' };
    standins.scc.faults.inject('POST /events', { kind: 'status', status: 403, headers: { 'x-amzn-errortype': 'MissingAuthenticationTokenException' }, body }, { times: 1 });
    await expect(scc.create(payload())).rejects.toMatchObject({ code: 'SCC_NO_ROUTE', retryable: false, operatorMessage: expect.stringContaining("check that SCC_API_URL ends in the API's stage") });
    standins.scc.faults.inject('POST /events', { kind: 'status', status: 403, body }, { times: 1 });
    await expect(scc.create(payload())).rejects.toMatchObject({ code: 'SCC_UNAUTHORIZED', retryable: false, operatorMessage: SCC_AUTH_FIX });
  });

  it('an injected 401 on one request is not retried', async () => {
    standins.scc.faults.inject('POST /events', { kind: 'unauthorized' }, { times: 1 });
    await expect(scc.create(payload())).rejects.toMatchObject({ code: 'SCC_UNAUTHORIZED' });
    expect(standins.scc.recorder.find('POST')).toHaveLength(1);
    expect(retries).toHaveLength(0);
  });

  it('a reset while creating is followed by a lookup, so SCC never gets the event twice', async () => {
    const p = payload();
    standins.scc.faults.inject('POST /events', { kind: 'reset' }, { times: 1 });
    const { created } = await scc.ensure(p, { outcomeUnknown: false, quietMs: 200, pollMs: 500 });
    expect(created).toBe(true);
    expect(standins.scc.recorder.requests.map((r) => r.method)).toEqual(['POST', 'GET', 'GET', 'POST']);
    expect(standins.scc.events().filter((e) => e.externalId === p.externalId)).toHaveLength(1);
  });

  it('refuses a CloudFront URL (or the guest site host) at construction', () => {
    expect(() => new SccClient({ apiUrl: 'https://d111111abcdef8.cloudfront.net/prod', serviceKey: 'k' })).toThrow(
      expect.objectContaining({ code: 'SCC_URL_CLOUDFRONT', operatorMessage: expect.stringContaining('strips the Authorization header') }),
    );
    expect(() => new SccClient({ apiUrl: 'https://queenofsandiego.com/api', serviceKey: 'k', guestSiteUrl: 'https://queenofsandiego.com' })).toThrow(
      expect.objectContaining({ code: 'SCC_URL_CLOUDFRONT' }),
    );
  });

  it('keeps the API Gateway stage path as a prefix', async () => {
    const staged = new SccClient({ apiUrl: `${standins.env.SCC_API_URL}/prod`, serviceKey: standins.env.SCC_SERVICE_KEY!, http: { retry: { maxRetries: 0 } } });
    try {
      await expect(staged.findByExternalId('X')).rejects.toMatchObject({ code: 'SCC_NOT_FOUND', retryable: false });
      expect(standins.scc.recorder.requests.at(-1)?.path).toBe('/prod/events');
    } finally {
      await staged.close();
    }
  });
});
