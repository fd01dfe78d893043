/**
 * Guest page render, per page: the CPU part of the guest_page step (view, HTML, .ics), p50/p99
 * over distinct bookings. Report only; for scale it is set against one PutObject of the same
 * page on s3rver measured in this run (the call the render precedes).
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '../src/config';
import { buildGuestPageView, renderGuestCalendar, renderGuestPage } from '../src/integrations/guest-page';
import { S3RVER_CREDENTIALS } from '../src/sandbox/s3-standin';
import { appEnv, type BenchResult, pendingBooking, percentile, round } from './harness';

const RENDERS = 2000;
const PUTS = 100;

export async function benchRender(ctx: { standinEnv: Record<string, string> }): Promise<BenchResult> {
  const loaded = loadConfig(appEnv(ctx.standinEnv, { slackApiUrl: 'http://127.0.0.1:9/api/', storePath: '/tmp/unused.db' }));
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const { config } = loaded;
  const settings = { timezone: config.timezone, checkInLeadMinutes: config.rates.checkInLeadMinutes, operator: config.operator };
  const bookings = Array.from({ length: 50 }, (_, i) => pendingBooking(i));
  const render = (i: number) => {
    const b = bookings[i % bookings.length]!;
    const view = buildGuestPageView({ sessionId: b.id, request: b.request, roster: b.roster, guestUrl: `${config.guest.siteUrl}/g/${b.id}`, guestFullName: b.request.guestName, asOfMs: b.createdAtMs }, settings);
    const html = renderGuestPage(view);
    return { html, ics: renderGuestCalendar(view, { now: new Date(b.createdAtMs) }) };
  };
  for (let i = 0; i < 200; i++) render(i);
  const pageMs: number[] = [];
  let html = '';
  for (let i = 0; i < RENDERS; i++) {
    const t0 = performance.now();
    html = render(i).html;
    pageMs.push(performance.now() - t0);
  }

  const s3 = new S3Client({ endpoint: ctx.standinEnv.AWS_ENDPOINT_URL_S3, region: ctx.standinEnv.AWS_REGION, forcePathStyle: true, credentials: S3RVER_CREDENTIALS, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  const putMs: number[] = [];
  try {
    for (let i = 0; i < PUTS + 10; i++) {
      const t0 = performance.now();
      await s3.send(new PutObjectCommand({ Bucket: ctx.standinEnv.GUEST_BUCKET, Key: `bench-render-${i % 10}.html`, Body: html, ContentType: 'text/html; charset=utf-8' }));
      if (i >= 10) putMs.push(performance.now() - t0);
    }
  } finally {
    s3.destroy();
  }
  const p99 = percentile(pageMs, 99);
  const put50 = percentile(putMs, 50);
  return {
    id: 'RENDER',
    what: `guest page render (view + HTML + .ics), ${RENDERS} pages`,
    baseline: { label: 's3rver PutObject p50', value: round(put50), unit: 'ms' },
    measured: { label: 'render p99', value: round(p99, 3), unit: 'ms' },
    ratio: round(p99 / put50, 3),
    goal: null,
    pass: null,
    extra: { render_p50_ms: round(percentile(pageMs, 50), 3), page_bytes: Buffer.byteLength(html) },
    notes: [],
  };
}
