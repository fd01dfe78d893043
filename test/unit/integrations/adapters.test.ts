/** Pure parts of the adapters: payload builders, Retry-After parsing, create-once decisions. */
import { toCrewSafeView } from '../../../src/booking/crew-safe';
import { computeCosts } from '../../../src/booking/costs';
import { loadConfig } from '../../../src/config';
import { calendarEntryFor } from '../../../src/integrations/calendar';
import { createOnce } from '../../../src/integrations/create-once';
import { IntegrationError, refusedUnprocessed, UpstreamAuthError, UpstreamContractError, UpstreamRejectedError, UpstreamUnavailableError } from '../../../src/integrations/errors';
import { guestInvalidationPaths, guestObjectKeys, guestUrlFor } from '../../../src/integrations/guest-site';
import { parseRetryAfterMs } from '../../../src/integrations/http';
import { assertSccApiUrl, sccEventPayload } from '../../../src/integrations/scc';
import { RATES, sampleRequest, sampleRoster } from '../../support/booking';
import { validEnv } from '../../support/env';
import { amountsOf, findMoney } from '../../support/money-search';

const loaded = loadConfig(validEnv());
if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
const config = loaded.config;
const settings = { timezone: config.timezone, checkInLeadMinutes: config.rates.checkInLeadMinutes, operator: config.operator };

describe('sccEventPayload refuses money (the last check before SCC, which crew read)', () => {
  it('an amount in the checklist: a non-retryable error naming what to fix, no payload; a legacy name with one shows its plain word', () => {
    const source = (guestName: string) => ({ sessionId: '7K3MZQ9XW2TR', request: sampleRequest({ guestName }), roster: sampleRoster, guestUrl: 'https://q.example/g/7K3MZQ9XW2TR' });
    const build = (s: ReturnType<typeof source>, op = settings.operator) => () => sccEventPayload(toCrewSafeView(s, { ...settings, operator: op }));
    const legacy = JSON.stringify(build(source('$1200 Maria'))());
    expect(legacy).toContain('Maria');
    expect(legacy).not.toContain('1200');
    let err: IntegrationError | undefined;
    try {
      build(source('Maria Delgado'), { ...settings.operator, checklist: ['Ice', 'Collect $400 balance'] })();
      err = undefined;
    } catch (e) {
      err = e as IntegrationError;
    }
    expect(err).toMatchObject({ code: 'SCC_EVENT_HAS_MONEY', retryable: false });
    expect(err?.operatorMessage).toContain('CHARTER_CHECKLIST');
  });
});

describe('sccEventPayload', () => {
  const request = sampleRequest();
  const view = toCrewSafeView({ sessionId: '7K3MZQ9XW2TR', request, roster: sampleRoster, guestUrl: 'https://q.example/g/7K3MZQ9XW2TR' }, settings);
  const payload = sccEventPayload(view);

  it('carries the crew-safe facts SCC needs', () => {
    expect(payload).toMatchObject({
      externalId: '7K3MZQ9XW2TR',
      guestFirstName: 'Maria',
      partySize: 6,
      date: '2030-07-04',
      departureTime: '2030-07-04T16:00:00-07:00',
      checkInTime: '2030-07-04T15:30:00-07:00',
      returnTime: '2030-07-04T21:00:00-07:00',
      roster: [
        { name: 'Sam Ortiz', email: 'sam@example.com', role: 'captain' },
        { name: 'Lee Park', email: 'lee@example.com', role: 'crew' },
        { name: 'Ana Cruz', email: 'ana@example.com', role: 'crew' },
      ],
    });
    expect(payload.checklist.length).toBeGreaterThan(0);
  });

  it('describes the notes for crew only, never the internal notes, even their lines the money detector misses', () => {
    const view = toCrewSafeView({ sessionId: '7K3MZQ9XW2TR', request: sampleRequest({ notes: 'Sam: 150\nOwner split 70/30', crewNotes: 'Bring ice\nDock B slip 12' }), roster: sampleRoster, guestUrl: 'https://q.example/g/7K3MZQ9XW2TR' }, settings);
    const { description } = sccEventPayload(view);
    expect(description).toMatch(/\n\nNotes from the office:\nBring ice\nDock B slip 12$/);
    expect(description).not.toMatch(/Sam: 150|70\/30/);
  });

  it('holds no money and none of the free-text notes (which can mention money)', () => {
    const costs = computeCosts({ grossCents: request.priceCents, crewCount: 2, crewHours: 5, captainHours: 3 }, RATES);
    expect(findMoney(payload, amountsOf(costs))).toEqual([]);
    expect(JSON.stringify(payload)).not.toContain('Birthday');
    expect(JSON.stringify(payload)).not.toContain('Delgado');
  });
});

describe('calendarEntryFor', () => {
  it('spans departure to return with offsets, lists the crew, keeps internal notes', () => {
    const entry = calendarEntryFor({ id: '7K3MZQ9XW2TR', request: sampleRequest(), roster: sampleRoster }, { timezone: config.timezone, operator: config.operator, guestUrl: 'https://q.example/g/7K3MZQ9XW2TR' });
    expect(entry).toMatchObject({ externalId: '7K3MZQ9XW2TR', start: '2030-07-04T16:00:00-07:00', end: '2030-07-04T21:00:00-07:00', timezone: 'America/Los_Angeles' });
    expect(entry.crew.map((c) => c.role)).toEqual(['captain', 'crew', 'crew']);
    expect(entry.notes).toContain('BS-48213');
    expect(entry.notes).toContain('https://q.example/g/7K3MZQ9XW2TR');
  });

  it('carries the internal notes and the notes for crew, each under its label (operators only)', () => {
    const at = { timezone: config.timezone, operator: config.operator };
    const both = calendarEntryFor({ id: '7K3MZQ9XW2TR', request: sampleRequest({ notes: 'Sam: 150\nOwner split 70/30', crewNotes: 'Bring ice' }), roster: sampleRoster }, at);
    expect(both.notes).toBe('Boatsetter: BS-48213\nInternal notes:\nSam: 150\nOwner split 70/30\nNotes for crew:\nBring ice');
    const blankCrew = calendarEntryFor({ id: '7K3MZQ9XW2TR', request: sampleRequest({ notes: 'Sam: 150', crewNotes: '' }), roster: sampleRoster }, at);
    expect(blankCrew.notes).toBe('Boatsetter: BS-48213\nInternal notes:\nSam: 150');
    // A booking made before the field keeps its one text, unlabelled, as its entry always had it.
    const legacy = calendarEntryFor({ id: '7K3MZQ9XW2TR', request: sampleRequest({ notes: 'Sam: 150' }), roster: sampleRoster }, at);
    expect(legacy.notes).toBe('Boatsetter: BS-48213\nSam: 150');
  });
});

describe('assertSccApiUrl', () => {
  it('accepts API Gateway and refuses CloudFront hosts', () => {
    expect(() => assertSccApiUrl('https://abc123.execute-api.us-west-2.amazonaws.com/prod')).not.toThrow();
    expect(() => assertSccApiUrl('https://D1234.CloudFront.net')).toThrow(expect.objectContaining({ code: 'SCC_URL_CLOUDFRONT', retryable: false }));
  });
});

describe('guest site names', () => {
  it('derives keys, URL and invalidation paths from the id in any case', () => {
    expect(guestObjectKeys('7k3mZQ9XW2TR')).toEqual({ html: 'jada-guest-7k3mzq9xw2tr.html', ics: 'jada-guest-7k3mzq9xw2tr.ics' });
    expect(guestUrlFor('https://queenofsandiego.com/', '7k3mzq9xw2tr')).toBe('https://queenofsandiego.com/g/7K3MZQ9XW2TR');
    expect(guestInvalidationPaths('7k3mzq9xw2tr')).toEqual(['/jada-guest-7k3mzq9xw2tr.*', '/g/7K3MZQ9XW2TR*']);
  });
});

describe('parseRetryAfterMs', () => {
  it('reads delta-seconds and HTTP dates, ignores garbage', () => {
    expect(parseRetryAfterMs('3')).toBe(3000);
    expect(parseRetryAfterMs(['2'])).toBe(2000);
    expect(parseRetryAfterMs('Wed, 21 Oct 2015 07:28:05 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(5000);
    expect(parseRetryAfterMs('soon')).toBeUndefined();
    expect(parseRetryAfterMs(undefined)).toBeUndefined();
  });
});

describe('createOnce', () => {
  const unavailable = (maybeProcessed: boolean) =>
    new UpstreamUnavailableError('x', { code: 'X_UNAVAILABLE', retryable: true, system: 'X', operatorMessage: 'x', maybeProcessed });

  it('skips the lookup when nothing can have happened yet, and uses it when the outcome is unknown', async () => {
    const calls: string[] = [];
    const lookup = async () => (calls.push('lookup'), 'found');
    const create = async () => (calls.push('create'), 'new');
    await expect(createOnce({ lookup, create, outcomeUnknown: false })).resolves.toEqual({ value: 'new', created: true });
    await expect(createOnce({ lookup, create, outcomeUnknown: true })).resolves.toEqual({ value: 'found', created: false });
    expect(calls).toEqual(['create', 'lookup']);
  });

  it('a wall clock stepping forward an hour mid-wait does not cut the quiet time short: the late create is found, not repeated', async () => {
    let offsetMs = 0;
    let creates = 0;
    let landed = false;
    const create = async () => {
      creates += 1;
      setTimeout(() => (landed = true), 150);
      throw unavailable(true);
    };
    const lookup = async () => {
      offsetMs = 3_600_000; // NTP steps the clock after the first lookup
      return landed ? 'late-id' : undefined;
    };
    await expect(createOnce({ lookup, create, outcomeUnknown: false, quietMs: 400, pollMs: 20, now: () => Date.now() + offsetMs })).resolves.toEqual({ value: 'late-id', created: false });
    expect(creates).toBe(1);
  });

  it('an earlier quiet end that reads an hour away (a clock that ran fast) is waited out for quietMs at most', async () => {
    let mono = 0;
    const lookups: number[] = [];
    const lookup = async () => {
      lookups.push(mono);
      mono += 100; // each lookup and pause moves the monotonic clock on
      return undefined;
    };
    const create = async () => 'created';
    const result = await createOnce({ lookup, create, outcomeUnknown: true, quietUntilMs: Date.now() + 3_600_000, quietMs: 500, pollMs: 0, monotonicNow: () => mono });
    expect(result).toEqual({ value: 'created', created: true });
    // Lookups until one starts at 500 (the quiet time), then the POST: not an hour of them.
    expect(lookups).toEqual([0, 100, 200, 300, 400, 500]);
  });

  it('after an ambiguous failure looks up before creating again, at most maxCreates POSTs', async () => {
    let creates = 0;
    const create = async () => {
      creates += 1;
      throw unavailable(true);
    };
    await expect(createOnce({ lookup: async () => undefined, create, outcomeUnknown: false, maxCreates: 2, quietMs: 0, pollMs: 0 })).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(creates).toBe(2);
  });

  it('never POSTs again while an unanswered POST may still land: it lands late and is found', async () => {
    const sentAt: number[] = [];
    let landed = false;
    const create = async () => {
      sentAt.push(Date.now());
      // The upstream processes the request after the client gave up on it.
      setTimeout(() => (landed = true), 150);
      throw unavailable(true);
    };
    const lookup = async () => (landed ? 'late-id' : undefined);
    await expect(createOnce({ lookup, create, outcomeUnknown: false, quietMs: 400, pollMs: 20 })).resolves.toEqual({ value: 'late-id', created: false });
    expect(sentAt).toHaveLength(1);
  });

  it('POSTs again only after the quiet time, when a lookup started after it still finds nothing', async () => {
    const sentAt: number[] = [];
    const lookupsAt: number[] = [];
    const create = async () => {
      sentAt.push(Date.now());
      if (sentAt.length === 1) throw unavailable(true);
      return 'second';
    };
    const lookup = async () => (lookupsAt.push(Date.now()), undefined);
    await expect(createOnce({ lookup, create, outcomeUnknown: false, quietMs: 200, pollMs: 50 })).resolves.toEqual({ value: 'second', created: true });
    expect(sentAt).toHaveLength(2);
    expect(sentAt[1]! - sentAt[0]!).toBeGreaterThanOrEqual(200);
    expect(lookupsAt.at(-1)! - sentAt[0]!).toBeGreaterThanOrEqual(200);
  });

  it('counts the quiet time from when the unanswered POST failed, not from when it started', async () => {
    const sentAt: number[] = [];
    let failedAt = 0;
    const create = async () => {
      sentAt.push(Date.now());
      if (sentAt.length > 1) return 'second';
      // A slow upload: the upstream may have received the request just before the client gave up.
      await new Promise((r) => setTimeout(r, 120));
      failedAt = Date.now();
      throw unavailable(true);
    };
    await expect(createOnce({ lookup: async () => undefined, create, outcomeUnknown: false, quietMs: 150, pollMs: 20 })).resolves.toEqual({ value: 'second', created: true });
    expect(sentAt[1]! - failedAt).toBeGreaterThanOrEqual(150);
  });

  it("honours an earlier attempt's quiet time and gives up (outcome unknown) when lookups fail throughout", async () => {
    let creates = 0;
    const create = async () => (creates++, 'x');
    const failingLookup = async () => {
      throw unavailable(true);
    };
    const quietUntilMs = Date.now() + 150;
    await expect(createOnce({ lookup: failingLookup, create, outcomeUnknown: true, quietUntilMs, pollMs: 20, system: 'DASHBOARD' })).rejects.toMatchObject({ code: 'DASHBOARD_OUTCOME_UNKNOWN', retryable: true });
    expect(creates).toBe(0);
  });

  it('stops at the attempt deadline without a further POST', async () => {
    let creates = 0;
    const create = async () => {
      creates += 1;
      throw unavailable(true);
    };
    const signal = AbortSignal.timeout(100);
    await expect(createOnce({ lookup: async () => undefined, create, outcomeUnknown: false, quietMs: 5000, pollMs: 20, signal })).rejects.toThrow();
    expect(creates).toBe(1);
  });

  it('counts as refused before anything was processed only what never left or was answered with a refusal', () => {
    const answered = (status: number) => new UpstreamRejectedError(`x ${status}`, { code: 'X_REJECTED', retryable: false, system: 'X', operatorMessage: 'x', status });
    expect(refusedUnprocessed(unavailable(false))).toBe(true);
    expect(refusedUnprocessed(new UpstreamAuthError('401', { code: 'X_UNAUTHORIZED', retryable: false, system: 'X', operatorMessage: 'x', status: 401 }))).toBe(true);
    expect(refusedUnprocessed(answered(400))).toBe(true);
    // A 409 may be an upstream saying it already has the request; a 2xx whose body broke the contract was processed.
    expect(refusedUnprocessed(answered(409))).toBe(false);
    expect(refusedUnprocessed(new UpstreamContractError('no id', { code: 'X_CONTRACT', retryable: false, system: 'X', operatorMessage: 'x' }))).toBe(false);
    expect(refusedUnprocessed(unavailable(true))).toBe(false);
    expect(refusedUnprocessed(new Error('bug'))).toBe(false);
  });

  it('does not re-create after a failure that cannot have taken effect, or after a rejection', async () => {
    let creates = 0;
    const throwing = (err: Error) => async () => {
      creates += 1;
      throw err;
    };
    await expect(createOnce({ lookup: async () => undefined, create: throwing(unavailable(false)), outcomeUnknown: false })).rejects.toMatchObject({ maybeProcessed: false });
    const rejected = new UpstreamRejectedError('bad', { code: 'X_REJECTED', retryable: false, system: 'X', operatorMessage: 'bad' });
    await expect(createOnce({ lookup: async () => undefined, create: throwing(rejected), outcomeUnknown: false })).rejects.toBe(rejected);
    expect(creates).toBe(2);
  });
});
