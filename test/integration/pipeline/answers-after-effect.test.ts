/**
 * Answers that go wrong after the side effect, with the production adapters against the sandbox
 * stand-ins (SQLite store, BookingService):
 *  - the dashboard creates the calendar entry and answers 200 with a cut-off JSON body: the entry
 *    exists, so the step finds it rather than failing for good as if the URL pointed elsewhere;
 *  - SCC applies a reschedule PATCH and its answer is lost: the next attempt waits out the quiet
 *    time (SCC e-mails the crew on every PATCH; the first may still be landing), then finds the
 *    change in SCC's item and sends no repeat; the revenue guard runs after the quiet time.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../../src/log';
import { BookingService } from '../../../src/pipeline/service';
import { SqliteBookingStore } from '../../../src/pipeline/sqlite-store';
import { startStandins, type Standins } from '../../../src/sandbox/standins';
import { sampleNewBooking } from '../../fixtures/pipeline/booking';
import { startRecordingServer, type RecordingServer } from '../../fixtures/pipeline/recording-server';
import { sandboxSteps } from '../../fixtures/pipeline/sandbox-steps';

jest.setTimeout(60_000);
const log = createLogger({ level: 'silent', pretty: false });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-answers-after-effect-'));
let standins: Standins;
let notices: RecordingServer;
beforeAll(async () => {
  standins = await startStandins();
  notices = await startRecordingServer();
});
afterAll(async () => {
  await notices.close();
  await standins.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Forwards to `target`; the first POST /calendar answer is cut to half its body (same status, consistent length). */
async function truncatingProxy(target: string): Promise<{ url: string; close(): Promise<void> }> {
  let cut = false;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'host' && k !== 'content-length')) as Record<string, string>;
        const up = await fetch(`${target}${req.url}`, { method: req.method!, headers, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) });
        let text = await up.text();
        if (!cut && req.method === 'POST' && req.url?.startsWith('/calendar')) {
          cut = true;
          text = text.slice(0, Math.floor(text.length / 2));
        }
        res.writeHead(up.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

it('the dashboard creates the entry and its 200 answer is cut off: the step finds the entry, one entry, no second POST', async () => {
  const proxy = await truncatingProxy(standins.env.DASHBOARD_URL!);
  const sandbox = sandboxSteps({ ...standins.env, DASHBOARD_URL: proxy.url, NOTICES_URL: notices.url });
  const store = SqliteBookingStore.open(path.join(tmp, 'a.db'));
  const service = new BookingService({ store, steps: sandbox.steps, log });
  try {
    const booking = await service.create(sampleNewBooking());
    await service.approve(booking.id, 'U0APPROVER1');
    await service.idle();
    const r = (await service.get(booking.id))!;
    expect(r.state).toBe('done');
    const entries = standins.dashboard.entries().filter((e) => e.externalId === booking.id);
    expect(entries).toHaveLength(1);
    expect(r.steps.calendar.result).toMatchObject({ calendarId: entries[0]!.id, created: false });
    expect(standins.dashboard.recorder.find('POST', '/calendar').filter((q) => (q.body as { externalId?: string }).externalId === booking.id)).toHaveLength(1);
  } finally {
    await service.idle();
    await sandbox.close();
    await store.close();
    await proxy.close();
  }
});

it('an SCC PATCH whose answer was lost is not repeated once the quiet time shows it landed, and the revenue guard comes after', async () => {
  const sandbox = sandboxSteps({ ...standins.env, NOTICES_URL: notices.url, CHARTER_CREATE_QUIET_MS: '4000' });
  const store = SqliteBookingStore.open(path.join(tmp, 'b.db'));
  const service = new BookingService({ store, steps: sandbox.steps, log, baseDelayMs: 5, maxDelayMs: 20, createQuietMs: 4000 });
  try {
    const booking = await service.create(sampleNewBooking());
    await service.approve(booking.id, 'U0APPROVER1');
    await service.idle();
    const done = (await service.get(booking.id))!;
    const patchesOf = () => standins.scc.recorder.find('PATCH').filter((r) => r.path.startsWith('/events/'));
    const before = patchesOf().length;
    standins.scc.faults.inject('PATCH *', { kind: 'lose_response' }, { times: 1 });
    const op = await service.proposeChange(booking.id, { details: { request: { ...done.request, date: '2030-07-11' }, roster: done.roster, costs: done.costs }, label: 'reschedule', userId: 'U0OFFICE01' });
    await service.approveChange(booking.id, op.op.id, 'U0APPROVER1');
    // The second attempt has claimed the step, with the first one's quiet time on it.
    let quietUntilMs: number | undefined;
    while (quietUntilMs === undefined) {
      const step = (await service.get(booking.id))?.operations?.find((o) => o.id === op.op.id)?.steps?.scc_update;
      if (step && step.attempts >= 2) quietUntilMs = step.quietUntilMs;
      await new Promise((r) => setTimeout(r, 20));
    }
    await service.idle();

    const r = (await service.get(booking.id))!;
    const ran = r.operations?.find((o) => o.id === op.op.id);
    expect(ran?.status).toBe('done');
    // SCC's item showed the change once the first PATCH could no longer be landing: no repeat.
    expect(patchesOf().slice(before)).toHaveLength(1);
    expect(ran?.steps?.scc_update?.result).toMatchObject({ alreadyApplied: true });
    // The guard cleaned only after the first PATCH could still land.
    expect(ran?.steps?.revenue_guard?.startedAtMs ?? 0).toBeGreaterThanOrEqual(quietUntilMs);
    expect(ran?.steps?.revenue_guard?.result?.verified).toBe(true);
  } finally {
    standins.scc.faults.clear();
    await service.idle();
    await sandbox.close();
    await store.close();
  }
});
