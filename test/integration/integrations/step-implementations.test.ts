/** The pipeline's integration steps against every stand-in, over real HTTP, s3rver and dynalite. */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { request } from 'undici';
import { loadConfig, type Config } from '../../../src/config';
import { createLogger } from '../../../src/log';
import { createIntegrations, type Integrations } from '../../../src/integrations';
import { createStepImplementations, type IntegrationSteps } from '../../../src/pipeline/step-implementations';
import type { BookingRecord, StepContext, StepName, StepResult } from '../../../src/pipeline/types';
import { startStandins, type Standins } from '../../../src/sandbox/standins';
import { sampleRecord } from '../../fixtures/pipeline/booking';
import { validEnv } from '../../support/env';

let standins: Standins;
let config: Config;
let integrations: Integrations;
let steps: IntegrationSteps;
const log = createLogger({ level: 'silent' });

beforeAll(async () => {
  standins = await startStandins();
  const loaded = loadConfig(validEnv(standins.env));
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  config = loaded.config;
  integrations = createIntegrations(config, { env: standins.env, http: { retry: { minDelayMs: 5, maxDelayMs: 50 } } });
  steps = createStepImplementations({ config, ...integrations });
});
afterAll(async () => {
  await integrations?.close();
  await standins?.close();
});

function ctx(booking: BookingRecord, results: Partial<Record<StepName, StepResult>>, attempt = 1, previous?: StepResult): StepContext {
  return { booking, results, attempt, log, ...(previous ? { previous } : {}) };
}

async function runAll(booking: BookingRecord, attempt = 1) {
  const results: Partial<Record<StepName, StepResult>> = {};
  [results.calendar, results.scc_event, results.guest_page] = await Promise.all([
    steps.calendar(ctx(booking, results, attempt)),
    steps.scc_event(ctx(booking, results, attempt)),
    steps.guest_page(ctx(booking, results, attempt)),
  ]);
  results.revenue_guard = await steps.revenue_guard(ctx(booking, results, attempt));
  results.guest_cache = await steps.guest_cache(ctx(booking, results, attempt));
  return results;
}

describe('integration steps', () => {
  it('produce every artifact and the result fields the pipeline and Slack rely on', async () => {
    const booking = sampleRecord();
    const r = await runAll(booking);
    expect(r.calendar).toEqual({ calendarId: expect.stringMatching(/^cal_/), created: true });
    expect(r.scc_event).toEqual({ eventId: expect.stringMatching(/^evt_/), created: true });
    // The stand-in seeds 10 top-level money fields, crewPay on each of 3 roster entries and a `billing`
    // map (a money name: removed whole, its memo and lines with it), and 6 money lines (4 in notes, 2 in description).
    expect(r.revenue_guard).toEqual({ eventId: r.scc_event!.eventId, items: 1, removedAttributes: 14, removedNoteLines: 6, verified: true });
    expect(r.guest_page).toEqual({
      key: `jada-guest-${booking.id.toLowerCase()}.html`,
      icsKey: `jada-guest-${booking.id.toLowerCase()}.ics`,
      contentHash: expect.stringMatching(/^[0-9a-f]{16}$/),
      guestUrl: `${standins.env.GUEST_SITE_URL}/g/${booking.id}`,
      // What the page showed, for the cancelled notice to name the trip as the guest saw it.
      shownDate: booking.request.date,
      shownDepartureTime: booking.request.departureTime,
      shownDurationHours: booking.request.durationHours,
    });
    expect(r.guest_cache).toMatchObject({ invalidationId: expect.any(String), guestUrl: r.guest_page!.guestUrl });

    const item = await integrations.aws.dynamodb.send(
      new GetItemCommand({ TableName: config.scc.eventsTable, Key: { eventId: { S: r.scc_event!.eventId as string } }, ConsistentRead: true }),
    );
    expect(item.Item?.captainFee).toBeUndefined();
    expect(item.Item?.notes?.S).not.toContain('$');
    expect(item.Item?.externalId).toEqual({ S: booking.id });

    const page = await request(String(r.guest_page!.guestUrl));
    expect(page.statusCode).toBe(200);
    expect(await page.body.text()).toContain('<html');
    const obj = await integrations.aws.s3.send(new GetObjectCommand({ Bucket: config.guest.bucket, Key: String(r.guest_page!.key) }));
    expect(obj.ContentType).toBe('text/html; charset=utf-8');
    expect(obj.CacheControl).toContain('s-maxage');
    await obj.Body?.transformToString();

    const inv = standins.cloudfront.invalidations().find((i) => i.id === r.guest_cache!.invalidationId);
    expect(inv?.paths).toEqual([`/jada-guest-${booking.id.toLowerCase()}.*`, `/g/${booking.id}*`]);
  });

  it('a second attempt of everything creates no second calendar entry, SCC event or invalidation', async () => {
    const booking = sampleRecord();
    const first = await runAll(booking, 1);
    const before = { cal: standins.dashboard.entries().length, scc: standins.scc.events().length, inv: standins.cloudfront.invalidations().length };
    const second = await runAll(booking, 2);
    expect(second.calendar).toEqual({ calendarId: first.calendar!.calendarId, created: false });
    expect(second.scc_event).toEqual({ eventId: first.scc_event!.eventId, created: false });
    expect(second.revenue_guard).toMatchObject({ removedAttributes: 0, removedNoteLines: 0, verified: true });
    expect(second.guest_page!.contentHash).toBe(first.guest_page!.contentHash);
    expect(second.guest_cache!.invalidationId).toBe(first.guest_cache!.invalidationId);
    expect({ cal: standins.dashboard.entries().length, scc: standins.scc.events().length, inv: standins.cloudfront.invalidations().length }).toEqual(before);
  });

  it('can build its own adapters from configuration alone (what the composition root calls)', async () => {
    const fromConfig = createStepImplementations({ config, env: standins.env, log });
    const booking = sampleRecord();
    await expect(fromConfig.calendar(ctx(booking, {}))).resolves.toMatchObject({ created: true });
    await expect(fromConfig.guest_page(ctx(booking, {}))).resolves.toMatchObject({ guestUrl: `${standins.env.GUEST_SITE_URL}/g/${booking.id}` });
  });

  it('guest_cache without a guest_page result fails as a non-retryable bug', async () => {
    await expect(steps.guest_cache(ctx(sampleRecord(), {}))).rejects.toMatchObject({ code: 'PIPELINE_MISSING_RESULT', retryable: false });
  });

  it('a guest name saved with money before the form refused it: the page and SCC show the plain first name, never the amount', async () => {
    const clean = sampleRecord();
    const booking = { ...clean, request: { ...clean.request, guestName: '$1,200 paid — Maria Delgado' } };
    await steps.guest_page(ctx(booking, {}));
    const created = await steps.scc_event(ctx(booking, {}));
    const page = await request(`${standins.env.GUEST_SITE_URL}/g/${booking.id}`);
    const html = await page.body.text();
    expect(page.statusCode).toBe(200);
    expect(html).toContain('Ahoy, <bdi>Maria</bdi>!');
    expect(html).not.toContain('1,200');
    const events = standins.scc.events().filter((e) => e.externalId === booking.id);
    expect(events.map((e) => e.eventId)).toEqual([created.eventId]);
    expect(JSON.stringify(events)).toContain('Maria');
    expect(JSON.stringify(events)).not.toContain('1,200');
  });
});
